//! A table thread: one UDP server (port `base_port + index`) that owns its
//! route table. The table is the server's state ([`UdpServer`] with
//! [`TableService`]): request handlers, the routes from DNS (the thread's
//! queue) and the report timer each borrow it in turn through the loop, so
//! the request path takes no lock and the borrows are checked by the
//! compiler. Wire integers become domain types here, once.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::lb::Latency;
use lars_proto::{msgid, GetHostRequest, GetHostResponse, GetRouteRequest, GetRouteResponse};
use lars_proto::{HostAddr, ModuleId, ReportRequest, RetCode, ShmAttachRequest, ShmWakeRequest};
use lars_reactor::{LoopThread, MsgRouter, QueueReceiver, ThreadQueue, UdpCtx, UdpServer};

use crate::clock::Clock;
use crate::config::AgentConfig;
use crate::lb::{CallOutcome, Reported, RouteApply, RouteTable};
use crate::messages::{ToDns, ToReporter, ToTable};
use crate::metrics::AgentMetrics;
use crate::modules_view::{table_view, TimeBase};
use crate::shm::ShmTable;

/// The links a table thread talks to, and where it counts.
#[derive(Clone)]
pub struct Links {
    /// Route requests go here.
    pub dns: ThreadQueue<ToDns>,
    /// Statistics go here.
    pub reporter: ThreadQueue<ToReporter>,
    /// The agent's numbers (each table writes its own entry).
    pub metrics: Arc<AgentMetrics>,
    /// Where the routes are saved (`[agent] snapshot_dir`), if anywhere.
    pub snapshots: Option<SnapshotSink>,
    /// Every table's queue, in table order (a table wakes its own loop
    /// through it).
    pub tables: Vec<ThreadQueue<ToTable>>,
}

/// A snapshot directory and the writer thread's queue.
#[derive(Clone)]
pub struct SnapshotSink {
    /// `[agent] snapshot_dir`.
    pub dir: PathBuf,
    /// The writer thread.
    pub writer: crossbeam_channel::Sender<(PathBuf, Vec<u8>)>,
}

/// A running table thread.
pub struct TableThread {
    server: UdpServer<TableService>,
    thread: LoopThread,
}

/// What a table thread owns: its route table and the links it feeds.
/// Loop thread only.
pub struct TableService {
    /// For log lines: "agent table N".
    name: String,
    /// Its index (and port offset).
    index: usize,
    /// Modules dropped because DNS has no hosts for them, since the last
    /// log line, and the last of them.
    deleted: u64,
    last_deleted: Option<ModuleId>,
    /// Whether routes changed since the table's snapshot was last written.
    snapshot_dirty: bool,
    table: RouteTable,
    /// The same-host fast path's segment, when `[agent] shm` is on.
    shm: Option<ShmTable>,
    /// Whether its drain timer runs (it stops while the segment is parked).
    shm_ticking: bool,
    clock: Arc<dyn Clock>,
    links: Links,
}

impl TableThread {
    /// Starts table thread `index`: binds UDP `base_port + index`, drains
    /// `routes` (the table's queue, which may hold routes already) and
    /// sends statistics every report interval. Fails, naming the address,
    /// if the port cannot be bound.
    pub fn start(
        index: usize,
        config: &AgentConfig,
        clock: Arc<dyn Clock>,
        links: Links,
        routes: QueueReceiver<ToTable>,
    ) -> io::Result<TableThread> {
        let addr = SocketAddr::from((config.listen_ip, config.base_port + index as u16));
        let name = format!("agent table {index}");
        let mut service = TableService {
            name: name.clone(),
            index,
            deleted: 0,
            last_deleted: None,
            snapshot_dirty: false,
            // Each table (and agent) draws its own `ewma` choices.
            table: RouteTable::with_max_modules(config.lb.clone(), config.max_modules)
                .with_new_module_rate(config.new_modules_per_sec)
                .with_seed(clock.now_ms() ^ (u64::from(std::process::id()) << 20) ^ index as u64),
            shm: None,
            shm_ticking: false,
            clock,
            links,
        };
        service.restore_snapshot();
        let (idle_spin, interval) = (config.idle_spin, config.report_interval);
        let config = config.clone();
        let (thread, server) = LoopThread::spawn_with(&format!("agent-udp-{index}"), move |el| {
            // The segment is made on the thread that will be its only writer.
            service.start_shm(&config);
            let shm_on = service.shm.is_some();
            let server = UdpServer::start(el, &name, addr, router(), service)
                .map_err(|e| io::Error::new(e.kind(), format!("bind UDP {addr}: {e}")))?;
            server
                .set_idle_spin(el, idle_spin)
                .map_err(io::Error::other)?;
            // The server lives as long as its loop: `with_state` cannot
            // find it gone here, but would say so.
            let delay = config.shm.report_delay;
            routes.attach(el, move |el, updates| {
                match server.with_state(el, |ctx, _| ctx.state().apply(updates)) {
                    Ok(true) => fast_path::schedule_tick(el, server, delay),
                    Ok(false) => {}
                    Err(e) => log::error!("routes from DNS dropped: {e}"),
                }
            });
            el.run_every(interval, move |el| {
                if let Err(e) = server.with_state(el, |ctx, _| ctx.state().send_reports()) {
                    log::error!("statistics not sent: {e}");
                }
            });
            // Routes are saved at most once a second, when they changed.
            el.run_every(Duration::from_secs(1), move |el| {
                if let Err(e) = server.with_state(el, |ctx, _| ctx.state().save_snapshot()) {
                    log::error!("route snapshot not saved: {e}");
                }
            });
            if shm_on {
                fast_path::run_timers(el, server, delay);
            }
            Ok(server)
        })?;
        Ok(TableThread { server, thread })
    }

    /// The bound UDP address.
    pub fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Saves the table's routes now if they changed since the last save,
    /// and waits until they are handed to the snapshot writer.
    pub fn save_snapshot(&self) -> io::Result<()> {
        self.on_table(TableService::save_snapshot)
    }

    /// Sends the statistics gathered since the last report interval now,
    /// and waits until they are queued to the reporter link.
    pub fn send_reports(&self) -> io::Result<()> {
        self.on_table(TableService::send_reports)
    }

    /// Closes the table's shared-memory segment (its file is removed), and
    /// waits until it is closed.
    pub fn close_shm(&self) -> io::Result<()> {
        self.on_table(TableService::close_shm)
    }

    /// Runs `action` on the table, on its thread, and waits for it.
    fn on_table(&self, action: fn(&mut TableService)) -> io::Result<()> {
        let server = self.server;
        self.thread
            .handle()
            .call(move |el| server.with_state(el, |ctx, _| action(ctx.state())))
            .map_err(io::Error::other)?
            .map_err(io::Error::other)
    }
}

fn router() -> MsgRouter<UdpCtx<TableService>> {
    let mut router = MsgRouter::new();
    router
        .on(
            msgid::GET_HOST_REQUEST,
            |ctx: &mut UdpCtx<TableService>, req: GetHostRequest| {
                let started = Instant::now();
                let reply = ctx.state().get_host(&req);
                send_reply(ctx, msgid::GET_HOST_RESPONSE, &reply);
                ctx.state().send_pulls();
                ctx.state().counted(GET_HOST, reply.retcode, started);
            },
        )
        .expect("registered once")
        .on(
            msgid::REPORT_REQUEST,
            |ctx: &mut UdpCtx<TableService>, req: ReportRequest| {
                let started = Instant::now();
                ctx.state().report(&req);
                ctx.state().counted(REPORT, req.retcode, started);
            },
        )
        .expect("registered once")
        .on(
            msgid::API_GET_ROUTE_REQUEST,
            |ctx: &mut UdpCtx<TableService>, req: GetRouteRequest| {
                let started = Instant::now();
                let reply = ctx.state().get_route(&req);
                send_reply(ctx, msgid::API_GET_ROUTE_RESPONSE, &reply);
                ctx.state().send_pulls();
                let code = if reply.host.is_empty() {
                    RetCode::NoExist
                } else {
                    RetCode::Succ
                };
                ctx.state().counted(GET_ROUTE, code.to_wire(), started);
            },
        )
        .expect("registered once")
        .on(
            msgid::SHM_WAKE_REQUEST,
            |ctx: &mut UdpCtx<TableService>, _: ShmWakeRequest| ctx.state().shm_rung(),
        )
        .expect("registered once")
        .on(
            msgid::SHM_ATTACH_REQUEST,
            |ctx: &mut UdpCtx<TableService>, req: ShmAttachRequest| {
                let reply = ctx.state().shm_attach(&req);
                send_reply(ctx, msgid::SHM_ATTACH_RESPONSE, &reply);
            },
        )
        .expect("registered once");
    router
}

/// Indexes of [`REQUEST_TYPES`](crate::metrics::REQUEST_TYPES).
const GET_HOST: usize = 0;
const REPORT: usize = 1;
const GET_ROUTE: usize = 2;

impl TableService {
    /// Counts a request handled since `started`, and copies the table's
    /// running totals for the scrape.
    fn counted(&self, kind: usize, code: i32, started: Instant) {
        let metrics = &self.links.metrics.tables[self.index];
        metrics.request(kind, code, started.elapsed());
        metrics.publish_counts(&self.table);
    }

    fn get_host(&mut self, req: &GetHostRequest) -> GetHostResponse {
        let module = ModuleId::new(req.modid, req.cmdid);
        let pick = self.table.get_host(module, req.hash_key, self.clock.now());
        GetHostResponse {
            seq: req.seq,
            modid: req.modid,
            cmdid: req.cmdid,
            retcode: pick.retcode().to_wire(),
            host: pick.host().map(HostAddr::to_wire),
        }
    }

    fn report(&mut self, req: &ReportRequest) {
        // A report without a usable host concerns no host of any route.
        let Some(host) = req.host.as_ref().and_then(|h| HostAddr::from_wire(h).ok()) else {
            return;
        };
        let module = ModuleId::new(req.modid, req.cmdid);
        let outcome = CallOutcome::of_retcode(req.retcode);
        let latency = req.latency_us.map(|micros| Latency {
            micros,
            at_ms: self.clock.now_ms(),
        });
        let reported = self
            .table
            .report(module, host, outcome, latency, self.clock.now());
        // A UDP report may change the lists that shared-memory callers
        // pick from; they see it at the next publication.
        if let Reported::Changed(_) = reported {
            self.shm_mark(module);
        }
    }

    fn get_route(&mut self, req: &GetRouteRequest) -> GetRouteResponse {
        let module = ModuleId::new(req.modid, req.cmdid);
        // Weights and the policy go along; the original's client skips them.
        self.table
            .get_route(module, self.clock.now())
            .to_response(module)
    }

    fn send_pulls(&mut self) {
        if !self.table.has_pull_requests() {
            return;
        }
        for module in self.table.take_pull_requests() {
            if self.links.dns.push(ToDns::Pull(module)).is_err() {
                log::error!("DNS link is gone; route of {module} not requested");
            }
        }
    }

    /// Applies what the queue brought; true when the fast path's drain
    /// timer must be started again (a client rang the parked segment).
    fn apply(&mut self, updates: &mut dyn Iterator<Item = ToTable>) -> bool {
        let now = self.clock.now();
        let mut restart_tick = false;
        for update in updates {
            match update {
                ToTable::Route {
                    module,
                    route,
                    version,
                } => match self
                    .table
                    .apply_route(module, &route.hosts, route.policy, now)
                {
                    // Logged once per interval with a count: a flood of
                    // random modules must not flood the log.
                    RouteApply::Deleted => {
                        self.shm_mark(module);
                        self.deleted += 1;
                        self.last_deleted = Some(module);
                        self.snapshot_dirty = true;
                    }
                    RouteApply::Updated => {
                        self.shm_mark(module);
                        self.table.set_route_version(module, version);
                        self.snapshot_dirty = true;
                    }
                    RouteApply::Ignored => {}
                },
                ToTable::DnsReconnected => self.table.on_dns_reconnect(now),
                ToTable::View(reply) => {
                    let time = TimeBase {
                        now,
                        wall_ms: self.clock.wall_ms(),
                    };
                    // The asker may have given up waiting: nothing to do.
                    let _ = reply.send(table_view(self.index, &self.table, time));
                }
                ToTable::ShmWake => restart_tick |= self.shm_restart_tick(),
            }
        }
        self.shm_publish();
        self.send_pulls();
        self.links.metrics.tables[self.index].publish_counts(&self.table);
        restart_tick
    }

    fn send_reports(&mut self) {
        self.links.metrics.tables[self.index].publish_sizes(&self.table);
        let mut reports = Vec::new();
        self.table
            .take_reports(self.clock.wall_secs(), &mut reports);
        self.log_dropped_modules();
        for report in reports {
            if self
                .links
                .reporter
                .push(ToReporter::Statistics(report))
                .is_err()
            {
                log::error!("reporter link is gone; statistics dropped");
                return;
            }
        }
    }
}

fn send_reply<M: prost::Message>(ctx: &mut UdpCtx<TableService>, msgid: i32, reply: &M) {
    if let Err(e) = ctx.reply(msgid, reply) {
        log::debug!("reply to {} dropped: {e}", ctx.peer_addr());
    }
}

mod fast_path;
mod upkeep;
