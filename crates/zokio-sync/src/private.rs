//! Support items for the macros. Not public API: only the macros may use them.
//!
//! `select!`, `join!` and `try_join!` expand to one [`Multi`]: the branch futures in a tuple, a
//! small piece of state (the disabled-branch mask of `select!`, the rotation of `join!`) and a
//! closure that polls them. The closure captures nothing, so the future the macro awaits is exactly
//! as large as the branch futures plus that state; the tuple is pinned in place inside it and
//! [`PinTuple::project`] hands out its fields pinned, so the expansion itself needs no `unsafe`.

pub use std::future::{Future, IntoFuture, poll_fn};
pub use std::pin::{Pin, pin};
pub use std::task::Poll;

use std::task::Context;

/// A random branch to start polling from, so that `select!` does not favour its first branch.
#[inline]
pub fn random_start(branches: u32) -> u32 {
    if branches <= 1 {
        0
    } else {
        fastrand::u32(..branches)
    }
}

/// `Ready` while the task still has cooperative budget; otherwise wakes the task and returns
/// `Pending`. `select!` checks this before polling its branches, as Tokio's does: a branch that
/// spends the budget would yield anyway, and one that does not (a plain ready future) would let
/// a loop around `select!` run forever without yielding.
///
/// It checks zokio's budget, and with the `tokio-coop` feature Tokio's too; it spends nothing.
#[inline]
pub fn poll_budget_available(cx: &mut Context<'_>) -> Poll<()> {
    #[cfg(feature = "tokio-coop")]
    let tokio_spent = !tokio::task::coop::has_budget_remaining();
    #[cfg(not(feature = "tokio-coop"))]
    let tokio_spent = false;
    if zokio_coop::has_budget_remaining() && !tokio_spent {
        Poll::Ready(())
    } else {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The future a `select!`, `join!` or `try_join!` awaits: the branch futures (pinned with it),
/// the macro's state, and the closure that polls them.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Multi<T, S, F> {
    futures: T,
    state: S,
    poll: F,
}

impl<T, S, F> Multi<T, S, F> {
    /// Bundles the futures, the state and the poll closure.
    #[inline]
    pub fn new<O>(futures: T, state: S, poll: F) -> Multi<T, S, F>
    where
        F: FnMut(Pin<&mut T>, &mut S, &mut Context<'_>) -> Poll<O>,
    {
        Multi {
            futures,
            state,
            poll,
        }
    }
}

impl<T, S, F, O> Future for Multi<T, S, F>
where
    F: FnMut(Pin<&mut T>, &mut S, &mut Context<'_>) -> Poll<O>,
{
    type Output = O;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        // SAFETY: `futures` is pinned structurally: it is only ever reached through the `Pin`
        // made here, never moved out, and dropped in place with the `Multi` (which has no `Drop`
        // impl and is not `repr(packed)`). `state` and `poll` are not pinned and handed out as
        // plain references; `Multi` is `Unpin` only when all three are.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let futures = unsafe { Pin::new_unchecked(&mut this.futures) };
        (this.poll)(futures, &mut this.state, cx)
    }
}

/// Pin projection of a tuple: a pinned tuple gives each of its fields pinned.
pub trait PinTuple {
    /// The tuple of pinned references to the fields.
    type Projection<'a>
    where
        Self: 'a;

    /// Pinned references to every field.
    fn project(self: Pin<&mut Self>) -> Self::Projection<'_>;
}

macro_rules! pin_tuple {
    (@impl $($t:ident $i:tt)+) => {
        impl<$($t),+> PinTuple for ($($t,)+) {
            type Projection<'a> = ($(Pin<&'a mut $t>,)+) where Self: 'a;

            #[inline]
            fn project(self: Pin<&mut Self>) -> Self::Projection<'_> {
                // SAFETY: tuple fields are pinned structurally: a tuple has no `Drop` impl of its
                // own (its fields are dropped in place), is never `repr(packed)`, and is `Unpin`
                // only when every field is. Nothing here moves a field; callers only get each one
                // behind a `Pin`.
                let this = unsafe { self.get_unchecked_mut() };
                // SAFETY: see above; each field lives inside the pinned tuple.
                ($(unsafe { Pin::new_unchecked(&mut this.$i) },)+)
            }
        }
    };
    // Implements the trait for every prefix of the list, longest first.
    ([$($done:tt)*] $t:ident $i:tt $($rest:tt)*) => {
        pin_tuple!(@impl $($done)* $t $i);
        pin_tuple!([$($done)* $t $i] $($rest)*);
    };
    ([$($done:tt)*]) => {};
}

pin_tuple!([]
    T0 0 T1 1 T2 2 T3 3 T4 4 T5 5 T6 6 T7 7 T8 8 T9 9 T10 10 T11 11 T12 12 T13 13 T14 14 T15 15
    T16 16 T17 17 T18 18 T19 19 T20 20 T21 21 T22 22 T23 23 T24 24 T25 25 T26 26 T27 27 T28 28
    T29 29 T30 30 T31 31 T32 32 T33 33 T34 34 T35 35 T36 36 T37 37 T38 38 T39 39 T40 40 T41 41
    T42 42 T43 43 T44 44 T45 45 T46 46 T47 47 T48 48 T49 49 T50 50 T51 51 T52 52 T53 53 T54 54
    T55 55 T56 56 T57 57 T58 58 T59 59 T60 60 T61 61 T62 62 T63 63
);

/// Which branch an unbiased `join!`/`try_join!` polls first: the next one on every poll, so that a
/// branch that always uses up the task's budget cannot starve those after it.
#[derive(Debug, Default)]
pub struct Rotator(u8);

impl Rotator {
    /// The branch to start from this time, out of `branches`.
    #[inline]
    pub fn start(&mut self, branches: u32) -> u32 {
        let start = u32::from(self.0);
        // At most 64 branches, so this fits.
        self.0 = if start + 1 >= branches {
            0
        } else {
            (start + 1) as u8
        };
        start
    }
}

/// The `biased;` form of [`Rotator`]: always the first branch.
#[derive(Debug, Default)]
pub struct Biased;

impl Biased {
    /// Always 0.
    #[inline]
    pub fn start(&mut self, _branches: u32) -> u32 {
        0
    }
}

/// A future and, once it completed, its output: the slots of `join!` and `try_join!`.
///
/// `repr(u8)` keeps the variant tag out of the future's bytes (a one-byte tag of its own, no
/// niche): with the tag inside the future, reading it would read memory the running future may
/// hold a unique borrow of.
#[derive(Debug)]
#[repr(u8)]
pub enum MaybeDone<F: Future> {
    /// Still running.
    Future(F),
    /// Completed; the output waits to be taken.
    Done(F::Output),
    /// The output was taken (or the future failed in `try_join!`).
    Gone,
}

impl<F: Future> MaybeDone<F> {
    /// Wraps a future (or anything that turns into one).
    #[inline]
    pub fn new<I: IntoFuture<IntoFuture = F>>(future: I) -> MaybeDone<F> {
        MaybeDone::Future(future.into_future())
    }

    /// Polls the future if still running; returns whether the output is ready.
    #[inline]
    pub fn poll_done(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        // SAFETY: the future is pinned structurally: it is only reached through the `Pin` below,
        // and replaced (so dropped in place, never moved) by the assignment of `Done`. The
        // output is not pinned: nothing hands out a `Pin` to it.
        let this = unsafe { self.get_unchecked_mut() };
        match this {
            MaybeDone::Future(future) => {
                // SAFETY: see above.
                let future = unsafe { Pin::new_unchecked(future) };
                match future.poll(cx) {
                    Poll::Ready(output) => {
                        *this = MaybeDone::Done(output);
                        true
                    }
                    Poll::Pending => false,
                }
            }
            MaybeDone::Done(_) | MaybeDone::Gone => true,
        }
    }

    /// Takes the output.
    ///
    /// # Panics
    ///
    /// If the future has not completed or the output was already taken.
    #[inline]
    pub fn take_output(self: Pin<&mut Self>) -> F::Output {
        // SAFETY: only a `Done` or `Gone` value is moved out, and neither holds the future.
        let this = unsafe { self.get_unchecked_mut() };
        if !matches!(this, MaybeDone::Done(_)) {
            panic!("join! output taken before completion");
        }
        match std::mem::replace(this, MaybeDone::Gone) {
            MaybeDone::Done(output) => output,
            _ => unreachable!("checked above"),
        }
    }
}

impl<T, E, F: Future<Output = Result<T, E>>> MaybeDone<F> {
    /// Polls a fallible future: `Ok(done)`, or its error (taken out) as soon as it fails.
    #[inline]
    pub fn poll_try(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Result<bool, E> {
        if !self.as_mut().poll_done(cx) {
            return Ok(false);
        }
        if matches!(*self, MaybeDone::Done(Err(_))) {
            // Takes the error out (and leaves `Gone`).
            self.take_output()?;
            unreachable!("checked above");
        }
        Ok(true)
    }

    /// Takes the success value of a completed fallible future.
    ///
    /// # Panics
    ///
    /// If the future has not completed successfully.
    #[inline]
    pub fn take_ok(self: Pin<&mut Self>) -> T {
        match self.take_output() {
            Ok(value) => value,
            Err(_) => panic!("try_join! success value of a failed future"),
        }
    }
}
