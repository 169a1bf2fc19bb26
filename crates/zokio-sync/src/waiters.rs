//! A FIFO list of waiters with stable keys, kept under its owner's mutex.
//!
//! Every blocking primitive in this crate queues its waiters here. Nodes live in a [`Slab`], so a slot
//! is reused by the next waiter instead of allocating once per wait, and they are linked into a doubly
//! linked list by index, so a waiter that gives up (its future was dropped) unlinks itself in O(1)
//! without searching. Keys stay valid until [`WaitList::remove`]: a node that was already *unlinked*
//! (because it was granted what it waited for) keeps its slot so that its future can read the grant.
//!
//! This is the "intrusive waiter list" design of Tokio's `batch_semaphore`, with the nodes owned by the
//! list instead of by the futures. That keeps the crate free of pinned self-referential nodes (and
//! their `unsafe`), and it keeps the wait strictly FIFO, which `event-listener` does not promise for
//! a semaphore that hands out several permits at once.

use slab::Slab;

const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Node<W> {
    prev: usize,
    next: usize,
    linked: bool,
    value: W,
}

/// A FIFO list of waiters of type `W`. See the module documentation.
#[derive(Debug)]
pub(crate) struct WaitList<W> {
    nodes: Slab<Node<W>>,
    head: usize,
    tail: usize,
    len: usize,
}

impl<W> WaitList<W> {
    /// An empty list; `const` so that primitives built on it can have `const` constructors.
    pub(crate) const fn new() -> WaitList<W> {
        WaitList {
            nodes: Slab::new(),
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }

    /// Number of linked (still waiting) nodes.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether no node is linked.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a waiter at the back and returns its key.
    pub(crate) fn push_back(&mut self, value: W) -> usize {
        let key = self.nodes.insert(Node {
            prev: self.tail,
            next: NIL,
            linked: true,
            value,
        });
        if self.tail == NIL {
            self.head = key;
        } else {
            self.nodes[self.tail].next = key;
        }
        self.tail = key;
        self.len += 1;
        key
    }

    /// The key of the first linked waiter.
    #[inline]
    pub(crate) fn front(&self) -> Option<usize> {
        (self.head != NIL).then_some(self.head)
    }

    /// The key of the last linked waiter.
    #[inline]
    pub(crate) fn back(&self) -> Option<usize> {
        (self.tail != NIL).then_some(self.tail)
    }

    /// Whether `key`'s node is still in the queue (not yet granted).
    #[inline]
    pub(crate) fn is_linked(&self, key: usize) -> bool {
        self.nodes[key].linked
    }

    /// The waiter stored under `key`, linked or not.
    #[inline]
    pub(crate) fn get_mut(&mut self, key: usize) -> &mut W {
        &mut self.nodes[key].value
    }

    /// The waiter stored under `key`, or `None` if that slot is free. For lists whose owner lets
    /// a notifier free a waiter's slot (the slot may since hold another waiter, so the caller
    /// checks the value it finds).
    #[inline]
    pub(crate) fn try_get_mut(&mut self, key: usize) -> Option<&mut W> {
        self.nodes.get_mut(key).map(|node| &mut node.value)
    }

    /// Puts an unlinked node back at the end of the queue (a no-op if it is linked).
    pub(crate) fn relink(&mut self, key: usize) {
        if self.nodes[key].linked {
            return;
        }
        let tail = self.tail;
        let node = &mut self.nodes[key];
        node.linked = true;
        node.prev = tail;
        node.next = NIL;
        if tail == NIL {
            self.head = key;
        } else {
            self.nodes[tail].next = key;
        }
        self.tail = key;
        self.len += 1;
    }

    /// Takes `key` out of the queue but keeps its slot, so its owner can still read it.
    pub(crate) fn unlink(&mut self, key: usize) {
        let node = &mut self.nodes[key];
        if !node.linked {
            return;
        }
        node.linked = false;
        let (prev, next) = (node.prev, node.next);
        node.prev = NIL;
        node.next = NIL;
        if prev == NIL {
            self.head = next;
        } else {
            self.nodes[prev].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.nodes[next].prev = prev;
        }
        self.len -= 1;
    }

    /// Unlinks (if needed) and frees `key`'s slot, returning its waiter.
    pub(crate) fn remove(&mut self, key: usize) -> W {
        self.unlink(key);
        self.nodes.remove(key).value
    }
}

/// Wakers collected under a lock and woken after it is released, so that a waker which runs code
/// (or re-enters the primitive) never does so while we hold the lock.
///
/// The slots start uninitialised: creating the list is free, which matters because every contended
/// release creates one and usually wakes a single task.
pub(crate) struct WakeList {
    wakers: [std::mem::MaybeUninit<std::task::Waker>; WakeList::CAPACITY],
    len: usize,
}

impl WakeList {
    /// How many wakers fit before the caller must release the lock and wake them.
    pub(crate) const CAPACITY: usize = 32;

    pub(crate) fn new() -> WakeList {
        WakeList {
            wakers: [const { std::mem::MaybeUninit::uninit() }; WakeList::CAPACITY],
            len: 0,
        }
    }

    #[inline]
    pub(crate) fn can_push(&self) -> bool {
        self.len < Self::CAPACITY
    }

    #[inline]
    pub(crate) fn push(&mut self, waker: std::task::Waker) {
        assert!(self.can_push(), "wake list full");
        self.wakers[self.len].write(waker);
        self.len += 1;
    }

    /// Wakes every collected waker and empties the list.
    pub(crate) fn wake_all(&mut self) {
        let len = std::mem::replace(&mut self.len, 0);
        for slot in &mut self.wakers[..len] {
            // SAFETY: the first `len` slots were initialised by `push`, and resetting `len` first
            // means each is read exactly once (also if a waker panics: the rest are leaked, not
            // read twice).
            let waker = unsafe { slot.assume_init_read() };
            waker.wake();
        }
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        self.wake_all();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::WaitList;

    #[test]
    fn fifo_order_and_unlink_from_middle() {
        let mut list = WaitList::new();
        let a = list.push_back('a');
        let b = list.push_back('b');
        let c = list.push_back('c');
        list.unlink(b);
        assert!(!list.is_linked(b));
        assert_eq!(*list.get_mut(b), 'b');
        assert_eq!(list.front(), Some(a));
        assert_eq!(list.len(), 2);
        assert_eq!(list.remove(a), 'a');
        assert_eq!(list.front(), Some(c));
        list.relink(b);
        assert_eq!(list.len(), 2);
        list.unlink(c);
        assert_eq!(list.front(), Some(b));
        list.relink(c);
        assert_eq!(list.remove(b), 'b');
        assert_eq!(list.remove(c), 'c');
        assert!(list.is_empty());
        assert_eq!(list.front(), None);
    }
}
