//! Timers: ordering, never early, far deadlines, resets, intervals, paused time, and the driver's
//! park behaviour (interrupt by an earlier timer, no CPU while idle).

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use common::{BoxFuture, join_all, paused_reactor, reactor, run, thread_cpu_time};
use zokio_reactor::time::{
    self, Duration, Instant, MissedTickBehavior, interval, interval_at, sleep, sleep_until,
};

const LIMIT: Duration = Duration::from_secs(30);

/// Records the order in which timers wake their tasks, and when.
struct WakeLog {
    delay_ms: u64,
    log: Arc<std::sync::Mutex<Vec<(u64, Instant)>>>,
    main: Waker,
}

impl Wake for WakeLog {
    fn wake(self: Arc<Self>) {
        self.log
            .lock()
            .unwrap()
            .push((self.delay_ms, Instant::now()));
        self.main.wake_by_ref();
    }
}

#[test]
fn timers_fire_in_deadline_order_and_never_early() {
    run(LIMIT, async {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let start = Instant::now();
        let main = std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
        // Deadlines deliberately not in creation order, some sharing a millisecond.
        let delays_ms = [37u64, 5, 21, 5, 60, 1, 13, 44, 2, 30];
        let mut sleeps = Vec::new();
        for &delay_ms in &delays_ms {
            let mut sleep = Box::pin(sleep_until(start + Duration::from_millis(delay_ms)));
            let waker = Waker::from(Arc::new(WakeLog {
                delay_ms,
                log: Arc::clone(&log),
                main: main.clone(),
            }));
            assert!(
                sleep
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            sleeps.push(sleep);
        }
        std::future::poll_fn(|_| {
            if log.lock().unwrap().len() == delays_ms.len() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        let log = log.lock().unwrap();
        // The wheel wakes in deadline order (a late park wakes several at once, still in order).
        let order: Vec<u64> = log.iter().map(|&(ms, _)| ms).collect();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(order, sorted);
        for &(delay_ms, woke) in log.iter() {
            let deadline = start + Duration::from_millis(delay_ms);
            assert!(woke >= deadline, "timer of {delay_ms} ms woke early");
        }
        // Each sleep now reports completion.
        let mut cx = Context::from_waker(Waker::noop());
        for sleep in &mut sleeps {
            assert_eq!(sleep.as_mut().poll(&mut cx), Poll::Ready(()));
        }
    });
}

#[test]
fn ten_thousand_concurrent_sleeps() {
    run(LIMIT, async {
        let start = Instant::now();
        let mut tasks: Vec<BoxFuture<Duration>> = Vec::new();
        for i in 0..10_000u64 {
            let delay = Duration::from_millis(1 + i % 50);
            tasks.push(Box::pin(async move {
                sleep(delay).await;
                let waited = start.elapsed();
                assert!(waited >= delay);
                waited
            }));
        }
        let waited = join_all(tasks).await;
        assert_eq!(waited.len(), 10_000);
    });
}

#[test]
fn past_deadline_completes_at_first_poll() {
    let mut reactor = reactor();
    reactor.block_on(async {
        let mut past = pin!(sleep_until(Instant::now() - Duration::from_secs(1)));
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(past.as_mut().poll(&mut cx), Poll::Ready(()));
        assert!(past.is_elapsed());
        let mut zero = pin!(sleep(Duration::ZERO));
        assert_eq!(zero.as_mut().poll(&mut cx), Poll::Ready(()));
    });
}

#[test]
fn duration_max_and_far_deadlines_do_not_overflow() {
    let mut reactor = reactor();
    reactor.block_on(async {
        let mut cx = Context::from_waker(Waker::noop());
        let mut forever = pin!(sleep(Duration::MAX));
        assert!(forever.as_mut().poll(&mut cx).is_pending());
        assert!(forever.deadline() > Instant::now() + Duration::from_secs(86_400 * 365 * 10));
        let mut far = pin!(sleep(Duration::from_secs(86_400 * 365 * 5)));
        assert!(far.as_mut().poll(&mut cx).is_pending());
        // A short sleep still completes while those are registered.
        sleep(Duration::from_millis(2)).await;
        // Resetting the far one to "now" completes it.
        far.as_mut().reset(Instant::now());
        far.await;
    });
}

#[test]
fn reset_moves_a_pending_sleep_and_wakes_its_task() {
    run(LIMIT, async {
        let start = Instant::now();
        let mut long = pin!(sleep(Duration::from_secs(3600)));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(long.as_mut().poll(&mut cx).is_pending());
        long.as_mut().reset(start + Duration::from_millis(10));
        long.as_mut().await;
        assert!(start.elapsed() >= Duration::from_millis(10));
        assert!(start.elapsed() < Duration::from_secs(3600));
        // Reset after completion re-arms it.
        let again = Instant::now() + Duration::from_millis(5);
        long.as_mut().reset(again);
        assert!(!long.is_elapsed());
        long.await;
        assert!(Instant::now() >= again);
    });
}

/// tokio#3190: a timer earlier than the one the driver is parked on must interrupt the park.
/// (Linux: the test watches the driver thread block in `epoll_wait` through `/proc`.)
#[cfg(target_os = "linux")]
#[test]
fn earlier_timer_from_another_thread_interrupts_the_park() {
    struct Flag(AtomicBool, Waker);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
            self.1.wake_by_ref();
        }
    }
    let mut reactor = reactor();
    let handle = reactor.handle();
    let started = Instant::now();
    reactor.block_on(async move {
        // The driver parks on this 20 s timer (the test fails if it ever fires).
        let long = sleep(Duration::from_secs(20));
        let main_waker = std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
        let flag = Arc::new(Flag(AtomicBool::new(false), main_waker));
        let remote_flag = Arc::clone(&flag);
        // SAFETY: `gettid` has no preconditions.
        let driver_thread = unsafe { libc::gettid() };
        let other = std::thread::spawn(move || {
            // Only once the main thread is blocked in its 20 s park does this reproduce the bug.
            wait_until_blocked_in_epoll(driver_thread);
            let _enter = handle.enter();
            let mut short = Box::pin(sleep(Duration::from_millis(50)));
            let waker = Waker::from(Arc::clone(&remote_flag));
            assert!(
                short
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            short
        });
        let done = std::future::poll_fn(|_| {
            if flag.0.load(Ordering::SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        });
        futures_lite::future::or(done, async {
            long.await;
            panic!("the earlier timer did not interrupt the park");
        })
        .await;
        drop(other.join().unwrap());
    });
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[cfg(target_os = "linux")]
/// Waits (bounded) until thread `tid` of this process is blocked in `epoll_wait`, as its
/// `/proc/self/task/<tid>/syscall` says: a park observed directly, not guessed with a sleep.
fn wait_until_blocked_in_epoll(tid: libc::pid_t) {
    let path = format!("/proc/self/task/{tid}/syscall");
    let parks = [libc::SYS_epoll_pwait, libc::SYS_epoll_pwait2];
    #[cfg(target_arch = "x86_64")]
    let parks = [parks[0], parks[1], libc::SYS_epoll_wait];
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = std::fs::read_to_string(&path).unwrap_or_default();
        let syscall = now
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<i64>().ok());
        if syscall.is_some_and(|n| parks.contains(&n)) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the driver thread never blocked in epoll_wait ({now:?})"
        );
        std::thread::yield_now();
    }
}

#[test]
fn an_idle_reactor_uses_no_cpu() {
    let mut reactor = reactor();
    let cpu_before = thread_cpu_time();
    let wall = std::time::Instant::now();
    reactor.block_on(async { sleep(Duration::from_secs(1)).await });
    let cpu = thread_cpu_time() - cpu_before;
    assert!(wall.elapsed() >= Duration::from_secs(1));
    // A busy loop would burn close to a full second; an idle park uses microseconds.
    assert!(
        cpu < Duration::from_millis(150),
        "idle reactor used {cpu:?} of CPU"
    );
}

#[test]
fn paused_clock_auto_advances_to_the_next_timer() {
    let mut reactor = paused_reactor();
    let wall = std::time::Instant::now();
    reactor.block_on(async {
        let start = Instant::now();
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        // A "timeout" race decides by virtual time, deterministically.
        let slow = async {
            sleep(Duration::from_secs(10)).await;
            "slow"
        };
        let fast = async {
            sleep(Duration::from_secs(5)).await;
            "fast"
        };
        assert_eq!(futures_lite::future::or(slow, fast).await, "fast");
        assert_eq!(start.elapsed(), Duration::from_secs(3605));
    });
    assert!(wall.elapsed() < Duration::from_secs(5));
}

#[test]
fn pause_advance_resume() {
    let mut reactor = reactor();
    reactor.block_on(async {
        time::pause();
        let start = Instant::now();
        let mut timer = pin!(sleep(Duration::from_millis(100)));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(timer.as_mut().poll(&mut cx).is_pending());
        time::advance(Duration::from_millis(99)).await;
        assert!(timer.as_mut().poll(&mut cx).is_pending());
        assert_eq!(start.elapsed(), Duration::from_millis(99));
        time::advance(Duration::from_millis(1)).await;
        assert_eq!(timer.as_mut().poll(&mut cx), Poll::Ready(()));
        time::resume();
        let resumed = Instant::now();
        sleep(Duration::from_millis(5)).await;
        assert!(resumed.elapsed() >= Duration::from_millis(5));
    });
}

#[test]
#[should_panic(expected = "time is not paused")]
fn advance_without_pause_panics() {
    let mut reactor = reactor();
    reactor.block_on(time::advance(Duration::from_secs(1)));
}

#[test]
fn interval_first_tick_is_immediate_then_periodic() {
    let mut reactor = paused_reactor();
    reactor.block_on(async {
        let start = Instant::now();
        let mut ticker = interval(Duration::from_millis(10));
        assert_eq!(ticker.period(), Duration::from_millis(10));
        assert_eq!(ticker.missed_tick_behavior(), MissedTickBehavior::Burst);
        for i in 0..5u32 {
            let tick = ticker.tick().await;
            assert_eq!(tick, start + Duration::from_millis(10) * i);
            assert_eq!(Instant::now(), tick);
        }
    });
}

/// Ticks of an interval with `behavior` after the task was 35 ms late for the tick due at 10 ms.
fn ticks_after_delay(behavior: MissedTickBehavior) -> Vec<u64> {
    let mut reactor = paused_reactor();
    reactor.block_on(async move {
        let start = Instant::now();
        let mut ticker = interval_at(start, Duration::from_millis(10));
        ticker.set_missed_tick_behavior(behavior);
        ticker.tick().await; // 0 ms
        time::advance(Duration::from_millis(35)).await;
        let mut ticks = Vec::new();
        for _ in 0..4 {
            let tick = ticker.tick().await;
            ticks.push((tick - start).as_millis() as u64);
        }
        ticks
    })
}

#[test]
fn missed_ticks_burst() {
    assert_eq!(
        ticks_after_delay(MissedTickBehavior::Burst),
        [10, 20, 30, 40]
    );
}

#[test]
fn missed_ticks_delay() {
    assert_eq!(
        ticks_after_delay(MissedTickBehavior::Delay),
        [10, 45, 55, 65]
    );
}

#[test]
fn missed_ticks_skip() {
    assert_eq!(
        ticks_after_delay(MissedTickBehavior::Skip),
        [10, 40, 50, 60]
    );
}

#[test]
fn interval_reset_restarts_the_schedule() {
    let mut reactor = paused_reactor();
    reactor.block_on(async {
        let start = Instant::now();
        let mut ticker = interval(Duration::from_millis(10));
        ticker.tick().await;
        time::advance(Duration::from_millis(3)).await;
        ticker.reset();
        assert_eq!(ticker.tick().await - start, Duration::from_millis(13));
        ticker.reset_immediately();
        assert_eq!(ticker.tick().await - start, Duration::from_millis(13));
        ticker.reset_after(Duration::from_millis(7));
        assert_eq!(ticker.tick().await - start, Duration::from_millis(20));
    });
}

#[test]
fn interval_reset_with_a_huge_period_does_not_overflow() {
    let mut reactor = paused_reactor();
    reactor.block_on(async {
        let mut ticker = interval(Duration::MAX);
        ticker.tick().await;
        // The next tick lies beyond any representable instant: reset must saturate, not panic.
        ticker.reset();
        assert!(
            futures_lite::future::poll_once(ticker.tick())
                .await
                .is_none()
        );
    });
}

#[test]
#[should_panic(expected = "period")]
fn zero_period_panics() {
    let mut reactor = reactor();
    reactor.block_on(async { drop(interval(Duration::ZERO)) });
}

#[test]
#[should_panic(expected = "must be called from the context of a zokio runtime")]
fn sleep_outside_a_reactor_panics_clearly() {
    drop(sleep(Duration::from_millis(1)));
}

#[test]
fn instant_arithmetic_saturates() {
    let a = Instant::now();
    let b = a + Duration::from_secs(1);
    assert_eq!(b - a, Duration::from_secs(1));
    assert_eq!(a - b, Duration::ZERO);
    assert_eq!(a.checked_duration_since(b), None);
    assert_eq!(Instant::from_std(a.into_std()), a);
    assert!(a.checked_add(Duration::MAX).is_none());
}

#[test]
fn a_deadline_before_the_reactor_started_completes_at_first_poll() {
    // Taken before the reactor exists, so before its clock's origin.
    let before = Instant::now();
    let mut reactor = reactor();
    reactor.block_on(async {
        let mut cx = Context::from_waker(Waker::noop());
        let mut early = pin!(sleep_until(before));
        assert_eq!(early.as_mut().poll(&mut cx), Poll::Ready(()));
        // Reset a pending sleep to that deadline: it fires at once, on the wheel.
        let mut moved = pin!(sleep(Duration::from_secs(3600)));
        assert!(moved.as_mut().poll(&mut cx).is_pending());
        moved.as_mut().reset(before);
        assert_eq!(moved.as_mut().poll(&mut cx), Poll::Ready(()));
    });
}

#[test]
fn instant_conversions_and_saturating_difference() {
    let a = Instant::now();
    let b = a + Duration::from_millis(1500);
    assert_eq!(b.saturating_duration_since(a), Duration::from_millis(1500));
    assert_eq!(a.saturating_duration_since(b), Duration::ZERO);
    let std: std::time::Instant = b.into();
    assert_eq!(std, b.into_std());
    assert_eq!(format!("{b:?}"), format!("{std:?}"));
}

/// A waker that records that it was woken.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn paused_clock_does_not_jump_while_auto_advance_is_inhibited() {
    use zokio_coop::driver::Driver;
    let mut reactor = paused_reactor();
    let handle = reactor.handle();
    let _enter = handle.enter();
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);
    let start = Instant::now();
    let mut sleep = Box::pin(sleep(Duration::from_secs(3600)));
    assert!(sleep.as_mut().poll(&mut cx).is_pending());

    // Blocking work in flight: a park with every task idle waits (here until the unpark below,
    // which may come before or during it) and leaves the clock alone.
    handle.inhibit_auto_advance();
    let unparker = reactor.unparker();
    let remote = std::thread::spawn(move || unparker.unpark());
    reactor.park(None);
    remote.join().unwrap();
    assert_eq!(Instant::now(), start, "the paused clock moved");
    assert!(!flag.0.load(Ordering::SeqCst));

    // The work ends: the next idle park jumps to the timer.
    handle.allow_auto_advance();
    let mut parks = 0;
    while !flag.0.load(Ordering::SeqCst) {
        reactor.park(None);
        parks += 1;
        assert!(parks < 10, "auto-advance never reached the timer");
    }
    assert_eq!(sleep.as_mut().poll(&mut cx), Poll::Ready(()));
    assert!(Instant::now() >= start + Duration::from_secs(3600));
}

/// Counts its wake-ups.
#[derive(Default)]
struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The driver wakes a task once per turn however many of its timers fire in that turn (a
/// `join_all` of sleeps, or a task that awaits a batch of them one after another), and still
/// wakes each task whose timers fire.
#[test]
fn a_task_whose_timers_fire_together_is_woken_once() {
    let mut reactor = paused_reactor();
    reactor.block_on(async {
        let (first, second) = (
            Arc::new(CountWakes::default()),
            Arc::new(CountWakes::default()),
        );
        let mut sleeps = Vec::new();
        for (task, delay_ms) in [(&first, 10), (&second, 20)] {
            let waker = Waker::from(Arc::clone(task));
            let mut cx = Context::from_waker(&waker);
            for _ in 0..1_000 {
                let mut sleep = Box::pin(sleep(Duration::from_millis(delay_ms)));
                assert!(sleep.as_mut().poll(&mut cx).is_pending());
                sleeps.push(sleep);
            }
        }
        // Paused time: the driver jumps to 10 ms (the first thousand fire), then to 20 ms.
        time::sleep(Duration::from_millis(30)).await;
        assert_eq!(
            first.0.load(Ordering::SeqCst),
            1,
            "1,000 timers, one wake-up"
        );
        assert_eq!(
            second.0.load(Ordering::SeqCst),
            1,
            "1,000 timers, one wake-up"
        );
        let mut cx = Context::from_waker(Waker::noop());
        // In batches well under the cooperative budget, which even an elapsed sleep spends.
        for batch in sleeps.chunks_mut(50) {
            for sleep in batch {
                assert_eq!(sleep.as_mut().poll(&mut cx), Poll::Ready(()));
            }
            futures_lite::future::yield_now().await;
        }
    });
}

/// A sleep reads the clock when it is created, not again at its first poll; one first polled after
/// its deadline still completes at that poll once the driver has seen the time pass (as `advance`
/// makes it), and at the driver's next turn otherwise.
#[test]
fn a_sleep_first_polled_after_its_deadline_completes() {
    let mut reactor = paused_reactor();
    reactor.block_on(async {
        let mut cx = Context::from_waker(Waker::noop());
        let mut late = pin!(sleep(Duration::from_millis(10)));
        time::advance(Duration::from_millis(20)).await;
        assert_eq!(late.as_mut().poll(&mut cx), Poll::Ready(()));
        assert!(late.is_elapsed());
        // Created and first polled at once: the driver files it and fires it on time.
        let start = Instant::now();
        let mut on_time = pin!(sleep(Duration::from_millis(10)));
        assert!(on_time.as_mut().poll(&mut cx).is_pending());
        on_time.await;
        assert_eq!(start.elapsed(), Duration::from_millis(10));
    });
}

/// A sleep shorter than the wheel's tick (1/8 ms) reads the clock again at its first poll, so one
/// whose deadline has passed by then completes there instead of waiting for the next tick.
#[test]
fn a_sub_tick_sleep_that_has_passed_completes_at_its_first_poll() {
    let mut reactor = paused_reactor();
    reactor.block_on(async {
        let mut cx = Context::from_waker(Waker::noop());
        let mut short = pin!(sleep(Duration::from_micros(1)));
        time::advance(Duration::from_micros(2)).await;
        assert_eq!(short.as_mut().poll(&mut cx), Poll::Ready(()));
    });
}
