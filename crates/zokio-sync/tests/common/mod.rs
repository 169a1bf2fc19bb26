//! Runs the same test scenario on several executors.
//!
//! A scenario is a function generic over [`Exec`]; [`exec_tests!`] instantiates it once per
//! executor: zokio (current-thread and multi-thread), Tokio (both flavours) and smol.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;

pub mod hooks;

/// A spawned task's result, awaitable from the test's main future.
pub type Handle<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// An executor that can run a test's main future and spawn tasks from inside it.
pub trait Exec: 'static {
    /// Runs `future` to completion on this executor.
    fn block_on<F>(future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns a task; must be called from inside `block_on`.
    fn spawn<T, F>(future: F) -> Handle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static;
}

/// zokio's current-thread runtime: every task on the test thread.
pub struct ZokioCurrentThread;

impl Exec for ZokioCurrentThread {
    fn block_on<F>(future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        zokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    fn spawn<T, F>(future: F) -> Handle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let handle = zokio::spawn(future);
        Box::pin(async move { handle.await.expect("task panicked") })
    }
}

/// zokio's multi-thread runtime with four workers.
pub struct ZokioMultiThread;

impl Exec for ZokioMultiThread {
    fn block_on<F>(future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = zokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        let main = runtime.spawn(future);
        runtime.block_on(main).expect("main task panicked")
    }

    fn spawn<T, F>(future: F) -> Handle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        ZokioCurrentThread::spawn(future)
    }
}

/// Tokio's current-thread runtime: every task on the test thread.
pub struct TokioCurrentThread;

impl Exec for TokioCurrentThread {
    fn block_on<F>(future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    fn spawn<T, F>(future: F) -> Handle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let handle = tokio::spawn(future);
        Box::pin(async move { handle.await.expect("task panicked") })
    }
}

/// Tokio's multi-thread runtime with four workers: tasks really run in parallel.
pub struct TokioMultiThread;

impl Exec for TokioMultiThread {
    fn block_on<F>(future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        // Run the main future as a task too, so that it is a worker like the others.
        let main = runtime.spawn(future);
        runtime.block_on(main).expect("main task panicked")
    }

    fn spawn<T, F>(future: F) -> Handle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        TokioCurrentThread::spawn(future)
    }
}

/// smol: `block_on` on the test thread, tasks on smol's global multi-threaded executor.
pub struct Smol;

impl Exec for Smol {
    fn block_on<F>(future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        smol::block_on(future)
    }

    fn spawn<T, F>(future: F) -> Handle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        Box::pin(smol::spawn(future))
    }
}

/// Instantiates each generic scenario `fn name<E: Exec>()` as a `#[test]` per executor.
#[macro_export]
macro_rules! exec_tests {
    ($($name:ident),* $(,)?) => {
        mod zokio_current_thread {
            $( #[test] fn $name() { super::$name::<$crate::common::ZokioCurrentThread>() } )*
        }
        mod zokio_multi_thread {
            $( #[test] fn $name() { super::$name::<$crate::common::ZokioMultiThread>() } )*
        }
        mod tokio_current_thread {
            $( #[test] fn $name() { super::$name::<$crate::common::TokioCurrentThread>() } )*
        }
        mod tokio_multi_thread {
            $( #[test] fn $name() { super::$name::<$crate::common::TokioMultiThread>() } )*
        }
        mod smol {
            $( #[test] fn $name() { super::$name::<$crate::common::Smol>() } )*
        }
    };
}

/// Polls a future once with a no-op waker: `Some(output)` if it completed.
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> Option<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match Pin::new(future).poll(&mut cx) {
        std::task::Poll::Ready(output) => Some(output),
        std::task::Poll::Pending => None,
    }
}

/// Yields to the executor `n` times, letting other tasks run.
pub async fn yield_n(n: usize) {
    for _ in 0..n {
        futures_lite::future::yield_now().await;
    }
}
