//! The `Interest` and `Ready` sets: membership tests, union, difference and intersection, with
//! Tokio's semantics (`remove` of everything is `None`, `-` keeps what the other set lacks).

use zokio_reactor::io::{Interest, Ready};

#[test]
fn interest_membership_union_and_removal() {
    let cases = [
        (Interest::READABLE, [true, false, false, false]),
        (Interest::WRITABLE, [false, true, false, false]),
        (Interest::ERROR, [false, false, true, false]),
        (Interest::PRIORITY, [false, false, false, true]),
    ];
    for (interest, [r, w, e, p]) in cases {
        assert_eq!(
            [
                interest.is_readable(),
                interest.is_writable(),
                interest.is_error(),
                interest.is_priority()
            ],
            [r, w, e, p],
            "{interest:?}"
        );
    }

    let mut all = Interest::READABLE;
    all |= Interest::WRITABLE;
    all |= Interest::ERROR | Interest::PRIORITY;
    assert!(all.is_readable() && all.is_writable() && all.is_error() && all.is_priority());
    assert_eq!(format!("{all:?}"), "READABLE | WRITABLE | PRIORITY | ERROR");

    let rest = all.remove(Interest::READABLE | Interest::ERROR).unwrap();
    assert_eq!(rest, Interest::WRITABLE | Interest::PRIORITY);
    assert!(!rest.is_readable() && !rest.is_error());
    // Removing what is not there changes nothing; removing everything leaves nothing.
    assert_eq!(rest.remove(Interest::READABLE), Some(rest));
    assert_eq!(rest.remove(all), None);
}

#[test]
fn ready_union_intersection_and_difference() {
    let mut ready = Ready::READABLE;
    ready |= Ready::WRITE_CLOSED;
    ready |= Ready::ERROR;
    assert!(ready.is_readable() && ready.is_write_closed() && ready.is_error());
    // A closed write direction counts as writable (Tokio's rule).
    assert!(ready.is_writable());

    assert_eq!(ready & Ready::READABLE, Ready::READABLE);
    assert_eq!(ready & Ready::READ_CLOSED, Ready::EMPTY);
    assert!((ready & Ready::PRIORITY).is_empty());
    assert_eq!(ready - Ready::READABLE, Ready::WRITE_CLOSED | Ready::ERROR);
    assert_eq!(ready - ready, Ready::EMPTY);
    assert_eq!(ready - Ready::EMPTY, ready);
    assert_eq!(Ready::ALL & ready, ready);
    assert_eq!((Ready::ALL - ready) & ready, Ready::EMPTY);
}
