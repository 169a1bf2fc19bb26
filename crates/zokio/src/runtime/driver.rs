//! The runtime's view of the I/O and time driver: zokio-reactor's handle when a feature that needs
//! it (`net`, `time`, `process`, `signal`) is on; without them, an empty stand-in that can never be
//! built, so that a runtime's `Option<Handle>` is always `None` and the rest of the runtime reads
//! the same either way.

cfg_reactor! {
    pub(crate) use zokio_reactor::{EnterGuard, Handle, is_shutdown_error};
}

cfg_not_reactor! {
    /// Without a reactor no I/O resource exists whose runtime could shut down.
    pub(crate) fn is_shutdown_error(_error: &std::io::Error) -> bool {
        false
    }

    /// No driver is compiled in: this type has no values.
    #[derive(Clone, Debug)]
    pub(crate) enum Handle {}

    /// The guard of [`Handle::enter`]; no values either.
    pub(crate) enum EnterGuard {}

    impl Handle {
        pub(crate) fn try_current() -> Option<Handle> {
            None
        }

        pub(crate) fn enter(&self) -> EnterGuard {
            match *self {}
        }

        pub(crate) fn forbid_pause(&self) {
            match *self {}
        }
    }
}

/// What keeps the reactor's borrowed blocking pool alive: the runtime holds it, the reactor only a
/// weak reference (see `lend_blocking`).
pub(crate) type BlockingLoan = Option<Box<dyn std::any::Any + Send + Sync>>;

cfg_reactor! {
    /// Lends the runtime's blocking pool to the reactor, for name resolution. The reactor keeps a
    /// weak reference; the returned loan is the strong one, which the runtime owns (a strong
    /// reference in the reactor would be a cycle: the pool's threads hold the reactor's handle).
    pub(crate) fn lend_blocking(
        reactor: Option<&Handle>,
        spawner: &zokio_sched::blocking::Spawner,
    ) -> BlockingLoan {
        let reactor = reactor?;
        let pool: std::sync::Arc<dyn zokio_reactor::Blocking> =
            std::sync::Arc::new(PoolForReactor(spawner.clone()));
        reactor.set_blocking(&pool);
        Some(Box::new(pool))
    }

    /// The runtime's blocking pool as the reactor sees it.
    struct PoolForReactor(zokio_sched::blocking::Spawner);

    impl zokio_reactor::Blocking for PoolForReactor {
        fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>) {
            // Detached: the reactor waits for the work's own result, not for the handle.
            drop(self.0.spawn_blocking(work));
        }
    }
}

cfg_not_reactor! {
    pub(crate) fn lend_blocking(
        reactor: Option<&Handle>,
        _spawner: &zokio_sched::blocking::Spawner,
    ) -> BlockingLoan {
        match reactor {
            None => None,
            Some(never) => match *never {},
        }
    }
}
