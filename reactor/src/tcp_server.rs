//! The TCP server: an acceptor loop thread plus `threads` worker loops.
//!
//! The acceptor admits a connection only if the peer is in `allow`, fewer
//! than `max_conn` connections are open and fewer than `max_conn_per_ip`
//! from the peer's address (`acceptor.rs`); admitted connections are handed
//! to the workers round-robin. Each worker builds its own [`Handlers`]
//! from the factory given to [`TcpServer::start`], so handlers may hold
//! thread-local state, and sweeps its connections for the idle and frame
//! deadlines (`server_conn.rs`).

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

use mio::net::TcpListener;
use mio::Interest;
use parking_lot::Mutex;

use crate::acceptor::{Acceptor, Incoming};
use crate::admission::Admission;
use crate::conn_deadline::ConnTimeouts;
use crate::handlers::Handlers;
use crate::server_config::ServerConfig;
use crate::server_conn::{ServerConn, Sweeper};
use crate::server_stats::{OpenConnections, ServerStats};
use crate::thread_pool::{LoopThread, ThreadPool};
use crate::thread_queue::ThreadQueue;

/// A running TCP server. Dropping it (or [`TcpServer::stop`]) stops the
/// acceptor and the workers and closes every connection.
pub struct TcpServer {
    local_addr: SocketAddr,
    // Field order matters: the acceptor stops before the workers.
    acceptor: Option<LoopThread>,
    workers: Option<ThreadPool>,
    stats: Arc<ServerStats>,
}

impl TcpServer {
    /// Binds, starts the worker loops (each calls `make_handlers` once) and
    /// the acceptor. Safe from any thread.
    pub fn start(
        config: ServerConfig,
        make_handlers: impl Fn() -> Handlers + Send + Sync + 'static,
    ) -> io::Result<TcpServer> {
        let listener = bind_listener(config.addr)?;
        let local_addr = listener.local_addr()?;
        let workers = ThreadPool::new(&format!("{}-worker", config.name), config.threads)?;
        let stats = Arc::new(ServerStats::default());
        let make_handlers = Arc::new(make_handlers);
        let limits = ConnTimeouts {
            idle: config.idle_timeout,
            frame: config.frame_timeout,
        };
        let mut queues = Vec::with_capacity(workers.len());
        for i in 0..workers.len() {
            let (make, stats) = (make_handlers.clone(), stats.clone());
            let (max_output, name) = (config.max_output, config.name.clone());
            let queue = workers
                .handle(i)
                .call(move |el| {
                    let handlers = Rc::new(make());
                    if let Some(period) = limits.sweep_period() {
                        let mut sweeper = Sweeper::new(limits, stats, &name);
                        el.run_every(period, move |el| sweeper.sweep(el));
                    }
                    ThreadQueue::<Incoming>::unbounded(el, move |el, items| {
                        for incoming in items {
                            ServerConn::open(el, incoming, handlers.clone(), max_output);
                        }
                    })
                })
                .map_err(|e| io::Error::other(format!("{} worker {i}: {e}", config.name)))?;
            queues.push(queue);
        }
        let admission = Admission::new(
            config.allow.clone(),
            config.max_conn,
            config.max_conn_per_ip,
        );
        let acceptor_state = Acceptor {
            listener,
            queues,
            next: 0,
            admission: Arc::new(Mutex::new(admission)),
            stats: stats.clone(),
            refusal_logs: Default::default(),
            name: config.name.clone(),
        };
        let (acceptor, _token) =
            LoopThread::spawn_with(&format!("{}-accept", config.name), move |el| {
                el.insert_source(move |registry, token| {
                    let mut a = acceptor_state;
                    registry.register(&mut a.listener, token, Interest::READABLE)?;
                    Ok(a)
                })
            })?;
        log::info!(
            "{} listening on {local_addr} ({} workers, maxConn {}, max_conn_per_ip {}, \
             idle_timeout {:?}, frame_timeout {:?}, allow {})",
            config.name,
            workers.len(),
            config.max_conn,
            config.max_conn_per_ip,
            config.idle_timeout,
            config.frame_timeout,
            config.allow
        );
        Ok(TcpServer {
            local_addr,
            acceptor: Some(acceptor),
            workers: Some(workers),
            stats,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Connections open right now.
    pub fn connection_count(&self) -> usize {
        self.open_connections().get()
    }

    /// A handle that reads the open connections and the refused and
    /// timed-out counts from any thread, for as long as it is kept (e.g.
    /// by a metrics collector).
    pub fn open_connections(&self) -> OpenConnections {
        OpenConnections(self.stats.clone())
    }

    /// Stops accepting, closes all connections and joins all threads.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        drop(self.acceptor.take());
        drop(self.workers.take());
    }
}

fn bind_listener(addr: SocketAddr) -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(TcpListener::from_std(socket.into()))
}
