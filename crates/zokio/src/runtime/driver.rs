//! The runtime's view of the I/O and time driver: zokio-reactor's handle when a feature that needs
//! it (`net`, `time`, `process`, `signal`) is on; without them, an empty stand-in that can never be
//! built, so that a runtime's `Option<Handle>` is always `None` and the rest of the runtime reads
//! the same either way.

cfg_reactor! {
    pub(crate) use zokio_reactor::{EnterGuard, Handle};
}

cfg_not_reactor! {
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
