//! zokio: `Builder::new_current_thread()` and `Builder::new_multi_thread()` with one worker per
//! CPU, both with every driver enabled, exactly as an application would build them.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use zokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, SeekFrom};
use zokio::runtime::{Builder, Runtime};

use super::{HeadlineRt, NetRt, Rt, worker_threads};

/// A zokio task's handle that yields the output itself (a task panic is re-raised).
pub struct Join<T>(zokio::task::JoinHandle<T>);

impl<T> Future for Join<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())))
    }
}

/// zokio's current-thread runtime (`Builder::new_current_thread().enable_all()`).
pub struct ZokioCt(Runtime);

/// zokio's multi-thread runtime (`Builder::new_multi_thread().worker_threads(cpus).enable_all()`).
pub struct ZokioMt(Runtime);

macro_rules! zokio_rt {
    ($ty:ident, $build:expr) => {
        impl Rt for $ty {
            const NAME: &'static str = "zokio";
            type JoinHandle<T: Send + 'static> = Join<T>;
            type OneshotTx<T: Send + 'static> = zokio::sync::oneshot::Sender<T>;
            type OneshotRx<T: Send + 'static> = zokio::sync::oneshot::Receiver<T>;

            fn build() -> Self {
                $ty($build.enable_all().build().expect("zokio runtime builds"))
            }

            fn block_on<F: Future>(&self, f: F) -> F::Output {
                self.0.block_on(f)
            }

            fn spawn_outside<F>(&self, f: F) -> Join<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                Join(self.0.spawn(f))
            }

            fn spawn<F>(f: F) -> Join<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                Join(zokio::spawn(f))
            }

            fn spawn_detached<F>(f: F)
            where
                F: Future<Output = ()> + Send + 'static,
            {
                drop(zokio::spawn(f));
            }

            fn spawn_blocking<F, T>(f: F) -> Join<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                Join(zokio::task::spawn_blocking(f))
            }

            fn yield_now() -> impl Future<Output = ()> + Send {
                zokio::task::yield_now()
            }

            fn oneshot<T: Send + 'static>() -> (Self::OneshotTx<T>, Self::OneshotRx<T>) {
                zokio::sync::oneshot::channel()
            }

            fn send<T: Send + 'static>(tx: Self::OneshotTx<T>, value: T) {
                if tx.send(value).is_err() {
                    panic!("oneshot receiver dropped");
                }
            }

            fn recv<T: Send + 'static>(rx: Self::OneshotRx<T>) -> impl Future<Output = T> + Send {
                async move { rx.await.expect("oneshot sender dropped") }
            }
        }

        impl NetRt for $ty {
            type Listener = zokio::net::TcpListener;
            type Stream = zokio::net::TcpStream;

            fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Listener>> + Send {
                zokio::net::TcpListener::bind(addr)
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
                    let stream = zokio::net::TcpStream::connect(addr).await?;
                    stream.set_nodelay(true)?;
                    Ok(stream)
                }
            }

            fn read_exact<'a>(
                stream: &'a mut Self::Stream,
                buf: &'a mut [u8],
            ) -> impl Future<Output = io::Result<()>> + Send + 'a {
                async move { stream.read_exact(buf).await.map(drop) }
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

zokio_rt!(ZokioCt, Builder::new_current_thread());
zokio_rt!(
    ZokioMt,
    Builder::new_multi_thread().worker_threads(worker_threads())
);

impl HeadlineRt for ZokioMt {
    type File = zokio::fs::File;

    async fn open_rw_file(path: PathBuf) -> io::Result<Self::File> {
        zokio::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .await
    }

    async fn file_rewind(file: &mut Self::File) -> io::Result<()> {
        file.seek(SeekFrom::Start(0)).await.map(drop)
    }

    async fn file_read_exact<'a>(file: &'a mut Self::File, buf: &'a mut [u8]) -> io::Result<()> {
        file.read_exact(buf).await.map(drop)
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

    fn sleep_for(duration: Duration) -> impl Future<Output = ()> + Send {
        zokio::time::sleep(duration)
    }
}
