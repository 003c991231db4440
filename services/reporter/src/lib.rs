//! # lars-reporter
//!
//! The report service: receives per-host call statistics from the agents
//! (`ID_ReportStatusRequest`) and upserts them into `ServerCallStatus`.
//!
//! Unlike the original (one SQL statement and a ping per host result, an
//! unbounded queue, writer threads that reorder one module's updates), it
//! coalesces updates in memory — the latest value per (modid, cmdid, ip,
//! port, caller) wins — and writes them in multi-row transactions; every
//! queue and map is bounded; one module always goes to the same writer, so
//! its updates stay ordered; while the store is down it keeps accepting
//! and coalescing reports and retries with backoff; and when a writer's
//! queue is full the connections feeding it pause reading (TCP slows the
//! agents down) instead of dropping what they sent.
//!
//! ```text
//! network threads ──try_send──▶ queue i ──▶ drainer i ──▶ Coalescer i ──▶ writer i ──▶ store
//!   (writer i = hash(modid, cmdid) % db_thread_cnt)
//!   full: pause the connection ◀── Room i resumes it at half capacity
//! ```
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `config.rs` | [`ReporterConfig`] from `conf/lars_reporter.conf` |
//! | `coalescer.rs` | [`Coalescer`]: latest value per key, bounded, restore (pure) |
//! | `flush.rs` | [`FlushPolicy`] and [`Backoff`]: when to flush, when to retry (pure) |
//! | `ingest.rs` | request → rows, module → writer, non-blocking queueing |
//! | `room.rs` | the connections paused until a full queue has room again |
//! | `handlers.rs` | the `ID_ReportStatusRequest` handler; pausing and resuming |
//! | `shard.rs` | a writer's shared state and its drainer thread |
//! | `writer.rs` | the writer thread: flush, outage, recovery, final flush |
//! | `stats.rs` | counters: [`ReporterStats`] |
//! | `metrics.rs` | `/metrics` and `/healthz` |
//! | `service.rs` | [`ReporterService`]: start and stop |
//! | `bin/lars-reporter.rs` | the daemon: one [`lars_daemon::run`] call |
#![warn(missing_docs)]

mod coalescer;
mod config;
mod flush;
mod handlers;
mod ingest;
mod metrics;
mod room;
mod service;
mod shard;
mod stats;
mod writer;

pub use coalescer::{Coalescer, Merge, StatusKey};
pub use config::{ReporterConfig, KNOWN_KEYS, ORIGINAL_SECTION, SECTION};
pub use flush::{Backoff, FlushPolicy};
pub use ingest::{writer_of, MAX_ROWS_PER_ITEM};
pub use service::ReporterService;
pub use stats::ReporterStats;
pub use writer::StoreOpener;
