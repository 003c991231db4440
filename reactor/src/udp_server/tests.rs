//! Tests of `udp_server.rs`: the idle spin of a server.

use super::*;
use std::cell::Cell;
use std::rc::Rc;

const PING: i32 = 7;

/// A loop on this thread with a server that answers PING with an empty
/// PING, spinning for `window` when idle.
fn spinning_server(window: Option<Duration>) -> (EventLoop, SocketAddr) {
    let mut el = EventLoop::new().unwrap();
    let mut router = MsgRouter::new();
    router
        .on_raw(PING, |ctx: &mut UdpCtx, _body: &[u8]| {
            ctx.reply(PING, &()).unwrap();
        })
        .unwrap();
    let server = UdpServer::start(
        &mut el,
        "spin-test",
        "127.0.0.1:0".parse().unwrap(),
        router,
        (),
    )
    .unwrap();
    server.set_idle_spin(&mut el, window).unwrap();
    (el, server.local_addr())
}

fn ping_frame() -> Vec<u8> {
    let mut out = Vec::new();
    frame::encode_frame(PING, &(), &mut out).unwrap();
    out
}

#[test]
fn a_spinning_server_answers_every_request() {
    let (mut el, addr) = spinning_server(Some(Duration::from_micros(200)));
    let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 64];
    for _ in 0..50 {
        client.send_to(&ping_frame(), addr).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let len = loop {
            el.turn(Some(Duration::from_millis(5)));
            match client.recv(&mut buf) {
                Ok(len) => break len,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
            assert!(Instant::now() < deadline, "no answer");
        };
        assert_eq!(frame::parse_datagram(&buf[..len]).unwrap(), (PING, &[][..]));
    }
}

#[test]
fn spinning_never_keeps_timers_waiting_long() {
    let (mut el, addr) = spinning_server(Some(Duration::from_millis(50)));
    let ticks = Rc::new(Cell::new(0u32));
    let t = ticks.clone();
    el.run_every(Duration::from_millis(1), move |_| t.set(t.get() + 1));
    // A steady trickle of requests keeps the server spinning.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sender = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = client.send_to(&ping_frame(), addr);
                std::thread::sleep(Duration::from_micros(100));
            }
        })
    };
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(200) {
        let turn = Instant::now();
        el.turn(Some(Duration::from_millis(5)));
        // One turn: at most the spin cap plus some scheduling slack.
        assert!(turn.elapsed() < MAX_SPIN_TURN + Duration::from_millis(100));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    sender.join().unwrap();
    assert!(
        ticks.get() >= 10,
        "timer ran {} times in 200 ms",
        ticks.get()
    );
}
