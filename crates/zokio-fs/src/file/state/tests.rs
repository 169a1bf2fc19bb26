//! The write paths of [`Inner`] on any file system: the test-only switch
//! [`force_write`](super::nowait::force_write) makes the non-blocking write refuse (as on ext4 or
//! tmpfs), wait (`EAGAIN`), succeed fully or in part (as on XFS or btrfs), or fail.

use std::io::SeekFrom;
use std::path::PathBuf;

use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::super::nowait::{Forced, force_write};
use super::INLINE_WRITE_MAX;
use crate::File;

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A scratch file path, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!(
            "zokio-fs-state-{}-{name}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, b"").unwrap();
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What Tokio's `poll_complete` reports with no seek started: the position, once writes in flight
/// are done.
async fn reported_position(file: &mut File) -> u64 {
    use tokio::io::AsyncSeek;
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *file).poll_complete(cx))
        .await
        .unwrap()
}

async fn open_append(path: &PathBuf) -> File {
    File::options()
        .read(true)
        .append(true)
        .open(path)
        .await
        .unwrap()
}

async fn open_rw(path: &PathBuf) -> File {
    File::options()
        .read(true)
        .write(true)
        .open(path)
        .await
        .unwrap()
}

/// A file that refuses non-blocking writes is asked once, then written on the pool.
#[test]
fn a_refusing_file_is_asked_once() {
    let scratch = Scratch::new("refuse");
    rt().block_on(async {
        let mut file = open_rw(&scratch.0).await;
        force_write(Some(Forced::Unsupported));
        for piece in [&b"one "[..], b"two ", b"three"] {
            file.write_all(piece).await.unwrap();
            // On the pool: in flight until flushed.
            assert!(!file.inner.get_mut().is_quiescent());
            file.flush().await.unwrap();
        }
        assert_eq!(force_write(None), 1, "a refusing file was asked again");
        assert!(!file.inner.get_mut().nowait_write);
        assert_eq!(std::fs::read(&scratch.0).unwrap(), b"one two three");
    });
}

/// A write that would wait goes to the pool; the next one tries again.
#[test]
fn writes_that_would_wait_try_again() {
    let scratch = Scratch::new("wait");
    rt().block_on(async {
        let mut file = open_rw(&scratch.0).await;
        force_write(Some(Forced::WouldBlock));
        for piece in [&b"one "[..], b"two ", b"three"] {
            file.write_all(piece).await.unwrap();
            assert!(!file.inner.get_mut().is_quiescent());
            file.flush().await.unwrap();
        }
        assert_eq!(force_write(None), 3);
        assert!(file.inner.get_mut().nowait_write);
        assert_eq!(std::fs::read(&scratch.0).unwrap(), b"one two three");
    });
}

/// An inline write leaves nothing in flight: the bytes are in the OS when `write` returns and
/// `flush` is ready at once.
#[test]
fn inline_writes_leave_nothing_in_flight() {
    let scratch = Scratch::new("inline");
    rt().block_on(async {
        let mut file = open_rw(&scratch.0).await;
        force_write(Some(Forced::Accept { max: usize::MAX }));
        assert_eq!(file.write(b"hello").await.unwrap(), 5);
        assert!(file.inner.get_mut().is_quiescent());
        assert_eq!(std::fs::read(&scratch.0).unwrap(), b"hello");
        let flushed = futures_lite::future::poll_once(file.flush()).await;
        assert!(matches!(flushed, Some(Ok(()))), "{flushed:?}");
        // The position moved with the write: a seek back reads it.
        assert_eq!(file.stream_position().await.unwrap(), 5);
        file.rewind().await.unwrap();
        let mut back = String::new();
        file.read_to_string(&mut back).await.unwrap();
        assert_eq!(back, "hello");
        assert_eq!(force_write(None), 1);
    });
}

/// What a short inline write leaves goes to the pool, and the writes after it queue behind it:
/// all land in order.
#[test]
fn a_short_inline_write_sends_the_rest_to_the_pool_in_order() {
    let scratch = Scratch::new("short");
    rt().block_on(async {
        let mut file = open_rw(&scratch.0).await;
        force_write(Some(Forced::Accept { max: 3 }));
        // One call accepts everything, as a pool write would.
        assert_eq!(file.write(b"abcdefgh").await.unwrap(), 8);
        assert!(
            !file.inner.get_mut().is_quiescent(),
            "the rest is in flight"
        );
        file.write_all(b"ijk").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(std::fs::read(&scratch.0).unwrap(), b"abcdefghijk");
        // The second write was queued behind the trip, or (if the trip had ended by then) waited
        // for it and was then tried inline: never both in flight and inline.
        let tries = force_write(None);
        assert!(tries == 1 || tries == 2, "{tries} inline tries");
    });
}

/// A write bigger than [`INLINE_WRITE_MAX`] is tried inline in pieces of that size where the
/// kernel takes them: short counts that `write_all` continues, no copy, nothing left in flight.
#[test]
fn a_big_write_goes_inline_in_pieces_the_kernel_takes() {
    let scratch = Scratch::new("big-inline");
    rt().block_on(async {
        let mut file = open_rw(&scratch.0).await;
        force_write(Some(Forced::Accept { max: usize::MAX }));
        let big = vec![b'b'; 2 * INLINE_WRITE_MAX + 1];
        assert_eq!(
            file.write(&big).await.unwrap(),
            INLINE_WRITE_MAX,
            "a short count"
        );
        file.write_all(&big[INLINE_WRITE_MAX..]).await.unwrap();
        assert_eq!(
            force_write(None),
            3,
            "three inline writes: two pieces and the last byte"
        );
        assert!(
            file.inner.get_mut().is_quiescent(),
            "nothing went to the pool"
        );
        assert_eq!(std::fs::read(&scratch.0).unwrap(), big);
    });
}

/// A big write whose first piece the kernel will not take at once goes to the pool, and a small
/// write behind it never overtakes it.
#[test]
fn a_big_write_that_would_wait_goes_to_the_pool_and_small_ones_queue_behind() {
    let scratch = Scratch::new("big-pool");
    rt().block_on(async {
        let mut file = open_rw(&scratch.0).await;
        force_write(Some(Forced::WouldBlock));
        let big = vec![b'b'; INLINE_WRITE_MAX + 1];
        assert_eq!(
            file.write(&big).await.unwrap(),
            big.len(),
            "taken whole, for the pool"
        );
        assert!(!file.inner.get_mut().is_quiescent());
        // Queued behind the trip, or (if the trip had ended by then) tried inline after it.
        file.write_all(b"tail").await.unwrap();
        file.flush().await.unwrap();
        assert!(force_write(None) <= 2);
        let all = std::fs::read(&scratch.0).unwrap();
        assert_eq!(all.len(), big.len() + 4);
        assert!(all.ends_with(b"btail"));
    });
}

/// The write queue batches small writes, but never grows its allocation into a big block: a big
/// write takes only what fits, or waits for the trip.
#[test]
fn the_queue_grows_for_small_writes_but_not_into_a_big_block() {
    use super::queue_room;
    let max_buf = 4 * INLINE_WRITE_MAX;
    let empty = Vec::new();
    assert_eq!(
        queue_room(&empty, max_buf, 100),
        100,
        "a small write grows the queue"
    );
    assert_eq!(
        queue_room(&empty, max_buf, INLINE_WRITE_MAX + 1),
        0,
        "a big one waits"
    );
    let mut small = Vec::with_capacity(64);
    small.extend_from_slice(&[0; 10]);
    assert_eq!(
        queue_room(&small, max_buf, 1000),
        1000,
        "still small once added"
    );
    assert_eq!(
        queue_room(&small, max_buf, INLINE_WRITE_MAX),
        54,
        "only what fits"
    );
    let mut spent = Vec::with_capacity(2 * INLINE_WRITE_MAX);
    assert_eq!(
        queue_room(&spent, max_buf, INLINE_WRITE_MAX + 1),
        INLINE_WRITE_MAX + 1,
        "fits"
    );
    spent.resize(2 * INLINE_WRITE_MAX, 0);
    assert_eq!(queue_room(&spent, max_buf, 1), 0, "full allocation: wait");
    let mut roomy = Vec::with_capacity(2 * max_buf);
    roomy.resize(max_buf - 3, 0);
    assert_eq!(
        queue_room(&roomy, max_buf, 10),
        3,
        "never past max_buf in all"
    );
}

/// A failed inline write is accepted and its error returned by the next operation, once, as for
/// a failed trip.
#[test]
fn an_inline_write_error_reaches_the_next_operation() {
    let scratch = Scratch::new("fail");
    rt().block_on(async {
        let mut file = open_rw(&scratch.0).await;
        force_write(Some(Forced::Fail(libc::ENOSPC)));
        assert_eq!(file.write(b"lost").await.unwrap(), 4);
        let error = file.flush().await.unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ENOSPC));
        file.flush().await.unwrap();
        file.write_all(b"lost too").await.unwrap();
        let error = file.write(b"x").await.unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ENOSPC));
        force_write(None);
        assert_eq!(std::fs::read(&scratch.0).unwrap(), b"");
    });
}

/// An inline write to a file opened to append lands at the end, wherever the position was.
#[test]
fn inline_writes_append() {
    let scratch = Scratch::new("append");
    std::fs::write(&scratch.0, b"start").unwrap();
    rt().block_on(async {
        let mut file = open_append(&scratch.0).await;
        force_write(Some(Forced::Accept { max: usize::MAX }));
        let mut head = [0u8; 2];
        file.read_exact(&mut head).await.unwrap();
        file.write_all(b"+end").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(force_write(None), 1);
        assert_eq!(std::fs::read(&scratch.0).unwrap(), b"start+end");
    });
}

/// A write to a descriptor that appends moves the offset to the end of the file, not on from
/// where the file had it: the position reported after such writes is the end, inline or not.
#[test]
fn the_position_after_appending_writes_is_the_end() {
    for forced in [Forced::Accept { max: usize::MAX }, Forced::Unsupported] {
        let scratch = Scratch::new("append-position");
        std::fs::write(&scratch.0, b"start").unwrap();
        rt().block_on(async {
            let mut file = open_append(&scratch.0).await;
            force_write(Some(forced));
            file.seek(SeekFrom::Start(1)).await.unwrap();
            assert_eq!(reported_position(&mut file).await, 1);
            file.write_all(b"+end").await.unwrap();
            assert_eq!(reported_position(&mut file).await, 9, "{forced:?}");
            // Known again, and moved on by reads as usual.
            file.seek(SeekFrom::Start(2)).await.unwrap();
            let mut two = [0u8; 2];
            file.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"ar");
            let queries = file.inner.get_mut().offset_queries();
            assert_eq!(reported_position(&mut file).await, 4);
            assert_eq!(file.inner.get_mut().offset_queries(), queries);
            force_write(None);
        });
    }
}

/// A seek to where the descriptor already is makes no `lseek` (the next block of a
/// read-then-seek-back loop, `stream_position`); any other seek, and every seek from the end,
/// does.
#[test]
fn a_seek_to_where_the_file_already_is_makes_no_lseek() {
    let scratch = Scratch::new("noop-seek");
    std::fs::write(&scratch.0, b"0123456789").unwrap();
    rt().block_on(async {
        let mut file = open_rw(&scratch.0).await;
        assert_eq!(file.seek(SeekFrom::Start(2)).await.unwrap(), 2);
        assert_eq!(file.inner.get_mut().os_seeks(), 1);
        assert_eq!(file.seek(SeekFrom::Start(2)).await.unwrap(), 2);
        assert_eq!(file.stream_position().await.unwrap(), 2);
        let mut two = [0u8; 2];
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"23");
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 4);
        assert_eq!(file.seek(SeekFrom::Start(4)).await.unwrap(), 4);
        file.write_all(b"ab").await.unwrap();
        assert_eq!(file.seek(SeekFrom::Start(6)).await.unwrap(), 6);
        assert_eq!(
            file.inner.get_mut().os_seeks(),
            1,
            "a no-op seek went to the OS"
        );
        assert_eq!(file.seek(SeekFrom::Start(1)).await.unwrap(), 1);
        assert_eq!(file.seek(SeekFrom::End(-7)).await.unwrap(), 3);
        assert_eq!(file.inner.get_mut().os_seeks(), 3);
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"3a");
        assert_eq!(std::fs::read(&scratch.0).unwrap(), b"0123ab6789");
    });
}

/// A small deterministic generator (xorshift), so that a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Random seeks, writes (some bigger than [`INLINE_WRITE_MAX`]), reads and flushes against a model
/// of the file, with the non-blocking write answering `forced`: the file's content, every read and
/// every position match the model, whichever way the writes go.
fn matches_model(forced: Option<Forced>, seed: u64) {
    let scratch = Scratch::new(&format!("model-{seed}"));
    rt().block_on(async {
        let mut file = open_rw(&scratch.0).await;
        force_write(forced);
        let mut rng = Rng(seed);
        let mut model: Vec<u8> = Vec::new();
        let mut pos = 0usize;
        for step in 0..400 {
            // The offset the file keeps (the OS's, ahead of the user's by read-ahead data) is
            // right whenever it has one, and what it reports is the user's position.
            let inner = file.inner.get_mut();
            if inner.is_quiescent() {
                if let Some(known) = inner.known_offset() {
                    assert_eq!(known, pos as u64, "step {step}: kept offset");
                }
            }
            if step % 10 == 0 {
                assert_eq!(
                    reported_position(&mut file).await,
                    pos as u64,
                    "step {step}"
                );
            }
            match rng.below(10) {
                0 | 1 => {
                    pos = rng.below(model.len() + 1);
                    let at = file.seek(SeekFrom::Start(pos as u64)).await.unwrap();
                    assert_eq!(at, pos as u64, "step {step}");
                }
                2..=5 => {
                    let len = if rng.below(20) == 0 {
                        INLINE_WRITE_MAX + rng.below(4096)
                    } else {
                        1 + rng.below(6000)
                    };
                    let data: Vec<u8> = (0..len).map(|i| (step + i) as u8).collect();
                    file.write_all(&data).await.unwrap();
                    if model.len() < pos + len {
                        model.resize(pos + len, 0);
                    }
                    model[pos..pos + len].copy_from_slice(&data);
                    pos += len;
                }
                6..=8 => {
                    let mut buf = vec![0u8; 1 + rng.below(8000)];
                    let n = file.read(&mut buf).await.unwrap();
                    let expected = (model.len() - pos).min(buf.len());
                    // A read may be short, never long, and returns 0 only at the end.
                    assert!(
                        n <= expected && (n > 0 || expected == 0),
                        "step {step}: {n}"
                    );
                    assert!(buf[..n] == model[pos..pos + n], "step {step}: read differs");
                    pos += n;
                }
                _ => {
                    file.flush().await.unwrap();
                    assert!(
                        std::fs::read(&scratch.0).unwrap() == model,
                        "step {step}: content differs after flush"
                    );
                }
            }
        }
        file.flush().await.unwrap();
        // Asked of the OS once only, at the first `poll_complete` (before any seek): every other
        // position came from the offset the file keeps.
        assert_eq!(file.inner.get_mut().offset_queries(), 1);
        assert_eq!(file.stream_position().await.unwrap(), pos as u64);
        assert!(std::fs::read(&scratch.0).unwrap() == model);
        force_write(None);
    });
}

#[test]
fn inline_writes_match_the_model() {
    matches_model(Some(Forced::Accept { max: usize::MAX }), 1);
}

#[test]
fn short_inline_writes_match_the_model() {
    matches_model(Some(Forced::Accept { max: 1500 }), 2);
}

#[test]
fn refused_inline_writes_match_the_model() {
    matches_model(Some(Forced::Unsupported), 3);
}

#[test]
fn waiting_inline_writes_match_the_model() {
    matches_model(Some(Forced::WouldBlock), 4);
}

#[test]
fn real_writes_match_the_model() {
    matches_model(None, 5);
}
