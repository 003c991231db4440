//! How a `TcpClient` comes back and stays connected: against a server that
//! accepts and closes at once it waits longer and longer, and its
//! keepalive keeps a quiet connection open on a server that closes idle
//! ones.

mod util;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lars_reactor::{
    frame, ClientConfig, Handlers, Keepalive, LoopThread, MsgRouter, TcpClient, TcpConn, TcpServer,
    TimeoutReason,
};
use util::*;

/// Msgid of the keepalive frame, counted by the server.
const KEEPALIVE: i32 = 9;

fn start_client(config: ClientConfig) -> LoopThread {
    init_log();
    let (thread, _client) = LoopThread::spawn_with("test-client", move |el| {
        TcpClient::start(el, config, Handlers::new(MsgRouter::new()))
    })
    .expect("client starts");
    thread
}

#[test]
fn a_server_that_closes_at_once_gets_ever_longer_pauses() {
    let listener = TcpListener::bind(any_local()).unwrap();
    let addr = listener.local_addr().unwrap();
    let accepts: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = accepts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.lock().unwrap().push(Instant::now());
            drop(stream); // accepted and closed at once
        }
    });
    let mut config = ClientConfig::new("backoff-client", vec![addr]);
    config.backoff_min = Duration::from_millis(50);
    config.backoff_max = Duration::from_secs(2);
    let _client = start_client(config);

    assert!(
        wait_until(Duration::from_secs(15), || accepts.lock().unwrap().len()
            >= 6),
        "{} connections",
        accepts.lock().unwrap().len()
    );
    let times = accepts.lock().unwrap().clone();
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    // Steps of 50, 100, 200, 400, 800 ms, each waited between half and all
    // of it: the fourth and fifth gaps are at least 200 and 400 ms. (A
    // client that reconnects every 50 ms fails here.)
    assert!(gaps[3] >= Duration::from_millis(200), "{gaps:?}");
    assert!(gaps[4] >= Duration::from_millis(400), "{gaps:?}");
}

#[test]
fn a_keepalive_keeps_a_quiet_client_open_on_a_server_that_closes_idle_ones() {
    let keepalives = Arc::new(AtomicUsize::new(0));
    let counter = keepalives.clone();
    let mut server_config = server_config("keepalive");
    server_config.idle_timeout = Some(Duration::from_millis(300));
    let server = TcpServer::start(server_config, move || {
        let counter = counter.clone();
        let mut router = MsgRouter::new();
        router
            .on_raw(KEEPALIVE, move |_conn: &mut TcpConn, _body: &[u8]| {
                counter.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        Handlers::new(router)
    })
    .unwrap();
    let mut quiet = ClientConfig::new("quiet-client", vec![server.local_addr()]);
    quiet.keepalive = Some(Keepalive {
        interval: Duration::from_millis(100),
        frame: frame::frame_to_vec(KEEPALIVE, &Echo::new("", 0))
            .unwrap()
            .into(),
    });
    let _client = start_client(quiet);

    assert!(wait_until(IO_TIMEOUT, || keepalives.load(Ordering::SeqCst) >= 10));
    let counts = server.open_connections();
    assert_eq!(counts.timed_out(TimeoutReason::Idle), 0);
    assert_eq!(server.connection_count(), 1, "never closed as idle");
}
