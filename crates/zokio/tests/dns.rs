//! Name resolution runs on the runtime's blocking pool, lent to the reactor through a seam.

use std::net::SocketAddr;

use zokio::runtime::Builder;

#[test]
fn lookup_host_resolves_names_on_the_runtime_blocking_pool() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("dns-test-thread")
        .enable_all()
        .build()
        .unwrap();
    let addrs: Vec<SocketAddr> = rt.block_on(async {
        zokio::net::lookup_host("localhost:4242")
            .await
            .unwrap()
            .collect()
    });
    assert!(!addrs.is_empty());
    assert!(
        addrs
            .iter()
            .all(|a| a.port() == 4242 && a.ip().is_loopback())
    );
    // The lookup started a blocking thread (the pool's threads carry the runtime's name).
    assert!(rt.handle().metrics().num_blocking_threads >= 1);
}
