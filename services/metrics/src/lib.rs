//! # lars-metrics
//!
//! The HTTP endpoint every Lars daemon serves on `[metrics] listen`:
//! `GET /metrics` (Prometheus text exposition, encoded by
//! prometheus-client), `GET /healthz` and paths of the daemon's own (the
//! agent's `/modules`), on a thread of its own with tiny_http, so no async
//! runtime enters the daemons and their event loops are untouched.
//!
//! Request paths count with relaxed atomics ([`AtomicHistogram`], plain
//! `AtomicU64`s, one set per thread where threads are busy); the scrape
//! thread reads and sums them in a [`Collector`](prometheus_client::collector::Collector)
//! written with [`Scrape`].
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `server.rs` | [`MetricsServer`]: the HTTP thread and its routes |
//! | `scrape.rs` | [`Scrape`]: counters, gauges and histograms computed at scrape time |
//! | `histogram.rs` | [`AtomicHistogram`], [`HistogramSnapshot`] |
#![warn(missing_docs)]

mod histogram;
mod scrape;
mod server;

pub use histogram::{AtomicHistogram, HistogramSnapshot, OPERATION_BUCKETS, REQUEST_BUCKETS};
pub use prometheus_client::collector::Collector;
pub use prometheus_client::encoding::DescriptorEncoder;
pub use scrape::{Labels, Scrape};
pub use server::{Health, HttpReply, MetricsServer, PathHandler};
