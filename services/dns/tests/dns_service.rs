//! The DNS service over real sockets and real stores (SQLite always,
//! MariaDB on 127.0.0.1:3306).

use std::time::{Duration, Instant};

use lars_dns::{DnsConfig, DnsService};
use lars_proto::{msgid, GetRouteRequest, GetRouteResponse, HostAddr, ModuleId};
use lars_reactor::ServerConfig;
use lars_store::{open_route_store, MysqlSettings, StoreSettings};
use lars_testkit::client::FrameClient;
use lars_testkit::proxy::TcpProxy;
use lars_testkit::stores::{via_port, TempMysql, TempSqlite};
use lars_testkit::wait_until;

const POLL: Duration = Duration::from_millis(100);
const WAIT: Duration = Duration::from_secs(3);

fn config(store: StoreSettings) -> DnsConfig {
    let mut server = ServerConfig::new("lars-dns", "127.0.0.1:0".parse().unwrap());
    server.threads = 2;
    DnsConfig {
        server,
        store,
        poll_interval: POLL,
        reload_interval: Duration::from_secs(10),
        store_connect_attempts: 1,
        max_subscriptions_per_conn: 1000,
        metrics_listen: None,
    }
}

fn ask(client: &mut FrameClient, modid: i32, cmdid: i32) -> Vec<String> {
    client
        .send(
            msgid::GET_ROUTE_REQUEST,
            &GetRouteRequest {
                modid,
                cmdid,
                ..Default::default()
            },
        )
        .unwrap();
    let resp: GetRouteResponse = client
        .recv_msg(msgid::GET_ROUTE_RESPONSE, WAIT)
        .unwrap()
        .expect("an answer");
    assert_eq!((resp.modid, resp.cmdid), (modid, cmdid));
    hosts(&resp)
}

fn hosts(resp: &GetRouteResponse) -> Vec<String> {
    let mut v: Vec<String> = resp
        .host
        .iter()
        .map(|h| HostAddr::from_wire(h).unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn add(store: &StoreSettings, modid: i32, cmdid: i32, host: &str) {
    open_route_store(store)
        .unwrap()
        .add_host(ModuleId::new(modid, cmdid), host.parse().unwrap())
        .unwrap();
}

#[test]
fn answers_known_modules_and_empty_for_unknown() {
    let db = TempSqlite::new("dns_answers");
    let dns = DnsService::start(config(db.config.clone())).unwrap();
    let mut client = FrameClient::connect(dns.local_addr()).unwrap();
    assert_eq!(
        ask(&mut client, 1, 1),
        ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    );
    assert_eq!(ask(&mut client, 1, 2).len(), 2);
    assert!(ask(&mut client, 77, 77).is_empty());
}

fn push_reaches_subscribers_only(store: StoreSettings) {
    add(&store, 5, 1, "10.0.0.1:1000");
    add(&store, 5, 2, "10.0.0.2:1000");
    let dns = DnsService::start(config(store.clone())).unwrap();
    let mut subscriber = FrameClient::connect(dns.local_addr()).unwrap();
    let mut other = FrameClient::connect(dns.local_addr()).unwrap();
    assert_eq!(ask(&mut subscriber, 5, 1), ["10.0.0.1:1000"]);
    assert_eq!(ask(&mut other, 5, 2), ["10.0.0.2:1000"]);

    let start = Instant::now();
    add(&store, 5, 1, "192.168.1.177:7777");
    let push: GetRouteResponse = subscriber
        .recv_msg(msgid::GET_ROUTE_RESPONSE, WAIT)
        .unwrap()
        .expect("an unsolicited push");
    let took = start.elapsed();
    assert_eq!((push.modid, push.cmdid), (5, 1));
    assert_eq!(hosts(&push), ["10.0.0.1:1000", "192.168.1.177:7777"]);
    assert!(
        took < 2 * POLL + Duration::from_millis(400),
        "push took {took:?}"
    );
    assert!(other.recv(Duration::from_millis(500)).unwrap().is_none());
    assert_eq!(
        ask(&mut other, 5, 1),
        ["10.0.0.1:1000", "192.168.1.177:7777"]
    );
}

#[test]
fn push_reaches_subscribers_only_sqlite() {
    let db = TempSqlite::new("dns_push");
    push_reaches_subscribers_only(db.config.clone());
}

#[test]
fn push_reaches_subscribers_only_mysql() {
    let db = TempMysql::new("lars_dns_push");
    push_reaches_subscribers_only(db.config.clone());
}

#[test]
fn route_change_rows_are_consumed_after_a_push() {
    let db = TempSqlite::new("dns_changes");
    let dns = DnsService::start(config(db.config.clone())).unwrap();
    let mut client = FrameClient::connect(dns.local_addr()).unwrap();
    ask(&mut client, 2, 1);
    add(&db.config, 2, 1, "10.1.1.1:1");
    let version = open_route_store(&db.config).unwrap().version().unwrap();
    assert!(wait_until(WAIT, || dns.version() == version));
    let mut store = open_route_store(&db.config).unwrap();
    assert!(wait_until(WAIT, || store
        .changed_modules(u64::MAX)
        .unwrap()
        .is_empty()));
}

#[test]
fn closing_a_connection_drops_its_subscriptions() {
    let db = TempSqlite::new("dns_close");
    let dns = DnsService::start(config(db.config.clone())).unwrap();
    let mut gone = FrameClient::connect(dns.local_addr()).unwrap();
    ask(&mut gone, 1, 1);
    ask(&mut gone, 1, 2);
    let mut stays = FrameClient::connect(dns.local_addr()).unwrap();
    ask(&mut stays, 1, 1);
    assert_eq!(dns.subscription_count(), 3);
    drop(gone);
    assert!(wait_until(WAIT, || dns.subscription_count() == 1));
    add(&db.config, 1, 1, "10.9.9.9:9");
    let push: GetRouteResponse = stays
        .recv_msg(msgid::GET_ROUTE_RESPONSE, WAIT)
        .unwrap()
        .expect("push to the remaining subscriber");
    assert_eq!(push.host.len(), 4);
    assert_eq!(dns.connection_count(), 1);
}

#[test]
fn keeps_serving_while_the_store_is_down_and_catches_up() {
    let db = TempMysql::new("lars_dns_outage");
    add(&db.config, 3, 3, "10.3.3.1:1");
    let mut proxy = TcpProxy::start("127.0.0.1:3306".parse().unwrap()).unwrap();
    let via_proxy = via_port(&db.config, proxy.addr().port());
    let dns = DnsService::start(config(via_proxy)).unwrap();
    let mut client = FrameClient::connect(dns.local_addr()).unwrap();
    assert_eq!(ask(&mut client, 3, 3), ["10.3.3.1:1"]);

    proxy.cut();
    add(&db.config, 3, 3, "10.3.3.2:2");
    std::thread::sleep(4 * POLL);
    assert_eq!(
        ask(&mut client, 3, 3),
        ["10.3.3.1:1"],
        "last snapshot still served"
    );

    proxy.restore().unwrap();
    let push: GetRouteResponse = client
        .recv_msg(msgid::GET_ROUTE_RESPONSE, Duration::from_secs(10))
        .unwrap()
        .expect("push after the store came back");
    assert_eq!(hosts(&push), ["10.3.3.1:1", "10.3.3.2:2"]);
}

#[test]
fn start_fails_clearly_when_the_store_is_unreachable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let store = StoreSettings::Mysql(MysqlSettings {
        port,
        db_name: "lars_unreachable".into(),
        ..MysqlSettings::default()
    });
    let err = DnsService::start(config(store))
        .err()
        .expect("start must fail");
    let msg = err.to_string();
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
    assert!(msg.contains("lars_unreachable"), "{msg}");
}

#[test]
fn bad_input_is_dropped_and_others_keep_being_served() {
    let db = TempSqlite::new("dns_bad_input");
    let dns = DnsService::start(config(db.config.clone())).unwrap();

    let mut negative = FrameClient::connect(dns.local_addr()).unwrap();
    negative
        .send_bytes(&[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
        .unwrap();
    assert!(negative.closed_within(WAIT), "negative length closes");

    let mut oversized = FrameClient::connect(dns.local_addr()).unwrap();
    oversized
        .send_bytes(&[1, 0, 0, 0, 0xf8, 0xff, 0, 0])
        .unwrap();
    assert!(oversized.closed_within(WAIT), "oversized length closes");

    let mut sloppy = FrameClient::connect(dns.local_addr()).unwrap();
    sloppy.send_bytes(&[99, 0, 0, 0, 2, 0, 0, 0, 1, 2]).unwrap();
    sloppy
        .send_bytes(&[1, 0, 0, 0, 2, 0, 0, 0, 0x08, 0xff])
        .unwrap();
    assert!(sloppy.recv(Duration::from_millis(300)).unwrap().is_none());
    assert_eq!(
        ask(&mut sloppy, 1, 2).len(),
        2,
        "same connection still served"
    );

    let mut fine = FrameClient::connect(dns.local_addr()).unwrap();
    assert_eq!(ask(&mut fine, 1, 1).len(), 3);
}

#[test]
fn subscriptions_per_connection_are_capped_but_answers_are_not() {
    let db = TempSqlite::new("dns_sub_cap");
    let mut cfg = config(db.config.clone());
    cfg.max_subscriptions_per_conn = 1;
    let dns = DnsService::start(cfg).unwrap();
    let mut client = FrameClient::connect(dns.local_addr()).unwrap();
    assert_eq!(ask(&mut client, 1, 1).len(), 3);
    assert_eq!(ask(&mut client, 1, 2).len(), 2, "answered past the cap");
    assert_eq!(ask(&mut client, 1, 1).len(), 3);
    assert_eq!(dns.subscription_count(), 1);
}

/// Asks for `modid/cmdid`, wanting versions or not; the answer's version.
fn ask_version(client: &mut FrameClient, modid: i32, cmdid: i32, want: bool) -> Option<u64> {
    let req = GetRouteRequest {
        modid,
        cmdid,
        want_version: want,
    };
    client.send(msgid::GET_ROUTE_REQUEST, &req).unwrap();
    let resp: GetRouteResponse = client
        .recv_msg(msgid::GET_ROUTE_RESPONSE, WAIT)
        .unwrap()
        .expect("an answer");
    resp.version
}

#[test]
fn versions_go_only_to_peers_that_want_them_in_answers_and_pushes() {
    let db = TempSqlite::new("dns_versions");
    let dns = DnsService::start(config(db.config.clone())).unwrap();
    let mut ours = FrameClient::connect(dns.local_addr()).unwrap();
    let mut original = FrameClient::connect(dns.local_addr()).unwrap();
    let version = open_route_store(&db.config).unwrap().version().unwrap();
    assert_eq!(ask_version(&mut ours, 1, 1, true), Some(version));
    assert_eq!(
        ask_version(&mut original, 1, 1, false),
        None,
        "no version field"
    );

    add(&db.config, 1, 1, "10.0.0.9:1000");
    let pushed = |client: &mut FrameClient| -> GetRouteResponse {
        client
            .recv_msg(msgid::GET_ROUTE_RESPONSE, WAIT)
            .unwrap()
            .expect("a push")
    };
    let to_ours = pushed(&mut ours);
    let to_original = pushed(&mut original);
    assert_eq!(to_ours.version, Some(version + 1));
    assert_eq!(to_original.version, None);
    assert_eq!(hosts(&to_ours), hosts(&to_original));
    assert!(hosts(&to_ours).contains(&"10.0.0.9:1000".to_string()));
}
