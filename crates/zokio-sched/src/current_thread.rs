//! The current-thread scheduler.
