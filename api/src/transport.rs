//! The client's I/O edge: three UDP sockets connected to the agent's ports
//! `base_port`, `+1`, `+2`, a send that encodes a small message on the
//! stack, and a receive with an overall deadline into one reused buffer.
//!
//! Nothing here allocates per call, and nothing blocks past a deadline: the
//! socket's read timeout is only changed when the time left differs from it
//! by more than [`TIMEOUT_SLACK`], so the common call costs one `send` and
//! one `recv`. With [`ClientOptions::spin`] a receive first polls the socket
//! without blocking while the CPU is otherwise idle.

use crate::types::{ApiError, ClientOptions};
use lars_idle_spin::IdleSpin;
use lars_proto::{frame, AGENT_PORTS};
use prost::Message;
use std::io::{self, ErrorKind};
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

/// Largest request frame the client sends; every API request is far below.
const SMALL_FRAME: usize = 128;

/// Size of the receive buffer: a datagram holds at most one 65535-byte frame.
const RECV_BUF: usize = 65536;

/// How far a socket's read timeout may be from the time left before it is
/// reset (a `setsockopt` per call would cost as much as the call itself).
const TIMEOUT_SLACK: Duration = Duration::from_millis(1);

/// Three connected sockets and the receive buffer they share.
///
/// Used by one thread at a time (`&mut self` to receive).
pub(crate) struct UdpTransport {
    socks: [UdpSocket; AGENT_PORTS],
    /// The agent address each socket is connected to, for error messages.
    agents: [SocketAddrV4; AGENT_PORTS],
    /// The read timeout currently set on each socket.
    read_timeouts: [Duration; AGENT_PORTS],
    /// Reused for every datagram received; boxed so the client stays small.
    recv_buf: Box<[u8]>,
    /// Polling before a blocking receive, if configured.
    spin: Option<IdleSpin>,
}

impl UdpTransport {
    /// Binds three sockets on an ephemeral port and connects them to the
    /// agent's ports; the options must be valid
    /// ([`ClientOptions::validate`]).
    pub(crate) fn open(opts: &ClientOptions) -> Result<UdpTransport, ApiError> {
        opts.validate()?;
        // A loopback socket cannot reach another host; bind the wildcard
        // address when the agent is elsewhere.
        let local = if opts.agent_ip.is_loopback() {
            Ipv4Addr::LOCALHOST
        } else {
            Ipv4Addr::UNSPECIFIED
        };
        let open_one = |i: usize| -> io::Result<(UdpSocket, SocketAddrV4)> {
            let agent = SocketAddrV4::new(opts.agent_ip, opts.base_port + i as u16);
            let sock = UdpSocket::bind(SocketAddrV4::new(local, 0))?;
            sock.connect(agent).map_err(|e| {
                io::Error::new(e.kind(), format!("lars client: connect to {agent}: {e}"))
            })?;
            sock.set_read_timeout(Some(opts.timeout))?;
            Ok((sock, agent))
        };
        let (s0, a0) = open_one(0)?;
        let (s1, a1) = open_one(1)?;
        let (s2, a2) = open_one(2)?;
        Ok(UdpTransport {
            socks: [s0, s1, s2],
            agents: [a0, a1, a2],
            read_timeouts: [opts.timeout; AGENT_PORTS],
            recv_buf: vec![0u8; RECV_BUF].into_boxed_slice(),
            spin: opts.spin.map(IdleSpin::new),
        })
    }

    /// The agent address socket `idx` talks to.
    pub(crate) fn agent(&self, idx: usize) -> SocketAddrV4 {
        self.agents[idx]
    }

    /// Sends `msg` as one frame under `msgid` on socket `idx`.
    ///
    /// A `Connection refused` left on the socket by an earlier datagram (the
    /// agent was down then) is consumed and the send retried once.
    pub(crate) fn send<M: Message>(&self, idx: usize, msgid: i32, msg: &M) -> io::Result<()> {
        let mut buf = [0u8; SMALL_FRAME];
        let len = frame::encode_frame_into(msgid, msg, &mut buf)
            .map_err(|e| io::Error::new(ErrorKind::InvalidInput, format!("msgid {msgid}: {e}")))?;
        let mut refused_once = false;
        loop {
            match self.socks[idx].send(&buf[..len]) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::ConnectionRefused && !refused_once => {
                    refused_once = true;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Receives the next frame on socket `idx` before `deadline` and returns
    /// its msgid and body (borrowed from the reused buffer).
    ///
    /// [`ApiError::Timeout`] at the deadline — or the `Connection refused`
    /// seen while waiting, which says why nothing came. A datagram that is
    /// not exactly one frame is [`ApiError::BadReply`].
    pub(crate) fn recv(&mut self, idx: usize, deadline: Instant) -> Result<(i32, &[u8]), ApiError> {
        let mut refused = None;
        let len = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(refused.map_or(ApiError::Timeout, ApiError::Io));
            }
            let (sock, buf) = (&self.socks[idx], &mut self.recv_buf);
            let polled = self.spin.as_mut().and_then(|spin| {
                spin.poll(Some(deadline), || match recv_now(sock, buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => None,
                    other => Some(other),
                })
            });
            let received = match polled {
                Some(result) => result,
                None => {
                    self.fit_read_timeout(idx, left)?;
                    self.socks[idx].recv(&mut self.recv_buf)
                }
            };
            match received {
                Ok(n) => break n,
                Err(e) => match e.kind() {
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted => {}
                    // Keep waiting: the error may belong to an earlier
                    // datagram, and the agent may have come back since.
                    ErrorKind::ConnectionRefused => refused = Some(e),
                    _ => return Err(ApiError::Io(e)),
                },
            }
        };
        let agent = self.agents[idx];
        frame::parse_datagram(&self.recv_buf[..len])
            .map_err(|e| ApiError::BadReply(format!("datagram from {agent}: {e}")))
    }

    /// Makes socket `idx`'s read timeout `left`, unless it is already
    /// within [`TIMEOUT_SLACK`] of it.
    fn fit_read_timeout(&mut self, idx: usize, left: Duration) -> io::Result<()> {
        let cur = self.read_timeouts[idx];
        if cur > left + TIMEOUT_SLACK || cur + TIMEOUT_SLACK < left {
            self.socks[idx].set_read_timeout(Some(left))?;
            self.read_timeouts[idx] = left;
        }
        Ok(())
    }
}

/// Receives a datagram on `sock` if one is waiting, without blocking
/// (`WouldBlock` otherwise), whatever the socket's blocking mode.
#[cfg(unix)]
fn recv_now(sock: &UdpSocket, buf: &mut [u8]) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the whole
    // call, and the descriptor belongs to `sock`, which outlives the call.
    let n = unsafe {
        libc::recv(
            sock.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_DONTWAIT,
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Without `MSG_DONTWAIT` nothing is polled: the receive blocks as usual.
#[cfg(not(unix))]
fn recv_now(_sock: &UdpSocket, _buf: &mut [u8]) -> io::Result<usize> {
    Err(ErrorKind::WouldBlock.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_refuses_bad_options() {
        let opts = ClientOptions {
            base_port: 65534,
            ..ClientOptions::default()
        };
        let err = UdpTransport::open(&opts).err().unwrap();
        assert!(err.to_string().contains("65534"), "{err}");
    }
}
