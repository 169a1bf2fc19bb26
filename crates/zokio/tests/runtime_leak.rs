//! Dropped runtimes free everything they held. In a test binary of its own: it counts the
//! process's open descriptors, which tests running beside it would change.

mod support;

use std::time::Duration;

use support::open_fds;
use zokio::runtime::{Builder, Runtime};

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn multi_thread(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn dropped_runtimes_release_every_descriptor() {
    // Warm up once: the first runtime may set up process-wide state (the signal pipe, say).
    drop(current_thread());
    drop(multi_thread(2));
    let before = open_fds();
    for round in 0..200 {
        let rt = if round % 2 == 0 {
            current_thread()
        } else {
            multi_thread(2)
        };
        rt.block_on(async {
            zokio::spawn(async { zokio::time::sleep(Duration::from_millis(1)).await })
                .await
                .unwrap();
        });
        // Some flavours also use the blocking pool: its threads hold the runtime too.
        rt.spawn_blocking(|| ());
        drop(rt);
    }
    assert_eq!(
        open_fds(),
        before,
        "descriptors leaked by 200 dropped runtimes"
    );
}
