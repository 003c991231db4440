//! The DNS link thread: one `TcpClient` to the DNS service (with failover
//! over the configured servers and reconnect with backoff). It sends the
//! route requests the tables queue, and hands every route that arrives —
//! answer or push — to the table thread that owns the module.
//!
//! The tables' queues are known when the link starts (they are made
//! detached, before the table threads), so the link's state is immutable
//! and shared by its handlers without a `RefCell`.

use std::io;
use std::rc::Rc;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use lars_proto::Route;
use lars_proto::{msgid, GetRouteRequest, GetRouteResponse, ModuleId, AGENT_PORTS};
use lars_reactor::{
    frame, ClientConfig, ClientRef, EventLoop, Handlers, Keepalive, LoopThread, MsgRouter,
    TcpClient, TcpConn, ThreadQueue,
};

use crate::messages::{ToDns, ToTable};
use crate::metrics::AgentMetrics;

/// The running DNS link.
pub struct DnsLink {
    queue: ThreadQueue<ToDns>,
    _thread: LoopThread,
}

impl DnsLink {
    /// Starts the thread and the client; routes go to `tables`, indexed by
    /// [`ModuleId::agent_port_index`].
    pub fn start(
        config: ClientConfig,
        tables: Vec<ThreadQueue<ToTable>>,
        metrics: Arc<AgentMetrics>,
    ) -> io::Result<DnsLink> {
        if tables.len() != AGENT_PORTS {
            return Err(io::Error::other(format!(
                "DNS link: {} tables, expected {AGENT_PORTS}",
                tables.len()
            )));
        }
        let (thread, queue) = LoopThread::spawn_with("agent-dns", move |el| {
            let tables: Rc<[ThreadQueue<ToTable>]> = tables.into();
            let client = TcpClient::start(el, config, handlers(tables, metrics.clone()))?;
            Ok(ThreadQueue::unbounded(el, move |el, items| {
                for ToDns::Pull(module) in items {
                    if pull(el, client, module) {
                        metrics.dns.pulls_sent.fetch_add(1, Relaxed);
                    }
                }
            }))
        })?;
        Ok(DnsLink {
            queue,
            _thread: thread,
        })
    }

    /// The queue the tables send route requests to.
    pub fn queue(&self) -> ThreadQueue<ToDns> {
        self.queue.clone()
    }
}

/// The DNS link's keepalive: a route request for module 0/0, which any
/// DNS service (the original's too) answers with an empty route; the
/// tables ignore routes of modules they do not hold.
pub fn keepalive(interval: std::time::Duration) -> Keepalive {
    let request = GetRouteRequest {
        modid: 0,
        cmdid: 0,
        want_version: false,
    };
    let frame = frame::frame_to_vec(msgid::GET_ROUTE_REQUEST, &request)
        .expect("a route request fits in a frame");
    Keepalive {
        interval,
        frame: frame.into(),
    }
}

/// Sends a route request; whether it went out.
fn pull(el: &mut EventLoop, client: ClientRef, module: ModuleId) -> bool {
    let ModuleId { modid, cmdid } = module;
    // Answers and pushes then carry the DNS route version (`/modules`).
    let request = GetRouteRequest {
        modid,
        cmdid,
        want_version: true,
    };
    match client.send_message(el, msgid::GET_ROUTE_REQUEST, &request) {
        Ok(()) => true,
        Err(e) => {
            // The module stays PULLING; the reconnect hook re-arms it.
            log::debug!("route request for {module} not sent: {e}");
            false
        }
    }
}

fn handlers(tables: Rc<[ThreadQueue<ToTable>]>, metrics: Arc<AgentMetrics>) -> Handlers {
    let mut router = MsgRouter::new();
    let route_tables = tables.clone();
    let on_route = metrics.clone();
    router
        .on(
            msgid::GET_ROUTE_RESPONSE,
            move |_conn: &mut TcpConn, resp: GetRouteResponse| {
                on_route.dns.routes_received.fetch_add(1, Relaxed);
                deliver_route(&route_tables, resp)
            },
        )
        .expect("msgid registered once");
    let on_close = metrics.clone();
    Handlers::new(router)
        .on_close(move |_conn| on_close.dns.connected.store(false, Relaxed))
        .on_connect(move |conn| {
            metrics.dns.connected.store(true, Relaxed);
            metrics.dns.connects.fetch_add(1, Relaxed);
            log::info!(
                "DNS service {} connected; re-pulling every module",
                conn.peer_addr()
            );
            for table in tables.iter() {
                let _ = table.push(ToTable::DnsReconnected);
            }
        })
}

fn deliver_route(tables: &[ThreadQueue<ToTable>], resp: GetRouteResponse) {
    let module = ModuleId::new(resp.modid, resp.cmdid);
    // Bad hosts are left out; an unknown policy (from a newer DNS service)
    // or a threshold above 100 becomes rr without panic mode.
    let (route, problems) = Route::from_response(&resp);
    for problem in problems {
        log::warn!("route of module {module}: {problem}");
    }
    let table = &tables[module.agent_port_index()];
    let update = ToTable::Route {
        module,
        route,
        version: resp.version,
    };
    if table.push(update).is_err() {
        log::error!("table thread for module {module} is gone");
    }
}
