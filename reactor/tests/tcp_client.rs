//! `TcpClient` against real servers: connect and close hooks, reconnecting
//! by itself after a server restart on the same port, refusing sends while
//! disconnected, failing over between addresses (refused and timed-out
//! connects), sending through a `ConnHandle`, and stopping.
//!
//! Each client runs on its own `LoopThread`; the test thread talks to it
//! with `LoopHandle::post` (`run_on`) and hears from it over channels.

mod util;

use std::net::SocketAddr;
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, Sender};
use lars_reactor::{
    ClientConfig, ClientRef, ConnHandle, Handlers, LoopThread, MsgRouter, SendError, TcpClient,
    TcpConn, TcpServer,
};
use util::*;

/// What the client's hooks and router report.
#[derive(Debug, PartialEq)]
enum Ev {
    Connected(SocketAddr),
    Closed,
    Reply(Echo),
}

/// The greeting the client sends from its connect hook (and the echo
/// server sends back).
fn hello() -> Echo {
    Echo::new("hello", 0)
}

struct Client {
    thread: LoopThread,
    client: ClientRef,
    events: Receiver<Ev>,
    handles: Receiver<ConnHandle>,
}

impl Client {
    fn start(config: ClientConfig) -> Client {
        init_log();
        let (ev_tx, events) = unbounded();
        let (handle_tx, handles) = unbounded();
        let (thread, client) = LoopThread::spawn_with("test-client", move |el| {
            TcpClient::start(el, config, client_handlers(ev_tx, handle_tx))
        })
        .expect("client starts");
        Client {
            thread,
            client,
            events,
            handles,
        }
    }

    fn send(&self, msg: Echo) -> Result<(), SendError> {
        let client = self.client;
        run_on(self.thread.handle(), move |el| {
            client.send_message(el, ECHO_TYPED, &msg)
        })
    }

    fn is_connected(&self) -> bool {
        let client = self.client;
        run_on(self.thread.handle(), move |el| client.is_connected(el))
    }

    fn next(&self, what: &str) -> Ev {
        recv(&self.events, what)
    }

    /// Asserts no event arrives for `quiet`.
    fn assert_quiet(&self, quiet: Duration) {
        if let Ok(ev) = self.events.recv_timeout(quiet) {
            panic!("unexpected event {ev:?}");
        }
    }

    /// Expects a (re)connect to `addr` and the echo of the greeting.
    fn expect_connected(&self, addr: SocketAddr) {
        assert_eq!(self.next("connect hook"), Ev::Connected(addr));
        assert_eq!(self.next("echo of the greeting"), Ev::Reply(hello()));
    }

    fn expect_round_trip(&self, msg: Echo) {
        self.send(msg.clone()).expect("send while connected");
        assert_eq!(self.next("echo"), Ev::Reply(msg));
    }
}

fn client_handlers(events: Sender<Ev>, handles: Sender<ConnHandle>) -> Handlers {
    let mut router = MsgRouter::new();
    let ev = events.clone();
    router
        .on(ECHO_TYPED, move |_conn: &mut TcpConn, msg: Echo| {
            let _ = ev.send(Ev::Reply(msg));
        })
        .unwrap();
    let ev = events.clone();
    Handlers::new(router)
        .on_connect(move |conn| {
            let _ = ev.send(Ev::Connected(conn.peer_addr()));
            let _ = handles.send(conn.handle());
            // Re-send "from our own state" after each connect.
            conn.send_message(ECHO_TYPED, &hello()).unwrap();
        })
        .on_close(move |_| {
            let _ = events.send(Ev::Closed);
        })
}

/// Fast retries so reconnect tests take milliseconds.
fn quick_config(addrs: Vec<SocketAddr>) -> ClientConfig {
    let mut config = ClientConfig::new("test-client", addrs);
    config.backoff_min = Duration::from_millis(10);
    config.backoff_max = Duration::from_millis(50);
    config.connect_timeout = Duration::from_secs(1);
    config
}

#[test]
fn connects_and_exchanges_messages() {
    let server = start_echo(server_config("client-basic"));
    let c = Client::start(quick_config(vec![server.addr()]));
    c.expect_connected(server.addr());
    assert!(c.is_connected());
    for i in 1..=10 {
        c.expect_round_trip(Echo::new("ping", i));
    }
    assert_eq!(server.connection_count(), 1);
    assert_eq!(server.typed_calls(), 11);
}

#[test]
fn reconnects_by_itself_after_server_restart_on_the_same_port() {
    let server = start_echo(server_config("restart-1"));
    let addr = server.addr();
    let c = Client::start(quick_config(vec![addr]));
    c.expect_connected(addr);
    let first_handle = recv(&c.handles, "first handle");
    c.expect_round_trip(Echo::new("before", 1));

    drop(server);
    assert_eq!(c.next("close hook"), Ev::Closed);
    assert!(!c.is_connected());
    assert!(matches!(
        c.send(Echo::new("lost", 2)),
        Err(SendError::NotConnected)
    ));
    // While the server is down the client keeps retrying quietly: several
    // backoff periods pass without a connect.
    c.assert_quiet(Duration::from_millis(150));
    assert!(matches!(
        c.send(Echo::new("lost", 3)),
        Err(SendError::NotConnected)
    ));

    let mut config = server_config("restart-2");
    config.addr = addr;
    let server = start_echo(config);
    c.expect_connected(addr);
    assert!(c.is_connected());
    c.expect_round_trip(Echo::new("after", 4));
    assert_eq!(server.connection_count(), 1);

    // The handle of the first connection is stale: accepted, but nothing
    // reaches the new connection.
    first_handle
        .send_message(ECHO_TYPED, &Echo::new("stale", 5))
        .unwrap();
    let fresh_handle = recv(&c.handles, "second handle");
    fresh_handle
        .send_message(ECHO_TYPED, &Echo::new("fresh", 6))
        .unwrap();
    assert_eq!(
        c.next("echo via fresh handle"),
        Ev::Reply(Echo::new("fresh", 6))
    );
    c.assert_quiet(Duration::from_millis(100));
    assert_eq!(server.typed_calls(), 3, "hello, after, fresh");
}

#[test]
fn fails_over_from_a_refusing_address_to_a_live_one() {
    let (_dead_socket, dead) = refusing_addr();
    let server = start_echo(server_config("failover"));
    let c = Client::start(quick_config(vec![dead, server.addr()]));
    c.expect_connected(server.addr());
    c.expect_round_trip(Echo::new("via second address", 1));
}

#[test]
fn fails_over_when_a_connect_times_out() {
    use socket2::{Domain, Socket, Type};
    // A listener with a full accept queue drops further SYNs, so connecting
    // to it hangs until the client's connect timeout.
    let blackhole = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    blackhole.bind(&any_local().into()).unwrap();
    blackhole.listen(0).unwrap();
    let hole = blackhole.local_addr().unwrap().as_socket().unwrap();
    let _filler = std::net::TcpStream::connect(hole).unwrap();
    let probe = std::net::TcpStream::connect_timeout(&hole, Duration::from_millis(100));
    assert!(probe.is_err(), "precondition: connects to {hole} hang");

    let server = start_echo(server_config("timeout-failover"));
    let mut config = quick_config(vec![hole, server.addr()]);
    config.connect_timeout = Duration::from_millis(150);
    let c = Client::start(config);
    c.expect_connected(server.addr());
    c.expect_round_trip(Echo::new("after a timeout", 1));
}

#[test]
fn sends_are_refused_while_never_connected() {
    let (_dead_socket, dead) = refusing_addr();
    let c = Client::start(quick_config(vec![dead]));
    c.assert_quiet(Duration::from_millis(100));
    assert!(!c.is_connected());
    assert!(matches!(
        c.send(Echo::new("nobody", 1)),
        Err(SendError::NotConnected)
    ));
}

#[test]
fn empty_address_list_is_an_error() {
    init_log();
    let started = LoopThread::spawn_with("no-addrs", move |el| {
        TcpClient::start(el, quick_config(vec![]), Handlers::default())
    });
    let err = started.err().expect("no address to connect to");
    assert!(err.to_string().contains("no server address"), "{err}");
}

#[test]
fn conn_handle_sends_from_another_thread() {
    let server = start_echo(server_config("client-handle"));
    let c = Client::start(quick_config(vec![server.addr()]));
    c.expect_connected(server.addr());
    let handle = recv(&c.handles, "handle");
    std::thread::spawn(move || {
        for i in 1..=20 {
            handle
                .send_message(ECHO_TYPED, &Echo::new("via handle", i))
                .unwrap();
        }
    })
    .join()
    .unwrap();
    for i in 1..=20 {
        assert_eq!(
            c.next("echo via handle"),
            Ev::Reply(Echo::new("via handle", i))
        );
    }
}

#[test]
fn stop_closes_the_connection_and_stops_reconnecting() {
    let server = start_echo(server_config("client-stop"));
    let c = Client::start(quick_config(vec![server.addr()]));
    c.expect_connected(server.addr());
    let client = c.client;
    run_on(c.thread.handle(), move |el| client.stop(el)).expect("a running client");
    assert_eq!(c.next("close hook"), Ev::Closed);
    assert!(wait_until(IO_TIMEOUT, || server.connection_count() == 0));
    c.assert_quiet(Duration::from_millis(150));
    assert_eq!(server.connection_count(), 0, "no reconnect after stop");
    assert!(!c.is_connected());
    assert!(matches!(
        c.send(Echo::new("after stop", 1)),
        Err(SendError::Stopped)
    ));
}

#[test]
fn receives_a_greeting_the_server_sends_on_connect() {
    // The server writes as soon as it accepts, so the greeting can arrive
    // together with the client's connect completion.
    init_log();
    let server = TcpServer::start(server_config("greeter"), || {
        Handlers::new(echo_router(Default::default())).on_connect(|conn| {
            conn.send_message(ECHO_TYPED, &Echo::new("welcome", 100))
                .unwrap();
        })
    })
    .unwrap();
    let c = Client::start(quick_config(vec![server.local_addr()]));
    assert_eq!(c.next("connect hook"), Ev::Connected(server.local_addr()));
    let mut replies = vec![c.next("first frame"), c.next("second frame")];
    replies.sort_by_key(|ev| match ev {
        Ev::Reply(m) => m.id,
        _ => -1,
    });
    assert_eq!(
        replies,
        [Ev::Reply(hello()), Ev::Reply(Echo::new("welcome", 100))]
    );
    c.expect_round_trip(Echo::new("then as usual", 1));
}

#[test]
fn stopping_the_client_loop_runs_on_close() {
    // Hooks "fire on every (re)connect and close": a connection closed
    // because its loop thread stops is closed too.
    let server = start_echo(server_config("client-loop-stop"));
    let c = Client::start(quick_config(vec![server.addr()]));
    c.expect_connected(server.addr());
    let Client { thread, events, .. } = c;
    thread.stop();
    assert!(wait_until(IO_TIMEOUT, || server.connection_count() == 0));
    assert_eq!(
        events.try_recv().ok(),
        Some(Ev::Closed),
        "on_close should run when the client's loop stops"
    );
}
