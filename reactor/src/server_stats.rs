//! [`OpenConnections`]: a server's connection numbers — open now, refused
//! and closed for a timeout, by reason — counted by its threads with
//! relaxed atomics and readable from any thread (metrics, tests).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use crate::admission::RefusalReason;
use crate::conn_deadline::TimeoutReason;

/// The counters one server's acceptor and workers share.
#[derive(Debug, Default)]
pub(crate) struct ServerStats {
    open: AtomicUsize,
    refused: [AtomicU64; RefusalReason::ALL.len()],
    timed_out: [AtomicU64; TimeoutReason::ALL.len()],
}

impl ServerStats {
    pub fn set_open(&self, open: usize) {
        self.open.store(open, Relaxed);
    }

    pub fn count_refusal(&self, reason: RefusalReason) {
        self.refused[reason as usize].fetch_add(1, Relaxed);
    }

    pub fn count_timeout(&self, reason: TimeoutReason) {
        self.timed_out[reason as usize].fetch_add(1, Relaxed);
    }
}

/// A server's connection numbers, readable from any thread for as long as
/// the handle is kept (e.g. by a metrics collector); from
/// [`TcpServer::open_connections`](crate::TcpServer::open_connections).
#[derive(Debug, Clone)]
pub struct OpenConnections(pub(crate) Arc<ServerStats>);

impl OpenConnections {
    /// Connections open right now (0 once the server stopped).
    pub fn get(&self) -> usize {
        self.0.open.load(Relaxed)
    }

    /// Connections refused at accept for `reason` since the start.
    pub fn refused(&self, reason: RefusalReason) -> u64 {
        self.0.refused[reason as usize].load(Relaxed)
    }

    /// Connections the server closed for `reason` since the start.
    pub fn timed_out(&self, reason: TimeoutReason) -> u64 {
        self.0.timed_out[reason as usize].load(Relaxed)
    }
}
