//! Unit tests of the wheel, and a proptest model check against a plain list of deadlines.

use super::*;
use proptest::prelude::*;

/// Advances the wheel to `now` and returns the keys that fired, sorted.
fn fire(wheel: &mut Wheel, now: u64) -> Vec<usize> {
    let mut fired = Vec::new();
    wheel.process(now, &mut fired);
    fired.sort_unstable();
    fired
}

#[test]
fn past_deadline_is_not_stored() {
    let mut wheel = Wheel::new();
    wheel.process(10, &mut Vec::new());
    assert_eq!(wheel.insert(10), None);
    assert_eq!(wheel.insert(3), None);
    assert_eq!(wheel.len(), 0);
}

#[test]
fn fires_exactly_at_deadline_across_levels() {
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
    let keys: Vec<usize> = deadlines
        .iter()
        .map(|&when| wheel.insert(when).unwrap())
        .collect();
    for (id, &when) in deadlines.iter().enumerate() {
        assert_eq!(
            fire(&mut wheel, when - 1),
            [],
            "timer {id} fired before {when}"
        );
        assert_eq!(fire(&mut wheel, when), [keys[id]], "timer {id} at {when}");
        assert!(wheel.is_fired(keys[id]));
    }
}

#[test]
fn next_deadline_is_a_lower_bound_of_the_earliest_timer() {
    let mut wheel = Wheel::new();
    wheel.insert(5000).unwrap();
    wheel.insert(70).unwrap();
    let next = wheel.next_deadline().unwrap();
    assert!(next <= 70, "{next}");
    assert!(next >= 64, "{next}");
}

#[test]
fn far_deadlines_never_fire_early_and_do_not_loop() {
    let mut wheel = Wheel::new();
    let forever = wheel.insert(u64::MAX).unwrap();
    let far = wheel.insert(SPAN * 3 + 17).unwrap();
    // Ten years of milliseconds in one step.
    assert_eq!(fire(&mut wheel, 315_360_000_000), [far]);
    assert!(!wheel.is_fired(forever));
    assert!(wheel.next_deadline().unwrap() > 315_360_000_000);
}

#[test]
fn remove_and_reset_unlink() {
    let mut wheel = Wheel::new();
    let a = wheel.insert(100).unwrap();
    let b = wheel.insert(100).unwrap();
    let c = wheel.insert(100).unwrap();
    wheel.remove(b);
    assert!(wheel.reset(a, 300));
    assert_eq!(fire(&mut wheel, 299), [c]);
    assert_eq!(fire(&mut wheel, 300), [a]);
    assert!(
        !wheel.reset(c, 250),
        "a deadline already passed fires at once"
    );
    assert!(wheel.is_fired(c));
    assert!(
        wheel.reset(c, 400),
        "a fired timer moved ahead is armed again"
    );
    assert!(!wheel.is_fired(c));
    wheel.remove(a);
    wheel.remove(c);
    assert_eq!(wheel.len(), 0);
    assert_eq!(wheel.next_deadline(), None);
}

#[test]
fn fire_all_reports_every_timer_once() {
    let mut wheel = Wheel::new();
    let keys: Vec<usize> = [5u64, 500, 50_000, u64::MAX]
        .iter()
        .map(|&when| wheel.insert(when).unwrap())
        .collect();
    let mut fired = Vec::new();
    wheel.fire_all(&mut fired);
    fired.sort_unstable();
    assert_eq!(fired, keys);
    assert_eq!(wheel.next_deadline(), None);
    assert_eq!(fire(&mut wheel, u64::MAX - 1), []);
}

/// One step of the model check.
#[derive(Debug, Clone)]
enum Op {
    /// Insert a timer `delay` ms after now.
    Insert(u64),
    /// Move the `n`-th live timer (modulo the count) to `delay` ms after now.
    Reset(usize, u64),
    /// Remove the `n`-th live timer.
    Remove(usize),
    /// Advance the wheel by `step` ms.
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let delay = prop_oneof![
        1u64..70,
        1u64..5000,
        1u64..300_000,
        1u64..20_000_000,
        1..SPAN * 2
    ];
    let step = prop_oneof![Just(1u64), 1u64..70, 60u64..5000, 4000u64..400_000];
    prop_oneof![
        3 => delay.clone().prop_map(Op::Insert),
        1 => (any::<usize>(), delay).prop_map(|(n, d)| Op::Reset(n, d)),
        1 => any::<usize>().prop_map(Op::Remove),
        3 => step.prop_map(Op::Advance),
    ]
}

proptest! {
    /// After every step the wheel agrees with a list of `(key, deadline, fired)`: exactly the timers
    /// whose deadline has passed fire, each once and never early, and `next_deadline` is a lower
    /// bound of the earliest unfired timer and lies ahead of now.
    #[test]
    fn wheel_matches_a_list_of_deadlines(ops in prop::collection::vec(op(), 1..300)) {
        let mut wheel = Wheel::new();
        let mut model: Vec<(usize, u64, bool)> = Vec::new();
        let mut now = 0u64;
        for op in ops {
            match op {
                Op::Insert(delay) => {
                    let when = now + delay;
                    let key = wheel.insert(when).expect("a future deadline is stored");
                    model.push((key, when, false));
                }
                Op::Reset(n, delay) if !model.is_empty() => {
                    let i = n % model.len();
                    let when = now + delay;
                    prop_assert!(wheel.reset(model[i].0, when));
                    model[i].1 = when;
                    model[i].2 = false;
                }
                Op::Remove(n) if !model.is_empty() => {
                    let (key, _, _) = model.swap_remove(n % model.len());
                    wheel.remove(key);
                }
                Op::Reset(..) | Op::Remove(_) => {}
                Op::Advance(step) => {
                    now += step;
                    let fired = fire(&mut wheel, now);
                    let mut expected: Vec<usize> = model
                        .iter_mut()
                        .filter(|m| !m.2 && m.1 <= now)
                        .map(|m| {
                            m.2 = true;
                            m.0
                        })
                        .collect();
                    expected.sort_unstable();
                    prop_assert_eq!(fired, expected, "now {}", now);
                }
            }
            if let Some(next) = wheel.next_deadline() {
                let earliest = model.iter().filter(|m| !m.2).map(|m| m.1).min();
                prop_assert!(earliest.is_some_and(|e| next <= e), "next {} earliest {:?}", next, earliest);
                prop_assert!(next > now || model.iter().any(|m| !m.2 && m.1 <= next));
            } else {
                prop_assert!(model.iter().all(|m| m.2), "a live timer but no next deadline");
            }
            prop_assert_eq!(wheel.len(), model.len());
        }
    }
}
