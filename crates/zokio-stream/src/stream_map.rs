//! [`StreamMap`].

use std::borrow::Borrow;
use std::future::poll_fn;
use std::hash::Hash;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

/// A set of keyed streams polled as one: it yields `(key, item)` for whichever stream has an item.
///
/// A stream that ends is removed from the map, without an item of its own (wrap it in
/// [`StreamNotifyClose`](crate::StreamNotifyClose) to see its end as a `(key, None)` item). The map
/// ends when it is empty. Each poll starts at a different stream, so a busy stream cannot starve
/// the others. Inserting a key that is already there replaces its stream.
///
/// It is a `Vec` of entries: lookups by key are linear, which suits the tens of streams it is made
/// for (subscriptions of one connection, say).
///
/// ```
/// use zokio_stream::{self as stream, StreamExt, StreamMap};
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut map = StreamMap::new();
/// map.insert("a", stream::iter(vec![1, 2]));
/// map.insert("b", stream::iter(vec![10]));
///
/// let mut seen = Vec::new();
/// while let Some((key, n)) = map.next().await {
///     seen.push((key, n));
/// }
/// seen.sort();
/// assert_eq!(seen, [("a", 1), ("a", 2), ("b", 10)]);
/// assert!(map.is_empty()); // every stream ended and was removed
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "streams do nothing unless polled"]
pub struct StreamMap<K, V> {
    entries: Vec<(K, V)>,
    /// Where the next poll starts (modulo the length).
    cursor: usize,
}

impl<K, V> StreamMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        StreamMap {
            entries: Vec::new(),
            cursor: 0,
        }
    }

    /// An empty map with room for `capacity` streams.
    pub fn with_capacity(capacity: usize) -> Self {
        StreamMap {
            entries: Vec::with_capacity(capacity),
            cursor: 0,
        }
    }

    /// The entries, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &(K, V)> {
        self.entries.iter()
    }

    /// The entries, mutably (the keys must not be changed in a way that breaks their uniqueness).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut (K, V)> {
        self.entries.iter_mut()
    }

    /// The keys, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(key, _)| key)
    }

    /// The streams, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, stream)| stream)
    }

    /// The streams, mutably, in no particular order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, stream)| stream)
    }

    /// How many streams the map holds without reallocating.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// The number of streams.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map holds no stream.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops every stream.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Adds `stream` under `key`, and returns the stream it replaces, if any.
    pub fn insert(&mut self, key: K, stream: V) -> Option<V>
    where
        K: Hash + Eq,
    {
        let old = self.remove(&key);
        self.entries.push((key, stream));
        old
    }

    /// Takes out the stream under `key`.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let index = self.entries.iter().position(|(k, _)| k.borrow() == key)?;
        Some(self.entries.swap_remove(index).1)
    }

    /// Whether a stream is under `key`.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.iter().any(|(k, _)| k.borrow() == key)
    }
}

impl<K, V> StreamMap<K, V>
where
    K: Unpin,
    V: Stream + Unpin,
{
    /// Polls each stream at most once, from a rotating start, until one has an item; removes the
    /// streams that ended. Returns the entry's index with the item.
    fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, V::Item)>> {
        let len = self.entries.len();
        if len == 0 {
            return Poll::Ready(None);
        }
        let start = self.cursor % len;
        self.cursor = self.cursor.wrapping_add(1);
        // Visit order: start, start + 1, ..., len - 1, 0, ..., start - 1.
        let mut index = start;
        for _ in 0..len {
            match Pin::new(&mut self.entries[index].1).poll_next(cx) {
                Poll::Ready(Some(item)) => return Poll::Ready(Some((index, item))),
                Poll::Ready(None) => {
                    // An order-keeping removal: the entries after `index` move down by one, so
                    // the next one to visit is at `index` now (or at 0, past the end). A
                    // `swap_remove` would move the last entry here, visited or not.
                    self.entries.remove(index);
                    if self.entries.is_empty() {
                        break;
                    }
                    if index >= self.entries.len() {
                        index = 0;
                    }
                }
                Poll::Pending => index = (index + 1) % self.entries.len(),
            }
        }
        if self.entries.is_empty() {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}

impl<K, V> StreamMap<K, V>
where
    K: Clone + Unpin,
    V: Stream + Unpin,
{
    /// Receives up to `limit` items into `buffer` (appended) and returns how many; waits while no
    /// item is ready. Returns 0 only if `limit` is 0 or the map is empty.
    ///
    /// Cancel safe: an item is only taken when it is appended.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamMap};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut map = StreamMap::new();
    /// map.insert(1, stream::iter(vec!['a', 'b', 'c']));
    /// let mut buffer = Vec::new();
    /// assert_eq!(map.next_many(&mut buffer, 2).await, 2);
    /// assert_eq!(buffer, [(1, 'a'), (1, 'b')]);
    /// # }
    /// ```
    pub async fn next_many(&mut self, buffer: &mut Vec<(K, V::Item)>, limit: usize) -> usize {
        poll_fn(|cx| self.poll_next_many(cx, buffer, limit)).await
    }

    /// Polls for up to `limit` items; see [`next_many`](Self::next_many).
    pub fn poll_next_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<(K, V::Item)>,
        limit: usize,
    ) -> Poll<usize> {
        let mut added = 0;
        while added < limit {
            match self.poll_next_entry(cx) {
                Poll::Ready(Some((index, item))) => {
                    buffer.push((self.entries[index].0.clone(), item));
                    added += 1;
                }
                Poll::Ready(None) => break,
                Poll::Pending if added == 0 => return Poll::Pending,
                Poll::Pending => break,
            }
        }
        Poll::Ready(added)
    }
}

impl<K, V> Default for StreamMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> Stream for StreamMap<K, V>
where
    K: Clone + Unpin,
    V: Stream + Unpin,
{
    type Item = (K, V::Item);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        this.poll_next_entry(cx)
            .map(|entry| entry.map(|(index, item)| (this.entries[index].0.clone(), item)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries
            .iter()
            .map(|(_, stream)| stream.size_hint())
            .fold((0, Some(0)), |(lower, upper), (l, u)| {
                let upper = match (upper, u) {
                    (Some(a), Some(b)) => a.checked_add(b),
                    _ => None,
                };
                (lower.saturating_add(l), upper)
            })
    }
}

impl<K: Hash + Eq, V> FromIterator<(K, V)> for StreamMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut map = StreamMap::with_capacity(iter.size_hint().0);
        map.extend(iter);
        map
    }
}

impl<K: Hash + Eq, V> Extend<(K, V)> for StreamMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (key, stream) in iter {
            self.insert(key, stream);
        }
    }
}
