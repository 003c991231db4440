//! # lars-api
//!
//! The Lars client library: a caller asks the LB agent on its own host which
//! host of a module (modid, cmdid) to call, and tells it how the call went
//! (docs/PROTOCOL.md). It speaks the original's UDP protocol byte for byte, so it
//! works with the C++ agent too — but, unlike the original, no call ever
//! blocks forever: answers are awaited for [`ClientOptions::timeout`]
//! (50 ms by default).
//!
//! ```no_run
//! use lars_api::{LarsClient, ModuleId, RetCode};
//!
//! let mut client = LarsClient::new()?;
//! let module = ModuleId::new(1, 1);
//! client.reg_init(module); // so the first get_host does not miss
//! match client.get_host(module)? {
//!     (RetCode::Succ, Some(host)) => {
//!         println!("calling {host}");
//!         client.report(module, host, RetCode::Succ)?;
//!     }
//!     (code, _) => println!("no host: {code}"),
//! }
//! for host in client.get_route(module)? {
//!     println!("module {module} has {host}");
//! }
//! # Ok::<(), lars_api::ApiError>(())
//! ```
//!
//! This crate is the client library alone: it depends on the protocol
//! crate and `lars-idle-spin`, never on the event loop, a database client
//! or a command-line parser. The `lars` tools are the `lars-cli` crate.
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `src/client.rs` | [`LarsClient`]: the four API calls |
//! | `src/transport.rs` | three connected UDP sockets, deadline receive |
//! | `src/fast_path.rs` | picks, reports and routes through the agent's shared memory (docs/SHM.md) |
//! | `src/attach.rs` | asking the agent for its segments without waiting |
//! | `src/types.rs` | [`ClientOptions`], [`OptionsError`], [`ApiError`] |
#![warn(missing_docs)]

mod attach;
mod client;
mod fast_path;
mod transport;
mod types;

pub use client::{LarsClient, REG_INIT_ATTEMPTS, REG_INIT_INTERVAL};
pub use lars_proto::{
    hash_key, HostAddr, ModuleId, Policy, RetCode, Route, RouteHost, RoutePolicy, Weight,
    AGENT_PORTS,
};
pub use types::{ApiError, ClientOptions, OptionsError, Transport};
