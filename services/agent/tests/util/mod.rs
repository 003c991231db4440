//! Helpers of the agent's integration tests: the real DNS service on a
//! SQLite store, a reporter stand-in built on the reactor, an agent on free
//! ports reading a [`ManualClock`], and a raw-frame API client.
#![allow(dead_code)]

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

pub const WAIT: Duration = Duration::from_secs(3);
pub const REPLY: Duration = Duration::from_millis(500);
/// The Unix time the manual clock starts at.
pub const WALL: u32 = 1_700_000_000;

pub fn dns_on(store: &StoreSettings, addr: SocketAddr) -> DnsService {
    let mut server = ServerConfig::new("lars-dns", addr);
    server.threads = 1;
    DnsService::start(DnsConfig {
        server,
        store: store.clone(),
        poll_interval: Duration::from_millis(100),
        reload_interval: Duration::from_secs(10),
        store_connect_attempts: 1,
        max_subscriptions_per_conn: 1000,
        metrics_listen: None,
    })
    .unwrap()
}

pub type Reports = Arc<Mutex<Vec<ReportStatusRequest>>>;

pub fn reporter_stand_in_on(addr: SocketAddr) -> (TcpServer, Reports) {
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
pub fn messages_of(reports: &Reports, modid: i32, cmdid: i32) -> Vec<ReportStatusRequest> {
    let all = reports.lock().unwrap();
    all.iter()
        .filter(|r| (r.modid, r.cmdid) == (modid, cmdid))
        .cloned()
        .collect()
}

/// The report interval of most tests: so long that only
/// [`Agent::send_reports`] sends statistics.
pub const NEVER: f64 = 3600.0;

/// Starts an agent on three free consecutive UDP ports, reading `clock`;
/// `lb` holds extra `[loadbalance]` lines.
pub fn agent(
    dns: SocketAddr,
    reporter: SocketAddr,
    lb: &str,
    report_interval: f64,
    clock: &Arc<ManualClock>,
) -> Agent {
    agent_with(dns, reporter, lb, report_interval, clock, "")
}

/// Like [`agent`], with `extra` config lines at the end (e.g. a
/// `[metrics]` section).
pub fn agent_with(
    dns: SocketAddr,
    reporter: SocketAddr,
    lb: &str,
    report_interval: f64,
    clock: &Arc<ManualClock>,
    extra: &str,
) -> Agent {
    // No route snapshots unless a test asks for them.
    let agent_lines = format!("report_interval = {report_interval}\nsnapshot_dir = off\n");
    agent_on(dns, reporter, &agent_lines, lb, clock, extra)
}

/// An agent on free ports with `agent_lines` in its `[agent]` section,
/// `lb` in `[loadbalance]` and `extra` at the end.
pub fn agent_on(
    dns: SocketAddr,
    reporter: SocketAddr,
    agent_lines: &str,
    lb: &str,
    clock: &Arc<ManualClock>,
    extra: &str,
) -> Agent {
    for _ in 0..20 {
        let base = lars_testkit::free_udp_base();
        let text = format!(
            "[agent]\nbase_port = {base}\ncaller_ip = 10.0.0.9\n{agent_lines}\n\
             [dnsserver]\nip = 127.0.0.1\nport = {}\n[reporter]\nip = 127.0.0.1\nport = {}\n\
             [loadbalance]\n{lb}\n{extra}",
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

/// How a test's API calls reach the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Raw frames over UDP.
    Udp,
    /// The client library attached to the agent's shared memory.
    Shm,
}

/// Longer than the agent's `shm_report_delay` (1 ms) many times over, so
/// that even on a loaded machine (the agent's thread waiting for a core)
/// reports written to shared memory have been applied and published after
/// it.
pub const SHM_SETTLE: Duration = Duration::from_millis(200);

/// An API client speaking raw frames to the agent's three ports, or, for
/// [`Via::Shm`], the client library through shared memory.
pub struct Api {
    pub sockets: Vec<DatagramClient>,
    seq: u32,
    shm: Option<lars_api::LarsClient>,
}

impl Api {
    pub fn new(agent: &Agent) -> Api {
        Api {
            sockets: agent
                .udp_addrs()
                .into_iter()
                .map(|a| DatagramClient::connect(a).unwrap())
                .collect(),
            seq: 0,
            shm: None,
        }
    }

    /// A client that reaches `agent` `via` UDP or shared memory.
    pub fn via(agent: &Agent, via: Via) -> Api {
        let mut api = Api::new(agent);
        if via == Via::Shm {
            let options = lars_api::ClientOptions {
                base_port: agent.udp_addrs()[0].port(),
                timeout: REPLY,
                transport: lars_api::Transport::Shm,
                ..lars_api::ClientOptions::default()
            };
            api.shm = Some(lars_api::LarsClient::with_options(options).unwrap());
        }
        api
    }

    /// A client of `agent` `via` UDP or shared memory, once `modid/cmdid`
    /// answers hosts (for [`Via::Shm`]: from shared memory).
    pub fn ready(agent: &Agent, via: Via, modid: i32, cmdid: i32) -> Api {
        let mut api = Api::via(agent, via);
        api.wait_for_host(modid, cmdid);
        api.assert_fast_path(modid, cmdid);
        api
    }

    /// Waits until reports written to shared memory have taken effect (no
    /// wait over UDP: a request on the same socket is handled after them).
    pub fn settle(&self) {
        if self.shm.is_some() {
            std::thread::sleep(SHM_SETTLE);
        }
    }

    /// For [`Via::Shm`]: fails unless calls about `modid/cmdid` go through
    /// shared memory (a silent fallback to UDP would test nothing new).
    pub fn assert_fast_path(&self, modid: i32, cmdid: i32) {
        if let Some(client) = &self.shm {
            assert!(
                client.uses_shared_memory(ModuleId::new(modid, cmdid)),
                "module {modid}/{cmdid} is not served through shared memory"
            );
        }
    }

    /// The socket of module `modid/cmdid`: port index `(modid + cmdid) mod
    /// 3`, which every module of these tests spells out by hand.
    pub fn socket(&self, modid: i32, cmdid: i32) -> &DatagramClient {
        let index = match (modid, cmdid) {
            (1, 1) | (2, 3) => 2,
            (1, 2) | (2, 1) | (42, 42) => 0,
            other => panic!("no port index written down for module {other:?}"),
        };
        &self.sockets[index]
    }

    pub fn get_host(&mut self, modid: i32, cmdid: i32) -> (RetCode, Option<String>) {
        self.get_host_keyed(modid, cmdid, None)
    }

    /// get_host with an optional `hash_key` for the hash policy.
    pub fn get_host_keyed(
        &mut self,
        modid: i32,
        cmdid: i32,
        hash_key: Option<u64>,
    ) -> (RetCode, Option<String>) {
        if let Some(client) = &mut self.shm {
            let module = ModuleId::new(modid, cmdid);
            let answer = match hash_key {
                Some(key) => client.get_host_by_key(module, key),
                None => client.get_host(module),
            };
            let (code, host) = answer.expect("agent answers");
            return (code, host.map(|h| h.to_string()));
        }
        self.seq += 1;
        let req = GetHostRequest {
            seq: self.seq,
            modid,
            cmdid,
            hash_key,
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

    pub fn get_route(&mut self, modid: i32, cmdid: i32) -> Vec<String> {
        if let Some(client) = &mut self.shm {
            let hosts = client.get_route(ModuleId::new(modid, cmdid)).unwrap();
            let mut hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
            hosts.sort();
            return hosts;
        }
        let resp: GetRouteResponse = self
            .socket(modid, cmdid)
            .call(
                msgid::API_GET_ROUTE_REQUEST,
                &GetRouteRequest {
                    modid,
                    cmdid,
                    want_version: false,
                },
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

    pub fn report(&self, modid: i32, cmdid: i32, host: &str, code: RetCode) {
        self.report_latency(modid, cmdid, host, code, None);
    }

    /// report with an optional measured latency in microseconds.
    pub fn report_latency(
        &self,
        modid: i32,
        cmdid: i32,
        host: &str,
        code: RetCode,
        latency_us: Option<u32>,
    ) {
        if let Some(client) = &self.shm {
            let (module, host) = (ModuleId::new(modid, cmdid), host.parse().unwrap());
            match latency_us {
                Some(us) => client.report_with_latency(
                    module,
                    host,
                    code,
                    Duration::from_micros(u64::from(us)),
                ),
                None => client.report(module, host, code),
            }
            .unwrap();
            return;
        }
        let req = ReportRequest {
            modid,
            cmdid,
            host: Some(host.parse::<HostAddr>().unwrap().to_wire()),
            retcode: code.to_wire(),
            latency_us,
        };
        self.socket(modid, cmdid)
            .send(msgid::REPORT_REQUEST, &req)
            .unwrap();
    }

    /// get_host until it succeeds (the route arrives asynchronously).
    pub fn wait_for_host(&mut self, modid: i32, cmdid: i32) -> String {
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
    pub fn successes(&mut self, modid: i32, cmdid: i32, host: &str, n: u32) {
        for _ in 0..n {
            self.report(modid, cmdid, host, RetCode::Succ);
        }
        self.settle();
        self.get_host(modid, cmdid);
    }
}

/// The line of `host` in a statistics message.
pub fn result_for<'a>(report: &'a ReportStatusRequest, host: &str) -> &'a HostCallResult {
    let host: HostAddr = host.parse().unwrap();
    report
        .results
        .iter()
        .find(|r| (r.ip, r.port) == (host.to_wire().ip, host.to_wire().port))
        .unwrap_or_else(|| panic!("{host} missing in {report:?}"))
}

pub struct Setup {
    pub db: TempSqlite,
    pub dns: DnsService,
    pub reporter: TcpServer,
    pub reports: Reports,
    pub clock: Arc<ManualClock>,
    pub agent: Agent,
}

/// A DNS service on a fresh store (the demo routes, and module 2/3 with
/// 127.0.0.1:9031: another module of the table 1/1 is in), a reporter
/// stand-in and an agent; `lb` holds extra `[loadbalance]` lines.
pub fn setup_with(lb: &str, report_interval: f64) -> Setup {
    setup_full(lb, report_interval, "")
}

/// Like [`setup_with`], with `extra` config lines at the end of the
/// agent's file (e.g. a `[metrics]` section).
pub fn setup_full(lb: &str, report_interval: f64, extra: &str) -> Setup {
    let db = TempSqlite::new("agent");
    add_marker_module(&db.config);
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    let (reporter, reports) = reporter_stand_in_on("127.0.0.1:0".parse().unwrap());
    let clock = Arc::new(ManualClock::new(WALL));
    let agent = agent_with(
        dns.local_addr(),
        reporter.local_addr(),
        lb,
        report_interval,
        &clock,
        extra,
    );
    Setup {
        db,
        dns,
        reporter,
        reports,
        clock,
        agent,
    }
}

pub fn setup(lb: &str) -> Setup {
    setup_with(lb, NEVER)
}

/// Module 2/3 (port index 2, like 1/1) with host 127.0.0.1:9031.
pub fn add_marker_module(store: &StoreSettings) {
    open_route_store(store)
        .unwrap()
        .add_host(ModuleId::new(2, 3), "127.0.0.1:9031".parse().unwrap())
        .unwrap();
}
