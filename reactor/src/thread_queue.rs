//! A multi-producer queue bound to a loop: senders push from any thread; the
//! loop drains everything queued so far in one callback.
//!
//! A push wakes the loop only when the queue was idle, so a burst of pushes
//! costs one wake-up and one callback.
//!
//! A queue may also be made before the loop that drains it exists
//! ([`ThreadQueue::detached`]): items pushed meanwhile wait and are drained
//! once [`QueueReceiver::attach`] binds it to a loop. Two threads that must
//! each hold the other's queue are wired this way without a start-up
//! handshake.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender, TrySendError};
use parking_lot::Mutex;

use crate::event_loop::EventLoop;
use crate::loop_handle::LoopHandle;

/// Why a push failed; the item is handed back.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PushError<T> {
    /// A bounded queue is at capacity.
    #[error("queue is full")]
    Full(T),
    /// The loop that drained the queue is gone.
    #[error("queue's loop has stopped")]
    Closed(T),
}

/// The loop that drains a queue and the queue's id on it.
#[derive(Clone)]
struct Target {
    handle: LoopHandle,
    id: usize,
}

/// What the senders of one queue share.
struct Shared {
    /// Whether a drain is scheduled (or, before attach, items wait).
    scheduled: AtomicBool,
    /// `None` until the queue is attached to its loop.
    target: Mutex<Option<Target>>,
}

/// The sending side of a loop's queue. Cloneable; safe from any thread.
pub struct ThreadQueue<T> {
    tx: Sender<T>,
    shared: Arc<Shared>,
}

impl<T> Clone for ThreadQueue<T> {
    fn clone(&self) -> Self {
        ThreadQueue {
            tx: self.tx.clone(),
            shared: self.shared.clone(),
        }
    }
}

/// The receiving side of a [`ThreadQueue::detached`] queue, to be bound to
/// the loop that drains it. `Send`: made on one thread, attached on another.
pub struct QueueReceiver<T> {
    rx: Receiver<T>,
    shared: Arc<Shared>,
}

impl<T: Send + 'static> ThreadQueue<T> {
    /// Creates an unbounded queue drained on `el` by `on_items`, which gets
    /// an iterator over everything queued. Loop thread only.
    pub fn unbounded(
        el: &mut EventLoop,
        on_items: impl FnMut(&mut EventLoop, &mut dyn Iterator<Item = T>) + 'static,
    ) -> ThreadQueue<T> {
        let (queue, receiver) = ThreadQueue::detached();
        receiver.attach(el, on_items);
        queue
    }

    /// Creates a queue holding at most `capacity` items; a push beyond it
    /// fails with [`PushError::Full`]. Loop thread only.
    pub fn bounded(
        el: &mut EventLoop,
        capacity: usize,
        on_items: impl FnMut(&mut EventLoop, &mut dyn Iterator<Item = T>) + 'static,
    ) -> ThreadQueue<T> {
        let (tx, rx) = crossbeam_channel::bounded(capacity.max(1));
        let (queue, receiver) = ThreadQueue::from_channel(tx, rx);
        receiver.attach(el, on_items);
        queue
    }

    /// Creates an unbounded queue whose loop is not known yet. Pushes are
    /// accepted at once and drained after [`QueueReceiver::attach`]. Safe
    /// from any thread.
    ///
    /// ```
    /// use lars_reactor::{LoopThread, ThreadQueue};
    /// let (queue, receiver) = ThreadQueue::detached();
    /// queue.push("early").unwrap(); // before any loop drains it
    /// let (done_tx, done_rx) = std::sync::mpsc::channel();
    /// let thread = LoopThread::spawn("late", move |el| {
    ///     receiver.attach(el, move |_el, items: &mut dyn Iterator<Item = &str>| {
    ///         items.for_each(|item| done_tx.send(item).unwrap());
    ///     });
    /// })
    /// .unwrap();
    /// assert_eq!(done_rx.recv().unwrap(), "early");
    /// thread.stop();
    /// ```
    pub fn detached() -> (ThreadQueue<T>, QueueReceiver<T>) {
        let (tx, rx) = crossbeam_channel::unbounded();
        ThreadQueue::from_channel(tx, rx)
    }

    fn from_channel(tx: Sender<T>, rx: Receiver<T>) -> (ThreadQueue<T>, QueueReceiver<T>) {
        let shared = Arc::new(Shared {
            scheduled: AtomicBool::new(false),
            target: Mutex::new(None),
        });
        let receiver = QueueReceiver {
            rx,
            shared: shared.clone(),
        };
        (ThreadQueue { tx, shared }, receiver)
    }

    /// Queues `item` for the loop. Safe from any thread.
    pub fn push(&self, item: T) -> Result<(), PushError<T>> {
        match self.tx.try_send(item) {
            Ok(()) => {}
            Err(TrySendError::Full(item)) => return Err(PushError::Full(item)),
            Err(TrySendError::Disconnected(item)) => return Err(PushError::Closed(item)),
        }
        if !self.shared.scheduled.swap(true, Ordering::SeqCst) {
            // The first push since the last drain schedules one; before the
            // queue is attached the flag stays set and attach drains.
            if let Some(target) = self.shared.target.lock().as_ref() {
                let id = target.id;
                target.handle.post(move |el| el.run_queue(id));
            }
        }
        Ok(())
    }

    /// Items queued and not yet drained.
    pub fn len(&self) -> usize {
        self.tx.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.tx.is_empty()
    }
}

impl<T: Send + 'static> QueueReceiver<T> {
    /// Binds the queue to `el`: from now on `on_items` drains it there,
    /// starting with what was pushed before. Loop thread only.
    pub fn attach(
        self,
        el: &mut EventLoop,
        mut on_items: impl FnMut(&mut EventLoop, &mut dyn Iterator<Item = T>) + 'static,
    ) {
        let QueueReceiver { rx, shared } = self;
        let flag = shared.clone();
        let id = el.add_queue(Box::new(move |el| {
            // Clear first: an item pushed during the drain schedules again.
            flag.scheduled.store(false, Ordering::SeqCst);
            let pending = rx.len();
            let mut items = rx.try_iter().take(pending);
            on_items(el, &mut items);
        }));
        let mut target = shared.target.lock();
        *target = Some(Target {
            handle: el.handle(),
            id,
        });
        // Under the lock no push can be between its swap and its look at
        // the target: if one set the flag before, its items are drained now.
        if shared.scheduled.load(Ordering::SeqCst) {
            el.handle().post(move |el| el.run_queue(id));
        }
    }
}
