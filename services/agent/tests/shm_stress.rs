//! The same-host fast path under client crashes (docs/SHM.md §6): several
//! client processes write reports through one agent's shared memory while
//! some of them are killed (SIGKILL) mid-stream and the others after they
//! finished. No report may be counted twice or on another host, every
//! report of a finished client is counted, the slots of the dead are freed
//! and the agent keeps serving.
//!
//! The client processes are this test binary again, running the ignored
//! test [`child_client`] with its orders in the environment.

mod util;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lars_api::{ClientOptions, LarsClient, ModuleId, RetCode, Transport};
use lars_proto::HostAddr;
use lars_store::open_route_store;
use lars_testkit::wait_until;
use util::*;

/// The module of the test (table (7 + 7) mod 3 = 2) and its hosts, one per
/// client process.
const MODULE: ModuleId = ModuleId { modid: 7, cmdid: 7 };
const CLIENTS: usize = 6;
/// Reports each client writes.
const REPORTS: u64 = 20_000;

fn host_of(client: usize) -> HostAddr {
    format!("10.7.0.{}:80", client + 1).parse().unwrap()
}

fn client_options(base_port: u16) -> ClientOptions {
    ClientOptions {
        base_port,
        timeout: Duration::from_millis(500),
        transport: Transport::Shm,
        ..ClientOptions::default()
    }
}

/// Reports a client writes before it pauses for [`PAUSE`]: the ring (8192
/// entries), which the agent drains every millisecond, holds 40 such
/// bursts, so every report goes through shared memory even when the
/// agent's thread waits for a core for 200 ms (a full ring would send it
/// over UDP, where the kernel may drop it under a flood).
const BURST: u64 = 200;
const PAUSE: Duration = Duration::from_millis(5);

/// A client process: attaches, writes `REPORTS` successes for its host,
/// says `done`, and waits to be killed.
#[test]
#[ignore = "a client process of shm_stress, started by it"]
fn child_client() {
    let base: u16 = std::env::var("LARS_STRESS_BASE").unwrap().parse().unwrap();
    let client_no: usize = std::env::var("LARS_STRESS_CLIENT")
        .unwrap()
        .parse()
        .unwrap();
    let mut client = LarsClient::with_options(client_options(base)).unwrap();
    // The module is published: picks come from shared memory.
    assert_eq!(client.get_host(MODULE).unwrap().0, RetCode::Succ);
    assert!(client.uses_shared_memory(MODULE), "not attached");
    println!("attached");
    for n in 0..REPORTS {
        client
            .report(MODULE, host_of(client_no), RetCode::Succ)
            .unwrap();
        if n % BURST == BURST - 1 {
            std::thread::sleep(PAUSE);
        }
    }
    println!("done");
    std::thread::sleep(Duration::from_secs(60));
}

fn spawn_client(base: u16, client_no: usize) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_client", "--nocapture"])
        .env("LARS_STRESS_BASE", base.to_string())
        .env("LARS_STRESS_CLIENT", client_no.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    (child, out)
}

/// Reads the child's output until `word` (or its end); whether it came.
fn wait_for_line(out: &mut BufReader<std::process::ChildStdout>, word: &str) -> bool {
    let mut line = String::new();
    loop {
        line.clear();
        match out.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) if line.trim() == word => return true,
            Ok(_) => eprintln!("child: {}", line.trim()),
        }
    }
}

/// Successes counted by the agent per host of the module, over every
/// statistics message so far.
fn counted(reports: &Reports) -> Vec<u64> {
    let mut per_host = vec![0; CLIENTS];
    for message in messages_of(reports, MODULE.modid, MODULE.cmdid) {
        for line in &message.results {
            let host = HostAddr::from_wire(&lars_proto::HostInfo {
                ip: line.ip,
                port: line.port,
                weight: 0,
            })
            .unwrap();
            let i = (0..CLIENTS)
                .find(|&i| host_of(i) == host)
                .unwrap_or_else(|| panic!("report on {host}, not a host of the test"));
            per_host[i] += u64::from(line.succ);
            assert_eq!(line.err, 0, "no client reported a failure");
        }
    }
    per_host
}

#[test]
fn killed_clients_lose_nothing_published_and_count_nothing_twice() {
    let s = setup("");
    let mut store = open_route_store(&s.db.config).unwrap();
    for i in 0..CLIENTS {
        store.add_host(MODULE, host_of(i)).unwrap();
    }
    let base = s.agent.udp_addrs()[0].port();
    let mut parent = LarsClient::with_options(client_options(base)).unwrap();
    // Every host is in the agent's route before any client reports.
    assert!(wait_until(Duration::from_secs(5), || {
        parent.get_host(MODULE).unwrap();
        parent.get_route(MODULE).unwrap().len() == CLIENTS
    }));
    // Clients 0..3 are killed at a random moment of their stream, 3..6
    // once they are done.
    let seed = Instant::now().elapsed().subsec_nanos() ^ std::process::id();
    println!("kill delays seeded with {seed}");
    let mut children: Vec<_> = (0..CLIENTS).map(|i| spawn_client(base, i)).collect();
    for (i, (child, out)) in children.iter_mut().enumerate() {
        assert!(wait_for_line(out, "attached"), "client {i} did not attach");
        if i < 3 {
            let delay = u64::from(seed.wrapping_mul(2_654_435_761).rotate_left(i as u32 * 7) % 60);
            std::thread::sleep(Duration::from_millis(delay));
        } else {
            assert!(wait_for_line(out, "done"), "client {i} did not finish");
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
    // Slots of dead clients are freed within the agent's upkeep (1 s),
    // after what they published has been applied.
    let full = |n: &Vec<u64>| n[3..].iter().all(|&c| c == REPORTS);
    assert!(
        wait_until(Duration::from_secs(10), || {
            s.agent.send_reports().unwrap();
            full(&counted(&s.reports))
        }),
        "finished clients' reports all counted once: {:?}",
        counted(&s.reports)
    );
    std::thread::sleep(Duration::from_millis(1500));
    s.agent.send_reports().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let per_host = counted(&s.reports);
    assert!(full(&per_host), "counted once, not again: {per_host:?}");
    assert!(
        per_host[..3].iter().all(|&c| c <= REPORTS),
        "a killed client's reports are counted at most once: {per_host:?}"
    );
    // The agent serves on, from memory, and has room for new clients.
    assert_eq!(parent.get_host(MODULE).unwrap().0, RetCode::Succ);
    assert!(parent.uses_shared_memory(MODULE));
    let (mut again, mut out) = spawn_client(base, 0);
    assert!(wait_for_line(&mut out, "attached"), "a new client attaches");
    again.kill().unwrap();
    again.wait().unwrap();
}
