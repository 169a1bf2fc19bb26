//! What a task is and where it was spawned ([`SpawnMeta`]), and, with the `tracing` feature, the
//! span that follows it (see the crate docs, "Tracing").
//!
//! Without the feature, [`SpawnMeta`] is zero-sized, its constructors are empty inline functions and
//! the spawn functions are not `#[track_caller]`: nothing of this module costs anything.

use std::fmt;
use std::marker::PhantomData;
#[cfg(feature = "tracing")]
use std::panic::Location;

/// What kind of task is being spawned: the `kind` field of its `runtime.spawn` span, with Tokio's
/// values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskKind {
    /// A task that may run on any thread ([`spawn`](crate::spawn)): `"task"`.
    Task,
    /// A task bound to the thread that spawned it ([`spawn_local`](crate::spawn_local)): `"local"`.
    Local,
    /// A closure run on a blocking pool (`spawn_blocking`): `"blocking"`.
    Blocking,
}

impl TaskKind {
    /// The name Tokio's instrumentation gives this kind: `"task"`, `"local"` or `"blocking"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskKind::Task => "task",
            TaskKind::Local => "local",
            TaskKind::Blocking => "blocking",
        }
    }
}

impl fmt::Display for TaskKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a spawner tells [`spawn_with_meta`](crate::spawn_with_meta) about a new task, for its
/// `tracing` span: its [`TaskKind`], an optional name, and the source location of the spawn.
///
/// With the `tracing` feature, [`SpawnMeta::new`] is `#[track_caller]`: called from a chain of
/// `#[track_caller]` functions (`zokio::spawn` is one), it records the location in the user's code.
/// Without the feature it is zero-sized and records nothing, and this whole type costs nothing.
///
/// ```
/// use zokio_task::{SpawnMeta, TaskKind};
///
/// let meta = SpawnMeta::new(TaskKind::Task).with_name("ticker");
/// # let _ = meta;
/// ```
#[derive(Clone, Copy)]
pub struct SpawnMeta<'a> {
    #[cfg(feature = "tracing")]
    kind: TaskKind,
    #[cfg(feature = "tracing")]
    name: Option<&'a str>,
    #[cfg(feature = "tracing")]
    location: &'static Location<'static>,
    _name: PhantomData<&'a str>,
}

impl<'a> SpawnMeta<'a> {
    /// A task of `kind`, spawned where this function was called from (see the type's docs).
    #[inline]
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn new(kind: TaskKind) -> SpawnMeta<'a> {
        #[cfg(not(feature = "tracing"))]
        let _ = kind;
        SpawnMeta {
            #[cfg(feature = "tracing")]
            kind,
            #[cfg(feature = "tracing")]
            name: None,
            #[cfg(feature = "tracing")]
            location: Location::caller(),
            _name: PhantomData,
        }
    }

    /// The same task, named `name` (the `task.name` field of its span).
    #[inline]
    pub fn with_name(self, name: &'a str) -> SpawnMeta<'a> {
        #[cfg(not(feature = "tracing"))]
        let _ = name;
        SpawnMeta {
            #[cfg(feature = "tracing")]
            name: Some(name),
            ..self
        }
    }

    /// The kind of task.
    #[cfg(feature = "tracing")]
    pub fn kind(&self) -> TaskKind {
        self.kind
    }

    /// The task's name, if it was given one.
    #[cfg(feature = "tracing")]
    pub fn name(&self) -> Option<&'a str> {
        self.name
    }

    /// Where the task was spawned.
    #[cfg(feature = "tracing")]
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

impl fmt::Debug for SpawnMeta<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("SpawnMeta");
        #[cfg(feature = "tracing")]
        s.field("kind", &self.kind)
            .field("name", &self.name)
            .field("location", &self.location);
        s.finish_non_exhaustive()
    }
}

/// The span that follows a task from its spawn to the drop of its future: created once here, entered
/// around every poll (and around the drop of the future), closed when the future is gone.
///
/// Its name and fields are those of Tokio's `runtime.spawn` span (`tokio/src/util/trace.rs`), which is
/// how console-subscriber recognises a task.
#[cfg(feature = "tracing")]
pub(crate) fn task_span(meta: SpawnMeta<'_>, id: crate::Id, size: usize) -> tracing::Span {
    let name = meta.name.unwrap_or_default();
    let location = meta.location;
    match meta.kind {
        TaskKind::Blocking => tracing::trace_span!(
            target: "zokio::task::blocking",
            parent: None,
            "runtime.spawn",
            kind = %meta.kind,
            task.name = %name,
            task.id = id.as_u64(),
            size.bytes = size,
            loc.file = location.file(),
            loc.line = location.line(),
            loc.col = location.column(),
        ),
        _ => tracing::trace_span!(
            target: "zokio::task",
            parent: None,
            "runtime.spawn",
            kind = %meta.kind,
            task.name = %name,
            task.id = id.as_u64(),
            size.bytes = size,
            loc.file = location.file(),
            loc.line = location.line(),
            loc.col = location.column(),
        ),
    }
}

/// Reports that the task whose span has id `span` was woken (scheduled), as Tokio's wakers do, in the
/// form console-subscriber reads: target `runtime::waker`, `op`, and `task.id` = the span's id.
#[cfg(feature = "tracing")]
#[inline]
pub(crate) fn task_woken(span: Option<u64>) {
    if let Some(span) = span {
        tracing::trace!(target: "runtime::waker", op = "waker.wake_by_ref", task.id = span);
    }
}

#[cfg(all(test, not(feature = "tracing")))]
mod tests {
    use super::{SpawnMeta, TaskKind};

    #[test]
    fn spawn_meta_costs_nothing_without_the_feature() {
        assert_eq!(std::mem::size_of::<SpawnMeta<'_>>(), 0);
        let meta = SpawnMeta::new(TaskKind::Local).with_name("unused");
        assert_eq!(format!("{meta:?}"), "SpawnMeta { .. }");
    }
}
