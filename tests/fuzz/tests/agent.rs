//! lars-agent's get_host, report and get_route handlers and the reactor's
//! datagram framing, fed random datagrams over 127.0.0.1: no thread
//! panics, and a get_host sent after the garbage, to the same port, is
//! answered with a host. The agent's routes come from a real lars-dns, with
//! a different policy on each probed module (hash, ewma, wrr) and weights.

mod util;

use std::cell::Cell;
use std::time::Instant;

use lars_agent::{Agent, AgentConfig};
use lars_dns::{DnsConfig, DnsService};
use lars_fuzz::messages::agent_requests;
use lars_fuzz::pieces::datagrams;
use lars_proto::{
    msgid, GetHostRequest, GetHostResponse, GetRouteRequest, GetRouteResponse, HostAddr, ModuleId,
    Policy, RoutePolicy, Weight,
};
use lars_reactor::Config;
use lars_store::{RouteStore, SqliteStore};
use lars_testkit::client::DatagramClient;
use lars_testkit::stores::TempSqlite;
use lars_testkit::{free_tcp_port, free_udp_base, wait_until};
use prost::Message;
use util::{check, fuzz, ANSWER};

/// The probed module of each of the agent's three ports (index
/// `(modid + cmdid) mod 3`): 1/2, 2/2 and 1/1.
const PROBED: [(i32, i32); 3] = [(1, 2), (2, 2), (1, 1)];

/// The demo routes plus module 2/2, with a policy per probed module and
/// weights.
fn routes(store: &TempSqlite) {
    let mut routes = SqliteStore::open(store.path(), true).unwrap();
    let host = |text: &str| text.parse::<HostAddr>().unwrap();
    routes
        .add_host(ModuleId::new(2, 2), host("127.0.0.1:9031"))
        .unwrap();
    routes
        .add_host(ModuleId::new(2, 2), host("127.0.0.1:9032"))
        .unwrap();
    for (module, policy, panic) in [
        (ModuleId::new(1, 1), Policy::Hash, 0),
        (ModuleId::new(1, 2), Policy::Ewma, 50),
        (ModuleId::new(2, 2), Policy::Wrr, 0),
    ] {
        routes
            .set_policy(module, RoutePolicy::new(policy, panic).unwrap())
            .unwrap();
    }
    routes
        .set_weight(
            ModuleId::new(2, 2),
            host("127.0.0.1:9031"),
            Weight::new(7).unwrap(),
        )
        .unwrap();
}

fn start_dns(store: &TempSqlite) -> DnsService {
    let text = format!(
        "[reactor]\nip = 127.0.0.1\nport = 0\nthreadNum = 1\n{}[dns]\nstore_connect_attempts = 1\n",
        store.ini()
    );
    DnsService::start(
        DnsConfig::from_config(&Config::parse(&text, "fuzz-dns.conf").unwrap()).unwrap(),
    )
    .unwrap()
}

/// An agent on three free UDP ports, fed by `dns`; its reporter is a port
/// where nothing listens (statistics wait, as while a reporter is away).
fn start_agent(dns: &DnsService) -> Agent {
    for _ in 0..20 {
        let text = format!(
            "[agent]\nbase_port = {}\ncaller_ip = 10.0.0.9\nidle_spin_us = 0\n\
             [dnsserver]\nip = 127.0.0.1\nport = {}\n[reporter]\nip = 127.0.0.1\nport = {}\n",
            free_udp_base(),
            dns.local_addr().port(),
            free_tcp_port()
        );
        let config =
            AgentConfig::from_config(&Config::parse(&text, "fuzz-agent.conf").unwrap()).unwrap();
        if let Ok(agent) = Agent::start(config) {
            return agent;
        }
    }
    panic!("no three free UDP ports for the agent");
}

/// Reads datagrams on `socket` until the answer to get_host `seq`; whether
/// it came within [`ANSWER`], echoing the request, with a host.
fn answered(socket: &DatagramClient, seq: u32, (modid, cmdid): (i32, i32)) -> bool {
    let deadline = Instant::now() + ANSWER;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(Some((id, body))) = socket.recv(left) else {
            return false;
        };
        let Ok(answer) = GetHostResponse::decode(&body[..]) else {
            continue;
        };
        if id == msgid::GET_HOST_RESPONSE && answer.seq == seq {
            // RET_SUCC with a host, or RET_OVERLOAD when the garbage's
            // reports overloaded every host.
            let host = answer.retcode == 0 && answer.host.is_some() || answer.retcode == 1;
            return (answer.modid, answer.cmdid) == (modid, cmdid) && host;
        }
    }
    false
}

#[test]
fn random_datagrams_leave_lars_agent_answering() {
    let store = TempSqlite::new("fuzz_agent");
    routes(&store);
    let dns = start_dns(&store);
    let agent = start_agent(&dns);
    let sockets: Vec<DatagramClient> = agent
        .udp_addrs()
        .into_iter()
        .map(|addr| DatagramClient::connect(addr).unwrap())
        .collect();
    for (index, &(modid, cmdid)) in PROBED.iter().enumerate() {
        assert_eq!(ModuleId::new(modid, cmdid).agent_port_index(), index);
        let request = GetRouteRequest {
            modid,
            cmdid,
            want_version: false,
        };
        let routed = wait_until(ANSWER, || {
            sockets[index]
                .call::<_, GetRouteResponse>(
                    msgid::API_GET_ROUTE_REQUEST,
                    &request,
                    msgid::API_GET_ROUTE_RESPONSE,
                    std::time::Duration::from_millis(100),
                )
                .ok()
                .flatten()
                .is_some_and(|r| !r.host.is_empty())
        });
        assert!(routed, "the agent has no route for {modid}/{cmdid}");
    }
    let seq = Cell::new(0u32);

    fuzz(
        (0..3usize, datagrams(agent_requests())),
        |(port, pieces)| {
            let socket = &sockets[port];
            for piece in &pieces {
                // A datagram too large for UDP is refused here: not the case.
                let _ = socket.send_bytes(&piece.bytes());
            }
            seq.set(seq.get() + 1);
            let (modid, cmdid) = PROBED[port];
            let probe = GetHostRequest {
                seq: seq.get(),
                modid,
                cmdid,
                hash_key: Some(u64::from(seq.get())),
            };
            socket.send(msgid::GET_HOST_REQUEST, &probe).unwrap();
            check(answered(socket, seq.get(), (modid, cmdid)), || {
                format!(
                    "get_host {modid}/{cmdid} (seq {}) not answered with a host",
                    seq.get()
                )
            })
        },
    );
    agent.stop();
    dns.stop();
}
