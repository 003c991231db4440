//! The agent's TCP links: against a DNS service that accepts and closes at
//! once the agent waits longer and longer between connections, and a quiet
//! agent keeps its connections to services that close idle ones by sending
//! keepalives (a route request for module 0/0, an empty report).

mod util;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lars_agent::ManualClock;
use lars_proto::{msgid, GetRouteRequest, ReportStatusRequest};
use lars_reactor::{Handlers, MsgRouter, ServerConfig, TcpConn, TcpServer, TimeoutReason};
use lars_testkit::wait_until;
use util::*;

#[test]
fn a_dns_that_closes_at_once_is_not_hammered() {
    let dns = TcpListener::bind("127.0.0.1:0").unwrap();
    let dns_addr = dns.local_addr().unwrap();
    let accepts: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = accepts.clone();
    std::thread::spawn(move || {
        for stream in dns.incoming() {
            seen.lock().unwrap().push(Instant::now());
            drop(stream);
        }
    });
    let (reporter, _reports) = reporter_stand_in_on("127.0.0.1:0".parse().unwrap());
    let clock = Arc::new(ManualClock::new(WALL));
    let _agent = agent(dns_addr, reporter.local_addr(), "", NEVER, &clock);
    assert!(wait_until(Duration::from_secs(15), || accepts
        .lock()
        .unwrap()
        .len()
        >= 5));
    let times = accepts.lock().unwrap().clone();
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    // Steps of 100, 200, 400, 800 ms after each connection that died
    // young, each waited between half and all of it.
    assert!(gaps[2] >= Duration::from_millis(200), "{gaps:?}");
    assert!(gaps[3] >= Duration::from_millis(400), "{gaps:?}");
}

/// A service that closes connections idle for 400 ms and counts the
/// connections it accepted and the frames of `msgid` it got.
struct Strict {
    server: TcpServer,
    connections: Arc<AtomicUsize>,
    frames: Arc<Mutex<Vec<Vec<u8>>>>,
}

fn strict_service(msgid: i32) -> Strict {
    let mut config = ServerConfig::new("strict", "127.0.0.1:0".parse().unwrap());
    config.idle_timeout = Some(Duration::from_millis(400));
    let connections = Arc::new(AtomicUsize::new(0));
    let frames: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let (count, sink) = (connections.clone(), frames.clone());
    let server = TcpServer::start(config, move || {
        let (count, sink) = (count.clone(), sink.clone());
        let mut router = MsgRouter::new();
        router
            .on_raw(msgid, move |_: &mut TcpConn, body: &[u8]| {
                sink.lock().unwrap().push(body.to_vec());
            })
            .unwrap();
        Handlers::new(router).on_connect(move |_| {
            count.fetch_add(1, Ordering::SeqCst);
        })
    })
    .unwrap();
    Strict {
        server,
        connections,
        frames,
    }
}

#[test]
fn a_quiet_agent_keeps_its_links_open_with_keepalives() {
    let dns = strict_service(msgid::GET_ROUTE_REQUEST);
    let reporter = strict_service(msgid::REPORT_STATUS_REQUEST);
    let clock = Arc::new(ManualClock::new(WALL));
    let _agent = agent_with(
        dns.server.local_addr(),
        reporter.server.local_addr(),
        "",
        NEVER,
        &clock,
        "[agent]\nkeepalive = 0.1\n",
    );
    let enough = |s: &Strict| s.frames.lock().unwrap().len() >= 10;
    assert!(wait_until(WAIT, || enough(&dns) && enough(&reporter)));
    // 10 keepalives 100 ms apart outlast the 400 ms idle timeout.
    for service in [&dns, &reporter] {
        let counts = service.server.open_connections();
        assert_eq!(counts.timed_out(TimeoutReason::Idle), 0);
        assert_eq!(service.connections.load(Ordering::SeqCst), 1);
    }
    use prost::Message;
    let pull = GetRouteRequest::decode(&dns.frames.lock().unwrap()[0][..]).unwrap();
    assert_eq!((pull.modid, pull.cmdid), (0, 0));
    let report = ReportStatusRequest::decode(&reporter.frames.lock().unwrap()[0][..]).unwrap();
    assert_eq!(
        (report.modid, report.cmdid, report.results.len()),
        (0, 0, 0)
    );
    assert_eq!(
        lars_proto::ip_from_wire(report.caller).to_string(),
        "10.0.0.9"
    );
}
