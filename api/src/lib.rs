//! # lars-api
//!
//! The Lars client library: a caller asks the LB agent on its own host which
//! host of a module (modid, cmdid) to call, and tells it how the call went
//! (SPEC §8). It speaks the original's UDP protocol byte for byte, so it
//! works with the C++ agent too — but, unlike the original, no call ever
//! blocks forever: answers are awaited for [`ClientOptions::timeout`]
//! (50 ms by default).
//!
//! ```no_run
//! use lars_api::{LarsClient, RetCode};
//!
//! let mut client = LarsClient::new()?;
//! client.reg_init(1, 1); // so the first get_host does not miss
//! match client.get_host(1, 1)? {
//!     (RetCode::Succ, Some(host)) => {
//!         println!("calling {host}");
//!         client.report(1, 1, host, RetCode::Succ)?;
//!     }
//!     (code, _) => println!("no host: {code}"),
//! }
//! for host in client.get_route(1, 1)? {
//!     println!("module 1/1 has {host}");
//! }
//! # Ok::<(), lars_api::ApiError>(())
//! ```
//!
//! The `lars` binary's tools (`gethost`, `simulator`, `qps`, `route` …) are
//! in [`cli`].
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `src/client.rs` | [`LarsClient`], [`ClientOptions`]: the four API calls |
//! | `src/transport.rs` | three connected UDP sockets, deadline receive, [`socket_index`] |
//! | `src/types.rs` | [`RetCode`], [`ApiError`], host ⇄ wire [`HostInfo`](lars_proto::HostInfo) |
//! | `src/cli/mod.rs` | the `lars` command line ([`cli::Cli`]) and its dispatch |
//! | `src/cli/query.rs` | `gethost`, `getroute`, `report`, `example` |
//! | `src/cli/simulator.rs` | `simulator`: random failures against the agent |
//! | `src/cli/qps.rs`, `src/cli/histogram.rs` | `qps`: the agent benchmark and its latency histogram |
//! | `src/cli/route.rs` | `route add/del/list/version` on the route store |
//! | `src/bin/lars.rs` | the thin binary |
#![warn(missing_docs)]

mod client;
mod transport;
mod types;

pub mod cli;

pub use client::{ClientOptions, LarsClient, REG_INIT_ATTEMPTS, REG_INIT_INTERVAL};
pub use transport::{socket_index, AGENT_PORTS};
pub use types::{host_from_wire, host_to_wire, ApiError, RetCode};
