//! Unit tests of the wheel against a reference model: a plain list of deadlines.

use super::*;
use std::sync::Arc;
use std::sync::Mutex;
use std::task::Wake;

/// A waker that records its id when woken.
struct Recorder {
    id: usize,
    log: Arc<Mutex<Vec<usize>>>,
}

impl Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.id);
    }
}

fn waker(id: usize, log: &Arc<Mutex<Vec<usize>>>) -> Waker {
    Waker::from(Arc::new(Recorder {
        id,
        log: Arc::clone(log),
    }))
}

fn fire(wheel: &mut Wheel, now: u64) -> usize {
    let mut wakers = Vec::new();
    wheel.process(now, &mut wakers);
    let n = wakers.len();
    wakers.into_iter().for_each(Waker::wake);
    n
}

/// xorshift64*: deterministic pseudo-random numbers without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn past_deadline_is_not_stored() {
    let mut wheel = Wheel::new();
    wheel.process(10, &mut Vec::new());
    assert!(matches!(wheel.insert(10, None), Err(None)));
    assert!(matches!(wheel.insert(3, None), Err(None)));
    assert_eq!(wheel.len(), 0);
}

#[test]
fn fires_exactly_at_deadline_across_levels() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    // One deadline per level, plus slot boundaries.
    let deadlines = [
        1u64,
        63,
        64,
        65,
        4095,
        4096,
        262_143,
        262_144,
        16_777_216,
        SPAN - 1,
        SPAN,
    ];
    let mut keys = Vec::new();
    for (id, &when) in deadlines.iter().enumerate() {
        keys.push(wheel.insert(when, Some(waker(id, &log))).unwrap());
    }
    for (id, &when) in deadlines.iter().enumerate() {
        assert_eq!(
            fire(&mut wheel, when - 1),
            0,
            "timer {id} fired before {when}"
        );
        assert_eq!(
            fire(&mut wheel, when),
            1,
            "timer {id} did not fire at {when}"
        );
        assert_eq!(*log.lock().unwrap().last().unwrap(), id);
        let mut dummy = Vec::new();
        wheel.process(when, &mut dummy);
        assert_eq!(wheel.poll(keys[id], &waker(99, &log)), TimerPoll::Fired);
    }
}

#[test]
fn next_deadline_is_a_lower_bound_of_the_earliest_timer() {
    let mut wheel = Wheel::new();
    wheel.insert(5000, None).unwrap();
    wheel.insert(70, None).unwrap();
    let next = wheel.next_deadline().unwrap();
    assert!(next <= 70, "{next}");
    assert!(next >= 64, "{next}");
}

#[test]
fn far_deadlines_never_fire_early_and_do_not_loop() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let key = wheel.insert(u64::MAX, Some(waker(1, &log))).unwrap();
    let key2 = wheel.insert(SPAN * 3 + 17, Some(waker(2, &log))).unwrap();
    // Ten years of milliseconds in one step.
    assert_eq!(fire(&mut wheel, 315_360_000_000), 1);
    assert_eq!(*log.lock().unwrap(), vec![2]);
    assert_eq!(wheel.poll(key, &waker(1, &log)), TimerPoll::NeedsWaker);
    assert_eq!(wheel.poll(key2, &waker(2, &log)), TimerPoll::Fired);
    assert!(wheel.next_deadline().unwrap() > 315_360_000_000);
}

#[test]
fn remove_and_reset_unlink() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let a = wheel.insert(100, Some(waker(1, &log))).unwrap();
    let b = wheel.insert(100, Some(waker(2, &log))).unwrap();
    let c = wheel.insert(100, Some(waker(3, &log))).unwrap();
    wheel.remove(b);
    assert!(wheel.reset(a, 300).is_ok());
    assert_eq!(fire(&mut wheel, 299), 1);
    assert_eq!(*log.lock().unwrap(), vec![3]);
    assert_eq!(fire(&mut wheel, 300), 1);
    assert_eq!(*log.lock().unwrap(), vec![3, 1]);
    assert!(wheel.reset(c, 250).is_err());
    assert_eq!(wheel.poll(c, &waker(3, &log)), TimerPoll::Fired);
    wheel.remove(a);
    wheel.remove(c);
    assert_eq!(wheel.len(), 0);
    assert_eq!(wheel.next_deadline(), None);
}

#[test]
fn wakers_leaving_the_wheel_are_handed_back() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let a = wheel.insert(100, Some(waker(1, &log))).unwrap();
    let same = waker(1, &log);
    // A different `Arc`: `will_wake` is false, so the caller must store it.
    assert_eq!(wheel.poll(a, &same), TimerPoll::NeedsWaker);
    let replaced = wheel.set_waker(a, same.clone()).unwrap();
    assert!(
        replaced.is_some(),
        "the replaced waker comes back to the caller"
    );
    assert_eq!(wheel.poll(a, &same), TimerPoll::Registered);
    assert!(
        wheel.remove(a).is_some(),
        "remove hands back the stored waker"
    );
    let b = wheel.insert(100, Some(waker(2, &log))).unwrap();
    assert_eq!(fire(&mut wheel, 100), 1);
    assert!(
        wheel.set_waker(b, waker(2, &log)).is_err(),
        "a fired timer refuses a waker"
    );
    assert!(wheel.remove(b).is_none());
    assert!(matches!(wheel.insert(50, Some(same)), Err(Some(_))));
    assert!(log.lock().unwrap().len() == 1);
}

#[test]
fn randomized_against_model() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut wheel = Wheel::new();
    // id -> (key, when, fired)
    let mut model: Vec<(usize, u64, bool)> = Vec::new();
    let mut now = 0u64;
    for round in 0..3000 {
        match rng.next() % 4 {
            0 | 1 => {
                let span = [70u64, 5000, 300_000, 20_000_000, SPAN * 2][rng.next() as usize % 5];
                let when = now + 1 + rng.next() % span;
                let id = model.len();
                let key = wheel.insert(when, Some(waker(id, &log))).unwrap();
                model.push((key, when, false));
            }
            2 => {
                // Cancel a random live timer by resetting it far away.
                if let Some(id) = (0..model.len()).find(|&i| !model[i].2 && rng.next() % 3 == 0) {
                    let when = now + 1 + rng.next() % 100_000;
                    assert!(wheel.reset(model[id].0, when).is_ok());
                    model[id].1 = when;
                }
            }
            _ => {
                let step = [1u64, 17, 64, 4100, 300_000][rng.next() as usize % 5];
                now += step;
                log.lock().unwrap().clear();
                fire(&mut wheel, now);
                let mut fired = log.lock().unwrap().clone();
                fired.sort_unstable();
                let mut expected: Vec<usize> = (0..model.len())
                    .filter(|&i| !model[i].2 && model[i].1 <= now)
                    .collect();
                expected.sort_unstable();
                assert_eq!(fired, expected, "round {round} now {now}");
                for id in expected {
                    model[id].2 = true;
                }
                // Re-arm the wakers of the unfired timers (process took none of theirs).
                if let Some(next) = wheel.next_deadline() {
                    let earliest = model.iter().filter(|m| !m.2).map(|m| m.1).min().unwrap();
                    assert!(next <= earliest, "next {next} earliest {earliest}");
                    assert!(next > now);
                }
            }
        }
    }
}
