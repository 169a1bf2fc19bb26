//! A soak load for zokio, run by `cargo xtask soak` (which judges its output); it runs alone too:
//!
//! ```sh
//! cargo run --release -p zokio --example soak -- --seconds 60 --sample-secs 10
//! ```
//!
//! For `--seconds` it keeps a multi-thread runtime busy with, all at once:
//!
//! - TCP echo over 64 loopback connections (one echo task per accepted connection on the server side,
//!   one client task per connection sending 64-byte requests and checking the echo);
//! - timers: 128 tasks sleeping 1-50 ms again and again (and arming a `timeout` that is cancelled
//!   right away), measuring how late each sleep wakes;
//! - channels: 8 clients calling a service task over a bounded `mpsc` with a `oneshot` reply, and now
//!   and then spawning a `JoinSet` of 32 short tasks that answer over `oneshot`s;
//! - `spawn_blocking` file writes: 4 writers writing and reading back 4 KiB files in a temporary
//!   directory (8 files each, rewritten in turn).
//!
//! Every operation is timed. A sampler thread (a plain thread, so that it keeps sampling if the
//! runtime wedges) prints one line every `--sample-secs`:
//!
//! ```text
//! sample t=10.0 rss_kib=9876 fds=140 file_fds=0 requests=123456 max_ms=3.1 oldest_ms=0.4 stalls=0 errors=0
//! ```
//!
//! `rss_kib` is `VmRSS` of `/proc/self/status`; `fds` counts `/proc/self/fd` less the files of the
//! temporary directory, which are counted apart as `file_fds` (at most one per writer at any time);
//! `requests` and `max_ms` (the slowest operation: a request's round trip, or how late a sleep woke)
//! cover the interval since the previous line; `oldest_ms` is the age of the oldest operation still in
//! flight; `stalls` counts operations that took over 1 s, and `errors` failed ones, since the start.
//! The last line is `done requests=N stalls=N errors=N`.
//!
//! Every loop is bounded: the load stops at `--seconds`, a request gives up after 5 s, and the sampler
//! ends the process (exit status 2) if the load has not wound down 30 s after its end. Only loopback
//! addresses are used.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};
use zokio::sync::{mpsc, oneshot};
use zokio::task::JoinSet;

/// Loopback TCP connections, each with an echo task and a client task.
const CONNECTIONS: usize = 64;
/// Bytes per echo request.
const MESSAGE: usize = 64;
/// Tasks sleeping in a loop.
const TIMER_TASKS: usize = 128;
/// Tasks calling the channel service.
const CHANNEL_CLIENTS: usize = 8;
/// Tasks writing files through `spawn_blocking`.
const FILE_WRITERS: usize = 4;
/// Files per writer, rewritten in turn.
const FILES_PER_WRITER: usize = 8;
/// Size of each file write.
const FILE_SIZE: usize = 4096;
/// An operation slower than this is a stall.
const STALL: Duration = Duration::from_secs(1);
/// A request that takes this long is given up (and counted as a stall).
const GIVE_UP: Duration = Duration::from_secs(5);
/// How long after the end of the load the process may take to wind down.
const WIND_DOWN: Duration = Duration::from_secs(30);

/// Command-line options.
struct Options {
    seconds: u64,
    sample_secs: u64,
    dir: Option<PathBuf>,
}

fn parse_args() -> Result<Options, String> {
    let mut opts = Options {
        seconds: 60,
        sample_secs: 10,
        dir: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--seconds" => opts.seconds = number(&value()?)?,
            "--sample-secs" => opts.sample_secs = number(&value()?)?,
            "--dir" => opts.dir = Some(PathBuf::from(value()?)),
            other => {
                return Err(format!(
                    "unknown argument {other:?} (expected --seconds N, --sample-secs N, --dir PATH)"
                ));
            }
        }
    }
    if opts.seconds == 0 || opts.sample_secs == 0 {
        return Err("--seconds and --sample-secs must be at least 1".into());
    }
    Ok(opts)
}

fn number(s: &str) -> Result<u64, String> {
    s.parse().map_err(|_| format!("not a whole number: {s:?}"))
}

/// Counters shared by the load and the sampler.
struct Stats {
    /// Time zero of the in-flight stamps.
    start: Instant,
    /// Operations completed since the last sample.
    requests: AtomicU64,
    /// Operations completed since the start.
    total: AtomicU64,
    /// Slowest operation since the last sample, in microseconds.
    max_us: AtomicU64,
    /// Operations slower than [`STALL`] (or given up) since the start.
    stalls: AtomicU64,
    /// Failed operations since the start.
    errors: AtomicU64,
    /// One slot per load task: when its current operation became due, in microseconds since
    /// `start` plus one; zero while it has none in flight.
    in_flight: Vec<AtomicU64>,
    /// Set at the end of the load: every task finishes its current operation and returns.
    stop: AtomicBool,
}

impl Stats {
    fn new(slots: usize) -> Stats {
        Stats {
            start: Instant::now(),
            requests: AtomicU64::new(0),
            total: AtomicU64::new(0),
            max_us: AtomicU64::new(0),
            stalls: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            in_flight: (0..slots).map(|_| AtomicU64::new(0)).collect(),
            stop: AtomicBool::new(false),
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Marks `slot` as having an operation in flight since `due`.
    fn begin(&self, slot: usize, due: Instant) {
        let us = due.saturating_duration_since(self.start).as_micros() as u64;
        self.in_flight[slot].store(us + 1, Ordering::Relaxed);
    }

    /// Records an operation of `slot` that took `latency` (or was that late).
    fn end(&self, slot: usize, latency: Duration) {
        self.in_flight[slot].store(0, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.total.fetch_add(1, Ordering::Relaxed);
        self.max_us
            .fetch_max(latency.as_micros() as u64, Ordering::Relaxed);
        if latency > STALL {
            self.stalls.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Age of the oldest operation in flight.
    fn oldest_in_flight(&self) -> Duration {
        let now = self.start.elapsed().as_micros() as u64;
        let oldest = self
            .in_flight
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .filter(|&s| s != 0)
            .map(|s| now.saturating_sub(s - 1))
            .max()
            .unwrap_or(0);
        Duration::from_micros(oldest)
    }

    /// Times `op` as the current operation of `slot`; gives it up after [`GIVE_UP`].
    async fn measure<F>(&self, slot: usize, what: &str, op: F) -> bool
    where
        F: Future<Output = io::Result<()>>,
    {
        let begin = Instant::now();
        self.begin(slot, begin);
        let result = zokio::time::timeout(GIVE_UP, op).await;
        self.end(slot, begin.elapsed());
        match result {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("soak: {what} failed: {e}");
                false
            }
            Err(_) => {
                // `end` counted it as a stall already (it took over GIVE_UP > STALL).
                eprintln!("soak: {what} gave up after {GIVE_UP:?}");
                false
            }
        }
    }
}

fn main() {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("soak: {e}");
            std::process::exit(64);
        }
    };
    let dir = opts
        .dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("zokio-soak-{}", std::process::id())));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("soak: cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    let slots = CONNECTIONS + TIMER_TASKS + CHANNEL_CLIENTS + FILE_WRITERS;
    let stats = Arc::new(Stats::new(slots));
    println!(
        "soak seconds={} sample_secs={} connections={CONNECTIONS} timers={TIMER_TASKS} \
         channel_clients={CHANNEL_CLIENTS} writers={FILE_WRITERS}",
        opts.seconds, opts.sample_secs
    );

    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (stats, done, dir) = (stats.clone(), done.clone(), dir.clone());
        let (seconds, every) = (opts.seconds, opts.sample_secs);
        std::thread::spawn(move || sample_loop(&stats, &done, &dir, seconds, every))
    };

    let rt = zokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("soak: cannot build the runtime: {e}");
            std::process::exit(1);
        });
    let result = rt.block_on(load(stats.clone(), dir.clone()));
    drop(rt);
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "done requests={} stalls={} errors={}",
        stats.total.load(Ordering::Relaxed),
        stats.stalls.load(Ordering::Relaxed),
        stats.errors.load(Ordering::Relaxed)
    );
    if let Err(e) = result {
        eprintln!("soak: {e}");
        std::process::exit(1);
    }
}

/// Prints a sample every `every` seconds for `seconds`, then sets `stop`; ends the process if the
/// load has not finished [`WIND_DOWN`] after that.
fn sample_loop(stats: &Stats, done: &AtomicBool, dir: &Path, seconds: u64, every: u64) {
    let step = Duration::from_millis(50);
    let end = Duration::from_secs(seconds);
    let mut next = Duration::from_secs(every.min(seconds));
    loop {
        let now = stats.start.elapsed();
        if now >= next {
            print_sample(stats, dir, now);
            if next >= end {
                break;
            }
            next = (next + Duration::from_secs(every)).min(end);
        }
        std::thread::sleep(step.min(next.saturating_sub(stats.start.elapsed())));
    }
    stats.stop.store(true, Ordering::Relaxed);
    let deadline = Instant::now() + WIND_DOWN;
    while !done.load(Ordering::Relaxed) {
        if Instant::now() >= deadline {
            println!(
                "hung: the load did not wind down within {WIND_DOWN:?} of its end (oldest \
                 operation in flight: {:?})",
                stats.oldest_in_flight()
            );
            std::process::exit(2);
        }
        std::thread::sleep(step);
    }
}

fn print_sample(stats: &Stats, dir: &Path, t: Duration) {
    let rss = rss_kib().unwrap_or(0);
    let (fds, file_fds) = descriptors(dir);
    let requests = stats.requests.swap(0, Ordering::Relaxed);
    let max_us = stats.max_us.swap(0, Ordering::Relaxed);
    println!(
        "sample t={:.1} rss_kib={rss} fds={fds} file_fds={file_fds} requests={requests} \
         max_ms={:.3} oldest_ms={:.3} stalls={} errors={}",
        t.as_secs_f64(),
        max_us as f64 / 1000.0,
        stats.oldest_in_flight().as_secs_f64() * 1000.0,
        stats.stalls.load(Ordering::Relaxed),
        stats.errors.load(Ordering::Relaxed),
    );
}

/// `VmRSS` of this process, in KiB.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Open descriptors: (all but the files under `dir`, the files under `dir`).
fn descriptors(dir: &Path) -> (u64, u64) {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return (0, 0);
    };
    let (mut other, mut files) = (0, 0);
    for entry in entries.flatten() {
        match std::fs::read_link(entry.path()) {
            Ok(target) if target.starts_with(dir) => files += 1,
            _ => other += 1,
        }
    }
    (other, files)
}

/// The whole load; returns when every task has stopped.
async fn load(stats: Arc<Stats>, dir: PathBuf) -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = zokio::spawn(async move {
        let mut echoes = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            let (socket, _) = listener.accept().await?;
            echoes.push(zokio::spawn(echo(socket)));
        }
        for e in echoes {
            e.await.map_err(io::Error::other)??;
        }
        io::Result::Ok(())
    });

    let mut tasks = JoinSet::new();
    let mut slot = 0..;
    for _ in 0..CONNECTIONS {
        let (stats, slot) = (stats.clone(), slot.next().unwrap_or(0));
        let socket = TcpStream::connect(addr).await?;
        socket.set_nodelay(true)?;
        tasks.spawn(echo_client(stats, slot, socket));
    }
    for i in 0..TIMER_TASKS {
        tasks.spawn(timer_task(stats.clone(), slot.next().unwrap_or(0), i));
    }
    let (service_tx, service_rx) = mpsc::channel(64);
    let service = zokio::spawn(service(service_rx));
    for _ in 0..CHANNEL_CLIENTS {
        let (stats, slot, tx) = (stats.clone(), slot.next().unwrap_or(0), service_tx.clone());
        tasks.spawn(channel_client(stats, slot, tx));
    }
    drop(service_tx);
    for i in 0..FILE_WRITERS {
        let (stats, slot, dir) = (stats.clone(), slot.next().unwrap_or(0), dir.clone());
        tasks.spawn(file_writer(stats, slot, dir, i));
    }

    let mut first_error = None;
    while let Some(r) = tasks.join_next().await {
        if let Err(e) = r.map_err(io::Error::other).and_then(|r| r) {
            first_error.get_or_insert(e);
        }
    }
    // The clients closed their connections, so the echo tasks see EOF; the channel clients dropped
    // their senders, so the service sees the channel close.
    let server = server.await.map_err(io::Error::other).and_then(|r| r);
    service.await.map_err(io::Error::other)?;
    match first_error {
        Some(e) => Err(e),
        None => server,
    }
}

/// Echoes until the client closes the connection.
async fn echo(mut socket: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        socket.write_all(&buf[..n]).await?;
    }
}

async fn echo_client(stats: Arc<Stats>, slot: usize, mut socket: TcpStream) -> io::Result<()> {
    let mut seq = 0u64;
    let mut reply = [0u8; MESSAGE];
    while !stats.stopped() {
        seq += 1;
        let request = [seq as u8; MESSAGE];
        let ok = stats
            .measure(slot, "echo request", async {
                socket.write_all(&request).await?;
                socket.read_exact(&mut reply).await?;
                if reply != request {
                    return Err(io::Error::other("the echo does not match the request"));
                }
                Ok(())
            })
            .await;
        if !ok {
            // The connection is in an unknown state: stop this client (the run fails anyway).
            break;
        }
        // Pace the load a little, so that timers fire all the time.
        if seq % 4 == 0 {
            zokio::time::sleep(Duration::from_micros(500)).await;
        }
    }
    Ok(())
}

async fn timer_task(stats: Arc<Stats>, slot: usize, index: usize) -> io::Result<()> {
    let mut round = 0u64;
    while !stats.stopped() {
        round += 1;
        let period = Duration::from_millis(1 + (index as u64 * 7 + round) % 50);
        let deadline = Instant::now() + period;
        // The sleep is late from its deadline on.
        stats.begin(slot, deadline);
        zokio::time::sleep(period).await;
        stats.end(slot, deadline.elapsed());
        // A timer armed and cancelled at once (the common case of a timeout around fast work).
        let quick = zokio::time::timeout(Duration::from_secs(10), async { round }).await;
        if quick.is_err() {
            stats.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// A request to the channel service: a number, and where to send it back plus one.
type Call = (u64, oneshot::Sender<u64>);

/// Answers every call until all senders are gone.
async fn service(mut rx: mpsc::Receiver<Call>) {
    while let Some((n, reply)) = rx.recv().await {
        let _ = reply.send(n + 1);
    }
}

async fn channel_client(stats: Arc<Stats>, slot: usize, tx: mpsc::Sender<Call>) -> io::Result<()> {
    let mut n = 0u64;
    while !stats.stopped() {
        n += 1;
        let ok = if n % 100 == 0 {
            stats.measure(slot, "spawn burst", spawn_burst(n)).await
        } else {
            stats
                .measure(slot, "channel call", async {
                    let (reply_tx, reply_rx) = oneshot::channel();
                    tx.send((n, reply_tx))
                        .await
                        .map_err(|_| io::Error::other("the service is gone"))?;
                    let answer = reply_rx
                        .await
                        .map_err(|_| io::Error::other("the service dropped the reply"))?;
                    if answer != n + 1 {
                        return Err(io::Error::other("wrong answer from the service"));
                    }
                    Ok(())
                })
                .await
        };
        if !ok {
            break;
        }
        if n % 8 == 0 {
            zokio::task::yield_now().await;
        }
    }
    Ok(())
}

/// Spawns 32 short tasks that each answer over a oneshot, and checks every answer.
async fn spawn_burst(n: u64) -> io::Result<()> {
    let mut set = JoinSet::new();
    for i in 0..32u64 {
        let (tx, rx) = oneshot::channel();
        set.spawn(async move {
            let _ = tx.send(n + i);
        });
        set.spawn(async move {
            match rx.await {
                Ok(v) if v == n + i => {}
                _ => panic!("burst task {i} got no answer"),
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.map_err(io::Error::other)?;
    }
    Ok(())
}

async fn file_writer(stats: Arc<Stats>, slot: usize, dir: PathBuf, index: usize) -> io::Result<()> {
    let mut round = 0usize;
    while !stats.stopped() {
        round += 1;
        let path = dir.join(format!("w{index}-{}.dat", round % FILES_PER_WRITER));
        let byte = round as u8;
        let ok = stats
            .measure(slot, "file write", async move {
                zokio::task::spawn_blocking(move || {
                    std::fs::write(&path, [byte; FILE_SIZE])?;
                    let back = std::fs::read(&path)?;
                    if back.len() != FILE_SIZE || back.iter().any(|&b| b != byte) {
                        return Err(io::Error::other("the file does not hold what was written"));
                    }
                    // Now and then a file goes away, so that creation is exercised too.
                    if round % 16 == 0 {
                        std::fs::remove_file(&path)?;
                    }
                    Ok(())
                })
                .await
                .map_err(io::Error::other)?
            })
            .await;
        if !ok {
            break;
        }
        zokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}
