//! Loop threads: [`LoopThread`] runs one [`EventLoop`] on its own thread;
//! [`ThreadPool`] runs N of them and spreads work round-robin.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use crate::event_loop::EventLoop;
use crate::loop_handle::LoopHandle;

/// One thread running one event loop. Stopping and joining happen on drop.
pub struct LoopThread {
    handle: LoopHandle,
    thread: Option<JoinHandle<()>>,
}

impl LoopThread {
    /// Spawns a thread named `name`, creates its loop, runs `init` on it (to
    /// register servers, queues, timers) and then runs the loop.
    /// Fails if the thread or the loop cannot be created.
    pub fn spawn(
        name: &str,
        init: impl FnOnce(&mut EventLoop) + Send + 'static,
    ) -> io::Result<LoopThread> {
        let (thread, ()) = LoopThread::spawn_with(name, move |el| {
            init(el);
            Ok(())
        })?;
        Ok(thread)
    }

    /// Like [`spawn`](Self::spawn), but `init` may fail and hands a value
    /// back: this returns once `init` has run, with its value (queues,
    /// bound addresses, typed handles of what it registered). When `init`
    /// fails, the thread ends without running the loop and its error is
    /// returned. Nothing the loop serves runs before `init` has returned.
    ///
    /// ```
    /// use lars_reactor::{LoopThread, ThreadQueue};
    /// let (thread, queue) = LoopThread::spawn_with("adder", |el| {
    ///     let mut sum = 0;
    ///     Ok(ThreadQueue::unbounded(el, move |_el, items: &mut dyn Iterator<Item = u32>| {
    ///         sum += items.sum::<u32>();
    ///     }))
    /// })
    /// .unwrap();
    /// queue.push(2).unwrap();
    /// thread.stop();
    /// ```
    pub fn spawn_with<T: Send + 'static>(
        name: &str,
        init: impl FnOnce(&mut EventLoop) -> io::Result<T> + Send + 'static,
    ) -> io::Result<(LoopThread, T)> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let mut el = match EventLoop::new() {
                    Ok(el) => el,
                    Err(e) => return drop(tx.send(Err(e))),
                };
                match init(&mut el) {
                    Ok(value) => {
                        if tx.send(Ok((el.handle(), value))).is_ok() {
                            el.run();
                        }
                    }
                    Err(e) => drop(tx.send(Err(e))),
                }
            })?;
        let started = rx.recv().unwrap_or_else(|_| {
            Err(io::Error::other(format!(
                "loop thread {name} died during start"
            )))
        });
        match started {
            Ok((handle, value)) => Ok((
                LoopThread {
                    handle,
                    thread: Some(thread),
                },
                value,
            )),
            Err(e) => {
                let _ = thread.join();
                Err(e)
            }
        }
    }

    /// The loop's handle. Safe from any thread.
    pub fn handle(&self) -> &LoopHandle {
        &self.handle
    }

    /// Stops the loop and waits for its thread to finish.
    pub fn stop(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.handle.stop();
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                log::error!("a loop thread panicked");
            }
        }
    }
}

impl Drop for LoopThread {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// N loop threads. `post_to_next` spreads tasks round-robin.
pub struct ThreadPool {
    threads: Vec<LoopThread>,
    next: AtomicUsize,
}

impl ThreadPool {
    /// Starts `n` (at least 1) loop threads named `name-0`, `name-1`...
    pub fn new(name: &str, n: usize) -> io::Result<ThreadPool> {
        let threads = (0..n.max(1))
            .map(|i| LoopThread::spawn(&format!("{name}-{i}"), |_| {}))
            .collect::<io::Result<Vec<_>>>()?;
        Ok(ThreadPool {
            threads,
            next: AtomicUsize::new(0),
        })
    }

    /// Number of loop threads.
    pub fn len(&self) -> usize {
        self.threads.len()
    }

    /// Always false: a pool has at least one thread.
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }

    /// The handle of loop `i`. Safe from any thread.
    pub fn handle(&self, i: usize) -> &LoopHandle {
        self.threads[i].handle()
    }

    /// The index of the next loop in round-robin order. Safe from any thread.
    pub fn next_index(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed) % self.threads.len()
    }

    /// Posts `task` to loop `i`.
    pub fn post_to(&self, i: usize, task: impl FnOnce(&mut EventLoop) + Send + 'static) -> bool {
        self.threads[i].handle().post(task)
    }

    /// Posts a copy of `task` to every loop.
    pub fn post_all(&self, task: impl Fn(&mut EventLoop) + Send + Clone + 'static) {
        for t in &self.threads {
            let task = task.clone();
            t.handle().post(move |el| task(el));
        }
    }

    /// Stops every loop and joins the threads.
    pub fn stop(self) {
        drop(self);
    }
}
