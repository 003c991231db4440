//! `UdpServer` and `UdpClient`: one frame per datagram; malformed
//! datagrams, undecodable bodies and unknown msgids are dropped while the
//! socket keeps serving; a server replies to each datagram's sender.

mod util;

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::unbounded;
use lars_reactor::{frame, LoopThread, MsgRouter, UdpClient, UdpCtx, UdpServer};
use prost::Message;
use util::*;

/// A UDP echo server on its own loop thread.
struct Server {
    _thread: LoopThread,
    addr: SocketAddr,
    typed_calls: Arc<AtomicUsize>,
}

impl Server {
    fn typed_calls(&self) -> usize {
        self.typed_calls.load(Ordering::SeqCst)
    }
}

/// `ECHO_TYPED` echoes the decoded message; `ECHO_RAW` answers with the
/// body's length in `id`.
fn start_server() -> Server {
    init_log();
    let typed_calls = Arc::new(AtomicUsize::new(0));
    let calls = typed_calls.clone();
    let (thread, server) = LoopThread::spawn_with("udp-server", move |el| {
        let mut router = MsgRouter::new();
        router
            .on(ECHO_TYPED, move |ctx: &mut UdpCtx, msg: Echo| {
                calls.fetch_add(1, Ordering::SeqCst);
                ctx.reply(ECHO_TYPED, &msg).unwrap();
            })
            .unwrap()
            .on_raw(ECHO_RAW, |ctx: &mut UdpCtx, body: &[u8]| {
                let reply = Echo::new("raw", body.len() as i32);
                ctx.reply(ECHO_RAW, &reply).unwrap();
            })
            .unwrap();
        UdpServer::start(el, "udp-test", any_local(), router, ())
    })
    .expect("udp server starts");
    Server {
        _thread: thread,
        addr: server.local_addr(),
        typed_calls,
    }
}

fn socket() -> UdpSocket {
    let s = UdpSocket::bind(any_local()).unwrap();
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s
}

fn send_typed(s: &UdpSocket, to: SocketAddr, msg: &Echo) {
    s.send_to(&frame::frame_to_vec(ECHO_TYPED, msg).unwrap(), to)
        .unwrap();
}

/// Receives one datagram within the socket's timeout and decodes it.
fn recv_reply(s: &UdpSocket, from: SocketAddr) -> (i32, Echo) {
    let mut buf = vec![0u8; 65536];
    let (n, peer) = s.recv_from(&mut buf).expect("a reply datagram");
    assert_eq!(peer, from);
    let (msgid, body) = frame::parse_datagram(&buf[..n]).expect("a well-formed reply");
    (msgid, Echo::decode(body).expect("decodable reply"))
}

/// Asserts no datagram arrives for `quiet`.
fn assert_no_reply(s: &UdpSocket, quiet: Duration) {
    s.set_read_timeout(Some(quiet)).unwrap();
    let mut buf = [0u8; 64];
    if let Ok((n, _)) = s.recv_from(&mut buf) {
        panic!("unexpected datagram of {n} bytes");
    }
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
}

#[test]
fn server_echoes_to_each_sender() {
    let server = start_server();
    let (a, b) = (socket(), socket());
    send_typed(&a, server.addr, &Echo::new("from a", 1));
    send_typed(&b, server.addr, &Echo::new("from b", 2));
    assert_eq!(
        recv_reply(&a, server.addr),
        (ECHO_TYPED, Echo::new("from a", 1))
    );
    assert_eq!(
        recv_reply(&b, server.addr),
        (ECHO_TYPED, Echo::new("from b", 2))
    );
    // A large (but IPv4-sendable) body fits the server's buffer.
    a.send_to(&raw_frame(ECHO_RAW, &vec![1u8; 60_000]), server.addr)
        .unwrap();
    assert_eq!(
        recv_reply(&a, server.addr),
        (ECHO_RAW, Echo::new("raw", 60_000))
    );
    assert_eq!(server.typed_calls(), 2);
}

#[test]
fn datagram_whose_length_disagrees_with_its_header_is_dropped() {
    let server = start_server();
    let s = socket();
    let good = raw_frame(ECHO_RAW, b"12345");
    let mut malformed: Vec<Vec<u8>> = vec![
        good[..good.len() - 1].to_vec(), // shorter than announced
        [&good[..], b"x"].concat(),      // longer than announced
        good[..5].to_vec(),              // shorter than a header
        Vec::new(),                      // empty
        [header(ECHO_RAW, -1), b"12345".to_vec()].concat(),
        [header(ECHO_RAW, 65528), b"12345".to_vec()].concat(),
    ];
    // Two frames in one datagram.
    malformed.push([good.clone(), good.clone()].concat());
    for bad in &malformed {
        s.send_to(bad, server.addr).unwrap();
    }
    assert_no_reply(&s, Duration::from_millis(200));
    // The next good datagram is answered, and it is the only answer.
    s.send_to(&good, server.addr).unwrap();
    assert_eq!(recv_reply(&s, server.addr), (ECHO_RAW, Echo::new("raw", 5)));
    assert_no_reply(&s, Duration::from_millis(100));
}

#[test]
fn undecodable_body_for_a_typed_handler_is_dropped() {
    let server = start_server();
    let s = socket();
    s.send_to(&raw_frame(ECHO_TYPED, GARBAGE_BODY), server.addr)
        .unwrap();
    s.send_to(
        &raw_frame(ECHO_TYPED, &[0x0A, 0x02, 0xFF, 0xFE]),
        server.addr,
    )
    .unwrap();
    assert_no_reply(&s, Duration::from_millis(200));
    assert_eq!(server.typed_calls(), 0, "handler must not run for garbage");
    send_typed(&s, server.addr, &Echo::new("good", 3));
    assert_eq!(
        recv_reply(&s, server.addr),
        (ECHO_TYPED, Echo::new("good", 3))
    );
    assert_eq!(server.typed_calls(), 1);
}

#[test]
fn unknown_msgid_is_ignored() {
    let server = start_server();
    let s = socket();
    for msgid in [999, 0, -1, 1_000_000] {
        s.send_to(&raw_frame(msgid, b"nobody"), server.addr)
            .unwrap();
    }
    assert_no_reply(&s, Duration::from_millis(200));
    send_typed(&s, server.addr, &Echo::new("known", 4));
    assert_eq!(
        recv_reply(&s, server.addr),
        (ECHO_TYPED, Echo::new("known", 4))
    );
}

#[test]
fn udp_client_gets_replies_through_its_router() {
    let server = start_server();
    let (tx, rx) = unbounded();
    let server_addr = server.addr;
    let (client_thread, client) = LoopThread::spawn_with("udp-client", move |el| {
        let mut router = MsgRouter::new();
        router
            .on(ECHO_TYPED, move |ctx: &mut UdpCtx, msg: Echo| {
                tx.send((ctx.peer_addr(), msg)).unwrap();
            })
            .unwrap();
        UdpClient::start(el, "udp-test-client", server_addr, router)
    })
    .expect("udp client starts");
    for i in 0..5 {
        let msg = Echo::new("via UdpClient", i);
        let m = msg.clone();
        run_on(client_thread.handle(), move |el| {
            client.send_message(el, ECHO_TYPED, &m)
        })
        .unwrap();
        assert_eq!(
            recv(&rx, "reply through the client router"),
            (server_addr, msg)
        );
    }
    assert_eq!(server.typed_calls(), 5);

    run_on(client_thread.handle(), move |el| client.stop(el)).expect("a running client");
    let after_stop = run_on(client_thread.handle(), move |el| {
        client.send_message(el, ECHO_TYPED, &Echo::new("gone", 9))
    });
    assert!(after_stop.is_err(), "a stopped client cannot send");
}

/// What the counting server keeps: requests seen per sender port.
#[derive(Default)]
struct Seen {
    requests: u32,
}

#[test]
fn handlers_and_the_loop_share_the_server_state_in_turn() {
    init_log();
    let (thread, server) = LoopThread::spawn_with("udp-state", move |el| {
        let mut router = MsgRouter::new();
        router
            .on(ECHO_TYPED, |ctx: &mut UdpCtx<Seen>, msg: Echo| {
                ctx.state().requests += 1;
                let reply = Echo::new(&msg.content, ctx.state().requests as i32);
                ctx.reply(ECHO_TYPED, &reply).unwrap();
            })
            .unwrap();
        UdpServer::start(el, "udp-state", any_local(), router, Seen::default())
    })
    .expect("udp server starts");
    let s = socket();
    for i in 1..=3 {
        send_typed(&s, server.local_addr(), &Echo::new("count", 0));
        assert_eq!(
            recv_reply(&s, server.local_addr()),
            (ECHO_TYPED, Echo::new("count", i))
        );
    }
    // The loop's own code (a timer, a queue, here a call) sees the same state.
    let seen = run_on(thread.handle(), move |el| {
        server.with_state(el, |ctx, _el| {
            ctx.state().requests += 10;
            ctx.state().requests
        })
    });
    assert_eq!(seen, Ok(13));
    send_typed(&s, server.local_addr(), &Echo::new("count", 0));
    assert_eq!(
        recv_reply(&s, server.local_addr()),
        (ECHO_TYPED, Echo::new("count", 14))
    );
    // A stopped server says so instead of ignoring the call.
    let after_stop = run_on(thread.handle(), move |el| {
        server.stop(el).unwrap();
        (server.with_state(el, |_, _| ()), server.stop(el))
    });
    assert!(
        after_stop.0.is_err() && after_stop.1.is_err(),
        "{after_stop:?}"
    );
}
