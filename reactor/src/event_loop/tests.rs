//! Tests of `event_loop.rs`.

use super::*;
use std::cell::RefCell;
use std::rc::Rc;

#[test]
fn posted_tasks_run_on_the_loop_and_stop_ends_run() {
    let mut el = EventLoop::new().unwrap();
    let h = el.handle();
    let (tx, rx) = crossbeam_channel::unbounded();
    let t = std::thread::spawn(move || {
        for i in 0..100 {
            let tx = tx.clone();
            assert!(h.post(move |_| tx.send(i).unwrap()));
        }
        h.stop();
    });
    el.run();
    t.join().unwrap();
    el.turn(Some(Duration::ZERO));
    let got: Vec<i32> = rx.try_iter().collect();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[test]
fn timers_fire_in_deadline_order_and_cancel_works() {
    let mut el = EventLoop::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    for (ms, name) in [(30u64, "c"), (10, "a"), (20, "b")] {
        let log = log.clone();
        el.run_after(Duration::from_millis(ms), move |_| {
            log.borrow_mut().push(name)
        });
    }
    let l2 = log.clone();
    let cancelled = el.run_after(Duration::from_millis(15), move |_| {
        l2.borrow_mut().push("x")
    });
    el.cancel_timer(cancelled);
    let deadline = Instant::now() + Duration::from_secs(2);
    while log.borrow().len() < 3 && Instant::now() < deadline {
        el.turn(Some(Duration::from_millis(50)));
    }
    assert_eq!(*log.borrow(), ["a", "b", "c"]);
}

#[test]
fn periodic_timer_repeats_until_it_cancels_itself() {
    let mut el = EventLoop::new().unwrap();
    let count = Rc::new(RefCell::new(0));
    let c = count.clone();
    let id = Rc::new(RefCell::new(None));
    let id2 = id.clone();
    let timer = el.run_every(Duration::from_millis(2), move |el| {
        *c.borrow_mut() += 1;
        if *c.borrow() == 3 {
            el.cancel_timer(id2.borrow().unwrap());
        }
    });
    *id.borrow_mut() = Some(timer);
    let deadline = Instant::now() + Duration::from_millis(300);
    while Instant::now() < deadline {
        el.turn(Some(Duration::from_millis(5)));
    }
    assert_eq!(*count.borrow(), 3);
}

struct Dummy(u32);
impl LoopSource for Dummy {
    fn ready(&mut self, _: &mut EventLoop, _: Token, _: &Event) {}
}

struct Other;
impl LoopSource for Other {
    fn ready(&mut self, _: &mut EventLoop, _: Token, _: &Event) {}
}

#[test]
fn sources_are_found_by_token_and_type_and_tokens_are_not_reused() {
    let mut el = EventLoop::new().unwrap();
    let t1 = el.insert_source(|_, _| Ok(Dummy(1))).unwrap();
    assert_eq!(el.with_source::<Dummy, _>(t1, |d, _| d.0), Some(1));
    assert!(el.remove_source(t1));
    let t2 = el.insert_source(|_, _| Ok(Dummy(2))).unwrap();
    assert_ne!(t1, t2, "a reused slot gets a new token");
    assert_eq!(el.with_source::<Dummy, _>(t1, |d, _| d.0), None);
    assert_eq!(el.with_source::<Dummy, _>(t2, |d, _| d.0), Some(2));
    assert_eq!(el.with_source::<Other, _>(t2, |_, _| ()), None);
}
