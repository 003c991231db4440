//! [`Room`]: the connections waiting for room in one writer's queue.
//!
//! A network thread that finds the queue full pauses the connection (its
//! socket fills and TCP slows the agent down) and leaves its handle here;
//! the writer's drainer, once it has brought the queue down to half its
//! capacity, resumes every waiting connection. Nothing is dropped and no
//! loop thread blocks.

use lars_reactor::ConnHandle;
use parking_lot::Mutex;

/// The waiting connections of one writer's queue. Safe from any thread.
#[derive(Debug)]
pub struct Room {
    waiting: Mutex<Vec<ConnHandle>>,
    /// Queue length at or below which waiting connections are resumed.
    low_water: usize,
}

impl Room {
    /// For a queue of `capacity` items.
    pub fn new(capacity: usize) -> Room {
        Room {
            waiting: Mutex::new(Vec::new()),
            low_water: capacity / 2,
        }
    }

    /// `conn` waits for room. A network thread calls this before it tries
    /// the queue once more, so room made in between is not missed.
    pub fn wait(&self, conn: ConnHandle) {
        self.waiting.lock().push(conn);
    }

    /// Called by the drainer with the queue's length: once it is at or
    /// below half the capacity, resumes every waiting connection (a closed
    /// one ignores it). Returns how many were resumed.
    pub fn after_drain(&self, queued: usize) -> usize {
        if queued > self.low_water {
            return 0;
        }
        let resumed = std::mem::take(&mut *self.waiting.lock());
        for conn in &resumed {
            let _ = conn.resume_reading();
        }
        resumed.len()
    }
}
