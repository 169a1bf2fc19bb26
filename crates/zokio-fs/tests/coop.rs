//! The cooperative budget: file operations and directory listings spend one unit each, as in
//! Tokio (where each is a poll of a blocking task's handle), so a loop over them yields.

mod support;

use std::future::{Future, poll_fn};
use std::io::SeekFrom;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};
use futures_lite::AsyncWriteExt;
use support::{TempDir, pattern};
use zokio_coop::{Budget, with_budget};
use zokio_fs::File;

const N: u8 = 3;

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `op` `N` times under a budget of `N` units, expecting each to be ready; then expects the
/// next to be `Pending` for want of budget, and a retry with a fresh unit to be ready.
async fn budget_runs_out_after_n<T>(mut op: impl FnMut(&mut Context<'_>) -> Poll<T>) {
    poll_fn(|cx| {
        with_budget(Budget::units(N), || {
            for i in 0..N {
                assert!(op(cx).is_ready(), "operation {i} should be ready");
            }
            assert!(
                op(cx).is_pending(),
                "a ready operation must return Pending once the budget is spent"
            );
        });
        with_budget(Budget::units(1), || {
            assert!(op(cx).is_ready(), "ready again with a fresh budget");
        });
        Poll::Ready(())
    })
    .await
}

/// Expects `op` to yield at once without budget, then drives it to completion (it may wait for
/// the blocking pool) with a fresh budget at each poll, checking that completing costs exactly one
/// unit and that waiting costs none.
async fn spends_exactly_one_unit<T>(mut op: impl FnMut(&mut Context<'_>) -> Poll<T>) -> T {
    poll_fn(|cx| {
        with_budget(Budget::units(0), || {
            assert!(
                op(cx).is_pending(),
                "no budget left: the operation must yield"
            );
        });
        Poll::Ready(())
    })
    .await;
    poll_fn(|cx| {
        with_budget(Budget::units(5), || {
            let poll = op(cx);
            let spent = 5 - zokio_coop::current().remaining().unwrap();
            let expected = if poll.is_ready() { 1 } else { 0 };
            assert_eq!(
                spent,
                expected,
                "units spent by a poll that gave {}",
                poll.is_ready()
            );
            poll
        })
    })
    .await
}

#[test]
fn file_seeks_spend_the_budget() {
    rt().block_on(async {
        let dir = TempDir::new("coop-seek");
        let path = dir.join("f");
        std::fs::write(&path, pattern(100, 1)).unwrap();
        let mut file = File::open(&path).await.unwrap();
        let mut at = 0;
        budget_runs_out_after_n(|cx| {
            at += 1;
            Pin::new(&mut file).poll_seek(cx, SeekFrom::Start(at))
        })
        .await;
    });
}

#[test]
fn file_reads_and_writes_spend_one_unit_each() {
    rt().block_on(async {
        let dir = TempDir::new("coop-rw");
        let path = dir.join("f");
        let data = pattern(64, 2);
        std::fs::write(&path, &data).unwrap();
        let mut file = File::options()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        for expected in &data[..8] {
            let mut byte = [0u8; 1];
            let n = spends_exactly_one_unit(|cx| Pin::new(&mut file).poll_read(cx, &mut byte))
                .await
                .unwrap();
            assert_eq!((n, byte[0]), (1, *expected));
        }
        for _ in 0..8 {
            let n = spends_exactly_one_unit(|cx| Pin::new(&mut file).poll_write(cx, b"w"))
                .await
                .unwrap();
            assert_eq!(n, 1);
        }
        file.flush().await.unwrap();
        let on_disk = std::fs::read(&path).unwrap();
        assert_eq!(&on_disk[8..16], b"wwwwwwww");
    });
}

#[test]
fn read_dir_entries_spend_the_budget() {
    rt().block_on(async {
        let dir = TempDir::new("coop-dir");
        for i in 0..2 * (N as usize + 1) {
            std::fs::write(dir.join(&format!("entry-{i}")), b"").unwrap();
        }
        // The entries arrive in one batch: every `next_entry` below is ready from the buffer.
        let mut entries = zokio_fs::read_dir(dir.path()).await.unwrap();
        budget_runs_out_after_n(|cx| entries.poll_next_entry(cx)).await;
        let mut seen = 0;
        budget_runs_out_after_n(|cx| {
            let poll = std::pin::pin!(entries.next_entry()).poll(cx);
            if poll.is_ready() {
                seen += 1;
            }
            poll
        })
        .await;
        assert_eq!(seen, N as usize + 1);
        assert!(entries.next_entry().await.unwrap().is_none());
    });
}
