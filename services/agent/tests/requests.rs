//! The agent answering the API over real UDP: picks, probes, overload
//! and its timeout on the manual clock, routes pushed by the real DNS
//! service, malformed input, start errors.

mod util;

use std::time::Duration;

use lars_agent::{Agent, AgentConfig, ManualClock};
use lars_proto::{ModuleId, RetCode};
use lars_reactor::Config;
use lars_store::open_route_store;
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;
use std::sync::Arc;
use util::*;

#[test]
fn first_request_is_noexist_then_hosts_round_robin() {
    let s = setup("");
    let mut api = Api::new(&s.agent);
    assert_eq!(api.get_host(1, 1), (RetCode::NoExist, None));
    api.wait_for_host(1, 1);
    let picks: Vec<String> = (0..6).map(|_| api.get_host(1, 1).1.unwrap()).collect();
    assert_eq!(
        picks[0..3],
        picks[3..6],
        "round robin over the same 3 hosts"
    );
    let mut first3 = picks[0..3].to_vec();
    first3.sort();
    assert_eq!(
        first3,
        ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    );
    assert_eq!(api.get_route(1, 1), first3);
    assert_eq!(api.get_host(42, 42).0, RetCode::NoExist, "unknown module");
}

#[test]
fn failing_host_is_avoided_except_for_probes() {
    let s = setup("probe_num = 4\n");
    let mut api = Api::new(&s.agent);
    api.get_host(1, 1);
    api.wait_for_host(1, 1);
    for _ in 0..15 {
        api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    }
    // Reports are fire-and-forget: a get_host on the same socket is handled after them.
    let picks: Vec<String> = (0..20).map(|_| api.get_host(1, 1).1.unwrap()).collect();
    let bad = picks.iter().filter(|h| *h == "127.0.0.1:9002").count();
    assert_eq!(bad, 4, "probed once every probe_num+1 picks: {picks:?}");
    assert_eq!(
        api.get_route(1, 1).len(),
        3,
        "overloaded hosts stay in the route"
    );
}

#[test]
fn an_overloaded_host_is_idle_again_once_overload_timeout_has_passed() {
    let s = setup("probe_num = 1000\n");
    let mut api = Api::new(&s.agent);
    api.get_host(1, 1);
    api.wait_for_host(1, 1);
    for _ in 0..15 {
        api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    }
    let avoided = |api: &mut Api| (0..6).all(|_| api.get_host(1, 1).1.unwrap() != "127.0.0.1:9002");
    assert!(
        avoided(&mut api),
        "overloaded: never picked (no probe in 6 picks)"
    );
    // 14 s later a failure keeps it overloaded; at 15 s (overload_timeout)
    // the next report, whatever it says, makes it idle.
    s.clock.advance(14);
    api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    assert!(avoided(&mut api), "14 s is within overload_timeout");
    s.clock.advance(1);
    api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    let picks: Vec<String> = (0..3).map(|_| api.get_host(1, 1).1.unwrap()).collect();
    assert!(
        picks.contains(&"127.0.0.1:9002".to_string()),
        "idle again: {picks:?}"
    );
}

#[test]
fn pushed_route_change_reaches_get_route() {
    let s = setup("");
    let mut api = Api::new(&s.agent);
    api.get_host(1, 2);
    api.wait_for_host(1, 2);
    let mut store = open_route_store(&s.db.config).unwrap();
    let module = ModuleId::new(1, 2);
    store
        .add_host(module, "192.168.1.177:7777".parse().unwrap())
        .unwrap();
    assert!(wait_until(Duration::from_secs(2), || api
        .get_route(1, 2)
        .contains(&"192.168.1.177:7777".to_string())));
    store
        .del_host(module, "127.0.0.1:9011".parse().unwrap())
        .unwrap();
    assert!(wait_until(Duration::from_secs(2), || !api
        .get_route(1, 2)
        .contains(&"127.0.0.1:9011".to_string())));
    assert_eq!(
        api.get_route(1, 2),
        ["127.0.0.1:9012", "192.168.1.177:7777"]
    );
}

#[test]
fn survives_a_dns_restart_and_pushes_flow_again() {
    let db = TempSqlite::new("agent_dns_restart");
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    let dns_addr = dns.local_addr();
    let (reporter, _reports) = reporter_stand_in_on("127.0.0.1:0".parse().unwrap());
    let clock = Arc::new(ManualClock::new(WALL));
    let agent = agent(dns_addr, reporter.local_addr(), "", NEVER, &clock);
    let mut api = Api::new(&agent);
    api.get_host(2, 1);
    api.wait_for_host(2, 1);
    dns.stop();
    for _ in 0..10 {
        assert_eq!(
            api.get_host(2, 1).0,
            RetCode::Succ,
            "answers from the routes it has"
        );
    }
    let dns = dns_on(&db.config, dns_addr);
    // The restarted DNS pushes to the agent only once it has re-pulled on
    // reconnect: a route change shows that it did.
    open_route_store(&db.config)
        .unwrap()
        .add_host(ModuleId::new(2, 1), "10.2.1.2:2".parse().unwrap())
        .unwrap();
    assert!(wait_until(Duration::from_secs(8), || {
        api.get_host(2, 1);
        api.get_route(2, 1).len() == 2
    }));
    drop(dns);
}

#[test]
fn malformed_datagrams_get_no_answer_and_do_not_disturb() {
    let s = setup("");
    let mut api = Api::new(&s.agent);
    let sock = api.socket(1, 1);
    sock.send_bytes(&[4, 0, 0]).unwrap();
    sock.send_bytes(&[4, 0, 0, 0, 9, 0, 0, 0, 1]).unwrap();
    sock.send_bytes(&[4, 0, 0, 0, 2, 0, 0, 0, 0x08, 0xff])
        .unwrap();
    sock.send_bytes(&[77, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    sock.send_bytes(&[4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
        .unwrap();
    assert!(sock.recv(Duration::from_millis(300)).unwrap().is_none());
    api.get_host(1, 1);
    api.wait_for_host(1, 1);
}

#[test]
fn a_taken_port_is_a_clear_start_error() {
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let text = format!("[agent]\nbase_port = {port}\nsnapshot_dir = off\n");
    let config = AgentConfig::from_config(&Config::parse(&text, "t.conf").unwrap()).unwrap();
    let err = Agent::start(config).err().expect("bind must fail");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}
