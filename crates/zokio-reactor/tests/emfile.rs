//! `accept` failing with EMFILE must not break the listener. Its own test binary (one test): it lowers
//! the process's descriptor limit.

mod common;

use std::time::Duration;

use common::run;
use zokio_reactor::net::{TcpListener, TcpStream};

fn set_nofile_limit(soft: libc::rlim_t) -> libc::rlim_t {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for getrlimit to fill.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0);
    let previous = limit.rlim_cur;
    limit.rlim_cur = soft;
    // SAFETY: `limit` is a valid rlimit; lowering the soft limit below the hard one is always allowed.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(rc, 0);
    previous
}

#[test]
fn accept_after_emfile_recovers() {
    run(Duration::from_secs(30), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // A connection waits in the backlog (the kernel completes the handshake without accept).
        let client = std::net::TcpStream::connect(addr).unwrap();

        // Exhaust the descriptor table: lower the limit, then fill what is left.
        let previous = set_nofile_limit(256);
        let mut hog = Vec::new();
        loop {
            match std::fs::File::open("/dev/null") {
                Ok(file) => hog.push(file),
                Err(error) => {
                    assert_eq!(error.raw_os_error(), Some(libc::EMFILE));
                    break;
                }
            }
            assert!(hog.len() < 256, "the descriptor limit did not apply");
        }
        let error = listener.accept().await.unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EMFILE), "{error:?}");

        // Free descriptors: the queued connection is accepted without a new readiness event.
        drop(hog);
        set_nofile_limit(previous);
        let (server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        drop(server);
        // And the listener keeps working for new connections.
        let _second = TcpStream::connect(addr).await.unwrap();
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(peer.ip(), addr.ip());
    });
}
