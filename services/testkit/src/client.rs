//! Blocking frame clients for tests: every read has a timeout.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use lars_proto::frame::{self, HEADER_LEN};
use prost::Message;

/// A framed TCP client.
pub struct FrameClient {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl FrameClient {
    /// Connects to `addr` (3 s timeout).
    pub fn connect(addr: SocketAddr) -> io::Result<FrameClient> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
        FrameClient::over(stream)
    }

    /// Connects to `addr` from the local address `local` (3 s timeout).
    pub fn connect_from(local: IpAddr, addr: SocketAddr) -> io::Result<FrameClient> {
        FrameClient::over(connect_from(local, addr)?)
    }

    fn over(stream: TcpStream) -> io::Result<FrameClient> {
        stream.set_nodelay(true)?;
        Ok(FrameClient {
            stream,
            buf: Vec::new(),
        })
    }

    /// A client on a connection made elsewhere (e.g. one that has been
    /// sent raw bytes already).
    pub fn from_stream(stream: TcpStream) -> FrameClient {
        FrameClient {
            stream,
            buf: Vec::new(),
        }
    }

    /// Sends `msg` under `msgid`.
    pub fn send<M: Message>(&mut self, msgid: i32, msg: &M) -> io::Result<()> {
        let bytes = frame::frame_to_vec(msgid, msg).map_err(io::Error::other)?;
        self.stream.write_all(&bytes)
    }

    /// Sends raw bytes (malformed frames, garbage).
    pub fn send_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// The next frame within `timeout`: `Ok(None)` on timeout, an error when
    /// the peer closed.
    pub fn recv(&mut self, timeout: Duration) -> io::Result<Option<(i32, Vec<u8>)>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(f) = frame::parse_frame(&self.buf).map_err(io::Error::other)? {
                let out = (f.msgid, f.body.to_vec());
                self.buf.drain(..f.len);
                return Ok(Some(out));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.stream.set_read_timeout(Some(left))?;
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "peer closed")),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The next frame, decoded as `M` after checking its msgid.
    pub fn recv_msg<M: Message + Default>(
        &mut self,
        msgid: i32,
        timeout: Duration,
    ) -> io::Result<Option<M>> {
        match self.recv(timeout)? {
            None => Ok(None),
            Some((id, body)) if id == msgid => {
                M::decode(&body[..]).map(Some).map_err(io::Error::other)
            }
            Some((id, _)) => Err(io::Error::other(format!(
                "expected msgid {msgid}, got {id}"
            ))),
        }
    }

    /// Whether the server closed the connection within `timeout`.
    pub fn closed_within(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.recv(Duration::from_millis(50)).is_err() {
                return true;
            }
        }
        false
    }
}

/// A TCP connection to `server` from the local address `local` (3 s
/// timeout): on Linux every 127.x.y.z is local, so tests can play peers
/// with different addresses.
pub fn connect_from(local: IpAddr, server: SocketAddr) -> io::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(server), Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(local, 0).into())?;
    socket.connect_timeout(&server.into(), Duration::from_secs(3))?;
    Ok(socket.into())
}

/// A framed UDP client (one frame per datagram).
pub struct DatagramClient {
    socket: UdpSocket,
}

impl DatagramClient {
    /// A socket on 127.0.0.1 connected to `server`.
    pub fn connect(server: SocketAddr) -> io::Result<DatagramClient> {
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        socket.connect(server)?;
        Ok(DatagramClient { socket })
    }

    /// Sends `msg` under `msgid` as one datagram.
    pub fn send<M: Message>(&self, msgid: i32, msg: &M) -> io::Result<()> {
        let bytes = frame::frame_to_vec(msgid, msg).map_err(io::Error::other)?;
        self.socket.send(&bytes).map(|_| ())
    }

    /// Sends raw bytes as one datagram.
    pub fn send_bytes(&self, bytes: &[u8]) -> io::Result<()> {
        self.socket.send(bytes).map(|_| ())
    }

    /// The next datagram's frame within `timeout`, or `None`.
    pub fn recv(&self, timeout: Duration) -> io::Result<Option<(i32, Vec<u8>)>> {
        self.socket
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        let mut buf = [0u8; 65536];
        match self.socket.recv(&mut buf) {
            Ok(n) if n >= HEADER_LEN => {
                let (id, body) = frame::parse_datagram(&buf[..n]).map_err(io::Error::other)?;
                Ok(Some((id, body.to_vec())))
            }
            Ok(n) => Err(io::Error::other(format!("short datagram of {n} bytes"))),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Sends a request and waits for the reply decoded as `R`.
    pub fn call<Q: Message, R: Message + Default>(
        &self,
        msgid: i32,
        req: &Q,
        reply_id: i32,
        timeout: Duration,
    ) -> io::Result<Option<R>> {
        self.send(msgid, req)?;
        match self.recv(timeout)? {
            None => Ok(None),
            Some((id, body)) if id == reply_id => {
                R::decode(&body[..]).map(Some).map_err(io::Error::other)
            }
            Some((id, _)) => Err(io::Error::other(format!(
                "expected msgid {reply_id}, got {id}"
            ))),
        }
    }
}
