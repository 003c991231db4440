//! A multi-producer queue bound to a loop: senders push from any thread; the
//! loop drains everything queued so far in one callback.
//!
//! A push wakes the loop only when the queue was idle, so a burst of pushes
//! costs one wake-up and one callback.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use crate::event_loop::{EventLoop, LoopHandle};

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

/// The sending side of a loop's queue. Cloneable; safe from any thread.
pub struct ThreadQueue<T> {
    tx: Sender<T>,
    scheduled: Arc<AtomicBool>,
    handle: LoopHandle,
    id: usize,
}

impl<T> Clone for ThreadQueue<T> {
    fn clone(&self) -> Self {
        ThreadQueue {
            tx: self.tx.clone(),
            scheduled: self.scheduled.clone(),
            handle: self.handle.clone(),
            id: self.id,
        }
    }
}

impl<T: Send + 'static> ThreadQueue<T> {
    /// Creates an unbounded queue drained on `el` by `on_items`, which gets
    /// an iterator over everything queued. Loop thread only.
    pub fn unbounded(
        el: &mut EventLoop,
        on_items: impl FnMut(&mut EventLoop, &mut dyn Iterator<Item = T>) + 'static,
    ) -> ThreadQueue<T> {
        let (tx, rx) = crossbeam_channel::unbounded();
        Self::attach(el, tx, rx, on_items)
    }

    /// Creates a queue holding at most `capacity` items; a push beyond it
    /// fails with [`PushError::Full`]. Loop thread only.
    pub fn bounded(
        el: &mut EventLoop,
        capacity: usize,
        on_items: impl FnMut(&mut EventLoop, &mut dyn Iterator<Item = T>) + 'static,
    ) -> ThreadQueue<T> {
        let (tx, rx) = crossbeam_channel::bounded(capacity.max(1));
        Self::attach(el, tx, rx, on_items)
    }

    fn attach(
        el: &mut EventLoop,
        tx: Sender<T>,
        rx: Receiver<T>,
        mut on_items: impl FnMut(&mut EventLoop, &mut dyn Iterator<Item = T>) + 'static,
    ) -> ThreadQueue<T> {
        let scheduled = Arc::new(AtomicBool::new(false));
        let flag = scheduled.clone();
        let id = el.add_queue(Box::new(move |el| {
            // Clear first: an item pushed during the drain schedules again.
            flag.store(false, Ordering::SeqCst);
            let pending = rx.len();
            let mut items = rx.try_iter().take(pending);
            on_items(el, &mut items);
        }));
        ThreadQueue {
            tx,
            scheduled,
            handle: el.handle(),
            id,
        }
    }

    /// Queues `item` for the loop. Safe from any thread.
    pub fn push(&self, item: T) -> Result<(), PushError<T>> {
        match self.tx.try_send(item) {
            Ok(()) => {}
            Err(TrySendError::Full(item)) => return Err(PushError::Full(item)),
            Err(TrySendError::Disconnected(item)) => return Err(PushError::Closed(item)),
        }
        if !self.scheduled.swap(true, Ordering::SeqCst) {
            let id = self.id;
            self.handle.post(move |el| el.run_queue(id));
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
