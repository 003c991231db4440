//! # lars-idle-spin
//!
//! Polling for input while the CPU is otherwise idle.
//!
//! Where waking a sleeping thread is slow (a virtual machine, where every
//! wake-up of an idle vCPU goes through the hypervisor), a thread that
//! expects input within microseconds does better to poll for it than to
//! sleep — but only if nobody else wants the CPU. [`IdleSpin`] polls,
//! yielding the CPU between polls, and stops as soon as a yield actually
//! let another thread run (the thread's involuntary context-switch count
//! rose): spinning then pauses for [`SPIN_BACKOFF`], so a busy machine
//! pays one yield per backoff period, not one per request.
//!
//! Linux only (it reads per-thread switch counts with `RUSAGE_THREAD`);
//! elsewhere [`IdleSpin::poll`] never polls.
//!
//! A crate of its own (std and libc only) so that the client library can
//! use it without the event loop.
#![warn(missing_docs)]

use std::time::{Duration, Instant};

/// How long spinning stays off after another thread wanted the CPU.
pub const SPIN_BACKOFF: Duration = Duration::from_millis(2);

/// Polls for something while no other thread wants the CPU. One per
/// thread (the contention signal is the calling thread's own).
#[derive(Debug, Clone)]
pub struct IdleSpin {
    window: Duration,
    /// No spinning before this (set when another thread wanted the CPU).
    backoff_until: Instant,
    /// The thread's involuntary switch count when last read: a poll that
    /// follows another starts from it instead of reading it again (a
    /// preemption in between is contention too).
    switches: Option<i64>,
}

impl IdleSpin {
    /// Spins for at most `window` per [`IdleSpin::poll`].
    pub fn new(window: Duration) -> IdleSpin {
        IdleSpin {
            window,
            backoff_until: Instant::now(),
            switches: None,
        }
    }

    /// Calls `try_once` until it returns `Some`, yielding the CPU between
    /// calls. Gives up (`None`) when the window has passed since the call,
    /// at `deadline` if one is given, when a yield let another thread run
    /// (after one last call; then spinning stays off for [`SPIN_BACKOFF`]),
    /// during such a backoff, or where switch counts cannot be read —
    /// the last two without calling `try_once` at all. Otherwise, `None`
    /// means the last call of `try_once` found nothing. The caller then
    /// goes on as if it had not spun: typically it sleeps in a blocking
    /// call or its event loop.
    pub fn poll<T>(
        &mut self,
        deadline: Option<Instant>,
        mut try_once: impl FnMut() -> Option<T>,
    ) -> Option<T> {
        let start = Instant::now();
        if start < self.backoff_until {
            return None;
        }
        let switched = match self.switches {
            Some(count) => count,
            None => involuntary_switches()?,
        };
        self.switches = Some(switched);
        let end = match deadline {
            Some(d) => d.min(start + self.window),
            None => start + self.window,
        };
        loop {
            if let Some(found) = try_once() {
                return Some(found);
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::yield_now();
            let now_switched = involuntary_switches();
            if now_switched != Some(switched) {
                // The yield (or a preemption since the last poll) ran
                // another thread: the CPU is wanted. One last look, for
                // what arrived meanwhile.
                self.switches = now_switched;
                self.backoff_until = Instant::now() + SPIN_BACKOFF;
                return try_once();
            }
        }
    }
}

/// How many times the calling thread was switched out while runnable
/// (`ru_nivcsw`): a `sched_yield` that let another thread run counts, an
/// interrupt or the hypervisor taking the CPU away does not. `None` if the
/// count cannot be read.
#[cfg(target_os = "linux")]
fn involuntary_switches() -> Option<i64> {
    // SAFETY: all-zero bytes are a valid `rusage` (integer fields only).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage` that outlives the call;
    // RUSAGE_THREAD only reads the calling thread's counters.
    if unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) } != 0 {
        return None;
    }
    Some(usage.ru_nivcsw)
}

/// Per-thread switch counts need Linux's `RUSAGE_THREAD`; elsewhere
/// nothing spins.
#[cfg(not(target_os = "linux"))]
fn involuntary_switches() -> Option<i64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Barrier};

    #[cfg(target_os = "linux")]
    #[test]
    fn the_thread_switch_count_is_readable() {
        assert!(involuntary_switches().is_some_and(|n| n >= 0));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn returns_what_the_poll_finds() {
        let mut spin = IdleSpin::new(Duration::from_secs(5));
        let mut calls = 0;
        let found = spin.poll(None, || {
            calls += 1;
            (calls == 3).then_some(calls)
        });
        // Either found on the third call, or another test's thread took the
        // CPU during a yield and the spin backed off early (after one last
        // look).
        assert!(calls >= 1, "never polled");
        assert!(found == Some(3) || calls < 3, "{found:?} after {calls}");
    }

    #[test]
    fn gives_up_at_the_window_or_the_deadline() {
        let mut spin = IdleSpin::new(Duration::from_millis(20));
        let start = Instant::now();
        assert_eq!(spin.poll(None, || None::<()>), None);
        assert!(start.elapsed() < Duration::from_secs(2));
        let start = Instant::now();
        let mut long = IdleSpin::new(Duration::from_secs(60));
        let deadline = Some(start + Duration::from_millis(20));
        assert_eq!(long.poll(deadline, || None::<()>), None);
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn backs_off_when_another_thread_wants_the_cpu() {
        // Keep more threads runnable than there are CPUs, so a yield runs
        // one of them.
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let stop = Arc::new(AtomicBool::new(false));
        let ready = Arc::new(Barrier::new(cpus + 2));
        let hogs: Vec<_> = (0..=cpus)
            .map(|_| {
                let (stop, ready) = (stop.clone(), ready.clone());
                std::thread::spawn(move || {
                    ready.wait();
                    while !stop.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        ready.wait();
        let mut spin = IdleSpin::new(Duration::from_secs(30));
        let start = Instant::now();
        assert_eq!(spin.poll(None, || None::<()>), None);
        let gave_up_after = start.elapsed();
        // Backing off: the next poll does not even try.
        let in_backoff = Instant::now() < spin.backoff_until;
        let mut tried = false;
        let during_backoff = spin.poll(None, || {
            tried = true;
            Some(())
        });
        stop.store(true, Ordering::Relaxed);
        for h in hogs {
            h.join().unwrap();
        }
        // It stopped on contention, long before its 30 s window.
        assert!(gave_up_after < Duration::from_secs(10), "{gave_up_after:?}");
        assert!(spin.backoff_until > start, "no backoff was set");
        assert!(
            !in_backoff || (during_backoff.is_none() && !tried),
            "polled during the backoff"
        );
    }
}
