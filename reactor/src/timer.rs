//! A timer queue ordered by deadline. Pure: time is passed in, nothing here
//! reads the clock, so it is tested without sleeping.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

/// Identifies a timer so it can be cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(u64);

struct Entry<T> {
    deadline: Instant,
    period: Option<Duration>,
    item: T,
}

/// Timers of payload `T`, fired in deadline order (insertion order on ties).
///
/// Cancelled timers are removed from the index at once and skipped lazily in
/// the heap.
pub struct TimerQueue<T> {
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    entries: HashMap<u64, Entry<T>>,
    next_id: u64,
}

/// A timer that has come due, taken out of the queue.
pub struct Expired<T> {
    /// Its id (still valid for [`TimerQueue::reinsert`]).
    pub id: TimerId,
    /// The deadline it was due at.
    pub deadline: Instant,
    /// `Some(period)` for a repeating timer.
    pub period: Option<Duration>,
    /// The payload.
    pub item: T,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        TimerQueue {
            heap: BinaryHeap::new(),
            entries: HashMap::new(),
            next_id: 0,
        }
    }
}

impl<T> TimerQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a timer due at `deadline`, repeating every `period` if given.
    pub fn add(&mut self, deadline: Instant, period: Option<Duration>, item: T) -> TimerId {
        let id = self.next_id;
        self.next_id += 1;
        self.insert(id, deadline, period, item);
        TimerId(id)
    }

    /// Puts back a repeating timer under its old id with a new deadline.
    pub fn reinsert(&mut self, expired: Expired<T>, deadline: Instant) {
        self.insert(expired.id.0, deadline, expired.period, expired.item);
    }

    /// Removes a timer; returns its payload if it was still pending.
    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        self.entries.remove(&id.0).map(|e| e.item)
    }

    /// Number of pending timers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The earliest pending deadline.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        self.skip_cancelled();
        self.heap.peek().map(|Reverse((d, _))| *d)
    }

    /// How long a poll may sleep from `now` before the next timer is due.
    pub fn timeout_from(&mut self, now: Instant) -> Option<Duration> {
        self.next_deadline()
            .map(|d| d.saturating_duration_since(now))
    }

    /// Takes out the earliest timer whose deadline is at or before `now`.
    pub fn pop_expired(&mut self, now: Instant) -> Option<Expired<T>> {
        self.skip_cancelled();
        let Reverse((deadline, id)) = *self.heap.peek()?;
        if deadline > now {
            return None;
        }
        self.heap.pop();
        let entry = self.entries.remove(&id)?;
        Some(Expired {
            id: TimerId(id),
            deadline: entry.deadline,
            period: entry.period,
            item: entry.item,
        })
    }

    fn insert(&mut self, id: u64, deadline: Instant, period: Option<Duration>, item: T) {
        self.heap.push(Reverse((deadline, id)));
        self.entries.insert(
            id,
            Entry {
                deadline,
                period,
                item,
            },
        );
    }

    /// Drops heap entries whose timer was cancelled or re-armed.
    fn skip_cancelled(&mut self) {
        while let Some(Reverse((deadline, id))) = self.heap.peek() {
            match self.entries.get(id) {
                Some(e) if e.deadline == *deadline => return,
                _ => {
                    self.heap.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_in_deadline_order_then_insertion_order() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        q.add(t0 + Duration::from_millis(30), None, "c");
        q.add(t0 + Duration::from_millis(10), None, "a");
        q.add(t0 + Duration::from_millis(20), None, "b1");
        q.add(t0 + Duration::from_millis(20), None, "b2");
        assert!(q.pop_expired(t0).is_none());
        let mut fired = Vec::new();
        while let Some(e) = q.pop_expired(t0 + Duration::from_millis(25)) {
            fired.push(e.item);
        }
        assert_eq!(fired, ["a", "b1", "b2"]);
        assert_eq!(q.timeout_from(t0), Some(Duration::from_millis(30)));
    }

    #[test]
    fn cancelled_timers_do_not_fire() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        let a = q.add(t0, None, 1);
        q.add(t0, None, 2);
        assert_eq!(q.cancel(a), Some(1));
        assert_eq!(q.cancel(a), None);
        assert_eq!(q.pop_expired(t0).map(|e| e.item), Some(2));
        assert!(q.is_empty());
        assert_eq!(q.next_deadline(), None);
    }

    #[test]
    fn repeating_timer_is_reinserted_under_same_id() {
        let t0 = Instant::now();
        let p = Duration::from_millis(5);
        let mut q = TimerQueue::new();
        let id = q.add(t0 + p, Some(p), ());
        let e = q.pop_expired(t0 + p).unwrap();
        assert_eq!(e.id, id);
        let next = e.deadline + p;
        q.reinsert(e, next);
        assert!(q.pop_expired(t0 + p).is_none());
        assert!(q.cancel(id).is_some());
        assert!(q.pop_expired(t0 + p * 10).is_none());
    }
}
