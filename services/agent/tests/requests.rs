//! The agent answering the API over real UDP and through shared memory
//! (docs/SHM.md): picks, probes, overload by consecutive errors and by
//! error rate, recovery and the overload timeout on the manual clock,
//! routes pushed by the real DNS service, removed hosts; malformed input
//! and start errors over UDP.

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

/// Each SPEC §7 test runs twice: over UDP and through shared memory.
macro_rules! over_both_transports {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn udp() {
                super::$name(super::Via::Udp)
            }
            #[test]
            fn shm() {
                super::$name(super::Via::Shm)
            }
        }
    )*};
}

over_both_transports!(
    first_request_is_noexist_then_hosts_round_robin,
    failing_host_is_avoided_except_for_probes,
    an_error_rate_overloads_and_consecutive_successes_recover,
    an_overloaded_host_is_idle_again_once_overload_timeout_has_passed,
    pushed_route_change_reaches_get_route,
    survives_a_dns_restart_and_pushes_flow_again,
);

fn first_request_is_noexist_then_hosts_round_robin(via: Via) {
    let s = setup("");
    let mut api = Api::via(&s.agent, via);
    assert_eq!(api.get_host(1, 1), (RetCode::NoExist, None));
    api.wait_for_host(1, 1);
    api.assert_fast_path(1, 1);
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

fn failing_host_is_avoided_except_for_probes(via: Via) {
    let s = setup("probe_num = 4\n");
    let mut api = Api::ready(&s.agent, via, 1, 1);
    for _ in 0..15 {
        api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    }
    api.settle();
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

fn an_error_rate_overloads_and_consecutive_successes_recover(via: Via) {
    // Consecutive errors never reach their limit here: the error rate
    // does it. verr / (vsucc + verr) > 0.1 with 180 virtual successes
    // first holds after 23 failures alternating with 23 successes
    // (23 / (180 + 23 + 23) = 0.102; 22 / 224 = 0.098).
    let s = setup("contin_err_limit = 1000\nprobe_num = 1\n");
    let mut api = Api::ready(&s.agent, via, 1, 1);
    let bad = "127.0.0.1:9002";
    for _ in 0..22 {
        api.report(1, 1, bad, RetCode::Succ);
        api.report(1, 1, bad, RetCode::Overload);
    }
    api.report(1, 1, bad, RetCode::Succ);
    api.settle();
    let picks: Vec<String> = (0..6).map(|_| api.get_host(1, 1).1.unwrap()).collect();
    assert_eq!(
        picks.iter().filter(|h| *h == bad).count(),
        2,
        "idle: {picks:?}"
    );
    api.report(1, 1, bad, RetCode::Overload);
    api.settle();
    // Overloaded: with probe_num 1 every second pick probes it.
    let picks: Vec<String> = (0..6).map(|_| api.get_host(1, 1).1.unwrap()).collect();
    assert_eq!(
        picks.iter().filter(|h| *h == bad).count(),
        3,
        "probes: {picks:?}"
    );
    // Successes bring it back: an overloaded host restarts from 0 virtual
    // successes and init_err_cnt (5) errors, so the sixth success passes
    // succ_rate (6 / 11 > 0.5).
    for _ in 0..6 {
        api.report(1, 1, bad, RetCode::Succ);
    }
    api.settle();
    let picks: Vec<String> = (0..6).map(|_| api.get_host(1, 1).1.unwrap()).collect();
    assert_eq!(
        picks.iter().filter(|h| *h == bad).count(),
        2,
        "idle again: {picks:?}"
    );
}

fn an_overloaded_host_is_idle_again_once_overload_timeout_has_passed(via: Via) {
    let s = setup("probe_num = 1000\n");
    let mut api = Api::ready(&s.agent, via, 1, 1);
    for _ in 0..15 {
        api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    }
    api.settle();
    let avoided = |api: &mut Api| (0..6).all(|_| api.get_host(1, 1).1.unwrap() != "127.0.0.1:9002");
    assert!(
        avoided(&mut api),
        "overloaded: never picked (no probe in 6 picks)"
    );
    // 14 s later a failure keeps it overloaded; at 15 s (overload_timeout)
    // the next report, whatever it says, makes it idle.
    s.clock.advance(14);
    api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    api.settle();
    assert!(avoided(&mut api), "14 s is within overload_timeout");
    s.clock.advance(1);
    api.report(1, 1, "127.0.0.1:9002", RetCode::Overload);
    api.settle();
    let picks: Vec<String> = (0..3).map(|_| api.get_host(1, 1).1.unwrap()).collect();
    assert!(
        picks.contains(&"127.0.0.1:9002".to_string()),
        "idle again: {picks:?}"
    );
}

fn pushed_route_change_reaches_get_route(via: Via) {
    let s = setup("");
    let mut api = Api::ready(&s.agent, via, 1, 2);
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

fn survives_a_dns_restart_and_pushes_flow_again(via: Via) {
    let db = TempSqlite::new("agent_dns_restart");
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    let dns_addr = dns.local_addr();
    let (reporter, _reports) = reporter_stand_in_on("127.0.0.1:0".parse().unwrap());
    let clock = Arc::new(ManualClock::new(WALL));
    let agent = agent(dns_addr, reporter.local_addr(), "", NEVER, &clock);
    let mut api = Api::ready(&agent, via, 2, 1);
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
