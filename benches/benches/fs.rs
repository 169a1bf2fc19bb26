//! Files and child processes, each runtime in its current-thread set-up with its own blocking pool
//! (zokio: `zokio-fs`/`zokio-process`; tokio: `tokio::fs`/`tokio::process`; smol: `async-fs` and
//! `async-process` on the `blocking` pool):
//!
//! - `fs/file_read_4k`, `fs/file_write_4k`: 16 tasks, each with its own open 1 MiB file (page-cache
//!   resident), doing sequential 4 KiB reads (or writes, flushed at the end of the round) and
//!   rewinding at the end of the file; op = one 4 KiB read or write.
//! - `fs/file_mixed_4k`: 16 tasks, each with its own open 1 MiB file, each op a 4 KiB write at the
//!   next block, flushed, then read back: seek, write, flush, seek, read (the read checks that it
//!   sees the write); op = one such cycle.
//! - `fs/create_write_read_delete_4k`: 16 tasks each writing, reading back and deleting 4 KiB
//!   files with the free functions; op = one file.
//! - `fs/seq_write_64m`, `fs/seq_read_64m`: one file, 1 MiB `write_all`s (then flush) or reads.
//! - `fs/read_dir_10k`: list a directory of 10,000 entries.
//! - `fs/spawn_true`: spawn and wait for `true`, 10 tasks in parallel, 500 in all; op = one child.
//!
//! Every file group but `spawn_true` also has a `raw` function: the same operations done with
//! plain blocking `std::fs` calls from the bench thread, files one after another (positioned
//! `pread`/`pwrite` on open `std::fs::File`s for the 4 KiB groups), the reference for what the
//! runtimes add on top of the system calls.
//!
//! Files live in a fresh directory under the system temp dir, removed at the end. Every group
//! starts with what the groups before it wrote on disk (`sync`), so that the kernel's writeback of
//! it does not run during the group, in whichever runtime is measured first.

use std::path::{Path, PathBuf};

use benches::fs_rt::{self, FsRt, SEQ_CHUNK, fan_out};
use benches::rt::{SmolCt, TokioCt, ZokioCt};
use benches::{bench_raw, bench_with, in_turn, size};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};

const TASKS: usize = 16;
const FILE_SIZE: usize = 1 << 20;
const OP: usize = 4096;

/// One open file per task, with the position in ops (for rewinding at the end).
type Files<F> = Vec<Option<(F, usize)>>;

fn open_files<R: FsRt>(rt: &R, dir: &Path) -> Files<R::File> {
    let paths: Vec<PathBuf> = (0..TASKS).map(|i| dir.join(format!("ops-{i}"))).collect();
    fan_out(rt, TASKS, |i| {
        let path = paths[i].clone();
        async move { Some((R::open_rw(path).await, 0)) }
    })
}

fn file_ops<R: FsRt>(g: &mut BenchmarkGroup<'_, WallTime>, dir: &Path, ops: usize, write: bool) {
    bench_with::<R, _, _>(
        g,
        |rt| open_files(rt, dir),
        |rt, files| {
            let taken: Vec<_> = files.iter_mut().map(|f| f.take()).collect();
            let back = rt.block_on(async move {
                let handles: Vec<_> = taken
                    .into_iter()
                    .map(|file| {
                        R::spawn(async move {
                            let (mut file, mut pos) = file.expect("file present between rounds");
                            let mut buf = vec![1u8; OP];
                            for _ in 0..ops {
                                if pos == FILE_SIZE / OP {
                                    R::rewind(&mut file).await;
                                    pos = 0;
                                }
                                if write {
                                    R::write_all(&mut file, &buf).await;
                                } else {
                                    R::read_exact(&mut file, &mut buf).await;
                                }
                                pos += 1;
                            }
                            if write {
                                R::flush(&mut file).await;
                            }
                            (file, pos)
                        })
                    })
                    .collect();
                let mut back = Vec::new();
                for handle in handles {
                    back.push(Some(handle.await));
                }
                back
            });
            *files = back;
        },
    );
}

/// The files of the 4 KiB groups opened with `std::fs`, with each one's position in ops.
fn raw_files(dir: &Path) -> Vec<(std::fs::File, usize)> {
    (0..TASKS)
        .map(|i| {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(dir.join(format!("ops-{i}")))
                .expect("open");
            (file, 0)
        })
        .collect()
}

/// The same rounds as [`file_ops`] from the bench thread: positioned `pread`/`pwrite` calls on
/// open `std::fs::File`s, one file after another.
fn raw_file_ops(g: &mut BenchmarkGroup<'_, WallTime>, dir: &Path, ops: usize, write: bool) {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![1u8; OP];
    bench_raw(
        g,
        || raw_files(dir),
        |files| {
            for (file, pos) in files.iter_mut() {
                for _ in 0..ops {
                    if *pos == FILE_SIZE / OP {
                        *pos = 0;
                    }
                    let offset = (*pos * OP) as u64;
                    if write {
                        file.write_all_at(&buf, offset).expect("write");
                    } else {
                        file.read_exact_at(&mut buf, offset).expect("read");
                    }
                    *pos += 1;
                }
            }
        },
    );
}

/// The tag written into the first byte of block `pos` in round trip `round` of the mixed group.
fn mixed_tag(pos: usize, round: usize) -> u8 {
    (pos + round) as u8
}

fn mixed_ops<R: FsRt>(g: &mut BenchmarkGroup<'_, WallTime>, dir: &Path, ops: usize) {
    let mut round = 0;
    bench_with::<R, _, _>(
        g,
        |rt| open_files(rt, dir),
        move |rt, files| {
            round += 1;
            let taken: Vec<_> = files.iter_mut().map(|f| f.take()).collect();
            let back = rt.block_on(async move {
                let handles: Vec<_> = taken
                    .into_iter()
                    .map(|file| {
                        R::spawn(async move {
                            let (mut file, mut pos) = file.expect("file present between rounds");
                            let mut buf = vec![1u8; OP];
                            for _ in 0..ops {
                                if pos == FILE_SIZE / OP {
                                    pos = 0;
                                }
                                let offset = (pos * OP) as u64;
                                let tag = mixed_tag(pos, round);
                                buf[0] = tag;
                                R::seek_to(&mut file, offset).await;
                                R::write_all(&mut file, &buf).await;
                                R::flush(&mut file).await;
                                R::seek_to(&mut file, offset).await;
                                buf[0] = !tag;
                                R::read_exact(&mut file, &mut buf).await;
                                assert_eq!(buf[0], tag, "the read did not see the write");
                                pos += 1;
                            }
                            (file, pos)
                        })
                    })
                    .collect();
                let mut back = Vec::new();
                for handle in handles {
                    back.push(Some(handle.await));
                }
                back
            });
            *files = back;
        },
    );
}

/// The same cycles as [`mixed_ops`] from the bench thread: a `pwrite` and a `pread` at the same
/// offset per op on open `std::fs::File`s, one file after another.
fn raw_mixed_ops(g: &mut BenchmarkGroup<'_, WallTime>, dir: &Path, ops: usize) {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![1u8; OP];
    let mut round = 0;
    bench_raw(
        g,
        || raw_files(dir),
        |files| {
            round += 1;
            for (file, pos) in files.iter_mut() {
                for _ in 0..ops {
                    if *pos == FILE_SIZE / OP {
                        *pos = 0;
                    }
                    let offset = (*pos * OP) as u64;
                    let tag = mixed_tag(*pos, round);
                    buf[0] = tag;
                    file.write_all_at(&buf, offset).expect("write");
                    buf[0] = !tag;
                    file.read_exact_at(&mut buf, offset).expect("read");
                    assert_eq!(buf[0], tag, "the read did not see the write");
                    *pos += 1;
                }
            }
        },
    );
}

fn create_write_read_delete<R: FsRt>(g: &mut BenchmarkGroup<'_, WallTime>, dir: &Path) {
    let dir = dir.to_owned();
    bench_with::<R, _, _>(
        g,
        |_| (),
        move |rt, ()| {
            let dir = dir.clone();
            fan_out(rt, TASKS, move |i| {
                let path = dir.join(format!("cwrd-{i}"));
                async move {
                    R::write(path.clone(), vec![7u8; OP]).await;
                    assert_eq!(R::read(path.clone()).await.len(), OP);
                    R::remove(path).await;
                }
            });
        },
    );
}

fn seq_write<R: FsRt>(g: &mut BenchmarkGroup<'_, WallTime>, path: &Path, total: usize) {
    let path = path.to_owned();
    bench_with::<R, _, _>(
        g,
        |_| (),
        move |rt, ()| fs_rt::seq_write(rt, path.clone(), total),
    );
}

fn seq_read<R: FsRt>(g: &mut BenchmarkGroup<'_, WallTime>, path: &Path, total: usize) {
    let path = path.to_owned();
    bench_with::<R, _, _>(
        g,
        |_| (),
        move |rt, ()| {
            let path = path.clone();
            fan_out(rt, 1, move |_| {
                let path = path.clone();
                async move {
                    let mut file = R::open_rw(path).await;
                    let mut buf = vec![0u8; SEQ_CHUNK];
                    let mut read = 0;
                    loop {
                        let n = R::read_some(&mut file, &mut buf).await;
                        if n == 0 {
                            break;
                        }
                        read += n;
                    }
                    assert_eq!(read, total);
                }
            });
        },
    );
}

fn read_dir<R: FsRt>(g: &mut BenchmarkGroup<'_, WallTime>, path: &Path, entries: usize) {
    let path = path.to_owned();
    bench_with::<R, _, _>(
        g,
        |_| (),
        move |rt, ()| {
            let path = path.clone();
            let n = fan_out(rt, 1, move |_| R::count_dir(path.clone()));
            assert_eq!(n[0], entries);
        },
    );
}

fn spawn_true<R: FsRt>(g: &mut BenchmarkGroup<'_, WallTime>, children: usize) {
    bench_with::<R, _, _>(g, |_| (), move |rt, ()| fs_rt::spawn_true(rt, children));
}

/// The scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fs(c: &mut Criterion, dir: &Path) {
    let ops = size(256, 64);
    for i in 0..TASKS {
        std::fs::write(dir.join(format!("ops-{i}")), vec![0u8; FILE_SIZE]).expect("setup");
    }
    for (name, write) in [("fs/file_read_4k", false), ("fs/file_write_4k", true)] {
        let mut g = group(c, name);
        g.throughput(Throughput::Elements((TASKS * ops) as u64));
        in_turn!(&mut g, |g| [
            file_ops::<ZokioCt>(g, dir, ops, write),
            file_ops::<TokioCt>(g, dir, ops, write),
            file_ops::<SmolCt>(g, dir, ops, write),
            raw_file_ops(g, dir, ops, write),
        ]);
        g.finish();
    }

    let mut g = group(c, "fs/file_mixed_4k");
    g.throughput(Throughput::Elements((TASKS * ops) as u64));
    in_turn!(&mut g, |g| [
        mixed_ops::<ZokioCt>(g, dir, ops),
        mixed_ops::<TokioCt>(g, dir, ops),
        mixed_ops::<SmolCt>(g, dir, ops),
        raw_mixed_ops(g, dir, ops),
    ]);
    g.finish();

    let mut g = group(c, "fs/create_write_read_delete_4k");
    g.throughput(Throughput::Elements(TASKS as u64));
    in_turn!(&mut g, |g| [
        create_write_read_delete::<ZokioCt>(g, dir),
        create_write_read_delete::<TokioCt>(g, dir),
        create_write_read_delete::<SmolCt>(g, dir),
        bench_raw(
            g,
            || (),
            |()| {
                for i in 0..TASKS {
                    let path = dir.join(format!("cwrd-raw-{i}"));
                    std::fs::write(&path, vec![7u8; OP]).expect("write");
                    assert_eq!(std::fs::read(&path).expect("read").len(), OP);
                    std::fs::remove_file(&path).expect("remove");
                }
            },
        ),
    ]);
    g.finish();

    let total = size(64 << 20, 8 << 20);
    let seq = dir.join("seq");
    let mut g = group(c, "fs/seq_write_64m");
    g.throughput(Throughput::Bytes(total as u64));
    in_turn!(&mut g, |g| [
        seq_write::<ZokioCt>(g, &seq, total),
        seq_write::<TokioCt>(g, &seq, total),
        seq_write::<SmolCt>(g, &seq, total),
        bench_raw(
            g,
            || (),
            |()| {
                use std::io::Write;
                let mut file = std::fs::File::create(&seq).expect("create");
                let chunk = vec![3u8; SEQ_CHUNK];
                for _ in 0..total / SEQ_CHUNK {
                    file.write_all(&chunk).expect("write");
                }
            },
        ),
    ]);
    g.finish();
    std::fs::write(&seq, vec![5u8; total]).expect("setup");
    let mut g = group(c, "fs/seq_read_64m");
    g.throughput(Throughput::Bytes(total as u64));
    in_turn!(&mut g, |g| [
        seq_read::<ZokioCt>(g, &seq, total),
        seq_read::<TokioCt>(g, &seq, total),
        seq_read::<SmolCt>(g, &seq, total),
        bench_raw(
            g,
            || vec![0u8; SEQ_CHUNK],
            |buf| {
                use std::io::Read;
                let mut file = std::fs::File::open(&seq).expect("open");
                let mut read = 0;
                loop {
                    let n = file.read(buf).expect("read");
                    if n == 0 {
                        break;
                    }
                    read += n;
                }
                assert_eq!(read, total);
            },
        ),
    ]);
    g.finish();

    let entries = size(10_000, 1_000);
    let listing = dir.join("listing");
    std::fs::create_dir(&listing).expect("setup");
    for i in 0..entries {
        std::fs::File::create(listing.join(format!("entry-{i}"))).expect("setup");
    }
    let mut g = group(c, "fs/read_dir_10k");
    g.throughput(Throughput::Elements(entries as u64));
    in_turn!(&mut g, |g| [
        read_dir::<ZokioCt>(g, &listing, entries),
        read_dir::<TokioCt>(g, &listing, entries),
        read_dir::<SmolCt>(g, &listing, entries),
        bench_raw(
            g,
            || (),
            |()| {
                let mut n = 0;
                for entry in std::fs::read_dir(&listing).expect("read_dir") {
                    entry.expect("entry");
                    n += 1;
                }
                assert_eq!(n, entries);
            },
        ),
    ]);
    g.finish();

    let children = size(500, 50);
    let mut g = group(c, "fs/spawn_true");
    g.throughput(Throughput::Elements(children as u64));
    g.sample_size(10);
    in_turn!(&mut g, |g| [
        spawn_true::<ZokioCt>(g, children),
        spawn_true::<TokioCt>(g, children),
        spawn_true::<SmolCt>(g, children),
    ]);
    g.finish();
}

/// A new group, started with every dirty page on disk (see [`flush_dirty_pages`]).
fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    flush_dirty_pages();
    c.benchmark_group(name)
}

/// Writes every dirty page to disk and waits for it (`sync(2)`), between groups. Without it the
/// kernel's writeback of what earlier groups wrote (64 MiB files, 10,000 new directory entries)
/// ran during a later group, and landed in the measurements of the runtime measured first:
/// `fs/spawn_true` measured 0.81x Tokio inside the suite, against 0.96x-1.07x run alone.
fn flush_dirty_pages() {
    // SAFETY: `sync` takes no arguments and cannot fail.
    unsafe { libc::sync() };
}

fn main() {
    let dir = std::env::temp_dir().join(format!("zokio-bench-fs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let scratch = Scratch(dir);
    let mut c = benches::criterion();
    fs(&mut c, &scratch.0);
    c.final_summary();
}
