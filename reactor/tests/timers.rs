//! Timers on a real `EventLoop`, driven on the test thread with
//! `turn(Some(timeout))` until a deadline: one-shot timers fire in deadline
//! order and not early, periodic timers repeat, cancelled timers stay quiet.

mod util;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use lars_reactor::EventLoop;

/// Deadline for timers that are due within tens of milliseconds.
const WITHIN: Duration = Duration::from_secs(3);

/// Turns `el` until `done` holds or `within` passes; returns whether it held.
fn turn_until(el: &mut EventLoop, within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while !done() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        el.turn(Some(left.min(Duration::from_millis(20))));
    }
    true
}

/// Turns `el` for `period`.
fn turn_for(el: &mut EventLoop, period: Duration) {
    turn_until(el, period, || false);
}

#[test]
fn one_shot_timers_fire_in_deadline_order_and_not_early() {
    util::init_log();
    let mut el = EventLoop::new().unwrap();
    let start = Instant::now();
    let fired = Rc::new(RefCell::new(Vec::new()));
    for ms in [80u64, 20, 50, 5, 35] {
        let fired = fired.clone();
        el.run_after(Duration::from_millis(ms), move |_| {
            fired.borrow_mut().push((ms, start.elapsed()));
        });
    }
    let done = || fired.borrow().len() == 5;
    assert!(turn_until(&mut el, WITHIN, done));
    let fired = fired.borrow();
    let order: Vec<u64> = fired.iter().map(|(ms, _)| *ms).collect();
    assert_eq!(order, [5, 20, 35, 50, 80]);
    for (ms, at) in fired.iter() {
        assert!(
            *at >= Duration::from_millis(*ms),
            "timer of {ms} ms fired after {at:?}"
        );
    }
}

#[test]
fn zero_delay_timer_fires_on_the_next_turn() {
    let mut el = EventLoop::new().unwrap();
    let fired = Rc::new(RefCell::new(false));
    let f = fired.clone();
    el.run_after(Duration::ZERO, move |_| *f.borrow_mut() = true);
    el.turn(Some(Duration::from_secs(1)));
    assert!(*fired.borrow());
}

#[test]
fn turn_wakes_for_a_timer_before_its_max_wait() {
    let mut el = EventLoop::new().unwrap();
    let fired = Rc::new(RefCell::new(false));
    let f = fired.clone();
    el.run_after(Duration::from_millis(20), move |_| *f.borrow_mut() = true);
    let start = Instant::now();
    // One long turn may return early without the timer (spurious wake-up);
    // a few turns must see it fire well before the 5 s max wait.
    for _ in 0..5 {
        if *fired.borrow() {
            break;
        }
        el.turn(Some(Duration::from_secs(5)));
    }
    assert!(*fired.borrow());
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn periodic_timer_repeats_until_cancelled() {
    let mut el = EventLoop::new().unwrap();
    let ticks = Rc::new(RefCell::new(Vec::new()));
    let t = ticks.clone();
    let start = Instant::now();
    let id = el.run_every(Duration::from_millis(10), move |_| {
        t.borrow_mut().push(start.elapsed());
    });
    let done = || ticks.borrow().len() >= 5;
    assert!(turn_until(&mut el, WITHIN, done));
    el.cancel_timer(id);
    let count = ticks.borrow().len();
    turn_for(&mut el, Duration::from_millis(60));
    assert_eq!(ticks.borrow().len(), count, "no tick after cancel");
    // The first tick comes after one period, and ticks are spaced.
    let ticks = ticks.borrow();
    assert!(ticks[0] >= Duration::from_millis(10), "{:?}", ticks[0]);
    assert!(ticks[4] >= Duration::from_millis(50), "{:?}", ticks[4]);
}

#[test]
fn periodic_timer_can_cancel_itself() {
    let mut el = EventLoop::new().unwrap();
    let count = Rc::new(RefCell::new(0));
    let id = Rc::new(RefCell::new(None));
    let (c, id2) = (count.clone(), id.clone());
    let timer = el.run_every(Duration::from_millis(5), move |el| {
        *c.borrow_mut() += 1;
        if *c.borrow() == 3 {
            el.cancel_timer(id2.borrow().unwrap());
        }
    });
    *id.borrow_mut() = Some(timer);
    let done = || *count.borrow() == 3;
    assert!(turn_until(&mut el, WITHIN, done));
    turn_for(&mut el, Duration::from_millis(40));
    assert_eq!(*count.borrow(), 3);
}

#[test]
fn cancelled_timer_does_not_fire() {
    let mut el = EventLoop::new().unwrap();
    let fired = Rc::new(RefCell::new(Vec::new()));
    let f = fired.clone();
    let cancelled = el.run_after(Duration::from_millis(10), move |_| {
        f.borrow_mut().push("cancelled")
    });
    // A timer cancelled by another timer that fires before it.
    let f = fired.clone();
    let victim = el.run_after(Duration::from_millis(40), move |_| {
        f.borrow_mut().push("victim")
    });
    let f = fired.clone();
    el.run_after(Duration::from_millis(20), move |el| {
        el.cancel_timer(victim);
        f.borrow_mut().push("killer");
    });
    let f = fired.clone();
    el.run_after(Duration::from_millis(60), move |_| {
        f.borrow_mut().push("sentinel")
    });
    el.cancel_timer(cancelled);
    let done = || fired.borrow().contains(&"sentinel");
    assert!(turn_until(&mut el, WITHIN, done));
    assert_eq!(*fired.borrow(), ["killer", "sentinel"]);
    // Cancelling again, or after firing, is harmless.
    el.cancel_timer(cancelled);
    el.cancel_timer(victim);
}

#[test]
fn timer_callbacks_can_add_timers() {
    let mut el = EventLoop::new().unwrap();
    let fired = Rc::new(RefCell::new(Vec::new()));
    let f = fired.clone();
    el.run_after(Duration::from_millis(5), move |el| {
        f.borrow_mut().push(1);
        let f = f.clone();
        el.run_after(Duration::from_millis(5), move |_| f.borrow_mut().push(2));
    });
    let done = || fired.borrow().len() == 2;
    assert!(turn_until(&mut el, WITHIN, done));
    assert_eq!(*fired.borrow(), [1, 2]);
}
