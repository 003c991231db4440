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

use lars_proto::{msgid, GetRouteRequest, GetRouteResponse, ModuleId, AGENT_PORTS};
use lars_proto::{Policy, RouteHost, RoutePolicy};
use lars_reactor::{
    ClientConfig, ClientRef, EventLoop, Handlers, LoopThread, MsgRouter, TcpClient, TcpConn,
    ThreadQueue,
};

use crate::messages::{ToDns, ToTable};

/// The running DNS link.
pub struct DnsLink {
    queue: ThreadQueue<ToDns>,
    _thread: LoopThread,
}

impl DnsLink {
    /// Starts the thread and the client; routes go to `tables`, indexed by
    /// [`ModuleId::agent_port_index`].
    pub fn start(config: ClientConfig, tables: Vec<ThreadQueue<ToTable>>) -> io::Result<DnsLink> {
        if tables.len() != AGENT_PORTS {
            return Err(io::Error::other(format!(
                "DNS link: {} tables, expected {AGENT_PORTS}",
                tables.len()
            )));
        }
        let (thread, queue) = LoopThread::spawn_with("agent-dns", move |el| {
            let tables: Rc<[ThreadQueue<ToTable>]> = tables.into();
            let client = TcpClient::start(el, config, handlers(tables))?;
            Ok(ThreadQueue::unbounded(el, move |el, items| {
                for ToDns::Pull(module) in items {
                    pull(el, client, module);
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

fn pull(el: &mut EventLoop, client: ClientRef, module: ModuleId) {
    let ModuleId { modid, cmdid } = module;
    let request = GetRouteRequest { modid, cmdid };
    if let Err(e) = client.send_message(el, msgid::GET_ROUTE_REQUEST, &request) {
        // The module stays PULLING; the reconnect hook re-arms it.
        log::debug!("route request for {module} not sent: {e}");
    }
}

fn handlers(tables: Rc<[ThreadQueue<ToTable>]>) -> Handlers {
    let mut router = MsgRouter::new();
    let route_tables = tables.clone();
    router
        .on(
            msgid::GET_ROUTE_RESPONSE,
            move |_conn: &mut TcpConn, resp: GetRouteResponse| deliver_route(&route_tables, resp),
        )
        .expect("msgid registered once");
    Handlers::new(router).on_connect(move |conn| {
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
    let hosts = resp
        .host
        .iter()
        .filter_map(|h| match RouteHost::from_wire(h) {
            Ok(host) => Some(host),
            Err(e) => {
                log::warn!("module {module}: {e}; host ignored");
                None
            }
        })
        .collect();
    let policy = route_policy(module, &resp);
    let table = &tables[module.agent_port_index()];
    if table
        .push(ToTable::Route {
            module,
            hosts,
            policy,
        })
        .is_err()
    {
        log::error!("table thread for module {module} is gone");
    }
}

/// The policy a route carries; one this agent does not know (from a newer
/// DNS service), or a threshold above 100, is logged and replaced by `rr`
/// without panic mode, the original's behaviour.
fn route_policy(module: ModuleId, resp: &GetRouteResponse) -> RoutePolicy {
    let policy = Policy::from_wire(resp.policy)
        .ok_or_else(|| format!("unknown policy {}", resp.policy))
        .and_then(|p| RoutePolicy::new(p, resp.panic_threshold).map_err(|e| e.to_string()));
    policy.unwrap_or_else(|e| {
        log::warn!("module {module}: {e}; using rr without panic mode");
        RoutePolicy::default()
    })
}
