//! Echo server of the QPS test (SPEC §4.12): answers every `EchoMessage`
//! (msgid 1) with the same message.
//!
//! ```text
//! cargo run --release -p lars-reactor --example echo_server -- [ADDR] [THREADS]
//! ```
//! Defaults: 127.0.0.1:7777, 2 worker threads.

use std::cell::RefCell;

use lars_reactor::{Handlers, MsgRouter, ServerConfig, TcpConn, TcpServer};
use prost::Message;

/// The QPS test's message.
#[derive(Clone, PartialEq, prost::Message)]
pub struct EchoMessage {
    #[prost(string, tag = "1")]
    pub content: String,
    #[prost(int32, tag = "2")]
    pub id: i32,
}

fn main() -> std::io::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7777".into());
    let threads: usize = args
        .next()
        .map_or(Ok(2), |s| s.parse())
        .unwrap_or_else(|e| {
            eprintln!("THREADS: {e}");
            std::process::exit(2)
        });
    let addr = addr.parse().unwrap_or_else(|e| {
        eprintln!("ADDR '{addr}': {e}");
        std::process::exit(2)
    });
    let mut config = ServerConfig::new("echo", addr);
    config.threads = threads;
    let server = TcpServer::start(config, || {
        // One reusable message per worker: decoding reuses its capacity.
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
    })?;
    println!("echo server on {} — Ctrl-C to stop", server.local_addr());
    loop {
        std::thread::park();
    }
}
