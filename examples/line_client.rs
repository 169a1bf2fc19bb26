//! A line-protocol client: tokio-util's `Framed` with `LinesCodec` over a zokio `TcpStream`,
//! sending each line of standard input and printing each line that comes back.
//!
//! ```sh
//! cargo run --example tcp_echo &                      # something to talk to
//! cargo run --example line_client -- 127.0.0.1:8080   # type lines; Ctrl-D to quit
//! cargo run --example line_client -- --smoke          # talks to a line server of its own, then exits
//! ```

use futures_util::{SinkExt, StreamExt};
use tokio_util::codec::{Framed, FramedRead, LinesCodec};
use zokio::io::AsyncWriteExt;
use zokio::net::{TcpListener, TcpStream};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[zokio::main]
async fn main() -> Result<(), Error> {
    let smoke = std::env::args().any(|a| a == "--smoke")
        || std::env::var_os("ZOKIO_EXAMPLE_SMOKE").is_some_and(|v| v == "1");
    if smoke {
        return smoke_test().await;
    }
    let addr = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let stream = TcpStream::connect(&addr).await?;
    let mut server = Framed::new(stream, LinesCodec::new_with_max_length(64 * 1024));
    let mut stdin = FramedRead::new(zokio::io::stdin(), LinesCodec::new());
    loop {
        zokio::select! {
            line = stdin.next() => match line {
                Some(line) => server.send(line?).await?,
                None => break, // end of input
            },
            reply = server.next() => match reply {
                Some(reply) => println!("{}", reply?),
                None => {
                    println!("(server closed the connection)");
                    return Ok(());
                }
            },
        }
    }
    // Done sending: half-close, and print what is still on its way back.
    server.get_mut().shutdown().await?;
    while let Some(reply) = server.next().await {
        println!("{}", reply?);
    }
    Ok(())
}

/// Starts a line server that answers each line in upper case, and talks to it once.
async fn smoke_test() -> Result<(), Error> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    zokio::spawn(async move {
        let (socket, _) = listener.accept().await?;
        let mut lines = Framed::new(socket, LinesCodec::new());
        while let Some(line) = lines.next().await {
            lines.send(line?.to_uppercase()).await?;
        }
        Ok::<_, Error>(())
    });

    let mut server = Framed::new(TcpStream::connect(addr).await?, LinesCodec::new());
    for word in ["hello", "zokio"] {
        server.send(word).await?;
        let reply = server.next().await.ok_or("connection closed")??;
        assert_eq!(reply, word.to_uppercase());
        println!("{word} -> {reply}");
    }
    println!("smoke test passed");
    Ok(())
}
