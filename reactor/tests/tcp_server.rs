//! `TcpServer` over real sockets: framing on the stream (split frames, many
//! frames in one write, illegal lengths), the router's handling of unknown
//! msgids and bad bodies, `max_conn`, worker spreading, connection counting
//! and shutdown.

mod util;

use std::collections::HashSet;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lars_reactor::{frame, Handlers, TcpServer, MAX_BODY_LEN};
use util::*;

#[test]
fn frame_written_one_byte_at_a_time_is_answered() {
    let server = start_echo(server_config("bytewise"));
    let mut stream = connect(server.addr());
    let msg = Echo::new("split into single bytes", 7);
    let request = frame::frame_to_vec(ECHO_TYPED, &msg).unwrap();
    let (last, head) = request.split_last().unwrap();
    for byte in head {
        stream.write_all(std::slice::from_ref(byte)).unwrap();
        stream.flush().unwrap();
        // A pause so each byte arrives in its own segment and read.
        std::thread::sleep(Duration::from_millis(1));
    }
    // An incomplete frame must not be answered.
    assert_silent(&mut stream, Duration::from_millis(50));
    stream.write_all(&[*last]).unwrap();
    let (msgid, reply) = read_message::<Echo>(&mut stream);
    assert_eq!((msgid, reply), (ECHO_TYPED, msg));
    assert_eq!(server.typed_calls(), 1);
    // The connection is still in a clean state for the next frame.
    assert_echo(&mut stream, b"after");
}

#[test]
fn thousand_frames_in_one_write_are_all_answered_in_order() {
    let server = start_echo(server_config("burst"));
    let mut stream = connect(server.addr());
    let mut batch = Vec::new();
    for i in 0..1000 {
        let msg = Echo::new("Hello Lars!!!", i);
        frame::encode_frame(ECHO_TYPED, &msg, &mut batch).unwrap();
    }
    stream.write_all(&batch).unwrap();
    for i in 0..1000 {
        let (msgid, reply) = read_message::<Echo>(&mut stream);
        assert_eq!((msgid, reply.id), (ECHO_TYPED, i), "reply #{i}");
    }
    assert_silent(&mut stream, Duration::from_millis(50));
    assert_eq!(server.typed_calls(), 1000);
}

#[test]
fn largest_legal_frame_is_answered() {
    let server = start_echo(server_config("maxframe"));
    let mut stream = connect(server.addr());
    let body: Vec<u8> = (0..MAX_BODY_LEN).map(|i| i as u8).collect();
    assert_echo(&mut stream, &body);
    assert_echo(&mut stream, b"");
}

/// Sends a header with length `len` on one connection and checks that only
/// that connection is closed.
fn illegal_length_closes_only_that_connection(len: i32) {
    let server = start_echo(server_config("badlen"));
    let mut good = connect(server.addr());
    let mut bad = connect(server.addr());
    assert_echo(&mut good, b"before");
    assert_echo(&mut bad, b"before");

    let mut bytes = header(ECHO_RAW, len);
    bytes.extend_from_slice(b"some body bytes");
    bad.write_all(&bytes).unwrap();
    assert!(
        wait_closed(&mut bad, IO_TIMEOUT),
        "length {len}: connection should be closed"
    );
    assert!(wait_until(IO_TIMEOUT, || server.connection_count() == 1));

    assert_echo(&mut good, b"still served");
    let mut fresh = connect(server.addr());
    assert_echo(&mut fresh, b"new connections too");
}

#[test]
fn negative_msglen_closes_that_connection_only() {
    illegal_length_closes_only_that_connection(-1);
}

#[test]
fn very_negative_msglen_closes_that_connection_only() {
    illegal_length_closes_only_that_connection(i32::MIN);
}

#[test]
fn oversized_msglen_closes_that_connection_only() {
    assert_eq!(MAX_BODY_LEN + 1, 65528);
    illegal_length_closes_only_that_connection(65528);
}

#[test]
fn unknown_msgid_is_ignored_and_connection_stays_usable() {
    let server = start_echo(server_config("unknown"));
    let mut stream = connect(server.addr());
    let mut bytes = Vec::new();
    for msgid in [999, 0, 63, 64, -5, i32::MAX, i32::MIN] {
        bytes.extend_from_slice(&raw_frame(msgid, b"nobody listens"));
    }
    stream.write_all(&bytes).unwrap();
    // The first reply must be the one to this valid frame: nothing was
    // sent back for the unknown ones.
    assert_echo(&mut stream, b"valid");
    // Ids past the router's direct table still dispatch.
    stream.write_all(&raw_frame(ECHO_FAR, b"far away")).unwrap();
    assert_eq!(
        read_frame(&mut stream).unwrap(),
        (ECHO_FAR, b"far away".to_vec())
    );
    assert_silent(&mut stream, Duration::from_millis(50));
    assert_eq!(server.connection_count(), 1);
}

#[test]
fn undecodable_body_is_dropped_without_closing() {
    let server = start_echo(server_config("garbage"));
    let mut stream = connect(server.addr());
    let mut bytes = raw_frame(ECHO_TYPED, GARBAGE_BODY);
    // Invalid UTF-8 in the string field is a decode error too.
    bytes.extend_from_slice(&raw_frame(ECHO_TYPED, &[0x0A, 0x02, 0xFF, 0xFE]));
    // A length-delimited field running past the body.
    bytes.extend_from_slice(&raw_frame(ECHO_TYPED, &[0x0A, 0x7F, 0x41]));
    stream.write_all(&bytes).unwrap();
    let msg = Echo::new("good", 1);
    assert_typed_echo(&mut stream, &msg);
    assert_eq!(
        server.typed_calls(),
        1,
        "the handler must not run for the garbage bodies"
    );
    assert_silent(&mut stream, Duration::from_millis(50));
}

#[test]
fn connection_past_max_conn_is_closed_and_room_is_reused() {
    const N: usize = 3;
    let mut config = server_config("maxconn");
    config.max_conn = N;
    config.threads = 2;
    let server = start_echo(config);

    let mut admitted: Vec<_> = (0..N).map(|_| connect(server.addr())).collect();
    for (i, s) in admitted.iter_mut().enumerate() {
        assert_echo(s, format!("conn {i}").as_bytes());
    }
    assert_eq!(server.connection_count(), N);

    let mut extra = connect(server.addr());
    // Writing may or may not fail depending on timing; the close must come.
    let _ = extra.write_all(&raw_frame(ECHO_RAW, b"too many"));
    assert!(
        wait_closed(&mut extra, IO_TIMEOUT),
        "connection {} should be closed by the server",
        N + 1
    );
    for (i, s) in admitted.iter_mut().enumerate() {
        assert_echo(s, format!("conn {i} still served").as_bytes());
    }
    assert_eq!(server.connection_count(), N);

    drop(admitted.remove(0));
    assert!(
        wait_until(IO_TIMEOUT, || server.connection_count() == N - 1),
        "count should drop after a client leaves, is {}",
        server.connection_count()
    );
    let mut again = connect(server.addr());
    assert_echo(&mut again, b"room again");
    assert_eq!(server.connection_count(), N);
}

#[test]
fn connections_are_spread_over_all_worker_threads() {
    const THREADS: usize = 3;
    let mut config = server_config("spread");
    config.threads = THREADS;
    let server = start_echo(config);
    let mut streams: Vec<_> = (0..2 * THREADS).map(|_| connect(server.addr())).collect();
    let mut names = HashSet::new();
    for s in &mut streams {
        s.write_all(&raw_frame(WHOAMI, b"")).unwrap();
        let (msgid, name) = read_frame(s).unwrap();
        assert_eq!(msgid, WHOAMI);
        let name = String::from_utf8(name).unwrap();
        assert!(
            name.starts_with("spread-worker-"),
            "handler ran on {name:?}"
        );
        names.insert(name);
    }
    assert_eq!(
        names.len(),
        THREADS,
        "round-robin should use every worker: {names:?}"
    );
}

#[test]
fn connection_count_goes_back_down_when_clients_disconnect() {
    let mut config = server_config("count");
    config.threads = 2;
    let server = start_echo(config);
    assert_eq!(server.connection_count(), 0);
    let mut streams: Vec<_> = (0..5).map(|_| connect(server.addr())).collect();
    for s in &mut streams {
        assert_echo(s, b"hi");
    }
    assert_eq!(server.connection_count(), 5);
    streams.truncate(3);
    assert!(
        wait_until(IO_TIMEOUT, || server.connection_count() == 3),
        "count is {}",
        server.connection_count()
    );
    // A half-close (shutdown of the write side) also ends the connection.
    streams[0].shutdown(std::net::Shutdown::Write).unwrap();
    assert!(wait_until(IO_TIMEOUT, || server.connection_count() == 2));
    streams.clear();
    assert!(
        wait_until(IO_TIMEOUT, || server.connection_count() == 0),
        "count is {}",
        server.connection_count()
    );
}

#[test]
fn dropping_the_server_closes_connections_and_frees_the_port() {
    let server = start_echo(server_config("stop"));
    let addr = server.addr();
    let mut stream = connect(addr);
    assert_echo(&mut stream, b"hi");
    drop(server);
    assert!(wait_closed(&mut stream, IO_TIMEOUT));
    // SO_REUSEADDR: the same port can be bound again at once.
    let mut config = server_config("stop2");
    config.addr = addr;
    let again = start_echo(config);
    assert_eq!(again.addr(), addr);
    let mut stream = connect(addr);
    assert_echo(&mut stream, b"second life");
}

#[test]
fn stopping_the_server_runs_on_close_for_open_connections() {
    // ConnHooks::on_close: "Runs once when the connection closes, whatever
    // the cause" -- stopping the server is one of the causes.
    init_log();
    let closed = Arc::new(AtomicUsize::new(0));
    let c = closed.clone();
    let mut config = server_config("stophook");
    config.threads = 2;
    let server = TcpServer::start(config, move || {
        let c = c.clone();
        Handlers::new(echo_router(Arc::default())).on_close(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        })
    })
    .unwrap();
    let mut streams: Vec<_> = (0..2).map(|_| connect(server.local_addr())).collect();
    for s in &mut streams {
        assert_echo(s, b"hi");
    }
    server.stop();
    assert_eq!(
        closed.load(Ordering::SeqCst),
        2,
        "on_close should run for each connection closed by stopping the server"
    );
}

#[test]
fn a_client_that_half_closes_still_gets_its_replies() {
    let server = start_echo(server_config("half-close"));
    for i in 0..20 {
        let mut stream = connect(server.addr());
        let body = format!("request {i}");
        stream
            .write_all(&raw_frame(ECHO_RAW, body.as_bytes()))
            .unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let (msgid, reply) = read_frame(&mut stream).expect("reply after half-close");
        assert_eq!((msgid, reply), (ECHO_RAW, body.into_bytes()));
    }
}
