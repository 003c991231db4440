//! The `lars` binary: exit codes and output of `route` against a scratch
//! SQLite store, and of the agent tools against a fake agent or none.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use lars_proto::{HostAddr, ModuleId};
use lars_testkit::fake_agent::{FakeAgent, Received, RunningAgent};
use lars_testkit::ScratchDir;

/// The host `a.b.c.d:port`.
fn addr(text: &str) -> HostAddr {
    text.parse().unwrap()
}

fn lars(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lars"))
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .expect("run lars")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A scratch dir with `lars.conf` naming `lars.db` beside it.
struct Store {
    dir: ScratchDir,
    conf: String,
}

impl Store {
    fn new(name: &str) -> Store {
        let dir = ScratchDir::new(name);
        let conf = dir.join("lars.conf");
        let text = format!(
            "[store]\nbackend = sqlite\nsqlite_path = {}\n",
            dir.join("lars.db").display()
        );
        std::fs::write(&conf, text).unwrap();
        Store {
            conf: conf.display().to_string(),
            dir,
        }
    }

    fn route(&self, args: &[&str]) -> Output {
        let mut all = vec!["route", "--config", &self.conf];
        all.extend_from_slice(args);
        lars(&all)
    }

    fn db(&self) -> PathBuf {
        self.dir.join("lars.db")
    }
}

fn version(store: &Store) -> u64 {
    let out = store.route(&["version"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().parse().unwrap()
}

#[test]
fn no_arguments_is_a_usage_error() {
    let out = lars(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Usage"), "{}", stderr(&out));
    let out = lars(&["gethost", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let out = lars(&["report", "1", "1", "10.0.0.1", "80", "7"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn route_add_list_del_version() {
    let store = Store::new("route-cycle");
    let v0 = version(&store);
    let out = store.route(&["list", "100"]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "no routes\n".into())
    );

    let out = store.route(&["add", "100", "1", "192.168.1.177:7777"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("added 192.168.1.177:7777 to module 100/1"));
    let out = store.route(&["add", "100", "2", "10.0.0.1:9001"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(version(&store), v0 + 2);

    let out = store.route(&["list", "100"]);
    assert_eq!(
        stdout(&out),
        "100 1 192.168.1.177:7777 weight=1\n100 2 10.0.0.1:9001 weight=1\n"
    );
    let out = store.route(&["list", "100", "2"]);
    assert_eq!(stdout(&out), "100 2 10.0.0.1:9001 weight=1\n");
    let out = store.route(&["list"]);
    assert!(stdout(&out).contains("100 1 192.168.1.177:7777 weight=1\n"));

    // Present already / absent: an error, nothing written.
    let out = store.route(&["add", "100", "1", "192.168.1.177:7777"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already present"), "{}", stderr(&out));
    let out = store.route(&["del", "100", "1", "10.0.0.1:9001"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not present"), "{}", stderr(&out));
    assert_eq!(version(&store), v0 + 2);

    let out = store.route(&["del", "100", "1", "192.168.1.177:7777"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&store.route(&["list", "100", "1"])), "no routes\n");
    assert_eq!(version(&store), v0 + 3);
}

#[test]
fn weights_and_policies_are_set_listed_and_versioned() {
    let store = Store::new("route-weights");
    let v0 = version(&store);
    let out = store.route(&["add", "100", "1", "10.0.0.1:9001", "--weight", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("added 10.0.0.1:9001 with weight 3 to module 100/1"));
    let out = store.route(&["add", "100", "1", "10.0.0.2:9001"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = store.route(&["weight", "100", "1", "10.0.0.2:9001", "10000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = store.route(&["policy", "100", "1", "hash", "--panic", "40"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("set the policy of module 100/1 to hash (panic 40%)"));
    assert_eq!(
        version(&store),
        v0 + 4,
        "each change bumps the version once"
    );
    assert_eq!(
        stdout(&store.route(&["list", "100"])),
        "100 1 policy=hash panic=40\n\
         100 1 10.0.0.1:9001 weight=3\n\
         100 1 10.0.0.2:9001 weight=10000\n"
    );
    // Back to the defaults: the policy line stays, saying rr and 0.
    let out = store.route(&["policy", "100", "1", "rr"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&store.route(&["list", "100", "1"])).starts_with("100 1 policy=rr panic=0\n"));
    // Weighing a host the module does not have is refused.
    let out = store.route(&["weight", "100", "1", "10.0.0.9:9001", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not present"), "{}", stderr(&out));
    assert_eq!(version(&store), v0 + 5);
}

#[test]
fn bad_weights_and_policies_are_one_line_errors_that_change_nothing() {
    let store = Store::new("route-bad-policy");
    let out = store.route(&["add", "100", "1", "10.0.0.1:9001"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v0 = version(&store);
    let listed = stdout(&store.route(&["list"]));
    let cases: [(&[&str], &str); 7] = [
        (
            &["add", "100", "1", "10.0.0.2:9001", "--weight", "0"],
            "weight '0'",
        ),
        (
            &["add", "100", "1", "10.0.0.2:9001", "--weight", "10001"],
            "weight '10001'",
        ),
        (
            &["weight", "100", "1", "10.0.0.1:9001", "-1"],
            "weight '-1'",
        ),
        (
            &["weight", "100", "1", "10.0.0.1:9001", "heavy"],
            "weight 'heavy'",
        ),
        (&["policy", "100", "1", "random"], "policy 'random'"),
        (
            &["policy", "100", "1", "wrr", "--panic", "101"],
            "panic threshold '101'",
        ),
        (
            &["policy", "100", "1", "wrr", "--panic", "-5"],
            "panic threshold '-5'",
        ),
    ];
    for (args, want) in cases {
        let out = store.route(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("lars route: {want}")),
            "{args:?}: {err}"
        );
    }
    assert_eq!(version(&store), v0);
    assert_eq!(stdout(&store.route(&["list"])), listed);
}

#[test]
fn bad_hosts_are_refused_and_nothing_is_written() {
    let store = Store::new("route-bad");
    for bad in [
        "10.0.0.300:80",
        "10.0.0.1:0",
        "10.0.0.1:70000",
        "10.0.0.1",
        "host:80",
    ] {
        let out = store.route(&["add", "100", "1", bad]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        let err = stderr(&out);
        assert!(err.starts_with("lars route: host '"), "{bad}: {err}");
        assert!(!store.db().exists(), "{bad}: the store was created");
    }
    let v0 = version(&store);
    let out = store.route(&["add", "100", "1", "10.0.0.1:65536"]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(stdout(&store.route(&["list", "100"])), "no routes\n");
    assert_eq!(version(&store), v0);
}

#[test]
fn a_bad_config_is_a_clear_error() {
    let store = Store::new("route-conf");
    std::fs::write(&store.conf, "[store]\nbackend = postgres\n").unwrap();
    let out = store.route(&["add", "1", "1", "10.0.0.1:80"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("'postgres' is not a store backend"));
    let missing = store.dir.join("none.conf");
    let out = lars(&[
        "route",
        "version",
        "--config",
        &missing.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("none.conf"), "{}", stderr(&out));
    assert!(!Path::new(&store.db()).exists());
}

#[test]
fn gethost_without_an_agent_fails_quickly() {
    let base = lars_testkit::free_udp_base().to_string();
    let t0 = Instant::now();
    let out = lars(&[
        "--base-port",
        &base,
        "--timeout-ms",
        "50",
        "gethost",
        "1",
        "1",
    ]);
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with("RET_SYSTEM_ERROR: get_host 1/1 via 127.0.0.1:"),
        "{text}"
    );
}

/// A fake agent serving module 1/1 with `hosts`.
fn agent_of_1_1(hosts: &[&str]) -> RunningAgent {
    let hosts = hosts.iter().map(|h| addr(h)).collect();
    FakeAgent::bind().serve_routes(HashMap::from([(ModuleId::new(1, 1), hosts)]))
}

/// `lars` with `args`, talking to `agent` with a 1 s timeout.
fn lars_at(agent: &RunningAgent, args: &[&str]) -> Output {
    let base = agent.base_port.to_string();
    let mut all = vec!["--base-port", &base, "--timeout-ms", "1000"];
    all.extend_from_slice(args);
    lars(&all)
}

#[test]
fn the_agent_tools_against_a_fake_agent() {
    let agent = agent_of_1_1(&["127.0.0.1:9001", "192.168.1.177:7777"]);
    let run = |args: &[&str]| lars_at(&agent, args);

    let out = run(&["gethost", "1", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("host is "), "{}", stdout(&out));
    let out = run(&["gethost", "2", "1"]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(1), "RET_NOEXIST\n".into())
    );

    let out = run(&["getroute", "1", "1"]);
    assert_eq!(stdout(&out), "127.0.0.1:9001\n192.168.1.177:7777\n");
    let out = run(&["getroute", "2", "1"]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "no hosts\n".into())
    );

    let out = run(&["report", "1", "1", "127.0.0.1", "9001", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["example", "1", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("reg_init: RET_SUCC"),
        "{}",
        stdout(&out)
    );

    let out = run(&["simulator", "1", "1", "5", "40", "--seed", "7"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let total = text.lines().find(|l| l.starts_with("total")).unwrap();
    let nums: Vec<u64> = total
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(nums.iter().sum::<u64>(), 40, "{text}");
    assert!(text.contains("192.168.1.177:7777"), "{text}");
    // The same seed replays the same dice.
    let again = stdout(&run(&["simulator", "1", "1", "5", "40", "--seed", "7"]));
    assert_eq!(
        again.lines().find(|l| l.starts_with("total")).unwrap(),
        total
    );

    // Every report of the simulators reached the agent (1 + 1 + 40 + 40).
    let is_report = |r: &&Received| r.msgid() == lars_proto::msgid::REPORT_REQUEST;
    let got = agent.wait_until(|got| got.iter().filter(is_report).count() >= 82);
    assert_eq!(got.iter().filter(is_report).count(), 82);
}

#[test]
fn qps_runs_and_summarises() {
    let hosts = vec![addr("127.0.0.1:9001")];
    let routes = HashMap::from([
        (ModuleId::new(1, 1), hosts.clone()),
        (ModuleId::new(2, 1), hosts),
    ]);
    let agent = FakeAgent::bind().serve_routes(routes);
    let base = agent.base_port.to_string();
    let out = lars(&[
        "--base-port",
        &base,
        "--timeout-ms",
        "2000",
        "qps",
        "2",
        "--seconds",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("[   1s]"), "{text}");
    assert!(text.contains(" qps\n"), "{text}");
    assert!(text.contains("get_host latency (us): p50 "), "{text}");
    assert!(text.contains("timeouts 0, errors 0"), "{text}");
}

#[test]
fn gethost_key_and_simulator_latency_reach_the_agent() {
    let agent = agent_of_1_1(&["127.0.0.1:9001", "127.0.0.1:9002"]);
    let run = |args: &[&str]| lars_at(&agent, args);
    let out = run(&["gethost", "1", "1", "--key", "18446744073709551615"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["gethost", "1", "1", "--key", "-1"]);
    assert_eq!(out.status.code(), Some(2), "a key is a u64");

    let out = run(&["simulator", "1", "1", "0", "20", "--seed", "3", "--latency"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let header = text.lines().find(|l| l.starts_with("host")).unwrap();
    assert!(header.ends_with("lat_ms"), "{text}");

    let got = agent.wait_until(|got| {
        got.iter()
            .filter(|r| r.msgid() == lars_proto::msgid::REPORT_REQUEST)
            .count()
            >= 20
    });
    let keys: Vec<Option<u64>> = got
        .iter()
        .filter(|r| r.msgid() == lars_proto::msgid::GET_HOST_REQUEST)
        .map(|r| r.decode::<lars_proto::GetHostRequest>().hash_key)
        .take(1)
        .collect();
    assert_eq!(keys, [Some(u64::MAX)]);
    let latencies: Vec<u32> = got
        .iter()
        .filter(|r| r.msgid() == lars_proto::msgid::REPORT_REQUEST)
        .map(|r| r.decode::<lars_proto::ReportRequest>().latency_us.unwrap())
        .collect();
    assert_eq!(latencies.len(), 20);
    // Typical 1..=50 ms, ±20 %.
    assert!(
        latencies.iter().all(|us| (800..=60_000).contains(us)),
        "{latencies:?}"
    );
}
