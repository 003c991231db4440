//! # lars-fuzz
//!
//! Fuzzing that runs on stable Rust and in CI: [proptest] drives the frame
//! decoder and every message handler of the three daemons — lars-dns's
//! `GetRouteRequest` and lars-reporter's `ReportStatusRequest` over TCP,
//! lars-agent's get_host, report and get_route over UDP — with random byte
//! streams and datagrams. Each case asserts that nothing panicked (in any
//! thread: [`PanicWatch`]) and that a valid request sent after the garbage
//! is still answered. The daemons run in this process on 127.0.0.1.
//!
//! `cargo test -p lars-fuzz` runs [`CI_CASES`] cases per target;
//! `make fuzz` runs a million per target in release mode
//! ([`CASES_ENV`] sets the number). A failure prints the shrunk input;
//! `PROPTEST_RNG_SEED` replays a run.
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `cases.rs` | how many cases: [`cases`], [`config`] |
//! | `panics.rs` | [`PanicWatch`]: panics of every thread, counted |
//! | `messages.rs` | arbitrary Lars messages, most aimed at known modules and hosts |
//! | `pieces.rs` | garbage: raw bytes, frames, lying headers, valid messages; streams and datagrams of them |
//! | `tests/frame.rs` | the frame decoder on random buffers and split streams |
//! | `tests/dns.rs`, `tests/reporter.rs`, `tests/agent.rs` | the daemons |
#![warn(missing_docs)]

mod cases;
pub mod messages;
mod panics;
pub mod pieces;

pub use cases::{cases, config, CASES_ENV, CI_CASES};
pub use panics::PanicWatch;
