//! The seqlock that publishes a module view: one writer (the agent's table
//! thread), any number of readers in other processes, no lock anyone could
//! hold while crashing.
//!
//! Writer: `seq` odd, Release fence, the view words (Relaxed), `seq` even
//! (Release). Reader: `s1 = seq` (Acquire), odd → retry; the words it needs
//! (Relaxed); Acquire fence; `seq == s1` → what it read is one whole view.
//!
//! Why that is enough: a reader that sees any word of a write (or later)
//! synchronizes, through the writer's Release fence and its own Acquire
//! fence, with the odd store before it, so its second `seq` load cannot
//! return the even `s1` it started from. A reader that sees `s1` even
//! (Acquire) sees every word of the writes before it.

use crate::sync::{fence, AtomicU64, Ordering};

/// How many times a reader tries before it gives up (the caller then asks
/// over UDP). Small under loom to keep the model small.
#[cfg(not(loom))]
pub const READ_TRIES: u32 = 8;
/// How many times a reader tries before it gives up (the caller then asks
/// over UDP). Small under loom to keep the model small.
#[cfg(loom)]
pub const READ_TRIES: u32 = 2;

/// Starts a write: makes `seq` odd. Returns the even value
/// [`write_end`] stores. Only the one writer calls it.
///
/// A `seq` left odd (by a writer that did not finish, or by anyone else
/// writing into the segment) is rounded down, so the write still ends
/// even.
#[inline]
pub fn write_begin(seq: &AtomicU64) -> u64 {
    let even = seq.load(Ordering::Relaxed) & !1;
    seq.store(even.wrapping_add(1), Ordering::Relaxed);
    fence(Ordering::Release);
    even.wrapping_add(2)
}

/// Ends a write started by [`write_begin`]: publishes the words stored
/// since.
#[inline]
pub fn write_end(seq: &AtomicU64, end: u64) {
    seq.store(end, Ordering::Release);
}

/// Starts a read: the sequence number to validate against, `None` while a
/// write is in progress.
#[inline]
pub fn read_begin(seq: &AtomicU64) -> Option<u64> {
    let s = seq.load(Ordering::Acquire);
    (s & 1 == 0).then_some(s)
}

/// Ends a read started by [`read_begin`] at `start`: true when no write
/// happened meanwhile, so every word read in between belongs to one view.
#[inline]
pub fn read_valid(seq: &AtomicU64, start: u64) -> bool {
    fence(Ordering::Acquire);
    seq.load(Ordering::Relaxed) == start
}

/// Lets a retrying reader wait a little for the writer.
#[inline]
pub fn backoff() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::hint::spin_loop();
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_write_is_odd_until_it_ends() {
        let seq = AtomicU64::new(0);
        let start = read_begin(&seq).unwrap();
        let end = write_begin(&seq);
        assert_eq!(read_begin(&seq), None);
        assert!(!read_valid(&seq, start));
        write_end(&seq, end);
        assert_eq!(read_begin(&seq), Some(2));
        assert!(read_valid(&seq, 2));
    }

    #[test]
    fn an_odd_leftover_still_ends_even() {
        let seq = AtomicU64::new(7);
        let end = write_begin(&seq);
        assert_eq!(seq.load(Ordering::Relaxed), 7);
        write_end(&seq, end);
        assert_eq!(seq.load(Ordering::Relaxed), 8);
        let seq = AtomicU64::new(u64::MAX - 1);
        let end = write_begin(&seq);
        write_end(&seq, end);
        assert_eq!(read_begin(&seq), Some(0));
    }
}
