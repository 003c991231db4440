//! UDP endpoints: one frame per datagram, dispatched to a router.
//!
//! A handler gets a [`UdpCtx`] whose [`UdpCtx::reply`] answers the sender of
//! the datagram being handled. A datagram whose size disagrees with its
//! header, or whose body does not decode, is dropped and logged (throttled);
//! the socket keeps serving.

use std::io;
use std::net::SocketAddr;

use mio::event::Event;
use mio::net::UdpSocket;
use mio::{Interest, Token};
use prost::Message;

use crate::event_loop::{EventLoop, Source};
use crate::frame::{self, FrameError, HEADER_LEN, MAX_BODY_LEN};
use crate::log_throttle::LogThrottle;
use crate::router::{Dispatch, MsgRouter};

/// Datagrams handled for one readiness event before yielding.
const DATAGRAMS_PER_EVENT: usize = 256;

/// What a UDP handler sees: the socket and the current datagram's sender.
/// Loop thread only.
pub struct UdpCtx {
    socket: UdpSocket,
    peer: SocketAddr,
    out: Vec<u8>,
}

impl UdpCtx {
    /// The sender of the datagram being handled.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The local address of the socket.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
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
pub struct UdpEndpoint {
    ctx: UdpCtx,
    router: MsgRouter<UdpCtx>,
    buf: Box<[u8]>,
    bad_input_log: LogThrottle,
    name: String,
}

/// A UDP server: binds `addr` and serves frames with `router`.
pub struct UdpServer;

impl UdpServer {
    /// Binds `addr`, registers on `el` and returns the token and the bound
    /// address. Loop thread only.
    pub fn start(
        el: &mut EventLoop,
        name: &str,
        addr: SocketAddr,
        router: MsgRouter<UdpCtx>,
    ) -> io::Result<(Token, SocketAddr)> {
        let socket = UdpSocket::bind(addr)?;
        let local = socket.local_addr()?;
        let token = UdpEndpoint::register(el, name, socket, local, router)?;
        log::info!("{name} serving UDP on {local}");
        Ok((token, local))
    }
}

impl UdpEndpoint {
    pub(crate) fn register(
        el: &mut EventLoop,
        name: &str,
        mut socket: UdpSocket,
        peer: SocketAddr,
        router: MsgRouter<UdpCtx>,
    ) -> io::Result<Token> {
        let name = name.to_string();
        el.insert_source(move |registry, token| {
            registry.register(&mut socket, token, Interest::READABLE)?;
            Ok(UdpEndpoint {
                ctx: UdpCtx {
                    socket,
                    peer,
                    out: Vec::with_capacity(HEADER_LEN + MAX_BODY_LEN),
                },
                router,
                // One byte more than the largest frame, to see oversize.
                buf: vec![0u8; HEADER_LEN + MAX_BODY_LEN + 1].into_boxed_slice(),
                bad_input_log: LogThrottle::default(),
                name,
            })
        })
    }

    /// The handler context, e.g. to send from outside a handler.
    pub fn ctx(&mut self) -> &mut UdpCtx {
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
}

impl Source for UdpEndpoint {
    fn ready(&mut self, el: &mut EventLoop, token: Token, _event: &Event) {
        for _ in 0..DATAGRAMS_PER_EVENT {
            match self.ctx.socket.recv_from(&mut self.buf) {
                Ok((len, peer)) => {
                    self.ctx.peer = peer;
                    self.handle_datagram(len);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // ICMP errors (e.g. a previous reply's port unreachable)
                // surface here; they concern one peer, not the socket.
                Err(e) => log::debug!("{}: recv: {e}", self.name),
            }
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
