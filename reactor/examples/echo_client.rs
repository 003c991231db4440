//! Echo client of the QPS test: each thread runs its own loop
//! with one `TcpClient`; it sends an `EchoMessage`, waits for the echo, sends
//! the next. Prints round trips per second.
//!
//! ```text
//! cargo run --release -p lars-reactor --features echo --example echo_client -- THREADS [ADDR] [SECONDS]
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lars_reactor::{ClientConfig, Handlers, LoopThread, MsgRouter, TcpClient, TcpConn};
use lars_reactor::{EchoMessage, ECHO_MSGID};

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let mut args = std::env::args().skip(1);
    let usage = || -> ! {
        eprintln!("usage: echo_client THREADS [ADDR] [SECONDS]");
        std::process::exit(2)
    };
    let threads: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| usage());
    let addr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:7777".into())
        .parse()
        .unwrap_or_else(|_| usage());
    let seconds: u64 = args
        .next()
        .map_or(Some(10), |s| s.parse().ok())
        .unwrap_or_else(|| usage());

    let count = Arc::new(AtomicU64::new(0));
    let loops: Vec<LoopThread> = (0..threads)
        .map(|i| {
            let count = count.clone();
            LoopThread::spawn(&format!("echo-client-{i}"), move |el| {
                let request = EchoMessage::hello(i as i32);
                let mut router = MsgRouter::new();
                let req = request.clone();
                router
                    .on(ECHO_MSGID, move |conn: &mut TcpConn, _echo: EchoMessage| {
                        count.fetch_add(1, Ordering::Relaxed);
                        let _ = conn.send_message(ECHO_MSGID, &req);
                    })
                    .expect("msgid 1 registered once");
                let handlers = Handlers::new(router).on_connect(move |conn| {
                    let _ = conn.send_message(ECHO_MSGID, &request);
                });
                if let Err(e) =
                    TcpClient::start(el, ClientConfig::new("echo", vec![addr]), handlers)
                {
                    eprintln!("client {i}: {e}");
                }
            })
            .expect("spawn client loop")
        })
        .collect();

    let start = Instant::now();
    let mut last = 0;
    for _ in 0..seconds {
        std::thread::sleep(Duration::from_secs(1));
        let now = count.load(Ordering::Relaxed);
        println!("{} round trips/s", now - last);
        last = now;
    }
    let total = count.load(Ordering::Relaxed);
    println!(
        "{threads} connections: {:.0} round trips/s on average",
        total as f64 / start.elapsed().as_secs_f64()
    );
    drop(loops);
}
