//! `lars-shm`: the shared-memory layout and protocol of the agent's
//! same-host fast path.
//!
//! One segment per agent table (a file, by default under `/dev/shm`),
//! written by that table's thread only:
//!
//! * **module views**, published under a per-slot seqlock: mode, hosts,
//!   the rotation of idle hosts, the overloaded hosts and the probe flag.
//!   A client [`Attached`] to the segment picks a host from memory by the
//!   SPEC §7 rules ([`pick`](pick::pick)), advancing per-module counters
//!   with `fetch_add`, without a system call;
//! * **report rings**, one single-producer single-consumer ring per client
//!   slot: clients push call results, the agent [drains](Segment::drain)
//!   them into its route table.
//!
//! The agent side is [`Segment`], the client side [`Attached`]. Only atomics
//! live in the segment, and every value read from it is bounded before
//! use: a corrupt or hostile writer can make a client ask over UDP, never
//! read out of bounds. The concurrency code ([`seqlock`], [`ring`],
//! [`pick`]) is written against [`sync`], so it is model-checked by loom
//! (`RUSTFLAGS="--cfg loom"`; the file and mapping code is left out then).

#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod doorbell;
pub mod geometry;
pub mod layout;
pub mod pick;
pub mod ring;
pub mod seqlock;
pub mod sync;
pub mod view;

#[cfg(not(loom))]
mod attached;
#[cfg(not(loom))]
mod clients;
#[cfg(not(loom))]
#[allow(unsafe_code)]
mod mapping;
#[cfg(not(loom))]
mod segment;

#[cfg(not(loom))]
pub use attached::{AttachError, Attached};
#[cfg(not(loom))]
pub use clients::{pid_alive, DrainStats};
pub use geometry::Geometry;
pub use pick::ShmPick;
pub use ring::ReportEntry;
#[cfg(not(loom))]
pub use segment::{PublishError, Segment};
pub use view::{ModuleMode, PublishedModule};

/// The first word of every segment: the bytes `LARSSHM\0`, big-endian.
pub const MAGIC: u64 = u64::from_be_bytes(*b"LARSSHM\0");

/// The layout this crate reads and writes.
pub const LAYOUT_VERSION: u32 = 1;

/// A heartbeat more than this many ms behind the client's wall clock means
/// the agent stopped serving the segment.
pub const HEARTBEAT_STALE_MS: u64 = 2000;

/// The clock heartbeats are stamped and checked with: the system's wall
/// clock in ms since the Unix epoch, the one clock every process of the
/// host shares (0 before 1970).
pub fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
