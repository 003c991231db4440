//! An agent restarted while the DNS service is down serves the routes it
//! saved at once; when DNS is back, the routes it sends replace them. A
//! corrupt snapshot is ignored.

mod util;

use std::sync::Arc;
use std::time::Duration;

use lars_agent::ManualClock;
use lars_proto::{ModuleId, RetCode};
use lars_store::open_route_store;
use lars_testkit::stores::TempSqlite;
use lars_testkit::{wait_until, ScratchDir};
use util::*;

fn snapshot_lines(dir: &ScratchDir) -> String {
    format!(
        "report_interval = {NEVER}\nsnapshot_dir = {}\n",
        dir.path().display()
    )
}

#[test]
fn a_restarted_agent_answers_from_its_snapshot_until_dns_sends_routes() {
    let db = TempSqlite::new("agent_snapshot");
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    let dns_addr = dns.local_addr();
    let (reporter, _reports) = reporter_stand_in_on("127.0.0.1:0".parse().unwrap());
    let clock = Arc::new(ManualClock::new(WALL));
    let dir = ScratchDir::new("agent-snapshots");
    let lines = snapshot_lines(&dir);

    let agent = agent_on(dns_addr, reporter.local_addr(), &lines, "", &clock, "");
    let mut api = Api::new(&agent);
    api.wait_for_host(1, 1);
    api.wait_for_host(1, 2);
    // The first run stops (saving what changed) while DNS goes away.
    drop(api);
    drop(agent);
    dns.stop();
    assert!(dir.join("table-2.json").exists() && dir.join("table-0.json").exists());

    let agent = agent_on(dns_addr, reporter.local_addr(), &lines, "", &clock, "");
    let mut api = Api::new(&agent);
    // The very first request is answered with a host: no DNS, no wait.
    let (code, host) = api.get_host(1, 1);
    assert_eq!(code, RetCode::Succ, "served from the snapshot");
    assert!(host.unwrap().starts_with("127.0.0.1:900"));
    assert_eq!(api.get_route(1, 2).len(), 2);

    // DNS comes back with a changed route: it replaces the snapshot's.
    open_route_store(&db.config)
        .unwrap()
        .add_host(ModuleId::new(1, 1), "10.1.1.4:4".parse().unwrap())
        .unwrap();
    let dns = dns_on(&db.config, dns_addr);
    assert!(
        wait_until(Duration::from_secs(10), || api.get_route(1, 1).len() == 4),
        "the route from DNS never replaced the snapshot's"
    );
    drop(dns);
}

#[test]
fn a_corrupt_snapshot_is_ignored_and_the_agent_starts() {
    let db = TempSqlite::new("agent_snapshot_bad");
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    let (reporter, _reports) = reporter_stand_in_on("127.0.0.1:0".parse().unwrap());
    let clock = Arc::new(ManualClock::new(WALL));
    let dir = ScratchDir::new("agent-snapshots-bad");
    std::fs::write(
        dir.join("table-2.json"),
        b"{\"format\":\"lars-agent-routes\",\"lay",
    )
    .unwrap();
    std::fs::write(dir.join("table-0.json"), b"\x00\xff garbage").unwrap();
    let lines = snapshot_lines(&dir);
    let agent = agent_on(
        dns.local_addr(),
        reporter.local_addr(),
        &lines,
        "",
        &clock,
        "",
    );
    let mut api = Api::new(&agent);
    assert_eq!(api.get_host(1, 1).0, RetCode::NoExist, "nothing restored");
    api.wait_for_host(1, 1);
}
