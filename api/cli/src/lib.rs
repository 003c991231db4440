//! # lars-cli
//!
//! `lars`: the Lars command-line tools — query the local LB agent
//! (`gethost`, `getroute`, `report`, `example`), load-test it (`simulator`,
//! `qps`), edit the route store (`route`) and show the statistics the
//! reporter stored (`status`). `lars --help` lists the tools.
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `args.rs` | the command line as clap types, and the dispatch |
//! | `query.rs` | `gethost`, `getroute`, `report`, `example` |
//! | `simulator.rs` | `simulator`: random failures against the agent |
//! | `qps.rs`, `histogram.rs` | `qps`: the agent benchmark and its latency histogram |
//! | `route.rs` | `route add/del/list/version/demo` on the route store |
//! | `status.rs` | `status`: the `ServerCallStatus` rows |

//! | `main.rs` | the thin binary |
#![warn(missing_docs)]

mod args;
mod histogram;
mod qps;
mod query;
mod route;
mod simulator;
mod status;

pub use args::{run, Cli, Command};
pub use histogram::Histogram;
pub use simulator::XorShift;
