//! A `tracing` subscriber that records every span and event, for the tests of the `tracing` feature.
//!
//! It is installed as the global default once per test binary ([`install`]), since tasks run on
//! threads the test does not own. Tests that read it take [`serial`] first and filter what they read
//! by their own task ids, so that tests of one binary do not see each other's records.
//!
//! Spans are recorded as console-subscriber reads them: name, target, the fields by type (`loc.line`
//! must arrive as a `u64`, `loc.file` as a `str`), enters and exits, and the close that comes when the
//! last handle to the span is dropped. Each event notes the span that was entered on its thread.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// A recorded field value, by the `Visit` method that delivered it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    U64(u64),
    I64(i64),
    Bool(bool),
    /// `record_debug`: what `%value` and `?value` fields arrive as.
    Debug(String),
}

/// The fields of a span or event, by name.
#[derive(Clone, Debug, Default)]
pub struct Fields(pub BTreeMap<String, Value>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// A `str` field (or a `%`/`?` one, as its formatted text).
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.0.get(name)? {
            Value::Str(s) | Value::Debug(s) => Some(s),
            _ => None,
        }
    }

    pub fn u64(&self, name: &str) -> Option<u64> {
        match self.0.get(name)? {
            Value::U64(v) => Some(*v),
            _ => None,
        }
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.0.get(name)? {
            Value::Bool(v) => Some(*v),
            _ => None,
        }
    }

    /// The event's message.
    pub fn message(&self) -> Option<&str> {
        self.str("message")
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Value::Debug(format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().to_owned(), Value::Str(value.to_owned()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::U64(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::I64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::Bool(value));
    }
}

#[derive(Clone, Debug)]
pub struct SpanRecord {
    /// The span's `tracing` id, as a number (what waker events carry in `task.id`).
    pub id: u64,
    pub name: &'static str,
    pub target: &'static str,
    pub level: Level,
    pub fields: Fields,
    /// `parent: None` was given (Tokio's task spans are roots).
    pub is_root: bool,
    /// The span entered on the creating thread when the span was made, for a contextual parent.
    pub contextual_parent: Option<u64>,
    pub enters: usize,
    pub exits: usize,
    /// Handles alive (the creating one plus clones); the span closes when it reaches 0.
    pub refs: usize,
    pub closed: bool,
}

#[derive(Clone, Debug)]
pub struct EventRecord {
    pub target: &'static str,
    pub level: Level,
    pub fields: Fields,
    /// The innermost span entered on the emitting thread.
    pub current_span: Option<u64>,
}

#[derive(Default)]
struct State {
    spans: BTreeMap<u64, SpanRecord>,
    events: Vec<EventRecord>,
}

pub struct Recorder {
    state: Mutex<State>,
    next_id: AtomicU64,
}

thread_local! {
    /// The spans entered on this thread, innermost last.
    static STACK: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

impl Recorder {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets everything recorded so far.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.events.clear();
        // Spans still open stay (a later close must find them); closed ones go.
        state.spans.retain(|_, span| !span.closed);
    }

    pub fn spans(&self) -> Vec<SpanRecord> {
        self.lock().spans.values().cloned().collect()
    }

    pub fn events(&self) -> Vec<EventRecord> {
        self.lock().events.clone()
    }

    /// The `runtime.spawn` span whose `task.id` is `task_id`.
    pub fn task_span(&self, task_id: u64) -> Option<SpanRecord> {
        self.lock()
            .spans
            .values()
            .find(|s| s.name == "runtime.spawn" && s.fields.u64("task.id") == Some(task_id))
            .cloned()
    }

    /// The events with `target` and `message`.
    pub fn events_with(&self, target: &str, message: &str) -> Vec<EventRecord> {
        self.lock()
            .events
            .iter()
            .filter(|e| e.target == target && e.fields.message() == Some(message))
            .cloned()
            .collect()
    }
}

struct Global(&'static Recorder);

impl Subscriber for Global {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed);
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let metadata = attrs.metadata();
        let contextual_parent = STACK.with(|s| s.borrow().last().copied());
        let record = SpanRecord {
            id,
            name: metadata.name(),
            target: metadata.target(),
            level: *metadata.level(),
            fields,
            is_root: attrs.is_root(),
            contextual_parent,
            enters: 0,
            exits: 0,
            refs: 1,
            closed: false,
        };
        self.0.lock().spans.insert(id, record);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(record) = self.0.lock().spans.get_mut(&span.into_u64()) {
            values.record(&mut record.fields);
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let current_span = STACK.with(|s| s.borrow().last().copied());
        self.0.lock().events.push(EventRecord {
            target: event.metadata().target(),
            level: *event.metadata().level(),
            fields,
            current_span,
        });
    }

    fn enter(&self, span: &Id) {
        let id = span.into_u64();
        STACK.with(|s| s.borrow_mut().push(id));
        if let Some(record) = self.0.lock().spans.get_mut(&id) {
            record.enters += 1;
        }
    }

    fn exit(&self, span: &Id) {
        let id = span.into_u64();
        STACK.with(|s| {
            let mut stack = s.borrow_mut();
            if let Some(at) = stack.iter().rposition(|&entered| entered == id) {
                stack.remove(at);
            }
        });
        if let Some(record) = self.0.lock().spans.get_mut(&id) {
            record.exits += 1;
        }
    }

    fn clone_span(&self, span: &Id) -> Id {
        if let Some(record) = self.0.lock().spans.get_mut(&span.into_u64()) {
            record.refs += 1;
        }
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let mut state = self.0.lock();
        let Some(record) = state.spans.get_mut(&span.into_u64()) else {
            return false;
        };
        record.refs -= 1;
        if record.refs == 0 {
            record.closed = true;
            return true;
        }
        false
    }
}

/// The recorder, installed as the global default subscriber on first use.
pub fn install() -> &'static Recorder {
    static RECORDER: OnceLock<&'static Recorder> = OnceLock::new();
    RECORDER.get_or_init(|| {
        let recorder: &'static Recorder = Box::leak(Box::new(Recorder {
            state: Mutex::new(State::default()),
            next_id: AtomicU64::new(1),
        }));
        tracing::subscriber::set_global_default(Global(recorder))
            .expect("no other global subscriber in this test binary");
        recorder
    })
}

/// Runs the tests that read the recorder one at a time; the recorder starts each one empty.
pub fn serial() -> (MutexGuard<'static, ()>, &'static Recorder) {
    static SERIAL: Mutex<()> = Mutex::new(());
    let guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let recorder = install();
    recorder.clear();
    (guard, recorder)
}
