//! The reporter link thread: one `TcpClient` to the report service. Each
//! module's statistics arrive here at most once per report interval; when
//! the reporter is unreachable only the latest statistics of each module
//! are kept (bounded by the number of modules) and sent on reconnect.
//!
//! The held statistics belong to the queue's drain alone: the connect hook
//! does not touch them, it queues [`ToReporter::Connected`].

use std::collections::HashMap;
use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use lars_proto::{ip_to_wire, msgid, HostCallResult, ModuleId, ReportStatusRequest};
use lars_reactor::{
    frame, ClientConfig, ClientRef, EventLoop, Handlers, Keepalive, LoopThread, MsgRouter,
    TcpClient, ThreadQueue,
};

use crate::lb::ModuleReport;
use crate::messages::ToReporter;
use crate::metrics::AgentMetrics;

/// The running reporter link.
pub struct ReporterLink {
    queue: ThreadQueue<ToReporter>,
    _thread: LoopThread,
}

impl ReporterLink {
    /// Starts the thread and the client; `caller` goes into every report.
    pub fn start(
        config: ClientConfig,
        caller: Ipv4Addr,
        metrics: Arc<AgentMetrics>,
    ) -> io::Result<ReporterLink> {
        let (queue, receiver) = ThreadQueue::detached();
        let on_connect = queue.clone();
        let (thread, ()) = LoopThread::spawn_with("agent-reporter", move |el| {
            let (connected, closed) = (metrics.clone(), metrics.clone());
            let handlers = Handlers::new(MsgRouter::new())
                .on_connect(move |_conn| {
                    connected.reporter.connected.store(true, Relaxed);
                    let _ = on_connect.push(ToReporter::Connected);
                })
                .on_close(move |_conn| closed.reporter.connected.store(false, Relaxed));
            let client = TcpClient::start(el, config, handlers)?;
            let mut sender = Sender {
                client,
                caller,
                held: HashMap::new(),
                metrics,
            };
            receiver.attach(el, move |el, items| {
                for item in items {
                    sender.handle(el, item);
                }
            });
            Ok(())
        })?;
        Ok(ReporterLink {
            queue,
            _thread: thread,
        })
    }

    /// The queue the tables send statistics to.
    pub fn queue(&self) -> ThreadQueue<ToReporter> {
        self.queue.clone()
    }
}

/// Sends statistics, holding the latest per module while disconnected.
struct Sender {
    client: ClientRef,
    caller: Ipv4Addr,
    held: HashMap<ModuleId, ReportStatusRequest>,
    metrics: Arc<AgentMetrics>,
}

impl Sender {
    fn handle(&mut self, el: &mut EventLoop, item: ToReporter) {
        match item {
            ToReporter::Statistics(report) => {
                let req = to_request(&report, self.caller);
                // A module with statistics held waits for the flush on
                // connect, so its older statistics are never sent after
                // these; while the reporter is away the latest wins.
                if self.held.contains_key(&report.module) || self.send(el, &req).is_err() {
                    self.hold(report.module, req);
                }
            }
            ToReporter::Connected => {
                if !self.held.is_empty() {
                    log::info!(
                        "reporter connected; sending {} held reports",
                        self.held.len()
                    );
                }
                let held = std::mem::take(&mut self.held);
                for (module, req) in held {
                    if self.send(el, &req).is_err() {
                        self.hold(module, req);
                    }
                }
                self.count_held();
            }
        }
    }

    /// Keeps `req` until the reporter is back; an older one of the module
    /// is dropped (counted).
    fn hold(&mut self, module: ModuleId, req: ReportStatusRequest) {
        if self.held.insert(module, req).is_some() {
            self.metrics.reporter.dropped.fetch_add(1, Relaxed);
        }
        self.count_held();
    }

    fn count_held(&self) {
        let held = self.held.len() as u64;
        self.metrics.reporter.held.store(held, Relaxed);
    }

    fn send(&self, el: &mut EventLoop, req: &ReportStatusRequest) -> Result<(), ()> {
        self.client
            .send_message(el, msgid::REPORT_STATUS_REQUEST, req)
            .map(|()| {
                self.metrics.reporter.sent.fetch_add(1, Relaxed);
            })
            .map_err(|e| log::debug!("statistics of {}/{} held: {e}", req.modid, req.cmdid))
    }
}

/// The reporter link's keepalive: statistics of module 0/0 from `caller`
/// with no host results, which a report service (the original's too)
/// stores nothing for.
pub fn keepalive(interval: std::time::Duration, caller: Ipv4Addr) -> Keepalive {
    let request = ReportStatusRequest {
        caller: ip_to_wire(caller),
        ..Default::default()
    };
    let frame = frame::frame_to_vec(msgid::REPORT_STATUS_REQUEST, &request)
        .expect("an empty report fits in a frame");
    Keepalive {
        interval,
        frame: frame.into(),
    }
}

/// The wire form of a module's statistics sent by `caller`.
pub fn to_request(report: &ModuleReport, caller: Ipv4Addr) -> ReportStatusRequest {
    ReportStatusRequest {
        modid: report.module.modid,
        cmdid: report.module.cmdid,
        caller: ip_to_wire(caller),
        ts: report.ts,
        results: report
            .hosts
            .iter()
            .map(|h| {
                let wire = h.host.to_wire();
                HostCallResult {
                    ip: wire.ip,
                    port: wire.port,
                    succ: h.succ,
                    err: h.err,
                    overload: h.overload,
                }
            })
            .collect(),
    }
}
