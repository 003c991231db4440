//! `TcpConn` and `ConnHandle` through a server: hooks, per-connection user
//! state, sending from other threads, stale handles, and the output cap
//! that cuts off a peer that never reads.

mod util;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver};
use lars_reactor::{frame, ConnHandle, Handlers, SendError, ServerConfig, TcpConn, TcpServer};
use util::*;

/// Msgid of unsolicited pushes made through a `ConnHandle`.
const PUSH: i32 = 7;

/// Starts an echo server whose hooks report each connection's handle on
/// connect and its peer address on close.
fn start_hooked(config: ServerConfig) -> (TcpServer, Receiver<ConnHandle>, Receiver<SocketAddr>) {
    init_log();
    let (conn_tx, conn_rx) = unbounded();
    let (close_tx, close_rx) = unbounded();
    let server = TcpServer::start(config, move || {
        let conn_tx = conn_tx.clone();
        let close_tx = close_tx.clone();
        Handlers::new(echo_router(Arc::default()))
            .on_connect(move |conn: &mut TcpConn| {
                let _ = conn_tx.send(conn.handle());
            })
            .on_close(move |conn: &mut TcpConn| {
                assert!(conn.is_closed());
                let _ = close_tx.send(conn.peer_addr());
            })
    })
    .unwrap();
    (server, conn_rx, close_rx)
}

#[test]
fn hooks_fire_once_per_connection() {
    let mut config = server_config("hooks");
    config.threads = 2;
    let (server, conn_rx, close_rx) = start_hooked(config);
    let mut a = connect(server.local_addr());
    let mut b = connect(server.local_addr());
    let ha = recv(&conn_rx, "connect hook a");
    let hb = recv(&conn_rx, "connect hook b");
    assert_ne!(ha.id(), hb.id(), "connection ids are unique");
    assert_echo(&mut a, b"a");
    assert_echo(&mut b, b"b");
    let a_addr = a.local_addr().unwrap();
    drop(a);
    assert_eq!(recv(&close_rx, "close hook a"), a_addr);
    assert_echo(&mut b, b"b still here");
    let b_addr = b.local_addr().unwrap();
    drop(b);
    assert_eq!(recv(&close_rx, "close hook b"), b_addr);
    assert!(wait_until(IO_TIMEOUT, || server.connection_count() == 0));
    assert!(
        conn_rx.is_empty() && close_rx.is_empty(),
        "hooks ran once each"
    );
}

#[test]
fn user_state_lives_with_the_connection() {
    init_log();
    let server = TcpServer::start(server_config("state"), || {
        let mut router = lars_reactor::MsgRouter::new();
        router
            .on_raw(ECHO_RAW, |conn: &mut TcpConn, _body: &[u8]| {
                let n = conn.user_state::<u32>().expect("state set on connect");
                *n += 1;
                let n = *n;
                conn.send_raw(ECHO_RAW, &n.to_le_bytes()).unwrap();
            })
            .unwrap();
        Handlers::new(router).on_connect(|conn| conn.set_user_state(0u32))
    })
    .unwrap();
    let mut a = connect(server.local_addr());
    let mut b = connect(server.local_addr());
    let count = |s: &mut std::net::TcpStream| {
        s.write_all(&raw_frame(ECHO_RAW, b"")).unwrap();
        let (_, body) = read_frame(s).unwrap();
        u32::from_le_bytes(body.try_into().unwrap())
    };
    assert_eq!(count(&mut a), 1);
    assert_eq!(count(&mut a), 2);
    assert_eq!(count(&mut b), 1, "each connection has its own state");
    assert_eq!(count(&mut a), 3);
}

#[test]
fn conn_handle_pushes_from_other_threads() {
    let (server, conn_rx, _close_rx) = start_hooked(server_config("push"));
    let mut peer = connect(server.local_addr());
    let handle = recv(&conn_rx, "connect hook");

    handle
        .send_message(PUSH, &Echo::new("from the test thread", 1))
        .unwrap();
    let (msgid, msg) = read_message::<Echo>(&mut peer);
    assert_eq!((msgid, msg.id), (PUSH, 1));

    let h = handle.clone();
    std::thread::spawn(move || {
        for i in 2..=101 {
            h.send_message(PUSH, &Echo::new("from another thread", i))
                .unwrap();
        }
    })
    .join()
    .unwrap();
    for i in 2..=101 {
        let (msgid, msg) = read_message::<Echo>(&mut peer);
        assert_eq!((msgid, msg.id), (PUSH, i), "pushes arrive in order");
    }
    // Pushes and replies share the connection without corrupting frames.
    assert_echo(&mut peer, b"interleaved");
}

#[test]
fn one_frame_can_be_shared_by_many_connections() {
    let (server, conn_rx, _close_rx) = start_hooked(server_config("broadcast"));
    let mut peers: Vec<_> = (0..3).map(|_| connect(server.local_addr())).collect();
    let handles: Vec<ConnHandle> = (0..3).map(|_| recv(&conn_rx, "connect hook")).collect();
    let shared: Arc<[u8]> = frame::frame_to_vec(PUSH, &Echo::new("to all", 9))
        .unwrap()
        .into();
    for h in &handles {
        h.send_frame(shared.clone()).unwrap();
    }
    for p in &mut peers {
        let (msgid, msg) = read_message::<Echo>(p);
        assert_eq!((msgid, msg), (PUSH, Echo::new("to all", 9)));
    }
}

#[test]
fn conn_handle_close_closes_the_connection() {
    let (server, conn_rx, close_rx) = start_hooked(server_config("hclose"));
    let mut peer = connect(server.local_addr());
    let handle = recv(&conn_rx, "connect hook");
    assert_echo(&mut peer, b"open");
    std::thread::spawn(move || handle.close().unwrap())
        .join()
        .unwrap();
    assert!(wait_closed(&mut peer, IO_TIMEOUT));
    recv(&close_rx, "close hook");
    assert!(wait_until(IO_TIMEOUT, || server.connection_count() == 0));
}

#[test]
fn stale_conn_handle_is_harmless() {
    let (server, conn_rx, close_rx) = start_hooked(server_config("stale"));
    let mut first = connect(server.local_addr());
    let stale = recv(&conn_rx, "connect hook");
    assert_echo(&mut first, b"first");
    drop(first);
    recv(&close_rx, "close hook");
    assert!(wait_until(IO_TIMEOUT, || server.connection_count() == 0));

    // The next connection likely takes the same slot in the worker's slab.
    let mut second = connect(server.local_addr());
    let fresh = recv(&conn_rx, "connect hook");
    assert_ne!(stale.id(), fresh.id());
    assert_echo(&mut second, b"second");

    // Sending on the stale handle from another thread: no panic, no error
    // (the loop is alive), and nothing reaches the new connection.
    let s = stale.clone();
    std::thread::spawn(move || {
        s.send_message(PUSH, &Echo::new("stale", 0)).unwrap();
        s.close().unwrap();
    })
    .join()
    .unwrap();
    assert_echo(&mut second, b"unaffected");
    assert_silent(&mut second, Duration::from_millis(100));
    assert_eq!(server.connection_count(), 1);

    // Once the server is gone, handles report that the loop has stopped.
    drop(server);
    assert!(matches!(
        stale.send_message(PUSH, &Echo::new("late", 0)),
        Err(SendError::LoopGone)
    ));
    assert!(matches!(fresh.close(), Err(SendError::LoopGone)));
}

#[test]
fn peer_that_never_reads_is_cut_off_at_the_output_cap() {
    const FLOOD: i32 = 10;
    const MAX_OUTPUT: usize = 256 * 1024;
    init_log();
    let (close_tx, close_rx) = unbounded();
    let mut config = server_config("cap");
    config.max_output = MAX_OUTPUT;
    let server = TcpServer::start(config, move || {
        let mut router = echo_router(Arc::default());
        router
            .on_raw(FLOOD, |conn: &mut TcpConn, _body: &[u8]| {
                // 20 frames of 60 KB per request: 1.2 MB.
                let big = vec![0x5Au8; 60_000];
                for _ in 0..20 {
                    if conn.send_raw(FLOOD, &big).is_err() {
                        return;
                    }
                }
            })
            .unwrap();
        let close_tx = close_tx.clone();
        Handlers::new(router).on_close(move |conn| {
            let _ = close_tx.send(conn.peer_addr());
        })
    })
    .unwrap();

    let mut reader = connect(server.local_addr());
    assert_echo(&mut reader, b"well-behaved");
    let mut hog = connect(server.local_addr());
    hog.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    let hog_addr = hog.local_addr().unwrap();
    let request = raw_frame(FLOOD, b"");

    // Keep asking without ever reading until the server gives up on us.
    let deadline = Instant::now() + Duration::from_secs(5);
    let closed = loop {
        let _ = hog.write_all(&request); // fails once the server has closed
        match close_rx.recv_timeout(Duration::from_millis(20)) {
            Ok(addr) => break Some(addr),
            Err(_) if Instant::now() < deadline => {}
            Err(_) => break None,
        }
    };
    assert_eq!(
        closed,
        Some(hog_addr),
        "the non-reading peer should be disconnected"
    );
    assert!(
        wait_until(IO_TIMEOUT, || server.connection_count() == 1),
        "count is {}",
        server.connection_count()
    );
    assert_echo(&mut reader, b"still served");
    assert!(close_rx.is_empty(), "only the hog was closed");
}

#[test]
fn output_below_the_cap_is_delivered_in_full() {
    // The cap bounds what is *pending*, not what a reading peer can get.
    const FLOOD: i32 = 10;
    init_log();
    let mut config = server_config("nocap");
    config.max_output = 256 * 1024;
    let server = TcpServer::start(config, || {
        let mut router = echo_router(Arc::default());
        router
            .on_raw(FLOOD, |conn: &mut TcpConn, _body: &[u8]| {
                for i in 0..4u8 {
                    conn.send_raw(FLOOD, &vec![i; 60_000]).unwrap();
                }
            })
            .unwrap();
        Handlers::new(router)
    })
    .unwrap();
    let mut peer = connect(server.local_addr());
    for _ in 0..10 {
        peer.write_all(&raw_frame(FLOOD, b"")).unwrap();
        for i in 0..4u8 {
            let (msgid, body) = read_frame(&mut peer).unwrap();
            assert_eq!(msgid, FLOOD);
            assert!(body.len() == 60_000 && body.iter().all(|&b| b == i));
        }
    }
    assert_eq!(server.connection_count(), 1);
}
