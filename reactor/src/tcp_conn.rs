//! One framed TCP connection: reads frames and dispatches them to the
//! router, buffers replies and writes them when the socket takes them.
//!
//! A [`TcpConn`] lives on one loop thread (loop thread only). Handlers and
//! hooks get `&mut TcpConn`; other threads use a [`ConnHandle`].
//!
//! Reading can be paused and resumed (back-pressure, `flow.rs`): a paused
//! connection dispatches no frame and reads nothing, so its socket buffer
//! fills and TCP slows the sender down. The times of its frames feed the
//! server's idle and frame deadlines ([`ConnDeadline`]).

mod flow;

use std::any::Any;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use prost::Message;

use crate::buffer::{InBuffer, OutBuffer};
use crate::conn_deadline::{ConnDeadline, ConnTimeouts, TimeoutReason};
use crate::conn_handle::{ConnCommand, ConnHandle, Deliver, SendError};
use crate::frame;
use crate::handlers::Handlers;
use crate::log_throttle::LogThrottle;
use crate::loop_handle::LoopHandle;
use crate::router::Dispatch;

/// Default cap on a connection's unsent output: past it the peer is
/// considered not to be reading and is disconnected.
pub const DEFAULT_MAX_OUTPUT: usize = 4 * 1024 * 1024;
/// Reads done for one readiness event before yielding to other sources.
const READS_PER_EVENT: usize = 32;

static NEXT_CONN_ID: AtomicU64 = AtomicU64::new(1);

/// A framed TCP connection. Loop thread only.
pub struct TcpConn {
    stream: Option<TcpStream>,
    token: Token,
    peer: SocketAddr,
    input: InBuffer,
    output: OutBuffer,
    handlers: Rc<Handlers>,
    handle: ConnHandle,
    user: Option<Box<dyn Any>>,
    /// The interest the socket is registered with (`None`: not registered).
    registered: Option<Interest>,
    /// `false` while reading is paused.
    reading: bool,
    deadline: ConnDeadline,
    /// Frames queued for sending since the start (for keepalives).
    frames_queued: u64,
    max_output: usize,
    bad_input_log: LogThrottle,
}

impl TcpConn {
    /// Wraps a connected stream; `deliver` routes [`ConnHandle`] commands
    /// back to this connection through its owner.
    pub(crate) fn new(
        stream: TcpStream,
        token: Token,
        peer: SocketAddr,
        handlers: Rc<Handlers>,
        loop_handle: LoopHandle,
        max_output: usize,
        deliver: Deliver,
    ) -> TcpConn {
        let handle = ConnHandle {
            id: NEXT_CONN_ID.fetch_add(1, Ordering::Relaxed),
            loop_handle,
            deliver,
        };
        TcpConn {
            stream: Some(stream),
            token,
            peer,
            input: InBuffer::new(),
            output: OutBuffer::new(),
            handlers,
            handle,
            user: None,
            registered: None,
            reading: true,
            deadline: ConnDeadline::new(Instant::now()),
            frames_queued: 0,
            max_output,
            bad_input_log: LogThrottle::default(),
        }
    }

    /// Registers the socket and runs the connect hook.
    pub(crate) fn start(&mut self, registry: &Registry) -> io::Result<()> {
        if let Some(stream) = self.stream.as_mut() {
            registry.register(stream, self.token, Interest::READABLE)?;
            self.registered = Some(Interest::READABLE);
        }
        self.run_connect_hook(registry);
        Ok(())
    }

    /// For a socket already registered for reading and writing (a client
    /// that just connected): runs the connect hook and flushes.
    pub(crate) fn start_registered(&mut self, registry: &Registry) {
        self.registered = Some(Interest::READABLE | Interest::WRITABLE);
        self.run_connect_hook(registry);
    }

    fn run_connect_hook(&mut self, registry: &Registry) {
        let handlers = self.handlers.clone();
        if let Some(hook) = &handlers.hooks.on_connect {
            hook(self);
        }
        self.flush(registry);
    }

    /// The connection's process-wide unique id.
    pub fn id(&self) -> u64 {
        self.handle.id
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// Whether the connection has closed.
    pub fn is_closed(&self) -> bool {
        self.stream.is_none()
    }

    /// A handle for other threads (or later tasks) to send on this connection.
    pub fn handle(&self) -> ConnHandle {
        self.handle.clone()
    }

    /// The owning loop's handle, to post tasks back to this thread.
    pub fn loop_handle(&self) -> &LoopHandle {
        &self.handle.loop_handle
    }

    /// Bytes queued and not yet taken by the socket.
    pub fn pending_output(&self) -> usize {
        self.output.len()
    }

    /// Queues `msg` as a frame. Written when the current callback returns.
    pub fn send_message<M: Message>(&mut self, msgid: i32, msg: &M) -> Result<(), SendError> {
        if self.is_closed() {
            return Err(SendError::NotConnected);
        }
        frame::encode_frame(msgid, msg, self.output.vec_mut())?;
        self.frames_queued += 1;
        Ok(())
    }

    /// Queues a frame with an already-encoded body.
    pub fn send_raw(&mut self, msgid: i32, body: &[u8]) -> Result<(), SendError> {
        if self.is_closed() {
            return Err(SendError::NotConnected);
        }
        frame::encode_raw_frame(msgid, body, self.output.vec_mut())?;
        self.frames_queued += 1;
        Ok(())
    }

    /// Queues bytes that already form whole frames.
    pub(crate) fn send_frame_bytes(&mut self, bytes: &[u8]) {
        if !self.is_closed() {
            self.output.vec_mut().extend_from_slice(bytes);
            self.frames_queued += 1;
        }
    }

    /// The user state of type `T` attached to this connection, if any.
    pub fn user_state<T: Any>(&mut self) -> Option<&mut T> {
        self.user.as_mut()?.downcast_mut::<T>()
    }

    /// Attaches user state (replacing any previous state).
    pub fn set_user_state<T: Any>(&mut self, state: T) {
        self.user = Some(Box::new(state));
    }

    /// Takes the user state out.
    pub fn take_user_state(&mut self) -> Option<Box<dyn Any>> {
        self.user.take()
    }

    /// Closes the connection now; unsent output is dropped. The close hook runs.
    pub fn close(&mut self) {
        self.shutdown("closed locally");
    }

    /// Closes the connection for `reason` (a server's timeout).
    pub(crate) fn close_for(&mut self, reason: &str) {
        self.shutdown(reason);
    }

    /// Frames queued for sending since the connection started.
    pub(crate) fn frames_queued(&self) -> u64 {
        self.frames_queued
    }

    /// Whether the connection overstayed one of `limits` at `now`; a
    /// paused connection never does (the pause is the server's choice).
    pub(crate) fn expired(&self, now: Instant, limits: ConnTimeouts) -> Option<TimeoutReason> {
        if !self.reading || self.is_closed() {
            return None;
        }
        self.deadline.expired(now, limits)
    }

    /// Runs a command from a [`ConnHandle`]; the caller flushes after.
    pub(crate) fn apply(&mut self, cmd: ConnCommand, registry: &Registry) {
        match cmd {
            ConnCommand::Send(bytes) => self.send_frame_bytes(&bytes),
            ConnCommand::Close => self.close(),
            ConnCommand::PauseReading => self.pause_reading(),
            ConnCommand::ResumeReading => self.resume_reading(registry),
        }
    }

    /// Handles a readiness event: reads and dispatches, then writes.
    pub(crate) fn handle_event(&mut self, registry: &Registry, event: &mio::event::Event) {
        if event.is_readable() || event.is_read_closed() || event.is_error() {
            self.read_and_dispatch(registry);
        }
        self.flush(registry);
    }

    /// Writes queued output until the socket would block; arms or disarms
    /// writable interest; disconnects a peer whose backlog passes the cap.
    pub(crate) fn flush(&mut self, registry: &Registry) {
        let Some(stream) = self.stream.as_mut() else {
            return;
        };
        while !self.output.is_empty() {
            match stream.write(self.output.pending()) {
                Ok(0) => return self.shutdown("socket accepted no bytes"),
                Ok(n) => self.output.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return self.shutdown(&format!("write error: {e}")),
            }
        }
        if self.output.len() > self.max_output {
            let msg = format!(
                "peer is not reading: {} bytes pending exceed the {}-byte output cap",
                self.output.len(),
                self.max_output
            );
            log::warn!("connection {}: {msg}", self.peer);
            return self.shutdown(&msg);
        }
        self.sync_interest(registry, false);
    }

    fn read_and_dispatch(&mut self, registry: &Registry) {
        for _ in 0..READS_PER_EVENT {
            if !self.reading {
                return;
            }
            let Some(stream) = self.stream.as_mut() else {
                return;
            };
            match self.input.read_from(stream) {
                Ok(0) => {
                    // A peer that half-closed still gets the replies it asked for.
                    self.write_pending_once();
                    return self.shutdown("peer closed the connection");
                }
                Ok(_) => self.dispatch_frames(),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.shutdown(&format!("read error: {e}")),
            }
        }
        // Still readable after a fair share: re-arm so the edge fires again
        // after other sources had their turn.
        self.sync_interest(registry, true);
    }

    fn dispatch_frames(&mut self) {
        let mut input = std::mem::take(&mut self.input);
        let handlers = self.handlers.clone();
        let mut completed = false;
        while self.reading && !self.is_closed() {
            match frame::parse_frame(input.readable()) {
                Ok(Some(frame::RawFrame {
                    msgid,
                    body,
                    len: used,
                })) => {
                    let len = body.len();
                    match handlers.router.dispatch(self, msgid, body) {
                        Dispatch::Handled => {}
                        Dispatch::UnknownMsgid => {
                            let peer = self.peer;
                            self.bad_input_log.warn(|| {
                                format!("connection {peer}: unknown msgid {msgid} ({len} bytes) ignored")
                            });
                        }
                        Dispatch::BadBody(e) => {
                            let peer = self.peer;
                            self.bad_input_log.warn(|| {
                                format!("connection {peer}: msgid {msgid}: undecodable body of {len} bytes dropped: {e}")
                            });
                        }
                    }
                    input.consume(used);
                    completed = true;
                }
                Ok(None) => break,
                Err(e) => {
                    log::warn!("connection {}: protocol error: {e}; closing", self.peer);
                    self.shutdown(&format!("protocol error: {e}"));
                }
            }
        }
        if !self.is_closed() {
            let now = Instant::now();
            self.deadline.after_read(now, completed, !input.is_empty());
            self.input = input;
        }
    }

    /// One non-blocking attempt to write what is queued (before a close).
    fn write_pending_once(&mut self) {
        if let Some(stream) = self.stream.as_mut() {
            while !self.output.is_empty() {
                match stream.write(self.output.pending()) {
                    Ok(n) if n > 0 => self.output.advance(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    _ => break,
                }
            }
        }
    }

    fn shutdown(&mut self, reason: &str) {
        if self.stream.take().is_none() {
            return;
        }
        log::debug!(
            "connection {} (id {}) closed: {reason}",
            self.peer,
            self.handle.id
        );
        self.output = OutBuffer::new();
        self.input = InBuffer::new();
        let handlers = self.handlers.clone();
        if let Some(hook) = &handlers.hooks.on_close {
            hook(self);
        }
    }
}

impl Drop for TcpConn {
    /// A connection dropped with its loop (server or client stopping) still
    /// runs its close hook, on the loop's own thread.
    fn drop(&mut self) {
        self.shutdown("its event loop stopped");
    }
}
