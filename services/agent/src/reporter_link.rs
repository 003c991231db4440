//! The reporter link thread: one `TcpClient` to the report service. Each
//! module's statistics arrive here at most once per report interval; when
//! the reporter is unreachable only the latest statistics of each module
//! are kept (bounded by the number of modules) and sent on reconnect.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::net::Ipv4Addr;
use std::rc::Rc;

use lars_proto::{ip_to_wire, module_key, msgid, HostCallResult, ReportStatusRequest};
use lars_reactor::{ClientConfig, Handlers, LoopThread, MsgRouter, TcpClient, ThreadQueue};

use crate::clock::wall_secs;
use crate::lb::ModuleReport;
use crate::messages::ToReporter;

type Pending = Rc<RefCell<HashMap<u64, ReportStatusRequest>>>;

/// The running reporter link.
pub struct ReporterLink {
    queue: ThreadQueue<ToReporter>,
    _thread: LoopThread,
}

impl ReporterLink {
    /// Starts the thread and the client; `caller` goes into every report.
    pub fn start(config: ClientConfig, caller: Ipv4Addr) -> io::Result<ReporterLink> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let thread = LoopThread::spawn("agent-reporter", move |el| {
            let pending: Pending = Rc::default();
            let flush_on_connect = pending.clone();
            let handlers = Handlers::new(MsgRouter::new()).on_connect(move |conn| {
                let waiting: Vec<_> = flush_on_connect
                    .borrow_mut()
                    .drain()
                    .map(|(_, r)| r)
                    .collect();
                if !waiting.is_empty() {
                    log::info!(
                        "reporter {} connected; sending {} held reports",
                        conn.peer_addr(),
                        waiting.len()
                    );
                }
                for req in waiting {
                    let _ = conn.send_message(msgid::REPORT_STATUS_REQUEST, &req);
                }
            });
            let client = match TcpClient::start(el, config, handlers) {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let caller = ip_to_wire(u32::from(caller));
            let queue = ThreadQueue::unbounded(el, move |el, reports| {
                for report in reports {
                    let req = to_request(&report, caller, wall_secs());
                    if client
                        .send_message(el, msgid::REPORT_STATUS_REQUEST, &req)
                        .is_err()
                    {
                        // Latest per module wins while the reporter is away.
                        pending
                            .borrow_mut()
                            .insert(module_key(req.modid, req.cmdid), req);
                    }
                }
            });
            let _ = tx.send(Ok(queue));
        })?;
        let queue = rx
            .recv()
            .map_err(|_| io::Error::other("reporter link thread died during start"))??;
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

/// The wire form of a module's statistics.
pub fn to_request(report: &ModuleReport, caller: i32, ts: u32) -> ReportStatusRequest {
    ReportStatusRequest {
        modid: report.modid,
        cmdid: report.cmdid,
        caller,
        ts,
        results: report
            .hosts
            .iter()
            .map(|h| HostCallResult {
                ip: ip_to_wire(h.ip),
                port: i32::from(h.port),
                succ: h.succ,
                err: h.err,
                overload: h.overload,
            })
            .collect(),
    }
}
