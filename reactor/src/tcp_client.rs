//! The TCP client: non-blocking connect, the same framing and router as the
//! server side, and reconnection with capped exponential backoff.
//!
//! With several addresses the client fails over: each failed attempt moves
//! to the next address. Hooks fire on every (re)connect and close. The
//! backoff grows on connections that die young too ([`ReconnectBackoff`]),
//! and an optional keepalive frame goes out whenever the client has sent
//! nothing for its interval.
//!
//! Messages sent while not connected are **refused** with
//! [`SendError::NotConnected`], never queued: the caller knows at once and
//! re-sends from its own state after the connect hook fires.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::event::Event;
use mio::net::TcpStream;
use mio::{Interest, Token};
use prost::Message;

use crate::backoff::ReconnectBackoff;
use crate::client_config::ClientConfig;
use crate::conn_handle::{ConnCommand, SendError};
use crate::event_loop::SourceGone;
use crate::event_loop::{EventLoop, LoopSource};
use crate::handlers::Handlers;
use crate::tcp_conn::TcpConn;
use crate::timer::TimerId;

enum State {
    Idle,
    Connecting { stream: TcpStream, attempt: u64 },
    Connected(Box<TcpConn>),
    Stopped,
}

/// A reconnecting client, owned by one loop. Reach it through its
/// [`ClientRef`]. Loop thread only.
pub struct TcpClient {
    config: ClientConfig,
    handlers: Rc<Handlers>,
    state: State,
    addr_index: usize,
    backoff: ReconnectBackoff,
    attempt: u64,
    in_outage: bool,
    timer: Option<TimerId>,
    keepalive_timer: Option<TimerId>,
}

/// Names a [`TcpClient`] on its loop. `Copy`; loop thread only. Once the
/// client was stopped its methods say so ([`SendError::Stopped`],
/// [`SourceGone`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientRef(Token);

impl TcpClient {
    /// Adds a client to `el` and starts connecting. Loop thread only.
    pub fn start(
        el: &mut EventLoop,
        config: ClientConfig,
        handlers: Handlers,
    ) -> io::Result<ClientRef> {
        if config.addrs.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: no server address", config.name),
            ));
        }
        let backoff = ReconnectBackoff::with_random_seed(
            config.backoff_min,
            config.backoff_max,
            config.stable_after,
        );
        let token = el.insert_source(|_, _| {
            Ok(TcpClient {
                config,
                handlers: Rc::new(handlers),
                state: State::Idle,
                addr_index: 0,
                backoff,
                attempt: 0,
                in_outage: false,
                timer: None,
                keepalive_timer: None,
            })
        })?;
        el.with_source::<TcpClient, _>(token, |c, el| c.connect(el, token));
        Ok(ClientRef(token))
    }

    fn addr(&self) -> SocketAddr {
        self.config.addrs[self.addr_index]
    }

    fn connect(&mut self, el: &mut EventLoop, token: Token) {
        if matches!(self.state, State::Stopped) {
            return;
        }
        self.timer = None;
        self.attempt += 1;
        let addr = self.addr();
        let mut stream = match TcpStream::connect(addr) {
            Ok(s) => s,
            Err(e) => return self.failed(el, token, &e.to_string()),
        };
        if let Err(e) =
            el.registry()
                .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
        {
            return self.failed(el, token, &format!("register: {e}"));
        }
        let attempt = self.attempt;
        self.state = State::Connecting { stream, attempt };
        self.timer = Some(el.run_after(self.config.connect_timeout, move |el| {
            el.with_source::<TcpClient, _>(token, |c, el| {
                if matches!(c.state, State::Connecting { attempt: a, .. } if a == attempt) {
                    c.timer = None;
                    c.failed(el, token, "connect timed out");
                }
            });
        }));
    }

    fn failed(&mut self, el: &mut EventLoop, token: Token, why: &str) {
        let addr = self.addr();
        self.state = State::Idle;
        if self.in_outage {
            log::debug!("{}: connect to {addr} failed: {why}", self.config.name);
        } else {
            log::warn!(
                "{}: cannot connect to {addr}: {why}; retrying with backoff up to {:?}",
                self.config.name,
                self.config.backoff_max
            );
            self.in_outage = true;
        }
        self.addr_index = (self.addr_index + 1) % self.config.addrs.len();
        let delay = self.backoff.failed();
        self.schedule_connect(el, token, delay);
    }

    fn schedule_connect(&mut self, el: &mut EventLoop, token: Token, delay: Duration) {
        if let Some(t) = self.timer.take() {
            el.cancel_timer(t);
        }
        self.timer = Some(el.run_after(delay, move |el| {
            el.with_source::<TcpClient, _>(token, |c, el| c.connect(el, token));
        }));
    }

    fn connected(&mut self, el: &mut EventLoop, token: Token, stream: TcpStream) {
        if let Some(t) = self.timer.take() {
            el.cancel_timer(t);
        }
        let peer = self.addr();
        if let Err(e) = stream.set_nodelay(true) {
            log::debug!("{}: TCP_NODELAY: {e}", self.config.name);
        }
        if self.in_outage {
            log::info!("{}: connected to {peer} again", self.config.name);
        } else {
            log::info!("{}: connected to {peer}", self.config.name);
        }
        self.in_outage = false;
        self.backoff.connected(Instant::now());
        let deliver = Arc::new(move |el: &mut EventLoop, target: u64, cmd: ConnCommand| {
            el.with_source::<TcpClient, _>(token, |c, el| {
                if let State::Connected(conn) = &mut c.state {
                    if conn.id() == target {
                        conn.apply(cmd, el.registry());
                        conn.flush(el.registry());
                    }
                }
                c.after_io(el, token);
            });
        });
        self.start_keepalive(el, token);
        let conn = TcpConn::new(
            stream,
            token,
            peer,
            self.handlers.clone(),
            el.handle(),
            self.config.max_output,
            deliver,
        );
        self.state = State::Connected(Box::new(conn));
        // Registration is already in place; start() only runs the hook and
        // flushes what the hook queued.
        if let State::Connected(conn) = &mut self.state {
            conn.start_registered(el.registry());
        }
        self.after_io(el, token);
    }

    /// After any I/O on the connection: if it closed, schedule a reconnect.
    fn after_io(&mut self, el: &mut EventLoop, token: Token) {
        if let State::Connected(conn) = &self.state {
            if conn.is_closed() {
                let delay = self.backoff.closed(Instant::now());
                log::warn!(
                    "{}: lost connection to {}; reconnecting in {delay:?}",
                    self.config.name,
                    conn.peer_addr()
                );
                self.state = State::Idle;
                self.in_outage = true;
                self.stop_keepalive(el);
                self.schedule_connect(el, token, delay);
            }
        }
    }

    /// While connected, sends the keepalive frame whenever nothing else
    /// was queued during one interval.
    fn start_keepalive(&mut self, el: &mut EventLoop, token: Token) {
        let Some(keepalive) = self.config.keepalive.clone() else {
            return;
        };
        let mut seen = 0;
        self.keepalive_timer = Some(el.run_every(keepalive.interval, move |el| {
            el.with_source::<TcpClient, _>(token, |c, el| {
                if let State::Connected(conn) = &mut c.state {
                    if conn.frames_queued() == seen {
                        conn.send_frame_bytes(&keepalive.frame);
                        conn.flush(el.registry());
                    }
                    seen = conn.frames_queued();
                }
                c.after_io(el, token);
            });
        }));
    }

    fn stop_keepalive(&mut self, el: &mut EventLoop) {
        if let Some(t) = self.keepalive_timer.take() {
            el.cancel_timer(t);
        }
    }

    fn on_connecting_event(&mut self, el: &mut EventLoop, token: Token, event: &Event) {
        let State::Connecting { stream, .. } = &mut self.state else {
            return;
        };
        if let Ok(Some(e)) | Err(e) = stream.take_error() {
            return self.failed(el, token, &e.to_string());
        }
        if event.is_error() || (event.is_write_closed() && !event.is_writable()) {
            return self.failed(el, token, "connection refused");
        }
        match stream.peer_addr() {
            Ok(peer) if stream.local_addr().ok() == Some(peer) => {
                // Linux can connect a socket to itself when the target port
                // is free and in the ephemeral range: not a server.
                self.failed(el, token, "connected to itself (no server listening)")
            }
            Ok(_) => {
                let State::Connecting { stream, .. } =
                    std::mem::replace(&mut self.state, State::Idle)
                else {
                    unreachable!("state checked above")
                };
                self.connected(el, token, stream);
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {} // not yet
            Err(e) => self.failed(el, token, &e.to_string()),
        }
    }
}

impl LoopSource for TcpClient {
    fn ready(&mut self, el: &mut EventLoop, token: Token, event: &Event) {
        match &mut self.state {
            State::Connecting { .. } => self.on_connecting_event(el, token, event),
            State::Connected(conn) => {
                conn.handle_event(el.registry(), event);
                self.after_io(el, token);
            }
            State::Idle | State::Stopped => {}
        }
    }
}

impl ClientRef {
    /// Queues `msg` if connected, else refuses with
    /// [`SendError::NotConnected`] ([`SendError::Stopped`] once the client
    /// was stopped). Loop thread only.
    pub fn send_message<M: Message>(
        &self,
        el: &mut EventLoop,
        msgid: i32,
        msg: &M,
    ) -> Result<(), SendError> {
        let token = self.0;
        el.with_source::<TcpClient, _>(token, |c, el| {
            let result = match &mut c.state {
                State::Connected(conn) => conn.send_message(msgid, msg).map(|()| {
                    conn.flush(el.registry());
                }),
                _ => Err(SendError::NotConnected),
            };
            c.after_io(el, token);
            result
        })
        .unwrap_or(Err(SendError::Stopped))
    }

    /// Whether the client is connected right now (`false` once stopped).
    /// Loop thread only.
    pub fn is_connected(&self, el: &mut EventLoop) -> bool {
        el.with_source::<TcpClient, _>(
            self.0,
            |c, _| matches!(&c.state, State::Connected(conn) if !conn.is_closed()),
        )
        .unwrap_or(false)
    }

    /// Closes the connection and stops reconnecting. Loop thread only.
    pub fn stop(&self, el: &mut EventLoop) -> Result<(), SourceGone> {
        let token = self.0;
        el.with_source::<TcpClient, _>(token, |c, el| {
            if let Some(t) = c.timer.take() {
                el.cancel_timer(t);
            }
            c.stop_keepalive(el);
            if let State::Connected(conn) = &mut c.state {
                conn.close();
            }
            c.state = State::Stopped;
        })
        .ok_or(SourceGone("TCP client"))?;
        el.remove_source(token);
        Ok(())
    }
}
