//! The event loop: one per thread, over `mio::Poll`.
//!
//! A loop owns its I/O sources (sockets wrapped in a [`LoopSource`]), its
//! timers and a task queue. [`EventLoop`] itself is not `Send`: everything
//! on it runs on the thread that runs it ("loop thread only"). Other
//! threads hold a cloneable [`LoopHandle`] that queues closures and wakes
//! the loop through a `mio::Waker` ("safe from any thread").

use std::any::Any;
use std::io;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use mio::event::Event;
use mio::{Events, Poll, Registry, Token, Waker};
use slab::Slab;

use crate::loop_handle::LoopHandle;
use crate::timer::{TimerId, TimerQueue};

/// A closure run on a loop thread, posted from any thread.
pub type Task = Box<dyn FnOnce(&mut EventLoop) + Send>;
type TimerCallback = Box<dyn FnMut(&mut EventLoop)>;
type QueueDrain = Box<dyn FnMut(&mut EventLoop)>;

const WAKER_TOKEN: Token = Token(usize::MAX);
const EVENTS_CAPACITY: usize = 1024;

/// A token is a slab key in its low half and a generation in its high half
/// (minus the top bit, so no token equals [`WAKER_TOKEN`]): a slot reused
/// for a new source gets a new token, and an event for the old one is
/// recognised as stale. Half of `usize` each, so 32-bit targets work too
/// (with at most 65 536 sources per loop there).
const KEY_BITS: u32 = usize::BITS / 2;
const KEY_MASK: usize = (1 << KEY_BITS) - 1;
const GENERATION_MASK: usize = (1 << (usize::BITS - KEY_BITS - 1)) - 1;

/// Lets the loop hand a source back as its concrete type
/// ([`EventLoop::with_source`]). Implemented for every `'static` type.
pub trait AsAny: Any {
    /// `self` as `&mut dyn Any`.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// An I/O object registered with a loop: a listener, a connection, a socket.
pub trait LoopSource: AsAny {
    /// Called on the loop thread when `event` arrives for this source's
    /// token. Following mio's rules, an implementation reads or writes until
    /// `WouldBlock` and tolerates spurious events.
    fn ready(&mut self, el: &mut EventLoop, token: Token, event: &Event);
}

/// A typed reference to something registered on a loop
/// ([`crate::UdpServer`], [`crate::ClientRef`]) is no longer there: it was
/// stopped. Names what it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is no longer on its event loop (stopped)")]
pub struct SourceGone(pub &'static str);

struct Slot {
    token: Token,
    source: Option<Box<dyn LoopSource>>,
    remove_requested: bool,
}

/// One event loop. Loop thread only (not `Send`).
pub struct EventLoop {
    poll: Poll,
    events: Option<Events>,
    slots: Slab<Slot>,
    generation: usize,
    tasks: Receiver<Task>,
    handle: LoopHandle,
    timers: TimerQueue<TimerCallback>,
    running_timer: Option<(TimerId, bool)>,
    queues: Slab<Option<QueueDrain>>,
}

impl EventLoop {
    /// Creates a loop for the calling thread.
    pub fn new() -> io::Result<EventLoop> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKER_TOKEN)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        Ok(EventLoop {
            poll,
            events: Some(Events::with_capacity(EVENTS_CAPACITY)),
            slots: Slab::new(),
            generation: 0,
            tasks: rx,
            handle: LoopHandle::new(tx, waker),
            timers: TimerQueue::new(),
            running_timer: None,
            queues: Slab::new(),
        })
    }

    /// A handle other threads can use to reach this loop.
    pub fn handle(&self) -> LoopHandle {
        self.handle.clone()
    }

    /// The mio registry, to (re)register sockets of this loop's sources.
    pub fn registry(&self) -> &Registry {
        self.poll.registry()
    }

    /// Adds a source. `make` receives the registry and the token the source
    /// must register its socket under. Returns that token.
    pub fn insert_source<S: LoopSource>(
        &mut self,
        make: impl FnOnce(&Registry, Token) -> io::Result<S>,
    ) -> io::Result<Token> {
        self.generation = (self.generation + 1) & GENERATION_MASK;
        let entry = self.slots.vacant_entry();
        if entry.key() > KEY_MASK {
            return Err(io::Error::other(format!(
                "event loop: more than {} sources",
                KEY_MASK + 1
            )));
        }
        let token = Token(entry.key() | (self.generation << KEY_BITS));
        let source = make(self.poll.registry(), token)?;
        entry.insert(Slot {
            token,
            source: Some(Box::new(source)),
            remove_requested: false,
        });
        Ok(token)
    }

    /// Removes (and drops, closing its socket) the source under `token`.
    /// Called from inside that source's own callback, the removal happens
    /// when the callback returns. Returns whether the token was live.
    pub fn remove_source(&mut self, token: Token) -> bool {
        let key = token.0 & KEY_MASK;
        match self.slots.get_mut(key) {
            Some(slot) if slot.token == token => {
                if slot.source.is_some() {
                    self.slots.remove(key);
                } else {
                    slot.remove_requested = true;
                }
                true
            }
            _ => false,
        }
    }

    /// Runs `f` on the source under `token` if it is live and of type `S`.
    /// `f` also gets the loop, so it may send, register, remove or add timers.
    pub fn with_source<S: LoopSource, R>(
        &mut self,
        token: Token,
        f: impl FnOnce(&mut S, &mut EventLoop) -> R,
    ) -> Option<R> {
        let mut source = self.take_source(token)?;
        // Deref first: `Box<dyn LoopSource>` is itself `Any`.
        let result = (*source)
            .as_any_mut()
            .downcast_mut::<S>()
            .map(|concrete| f(concrete, self));
        self.put_back(token, source);
        result
    }

    /// Number of live sources (for tests and statistics).
    pub fn source_count(&self) -> usize {
        self.slots.len()
    }

    /// The tokens of every live source, e.g. to visit each connection of a
    /// type with [`with_source`](Self::with_source) (which skips the others).
    pub fn source_tokens(&self) -> Vec<Token> {
        self.slots.iter().map(|(_, slot)| slot.token).collect()
    }

    /// Runs `f` once after `delay`.
    pub fn run_after(
        &mut self,
        delay: Duration,
        f: impl FnOnce(&mut EventLoop) + 'static,
    ) -> TimerId {
        let mut f = Some(f);
        let callback: TimerCallback = Box::new(move |el| {
            if let Some(f) = f.take() {
                f(el)
            }
        });
        self.timers.add(Instant::now() + delay, None, callback)
    }

    /// Runs `f` every `period`, first after one period, until cancelled.
    pub fn run_every(
        &mut self,
        period: Duration,
        f: impl FnMut(&mut EventLoop) + 'static,
    ) -> TimerId {
        let period = period.max(Duration::from_millis(1));
        self.timers
            .add(Instant::now() + period, Some(period), Box::new(f))
    }

    /// Cancels a timer (also from inside its own callback).
    pub fn cancel_timer(&mut self, id: TimerId) {
        match &mut self.running_timer {
            Some((running, cancelled)) if *running == id => *cancelled = true,
            _ => {
                self.timers.cancel(id);
            }
        }
    }

    /// Runs the loop until [`LoopHandle::stop`] is called.
    pub fn run(&mut self) {
        while !self.handle.stop_requested() {
            self.turn(None);
        }
    }

    /// Runs one turn: waits at most `max_wait` (or until the next timer)
    /// for events, handles them, runs posted tasks and due timers.
    pub fn turn(&mut self, max_wait: Option<Duration>) {
        let mut timeout = self.timers.timeout_from(Instant::now());
        if let Some(max) = max_wait {
            timeout = Some(timeout.map_or(max, |t| t.min(max)));
        }
        if !self.tasks.is_empty() {
            timeout = Some(Duration::ZERO);
        }
        let mut events = self.events.take().expect("events are put back each turn");
        if let Err(e) = self.poll.poll(&mut events, timeout) {
            if e.kind() != io::ErrorKind::Interrupted {
                log::error!("event loop poll failed: {e}");
            }
        }
        for event in events.iter() {
            if event.token() != WAKER_TOKEN {
                self.dispatch(event);
            }
        }
        self.events = Some(events);
        self.run_tasks();
        self.run_timers();
    }

    pub(crate) fn add_queue(&mut self, drain: QueueDrain) -> usize {
        self.queues.insert(Some(drain))
    }

    pub(crate) fn run_queue(&mut self, id: usize) {
        let Some(mut drain) = self.queues.get_mut(id).and_then(Option::take) else {
            return;
        };
        drain(self);
        if let Some(slot) = self.queues.get_mut(id) {
            *slot = Some(drain);
        }
    }

    fn dispatch(&mut self, event: &Event) {
        let token = event.token();
        if let Some(mut source) = self.take_source(token) {
            source.ready(self, token, event);
            self.put_back(token, source);
        }
        // Otherwise: a stale event for a source removed earlier in this turn.
    }

    fn take_source(&mut self, token: Token) -> Option<Box<dyn LoopSource>> {
        let slot = self.slots.get_mut(token.0 & KEY_MASK)?;
        if slot.token != token {
            return None;
        }
        slot.source.take()
    }

    fn put_back(&mut self, token: Token, source: Box<dyn LoopSource>) {
        let key = token.0 & KEY_MASK;
        if let Some(slot) = self.slots.get_mut(key) {
            if slot.token == token {
                if slot.remove_requested {
                    self.slots.remove(key);
                } else {
                    slot.source = Some(source);
                }
            }
        }
    }

    fn run_tasks(&mut self) {
        self.handle.tasks_taken();
        // Only the tasks queued now: a task that posts another does not
        // starve I/O; the next turn runs it without sleeping.
        for _ in 0..self.tasks.len() {
            match self.tasks.try_recv() {
                Ok(task) => task(self),
                Err(_) => break,
            }
        }
    }

    fn run_timers(&mut self) {
        let now = Instant::now();
        while let Some(mut expired) = self.timers.pop_expired(now) {
            self.running_timer = Some((expired.id, false));
            (expired.item)(self);
            let cancelled = matches!(self.running_timer.take(), Some((_, true)));
            if let (Some(period), false) = (expired.period, cancelled) {
                let mut next = expired.deadline + period;
                if next <= now {
                    next = now + period;
                }
                self.timers.reinsert(expired, next);
            }
        }
    }
}

#[cfg(test)]
mod tests;
