//! # lars-agent
//!
//! The LoadBalance agent: answers the API over UDP (three ports, one route
//! table each), picks hosts, learns overload from reported results, keeps
//! routes fresh from the DNS service and sends statistics to the reporter.
//!
//! ## Threads
//! * three table threads, each a UDP server with its own [`lb::RouteTable`]
//!   (module → table `(modid + cmdid) mod 3`); the request path takes no lock;
//! * the DNS link thread (a reconnecting TCP client with failover);
//! * the reporter link thread (a reconnecting TCP client).
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `lb/` | the load-balancing core, pure code with injected time |
//! | `config.rs` | [`AgentConfig`] from `conf/lars_lb_agent.conf` |
//! | `clock.rs` | the only place clocks are read |
//! | `caller.rs` | this host's IPv4 for reports |
//! | `messages.rs` | what the threads send each other |
//! | `table_thread.rs` | a UDP server and its table |
//! | `dns_link.rs` | the DNS client thread |
//! | `reporter_link.rs` | the reporter client thread |
//! | `agent.rs` | [`Agent`]: start and stop |
#![warn(missing_docs)]

pub mod agent;
pub mod caller;
pub mod clock;
pub mod config;
pub mod dns_link;
pub mod lb;
pub mod messages;
pub mod reporter_link;
pub mod table_thread;

pub use agent::Agent;
pub use config::AgentConfig;
