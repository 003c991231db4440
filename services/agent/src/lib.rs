//! # lars-agent
//!
//! The LoadBalance agent: answers the API over UDP (three ports, one route
//! table each), picks hosts, learns overload from reported results, keeps
//! routes fresh from the DNS service and sends statistics to the reporter.
//!
//! ## Threads
//! * three table threads, each a UDP server with its own [`lb::RouteTable`]
//!   (module → table [`ModuleId::agent_port_index`](lars_proto::ModuleId::agent_port_index));
//!   the request path takes no lock;
//! * the DNS link thread (a reconnecting TCP client with failover);
//! * the reporter link thread (a reconnecting TCP client);
//! * with `[metrics] listen`, the HTTP thread (docs/AGENT_HTTP.md).
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `lb/` | the load-balancing core, pure code with injected time |
//! | `config.rs` | [`AgentConfig`] from `conf/lars_lb_agent.conf` |
//! | `clock.rs` | [`Clock`]: the injected clocks, real or manual |
//! | `caller.rs` | this host's IPv4 for reports |
//! | `messages.rs` | what the threads send each other |
//! | `table_thread.rs` | a UDP server and its table |
//! | `dns_link.rs` | the DNS client thread |
//! | `reporter_link.rs` | the reporter client thread |
//! | `metrics.rs` | [`metrics::AgentMetrics`]: counters per thread, written out on scrape |
//! | `modules_view.rs` | the `/modules` JSON of a table |
//! | `http.rs` | the `[metrics] listen` endpoint: `/metrics`, `/healthz`, `/modules` |
//! | `snapshot.rs` | a table's routes as a file (`[agent] snapshot_dir`), checked on reading |
//! | `snapshot_io.rs` | reading the files at start, writing them atomically |
//! | `agent.rs` | [`Agent`]: start and stop |
#![warn(missing_docs)]

mod agent;
mod caller;
mod clock;
mod config;
mod dns_link;
mod http;
pub mod lb;
mod messages;
pub mod metrics;
pub mod modules_view;
mod reporter_link;
pub mod shm;
pub mod snapshot;
mod snapshot_io;
mod table_thread;

pub use agent::Agent;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{AgentConfig, DEFAULT_IDLE_SPIN_US};
pub use reporter_link::to_request;
