//! The agent over real UDP, with the real DNS service on a SQLite store and
//! a reporter stand-in built on the reactor. Time in the load-balancing
//! rules is a [`ManualClock`] the tests move; statistics are flushed with
//! [`Agent::send_reports`] instead of waiting for the report interval.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lars_agent::{Agent, AgentConfig, ManualClock};
use lars_dns::{DnsConfig, DnsService};
use lars_proto::*;
use lars_reactor::{Config, Handlers, MsgRouter, ServerConfig, TcpConn, TcpServer};
use lars_store::{open_route_store, StoreSettings};
use lars_testkit::client::DatagramClient;
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;

const WAIT: Duration = Duration::from_secs(3);
const REPLY: Duration = Duration::from_millis(500);
/// The Unix time the manual clock starts at.
const WALL: u32 = 1_700_000_000;

fn dns_on(store: &StoreSettings, addr: SocketAddr) -> DnsService {
    let mut server = ServerConfig::new("lars-dns", addr);
    server.threads = 1;
    DnsService::start(DnsConfig {
        server,
        store: store.clone(),
        poll_interval: Duration::from_millis(100),
        reload_interval: Duration::from_secs(10),
        store_connect_attempts: 1,
        max_subscriptions_per_conn: 1000,
    })
    .unwrap()
}

type Reports = Arc<Mutex<Vec<ReportStatusRequest>>>;

fn reporter_stand_in_on(addr: SocketAddr) -> (TcpServer, Reports) {
    let reports: Reports = Arc::default();
    let sink = reports.clone();
    let server = TcpServer::start(ServerConfig::new("reporter", addr), move || {
        let sink = sink.clone();
        let mut router = MsgRouter::new();
        router
            .on(
                msgid::REPORT_STATUS_REQUEST,
                move |_: &mut TcpConn, r: ReportStatusRequest| sink.lock().unwrap().push(r),
            )
            .unwrap();
        Handlers::new(router)
    })
    .unwrap();
    (server, reports)
}

/// The statistics messages of module `modid/cmdid` received so far.
fn messages_of(reports: &Reports, modid: i32, cmdid: i32) -> Vec<ReportStatusRequest> {
    let all = reports.lock().unwrap();
    all.iter()
        .filter(|r| (r.modid, r.cmdid) == (modid, cmdid))
        .cloned()
        .collect()
}

/// The report interval of most tests: so long that only
/// [`Agent::send_reports`] sends statistics.
const NEVER: f64 = 3600.0;

/// Starts an agent on three free consecutive UDP ports, reading `clock`;
/// `lb` holds extra `[loadbalance]` lines.
fn agent(
    dns: SocketAddr,
    reporter: SocketAddr,
    lb: &str,
    report_interval: f64,
    clock: &Arc<ManualClock>,
) -> Agent {
    for _ in 0..20 {
        let base = lars_testkit::free_udp_base();
        let text = format!(
            "[agent]\nbase_port = {base}\ncaller_ip = 10.0.0.9\nreport_interval = {report_interval}\n\
             [dnsserver]\nip = 127.0.0.1\nport = {}\n[reporter]\nip = 127.0.0.1\nport = {}\n\
             [loadbalance]\n{lb}",
            dns.port(),
            reporter.port()
        );
        let config = AgentConfig::from_config(&Config::parse(&text, "test.conf").unwrap()).unwrap();
        if let Ok(agent) = Agent::start_with_clock(config, clock.clone()) {
            return agent;
        }
    }
    panic!("no free UDP ports for the agent");
}

/// An API client speaking raw frames to the agent's three ports.
struct Api {
    sockets: Vec<DatagramClient>,
    seq: u32,
}

impl Api {
    fn new(agent: &Agent) -> Api {
        Api {
            sockets: agent
                .udp_addrs()
                .into_iter()
                .map(|a| DatagramClient::connect(a).unwrap())
                .collect(),
            seq: 0,
        }
    }

    /// The socket of module `modid/cmdid`: port index `(modid + cmdid) mod
    /// 3`, which every module of these tests spells out by hand.
    fn socket(&self, modid: i32, cmdid: i32) -> &DatagramClient {
        let index = match (modid, cmdid) {
            (1, 1) | (2, 3) => 2,
            (1, 2) | (2, 1) | (42, 42) => 0,
            other => panic!("no port index written down for module {other:?}"),
        };
        &self.sockets[index]
    }

    fn get_host(&mut self, modid: i32, cmdid: i32) -> (RetCode, Option<String>) {
        self.seq += 1;
        let req = GetHostRequest {
            seq: self.seq,
            modid,
            cmdid,
        };
        let resp: GetHostResponse = self
            .socket(modid, cmdid)
            .call(
                msgid::GET_HOST_REQUEST,
                &req,
                msgid::GET_HOST_RESPONSE,
                REPLY,
            )
            .unwrap()
            .expect("agent answers");
        assert_eq!((resp.seq, resp.modid, resp.cmdid), (self.seq, modid, cmdid));
        let host = resp
            .host
            .map(|h| HostAddr::from_wire(&h).unwrap().to_string());
        (RetCode::from_wire(resp.retcode), host)
    }

    fn get_route(&mut self, modid: i32, cmdid: i32) -> Vec<String> {
        let resp: GetRouteResponse = self
            .socket(modid, cmdid)
            .call(
                msgid::API_GET_ROUTE_REQUEST,
                &GetRouteRequest { modid, cmdid },
                msgid::API_GET_ROUTE_RESPONSE,
                REPLY,
            )
            .unwrap()
            .expect("agent answers");
        let mut hosts: Vec<String> = resp
            .host
            .iter()
            .map(|h| HostAddr::from_wire(h).unwrap().to_string())
            .collect();
        hosts.sort();
        hosts
    }

    fn report(&self, modid: i32, cmdid: i32, host: &str, code: RetCode) {
        let req = ReportRequest {
            modid,
            cmdid,
            host: Some(host.parse::<HostAddr>().unwrap().to_wire()),
            retcode: code.to_wire(),
        };
        self.socket(modid, cmdid)
            .send(msgid::REPORT_REQUEST, &req)
            .unwrap();
    }

    /// get_host until it succeeds (the route arrives asynchronously).
    fn wait_for_host(&mut self, modid: i32, cmdid: i32) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let (RetCode::Succ, Some(h)) = self.get_host(modid, cmdid) {
                return h;
            }
            assert!(Instant::now() < deadline, "no host for {modid}/{cmdid}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Reports `n` successes on `host`, then one get_host on the same
    /// socket: its answer proves the agent has handled the reports.
    fn successes(&mut self, modid: i32, cmdid: i32, host: &str, n: u32) {
        for _ in 0..n {
            self.report(modid, cmdid, host, RetCode::Succ);
        }
        self.get_host(modid, cmdid);
    }
}

/// The line of `host` in a statistics message.
fn result_for<'a>(report: &'a ReportStatusRequest, host: &str) -> &'a HostCallResult {
    let host: HostAddr = host.parse().unwrap();
    report
        .results
        .iter()
        .find(|r| (r.ip, r.port) == (host.to_wire().ip, host.to_wire().port))
        .unwrap_or_else(|| panic!("{host} missing in {report:?}"))
}

struct Setup {
    db: TempSqlite,
    _dns: DnsService,
    _reporter: TcpServer,
    reports: Reports,
    clock: Arc<ManualClock>,
    agent: Agent,
}

/// A DNS service on a fresh store (the demo routes, and module 2/3 with
/// 127.0.0.1:9031: another module of the table 1/1 is in), a reporter
/// stand-in and an agent; `lb` holds extra `[loadbalance]` lines.
fn setup_with(lb: &str, report_interval: f64) -> Setup {
    let db = TempSqlite::new("agent");
    add_marker_module(&db.config);
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    let (reporter, reports) = reporter_stand_in_on("127.0.0.1:0".parse().unwrap());
    let clock = Arc::new(ManualClock::new(WALL));
    let agent = agent(
        dns.local_addr(),
        reporter.local_addr(),
        lb,
        report_interval,
        &clock,
    );
    Setup {
        db,
        _dns: dns,
        _reporter: reporter,
        reports,
        clock,
        agent,
    }
}

fn setup(lb: &str) -> Setup {
    setup_with(lb, NEVER)
}

/// Module 2/3 (port index 2, like 1/1) with host 127.0.0.1:9031.
fn add_marker_module(store: &StoreSettings) {
    open_route_store(store)
        .unwrap()
        .add_host(ModuleId::new(2, 3), "127.0.0.1:9031".parse().unwrap())
        .unwrap();
}

#[test]
fn first_request_is_noexist_then_hosts_round_robin() {
    let s = setup("");
    let mut api = Api::new(&s.agent);
    assert_eq!(api.get_host(1, 1), (RetCode::NoExist, None));
    api.wait_for_host(1, 1);
    let picks: Vec<String> = (0..6).map(|_| api.get_host(1, 1).1.unwrap()).collect();
    assert_eq!(
        picks[0..3],
        picks[3..6],
        "round robin over the same 3 hosts"
    );
    let mut first3 = picks[0..3].to_vec();
    first3.sort();
    assert_eq!(
        first3,
        ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    );
    assert_eq!(api.get_route(1, 1), first3);
    assert_eq!(api.get_host(42, 42).0, RetCode::NoExist, "unknown module");
}

#[test]
fn failing_host_is_avoided_except_for_probes() {
    let s = setup("probe_num = 4\n");
    let mut api = Api::new(&s.agent);
    api.get_host(1, 1);
    api.wait_for_host(1, 1);
    for _ in 0..15 {
        api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    }
    // Reports are fire-and-forget: a get_host on the same socket is handled after them.
    let picks: Vec<String> = (0..20).map(|_| api.get_host(1, 1).1.unwrap()).collect();
    let bad = picks.iter().filter(|h| *h == "127.0.0.1:9002").count();
    assert_eq!(bad, 4, "probed once every probe_num+1 picks: {picks:?}");
    assert_eq!(
        api.get_route(1, 1).len(),
        3,
        "overloaded hosts stay in the route"
    );
}

#[test]
fn an_overloaded_host_is_idle_again_once_overload_timeout_has_passed() {
    let s = setup("probe_num = 1000\n");
    let mut api = Api::new(&s.agent);
    api.get_host(1, 1);
    api.wait_for_host(1, 1);
    for _ in 0..15 {
        api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    }
    let avoided = |api: &mut Api| (0..6).all(|_| api.get_host(1, 1).1.unwrap() != "127.0.0.1:9002");
    assert!(
        avoided(&mut api),
        "overloaded: never picked (no probe in 6 picks)"
    );
    // 14 s later a failure keeps it overloaded; at 15 s (overload_timeout)
    // the next report, whatever it says, makes it idle.
    s.clock.advance(14);
    api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    assert!(avoided(&mut api), "14 s is within overload_timeout");
    s.clock.advance(1);
    api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    let picks: Vec<String> = (0..3).map(|_| api.get_host(1, 1).1.unwrap()).collect();
    assert!(
        picks.contains(&"127.0.0.1:9002".to_string()),
        "idle again: {picks:?}"
    );
}

#[test]
fn pushed_route_change_reaches_get_route() {
    let s = setup("");
    let mut api = Api::new(&s.agent);
    api.get_host(1, 2);
    api.wait_for_host(1, 2);
    let mut store = open_route_store(&s.db.config).unwrap();
    let module = ModuleId::new(1, 2);
    store
        .add_host(module, "192.168.1.177:7777".parse().unwrap())
        .unwrap();
    assert!(wait_until(Duration::from_secs(2), || api
        .get_route(1, 2)
        .contains(&"192.168.1.177:7777".to_string())));
    store
        .del_host(module, "127.0.0.1:9011".parse().unwrap())
        .unwrap();
    assert!(wait_until(Duration::from_secs(2), || !api
        .get_route(1, 2)
        .contains(&"127.0.0.1:9011".to_string())));
    assert_eq!(
        api.get_route(1, 2),
        ["127.0.0.1:9012", "192.168.1.177:7777"]
    );
}

#[test]
fn survives_a_dns_restart_and_pushes_flow_again() {
    let db = TempSqlite::new("agent_dns_restart");
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    let dns_addr = dns.local_addr();
    let (reporter, _reports) = reporter_stand_in_on("127.0.0.1:0".parse().unwrap());
    let clock = Arc::new(ManualClock::new(WALL));
    let agent = agent(dns_addr, reporter.local_addr(), "", NEVER, &clock);
    let mut api = Api::new(&agent);
    api.get_host(2, 1);
    api.wait_for_host(2, 1);
    dns.stop();
    for _ in 0..10 {
        assert_eq!(
            api.get_host(2, 1).0,
            RetCode::Succ,
            "answers from the routes it has"
        );
    }
    let dns = dns_on(&db.config, dns_addr);
    // The restarted DNS pushes to the agent only once it has re-pulled on
    // reconnect: a route change shows that it did.
    open_route_store(&db.config)
        .unwrap()
        .add_host(ModuleId::new(2, 1), "10.2.1.2:2".parse().unwrap())
        .unwrap();
    assert!(wait_until(Duration::from_secs(8), || {
        api.get_host(2, 1);
        api.get_route(2, 1).len() == 2
    }));
    drop(dns);
}

#[test]
fn malformed_datagrams_get_no_answer_and_do_not_disturb() {
    let s = setup("");
    let mut api = Api::new(&s.agent);
    let sock = api.socket(1, 1);
    sock.send_bytes(&[4, 0, 0]).unwrap();
    sock.send_bytes(&[4, 0, 0, 0, 9, 0, 0, 0, 1]).unwrap();
    sock.send_bytes(&[4, 0, 0, 0, 2, 0, 0, 0, 0x08, 0xff])
        .unwrap();
    sock.send_bytes(&[77, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    sock.send_bytes(&[4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
        .unwrap();
    assert!(sock.recv(Duration::from_millis(300)).unwrap().is_none());
    api.get_host(1, 1);
    api.wait_for_host(1, 1);
}

#[test]
fn each_flush_sends_one_message_per_module_that_had_reports() {
    let s = setup("");
    let mut api = Api::new(&s.agent);
    api.get_host(1, 1);
    let host = api.wait_for_host(1, 1);
    api.get_host(2, 3);
    let marker_host = api.wait_for_host(2, 3);
    api.successes(1, 1, &host, 40);
    s.agent.send_reports().unwrap();
    assert!(wait_until(WAIT, || messages_of(&s.reports, 1, 1).len() == 1));
    let first = &messages_of(&s.reports, 1, 1)[0];
    assert_eq!(first.ts, WALL, "stamped with the clock's Unix time");
    assert_eq!(
        ip_from_wire(first.caller),
        std::net::Ipv4Addr::new(10, 0, 0, 9)
    );
    assert_eq!(first.results.len(), 3, "every host of the module");
    let line = result_for(first, &host);
    assert_eq!((line.succ, line.err, line.overload), (40, 0, false));
    // Two more flushes with traffic on another module of the same table
    // only: once its second message is in, every message of both flushes
    // is, and module 1/1 sent none.
    for _ in 0..2 {
        api.successes(2, 3, &marker_host, 1);
        s.agent.send_reports().unwrap();
    }
    assert!(wait_until(WAIT, || messages_of(&s.reports, 2, 3).len() == 2));
    assert_eq!(
        messages_of(&s.reports, 1, 1).len(),
        1,
        "no news, no message"
    );
}

#[test]
fn the_report_interval_sends_statistics_by_itself() {
    let s = setup_with("", 0.05);
    let mut api = Api::new(&s.agent);
    api.get_host(1, 1);
    let host = api.wait_for_host(1, 1);
    api.successes(1, 1, &host, 5);
    assert!(wait_until(WAIT, || !messages_of(&s.reports, 1, 1).is_empty()));
}

#[test]
fn a_taken_port_is_a_clear_start_error() {
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let text = format!("[agent]\nbase_port = {port}\n");
    let config = AgentConfig::from_config(&Config::parse(&text, "t.conf").unwrap()).unwrap();
    let err = Agent::start(config).err().expect("bind must fail");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn while_the_reporter_is_down_only_the_latest_statistics_are_kept() {
    let db = TempSqlite::new("agent_reporter_down");
    add_marker_module(&db.config);
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    // A port with nothing listening yet: the reporter is "down".
    let reporter_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let clock = Arc::new(ManualClock::new(WALL));
    let agent = agent(dns.local_addr(), reporter_addr, "", NEVER, &clock);
    let mut api = Api::new(&agent);
    api.get_host(1, 1);
    let host = api.wait_for_host(1, 1);
    // Three flushes while it is down, each after more traffic.
    for round in 1..=3 {
        api.successes(1, 1, &host, 10 * round);
        clock.advance(1);
        agent.send_reports().unwrap();
    }
    let (_reporter, reports) = reporter_stand_in_on(reporter_addr);
    assert!(wait_until(Duration::from_secs(8), || !messages_of(
        &reports, 1, 1
    )
    .is_empty()));
    // A later flush of another module: once it arrives, anything held
    // arrived before it.
    api.get_host(2, 3);
    let marker_host = api.wait_for_host(2, 3);
    api.successes(2, 3, &marker_host, 1);
    agent.send_reports().unwrap();
    assert!(wait_until(WAIT, || !messages_of(&reports, 2, 3).is_empty()));
    let held = messages_of(&reports, 1, 1);
    assert_eq!(
        held.len(),
        1,
        "one held message per module, not one per flush"
    );
    assert_eq!(held[0].ts, WALL + 3, "the latest statistics");
    assert_eq!(
        result_for(&held[0], &host).succ,
        60,
        "10 + 20 + 30 successes"
    );
}
