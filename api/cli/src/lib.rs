//! # lars-cli
//!
//! `lars`: the Lars command-line tools — query the local LB agent
//! (`gethost`, `getroute`, `report`, `example`), load-test it (`simulator`,
//! `qps`), edit the route store (`route`), show the statistics the
//! reporter stored (`status`) and the agent's live state (`top`). `lars --help` lists the tools.
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `args.rs` | the command line as clap types, and the dispatch |
//! | `query.rs` | `gethost`, `getroute`, `report`, `example` |
//! | `simulator.rs` | `simulator`: random failures against the agent |
//! | `qps.rs`, `histogram.rs` | `qps`: the agent benchmark and its latency histogram |
//! | `route.rs`, `route_args.rs` | `route add/del/weight/policy/list/version/demo` on the route store |
//! | `top.rs` | `top`, `agent modules`: the agent's `/modules`, fetched |
//! | `top_view.rs` | the `/modules` JSON as types, and its table |
//! | `status.rs` | `status`: the `ServerCallStatus` rows |
//! | `db.rs`, `db_args.rs` | `db init`: the MySQL database and its least-privilege users |

//! | `main.rs` | the thin binary |
#![warn(missing_docs)]

mod args;
mod db;
mod db_args;
mod histogram;
mod qps;
mod query;
mod route;
mod route_args;
mod simulator;
mod status;
mod top;
mod top_view;

pub use args::{run, Cli, Command};
pub use histogram::Histogram;
pub use simulator::XorShift;
