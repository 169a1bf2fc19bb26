//! TCP: echo under load, errors, half-close, splitting, and the readiness race.

mod common;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use common::{BoxFuture, join_all, run};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use zokio_reactor::net::{TcpListener, TcpSocket, TcpStream, lookup_host};

const LIMIT: Duration = Duration::from_secs(60);

/// The bytes client `client` sends from stream offset `offset` on: a period-251 pattern shifted
/// per client, served from a table so that generating and checking are memcpy/memcmp.
fn pattern(table: &[u8], client: usize, offset: usize, len: usize) -> &[u8] {
    let start = (client * 7 + offset) % 251;
    &table[start..start + len]
}

fn pattern_table(max_len: usize) -> Vec<u8> {
    (0..251 + max_len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn echo_200_clients_1_mib_each_byte_exact() {
    const CLIENTS: usize = 200;
    const SIZE: usize = 1 << 20;
    const CHUNK: usize = 64 * 1024;
    let table: &'static [u8] = pattern_table(CHUNK).leak();
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut tasks: Vec<BoxFuture<usize>> = Vec::new();
        // The server: accept every client and echo with split halves until EOF.
        let listener = std::rc::Rc::new(listener);
        for _ in 0..CLIENTS {
            let listener = std::rc::Rc::clone(&listener);
            tasks.push(Box::pin(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let (mut reader, mut writer) = stream.split();
                let copied = futures_lite::io::copy(&mut reader, &mut writer)
                    .await
                    .unwrap();
                writer.close().await.unwrap();
                copied as usize
            }));
        }
        for client in 0..CLIENTS {
            tasks.push(Box::pin(async move {
                let stream = TcpStream::connect(addr).await.unwrap();
                let (mut reader, mut writer) = stream.into_split();
                let send = async move {
                    let mut offset = 0;
                    while offset < SIZE {
                        let n = CHUNK.min(SIZE - offset);
                        let chunk = pattern(table, client, offset, n);
                        writer.write_all(chunk).await.unwrap();
                        offset += n;
                    }
                    writer.close().await.unwrap();
                };
                let receive = async move {
                    let mut received = 0;
                    let mut buf = vec![0u8; CHUNK];
                    loop {
                        let n = reader.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        assert!(
                            buf[..n] == *pattern(table, client, received, n),
                            "client {client}: wrong bytes at offset {received}"
                        );
                        received += n;
                    }
                    received
                };
                let ((), received) = futures_lite::future::zip(send, receive).await;
                received
            }));
        }
        let results = join_all(tasks).await;
        assert!(results.iter().all(|&n| n == SIZE), "{results:?}");
    });
}

#[test]
fn connection_refused_is_an_error() {
    run(LIMIT, async {
        // Bind then drop a listener to find a port nobody listens on.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let error = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn address_in_use_is_an_error() {
    run(LIMIT, async {
        let first = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let error = TcpListener::bind(first.local_addr().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    });
}

#[test]
fn connect_tries_every_address_in_turn() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let addrs: Vec<SocketAddr> = vec![dead, listener.local_addr().unwrap()];
        let stream = TcpStream::connect(&addrs[..]).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
        // With no usable address the last error is returned.
        let error = TcpStream::connect(&[dead][..]).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
        let error = TcpStream::connect(&[][..]).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    });
}

#[test]
fn lookup_host_resolves_names_and_literals() {
    run(LIMIT, async {
        let literal: Vec<_> = lookup_host("127.0.0.1:80").await.unwrap().collect();
        assert_eq!(literal, ["127.0.0.1:80".parse::<SocketAddr>().unwrap()]);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let named: Vec<_> = lookup_host(("localhost", port)).await.unwrap().collect();
        assert!(
            named
                .iter()
                .all(|a| a.port() == port && a.ip().is_loopback()),
            "{named:?}"
        );
        // Connecting by name reaches the IPv4 listener, whatever order the resolver returns.
        let stream = TcpStream::connect(format!("localhost:{port}"))
            .await
            .unwrap();
        assert_eq!(stream.peer_addr().unwrap().port(), port);
    });
}

#[test]
fn half_close_lets_the_other_direction_continue() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"request").await.unwrap();
        client.close().await.unwrap();
        let mut request = Vec::new();
        server.read_to_end(&mut request).await.unwrap();
        assert_eq!(request, b"request");
        // The server can still answer after the client's half-close.
        server.write_all(b"response").await.unwrap();
        // The std/socket2 way (TcpStream has no inherent `shutdown`, as in Tokio).
        socket2::SockRef::from(&server)
            .shutdown(Shutdown::Write)
            .unwrap();
        let mut response = Vec::new();
        client.read_to_end(&mut response).await.unwrap();
        assert_eq!(response, b"response");
    });
}

#[test]
fn owned_halves_reunite_and_peek() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let (read, write) = client.into_split();
        let client = read.reunite(write).unwrap();
        server.write_all(b"peekaboo").await.unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(client.peek(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf, b"peek");
        let mut client = client;
        let mut all = [0u8; 8];
        client.read_exact(&mut all).await.unwrap();
        assert_eq!(&all, b"peekaboo");
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_ttl(42).unwrap();
        assert_eq!(client.ttl().unwrap(), 42);
        // Halves of different streams do not reunite.
        let other = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (read_a, _write_a) = client.into_split();
        let (_read_b, write_b) = other.into_split();
        assert!(read_a.reunite(write_b).is_err());
    });
}

#[test]
fn try_read_would_block_then_reads() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(
            server.try_read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        assert_eq!(client.try_write(b"x").unwrap(), 1);
        server.readable().await.unwrap();
        assert_eq!(server.try_read(&mut buf).unwrap(), 1);
    });
}

#[test]
fn tcp_socket_options_bind_listen_connect() {
    run(LIMIT, async {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        assert!(socket.reuseaddr().unwrap());
        socket.set_reuseport(true).unwrap();
        assert!(socket.reuseport().unwrap());
        socket.set_send_buffer_size(64 * 1024).unwrap();
        assert!(socket.send_buffer_size().unwrap() >= 64 * 1024);
        socket.set_recv_buffer_size(64 * 1024).unwrap();
        assert!(socket.recv_buffer_size().unwrap() >= 64 * 1024);
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        let listener = socket.listen(16).unwrap();
        assert_eq!(listener.local_addr().unwrap(), addr);
        let client = TcpSocket::new_v4().unwrap();
        client.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let client_addr = client.local_addr().unwrap();
        let stream = client.connect(addr).await.unwrap();
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client_addr);
        assert_eq!(stream.local_addr().unwrap(), client_addr);
        // std round trip.
        let std = stream.into_std().unwrap();
        let stream = TcpStream::from_std(std).unwrap();
        assert_eq!(stream.local_addr().unwrap(), client_addr);
    });
}

/// Readiness must survive the window between an operation returning `WouldBlock` and the waker being
/// stored: a blocking peer thread answers each byte at arbitrary moments, thousands of times. A lost
/// event would hang the exchange (caught by the time limit).
#[test]
fn ping_pong_with_a_racing_thread_never_loses_a_wakeup() {
    const ROUNDS: usize = 5_000;
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut stream, _) = std_listener.accept().unwrap();
        stream.set_nodelay(true).unwrap();
        let mut byte = [0u8; 1];
        for _ in 0..ROUNDS {
            stream.read_exact(&mut byte).unwrap();
            byte[0] = byte[0].wrapping_add(1);
            stream.write_all(&byte).unwrap();
        }
    });
    run(LIMIT, async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let mut byte = [0u8; 1];
        for round in 0..ROUNDS {
            let sent = round as u8;
            stream.write_all(&[sent]).await.unwrap();
            stream.read_exact(&mut byte).await.unwrap();
            assert_eq!(byte[0], sent.wrapping_add(1));
        }
    });
    peer.join().unwrap();
}

#[test]
fn dropping_a_stream_mid_read_deregisters_cleanly() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        for _ in 0..50 {
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            // Start a read that cannot complete, then drop it and the stream.
            let mut buf = [0u8; 16];
            {
                let read = client.read(&mut buf);
                let mut read = std::pin::pin!(read);
                let waker = std::task::Waker::noop();
                let mut cx = std::task::Context::from_waker(waker);
                assert!(read.as_mut().poll(&mut cx).is_pending());
            }
            drop(client);
            // The peer sees EOF; the reactor keeps serving new registrations.
            let mut rest = Vec::new();
            server.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
        }
    });
}

use std::future::Future;

#[test]
fn accepted_streams_are_nonblocking_close_on_exec_and_know_their_peer() {
    use std::os::fd::AsRawFd;
    run(LIMIT, async {
        for host in ["127.0.0.1:0", "[::1]:0"] {
            let Ok(listener) = TcpListener::bind(host).await else {
                continue; // no IPv6 loopback on this machine
            };
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, peer) = listener.accept().await.unwrap();
            assert_eq!(peer, client.local_addr().unwrap());
            let fd = server.as_raw_fd();
            // SAFETY: fcntl with F_GETFL/F_GETFD only reads flags of a descriptor we own.
            let (status, fd_flags) = unsafe {
                (
                    libc::fcntl(fd, libc::F_GETFL),
                    libc::fcntl(fd, libc::F_GETFD),
                )
            };
            assert_ne!(
                status & libc::O_NONBLOCK,
                0,
                "{host}: accepted stream blocks"
            );
            assert_ne!(
                fd_flags & libc::FD_CLOEXEC,
                0,
                "{host}: accepted stream leaks on exec"
            );
        }
    });
}
