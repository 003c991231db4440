//! What a client writes into shared memory is not trusted (docs/SHM.md
//! §6): a report for a module of another table or for a host not in the
//! route, and a ring whose head breaks the protocol, are refused, counted
//! in `/metrics` and leave the agent serving; valid reports are applied.

mod util;

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use lars_proto::{msgid, HostAddr, ModuleId, RetCode, ShmAttachRequest, ShmAttachResponse};
use lars_shm::geometry::Layout;
use lars_shm::{Attached, Geometry, ReportEntry};
use lars_testkit::client::DatagramClient;
use lars_testkit::http::Exposition;
use lars_testkit::wait_until;
use util::*;

const METRICS: &str = "[metrics]\nlisten = 127.0.0.1:0\n";

fn counter(http: std::net::SocketAddr, name: &str) -> f64 {
    Exposition::scrape(http).value(name, &[]).unwrap_or(0.0)
}

#[test]
fn bad_entries_and_a_broken_ring_are_refused_and_counted() {
    let s = setup_full("", NEVER, METRICS);
    let agent = &s.agent;
    let http = agent.http_addr().unwrap();
    let mut api = Api::new(agent);
    let good = api.wait_for_host(1, 1);
    // Attach to table 2 (module 1/1's) by hand, as any process could.
    let table2 = DatagramClient::connect(agent.udp_addrs()[2]).unwrap();
    let answer: ShmAttachResponse = table2
        .call(
            msgid::SHM_ATTACH_REQUEST,
            &ShmAttachRequest {
                pid: std::process::id(),
            },
            msgid::SHM_ATTACH_RESPONSE,
            REPLY,
        )
        .unwrap()
        .expect("the agent answers");
    assert_eq!(RetCode::from_wire(answer.retcode), RetCode::Succ);
    let seg = Attached::open(
        Path::new(&answer.path),
        answer.generation,
        answer.slot,
        answer.ticket,
    )
    .unwrap();
    let entry = |modid, cmdid, host: &str| ReportEntry {
        module: ModuleId::new(modid, cmdid),
        host: host.parse::<HostAddr>().unwrap(),
        retcode: 0,
        latency_us: None,
    };
    // Module 1/2 belongs to table 0; 10.9.9.9:1 is no host of 1/1.
    assert!(seg.report(&entry(1, 2, "127.0.0.1:9011")));
    assert!(seg.report(&entry(1, 1, "10.9.9.9:1")));
    assert!(seg.report(&entry(1, 1, &good)));
    assert!(
        wait_until(WAIT, || counter(http, "lars_agent_shm_rejected_total")
            == 2.0
            && counter(http, "lars_agent_shm_reports_total") == 1.0),
        "rejected {} applied {}",
        counter(http, "lars_agent_shm_rejected_total"),
        counter(http, "lars_agent_shm_reports_total")
    );
    // A head far beyond the ring's capacity: a broken ring, counted and
    // emptied like a malformed datagram.
    let layout = Layout::new(Geometry::default()).unwrap();
    let head_at = layout.client_offset(answer.slot).unwrap() + layout.client_ring_head;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&answer.path)
        .unwrap();
    file.seek(SeekFrom::Start(head_at as u64)).unwrap();
    file.write_all(&u64::MAX.to_le_bytes()).unwrap();
    assert!(
        wait_until(WAIT, || counter(http, "lars_agent_shm_rejected_total")
            == 3.0),
        "rejected {}",
        counter(http, "lars_agent_shm_rejected_total")
    );
    // The agent serves on, over UDP and from memory.
    assert_eq!(api.get_host(1, 1).0, RetCode::Succ);
    let mut client = Api::via(agent, Via::Shm);
    assert_eq!(client.get_host(1, 1).0, RetCode::Succ);
    client.assert_fast_path(1, 1);
}

#[test]
fn picks_and_probes_from_memory_are_counted() {
    let s = setup_full("probe_num = 4\n", NEVER, METRICS);
    let agent = &s.agent;
    let http = agent.http_addr().unwrap();
    let mut api = Api::ready(agent, Via::Shm, 1, 1);
    // The pick that found the host came from memory: counted within the
    // agent's next upkeep (a second).
    assert!(wait_until(WAIT, || counter(
        http,
        "lars_agent_shm_picks_total"
    ) >= 1.0));
    let picks_before = counter(http, "lars_agent_shm_picks_total");
    for _ in 0..15 {
        api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    }
    api.settle();
    // Overloaded: picks 5 and 10 of the next 10 probe it (probe_num 4).
    for _ in 0..10 {
        assert_eq!(api.get_host(1, 1).0, RetCode::Succ);
    }
    let counted = wait_until(WAIT, || {
        counter(http, "lars_agent_shm_picks_total") - picks_before == 10.0
            && counter(http, "lars_agent_probes_total") == 2.0
    });
    assert!(
        counted,
        "picks {} probes {}",
        counter(http, "lars_agent_shm_picks_total") - picks_before,
        counter(http, "lars_agent_probes_total")
    );
}
