//! A table thread: one UDP server (port base_port + index) and the route
//! table it owns. The table lives in an `Rc<RefCell<_>>` on this thread
//! only, so the request path takes no lock; routes from DNS reach it
//! through the thread's queue.

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

use lars_proto::{
    ip_from_wire, ip_to_wire, msgid, GetHostRequest, GetHostResponse, GetRouteRequest,
    GetRouteResponse, HostInfo, ReportRequest,
};
use lars_reactor::{EventLoop, LoopThread, MsgRouter, ThreadQueue, UdpCtx, UdpServer};

use crate::clock::Clock;
use crate::config::AgentConfig;
use crate::lb::{RouteApply, RouteTable};
use crate::messages::{ToDns, ToReporter, ToTable};

/// The links a table thread talks to.
#[derive(Clone)]
pub struct Links {
    /// Route requests go here.
    pub dns: ThreadQueue<ToDns>,
    /// Statistics go here.
    pub reporter: ThreadQueue<ToReporter>,
}

/// A running table thread.
pub struct TableThread {
    queue: ThreadQueue<ToTable>,
    addr: SocketAddr,
    _thread: LoopThread,
}

struct Shared {
    /// For log lines: "agent table N".
    name: String,
    table: RefCell<RouteTable>,
    config: Arc<AgentConfig>,
    clock: Clock,
    links: Links,
}

/// A table thread that has its queue but does not serve UDP yet: routes
/// can be wired to it before the first request can arrive.
pub struct PendingTable {
    queue: ThreadQueue<ToTable>,
    go: crossbeam_channel::Sender<()>,
    bound: crossbeam_channel::Receiver<io::Result<SocketAddr>>,
    thread: LoopThread,
}

impl TableThread {
    /// Starts the thread with its table and queue; UDP port
    /// `base_port + index` is bound by [`PendingTable::serve`].
    pub fn start(
        index: usize,
        config: Arc<AgentConfig>,
        clock: Clock,
        links: Links,
    ) -> io::Result<PendingTable> {
        let addr = SocketAddr::from((config.listen_ip, config.base_port + index as u16));
        let (queue_tx, queue_rx) = crossbeam_channel::bounded(1);
        let (go_tx, go_rx) = crossbeam_channel::bounded::<()>(1);
        let (bound_tx, bound_rx) = crossbeam_channel::bounded(1);
        let thread = LoopThread::spawn(&format!("agent-udp-{index}"), move |el| {
            let interval = config.report_interval;
            let name = format!("agent table {index}");
            let shared = Rc::new(Shared {
                name: name.clone(),
                table: RefCell::new(RouteTable::with_max_modules(config.max_modules)),
                config,
                clock,
                links,
            });
            let from_dns = shared.clone();
            let queue = ThreadQueue::unbounded(el, move |_el, updates| from_dns.apply(updates));
            let _ = queue_tx.send(queue);
            // Serve only once the agent has wired this table to the DNS link.
            if go_rx.recv().is_err() {
                return;
            }
            let idle_spin = shared.config.idle_spin;
            let bound = UdpServer::start(el, &name, addr, router(shared.clone()))
                .map(|(token, bound)| {
                    UdpServer::set_idle_spin(el, token, idle_spin);
                    bound
                })
                .map_err(|e| io::Error::new(e.kind(), format!("bind UDP {addr}: {e}")));
            let reports = shared;
            el.run_every(interval, move |_el: &mut EventLoop| reports.send_reports());
            let _ = bound_tx.send(bound);
        })?;
        let queue = queue_rx
            .recv()
            .map_err(|_| io::Error::other("table thread died during start"))?;
        Ok(PendingTable {
            queue,
            go: go_tx,
            bound: bound_rx,
            thread,
        })
    }

    /// The thread's queue (for routes from DNS).
    pub fn queue(&self) -> ThreadQueue<ToTable> {
        self.queue.clone()
    }

    /// The bound UDP address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl PendingTable {
    /// The thread's queue (for routes from DNS).
    pub fn queue(&self) -> ThreadQueue<ToTable> {
        self.queue.clone()
    }

    /// Binds the UDP port and starts answering requests.
    pub fn serve(self) -> io::Result<TableThread> {
        let _ = self.go.send(());
        let addr = self
            .bound
            .recv()
            .map_err(|_| io::Error::other("table thread died before serving"))??;
        Ok(TableThread {
            queue: self.queue,
            addr,
            _thread: self.thread,
        })
    }
}

fn router(shared: Rc<Shared>) -> MsgRouter<UdpCtx> {
    let mut router = MsgRouter::new();
    let s = shared.clone();
    router
        .on(
            msgid::GET_HOST_REQUEST,
            move |ctx: &mut UdpCtx, req: GetHostRequest| s.get_host(ctx, req),
        )
        .expect("registered once");
    let s = shared.clone();
    router
        .on(
            msgid::REPORT_REQUEST,
            move |_ctx: &mut UdpCtx, req: ReportRequest| s.report(req),
        )
        .expect("registered once");
    router
        .on(
            msgid::API_GET_ROUTE_REQUEST,
            move |ctx: &mut UdpCtx, req: GetRouteRequest| shared.get_route(ctx, req),
        )
        .expect("registered once");
    router
}

impl Shared {
    fn get_host(&self, ctx: &mut UdpCtx, req: GetHostRequest) {
        let now = self.clock.now();
        let (retcode, host) =
            self.table
                .borrow_mut()
                .get_host(req.modid, req.cmdid, now, &self.config.lb);
        let reply = GetHostResponse {
            seq: req.seq,
            modid: req.modid,
            cmdid: req.cmdid,
            retcode,
            host: host.map(|(ip, port)| HostInfo {
                ip: ip_to_wire(ip),
                port: i32::from(port),
            }),
        };
        send_reply(ctx, msgid::GET_HOST_RESPONSE, &reply);
        self.send_pulls();
    }

    fn report(&self, req: ReportRequest) {
        let Some(host) = req.host else { return };
        let Ok(port) = u16::try_from(host.port) else {
            return;
        };
        let now = self.clock.now();
        self.table.borrow_mut().report(
            req.modid,
            req.cmdid,
            ip_from_wire(host.ip),
            port,
            req.retcode,
            now,
            &self.config.lb,
        );
    }

    fn get_route(&self, ctx: &mut UdpCtx, req: GetRouteRequest) {
        let now = self.clock.now();
        let hosts = self
            .table
            .borrow_mut()
            .get_route(req.modid, req.cmdid, now, &self.config.lb);
        let reply = GetRouteResponse {
            modid: req.modid,
            cmdid: req.cmdid,
            host: hosts
                .into_iter()
                .map(|(ip, port)| HostInfo {
                    ip: ip_to_wire(ip),
                    port: i32::from(port),
                })
                .collect(),
        };
        send_reply(ctx, msgid::API_GET_ROUTE_RESPONSE, &reply);
        self.send_pulls();
    }

    fn send_pulls(&self) {
        let mut table = self.table.borrow_mut();
        if !table.has_pull_requests() {
            return;
        }
        for (modid, cmdid) in table.take_pull_requests() {
            if self.links.dns.push(ToDns::Pull(modid, cmdid)).is_err() {
                log::error!("DNS link is gone; route of {modid}/{cmdid} not requested");
            }
        }
    }

    fn apply(&self, updates: &mut dyn Iterator<Item = ToTable>) {
        let now = self.clock.now();
        let mut table = self.table.borrow_mut();
        for update in updates {
            match update {
                ToTable::Route {
                    modid,
                    cmdid,
                    hosts,
                } => {
                    let applied = table.apply_route(modid, cmdid, &hosts, now, &self.config.lb);
                    if applied == RouteApply::Deleted {
                        log::info!(
                            "{}: module {modid}/{cmdid} has no hosts left in DNS; deleted",
                            self.name
                        );
                    }
                }
                ToTable::DnsReconnected => table.on_dns_reconnect(now),
            }
        }
        drop(table);
        self.send_pulls();
    }

    fn send_reports(&self) {
        let mut reports = Vec::new();
        let mut table = self.table.borrow_mut();
        table.take_reports(self.clock.now(), &mut reports);
        let refused = table.take_refused();
        drop(table);
        if refused > 0 {
            log::warn!(
                "{}: {refused} requests for new modules answered RET_NOEXIST: the table is full ([agent] max_modules)",
                self.name
            );
        }
        for report in reports {
            if self.links.reporter.push(report).is_err() {
                log::error!("reporter link is gone; statistics dropped");
                return;
            }
        }
    }
}

fn send_reply<M: prost::Message>(ctx: &mut UdpCtx, msgid: i32, reply: &M) {
    if let Err(e) = ctx.reply(msgid, reply) {
        log::debug!("reply to {} dropped: {e}", ctx.peer_addr());
    }
}
