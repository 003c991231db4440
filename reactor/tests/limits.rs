//! A server's limits on its peers, through real sockets: the allow list,
//! the share of one address, and the deadlines that free the slots of idle
//! and trickling connections. Peers with different addresses connect from
//! 127.0.0.2, 127.0.0.3, ... (all local on Linux).

mod util;

use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use lars_reactor::{AllowList, RefusalReason, ServerConfig, TimeoutReason};
use lars_testkit::client::connect_from;
use util::*;

/// `127.0.0.N`.
fn peer(n: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, n])
}

/// A connection from `127.0.0.N` with the test sockets' read timeout.
fn connect_as(n: u8, server: SocketAddr) -> TcpStream {
    let stream = connect_from(peer(n), server).expect("connect");
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

fn limited(max_conn: usize, max_conn_per_ip: usize) -> ServerConfig {
    let mut config = server_config("limits");
    config.threads = 2;
    config.max_conn = max_conn;
    config.max_conn_per_ip = max_conn_per_ip;
    config
}

#[test]
fn one_address_cannot_take_more_than_its_share() {
    let server = start_echo(limited(4, 2));
    let addr = server.addr();
    let mut a1 = connect_as(2, addr);
    let mut a2 = connect_as(2, addr);
    assert_echo(&mut a1, b"a1");
    assert_echo(&mut a2, b"a2");
    let mut a3 = connect_as(2, addr);
    assert!(wait_closed(&mut a3, IO_TIMEOUT), "a third from 127.0.0.2");
    let mut b = connect_as(3, addr);
    assert_echo(&mut b, b"another address still gets in");
    let counts = server.server.open_connections();
    assert_eq!(counts.refused(RefusalReason::MaxConnPerIp), 1);
    assert_eq!(counts.refused(RefusalReason::MaxConn), 0);

    drop(a1);
    assert!(wait_until(IO_TIMEOUT, || server.connection_count() == 2));
    let mut a4 = connect_as(2, addr);
    assert_echo(&mut a4, b"a freed share is taken again");
    assert_echo(&mut a2, b"a2 untouched");
}

#[test]
fn idle_connections_are_closed_and_a_new_client_is_served() {
    let mut config = limited(4, 1);
    config.idle_timeout = Some(Duration::from_millis(300));
    let server = start_echo(config);
    let addr = server.addr();
    // maxConn - 1 idle connections and one that keeps talking.
    let mut idle: Vec<TcpStream> = (2..5).map(|n| connect_as(n, addr)).collect();
    let mut active = connect_as(5, addr);
    assert_echo(&mut active, b"first");
    assert!(wait_until(IO_TIMEOUT, || server.connection_count() == 4));
    let mut late = connect_as(6, addr);
    assert!(wait_closed(&mut late, IO_TIMEOUT), "every slot is held");

    // The idle ones go once they have been quiet for 300 ms; the active
    // one, answering every 50 ms, stays.
    let mut i = 0;
    let all_idle_closed = wait_until(Duration::from_secs(10), || {
        i += 1;
        assert_echo(&mut active, format!("ping {i}").as_bytes());
        std::thread::sleep(Duration::from_millis(50));
        server.connection_count() == 1
    });
    assert!(all_idle_closed, "{} open", server.connection_count());
    for stream in &mut idle {
        assert!(wait_closed(stream, IO_TIMEOUT));
    }
    let mut new_client = connect_as(6, addr);
    assert_echo(&mut new_client, b"served after the timeout");
    assert_echo(&mut active, b"still here");
    let counts = server.server.open_connections();
    assert_eq!(counts.timed_out(TimeoutReason::Idle), 3);
    assert_eq!(counts.timed_out(TimeoutReason::Frame), 0);
    assert_eq!(counts.refused(RefusalReason::MaxConn), 1);
}

#[test]
fn a_frame_trickled_in_is_cut_off_at_the_frame_timeout() {
    let mut config = server_config("trickle");
    config.frame_timeout = Some(Duration::from_millis(300));
    let server = start_echo(config);
    let addr = server.addr();
    let mut silent = connect(addr);
    let mut trickler = connect(addr);
    let frame = raw_frame(ECHO_RAW, &[7u8; 100]);
    // The header and a few bytes of the body, then a byte now and then.
    trickler.write_all(&frame[..12]).unwrap();
    let mut sent = 12;
    let cut = wait_until(Duration::from_secs(10), || {
        if trickler.write_all(&frame[sent..sent + 1]).is_err() {
            return true;
        }
        sent += 1;
        wait_closed(&mut trickler, Duration::from_millis(50))
    });
    assert!(cut, "still open after {sent} of {} bytes", frame.len());
    assert!(sent < frame.len(), "the frame was never finished");

    // A frame split in two parts that arrive in time is answered, and a
    // connection that sends nothing at all is not a slow frame.
    let mut quick = connect(addr);
    quick.write_all(&frame[..50]).unwrap();
    quick.write_all(&frame[50..]).unwrap();
    let (msgid, body) = read_frame(&mut quick).unwrap();
    assert_eq!((msgid, body.len()), (ECHO_RAW, 100));
    assert_echo(&mut silent, b"not idle-timed: idle_timeout is off");
    let counts = server.server.open_connections();
    assert_eq!(counts.timed_out(TimeoutReason::Frame), 1);
    assert_eq!(counts.timed_out(TimeoutReason::Idle), 0);
}

#[test]
fn peers_outside_the_allow_list_are_refused_at_once() {
    let mut config = server_config("allow");
    config.allow = AllowList::parse("127.0.0.1/32, 127.0.0.8/30").unwrap();
    let server = start_echo(config);
    let addr = server.addr();
    let mut outsider = connect_as(2, addr);
    assert!(wait_closed(&mut outsider, IO_TIMEOUT));
    let mut also_out = connect_as(12, addr);
    assert!(wait_closed(&mut also_out, IO_TIMEOUT));
    let mut local = connect_as(1, addr);
    assert_echo(&mut local, b"127.0.0.1 is allowed");
    let mut in_block = connect_as(11, addr);
    assert_echo(&mut in_block, b"127.0.0.11 is in 127.0.0.8/30");
    let counts = server.server.open_connections();
    assert_eq!(counts.refused(RefusalReason::NotAllowed), 2);
    assert_eq!(server.connection_count(), 2);
}
