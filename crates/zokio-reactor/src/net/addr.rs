//! Address resolution: [`ToSocketAddrs`] and [`lookup_host`].
//!
//! Literal addresses (`"127.0.0.1:80"`, `SocketAddr`, `(IpAddr, u16)`) are parsed on the spot. Host
//! names go through the system resolver, which blocks, so the lookup runs on the runtime's blocking
//! pool (or on a short-lived thread outside a zokio runtime).

use std::future::poll_fn;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

/// Types that can be resolved to socket addresses: literal addresses, `(host, port)` pairs and
/// `"host:port"` strings. Sealed; mirrors [`std::net::ToSocketAddrs`].
pub trait ToSocketAddrs: sealed::Resolvable {}

pub(crate) mod sealed {
    use super::*;

    /// What resolving an address needs.
    pub enum Resolution {
        /// The addresses are known (or failed to parse) without a lookup.
        Done(io::Result<Vec<SocketAddr>>),
        /// A `"host:port"` string for the system resolver.
        Lookup(String),
    }

    /// The private half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait Resolvable {
        /// How to resolve `self`.
        fn resolution(&self) -> Resolution;
    }
}

use sealed::{Resolution, Resolvable};

macro_rules! literal {
    ($($ty:ty),*) => {$(
        impl ToSocketAddrs for $ty {}
        impl Resolvable for $ty {
            fn resolution(&self) -> Resolution {
                Resolution::Done(Ok(vec![SocketAddr::from(*self)]))
            }
        }
    )*};
}

literal!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16),
    ([u8; 4], u16),
    ([u8; 16], u16)
);

impl ToSocketAddrs for str {}
impl Resolvable for str {
    fn resolution(&self) -> Resolution {
        match self.parse::<SocketAddr>() {
            Ok(addr) => Resolution::Done(Ok(vec![addr])),
            Err(_) => Resolution::Lookup(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl Resolvable for String {
    fn resolution(&self) -> Resolution {
        self.as_str().resolution()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Resolvable for (&str, u16) {
    fn resolution(&self) -> Resolution {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Resolution::Done(Ok(vec![SocketAddr::new(ip, port)])),
            // IPv6 host names need brackets in a "host:port" string; plain names do not.
            Err(_) => Resolution::Lookup(format!("{host}:{port}")),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Resolvable for (String, u16) {
    fn resolution(&self) -> Resolution {
        (self.0.as_str(), self.1).resolution()
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl Resolvable for [SocketAddr] {
    fn resolution(&self) -> Resolution {
        Resolution::Done(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for Vec<SocketAddr> {}
impl Resolvable for Vec<SocketAddr> {
    fn resolution(&self) -> Resolution {
        Resolution::Done(Ok(self.clone()))
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Resolvable + ?Sized> Resolvable for &T {
    fn resolution(&self) -> Resolution {
        (**self).resolution()
    }
}

/// Resolves `addr` to the addresses it names, in the resolver's order.
pub(crate) async fn resolve<A: ToSocketAddrs>(addr: A) -> io::Result<Vec<SocketAddr>> {
    match addr.resolution() {
        Resolution::Done(result) => result,
        Resolution::Lookup(host) => {
            let lookup =
                move || std::net::ToSocketAddrs::to_socket_addrs(&host).map(Vec::from_iter);
            match crate::Handle::try_current().and_then(|handle| handle.blocking()) {
                Some(pool) => off_thread(lookup, |work| pool.spawn_blocking(work)).await,
                None => {
                    off_thread(lookup, |work| {
                        let spawned = std::thread::Builder::new()
                            .name("zokio-resolver".into())
                            .spawn(work);
                        // Not started: `work` was dropped, which reports the failure below.
                        drop(spawned);
                    })
                    .await
                }
            }
        }
    }
}

/// Runs `f` through `spawn` (the runtime's blocking pool, or a thread of its own outside a runtime)
/// and waits for its result. If `spawn` drops the work without running it (a pool that shut down,
/// a thread that could not start), the wait ends with an error instead of hanging.
async fn off_thread<R: Send + 'static>(
    f: impl FnOnce() -> io::Result<R> + Send + 'static,
    spawn: impl FnOnce(Box<dyn FnOnce() + Send>),
) -> io::Result<R> {
    type Shared<R> = Arc<Mutex<(Option<io::Result<R>>, Option<Waker>)>>;

    /// Delivers the result, or an error if dropped before the work ran.
    struct Deliver<R>(Option<Shared<R>>);
    impl<R> Deliver<R> {
        fn send(&mut self, result: io::Result<R>) {
            let Some(shared) = self.0.take() else { return };
            let waker = {
                let mut slot = shared.lock().unwrap_or_else(|e| e.into_inner());
                slot.0 = Some(result);
                slot.1.take()
            };
            // Woken outside the lock: a waker is user code.
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
    impl<R> Drop for Deliver<R> {
        fn drop(&mut self) {
            self.send(Err(io::Error::other(
                "the name lookup could not run: the blocking pool has shut down",
            )));
        }
    }

    let shared: Shared<R> = Arc::new(Mutex::new((None, None)));
    let mut deliver = Deliver(Some(Arc::clone(&shared)));
    spawn(Box::new(move || {
        let result = f();
        deliver.send(result);
    }));
    poll_fn(|cx| {
        let mut slot = shared.lock().unwrap_or_else(|e| e.into_inner());
        match slot.0.take() {
            Some(result) => Poll::Ready(result),
            None => {
                let replaced = slot.1.replace(cx.waker().clone());
                drop(slot);
                // A waker's `Drop` is user code: never under the lock.
                drop(replaced);
                Poll::Pending
            }
        }
    })
    .await
}

/// Resolves a host name and port to socket addresses.
///
/// Literal addresses need no lookup; names are resolved with the system resolver on the blocking
/// pool.
///
/// ```
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// let addrs: Vec<_> = zokio_reactor::net::lookup_host("127.0.0.1:8080").await.unwrap().collect();
/// assert_eq!(addrs, ["127.0.0.1:8080".parse().unwrap()]);
/// # });
/// ```
pub async fn lookup_host<A: ToSocketAddrs>(
    host: A,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(resolve(host).await?.into_iter())
}

/// Runs `op` on each address in turn until one succeeds; returns the last error otherwise.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut op: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last_error = None;
    for addr in resolve(addr).await? {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}
