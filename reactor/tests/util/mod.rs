//! Helpers shared by the integration tests: an echo server on port 0, a
//! blocking frame reader with timeouts, deadline-bounded waits and a way to
//! run a closure on a loop thread and get its result back.
//!
//! Every wait here has a deadline; nothing blocks forever.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lars_reactor::{frame, EventLoop, Handlers, LoopHandle, MsgRouter, ServerConfig, TcpConn};
use lars_reactor::{TcpServer, HEADER_LEN};
use prost::Message;

/// Read timeout of test sockets: long enough for a loaded CI machine,
/// short enough that a missing reply fails the test quickly.
pub const IO_TIMEOUT: Duration = Duration::from_secs(3);

/// Echo server msgid: the raw body is sent back under the same msgid.
pub const ECHO_RAW: i32 = 1;
/// Echo server msgid: the body is decoded as [`Echo`] (counted) and sent back.
pub const ECHO_TYPED: i32 = 2;
/// Echo server msgid: replies with the name of the worker thread.
pub const WHOAMI: i32 = 3;
/// A msgid large enough to go through the router's hash map, also echoed raw.
pub const ECHO_FAR: i32 = 100_000;

/// The QPS test's message: text and a sequence number.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Echo {
    /// Free text.
    #[prost(string, tag = "1")]
    pub content: String,
    /// A sequence number.
    #[prost(int32, tag = "2")]
    pub id: i32,
}

impl Echo {
    pub fn new(content: &str, id: i32) -> Echo {
        Echo {
            content: content.to_string(),
            id,
        }
    }
}

/// A body that does not decode as any protobuf message: field 1 with the
/// invalid wire type 7.
pub const GARBAGE_BODY: &[u8] = &[0x0F, 0x01, 0x02];

/// Turns on `RUST_LOG` logging for the test binary (once).
pub fn init_log() {
    let _ = env_logger::builder().is_test(true).try_init();
}

/// `127.0.0.1:0`.
pub fn any_local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A server config on `127.0.0.1:0`.
pub fn server_config(name: &str) -> ServerConfig {
    ServerConfig::new(name, any_local())
}

/// A running echo server and the number of typed frames its handler decoded.
pub struct EchoServer {
    pub server: TcpServer,
    pub typed_calls: Arc<AtomicUsize>,
}

impl EchoServer {
    pub fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    pub fn typed_calls(&self) -> usize {
        self.typed_calls.load(Ordering::SeqCst)
    }

    pub fn connection_count(&self) -> usize {
        self.server.connection_count()
    }
}

/// The echo router: [`ECHO_RAW`], [`ECHO_TYPED`], [`WHOAMI`], [`ECHO_FAR`].
pub fn echo_router(typed_calls: Arc<AtomicUsize>) -> MsgRouter<TcpConn> {
    let mut router = MsgRouter::new();
    router
        .on_raw(ECHO_RAW, |conn: &mut TcpConn, body: &[u8]| {
            conn.send_raw(ECHO_RAW, body).unwrap();
        })
        .unwrap()
        .on(ECHO_TYPED, move |conn: &mut TcpConn, msg: Echo| {
            typed_calls.fetch_add(1, Ordering::SeqCst);
            conn.send_message(ECHO_TYPED, &msg).unwrap();
        })
        .unwrap()
        .on_raw(WHOAMI, |conn: &mut TcpConn, _body: &[u8]| {
            let name = std::thread::current().name().unwrap_or("").to_string();
            conn.send_raw(WHOAMI, name.as_bytes()).unwrap();
        })
        .unwrap()
        .on_raw(ECHO_FAR, |conn: &mut TcpConn, body: &[u8]| {
            conn.send_raw(ECHO_FAR, body).unwrap();
        })
        .unwrap();
    router
}

/// Starts an echo server with `config`.
pub fn start_echo(config: ServerConfig) -> EchoServer {
    init_log();
    let typed_calls = Arc::new(AtomicUsize::new(0));
    let calls = typed_calls.clone();
    let server = TcpServer::start(config, move || Handlers::new(echo_router(calls.clone())))
        .expect("start echo server");
    EchoServer {
        server,
        typed_calls,
    }
}

/// One frame with a raw body.
pub fn raw_frame(msgid: i32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    frame::encode_raw_frame(msgid, body, &mut out).unwrap();
    out
}

/// A frame header with an arbitrary (possibly illegal) length field.
pub fn header(msgid: i32, len: i32) -> Vec<u8> {
    let mut out = msgid.to_le_bytes().to_vec();
    out.extend_from_slice(&len.to_le_bytes());
    out
}

/// A blocking std connection with `TCP_NODELAY` and [`IO_TIMEOUT`] reads.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
    stream.set_nodelay(true).unwrap();
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

/// Reads one frame (blocking, bounded by the stream's read timeout) and
/// checks it with `frame::parse_frame`.
pub fn read_frame(stream: &mut TcpStream) -> io::Result<(i32, Vec<u8>)> {
    let mut buf = vec![0u8; HEADER_LEN];
    stream.read_exact(&mut buf)?;
    let header = frame::decode_header(&buf)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
        .expect("a whole header");
    buf.resize(HEADER_LEN + header.body_len, 0);
    stream.read_exact(&mut buf[HEADER_LEN..])?;
    let parsed = frame::parse_frame(&buf)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
        .expect("a whole frame");
    assert_eq!(parsed.len, buf.len());
    Ok((parsed.msgid, parsed.body.to_vec()))
}

/// Reads one frame and decodes its body as `M`.
pub fn read_message<M: Message + Default>(stream: &mut TcpStream) -> (i32, M) {
    let (msgid, body) = read_frame(stream).expect("read a frame");
    (msgid, M::decode(&body[..]).expect("decodable reply"))
}

/// Sends `body` under [`ECHO_RAW`] and asserts the same frame comes back.
pub fn assert_echo(stream: &mut TcpStream, body: &[u8]) {
    stream.write_all(&raw_frame(ECHO_RAW, body)).unwrap();
    let (msgid, reply) = read_frame(stream).expect("echo reply");
    assert_eq!((msgid, &reply[..]), (ECHO_RAW, body));
}

/// Sends `msg` under [`ECHO_TYPED`] and asserts it comes back.
pub fn assert_typed_echo(stream: &mut TcpStream, msg: &Echo) {
    let bytes = frame::frame_to_vec(ECHO_TYPED, msg).unwrap();
    stream.write_all(&bytes).unwrap();
    let (msgid, reply) = read_message::<Echo>(stream);
    assert_eq!((msgid, &reply), (ECHO_TYPED, msg));
}

/// Whether the peer closes `stream` (EOF or reset) within `within`; bytes
/// that arrive before the close are discarded.
pub fn wait_closed(stream: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return true, // reset
        }
    }
}

/// Asserts nothing arrives on `stream` for `quiet` (and it stays open).
pub fn assert_silent(stream: &mut TcpStream, quiet: Duration) {
    stream.set_read_timeout(Some(quiet)).unwrap();
    let mut byte = [0u8; 1];
    match stream.read(&mut byte) {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) => {}
        other => panic!("expected silence, got {other:?}"),
    }
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
}

// Not every test binary waits.
#[allow(unused_imports)]
pub use lars_testkit::wait_until;

/// Runs `f` on the loop behind `handle` and returns its result.
pub fn run_on<R: Send + 'static>(
    handle: &LoopHandle,
    f: impl FnOnce(&mut EventLoop) -> R + Send + 'static,
) -> R {
    handle.call(f).expect("the loop is running")
}

/// Receives from `rx` within [`IO_TIMEOUT`] or panics naming `what`.
pub fn recv<T>(rx: &crossbeam_channel::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(IO_TIMEOUT)
        .unwrap_or_else(|e| panic!("waiting for {what}: {e}"))
}

/// A local address that refuses connections: a socket bound to it (so no
/// one else takes the port) that does not listen. Keep the socket alive.
pub fn refusing_addr() -> (socket2::Socket, SocketAddr) {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.bind(&any_local().into()).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    (socket, addr)
}
