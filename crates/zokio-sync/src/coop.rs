//! The cooperative budget as this crate spends it.
//!
//! Every operation that can complete without waiting spends one unit of zokio's budget (through
//! [`zokio_coop`], a no-op outside a zokio task). With the `tokio-coop` feature it also spends
//! Tokio's budget (`tokio::task::coop`, a no-op outside a Tokio task), so that in a Tokio program a
//! task looping over a ready zokio-sync channel yields every so often, exactly where a
//! `tokio::sync` channel would make it yield. Without the feature such a task only yields when the
//! channel is empty: correct, but it can starve its worker's other tasks for as long as the
//! channel stays ready.
//!
//! `Notify` is the exception: it spends only zokio's budget, because `tokio::sync::Notify` spends
//! none of Tokio's, and the feature's promise is to yield where Tokio would.

use std::task::{Context, Poll, ready};

/// The units taken by [`poll_proceed`]; dropped without [`Progress::made_progress`] it refunds them.
#[must_use = "dropping the guard at once refunds the unit; call made_progress() after real work"]
pub(crate) struct Progress {
    zokio: zokio_coop::RestoreOnPending,
    #[cfg(feature = "tokio-coop")]
    tokio: tokio::task::coop::RestoreOnPending,
}

impl Progress {
    /// Keeps the units spent: the operation completed.
    #[inline]
    pub(crate) fn made_progress(self) {
        self.zokio.made_progress();
        #[cfg(feature = "tokio-coop")]
        self.tokio.made_progress();
    }
}

/// Takes one unit of every budget in force, or returns `Pending` (after waking the task) when one
/// of them is spent. A unit already taken from zokio's budget is refunded in that case.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<Progress> {
    let zokio = ready!(zokio_coop::poll_proceed(cx));
    #[cfg(feature = "tokio-coop")]
    let tokio = ready!(tokio::task::coop::poll_proceed(cx));
    Poll::Ready(Progress {
        zokio,
        #[cfg(feature = "tokio-coop")]
        tokio,
    })
}

/// Spends one unit of every budget in force, yielding first if one is spent (for operations that
/// are async functions rather than hand-written futures).
pub(crate) async fn consume_budget() {
    zokio_coop::consume_budget().await;
    #[cfg(feature = "tokio-coop")]
    tokio::task::coop::consume_budget().await;
}
