//! The atomics the shared structs and the concurrency code are written
//! against: loom's under `cfg(loom)`, so the seqlock, the report ring and
//! the pick counters are model-checked exactly as they run, and std's
//! otherwise.

#[cfg(loom)]
pub use loom::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};
#[cfg(not(loom))]
pub use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};
