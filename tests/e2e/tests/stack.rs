//! The whole stack from the outside: real binaries, real sockets, a real
//! store (SQLite always, MariaDB too).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use lars_api::{HostAddr, LarsClient, ModuleId, RetCode, Transport};
use lars_e2e::{Stack, Store};
use lars_store::open_status_store;
use lars_testkit::stores::{TempMysql, TempSqlite};
use lars_testkit::wait_until;

const T: Duration = Duration::from_millis(500);

fn sqlite_stack(lb: &str) -> Stack {
    Stack::start(Store::Sqlite(TempSqlite::new("e2e")), lb)
}

fn ready(client: &mut LarsClient, modid: i32, cmdid: i32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.reg_init(ModuleId::new(modid, cmdid)) != RetCode::Succ {
        assert!(
            Instant::now() < deadline,
            "reg_init {modid}/{cmdid} never succeeded"
        );
    }
}

fn host(client: &mut LarsClient, modid: i32, cmdid: i32) -> HostAddr {
    match client.get_host(ModuleId::new(modid, cmdid)).unwrap() {
        (RetCode::Succ, Some(h)) => h,
        other => panic!("get_host {modid}/{cmdid}: {other:?}"),
    }
}

fn route(client: &mut LarsClient, modid: i32, cmdid: i32) -> Vec<String> {
    let mut v: Vec<String> = client
        .get_route(ModuleId::new(modid, cmdid))
        .unwrap()
        .iter()
        .map(|h| h.to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn reg_init_then_get_host_cycles_over_the_three_hosts() {
    let stack = sqlite_stack("");
    let mut client = stack.client(T);
    ready(&mut client, 1, 1);
    let picks: Vec<HostAddr> = (0..9).map(|_| host(&mut client, 1, 1)).collect();
    let distinct: HashSet<_> = picks.iter().collect();
    assert_eq!(distinct.len(), 3);
    assert_eq!(picks[0..3], picks[3..6]);
    assert_eq!(picks[3..6], picks[6..9]);
}

#[test]
fn a_failing_host_is_avoided_probed_and_returns_after_overload_timeout() {
    // Only the timeout may bring the host back: no success rate can exceed
    // 1.0 and the consecutive-success limit is out of reach.
    let stack = sqlite_stack(
        "probe_num = 3\noverload_timeout = 1\nsucc_rate = 1.0\ncontin_succ_limit = 1000\n",
    );
    let mut client = stack.client(T);
    ready(&mut client, 1, 1);
    let bad = host(&mut client, 1, 1);
    for _ in 0..15 {
        client
            .report(ModuleId::new(1, 1), bad, RetCode::Overload)
            .unwrap();
    }
    let picks: Vec<HostAddr> = (0..16).map(|_| host(&mut client, 1, 1)).collect();
    let probes = picks.iter().filter(|h| **h == bad).count();
    assert_eq!(probes, 4, "one probe every probe_num + 1 picks: {picks:?}");

    std::thread::sleep(Duration::from_millis(2100));
    client
        .report(ModuleId::new(1, 1), bad, RetCode::Succ)
        .unwrap();
    let picks: Vec<HostAddr> = (0..9).map(|_| host(&mut client, 1, 1)).collect();
    assert_eq!(
        picks.iter().filter(|h| **h == bad).count(),
        3,
        "back in rotation: {picks:?}"
    );
}

#[test]
fn route_add_and_del_reach_get_route_within_3s() {
    let stack = sqlite_stack("");
    let mut client = stack.client(T);
    ready(&mut client, 1, 2);
    stack.route_ok(&["add", "1", "2", "192.168.1.177:7777"]);
    assert!(wait_until(Duration::from_secs(3), || route(
        &mut client,
        1,
        2
    )
    .contains(&"192.168.1.177:7777".into())));
    stack.route_ok(&["del", "1", "2", "192.168.1.177:7777"]);
    assert!(wait_until(Duration::from_secs(3), || route(
        &mut client,
        1,
        2
    )
    .len()
        == 2));
    let bad = stack.route_cmd(&["add", "1", "2", "300.1.1.1:1"]);
    assert!(!bad.status.success(), "a malformed IP is refused");
}

fn statuses_appear_within_3s(stack: &Stack, transport: Transport) {
    // The agent answers before the client under test is made, so a shared
    // memory client attaches at once.
    ready(&mut stack.client(T), 2, 1);
    let mut client = stack.client_via(T, transport);
    ready(&mut client, 2, 1);
    let h = host(&mut client, 2, 1);
    if transport == Transport::Shm {
        assert!(
            client.uses_shared_memory(ModuleId::new(2, 1)),
            "the stack's agent offers shared memory"
        );
    }
    for _ in 0..5 {
        client
            .report(ModuleId::new(2, 1), h, RetCode::Succ)
            .unwrap();
    }
    client
        .report(ModuleId::new(2, 1), h, RetCode::Overload)
        .unwrap();
    let mut store = open_status_store(stack.store.config()).unwrap();
    let found = wait_until(Duration::from_secs(3), || {
        store
            .read_statuses(Some(2), Some(1))
            .unwrap()
            .iter()
            .any(|s| s.host == h && s.succ_cnt == 5 && s.err_cnt == 1)
    });
    assert!(found, "{:?}", store.read_statuses(Some(2), Some(1)));
}

#[test]
fn call_statistics_reach_the_store_within_3s() {
    statuses_appear_within_3s(&sqlite_stack(""), Transport::Udp);
}

#[test]
fn call_statistics_through_shared_memory_reach_the_store_within_3s() {
    statuses_appear_within_3s(&sqlite_stack(""), Transport::Shm);
}

#[test]
fn the_stack_on_mariadb_serves_routes_and_stores_statistics() {
    let stack = Stack::start(Store::Mysql(TempMysql::new("lars_e2e")), "");
    let mut client = stack.client(T);
    ready(&mut client, 1, 1);
    assert_eq!(route(&mut client, 1, 1).len(), 3);
    stack.route_ok(&["add", "1", "1", "10.1.1.1:1"]);
    assert!(wait_until(Duration::from_secs(3), || route(
        &mut client,
        1,
        1
    )
    .len()
        == 4));
    statuses_appear_within_3s(&stack, Transport::Shm);
}

#[test]
fn killing_dns_leaves_get_host_answering_and_a_restart_restores_pushes() {
    let mut stack = sqlite_stack("");
    let mut client = stack.client(T);
    ready(&mut client, 1, 1);
    stack.kill_dns();
    for _ in 0..20 {
        host(&mut client, 1, 1);
    }
    stack.start_dns();
    stack.route_ok(&["add", "1", "1", "10.7.7.7:7"]);
    assert!(
        wait_until(Duration::from_secs(10), || route(&mut client, 1, 1)
            .contains(&"10.7.7.7:7".into())),
        "push after DNS restart"
    );
}

#[test]
fn agent_down_is_a_client_error_within_its_timeout() {
    let mut stack = sqlite_stack("");
    stack.stop_agent();
    let mut client = stack.client(Duration::from_millis(100));
    let start = Instant::now();
    let result = client.get_host(ModuleId::new(1, 1));
    let took = start.elapsed();
    assert!(result.is_err(), "{result:?}");
    assert!(took < Duration::from_millis(600), "took {took:?}");
    let start = Instant::now();
    assert!(client.get_route(ModuleId::new(1, 1)).is_err());
    assert!(start.elapsed() < Duration::from_millis(600));
    let out = stack.lars(&[
        "--base-port",
        &stack.agent_base.to_string(),
        "gethost",
        "1",
        "1",
    ]);
    assert!(!out.status.success());
}
