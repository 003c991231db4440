//! The TCP server: an acceptor loop thread plus `threads` worker loops.
//!
//! Accepted connections are handed to the workers round-robin; past
//! `max_conn` open connections a new one is closed at once and logged.
//! Each worker builds its own [`Handlers`] from the factory given to
//! [`TcpServer::start`], so handlers may hold thread-local state.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mio::event::Event;
use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Token};

use crate::config::{Config, ConfigError};
use crate::conn_handle::ConnCommand;
use crate::event_loop::{EventLoop, LoopSource};
use crate::handlers::Handlers;
use crate::tcp_conn::{TcpConn, DEFAULT_MAX_OUTPUT};
use crate::thread_pool::{LoopThread, ThreadPool};
use crate::thread_queue::ThreadQueue;

/// Settings of a [`TcpServer`].
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (port 0 picks a free port).
    pub addr: SocketAddr,
    /// Number of worker loop threads (at least 1).
    pub threads: usize,
    /// Open connections allowed at once; more are refused.
    pub max_conn: usize,
    /// Per-connection cap on unsent output, in bytes.
    pub max_output: usize,
    /// Name used for threads and logs.
    pub name: String,
}

impl ServerConfig {
    /// Defaults: 1 worker, 1024 connections, 4 MiB output cap.
    pub fn new(name: &str, addr: SocketAddr) -> ServerConfig {
        ServerConfig {
            addr,
            threads: 1,
            max_conn: 1024,
            max_output: DEFAULT_MAX_OUTPUT,
            name: name.to_string(),
        }
    }

    /// Reads `ip` (127.0.0.1), `port`, `threadNum` and `maxConn` (1024)
    /// from `section` of `config` (the original's `[reactor]` keys), with
    /// the given defaults for the port and the number of worker threads.
    pub fn from_config(
        name: &str,
        config: &Config,
        section: &str,
        default_port: u16,
        default_threads: usize,
    ) -> Result<ServerConfig, ConfigError> {
        let ip = config.get_string(section, "ip", "127.0.0.1");
        let port = config.get_int(section, "port", default_port)?;
        let addr: SocketAddr = format!("{ip}:{port}")
            .parse()
            .map_err(|_| config.bad_value(section, "ip", &ip, "is not an IP address"))?;
        let threads: usize = config.get_int(section, "threadNum", default_threads)?;
        let max_conn: usize = config.get_int(section, "maxConn", 1024)?;
        if max_conn == 0 {
            return Err(config.bad_value(section, "maxConn", "0", "must be at least 1"));
        }
        Ok(ServerConfig {
            addr,
            threads: threads.max(1),
            max_conn,
            max_output: DEFAULT_MAX_OUTPUT,
            name: name.to_string(),
        })
    }
}

type Incoming = (TcpStream, SocketAddr);

/// The number of a server's open connections, readable from any thread
/// ([`TcpServer::open_connections`]).
#[derive(Debug, Clone)]
pub struct OpenConnections(Arc<AtomicUsize>);

impl OpenConnections {
    /// Connections open right now (0 once the server stopped).
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A running TCP server. Dropping it (or [`TcpServer::stop`]) stops the
/// acceptor and the workers and closes every connection.
pub struct TcpServer {
    local_addr: SocketAddr,
    // Field order matters: the acceptor stops before the workers.
    acceptor: Option<LoopThread>,
    workers: Option<ThreadPool>,
    open: Arc<AtomicUsize>,
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
        let open = Arc::new(AtomicUsize::new(0));
        let make_handlers = Arc::new(make_handlers);
        let mut queues = Vec::with_capacity(workers.len());
        for i in 0..workers.len() {
            let make = make_handlers.clone();
            let open = open.clone();
            let max_output = config.max_output;
            let queue = workers
                .handle(i)
                .call(move |el| {
                    let handlers = Rc::new(make());
                    ThreadQueue::unbounded(el, move |el, items| {
                        for (stream, peer) in items {
                            let guard = OpenGuard(open.clone());
                            ServerConn::open(el, stream, peer, handlers.clone(), guard, max_output);
                        }
                    })
                })
                .map_err(|e| io::Error::other(format!("{} worker {i}: {e}", config.name)))?;
            queues.push(queue);
        }
        let acceptor_state = Acceptor {
            listener,
            queues,
            next: 0,
            open: open.clone(),
            max_conn: config.max_conn,
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
            "{} listening on {local_addr} ({} workers, maxConn {})",
            config.name,
            workers.len(),
            config.max_conn
        );
        Ok(TcpServer {
            local_addr,
            acceptor: Some(acceptor),
            workers: Some(workers),
            open,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Connections open right now.
    pub fn connection_count(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// A handle that reads [`connection_count`](Self::connection_count)
    /// from any thread, for as long as it is kept (e.g. by a metrics
    /// collector).
    pub fn open_connections(&self) -> OpenConnections {
        OpenConnections(self.open.clone())
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

/// Counts one open connection; the count drops with the guard.
struct OpenGuard(Arc<AtomicUsize>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Acceptor {
    listener: TcpListener,
    queues: Vec<ThreadQueue<Incoming>>,
    next: usize,
    open: Arc<AtomicUsize>,
    max_conn: usize,
    name: String,
}

impl LoopSource for Acceptor {
    fn ready(&mut self, el: &mut EventLoop, token: Token, _event: &Event) {
        loop {
            match self.listener.accept() {
                Ok((stream, peer)) => self.admit(stream, peer),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // E.g. out of file descriptors: back off, then re-arm.
                    log::error!("{}: accept failed: {e}; retrying in 100 ms", self.name);
                    el.run_after(Duration::from_millis(100), move |el| {
                        el.with_source::<Acceptor, _>(token, |a, el| {
                            let _ = el.registry().reregister(
                                &mut a.listener,
                                token,
                                Interest::READABLE,
                            );
                        });
                    });
                    return;
                }
            }
        }
    }
}

impl Acceptor {
    fn admit(&mut self, stream: TcpStream, peer: SocketAddr) {
        let open = self.open.load(Ordering::SeqCst);
        if open >= self.max_conn {
            log::warn!(
                "{}: refusing connection from {peer}: {open} open, maxConn is {}",
                self.name,
                self.max_conn
            );
            return; // dropping the stream closes it
        }
        if let Err(e) = stream.set_nodelay(true) {
            log::debug!("{}: TCP_NODELAY on {peer}: {e}", self.name);
        }
        self.open.fetch_add(1, Ordering::SeqCst);
        let i = self.next % self.queues.len();
        self.next = self.next.wrapping_add(1);
        if self.queues[i].push((stream, peer)).is_err() {
            self.open.fetch_sub(1, Ordering::SeqCst);
            log::error!(
                "{}: worker {i} is gone; dropped connection from {peer}",
                self.name
            );
        }
    }
}

/// A server-side connection as a loop source.
struct ServerConn {
    conn: TcpConn,
    _open: OpenGuard,
}

impl ServerConn {
    fn open(
        el: &mut EventLoop,
        stream: TcpStream,
        peer: SocketAddr,
        handlers: Rc<Handlers>,
        guard: OpenGuard,
        max_output: usize,
    ) {
        let loop_handle = el.handle();
        let inserted = el.insert_source(move |_registry, token| {
            let deliver = Arc::new(move |el: &mut EventLoop, target: u64, cmd: ConnCommand| {
                el.with_source::<ServerConn, _>(token, |sc, el| {
                    if sc.conn.id() == target {
                        sc.conn.apply(cmd);
                        sc.conn.flush(el.registry());
                        sc.remove_if_closed(el, token);
                    }
                });
            });
            let conn = TcpConn::new(
                stream,
                token,
                peer,
                handlers,
                loop_handle,
                max_output,
                deliver,
            );
            Ok(ServerConn { conn, _open: guard })
        });
        let token = match inserted {
            Ok(token) => token,
            Err(e) => return log::error!("cannot add connection from {peer}: {e}"),
        };
        el.with_source::<ServerConn, _>(token, |sc, el| {
            if let Err(e) = sc.conn.start(el.registry()) {
                log::error!("cannot register connection from {peer}: {e}");
                sc.conn.close();
            }
            sc.remove_if_closed(el, token);
        });
    }

    fn remove_if_closed(&mut self, el: &mut EventLoop, token: Token) {
        if self.conn.is_closed() {
            el.remove_source(token);
        }
    }
}

impl LoopSource for ServerConn {
    fn ready(&mut self, el: &mut EventLoop, token: Token, event: &Event) {
        self.conn.handle_event(el.registry(), event);
        self.remove_if_closed(el, token);
    }
}
