//! A chat server: every line a client sends goes to every other client, through a `broadcast`
//! channel that each connection's task both publishes to and subscribes to.
//!
//! ```sh
//! cargo run --example chat             # listens on 127.0.0.1:6142; join with `nc 127.0.0.1 6142`
//! cargo run --example chat -- ADDR     # listens on ADDR
//! cargo run --example chat -- --smoke  # two clients chat once over loopback, then it exits
//! ```

use std::net::SocketAddr;

use zokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use zokio::net::{TcpListener, TcpStream};
use zokio::sync::broadcast;

/// One chat line: who said it, and what.
#[derive(Clone, Debug)]
struct Message {
    from: SocketAddr,
    text: String,
}

#[zokio::main]
async fn main() -> std::io::Result<()> {
    let smoke = std::env::args().any(|a| a == "--smoke")
        || std::env::var_os("ZOKIO_EXAMPLE_SMOKE").is_some_and(|v| v == "1");
    let addr = match std::env::args().skip(1).find(|a| !a.starts_with("--")) {
        Some(addr) => addr,
        None if smoke => "127.0.0.1:0".to_owned(),
        None => "127.0.0.1:6142".to_owned(),
    };
    let listener = TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?;
    println!("chat server on {local}");

    // Slow readers that fall more than 100 lines behind skip ahead (and are told so).
    let (tx, _) = broadcast::channel::<Message>(100);
    let server = zokio::spawn(async move {
        loop {
            let (socket, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    continue;
                }
            };
            let tx = tx.clone();
            zokio::spawn(async move {
                if let Err(e) = client(socket, peer, tx).await {
                    eprintln!("{peer}: {e}");
                }
            });
        }
    });

    if smoke {
        smoke_test(local).await?;
        server.abort();
        return Ok(());
    }
    server.await?;
    Ok(())
}

/// Serves one client: its lines go out to everyone, everyone else's lines come in.
async fn client(
    socket: TcpStream,
    peer: SocketAddr,
    tx: broadcast::Sender<Message>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    // Subscribe before announcing, so nothing said from now on is missed.
    let mut rx = tx.subscribe();
    write.write_all(b"welcome to the chat\n").await?;
    let _ = tx.send(Message {
        from: peer,
        text: "* joined".into(),
    });
    loop {
        zokio::select! {
            line = lines.next_line() => match line? {
                Some(text) => {
                    let _ = tx.send(Message { from: peer, text });
                }
                None => break,
            },
            message = rx.recv() => match message {
                Ok(message) if message.from == peer => {}
                Ok(message) => {
                    let line = format!("[{}] {}\n", message.from, message.text);
                    write.write_all(line.as_bytes()).await?;
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    write.write_all(format!("* missed {n} lines\n").as_bytes()).await?;
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    let _ = tx.send(Message {
        from: peer,
        text: "* left".into(),
    });
    Ok(())
}

/// Two clients join; what one says, the other hears.
async fn smoke_test(server: SocketAddr) -> std::io::Result<()> {
    let alice = TcpStream::connect(server).await?;
    let alice_addr = alice.local_addr()?;
    let (alice_read, mut alice_write) = alice.into_split();
    let mut alice_lines = BufReader::new(alice_read).lines();
    assert_eq!(
        alice_lines.next_line().await?.as_deref(),
        Some("welcome to the chat")
    );

    let bob = TcpStream::connect(server).await?;
    let bob_addr = bob.local_addr()?;
    let (bob_read, _bob_write) = bob.into_split();
    let mut bob_lines = BufReader::new(bob_read).lines();
    assert_eq!(
        bob_lines.next_line().await?.as_deref(),
        Some("welcome to the chat")
    );
    // Alice hears Bob join: from then on Bob is subscribed.
    assert_eq!(
        alice_lines.next_line().await?,
        Some(format!("[{bob_addr}] * joined"))
    );

    alice_write.write_all(b"hello, bob\n").await?;
    assert_eq!(
        bob_lines.next_line().await?,
        Some(format!("[{alice_addr}] hello, bob"))
    );
    println!("smoke test passed: bob heard alice");
    Ok(())
}
