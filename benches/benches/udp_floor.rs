//! What the kernel alone costs an agent call, whatever the agent does.
//!
//! A `get_host` + `report` call is three loopback UDP datagrams (request,
//! answer, report) and at least one wake-up of the client blocked on its
//! answer. This measures, with plain std sockets on 127.0.0.1:
//!
//! * one datagram sent and received by a single thread (no wake-up, no
//!   context switch): the kernel's send + receive path;
//! * a blocking ping-pong between two threads: two datagrams and two
//!   wake-ups per round trip;
//!
//! in CPU time of the process (user + system, from `getrusage`), not wall
//! time: a wake-up that finds the other core idle also waits for it to
//! wake, which costs latency but no CPU. It prints the CPU time per call
//! they imply and the resulting ceiling in calls per second for all cores
//! of the machine, assuming perfect use of every core and no user-space
//! work at all.
//!
//! `cargo bench -p lars-benches --bench udp_floor` (LARS_BENCH_SECS=5 default).

use std::net::UdpSocket;
use std::thread;
use std::time::{Duration, Instant};

use lars_benches::pingpong;

/// The size of a GetHostRequest frame (8-byte header + 6-byte body).
const DATAGRAM: [u8; 14] = [4, 0, 0, 0, 6, 0, 0, 0, 8, 1, 16, 1, 24, 1];

/// Two sockets on 127.0.0.1, each connected to the other.
fn socket_pair() -> (UdpSocket, UdpSocket) {
    let a = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let b = UdpSocket::bind("127.0.0.1:0").expect("bind");
    a.connect(b.local_addr().expect("addr")).expect("connect");
    b.connect(a.local_addr().expect("addr")).expect("connect");
    for s in [&a, &b] {
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
    }
    (a, b)
}

/// CPU time (user + system) used so far by this process.
fn process_cpu_time() -> Duration {
    // SAFETY: all-zero bytes are a valid `rusage` (integer fields only).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage` that outlives the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// CPU nanoseconds per datagram sent and received by one thread.
fn same_thread_datagram_ns(secs: Duration) -> f64 {
    let (a, b) = socket_pair();
    let mut buf = [0u8; 2048];
    let cpu = process_cpu_time();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < secs {
        for _ in 0..1000 {
            a.send(&DATAGRAM).expect("send");
            b.recv(&mut buf).expect("recv");
        }
        n += 1000;
    }
    (process_cpu_time() - cpu).as_nanos() as f64 / n as f64
}

/// CPU nanoseconds (all threads) per round trip over `pairs` pairs of
/// threads, each pair blocked in `recv` in turn. With one pair the other
/// core is mostly idle; with several, every core is busy, as under load.
fn ping_pong_round_trip_ns(secs: Duration, pairs: usize) -> f64 {
    let cpu = process_cpu_time();
    let result = pingpong::run(pairs, secs, |_| {
        let (a, b) = socket_pair();
        thread::spawn(move || {
            let mut buf = [0u8; 2048];
            // Ends when the other side stops sending (read timeout).
            while let Ok(len) = b.recv(&mut buf) {
                if b.send(&buf[..len]).is_err() {
                    break;
                }
            }
        });
        let mut buf = [0u8; 2048];
        move || a.send(&DATAGRAM).is_ok() && a.recv(&mut buf).is_ok()
    });
    (process_cpu_time() - cpu).as_nanos() as f64 / result.round_trips as f64
}

fn main() {
    let secs = pingpong::bench_seconds(5);
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!("UDP floor on 127.0.0.1, {secs:?} per measure, {cores} cores");
    let datagram = same_thread_datagram_ns(secs);
    println!("one datagram, one thread:          {datagram:>8.0} ns of CPU");
    let mut wake_up = 0.0;
    for pairs in [1, 5] {
        let round_trip = ping_pong_round_trip_ns(secs, pairs);
        // A round trip is two datagrams and two wake-ups (with switches).
        wake_up = ((round_trip - 2.0 * datagram) / 2.0).max(0.0);
        println!(
            "ping-pong, {pairs} pair(s) of threads: {round_trip:>8.0} ns of CPU per round trip, \
             {wake_up:.0} ns per wake-up and switch"
        );
    }
    // The ceiling uses the busy-core wake-up cost (the last measure).
    let call = 3.0 * datagram + wake_up;
    println!("get_host + report call (3 datagrams + 1 wake-up, busy cores): {call:.0} ns of CPU");
    println!(
        "ceiling on {cores} cores at 100 % use and no user-space work: {:.0} calls/s",
        cores as f64 * 1e9 / call
    );
}
