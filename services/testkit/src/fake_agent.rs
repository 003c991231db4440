//! [`FakeAgent`]: an LB agent stand-in for client and tool tests — three
//! UDP sockets on consecutive free ports of 127.0.0.1, each served by a
//! thread that logs every datagram and sends back whatever a test's
//! handler returns.

use std::collections::HashMap;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use lars_proto::{frame, msgid, GetHostRequest, GetHostResponse, GetRouteRequest};
use lars_proto::{GetRouteResponse, HostAddr, MessageId, ModuleId};
use prost::Message;

use crate::ports::{bind_udp_triple, UdpTriple};

/// One datagram the agent received: which of its ports, and the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Which of the three ports (0, 1, 2) it arrived on.
    pub port_index: usize,
    /// The datagram.
    pub bytes: Vec<u8>,
}

impl Received {
    /// The frame's msgid.
    pub fn msgid(&self) -> i32 {
        frame::parse_datagram(&self.bytes).unwrap().0
    }

    /// Whether it is a client's request for the agent's shared memory.
    pub fn is_attach(&self) -> bool {
        self.bytes.get(..4) == Some(&msgid::SHM_ATTACH_REQUEST.to_le_bytes()[..])
    }

    /// The frame's body decoded as `M`.
    pub fn decode<M: Message + Default>(&self) -> M {
        M::decode(frame::parse_datagram(&self.bytes).unwrap().1).unwrap()
    }
}

/// The reply frames for one request: (port index, msgid, body) → frames.
pub type Handler = dyn Fn(usize, i32, &[u8]) -> Vec<Vec<u8>> + Send + Sync;

/// Three bound sockets, not yet answering.
pub struct FakeAgent {
    socks: Vec<UdpSocket>,
    /// The first of its three ports.
    pub base_port: u16,
}

/// A fake agent being served; stops its threads when dropped.
pub struct RunningAgent {
    /// The first of its three ports.
    pub base_port: u16,
    log: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl FakeAgent {
    /// Binds 127.0.0.1 on three consecutive free ports.
    pub fn bind() -> FakeAgent {
        let UdpTriple { sockets, base_port } = bind_udp_triple();
        FakeAgent {
            socks: sockets.into(),
            base_port,
        }
    }

    /// Answers every datagram with `handler`'s frames, from the port it
    /// arrived on, to its sender.
    pub fn serve(
        self,
        handler: impl Fn(usize, i32, &[u8]) -> Vec<Vec<u8>> + Send + Sync + 'static,
    ) -> RunningAgent {
        let handler: Arc<Handler> = Arc::new(handler);
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for (idx, sock) in self.socks.into_iter().enumerate() {
            let (handler, log, stop) = (handler.clone(), log.clone(), stop.clone());
            sock.set_read_timeout(Some(Duration::from_millis(10)))
                .unwrap();
            threads.push(std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while !stop.load(Ordering::Relaxed) {
                    let Ok((n, from)) = sock.recv_from(&mut buf) else {
                        continue;
                    };
                    let bytes = buf[..n].to_vec();
                    log.lock().unwrap().push(Received {
                        port_index: idx,
                        bytes: bytes.clone(),
                    });
                    let Ok((id, body)) = frame::parse_datagram(&bytes) else {
                        continue;
                    };
                    // Like the original agent, it has no shared memory to
                    // offer: attach requests are logged, never answered.
                    if id == msgid::SHM_ATTACH_REQUEST {
                        continue;
                    }
                    for reply in handler(idx, id, body) {
                        sock.send_to(&reply, from).unwrap();
                    }
                }
            }));
        }
        RunningAgent {
            base_port: self.base_port,
            log,
            stop,
            threads,
        }
    }

    /// An agent that behaves like the real one for fixed `routes`:
    /// get_route lists the module's hosts, get_host hands them out round
    /// robin (RET_NOEXIST for an unknown module), reports are only logged.
    pub fn serve_routes(self, routes: HashMap<ModuleId, Vec<HostAddr>>) -> RunningAgent {
        let next = Mutex::new(0usize);
        self.serve(move |_, id, body| match id {
            msgid::GET_HOST_REQUEST => {
                let req = GetHostRequest::decode(body).unwrap();
                let hosts = routes.get(&ModuleId::new(req.modid, req.cmdid));
                let host = hosts.map(|h| {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    h[*n % h.len()]
                });
                vec![host_reply(&req, if host.is_some() { 0 } else { 3 }, host)]
            }
            msgid::API_GET_ROUTE_REQUEST => {
                let req = GetRouteRequest::decode(body).unwrap();
                let hosts = routes.get(&ModuleId::new(req.modid, req.cmdid)).cloned();
                vec![route_reply(
                    req.modid,
                    req.cmdid,
                    &hosts.unwrap_or_default(),
                )]
            }
            _ => vec![],
        })
    }

    /// Never answers (the sockets stay bound, so no ICMP error either).
    pub fn silent(self) -> RunningAgent {
        self.serve(|_, _, _| vec![])
    }
}

impl RunningAgent {
    /// Everything received so far but the clients' requests for the
    /// same-host fast path ([`attach_requests`](Self::attach_requests)):
    /// the original protocol's datagrams.
    pub fn received(&self) -> Vec<Received> {
        let log = self.log.lock().unwrap();
        log.iter().filter(|r| !r.is_attach()).cloned().collect()
    }

    /// The `ShmAttachRequest`s received so far (the original agent does
    /// not know them; neither does a fake agent: it never answers them).
    pub fn attach_requests(&self) -> Vec<Received> {
        let log = self.log.lock().unwrap();
        log.iter().filter(|r| r.is_attach()).cloned().collect()
    }

    /// Waits (at most 2 s) until `n` datagrams have arrived; returns them.
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        self.wait_until(|got| got.len() >= n)
    }

    /// Waits (at most 2 s) until `done` holds for what has arrived; returns
    /// it either way.
    pub fn wait_until(&self, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let got = self.received();
            if done(&got) || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for RunningAgent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A GetHostResponse frame answering `req`.
pub fn host_reply(req: &GetHostRequest, retcode: i32, host: Option<HostAddr>) -> Vec<u8> {
    let rsp = GetHostResponse {
        seq: req.seq,
        modid: req.modid,
        cmdid: req.cmdid,
        retcode,
        host: host.map(HostAddr::to_wire),
    };
    frame::encode(MessageId::IdGetHostResponse, &rsp).unwrap()
}

/// An ID_API_GetRouteResponse frame.
pub fn route_reply(modid: i32, cmdid: i32, hosts: &[HostAddr]) -> Vec<u8> {
    let rsp = GetRouteResponse {
        modid,
        cmdid,
        host: hosts.iter().map(|h| h.to_wire()).collect(),
        ..GetRouteResponse::default()
    };
    frame::encode(MessageId::IdApiGetRouteResponse, &rsp).unwrap()
}
