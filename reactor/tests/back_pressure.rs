//! Pausing and resuming reading a connection: a paused connection
//! dispatches nothing, its socket fills up and stops the sender, and on
//! resume everything it was sent is dispatched in order.

mod util;

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver};
use lars_reactor::{ConnHandle, Handlers, MsgRouter, ServerConfig, TcpConn, TcpServer};
use util::*;

/// Echoes its body, then pauses the connection and hands its handle out.
const ECHO_THEN_PAUSE: i32 = 10;
/// Counted, not answered.
const COUNT: i32 = 11;

struct Paused {
    server: TcpServer,
    handles: Receiver<ConnHandle>,
    counted: Arc<AtomicUsize>,
    resumes: Arc<AtomicUsize>,
}

/// A server with [`ECHO_RAW`], [`ECHO_THEN_PAUSE`] and [`COUNT`]; its
/// resume hook counts resumes and pauses again on the first one when
/// `pause_on_first_resume`.
fn start(config: ServerConfig, pause_on_first_resume: bool) -> Paused {
    init_log();
    let (tx, handles) = unbounded();
    let counted = Arc::new(AtomicUsize::new(0));
    let resumes = Arc::new(AtomicUsize::new(0));
    let (count, resumed) = (counted.clone(), resumes.clone());
    let server = TcpServer::start(config, move || {
        let (tx, count, resumed) = (tx.clone(), count.clone(), resumed.clone());
        let mut router = MsgRouter::new();
        router
            .on_raw(ECHO_RAW, |conn: &mut TcpConn, body: &[u8]| {
                conn.send_raw(ECHO_RAW, body).unwrap();
            })
            .unwrap()
            .on_raw(ECHO_THEN_PAUSE, move |conn: &mut TcpConn, body: &[u8]| {
                conn.send_raw(ECHO_THEN_PAUSE, body).unwrap();
                conn.pause_reading();
                assert!(conn.is_reading_paused());
                let _ = tx.send(conn.handle());
            })
            .unwrap()
            .on_raw(COUNT, move |_conn: &mut TcpConn, _body: &[u8]| {
                count.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        Handlers::new(router).on_resume(move |conn| {
            if resumed.fetch_add(1, Ordering::SeqCst) == 0 && pause_on_first_resume {
                conn.pause_reading();
            }
        })
    })
    .unwrap();
    Paused {
        server,
        handles,
        counted,
        resumes,
    }
}

#[test]
fn a_paused_connection_dispatches_nothing_until_resumed_then_all_in_order() {
    let p = start(server_config("pause"), false);
    let mut client = connect(p.server.local_addr());
    let mut bytes = raw_frame(ECHO_THEN_PAUSE, b"stop");
    for i in 0..100u32 {
        bytes.extend(raw_frame(ECHO_RAW, &i.to_le_bytes()));
    }
    client.write_all(&bytes).unwrap();
    assert_eq!(
        read_frame(&mut client).unwrap(),
        (ECHO_THEN_PAUSE, b"stop".to_vec())
    );
    let handle = recv(&p.handles, "the paused connection");
    assert_silent(&mut client, Duration::from_millis(300));

    handle.resume_reading().unwrap();
    for i in 0..100u32 {
        let (msgid, body) = read_frame(&mut client).unwrap();
        assert_eq!((msgid, body), (ECHO_RAW, i.to_le_bytes().to_vec()));
    }
    assert_echo(&mut client, b"reading again");
    assert_eq!(p.resumes.load(Ordering::SeqCst), 1);
    handle.resume_reading().unwrap();
    assert_echo(
        &mut client,
        b"resuming a reading connection changes nothing",
    );
    assert_eq!(p.resumes.load(Ordering::SeqCst), 1);
}

#[test]
fn a_paused_socket_fills_up_and_stops_the_sender_and_nothing_is_lost() {
    let p = start(server_config("fill"), false);
    let mut client = connect(p.server.local_addr());
    client.write_all(&raw_frame(ECHO_THEN_PAUSE, b"")).unwrap();
    read_frame(&mut client).unwrap();
    let handle = recv(&p.handles, "the paused connection");

    // Write without blocking until the kernel takes no more: the server's
    // receive buffer and ours are full. 64 MiB is far above both.
    client.set_nonblocking(true).unwrap();
    let chunk: Vec<u8> = (0..64)
        .flat_map(|_| raw_frame(COUNT, &[1u8; 1016]))
        .collect();
    let mut frames = 0usize;
    let mut unsent: Option<usize> = None; // bytes of the last chunk written
    while frames < 64 * 1024 && unsent.is_none() {
        match client.write(&chunk) {
            Ok(n) if n == chunk.len() => frames += 64,
            Ok(n) => unsent = Some(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => unsent = Some(0),
            Err(e) => panic!("write: {e}"),
        }
    }
    let written = unsent.unwrap_or_else(|| panic!("{frames} frames written, never blocked"));
    assert_eq!(
        p.counted.load(Ordering::SeqCst),
        0,
        "nothing read while paused"
    );
    handle.resume_reading().unwrap();
    client.set_nonblocking(false).unwrap();
    client.write_all(&chunk[written..]).unwrap();
    frames += 64;
    assert!(
        wait_until(IO_TIMEOUT, || p.counted.load(Ordering::SeqCst) == frames),
        "{} of {frames} frames dispatched",
        p.counted.load(Ordering::SeqCst)
    );
}

#[test]
fn the_resume_hook_may_pause_again() {
    let p = start(server_config("hook"), true);
    let mut client = connect(p.server.local_addr());
    client.write_all(&raw_frame(ECHO_THEN_PAUSE, b"x")).unwrap();
    read_frame(&mut client).unwrap();
    let handle = recv(&p.handles, "the paused connection");
    client.write_all(&raw_frame(ECHO_RAW, b"waits")).unwrap();
    handle.resume_reading().unwrap();
    assert!(wait_until(IO_TIMEOUT, || p.resumes.load(Ordering::SeqCst) == 1));
    assert_silent(&mut client, Duration::from_millis(200));
    handle.resume_reading().unwrap();
    assert_eq!(
        read_frame(&mut client).unwrap(),
        (ECHO_RAW, b"waits".to_vec())
    );
}

#[test]
fn a_paused_connection_is_not_closed_as_idle() {
    let mut config = server_config("paused-idle");
    config.idle_timeout = Some(Duration::from_millis(100));
    config.frame_timeout = Some(Duration::from_millis(100));
    let p = start(config, false);
    let mut client = connect(p.server.local_addr());
    let mut bytes = raw_frame(ECHO_THEN_PAUSE, b"");
    bytes.extend(&raw_frame(ECHO_RAW, b"half")[..6]);
    client.write_all(&bytes).unwrap();
    read_frame(&mut client).unwrap();
    let handle = recv(&p.handles, "the paused connection");
    assert!(!wait_closed(&mut client, Duration::from_millis(500)));
    handle.resume_reading().unwrap();
    client
        .write_all(&raw_frame(ECHO_RAW, b"half")[6..])
        .unwrap();
    assert_eq!(
        read_frame(&mut client).unwrap(),
        (ECHO_RAW, b"half".to_vec())
    );
    assert!(
        wait_closed(&mut client, IO_TIMEOUT),
        "idle again once reading resumed"
    );
}
