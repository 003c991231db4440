//! # lars-reactor
//!
//! An event-loop networking library on [mio]: **one loop per thread**,
//! framed TCP and UDP servers and clients, a message router, timers,
//! cross-thread queues, a pool of loop threads and an INI config reader.
//!
//! Every message on the wire is a frame: an 8-byte little-endian header
//! (msgid `i32`, body length `i32`) and a protobuf body of at most 65527
//! bytes ([`frame`], docs/PROTOCOL.md §1). Handlers are registered per
//! msgid on a [`MsgRouter`].
//!
//! ## Threads
//! An [`EventLoop`] belongs to the thread that runs it and is not `Send`;
//! functions taking `&mut EventLoop` are "loop thread only". Other threads
//! use a cloneable [`LoopHandle`] (post a closure, stop the loop), a
//! [`ThreadQueue`] (push items drained in one callback) or a [`ConnHandle`]
//! (send on a connection) — these are "safe from any thread".
//!
//! ## Example: an echo server and one request
//! ```
//! use std::io::{Read, Write};
//! use lars_reactor::{frame, Handlers, MsgRouter, ServerConfig, TcpConn, TcpServer};
//!
//! let config = ServerConfig::new("echo", "127.0.0.1:0".parse().unwrap());
//! let server = TcpServer::start(config, || {
//!     let mut router = MsgRouter::new();
//!     router
//!         .on_raw(1, |conn: &mut TcpConn, body: &[u8]| {
//!             let _ = conn.send_raw(1, body);
//!         })
//!         .unwrap();
//!     Handlers::new(router)
//! })
//! .unwrap();
//!
//! let mut stream = std::net::TcpStream::connect(server.local_addr()).unwrap();
//! let mut request = Vec::new();
//! frame::encode_raw_frame(1, b"hello", &mut request).unwrap();
//! stream.write_all(&request).unwrap();
//! let mut reply = vec![0u8; request.len()];
//! stream.read_exact(&mut reply).unwrap();
//! assert_eq!(reply, request);
//! ```
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `buffer.rs` | input and output byte buffers that reuse capacity |
//! | `event_loop.rs` | [`EventLoop`]: sources, tasks, timers |
//! | `loop_handle.rs` | [`LoopHandle`]: post, call, stop from any thread |
//! | `timer.rs` | the deadline-ordered [`TimerQueue`] |
//! | `router.rs` | [`MsgRouter`]: msgid → handler |
//! | `tcp_conn.rs` | [`TcpConn`]: one framed connection |
//! | `tcp_conn/flow.rs` | pausing and resuming reading (back-pressure) |
//! | `handlers.rs` | [`Handlers`]: router and connect/close hooks |
//! | `conn_handle.rs` | [`ConnHandle`]: send on a connection from any thread |
//! | `tcp_server.rs` | [`TcpServer`]: acceptor + worker loops |
//! | `server_config.rs` | [`ServerConfig`], the `[reactor]` keys and their bounds |
//! | `acceptor.rs` | accepting, admission, refusals (counted, logged throttled) |
//! | `admission.rs` | the limits on open connections: total, per address (pure) |
//! | `allow_list.rs` | [`AllowList`]: who may connect, as CIDR blocks (pure) |
//! | `server_conn.rs` | a server connection on its worker; the deadline sweep |
//! | `conn_deadline.rs` | idle and unfinished-frame deadlines (pure) |
//! | `server_stats.rs` | [`OpenConnections`]: open, refused, timed out |
//! | `tcp_client.rs` | [`TcpClient`]: reconnecting client |
//! | `client_config.rs` | [`ClientConfig`], [`Keepalive`] |
//! | `backoff.rs` | [`ReconnectBackoff`]: delays that always back off, with jitter (pure) |
//! | `udp_server.rs`, `udp_client.rs` | datagram endpoints, [`UdpServer`] with its state |
//! | `thread_queue.rs` | [`ThreadQueue`]: many producers, one loop |
//! | `thread_pool.rs` | [`LoopThread`], [`ThreadPool`] |
//! | `config.rs` | [`Config`]: INI with typed and ranged getters |
//! | `config_error.rs` | [`ConfigError`]: what is wrong, at which file and line |
//! | `ini.rs` | the INI syntax, strict, with line numbers |
//! | `known_keys.rs` | [`KnownSection`]: the keys a program reads; the rest is refused |
//! | `log_throttle.rs` | rate-limited warnings for peer-triggered events |
//! | `echo.rs` | the echo service of the QPS test (feature `echo`) |
//!
//! The frame codec is [`lars_proto::frame`], re-exported as [`frame`];
//! [`IdleSpin`] comes from the `lars-idle-spin` crate.
#![warn(missing_docs)]

mod acceptor;
mod admission;
mod allow_list;
mod backoff;
mod buffer;
mod client_config;
mod config;
mod config_error;
mod conn_deadline;
mod conn_handle;
#[cfg(feature = "echo")]
mod echo;
mod event_loop;
mod handlers;
mod ini;
mod known_keys;
mod log_throttle;
mod loop_handle;
mod router;
mod server_config;
mod server_conn;
mod server_stats;
mod tcp_client;
mod tcp_conn;
mod tcp_server;
mod thread_pool;
mod thread_queue;
mod timer;
mod udp_client;
mod udp_server;

pub use admission::RefusalReason;
pub use allow_list::AllowList;
pub use backoff::ReconnectBackoff;
pub use buffer::{InBuffer, OutBuffer};
pub use client_config::{ClientConfig, Keepalive};
pub use config::Config;
pub use config_error::ConfigError;
pub use conn_deadline::TimeoutReason;
pub use conn_handle::{ConnHandle, SendError};
#[cfg(feature = "echo")]
pub use echo::{echo_handlers, EchoMessage, ECHO_MSGID};
pub use event_loop::{AsAny, EventLoop, LoopSource, SourceGone, Task};
pub use handlers::{ConnHooks, Handlers};
pub use known_keys::KnownSection;
pub use lars_idle_spin::IdleSpin;
pub use lars_proto::frame;
pub use lars_proto::frame::{FrameError, HEADER_LEN, MAX_BODY_LEN};
pub use log_throttle::LogThrottle;
pub use loop_handle::{CallError, LoopHandle};
pub use mio;
pub use prost;
pub use router::{Dispatch, DuplicateMsgid, MsgRouter};
pub use server_config::{ServerConfig, DEFAULT_FRAME_TIMEOUT, DEFAULT_IDLE_TIMEOUT, SERVER_KEYS};
pub use server_stats::OpenConnections;
pub use tcp_client::{ClientRef, TcpClient};
pub use tcp_conn::{TcpConn, DEFAULT_MAX_OUTPUT};
pub use tcp_server::TcpServer;
pub use thread_pool::{LoopThread, ThreadPool};
pub use thread_queue::{PushError, QueueReceiver, ThreadQueue};
pub use timer::{Expired, TimerId, TimerQueue};
pub use udp_client::UdpClient;
pub use udp_server::{UdpCtx, UdpServer};
