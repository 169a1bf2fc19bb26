//! smol: a `LocalExecutor` driven by `block_on` on the bench thread (current-thread), and one
//! shared `Executor` run by one thread per CPU (multi-thread), which is how smol's documentation
//! builds a multi-threaded executor. Blocking work goes to smol's `blocking` pool (`smol::unblock`).
//!
//! smol has no ambient "current runtime", so `spawn` finds the executor in a thread-local that
//! `block_on` and the worker threads set; tokio and zokio do the equivalent lookup internally.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use async_executor::{Executor, LocalExecutor, Task};
use futures_lite::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, SeekFrom};

use super::{HeadlineRt, NetRt, Rt, worker_threads};

thread_local! {
    static LOCAL: RefCell<Option<Rc<LocalExecutor<'static>>>> = const { RefCell::new(None) };
    static SHARED: RefCell<Option<Arc<Executor<'static>>>> = const { RefCell::new(None) };
}

/// Restores a thread-local slot to its previous value when dropped (also on unwind).
struct Restore<T: 'static> {
    key: &'static std::thread::LocalKey<RefCell<Option<T>>>,
    previous: Option<T>,
}

impl<T: 'static> Restore<T> {
    fn set(key: &'static std::thread::LocalKey<RefCell<Option<T>>>, value: T) -> Self {
        let previous = key.with(|slot| slot.borrow_mut().replace(value));
        Restore { key, previous }
    }
}

impl<T: 'static> Drop for Restore<T> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        self.key.with(|slot| *slot.borrow_mut() = previous);
    }
}

/// smol's single-threaded set-up: a `LocalExecutor` run by `smol::block_on` on the bench thread.
pub struct SmolCt {
    ex: Rc<LocalExecutor<'static>>,
}

/// smol's multi-threaded set-up: one `Executor` run by one thread per CPU.
pub struct SmolMt {
    ex: Arc<Executor<'static>>,
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Drop for SmolMt {
    fn drop(&mut self) {
        // Closing the channel completes every worker's `ex.run(..)`.
        drop(self.stop.take());
        for t in self.threads.drain(..) {
            t.join().expect("smol worker thread panicked");
        }
    }
}

fn local() -> Rc<LocalExecutor<'static>> {
    LOCAL.with(|l| {
        l.borrow()
            .clone()
            .expect("not inside a smol current-thread runtime")
    })
}

fn shared() -> Arc<Executor<'static>> {
    SHARED.with(|s| {
        s.borrow()
            .clone()
            .expect("not inside a smol multi-thread runtime")
    })
}

macro_rules! smol_common {
    () => {
        const NAME: &'static str = "smol";
        type JoinHandle<T: Send + 'static> = Task<T>;
        type OneshotTx<T: Send + 'static> = async_channel::Sender<T>;
        type OneshotRx<T: Send + 'static> = async_channel::Receiver<T>;

        fn spawn_detached<F>(f: F)
        where
            F: Future<Output = ()> + Send + 'static,
        {
            Self::spawn(f).detach();
        }

        fn spawn_blocking<F, T>(f: F) -> Task<T>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            smol::unblock(f)
        }

        fn yield_now() -> impl Future<Output = ()> + Send {
            futures_lite::future::yield_now()
        }

        fn oneshot<T: Send + 'static>() -> (Self::OneshotTx<T>, Self::OneshotRx<T>) {
            async_channel::bounded(1)
        }

        fn send<T: Send + 'static>(tx: Self::OneshotTx<T>, value: T) {
            tx.try_send(value).expect("oneshot receiver dropped");
        }

        fn recv<T: Send + 'static>(rx: Self::OneshotRx<T>) -> impl Future<Output = T> + Send {
            async move { rx.recv().await.expect("oneshot sender dropped") }
        }
    };
}

impl Rt for SmolCt {
    smol_common!();

    fn build() -> Self {
        SmolCt {
            ex: Rc::new(LocalExecutor::new()),
        }
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        let _restore = Restore::set(&LOCAL, Rc::clone(&self.ex));
        async_io::block_on(self.ex.run(f))
    }

    fn spawn_outside<F>(&self, f: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.ex.spawn(f)
    }

    fn spawn<F>(f: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        local().spawn(f)
    }
}

impl Rt for SmolMt {
    smol_common!();

    fn build() -> Self {
        let ex = Arc::new(Executor::new());
        let (stop, stop_rx) = async_channel::bounded::<()>(1);
        let threads = (0..worker_threads())
            .map(|i| {
                let ex = Arc::clone(&ex);
                let stop_rx = stop_rx.clone();
                thread::Builder::new()
                    .name(format!("smol-worker-{i}"))
                    .spawn(move || {
                        let _restore = Restore::set(&SHARED, Arc::clone(&ex));
                        // `recv` fails once the sender is dropped, which ends `run`.
                        async_io::block_on(ex.run(async move { stop_rx.recv().await.ok() }));
                    })
                    .expect("spawn smol worker thread")
            })
            .collect();
        SmolMt {
            ex,
            stop: Some(stop),
            threads,
        }
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        // Like tokio's `block_on`, the calling thread polls only `f`; tasks run on the workers.
        let _restore = Restore::set(&SHARED, Arc::clone(&self.ex));
        async_io::block_on(f)
    }

    fn spawn_outside<F>(&self, f: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.ex.spawn(f)
    }

    fn spawn<F>(f: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        shared().spawn(f)
    }
}

macro_rules! smol_net {
    ($ty:ident) => {
        impl NetRt for $ty {
            type Listener = smol::net::TcpListener;
            type Stream = smol::net::TcpStream;

            fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Listener>> + Send {
                smol::net::TcpListener::bind(addr)
            }

            fn local_addr(listener: &Self::Listener) -> io::Result<SocketAddr> {
                listener.local_addr()
            }

            fn accept(
                listener: &Self::Listener,
            ) -> impl Future<Output = io::Result<Self::Stream>> + Send + '_ {
                async move {
                    let (stream, _) = listener.accept().await?;
                    stream.set_nodelay(true)?;
                    Ok(stream)
                }
            }

            fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send {
                async move {
                    let stream = smol::net::TcpStream::connect(addr).await?;
                    stream.set_nodelay(true)?;
                    Ok(stream)
                }
            }

            fn read_exact<'a>(
                stream: &'a mut Self::Stream,
                buf: &'a mut [u8],
            ) -> impl Future<Output = io::Result<()>> + Send + 'a {
                stream.read_exact(buf)
            }

            fn write_all<'a>(
                stream: &'a mut Self::Stream,
                buf: &'a [u8],
            ) -> impl Future<Output = io::Result<()>> + Send + 'a {
                stream.write_all(buf)
            }
        }
    };
}

smol_net!(SmolCt);
smol_net!(SmolMt);

impl HeadlineRt for SmolMt {
    type File = smol::fs::File;

    async fn open_rw_file(path: PathBuf) -> io::Result<Self::File> {
        smol::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .await
    }

    async fn file_rewind(file: &mut Self::File) -> io::Result<()> {
        file.seek(SeekFrom::Start(0)).await.map(drop)
    }

    fn file_read_exact<'a>(
        file: &'a mut Self::File,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        file.read_exact(buf)
    }

    fn file_write_all<'a>(
        file: &'a mut Self::File,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        file.write_all(buf)
    }

    fn file_flush(file: &mut Self::File) -> impl Future<Output = io::Result<()>> + Send + '_ {
        file.flush()
    }

    async fn sleep_for(duration: Duration) {
        smol::Timer::after(duration).await;
    }
}
