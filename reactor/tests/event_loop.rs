//! `EventLoop`, `LoopHandle`, `LoopThread` and `ThreadPool`: posting from
//! other threads wakes a sleeping loop, tasks run in order on the loop
//! thread, stopping joins, and a pool spreads work over its threads.

mod util;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded};
use lars_reactor::{CallError, EventLoop, LoopThread, ThreadPool};
use util::*;

#[test]
fn post_from_another_thread_wakes_a_sleeping_loop() {
    init_log();
    let mut el = EventLoop::new().unwrap();
    let handle = el.handle();
    let (tx, rx) = bounded(1);
    let poster = std::thread::spawn(move || {
        // Give the loop time to block in poll: this tests the wake-up.
        std::thread::sleep(Duration::from_millis(50));
        assert!(handle.post(move |_| tx.send(std::thread::current().id()).unwrap()));
    });
    let start = Instant::now();
    let mut ran_on = None;
    while ran_on.is_none() && start.elapsed() < Duration::from_secs(2) {
        el.turn(Some(IO_TIMEOUT));
        ran_on = rx.try_recv().ok();
    }
    poster.join().unwrap();
    assert_eq!(
        ran_on,
        Some(std::thread::current().id()),
        "task ran on the loop thread"
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn tasks_run_in_order_and_a_task_posted_by_a_task_runs_too() {
    let lt = LoopThread::spawn("order", |_| {}).unwrap();
    let (tx, rx) = unbounded();
    for i in 0..1000 {
        let tx = tx.clone();
        assert!(lt.handle().post(move |el| {
            tx.send(i).unwrap();
            if i == 999 {
                let tx = tx.clone();
                el.handle().post(move |_| tx.send(1000).unwrap());
            }
        }));
    }
    let got: Vec<i32> = (0..=1000).map(|_| recv(&rx, "task")).collect();
    assert_eq!(got, (0..=1000).collect::<Vec<_>>());
}

#[test]
fn loop_thread_runs_init_on_its_own_named_thread_and_stops() {
    let (tx, rx) = bounded(1);
    let lt = LoopThread::spawn("named-loop", move |_| {
        tx.send(std::thread::current().name().map(str::to_string))
            .unwrap();
    })
    .unwrap();
    assert_eq!(recv(&rx, "init"), Some("named-loop".to_string()));
    let handle = lt.handle().clone();
    let other = lt.handle().clone();
    assert!(handle.same_loop(&other));
    lt.stop();
    assert!(!handle.post(|_| {}), "posting to a stopped loop fails");
}

#[test]
fn stop_from_inside_the_loop_ends_run() {
    let mut el = EventLoop::new().unwrap();
    let handle = el.handle();
    el.run_after(Duration::from_millis(10), move |_| handle.stop());
    let (tx, rx) = bounded(1);
    let watchdog = el.handle();
    let t = std::thread::spawn(move || {
        // If run() does not return, stop it so the test fails instead of hanging.
        if rx.recv_timeout(IO_TIMEOUT).is_err() {
            watchdog.stop();
            return false;
        }
        true
    });
    el.run();
    tx.send(()).unwrap();
    assert!(t.join().unwrap(), "run() returned only after the watchdog");
}

#[test]
fn thread_pool_posts_to_one_or_all_threads() {
    let pool = ThreadPool::new("pool", 3).unwrap();
    assert_eq!(pool.len(), 3);
    let (tx, rx) = unbounded();
    let t = tx.clone();
    pool.post_all(move |_| {
        t.send(std::thread::current().name().unwrap().to_string())
            .unwrap();
    });
    let all: HashSet<String> = (0..3).map(|_| recv(&rx, "post_all")).collect();
    let expected: HashSet<String> = (0..3).map(|i| format!("pool-{i}")).collect();
    assert_eq!(all, expected);

    for i in [2, 0, 1] {
        let t = tx.clone();
        assert!(pool.post_to(i, move |_| {
            t.send(std::thread::current().name().unwrap().to_string())
                .unwrap();
        }));
        assert_eq!(recv(&rx, "post_to"), format!("pool-{i}"));
    }

    let picks: Vec<usize> = (0..6).map(|_| pool.next_index()).collect();
    let distinct: HashSet<_> = picks.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        3,
        "round robin visits every loop: {picks:?}"
    );
    assert!(!pool.handle(0).same_loop(pool.handle(1)));
    pool.stop();
}

#[test]
fn call_returns_the_loops_answer_and_refuses_where_it_would_deadlock() {
    let lt = LoopThread::spawn("call-loop", |_| {}).unwrap();
    let name = lt
        .handle()
        .call(|_| std::thread::current().name().map(str::to_string));
    assert_eq!(name, Ok(Some("call-loop".to_string())));
    let handle = lt.handle().clone();
    let inner = lt.handle().call(move |_| handle.call(|_| 1));
    assert_eq!(inner, Ok(Err(CallError::OnLoopThread)));
    let handle = lt.handle().clone();
    lt.stop();
    assert_eq!(handle.call(|_| 1), Err(CallError::LoopGone));
}

#[test]
fn spawn_with_hands_back_the_init_value_or_its_error() {
    let (lt, value) = LoopThread::spawn_with("init-ok", |el| {
        Ok((
            std::thread::current().name().map(str::to_string),
            el.source_count(),
        ))
    })
    .unwrap();
    assert_eq!(value, (Some("init-ok".to_string()), 0));
    lt.stop();
    let failed = LoopThread::spawn_with("init-err", |_| -> std::io::Result<()> {
        Err(std::io::Error::other("cannot bind"))
    });
    assert_eq!(
        failed.err().map(|e| e.to_string()).as_deref(),
        Some("cannot bind")
    );
}
