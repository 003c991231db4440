//! `ThreadQueue`: many producers, one loop. Everything pushed arrives, in
//! order per producer, in batches; a bounded queue refuses when full; a
//! queue whose loop has gone reports it.

mod util;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_channel::{bounded, unbounded};
use lars_reactor::{LoopThread, PushError, ThreadQueue};
use util::*;

/// Spawns a loop thread, makes a queue on it with `make`, returns both.
fn queue_on_thread<T: Send + 'static>(
    make: impl FnOnce(&mut lars_reactor::EventLoop) -> ThreadQueue<T> + Send + 'static,
) -> (LoopThread, ThreadQueue<T>) {
    init_log();
    LoopThread::spawn_with("queue-loop", move |el| Ok(make(el))).expect("queue loop starts")
}

/// Blocks the loop thread until the returned sender is dropped or sent to.
fn block_loop(thread: &LoopThread) -> crossbeam_channel::Sender<()> {
    let (release_tx, release_rx) = bounded::<()>(1);
    let (blocked_tx, blocked_rx) = bounded(1);
    thread.handle().post(move |_| {
        blocked_tx.send(()).unwrap();
        let _ = release_rx.recv_timeout(IO_TIMEOUT);
    });
    recv(&blocked_rx, "loop blocked");
    release_tx
}

#[test]
fn four_producers_ten_thousand_items_each_arrive_complete_and_in_order() {
    const PRODUCERS: usize = 4;
    const ITEMS: u64 = 10_000;
    const TOTAL: usize = PRODUCERS * ITEMS as usize;
    let drains = Arc::new(AtomicUsize::new(0));
    let d = drains.clone();
    let (done_tx, done_rx) = bounded(1);
    let (_thread, queue) = queue_on_thread(move |el| {
        let mut next = [0u64; PRODUCERS];
        let mut received = 0usize;
        let mut out_of_order = Vec::new();
        ThreadQueue::unbounded(el, move |_, items| {
            d.fetch_add(1, Ordering::SeqCst);
            for (producer, seq) in items {
                if seq != next[producer] && out_of_order.len() < 10 {
                    out_of_order.push((producer, seq, next[producer]));
                }
                next[producer] = seq + 1;
                received += 1;
            }
            if received == TOTAL {
                done_tx
                    .send((received, next, out_of_order.clone()))
                    .unwrap();
            }
        })
    });

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = queue.clone();
            std::thread::spawn(move || {
                for seq in 0..ITEMS {
                    q.push((p, seq)).unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let (received, next, out_of_order) = recv(&done_rx, "all items drained");
    assert_eq!(received, TOTAL);
    assert_eq!(
        next, [ITEMS; PRODUCERS],
        "last sequence number per producer"
    );
    assert!(out_of_order.is_empty(), "out of order: {out_of_order:?}");
    let drains = drains.load(Ordering::SeqCst);
    assert!(
        (1..=TOTAL).contains(&drains),
        "{drains} drain callbacks for {TOTAL} items"
    );
    assert!(queue.is_empty());
}

#[test]
fn pushes_while_the_loop_is_busy_are_drained_in_one_callback() {
    let (batch_tx, batch_rx) = unbounded();
    let (thread, queue) = queue_on_thread(move |el| {
        ThreadQueue::unbounded(el, move |_, items| {
            batch_tx.send(items.collect::<Vec<u32>>()).unwrap();
        })
    });
    let release = block_loop(&thread);
    for i in 0..100 {
        queue.push(i).unwrap();
    }
    assert_eq!(queue.len(), 100);
    drop(release);
    assert_eq!(
        recv(&batch_rx, "one batch"),
        (0..100).collect::<Vec<_>>(),
        "everything queued is drained by one callback"
    );
    // A later push schedules a new drain.
    queue.push(100).unwrap();
    assert_eq!(recv(&batch_rx, "second batch"), vec![100]);
    assert!(batch_rx.is_empty());
}

#[test]
fn bounded_queue_refuses_when_full() {
    let (batch_tx, batch_rx) = unbounded();
    let (thread, queue) = queue_on_thread(move |el| {
        ThreadQueue::bounded(el, 10, move |_, items| {
            batch_tx.send(items.collect::<Vec<u32>>()).unwrap();
        })
    });
    let release = block_loop(&thread);
    for i in 0..10 {
        queue.push(i).unwrap();
    }
    assert_eq!(queue.push(10), Err(PushError::Full(10)));
    drop(release);
    assert_eq!(recv(&batch_rx, "batch"), (0..10).collect::<Vec<_>>());
    assert!(wait_until(IO_TIMEOUT, || queue.push(11).is_ok()));
    assert_eq!(recv(&batch_rx, "batch after room"), vec![11]);
}

#[test]
fn push_after_the_loop_stopped_is_refused() {
    let (thread, queue) = queue_on_thread(|el| ThreadQueue::unbounded(el, |_, _items| {}));
    queue.push(1u8).unwrap();
    thread.stop();
    assert_eq!(queue.push(2), Err(PushError::Closed(2)));
}

#[test]
fn a_detached_queue_delivers_every_item_pushed_around_its_attach_once() {
    init_log();
    let (queue, receiver) = ThreadQueue::<u32>::detached();
    let (done_tx, done_rx) = unbounded();
    let pusher = {
        let queue = queue.clone();
        std::thread::spawn(move || {
            for i in 0..20_000 {
                queue.push(i).unwrap();
            }
        })
    };
    let thread = LoopThread::spawn("attach-late", move |el| {
        receiver.attach(el, move |_el, items| {
            for item in items {
                done_tx.send(item).unwrap();
            }
        });
    })
    .unwrap();
    pusher.join().unwrap();
    let got: Vec<u32> = (0..20_000).map(|_| recv(&done_rx, "an item")).collect();
    assert_eq!(
        got,
        (0..20_000).collect::<Vec<_>>(),
        "each item once, in order"
    );
    assert!(done_rx
        .recv_timeout(std::time::Duration::from_millis(50))
        .is_err());
    thread.stop();
}
