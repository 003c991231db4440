//! UDP endpoints: one frame per datagram, dispatched to a router.
//!
//! A handler gets a [`UdpCtx`] whose [`UdpCtx::reply`] answers the sender of
//! the datagram being handled. A datagram whose size disagrees with its
//! header, or whose body does not decode, is dropped and logged (throttled);
//! the socket keeps serving.
//!
//! A server may also poll its socket for a short while after it runs dry
//! ([`UdpServer::set_idle_spin`]), but only while no other thread wants the
//! CPU: on a machine where waking a sleeping thread is slow (a VM), this
//! saves a wake-up per request for a lone client at no cost to busy ones.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::event::Event;
use mio::net::UdpSocket;
use mio::{Interest, Token};
use prost::Message;

use crate::event_loop::{EventLoop, Source};
use crate::frame::{self, FrameError, HEADER_LEN, MAX_BODY_LEN};
use crate::idle_spin::IdleSpin;
use crate::log_throttle::LogThrottle;
use crate::router::{Dispatch, MsgRouter};

/// Datagrams handled for one readiness event before yielding.
const DATAGRAMS_PER_EVENT: usize = 256;

/// At most this long spinning in one readiness callback, so the loop's
/// timers, tasks and other sockets are not kept waiting.
const MAX_SPIN_TURN: Duration = Duration::from_millis(2);

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
    spin: Option<IdleSpin>,
}

/// A UDP server: binds `addr` and serves frames with `router`.
pub struct UdpServer;

impl UdpServer {
    /// Makes the server under `token` keep polling its socket for `window`
    /// after the last datagram instead of going to sleep at once, yielding
    /// the CPU between polls. Spinning stops as soon as a yield actually
    /// lets another thread run (the CPU is wanted) and stays off for a
    /// while ([`IdleSpin`]); so it only uses a CPU nobody else needs, and
    /// saves the cost of waking this thread for a client that sends its
    /// next request within `window`. `None` (the default) turns it off.
    /// Loop thread only; a token that is not a UDP endpoint is ignored.
    pub fn set_idle_spin(el: &mut EventLoop, token: Token, window: Option<Duration>) {
        el.with_source::<UdpEndpoint, _>(token, |ep, _| {
            ep.spin = window.map(IdleSpin::new);
        });
    }

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
                spin: None,
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

impl UdpEndpoint {
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

impl Source for UdpEndpoint {
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
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    const PING: i32 = 7;

    /// A loop on this thread with a server that answers PING with an empty
    /// PING, spinning for `window` when idle.
    fn spinning_server(window: Option<Duration>) -> (EventLoop, SocketAddr) {
        let mut el = EventLoop::new().unwrap();
        let mut router = MsgRouter::new();
        router
            .on_raw(PING, |ctx: &mut UdpCtx, _body: &[u8]| {
                ctx.reply(PING, &()).unwrap();
            })
            .unwrap();
        let (token, addr) =
            UdpServer::start(&mut el, "spin-test", "127.0.0.1:0".parse().unwrap(), router).unwrap();
        UdpServer::set_idle_spin(&mut el, token, window);
        (el, addr)
    }

    fn ping_frame() -> Vec<u8> {
        let mut out = Vec::new();
        frame::encode_frame(PING, &(), &mut out).unwrap();
        out
    }

    #[test]
    fn a_spinning_server_answers_every_request() {
        let (mut el, addr) = spinning_server(Some(Duration::from_micros(200)));
        let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        client.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 64];
        for _ in 0..50 {
            client.send_to(&ping_frame(), addr).unwrap();
            let deadline = Instant::now() + Duration::from_secs(5);
            let len = loop {
                el.turn(Some(Duration::from_millis(5)));
                match client.recv(&mut buf) {
                    Ok(len) => break len,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
                assert!(Instant::now() < deadline, "no answer");
            };
            assert_eq!(frame::parse_datagram(&buf[..len]).unwrap(), (PING, &[][..]));
        }
    }

    #[test]
    fn spinning_never_keeps_timers_waiting_long() {
        let (mut el, addr) = spinning_server(Some(Duration::from_millis(50)));
        let ticks = Rc::new(Cell::new(0u32));
        let t = ticks.clone();
        el.run_every(Duration::from_millis(1), move |_| t.set(t.get() + 1));
        // A steady trickle of requests keeps the server spinning.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sender = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = client.send_to(&ping_frame(), addr);
                    std::thread::sleep(Duration::from_micros(100));
                }
            })
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(200) {
            let turn = Instant::now();
            el.turn(Some(Duration::from_millis(5)));
            // One turn: at most the spin cap plus some scheduling slack.
            assert!(turn.elapsed() < MAX_SPIN_TURN + Duration::from_millis(100));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        sender.join().unwrap();
        assert!(
            ticks.get() >= 10,
            "timer ran {} times in 200 ms",
            ticks.get()
        );
    }
}
