//! The reactor QPS test's echo server (SPEC §4.12), started in-process.

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;

use lars_reactor::{Handlers, MsgRouter, ServerConfig, TcpConn, TcpServer};
use prost::Message;

/// The QPS test's message: content "Hello Lars!!!", msgid 1.
#[derive(Clone, PartialEq, prost::Message)]
pub struct EchoMessage {
    /// Payload text.
    #[prost(string, tag = "1")]
    pub content: String,
    /// Sender's id.
    #[prost(int32, tag = "2")]
    pub id: i32,
}

/// Starts an echo server on `addr` with `threads` worker loops. Each request
/// is decoded into a reused message and encoded back, as the original does.
pub fn start_echo_server(addr: SocketAddr, threads: usize) -> io::Result<TcpServer> {
    let mut config = ServerConfig::new("echo", addr);
    config.threads = threads;
    TcpServer::start(config, || {
        let scratch = RefCell::new(EchoMessage::default());
        let mut router = MsgRouter::new();
        router
            .on_raw(1, move |conn: &mut TcpConn, body: &[u8]| {
                let mut msg = scratch.borrow_mut();
                msg.clear();
                if msg.merge(body).is_ok() {
                    let _ = conn.send_message(1, &*msg);
                }
            })
            .expect("msgid 1 registered once");
        Handlers::new(router)
    })
}
