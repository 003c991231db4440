//! The DNS link thread: one `TcpClient` to the DNS service (with failover
//! over the configured servers and reconnect with backoff). It sends the
//! route requests the tables queue, and hands every route that arrives —
//! answer or push — to the table thread that owns the module.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use lars_proto::{ip_from_wire, msgid, GetRouteRequest, GetRouteResponse};
use lars_reactor::{
    ClientConfig, ClientRef, Handlers, LoopThread, MsgRouter, TcpClient, TcpConn, ThreadQueue,
};

use crate::lb::table_index;
use crate::messages::{ToDns, ToTable};

type Tables = Rc<RefCell<Vec<ThreadQueue<ToTable>>>>;

/// The running DNS link.
pub struct DnsLink {
    queue: ThreadQueue<ToDns>,
    _thread: LoopThread,
}

impl DnsLink {
    /// Starts the thread and the client.
    pub fn start(config: ClientConfig) -> io::Result<DnsLink> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let thread = LoopThread::spawn("agent-dns", move |el| {
            let tables: Tables = Rc::default();
            let client = TcpClient::start(el, config, handlers(tables.clone()));
            let client = match client {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let queue = ThreadQueue::unbounded(el, move |el, items| {
                for item in items {
                    match item {
                        ToDns::Pull(modid, cmdid) => pull(el, client, modid, cmdid),
                        ToDns::AttachTables(queues) => *tables.borrow_mut() = queues,
                    }
                }
            });
            let _ = tx.send(Ok(queue));
        })?;
        let queue = rx
            .recv()
            .map_err(|_| io::Error::other("DNS link thread died during start"))??;
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

fn pull(el: &mut lars_reactor::EventLoop, client: ClientRef, modid: i32, cmdid: i32) {
    if let Err(e) = client.send_message(
        el,
        msgid::GET_ROUTE_REQUEST,
        &GetRouteRequest { modid, cmdid },
    ) {
        // The module stays PULLING; the reconnect hook re-arms it.
        log::debug!("route request for {modid}/{cmdid} not sent: {e}");
    }
}

fn handlers(tables: Tables) -> Handlers {
    let mut router = MsgRouter::new();
    let route_tables = tables.clone();
    router
        .on(
            msgid::GET_ROUTE_RESPONSE,
            move |_conn: &mut TcpConn, resp: GetRouteResponse| {
                deliver_route(&route_tables.borrow(), resp)
            },
        )
        .expect("msgid registered once");
    Handlers::new(router).on_connect(move |conn| {
        log::info!(
            "DNS service {} connected; re-pulling pending routes",
            conn.peer_addr()
        );
        for table in tables.borrow().iter() {
            let _ = table.push(ToTable::DnsReconnected);
        }
    })
}

fn deliver_route(tables: &[ThreadQueue<ToTable>], resp: GetRouteResponse) {
    let Some(table) = tables.get(table_index(resp.modid, resp.cmdid)) else {
        log::warn!(
            "route of {}/{} arrived before the tables were attached; dropped",
            resp.modid,
            resp.cmdid
        );
        return;
    };
    let hosts = resp
        .host
        .iter()
        .filter_map(|h| match u16::try_from(h.port) {
            Ok(port) => Some((ip_from_wire(h.ip), port)),
            Err(_) => {
                log::warn!(
                    "module {}/{}: host with port {} ignored",
                    resp.modid,
                    resp.cmdid,
                    h.port
                );
                None
            }
        })
        .collect();
    let update = ToTable::Route {
        modid: resp.modid,
        cmdid: resp.cmdid,
        hosts,
    };
    if table.push(update).is_err() {
        log::error!(
            "table thread for module {}/{} is gone",
            resp.modid,
            resp.cmdid
        );
    }
}
