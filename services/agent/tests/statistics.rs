//! The statistics the agent sends the reporter: one message per module
//! that had reports, per flush; the interval timer; only the latest
//! statistics held while the reporter is down.

mod util;

use std::sync::Arc;
use std::time::Duration;

use lars_agent::ManualClock;
use lars_proto::ip_from_wire;
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;
use util::*;

#[test]
fn each_flush_sends_one_message_per_module_that_had_reports() {
    let s = setup("");
    let mut api = Api::new(&s.agent);
    api.get_host(1, 1);
    let host = api.wait_for_host(1, 1);
    api.get_host(2, 3);
    let marker_host = api.wait_for_host(2, 3);
    api.successes(1, 1, &host, 40);
    s.agent.send_reports().unwrap();
    assert!(wait_until(WAIT, || messages_of(&s.reports, 1, 1).len() == 1));
    let first = &messages_of(&s.reports, 1, 1)[0];
    assert_eq!(first.ts, WALL, "stamped with the clock's Unix time");
    assert_eq!(
        ip_from_wire(first.caller),
        std::net::Ipv4Addr::new(10, 0, 0, 9)
    );
    assert_eq!(first.results.len(), 3, "every host of the module");
    let line = result_for(first, &host);
    assert_eq!((line.succ, line.err, line.overload), (40, 0, false));
    // Two more flushes with traffic on another module of the same table
    // only: once its second message is in, every message of both flushes
    // is, and module 1/1 sent none.
    for _ in 0..2 {
        api.successes(2, 3, &marker_host, 1);
        s.agent.send_reports().unwrap();
    }
    assert!(wait_until(WAIT, || messages_of(&s.reports, 2, 3).len() == 2));
    assert_eq!(
        messages_of(&s.reports, 1, 1).len(),
        1,
        "no news, no message"
    );
}

#[test]
fn the_report_interval_sends_statistics_by_itself() {
    let s = setup_with("", 0.05);
    let mut api = Api::new(&s.agent);
    api.get_host(1, 1);
    let host = api.wait_for_host(1, 1);
    api.successes(1, 1, &host, 5);
    assert!(wait_until(WAIT, || !messages_of(&s.reports, 1, 1).is_empty()));
}

#[test]
fn while_the_reporter_is_down_only_the_latest_statistics_are_kept() {
    let db = TempSqlite::new("agent_reporter_down");
    add_marker_module(&db.config);
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    // A port with nothing listening yet: the reporter is "down".
    let reporter_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let clock = Arc::new(ManualClock::new(WALL));
    let agent = agent(dns.local_addr(), reporter_addr, "", NEVER, &clock);
    let mut api = Api::new(&agent);
    api.get_host(1, 1);
    let host = api.wait_for_host(1, 1);
    // Three flushes while it is down, each after more traffic.
    for round in 1..=3 {
        api.successes(1, 1, &host, 10 * round);
        clock.advance(1);
        agent.send_reports().unwrap();
    }
    let (_reporter, reports) = reporter_stand_in_on(reporter_addr);
    assert!(wait_until(Duration::from_secs(8), || !messages_of(
        &reports, 1, 1
    )
    .is_empty()));
    // A later flush of another module: once it arrives, anything held
    // arrived before it.
    api.get_host(2, 3);
    let marker_host = api.wait_for_host(2, 3);
    api.successes(2, 3, &marker_host, 1);
    agent.send_reports().unwrap();
    assert!(wait_until(WAIT, || !messages_of(&reports, 2, 3).is_empty()));
    let held = messages_of(&reports, 1, 1);
    assert_eq!(
        held.len(),
        1,
        "one held message per module, not one per flush"
    );
    assert_eq!(held[0].ts, WALL + 3, "the latest statistics");
    assert_eq!(
        result_for(&held[0], &host).succ,
        60,
        "10 + 20 + 30 successes"
    );
}
