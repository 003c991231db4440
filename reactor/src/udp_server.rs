//! UDP endpoints: one frame per datagram, dispatched to a router.
//!
//! A handler gets a [`UdpCtx`] whose [`UdpCtx::reply`] answers the sender of
//! the datagram being handled, and whose [`UdpCtx::state`] is the state the
//! server was started with: the loop owns it, handlers and
//! [`UdpServer::with_state`] borrow it in turn, so no `RefCell` is needed.
//! A datagram whose size disagrees with its header, or whose body does not
//! decode, is dropped and logged (throttled); the socket keeps serving.
//!
//! A server may also poll its socket for a short while after it runs dry
//! ([`UdpServer::set_idle_spin`]), but only while no other thread wants the
//! CPU: on a machine where waking a sleeping thread is slow (a VM), this
//! saves a wake-up per request for a lone client at no cost to busy ones.

use std::io;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lars_idle_spin::IdleSpin;
use mio::event::Event;
use mio::net::UdpSocket;
use mio::{Interest, Token};
use prost::Message;

use crate::event_loop::{EventLoop, LoopSource, SourceGone};
use crate::frame::{self, FrameError, HEADER_LEN, MAX_BODY_LEN};
use crate::log_throttle::LogThrottle;
use crate::router::{Dispatch, MsgRouter};

/// Datagrams handled for one readiness event before yielding.
const DATAGRAMS_PER_EVENT: usize = 256;

/// At most this long spinning in one readiness callback, so the loop's
/// timers, tasks and other sockets are not kept waiting.
const MAX_SPIN_TURN: Duration = Duration::from_millis(2);

/// What a UDP handler sees: the socket, the current datagram's sender and
/// the endpoint's state `S`. Loop thread only.
pub struct UdpCtx<S = ()> {
    socket: UdpSocket,
    peer: SocketAddr,
    out: Vec<u8>,
    state: S,
}

impl<S> UdpCtx<S> {
    /// The sender of the datagram being handled.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The local address of the socket.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The endpoint's state, as given to [`UdpServer::start`].
    pub fn state(&mut self) -> &mut S {
        &mut self.state
    }

    /// Sends `msg` as one datagram to the sender of the current datagram.
    pub fn reply<M: Message>(&mut self, msgid: i32, msg: &M) -> io::Result<()> {
        let peer = self.peer;
        self.send_to(peer, msgid, msg)
    }

    /// Sends `msg` as one datagram to `addr`. A full socket buffer drops the
    /// datagram (UDP semantics) and returns the `WouldBlock` error.
    pub fn send_to<M: Message>(&mut self, addr: SocketAddr, msgid: i32, msg: &M) -> io::Result<()> {
        self.out.clear();
        frame::encode_frame(msgid, msg, &mut self.out)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        loop {
            match self.socket.send_to(&self.out, addr) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// A UDP socket on a loop with a router. Used for servers (bound to a known
/// address) and clients (bound to an ephemeral port). Loop thread only.
pub(crate) struct UdpEndpoint<S> {
    ctx: UdpCtx<S>,
    router: MsgRouter<UdpCtx<S>>,
    buf: Box<[u8]>,
    bad_input_log: LogThrottle,
    name: String,
    spin: Option<IdleSpin>,
}

/// A UDP server on a loop: names it there, like [`crate::ClientRef`] names
/// a TCP client. `Copy`; its methods are loop thread only, and return
/// [`SourceGone`] once the server was stopped.
pub struct UdpServer<S = ()> {
    token: Token,
    addr: SocketAddr,
    _state: PhantomData<fn() -> S>,
}

impl<S> Clone for UdpServer<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for UdpServer<S> {}

impl<S> std::fmt::Debug for UdpServer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "UdpServer({})", self.addr)
    }
}

impl<S: 'static> UdpServer<S> {
    /// Binds `addr`, registers on `el` and serves frames with `router`;
    /// handlers reach `state` through [`UdpCtx::state`]. Loop thread only.
    pub fn start(
        el: &mut EventLoop,
        name: &str,
        addr: SocketAddr,
        router: MsgRouter<UdpCtx<S>>,
        state: S,
    ) -> io::Result<UdpServer<S>> {
        let socket = UdpSocket::bind(addr)?;
        let local = socket.local_addr()?;
        let token = UdpEndpoint::register(el, name, socket, local, router, state)?;
        log::info!("{name} serving UDP on {local}");
        Ok(UdpServer {
            token,
            addr: local,
            _state: PhantomData,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Runs `f` with the server's context (its state, and a socket to send
    /// from) — e.g. from a timer or a queue of the same loop. Loop thread
    /// only.
    pub fn with_state<R>(
        &self,
        el: &mut EventLoop,
        f: impl FnOnce(&mut UdpCtx<S>, &mut EventLoop) -> R,
    ) -> Result<R, SourceGone> {
        el.with_source::<UdpEndpoint<S>, _>(self.token, |ep, el| f(&mut ep.ctx, el))
            .ok_or(SourceGone("UDP server"))
    }

    /// Makes the server keep polling its socket for `window` after the last
    /// datagram instead of going to sleep at once, yielding the CPU between
    /// polls. Spinning stops as soon as a yield actually lets another thread
    /// run (the CPU is wanted) and stays off for a while ([`IdleSpin`]); so
    /// it only uses a CPU nobody else needs, and saves the cost of waking
    /// this thread for a client that sends its next request within
    /// `window`. `None` (the default) turns it off. Loop thread only.
    pub fn set_idle_spin(
        &self,
        el: &mut EventLoop,
        window: Option<Duration>,
    ) -> Result<(), SourceGone> {
        el.with_source::<UdpEndpoint<S>, _>(self.token, |ep, _| {
            ep.spin = window.map(IdleSpin::new);
        })
        .ok_or(SourceGone("UDP server"))
    }

    /// Closes the socket. Loop thread only.
    pub fn stop(&self, el: &mut EventLoop) -> Result<(), SourceGone> {
        if el.remove_source(self.token) {
            Ok(())
        } else {
            Err(SourceGone("UDP server"))
        }
    }
}

impl<S: 'static> UdpEndpoint<S> {
    pub(crate) fn register(
        el: &mut EventLoop,
        name: &str,
        mut socket: UdpSocket,
        peer: SocketAddr,
        router: MsgRouter<UdpCtx<S>>,
        state: S,
    ) -> io::Result<Token> {
        let name = name.to_string();
        el.insert_source(move |registry, token| {
            registry.register(&mut socket, token, Interest::READABLE)?;
            Ok(UdpEndpoint {
                ctx: UdpCtx {
                    socket,
                    peer,
                    out: Vec::with_capacity(HEADER_LEN + MAX_BODY_LEN),
                    state,
                },
                router,
                // One byte more than the largest frame, to see oversize.
                buf: vec![0u8; HEADER_LEN + MAX_BODY_LEN + 1].into_boxed_slice(),
                bad_input_log: LogThrottle::default(),
                name,
                spin: None,
            })
        })
    }

    /// The handler context, e.g. to send from outside a handler.
    pub(crate) fn ctx(&mut self) -> &mut UdpCtx<S> {
        &mut self.ctx
    }

    fn handle_datagram(&mut self, len: usize) {
        let (msgid, body) = match frame::parse_datagram(&self.buf[..len]) {
            Ok(parts) => parts,
            Err(e) => return self.log_bad(len, &e),
        };
        let body_len = body.len();
        match self.router.dispatch(&mut self.ctx, msgid, body) {
            Dispatch::Handled => {}
            Dispatch::UnknownMsgid => {
                let (name, peer) = (&self.name, self.ctx.peer);
                self.bad_input_log.warn(|| {
                    format!("{name}: unknown msgid {msgid} ({body_len} bytes) from {peer} ignored")
                });
            }
            Dispatch::BadBody(e) => {
                let (name, peer) = (&self.name, self.ctx.peer);
                self.bad_input_log.warn(|| {
                    format!("{name}: msgid {msgid} from {peer}: undecodable body dropped: {e}")
                });
            }
        }
    }

    fn log_bad(&mut self, len: usize, e: &FrameError) {
        let (name, peer) = (&self.name, self.ctx.peer);
        self.bad_input_log
            .warn(|| format!("{name}: dropped datagram of {len} bytes from {peer}: {e}"));
    }

    /// Receives and handles one datagram: `Ok(false)` if none was waiting.
    fn recv_one(&mut self) -> io::Result<bool> {
        match self.ctx.socket.recv_from(&mut self.buf) {
            Ok((len, peer)) => {
                self.ctx.peer = peer;
                self.handle_datagram(len);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Handles datagrams until the socket is empty (`true`) or
    /// [`DATAGRAMS_PER_EVENT`] were handled (`false`).
    fn drain(&mut self, mut budget: usize) -> bool {
        while budget > 0 {
            match self.recv_one() {
                Ok(true) => budget -= 1,
                Ok(false) => return true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // ICMP errors (e.g. a previous reply's port unreachable)
                // surface here; they concern one peer, not the socket.
                Err(e) => {
                    log::debug!("{}: recv: {e}", self.name);
                    budget -= 1;
                }
            }
        }
        false
    }

    /// After the socket ran dry: polls it (see [`UdpServer::set_idle_spin`])
    /// and handles what arrives, one datagram per poll, until the spin
    /// gives up, this turn has lasted [`MAX_SPIN_TURN`] or
    /// [`DATAGRAMS_PER_EVENT`] were handled. `true` when the socket was
    /// found empty at the end.
    fn spin(&mut self) -> bool {
        let Some(mut spin) = self.spin.take() else {
            return true;
        };
        let turn_end = Instant::now() + MAX_SPIN_TURN;
        let mut budget = DATAGRAMS_PER_EVENT;
        while budget > 0 {
            let got = spin.poll(Some(turn_end), || match self.recv_one() {
                Ok(true) => Some(()),
                Ok(false) => None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => None,
                Err(e) => {
                    log::debug!("{}: recv: {e}", self.name);
                    None
                }
            });
            if got.is_none() {
                break;
            }
            budget -= 1;
        }
        self.spin = Some(spin);
        budget > 0
    }
}

impl<S: 'static> LoopSource for UdpEndpoint<S> {
    fn ready(&mut self, el: &mut EventLoop, token: Token, _event: &Event) {
        if self.drain(DATAGRAMS_PER_EVENT) && self.spin() {
            return;
        }
        // Still readable after a fair share: re-arm the edge.
        if let Err(e) = el
            .registry()
            .reregister(&mut self.ctx.socket, token, Interest::READABLE)
        {
            log::error!("{}: reregister failed: {e}", self.name);
        }
    }
}

#[cfg(test)]
mod tests;
