//! The mpsc handle types are `UnwindSafe` and `RefUnwindSafe` for every message type, as Tokio's
//! are: a panic cannot leave a channel in a state that a handle used after `catch_unwind` could
//! observe as broken.
#![cfg(not(loom))]

use std::panic::{RefUnwindSafe, UnwindSafe};

use zokio_sync::mpsc;

fn assert_unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}

/// A message type that is neither: the handles must not depend on it.
#[allow(dead_code)]
struct NotUnwindSafe(std::cell::UnsafeCell<u8>, &'static mut u8);

#[test]
fn mpsc_handles_are_unwind_safe_for_any_message_type() {
    assert_unwind_safe::<mpsc::Sender<NotUnwindSafe>>();
    assert_unwind_safe::<mpsc::Receiver<NotUnwindSafe>>();
    assert_unwind_safe::<mpsc::WeakSender<NotUnwindSafe>>();
    assert_unwind_safe::<mpsc::UnboundedSender<NotUnwindSafe>>();
    assert_unwind_safe::<mpsc::UnboundedReceiver<NotUnwindSafe>>();
    assert_unwind_safe::<mpsc::WeakUnboundedSender<NotUnwindSafe>>();
    assert_unwind_safe::<mpsc::Permit<'static, NotUnwindSafe>>();
    assert_unwind_safe::<mpsc::OwnedPermit<NotUnwindSafe>>();
    assert_unwind_safe::<mpsc::PermitIterator<'static, NotUnwindSafe>>();
}

/// A waker whose `clone` panics (its other operations do nothing).
fn waker_with_panicking_clone() -> std::task::Waker {
    use std::task::{RawWaker, RawWakerVTable};
    fn clone(_: *const ()) -> RawWaker {
        panic!("clone refused");
    }
    fn noop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    // SAFETY: the vtable's functions ignore the data pointer, and none of them is unsound to call
    // (the panic in `clone` unwinds through Rust code only).
    unsafe { std::task::Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

#[test]
fn receiver_keeps_working_after_a_waker_clone_panicked() {
    use std::task::{Context, Poll};

    let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counting = {
        struct Count(std::sync::Arc<std::sync::atomic::AtomicUsize>);
        impl std::task::Wake for Count {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        std::task::Waker::from(std::sync::Arc::new(Count(counter.clone())))
    };
    assert_eq!(
        rx.poll_recv(&mut Context::from_waker(&counting)),
        Poll::Pending
    );
    let panicking = waker_with_panicking_clone();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rx.poll_recv(&mut Context::from_waker(&panicking))
    }));
    assert!(outcome.is_err(), "the clone's panic reaches the caller");
    // The slot was released: the message wakes the waker registered before.
    tx.send(1).unwrap();
    assert_eq!(counter.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(
        rx.poll_recv(&mut Context::from_waker(std::task::Waker::noop())),
        Poll::Ready(Some(1))
    );
    assert_eq!(
        rx.poll_recv(&mut Context::from_waker(&counting)),
        Poll::Pending
    );
    tx.send(2).unwrap();
    assert_eq!(counter.load(std::sync::atomic::Ordering::SeqCst), 2);
}
