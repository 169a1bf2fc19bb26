//! A TCP echo server: every connection gets its own task, which writes back what it reads.
//!
//! ```sh
//! cargo run --example tcp_echo            # listens on 127.0.0.1:8080; try `nc 127.0.0.1 8080`
//! cargo run --example tcp_echo -- ADDR    # listens on ADDR
//! cargo run --example tcp_echo -- --smoke # echoes once to itself over loopback, then exits
//! ```

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};

#[zokio::main]
async fn main() -> std::io::Result<()> {
    let smoke = std::env::args().any(|a| a == "--smoke")
        || std::env::var_os("ZOKIO_EXAMPLE_SMOKE").is_some_and(|v| v == "1");
    let addr = match std::env::args().skip(1).find(|a| !a.starts_with("--")) {
        Some(addr) => addr,
        None if smoke => "127.0.0.1:0".to_owned(),
        None => "127.0.0.1:8080".to_owned(),
    };
    let listener = TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?;
    println!("echo server on {local}");

    let server = zokio::spawn(async move {
        loop {
            let (socket, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    continue;
                }
            };
            zokio::spawn(async move {
                if let Err(e) = echo(socket).await {
                    eprintln!("{peer}: {e}");
                }
            });
        }
    });

    if smoke {
        let mut client = TcpStream::connect(local).await?;
        client.write_all(b"hello, echo").await?;
        client.shutdown().await?; // half-close: the server sees end of file after the data
        let mut reply = String::new();
        client.read_to_string(&mut reply).await?;
        assert_eq!(reply, "hello, echo");
        println!("smoke test passed: {reply:?} came back");
        server.abort();
        return Ok(());
    }
    server.await?;
    Ok(())
}

async fn echo(mut socket: TcpStream) -> std::io::Result<()> {
    let mut buf = vec![0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        socket.write_all(&buf[..n]).await?;
    }
}
