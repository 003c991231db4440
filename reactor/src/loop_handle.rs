//! [`LoopHandle`]: how other threads reach a loop — post a closure, call
//! one and wait for its result, stop the loop. Every method is safe from
//! any thread (`call` refuses the loop's own, where it would wait for
//! ever).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::ThreadId;

use crossbeam_channel::Sender;
use mio::Waker;

use crate::event_loop::{EventLoop, Task};

/// Why [`LoopHandle::call`] got no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The loop stopped (or the closure panicked) before it returned.
    #[error("the event loop stopped before the call returned")]
    LoopGone,
    /// Called on the loop's own thread, where waiting for the loop would
    /// wait for ever.
    #[error("LoopHandle::call on the loop's own thread")]
    OnLoopThread,
}

/// What the handles of one loop share with it.
struct Shared {
    tasks: Sender<Task>,
    waker: Waker,
    /// A wake-up was sent and the loop has not run its tasks since.
    wake_pending: AtomicBool,
    stop: AtomicBool,
    /// The thread that runs the loop (an `EventLoop` is not `Send`).
    thread: ThreadId,
}

/// A handle to a loop, usable from any thread: post tasks, stop the loop.
#[derive(Clone)]
pub struct LoopHandle {
    shared: Arc<Shared>,
}

impl LoopHandle {
    /// The handle of a loop made on the calling thread, whose tasks go to
    /// `tasks` and whose poll `waker` wakes.
    pub(crate) fn new(tasks: Sender<Task>, waker: Waker) -> LoopHandle {
        LoopHandle {
            shared: Arc::new(Shared {
                tasks,
                waker,
                wake_pending: AtomicBool::new(false),
                stop: AtomicBool::new(false),
                thread: std::thread::current().id(),
            }),
        }
    }

    /// Whether [`stop`](Self::stop) was called. Loop thread.
    pub(crate) fn stop_requested(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }

    /// The loop is about to run its queued tasks: a post from now on must
    /// wake it again. Loop thread.
    pub(crate) fn tasks_taken(&self) {
        self.shared.wake_pending.store(false, Ordering::SeqCst);
    }

    /// Queues `task` to run on the loop thread and wakes the loop.
    /// Safe from any thread. Returns `false` if the loop has gone away.
    pub fn post(&self, task: impl FnOnce(&mut EventLoop) + Send + 'static) -> bool {
        if self.shared.tasks.send(Box::new(task)).is_err() {
            return false;
        }
        self.wake();
        true
    }

    /// Runs `f` on the loop thread and returns its result, waiting until
    /// the loop has run it (e.g. to create a queue or a server on a loop
    /// that is already running). Safe from any thread but the loop's own,
    /// where it returns [`CallError::OnLoopThread`] instead of waiting for
    /// ever.
    ///
    /// ```
    /// use lars_reactor::LoopThread;
    /// let thread = LoopThread::spawn("worker", |_| {}).unwrap();
    /// let name = thread.handle().call(|_el| std::thread::current().name().map(String::from));
    /// assert_eq!(name.unwrap().as_deref(), Some("worker"));
    /// ```
    pub fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut EventLoop) -> R + Send + 'static,
    ) -> Result<R, CallError> {
        if std::thread::current().id() == self.shared.thread {
            return Err(CallError::OnLoopThread);
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        if !self.post(move |el| {
            let _ = tx.send(f(el));
        }) {
            return Err(CallError::LoopGone);
        }
        // A loop that stops drops its queued tasks, and with them `tx`.
        rx.recv().map_err(|_| CallError::LoopGone)
    }

    /// Asks the loop to return from [`EventLoop::run`]. Safe from any thread.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake_pending.store(true, Ordering::SeqCst);
        let _ = self.shared.waker.wake();
    }

    /// Whether two handles point at the same loop.
    pub fn same_loop(&self, other: &LoopHandle) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    fn wake(&self) {
        // One wake-up is enough for any number of posts until the loop drains.
        if !self.shared.wake_pending.swap(true, Ordering::SeqCst) {
            if let Err(e) = self.shared.waker.wake() {
                log::error!("event loop wake-up failed: {e}");
            }
        }
    }
}
