//! Echo server of the QPS test: answers every `EchoMessage`
//! (msgid 1) with the same message.
//!
//! ```text
//! cargo run --release -p lars-reactor --features echo --example echo_server -- [ADDR] [THREADS]
//! ```
//! Defaults: 127.0.0.1:7777, 2 worker threads.

use lars_reactor::echo_handlers;
use lars_reactor::{ServerConfig, TcpServer};

fn main() -> std::io::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let mut args = std::env::args().skip(1);
    let usage = || -> ! {
        eprintln!("usage: echo_server [ADDR] [THREADS]");
        std::process::exit(2)
    };
    let addr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:7777".into())
        .parse()
        .unwrap_or_else(|_| usage());
    let threads: usize = args
        .next()
        .map_or(Some(2), |s| s.parse().ok())
        .unwrap_or_else(|| usage());
    let mut config = ServerConfig::new("echo", addr);
    config.threads = threads;
    let server = TcpServer::start(config, echo_handlers)?;
    println!("echo server on {} — Ctrl-C to stop", server.local_addr());
    loop {
        std::thread::park();
    }
}
