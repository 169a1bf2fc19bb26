//! [`StreamExt::collect`](crate::StreamExt::collect): [`Collect`] and [`FromStream`].

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::marker::{PhantomData, PhantomPinned};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use pin_project_lite::pin_project;

/// A collection that [`collect`](crate::StreamExt::collect) can build from a stream of `T`.
///
/// Implemented for `Vec`, `VecDeque`, `LinkedList`, `BinaryHeap`, `Box<[T]>`, the sets and maps of
/// `std::collections`, `String` (from any `AsRef<str>` items), `()`, and `Result<C, E>` for any
/// such `C` (which stops at the first error). The trait is sealed, as Tokio's is.
pub trait FromStream<T>: sealed::Collector<T> {}

pub(crate) mod sealed {
    use std::ops::ControlFlow;

    /// The work behind [`FromStream`](super::FromStream), not nameable outside the crate.
    pub trait Collector<T>: Sized {
        /// The state while collecting.
        type Partial;

        /// An empty state, given the stream's size hint.
        fn start(lower: usize, upper: Option<usize>) -> Self::Partial;

        /// Adds an item; `Break` ends the collection early.
        fn push(partial: &mut Self::Partial, item: T) -> ControlFlow<()>;

        /// The finished collection.
        fn finish(partial: Self::Partial) -> Self;
    }
}

use sealed::Collector;

pin_project! {
    /// The future [`collect`](crate::StreamExt::collect) returns.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Collect<S, C, P> {
        #[pin]
        stream: S,
        partial: Option<P>,
        _collection: PhantomData<fn() -> C>,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<S: fmt::Debug, C, P: fmt::Debug> fmt::Debug for Collect<S, C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collect")
            .field("stream", &self.stream)
            .field("partial", &self.partial)
            .finish()
    }
}

impl<S, C> Collect<S, C, C::Partial>
where
    S: Stream,
    C: FromStream<S::Item>,
{
    pub(crate) fn new(stream: S) -> Self {
        let (lower, upper) = stream.size_hint();
        Collect {
            stream,
            partial: Some(C::start(lower, upper)),
            _collection: PhantomData,
            _pin: PhantomPinned,
        }
    }
}

impl<S, C> Future for Collect<S, C, C::Partial>
where
    S: Stream,
    C: FromStream<S::Item>,
{
    type Output = C;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<C> {
        let mut this = self.project();
        loop {
            let item = ready!(this.stream.as_mut().poll_next(cx));
            let partial = this
                .partial
                .as_mut()
                .expect("`Collect` polled after it completed");
            let more = match item {
                Some(item) => C::push(partial, item),
                None => ControlFlow::Break(()),
            };
            if more.is_break() {
                let partial = this.partial.take().expect("checked above");
                return Poll::Ready(C::finish(partial));
            }
        }
    }
}

/// Implements the traits for a collection with a `with_capacity`-like constructor and a push
/// method.
macro_rules! collector {
    (
        impl<$($gen:ident),*> for $coll:ty, item $item:ty, where ($($bounds:tt)*),
        start($lower:ident) $start:expr,
        push($partial:ident, $value:pat) $push:expr $(,)?
    ) => {
        impl<$($gen),*> FromStream<$item> for $coll where $($bounds)* {}

        impl<$($gen),*> Collector<$item> for $coll where $($bounds)* {
            type Partial = $coll;

            fn start($lower: usize, _upper: Option<usize>) -> $coll {
                $start
            }

            fn push($partial: &mut $coll, $value: $item) -> ControlFlow<()> {
                $push;
                ControlFlow::Continue(())
            }

            fn finish(partial: $coll) -> $coll {
                partial
            }
        }
    };
}

collector!(
    impl<T> for Vec<T>, item T, where (),
    start(lower) Vec::with_capacity(lower),
    push(vec, item) vec.push(item),
);
collector!(
    impl<T> for VecDeque<T>, item T, where (),
    start(lower) VecDeque::with_capacity(lower),
    push(deque, item) deque.push_back(item),
);
collector!(
    impl<T> for LinkedList<T>, item T, where (),
    start(_lower) LinkedList::new(),
    push(list, item) list.push_back(item),
);
collector!(
    impl<T> for BinaryHeap<T>, item T, where (T: Ord),
    start(lower) BinaryHeap::with_capacity(lower),
    push(heap, item) heap.push(item),
);
collector!(
    impl<T> for BTreeSet<T>, item T, where (T: Ord),
    start(_lower) BTreeSet::new(),
    push(set, item) set.insert(item),
);
collector!(
    impl<K, V> for BTreeMap<K, V>, item (K, V), where (K: Ord),
    start(_lower) BTreeMap::new(),
    push(map, (key, value)) map.insert(key, value),
);
collector!(
    impl<T> for HashSet<T>, item T, where (T: Eq + Hash),
    start(lower) HashSet::with_capacity(lower),
    push(set, item) set.insert(item),
);
collector!(
    impl<K, V> for HashMap<K, V>, item (K, V), where (K: Eq + Hash),
    start(lower) HashMap::with_capacity(lower),
    push(map, (key, value)) map.insert(key, value),
);
collector!(
    impl<T> for String, item T, where (T: AsRef<str>),
    start(_lower) String::new(),
    push(string, item) string.push_str(item.as_ref()),
);

impl FromStream<()> for () {}

impl Collector<()> for () {
    type Partial = ();

    fn start(_lower: usize, _upper: Option<usize>) {}

    fn push(_partial: &mut (), _item: ()) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    fn finish(_partial: ()) {}
}

impl<T> FromStream<T> for Box<[T]> {}

impl<T> Collector<T> for Box<[T]> {
    type Partial = Vec<T>;

    fn start(lower: usize, _upper: Option<usize>) -> Vec<T> {
        Vec::with_capacity(lower)
    }

    fn push(partial: &mut Vec<T>, item: T) -> ControlFlow<()> {
        partial.push(item);
        ControlFlow::Continue(())
    }

    fn finish(partial: Vec<T>) -> Box<[T]> {
        partial.into_boxed_slice()
    }
}

impl<T, C: FromStream<T>, E> FromStream<Result<T, E>> for Result<C, E> {}

impl<T, C: FromStream<T>, E> Collector<Result<T, E>> for Result<C, E> {
    /// The collection so far, or the first error (after which the stream is not polled again).
    type Partial = Result<C::Partial, E>;

    fn start(lower: usize, upper: Option<usize>) -> Self::Partial {
        Ok(C::start(lower, upper))
    }

    fn push(partial: &mut Self::Partial, item: Result<T, E>) -> ControlFlow<()> {
        let Ok(collection) = partial else {
            return ControlFlow::Break(());
        };
        match item {
            Ok(item) => C::push(collection, item),
            Err(error) => {
                *partial = Err(error);
                ControlFlow::Break(())
            }
        }
    }

    fn finish(partial: Self::Partial) -> Self {
        partial.map(C::finish)
    }
}
