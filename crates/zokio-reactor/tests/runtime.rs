//! The reactor under zokio's real schedulers (through the `zokio` facade), both flavors: spawned
//! tasks doing I/O, timers, name resolution on the blocking pool, and auto-advance of paused time.

use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use zokio_reactor::net::{TcpListener, TcpStream, UdpSocket, lookup_host};
use zokio_reactor::time::{self, Instant};

fn current_thread() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn multi_thread() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .enable_all()
        .build()
        .unwrap()
}

fn both_flavors(test: impl Fn(&zokio::runtime::Runtime)) {
    test(&current_thread());
    test(&multi_thread());
}

#[test]
fn spawned_tasks_echo_over_tcp() {
    both_flavors(|runtime| {
        runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = zokio::spawn(async move {
                for _ in 0..20 {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    zokio::spawn(async move {
                        let mut buf = [0u8; 1024];
                        loop {
                            let n = stream.read(&mut buf).await.unwrap();
                            if n == 0 {
                                break;
                            }
                            stream.write_all(&buf[..n]).await.unwrap();
                        }
                    });
                }
            });
            let clients: Vec<_> = (0..20u8)
                .map(|i| {
                    zokio::spawn(async move {
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        let message = vec![i; 10_000];
                        stream.write_all(&message).await.unwrap();
                        let mut echoed = vec![0u8; message.len()];
                        stream.read_exact(&mut echoed).await.unwrap();
                        assert_eq!(echoed, message);
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
            server.await.unwrap();
        })
    });
}

#[test]
fn sleeps_and_udp_in_tasks() {
    both_flavors(|runtime| {
        runtime.block_on(async {
            let start = Instant::now();
            let sleeper = zokio::spawn(async move {
                time::sleep(Duration::from_millis(20)).await;
                start.elapsed()
            });
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b_addr = b.local_addr().unwrap();
            let receiver = zokio::spawn(async move {
                let mut buf = [0u8; 8];
                let (n, _) = b.recv_from(&mut buf).await.unwrap();
                buf[..n].to_vec()
            });
            a.send_to(b"udp", b_addr).await.unwrap();
            assert_eq!(receiver.await.unwrap(), b"udp");
            assert!(sleeper.await.unwrap() >= Duration::from_millis(20));
        })
    });
}

#[test]
fn name_resolution_runs_on_the_blocking_pool() {
    both_flavors(|runtime| {
        runtime.block_on(async {
            let addrs: Vec<_> = lookup_host("localhost:1").await.unwrap().collect();
            assert!(!addrs.is_empty());
            assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 1));
        })
    });
}

#[test]
fn start_paused_auto_advances_through_the_scheduler() {
    let runtime = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let wall = std::time::Instant::now();
    runtime.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = (1..=10u64)
            .map(|i| {
                zokio::spawn(async move {
                    time::sleep(Duration::from_secs(i * 60)).await;
                    Instant::now()
                })
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            let woke = task.await.unwrap();
            assert_eq!(woke - start, Duration::from_secs((i as u64 + 1) * 60));
        }
    });
    assert!(wall.elapsed() < Duration::from_secs(5));
}

/// Many tasks on several workers hammer one listener and their own connections; every wake-up comes
/// through the shared driver, parked in by whichever worker is idle.
#[test]
fn multi_thread_many_connections_and_timers() {
    multi_thread().block_on(async {
        let listener = std::sync::Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        const CONNECTIONS: usize = 64;
        let acceptor = {
            let listener = std::sync::Arc::clone(&listener);
            zokio::spawn(async move {
                let mut echoes = Vec::new();
                for _ in 0..CONNECTIONS {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    echoes.push(zokio::spawn(async move {
                        let mut buf = [0u8; 64];
                        loop {
                            match stream.read(&mut buf).await.unwrap() {
                                0 => break,
                                n => stream.write_all(&buf[..n]).await.unwrap(),
                            }
                        }
                    }));
                }
                for echo in echoes {
                    echo.await.unwrap();
                }
            })
        };
        let clients: Vec<_> = (0..CONNECTIONS)
            .map(|i| {
                zokio::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    let mut buf = [0u8; 64];
                    for round in 0..50u8 {
                        let message = [round ^ i as u8; 64];
                        stream.write_all(&message).await.unwrap();
                        stream.read_exact(&mut buf).await.unwrap();
                        assert_eq!(buf, message);
                        if round % 10 == 0 {
                            time::sleep(Duration::from_millis(1)).await;
                        }
                    }
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        acceptor.await.unwrap();
    });
}
