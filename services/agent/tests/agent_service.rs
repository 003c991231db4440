//! The agent over real UDP, with the real DNS service on a SQLite store and
//! a reporter stand-in built on the reactor.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lars_agent::{Agent, AgentConfig};
use lars_dns::{DnsConfig, DnsService};
use lars_proto::*;
use lars_reactor::{Config, Handlers, MsgRouter, ServerConfig, TcpConn, TcpServer};
use lars_store::{open_route_store, parse_host, StoreConfig};
use lars_testkit::client::DatagramClient;
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;

const WAIT: Duration = Duration::from_secs(3);
const REPLY: Duration = Duration::from_millis(500);

fn dns_on(store: &StoreConfig, addr: SocketAddr) -> DnsService {
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

type Reports = Arc<Mutex<Vec<(Instant, ReportStatusRequest)>>>;

fn reporter_stand_in() -> (TcpServer, Reports) {
    reporter_stand_in_on("127.0.0.1:0".parse().unwrap())
}

fn reporter_stand_in_on(addr: SocketAddr) -> (TcpServer, Reports) {
    let reports: Reports = Arc::default();
    let sink = reports.clone();
    let server = TcpServer::start(ServerConfig::new("reporter", addr), move || {
        let sink = sink.clone();
        let mut router = MsgRouter::new();
        router
            .on(
                msgid::REPORT_STATUS_REQUEST,
                move |_: &mut TcpConn, r: ReportStatusRequest| {
                    sink.lock().unwrap().push((Instant::now(), r))
                },
            )
            .unwrap();
        Handlers::new(router)
    })
    .unwrap();
    (server, reports)
}

/// Starts an agent on three free consecutive UDP ports.
fn agent(dns: SocketAddr, reporter: SocketAddr, extra: &str) -> Agent {
    for attempt in 0..50u16 {
        // Spread over the range by test thread so parallel tests rarely collide.
        let base = 20_000 + (thread_seed() % 1000) * 30 + attempt * 3;
        let text = format!(
            "[agent]\nbase_port = {base}\nreport_interval = 0.3\ncaller_ip = 10.0.0.9\n\
             [dnsserver]\nip = 127.0.0.1\nport = {}\n[reporter]\nip = 127.0.0.1\nport = {}\n{extra}",
            dns.port(),
            reporter.port()
        );
        let config = AgentConfig::from_config(&Config::parse(&text, "test.conf").unwrap()).unwrap();
        if let Ok(agent) = Agent::start(config) {
            return agent;
        }
    }
    panic!("no free UDP ports for the agent");
}

fn thread_seed() -> u16 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut h);
    std::process::id().hash(&mut h);
    h.finish() as u16
}

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

    fn socket(&self, modid: i32, cmdid: i32) -> &DatagramClient {
        &self.sockets[lars_agent::lb::table_index(modid, cmdid)]
    }

    fn get_host(&mut self, modid: i32, cmdid: i32) -> (i32, Option<String>) {
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
        (resp.retcode, resp.host.map(|h| addr_text(&h)))
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
        let mut hosts: Vec<String> = resp.host.iter().map(addr_text).collect();
        hosts.sort();
        hosts
    }

    fn report(&self, modid: i32, cmdid: i32, host: &str, retcode: i32) {
        let h = parse_host(host).unwrap();
        let req = ReportRequest {
            modid,
            cmdid,
            host: Some(HostInfo {
                ip: ip_to_wire(h.ip),
                port: h.port as i32,
            }),
            retcode,
        };
        self.socket(modid, cmdid)
            .send(msgid::REPORT_REQUEST, &req)
            .unwrap();
    }

    /// get_host until it succeeds (the route arrives asynchronously).
    fn wait_for_host(&mut self, modid: i32, cmdid: i32) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let (0, Some(h)) = self.get_host(modid, cmdid) {
                return h;
            }
            assert!(Instant::now() < deadline, "no host for {modid}/{cmdid}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The line of `host` in a statistics message.
fn result_for<'a>(report: &'a ReportStatusRequest, host: &str) -> &'a HostCallResult {
    report
        .results
        .iter()
        .find(|r| {
            addr_text(&HostInfo {
                ip: r.ip,
                port: r.port,
            }) == host
        })
        .unwrap_or_else(|| panic!("{host} missing in {report:?}"))
}

/// Reports successes on `host` of module 1/1 and asks for hosts, for `run`;
/// returns how many successes were reported.
fn drive_traffic(api: &mut Api, host: &str, run: Duration) -> u32 {
    let start = Instant::now();
    let mut sent = 0;
    while start.elapsed() < run {
        api.report(1, 1, host, retcode::SUCC);
        api.get_host(1, 1);
        sent += 1;
    }
    sent
}

fn addr_text(h: &HostInfo) -> String {
    format!(
        "{}:{}",
        std::net::Ipv4Addr::from(ip_from_wire(h.ip)),
        h.port
    )
}

fn setup(extra: &str) -> (TempSqlite, DnsService, TcpServer, Reports, Agent) {
    let db = TempSqlite::new("agent");
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    let (reporter, reports) = reporter_stand_in();
    let agent = agent(dns.local_addr(), reporter.local_addr(), extra);
    (db, dns, reporter, reports, agent)
}

#[test]
fn first_request_is_noexist_then_hosts_round_robin() {
    let (_db, _dns, _rep, _reports, agent) = setup("");
    let mut api = Api::new(&agent);
    assert_eq!(api.get_host(1, 1), (retcode::NOEXIST, None));
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
    assert_eq!(api.get_host(42, 42).0, retcode::NOEXIST, "unknown module");
}

#[test]
fn failing_host_is_avoided_except_for_probes() {
    let (_db, _dns, _rep, _reports, agent) = setup("[loadbalance]\nprobe_num = 4\n");
    let mut api = Api::new(&agent);
    api.get_host(1, 1);
    api.wait_for_host(1, 1);
    for _ in 0..15 {
        api.report(1, 1, "127.0.0.1:9002", retcode::OVERLOAD);
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
fn pushed_route_change_reaches_get_route() {
    let (db, _dns, _rep, _reports, agent) = setup("");
    let mut api = Api::new(&agent);
    api.get_host(1, 2);
    api.wait_for_host(1, 2);
    let mut store = open_route_store(&db.config).unwrap();
    store
        .add_host(1, 2, parse_host("192.168.1.177:7777").unwrap())
        .unwrap();
    assert!(wait_until(Duration::from_secs(2), || api
        .get_route(1, 2)
        .contains(&"192.168.1.177:7777".to_string())));
    store
        .del_host(1, 2, parse_host("127.0.0.1:9011").unwrap())
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
    let (db, dns, _rep, _reports, agent) = setup("");
    let dns_addr = dns.local_addr();
    let mut api = Api::new(&agent);
    api.get_host(2, 1);
    api.wait_for_host(2, 1);
    dns.stop();
    for _ in 0..10 {
        assert_eq!(
            api.get_host(2, 1).0,
            retcode::SUCC,
            "answers from the routes it has"
        );
    }
    let dns = dns_on(&db.config, dns_addr);
    // Wait until the agent has reconnected (the DNS sees a subscription again
    // only after a re-pull, so poll with a route change).
    open_route_store(&db.config)
        .unwrap()
        .add_host(2, 1, parse_host("10.2.1.2:2").unwrap())
        .unwrap();
    assert!(wait_until(Duration::from_secs(8), || {
        api.get_host(2, 1);
        api.get_route(2, 1).len() == 2
    }));
    drop(dns);
}

#[test]
fn malformed_datagrams_get_no_answer_and_do_not_disturb() {
    let (_db, _dns, _rep, _reports, agent) = setup("");
    let mut api = Api::new(&agent);
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
fn reporter_gets_at_most_one_message_per_module_per_interval() {
    let (_db, _dns, _rep, reports, agent) = setup("");
    let mut api = Api::new(&agent);
    api.get_host(1, 1);
    let host = api.wait_for_host(1, 1);
    drive_traffic(&mut api, &host, Duration::from_millis(1000));
    assert!(wait_until(WAIT, || !reports.lock().unwrap().is_empty()));
    std::thread::sleep(Duration::from_millis(400));
    let reports = reports.lock().unwrap();
    let for_module: Vec<_> = reports
        .iter()
        .filter(|(_, r)| (r.modid, r.cmdid) == (1, 1))
        .collect();
    // ~1 s of traffic at a 0.3 s interval: a handful of messages, not thousands.
    assert!(
        (1..=6).contains(&for_module.len()),
        "{} messages",
        for_module.len()
    );
    for pair in for_module.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(gap >= Duration::from_millis(200), "messages {gap:?} apart");
    }
    let last = &for_module.last().unwrap().1;
    assert_eq!(
        ip_from_wire(last.caller),
        u32::from(std::net::Ipv4Addr::new(10, 0, 0, 9))
    );
    assert_eq!(last.results.len(), 3);
    let reported = result_for(last, &host);
    assert!(reported.succ > 0 && !reported.overload);
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
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    // A port with nothing listening yet: the reporter is "down".
    let reporter_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let agent = agent(dns.local_addr(), reporter_addr, "");
    let mut api = Api::new(&agent);
    api.get_host(1, 1);
    let host = api.wait_for_host(1, 1);
    // Several report intervals (0.3 s) pass with traffic while it is down.
    let sent = drive_traffic(&mut api, &host, Duration::from_millis(1200));
    // One more interval, so the last reports are in the held statistics.
    std::thread::sleep(Duration::from_millis(400));
    let (_reporter, reports) = reporter_stand_in_on(reporter_addr);
    assert!(wait_until(Duration::from_secs(8), || !reports
        .lock()
        .unwrap()
        .is_empty()));
    std::thread::sleep(Duration::from_millis(100));
    let reports = reports.lock().unwrap();
    let held: Vec<_> = reports
        .iter()
        .filter(|(_, r)| (r.modid, r.cmdid) == (1, 1))
        .collect();
    assert_eq!(
        held.len(),
        1,
        "one held message per module, not one per interval"
    );
    let result = result_for(&held[0].1, &host);
    assert_eq!(
        result.succ, sent,
        "the latest statistics: every success of the window"
    );
}
