//! [`ClientConfig`]: the settings of a [`TcpClient`](crate::TcpClient) —
//! where to connect, how to back off between attempts, and the keepalive
//! frame that keeps an otherwise quiet connection from looking idle to a
//! server that closes idle connections.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::tcp_conn::DEFAULT_MAX_OUTPUT;

/// A frame a client sends when it has sent nothing else for `interval`.
#[derive(Debug, Clone)]
pub struct Keepalive {
    /// How long the client may stay quiet; keep it well below the server's
    /// idle timeout.
    pub interval: Duration,
    /// The encoded frame (a request the server answers harmlessly).
    pub frame: Arc<[u8]>,
}

/// Settings of a [`TcpClient`](crate::TcpClient).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Server addresses, tried in turn.
    pub addrs: Vec<SocketAddr>,
    /// How long one connect attempt may take.
    pub connect_timeout: Duration,
    /// First reconnect delay; doubles per failed attempt and per
    /// connection that dies young, up to `backoff_max` (each delay drawn
    /// between half and all of the step).
    pub backoff_min: Duration,
    /// Largest reconnect delay.
    pub backoff_max: Duration,
    /// A connection that lived this long starts the backoff over at
    /// `backoff_min`; one that closes sooner counts as a failed attempt.
    pub stable_after: Duration,
    /// The keepalive, if any.
    pub keepalive: Option<Keepalive>,
    /// Cap on unsent output, in bytes.
    pub max_output: usize,
    /// Name used in logs.
    pub name: String,
}

impl ClientConfig {
    /// Defaults: 3 s connect timeout, backoff 100 ms doubling to 5 s,
    /// stable after 10 s, no keepalive.
    pub fn new(name: &str, addrs: Vec<SocketAddr>) -> ClientConfig {
        ClientConfig {
            addrs,
            connect_timeout: Duration::from_secs(3),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            stable_after: Duration::from_secs(10),
            keepalive: None,
            max_output: DEFAULT_MAX_OUTPUT,
            name: name.to_string(),
        }
    }
}
