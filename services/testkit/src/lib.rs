//! # lars-testkit
//!
//! The one set of helpers the workspace's tests share: free ports, waiting
//! for a condition with a deadline, scratch directories, blocking frame
//! clients over TCP and UDP, a fake LB agent, a TCP proxy that can be cut
//! to simulate an outage, per-test SQLite files and MariaDB databases, and
//! reading a process's resident memory.
//!
//! Every wait here has a deadline; nothing blocks for ever.
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `wait.rs` | [`wait_until`] |
//! | `ports.rs` | free TCP ports, three consecutive free UDP ports |
//! | `scratch.rs` | [`ScratchDir`]: a temporary directory removed on drop |
//! | `client.rs` | blocking frame clients: [`client::FrameClient`], [`client::DatagramClient`] |
//! | `fake_agent.rs` | [`fake_agent::FakeAgent`]: three UDP ports answering like an agent |
//! | `http.rs` | [`http::http_get`], [`http::Exposition`]: the daemons' HTTP endpoints |
//! | `proxy.rs` | [`proxy::TcpProxy`]: a proxy that can be cut and restored |
//! | `stores.rs` | per-test stores (feature `stores`) |
//! | `rss.rs` | [`proc_status_kib`]: VmRSS / VmHWM of this process |
#![warn(missing_docs)]

pub mod client;
pub mod fake_agent;
pub mod http;
pub mod ports;
pub mod proxy;
mod rss;
mod scratch;
#[cfg(feature = "stores")]
pub mod stores;
mod wait;

pub use ports::{bind_udp_triple, free_tcp_port, free_udp_base, UdpTriple};
pub use rss::proc_status_kib;
pub use scratch::ScratchDir;
pub use wait::wait_until;
