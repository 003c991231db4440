//! A route written into the store by hand past what one frame can carry:
//! the DNS service keeps serving the module's last route that fitted (its
//! subscribers get no push), and does not serve a module that never fitted.

use std::time::Duration;

use lars_dns::{DnsConfig, DnsService};
use lars_proto::{msgid, GetRouteRequest, GetRouteResponse};
use lars_reactor::ServerConfig;
use lars_testkit::client::FrameClient;
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;

const WAIT: Duration = Duration::from_secs(5);

fn start(db: &TempSqlite) -> DnsService {
    let mut server = ServerConfig::new("lars-dns", "127.0.0.1:0".parse().unwrap());
    server.threads = 1;
    DnsService::start(DnsConfig {
        server,
        store: db.config.clone(),
        poll_interval: Duration::from_millis(50),
        reload_interval: Duration::from_secs(10),
        store_connect_attempts: 1,
        max_subscriptions_per_conn: 1000,
        metrics_listen: None,
    })
    .unwrap()
}

fn hosts_of(client: &mut FrameClient, modid: i32, cmdid: i32) -> usize {
    let req = GetRouteRequest {
        modid,
        cmdid,
        ..Default::default()
    };
    client.send(msgid::GET_ROUTE_REQUEST, &req).unwrap();
    let resp: GetRouteResponse = client
        .recv_msg(msgid::GET_ROUTE_RESPONSE, WAIT)
        .unwrap()
        .expect("an answer");
    resp.host.len()
}

/// Adds 7500 hosts 10.x.y.z:80 (9 bytes each on the wire: 67 500 bytes)
/// to `modid`/1 behind the tools' back, and bumps the version with a
/// change record, as a hand-written update would.
fn write_by_hand(db: &TempSqlite, modid: i32) -> u64 {
    let mut conn = rusqlite::Connection::open(db.path()).unwrap();
    let tx = conn.transaction().unwrap();
    for i in 0..7500u32 {
        tx.execute(
            "INSERT INTO RouteData (modid, cmdid, serverip, serverport, weight) VALUES (?1, 1, ?2, 80, 1)",
            rusqlite::params![modid, 0x0a00_0000 + i],
        )
        .unwrap();
    }
    tx.execute(
        "UPDATE RouteVersion SET version = version + 1 WHERE id = 1",
        [],
    )
    .unwrap();
    let version: i64 = tx
        .query_row("SELECT version FROM RouteVersion WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    tx.execute(
        "INSERT INTO RouteChange (modid, cmdid, version) VALUES (?1, 1, ?2)",
        rusqlite::params![modid, version],
    )
    .unwrap();
    tx.commit().unwrap();
    version as u64
}

#[test]
fn an_oversized_route_is_not_pushed_and_the_last_one_is_served() {
    let db = TempSqlite::new("dns_oversize");
    let dns = start(&db);
    let mut subscriber = FrameClient::connect(dns.local_addr()).unwrap();
    assert_eq!(hosts_of(&mut subscriber, 1, 1), 3, "the demo route");

    let version = write_by_hand(&db, 1);
    write_by_hand(&db, 9);
    assert!(wait_until(WAIT, || dns.version() > version));
    // No push came for 1/1: the next frame is the answer to a new request.
    assert_eq!(
        hosts_of(&mut subscriber, 1, 1),
        3,
        "the last route that fitted"
    );
    let mut other = FrameClient::connect(dns.local_addr()).unwrap();
    assert_eq!(hosts_of(&mut other, 1, 1), 3);
    assert_eq!(hosts_of(&mut other, 9, 1), 0, "never fitted: not served");
    assert_eq!(
        hosts_of(&mut other, 1, 2),
        2,
        "other modules are served as usual"
    );
}
