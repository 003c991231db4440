//! A client slot's report ring: single producer (one client object, its
//! threads serialized by an in-process try-lock), single consumer (the
//! agent's table thread), atomics only.
//!
//! Producer: its own `head`, `tail` (Acquire); full when
//! `head - tail == capacity`; the entry's words (Relaxed) at
//! `head % capacity`; then `head + 1` (Release). Consumer: `head`
//! (Acquire); more than `capacity` ahead of its tail (or behind it) is a
//! malformed ring; the entries (Relaxed); then `tail` (Release). An entry
//! is visible to the consumer only after its head store, so a producer
//! killed while writing publishes nothing half-made.

use lars_proto::{HostAddr, ModuleId};

use crate::layout::{ClientHead, RingIndex, ENTRY_WORDS};
use crate::sync::{AtomicU64, Ordering};

/// The bit of an entry's host word that says a latency is present. Host
/// keys (`ip << 32 | port`) never set it.
pub const HAS_LATENCY: u64 = 1 << 16;

/// One call result a client reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportEntry {
    /// The module called.
    pub module: ModuleId,
    /// The host called.
    pub host: HostAddr,
    /// The call's return code (0 success).
    pub retcode: i32,
    /// The call's latency in µs, when measured.
    pub latency_us: Option<u32>,
}

impl ReportEntry {
    /// The entry's three ring words: module key; host key with
    /// [`HAS_LATENCY`]; `retcode << 32 | latency`.
    pub fn to_words(&self) -> [u64; ENTRY_WORDS] {
        let flag = if self.latency_us.is_some() {
            HAS_LATENCY
        } else {
            0
        };
        [
            self.module.key(),
            self.host.key() | flag,
            u64::from(self.retcode as u32) << 32 | u64::from(self.latency_us.unwrap_or(0)),
        ]
    }

    /// The entry of three ring words (any words decode; the agent checks
    /// module and host against its tables).
    pub fn from_words(words: [u64; ENTRY_WORDS]) -> ReportEntry {
        ReportEntry {
            module: ModuleId::from_key(words[0]),
            host: HostAddr::from_key(words[1] & !HAS_LATENCY),
            retcode: (words[2] >> 32) as u32 as i32,
            latency_us: (words[1] & HAS_LATENCY != 0).then_some(words[2] as u32),
        }
    }
}

/// One ring's parts. In a segment they point into the mapping; the model
/// tests build them on the heap.
#[derive(Debug, Clone, Copy)]
pub struct RingRef<'a> {
    /// Entries pushed; written by the producer only.
    pub head: &'a RingIndex,
    /// Entries consumed; written by the consumer only.
    pub tail: &'a RingIndex,
    /// `capacity * 3` words.
    pub entries: &'a [AtomicU64],
}

/// One client slot: its head line and its ring.
#[derive(Debug, Clone, Copy)]
pub struct ClientRef<'a> {
    /// State, owner pid and ticket.
    pub head: &'a ClientHead,
    /// The report ring.
    pub ring: RingRef<'a>,
}

/// The consumer found a ring whose head is more than its capacity ahead
/// of the tail, or behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed {
    /// The head it found.
    pub head: u64,
}

impl RingRef<'_> {
    /// Entries the ring holds.
    #[inline]
    pub fn capacity(&self) -> u64 {
        (self.entries.len() / ENTRY_WORDS) as u64
    }

    /// The words of entry `position` (taken modulo the capacity).
    #[inline]
    fn slot(&self, position: u64) -> &[AtomicU64] {
        let start = (position % self.capacity().max(1)) as usize * ENTRY_WORDS;
        self.entries.get(start..start + ENTRY_WORDS).unwrap_or(&[])
    }

    /// Producer, step 1: the position the next entry goes to, `None` when
    /// the ring is full (or its tail is nonsense).
    #[inline]
    pub fn reserve(&self) -> Option<u64> {
        let head = self.head.value.load(Ordering::Relaxed);
        let tail = self.tail.value.load(Ordering::Acquire);
        (head.wrapping_sub(tail) < self.capacity()).then_some(head)
    }

    /// Producer, step 2: writes the entry at `position` (invisible to the
    /// consumer until [`commit`](Self::commit)).
    #[inline]
    pub fn write(&self, position: u64, words: [u64; ENTRY_WORDS]) {
        for (word, value) in self.slot(position).iter().zip(words) {
            word.store(value, Ordering::Relaxed);
        }
    }

    /// Producer, step 3: publishes the entry at `position`.
    #[inline]
    pub fn commit(&self, position: u64) {
        self.head
            .value
            .store(position.wrapping_add(1), Ordering::Release);
    }

    /// Producer: pushes one entry; false when the ring is full.
    pub fn push(&self, words: [u64; ENTRY_WORDS]) -> bool {
        match self.reserve() {
            Some(position) => {
                self.write(position, words);
                self.commit(position);
                true
            }
            None => false,
        }
    }

    /// Consumer: hands up to `max` published entries to `sink` in order,
    /// advancing `tail` (the consumer's own copy, stored back with
    /// Release). A malformed head consumes nothing; the caller then
    /// [resets](Self::skip_to) the ring.
    pub fn pop(
        &self,
        tail: &mut u64,
        max: usize,
        mut sink: impl FnMut([u64; ENTRY_WORDS]),
    ) -> Result<usize, Malformed> {
        let head = self.head.value.load(Ordering::Acquire);
        let available = head.wrapping_sub(*tail);
        if available > self.capacity() {
            return Err(Malformed { head });
        }
        let n = available.min(max as u64);
        for i in 0..n {
            let mut words = [0u64; ENTRY_WORDS];
            for (value, word) in words.iter_mut().zip(self.slot(tail.wrapping_add(i))) {
                *value = word.load(Ordering::Relaxed);
            }
            sink(words);
        }
        if n > 0 {
            *tail = tail.wrapping_add(n);
            self.tail.value.store(*tail, Ordering::Release);
        }
        Ok(n as usize)
    }

    /// Consumer: drops everything up to `head` (after [`Malformed`]).
    pub fn skip_to(&self, tail: &mut u64, head: u64) {
        *tail = head;
        self.tail.value.store(head, Ordering::Release);
    }

    /// Empties the ring (the agent, before it gives the slot to a client).
    pub fn reset(&self, tail: &mut u64) {
        *tail = 0;
        self.head.value.store(0, Ordering::Relaxed);
        self.tail.value.store(0, Ordering::Relaxed);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_words() {
        let entry = ReportEntry {
            module: ModuleId::new(-3, 7),
            host: "255.1.2.3:65535".parse().unwrap(),
            retcode: -1,
            latency_us: Some(u32::MAX),
        };
        let words = entry.to_words();
        assert_eq!(words[0], 0xFFFF_FFFD_0000_0007);
        assert_eq!(words[1], 0xFF01_0203_0001_FFFF);
        assert_eq!(words[2], 0xFFFF_FFFF_FFFF_FFFF);
        assert_eq!(ReportEntry::from_words(words), entry);
        let plain = ReportEntry {
            latency_us: None,
            retcode: 1,
            ..entry
        };
        assert_eq!(plain.to_words()[1], 0xFF01_0203_0000_FFFF);
        assert_eq!(plain.to_words()[2], 1 << 32);
        assert_eq!(ReportEntry::from_words(plain.to_words()), plain);
    }

    fn ring(entries: &[AtomicU64]) -> (RingIndex, RingIndex) {
        assert_eq!(entries.len() % ENTRY_WORDS, 0);
        (RingIndex::new(), RingIndex::new())
    }

    #[test]
    fn pushes_stop_when_full_and_pops_keep_order_across_wraps() {
        let entries: Vec<AtomicU64> = (0..6).map(|_| AtomicU64::new(0)).collect();
        let (head, tail) = ring(&entries);
        let r = RingRef {
            head: &head,
            tail: &tail,
            entries: &entries,
        };
        let mut consumed = 0u64;
        let mut got = Vec::new();
        for round in 0..3u64 {
            assert!(r.push([round, 1, 2]));
            assert!(r.push([round, 3, 4]));
            assert!(!r.push([round, 5, 6]), "capacity 2");
            assert_eq!(r.pop(&mut consumed, 1, |w| got.push(w)), Ok(1));
            assert!(r.push([round, 7, 8]));
            assert_eq!(r.pop(&mut consumed, 10, |w| got.push(w)), Ok(2));
        }
        assert_eq!(consumed, 9);
        assert_eq!(got.len(), 9);
        assert_eq!(&got[..3], &[[0, 1, 2], [0, 3, 4], [0, 7, 8]]);
        assert_eq!(got[8], [2, 7, 8]);
    }

    #[test]
    fn a_head_too_far_ahead_or_behind_is_malformed() {
        let entries: Vec<AtomicU64> = (0..6).map(|_| AtomicU64::new(0)).collect();
        let (head, tail) = ring(&entries);
        let r = RingRef {
            head: &head,
            tail: &tail,
            entries: &entries,
        };
        let mut consumed = 5;
        head.value.store(8, Ordering::Relaxed);
        assert_eq!(
            r.pop(&mut consumed, 10, |_| panic!()),
            Err(Malformed { head: 8 })
        );
        head.value.store(4, Ordering::Relaxed);
        assert_eq!(
            r.pop(&mut consumed, 10, |_| panic!()),
            Err(Malformed { head: 4 })
        );
        r.skip_to(&mut consumed, 4);
        assert_eq!(tail.value.load(Ordering::Relaxed), 4);
        assert_eq!(r.pop(&mut consumed, 10, |_| panic!()), Ok(0));
    }
}
