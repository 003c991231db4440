//! The DNS service's HTTP endpoint over real HTTP: counters and gauges
//! follow requests, subscriptions and reloads; `/healthz` and `lars_dns_store_up`
//! follow the store (MariaDB behind a proxy that is cut).

use std::time::Duration;

use lars_dns::{DnsConfig, DnsService};
use lars_proto::{msgid, GetRouteRequest, GetRouteResponse, ModuleId};
use lars_reactor::ServerConfig;
use lars_store::{open_route_store, StoreSettings};
use lars_testkit::client::FrameClient;
use lars_testkit::http::{http_get, Exposition};
use lars_testkit::proxy::TcpProxy;
use lars_testkit::stores::{via_port, TempMysql, TempSqlite};
use lars_testkit::wait_until;

const WAIT: Duration = Duration::from_secs(5);

fn config(store: StoreSettings) -> DnsConfig {
    let mut server = ServerConfig::new("lars-dns", "127.0.0.1:0".parse().unwrap());
    server.threads = 2;
    DnsConfig {
        server,
        store,
        poll_interval: Duration::from_millis(100),
        reload_interval: Duration::from_secs(10),
        store_connect_attempts: 1,
        max_subscriptions_per_conn: 1000,
        metrics_listen: Some("127.0.0.1:0".parse().unwrap()),
    }
}

fn ask(client: &mut FrameClient, modid: i32, cmdid: i32) -> GetRouteResponse {
    let req = GetRouteRequest {
        modid,
        cmdid,
        ..Default::default()
    };
    client.send(msgid::GET_ROUTE_REQUEST, &req).unwrap();
    client
        .recv_msg(msgid::GET_ROUTE_RESPONSE, WAIT)
        .unwrap()
        .expect("an answer")
}

#[test]
fn metrics_follow_requests_subscriptions_and_reloads() {
    let db = TempSqlite::new("dns_http");
    let dns = DnsService::start(config(db.config.clone())).unwrap();
    let http = dns.http_addr().expect("[metrics] listen is set");
    let first = Exposition::scrape(http);
    // The demo routes: 1/1 with 3 hosts, 1/2 with 2, 2/1 with 1.
    assert_eq!(first.value("lars_dns_modules", &[]), Some(3.0));
    assert_eq!(first.value("lars_dns_routes", &[]), Some(6.0));
    assert_eq!(first.value("lars_dns_store_up", &[]), Some(1.0));
    assert_eq!(
        first.value("lars_dns_get_route_requests_total", &[]),
        Some(0.0)
    );

    let mut client = FrameClient::connect(dns.local_addr()).unwrap();
    for _ in 0..4 {
        assert_eq!(ask(&mut client, 1, 1).host.len(), 3);
    }
    ask(&mut client, 2, 1);
    let e = Exposition::scrape(http);
    assert_eq!(e.value("lars_dns_get_route_requests_total", &[]), Some(5.0));
    assert_eq!(e.value("lars_dns_subscriptions", &[]), Some(2.0));
    assert_eq!(e.value("lars_dns_connections", &[]), Some(1.0));

    open_route_store(&db.config)
        .unwrap()
        .add_host(ModuleId::new(1, 1), "10.1.1.4:4".parse().unwrap())
        .unwrap();
    let push: GetRouteResponse = client
        .recv_msg(msgid::GET_ROUTE_RESPONSE, WAIT)
        .unwrap()
        .expect("a push");
    assert_eq!(push.host.len(), 4);
    let version = open_route_store(&db.config).unwrap().version().unwrap();
    assert!(wait_until(WAIT, || {
        let e = Exposition::scrape(http);
        e.value("lars_dns_pushes_total", &[]) == Some(1.0)
            && e.value("lars_dns_route_version", &[]) == Some(version as f64)
    }));
    let e = Exposition::scrape(http);
    assert_eq!(e.value("lars_dns_routes", &[]), Some(7.0));
    assert!(e.value("lars_dns_reloads_total", &[]).unwrap() >= 1.0);
    assert!(
        e.histogram_count("lars_dns_reload_duration_seconds")
            .unwrap()
            >= 1.0
    );
    assert_eq!(
        e.value("lars_build_info", &[("daemon", "lars-dns")]),
        Some(1.0)
    );
    assert_eq!(http_get(http, "/healthz"), (200, "ok\n".to_string()));
}

#[test]
fn healthz_fails_only_without_a_store_and_without_routes() {
    let db = TempMysql::new("lars_dns_health");
    let mut proxy = TcpProxy::start("127.0.0.1:3306".parse().unwrap()).unwrap();
    let via_proxy = via_port(&db.config, proxy.addr().port());
    let dns = DnsService::start(config(via_proxy)).unwrap();
    let http = dns.http_addr().unwrap();
    assert_eq!(http_get(http, "/healthz").0, 200, "the store answers");

    proxy.cut();
    assert!(wait_until(WAIT, || {
        Exposition::scrape(http).value("lars_dns_store_up", &[]) == Some(0.0)
    }));
    assert_eq!(
        http_get(http, "/healthz"),
        (503, "no store reachable and no routes loaded\n".to_string())
    );
    assert!(
        Exposition::scrape(http)
            .value("lars_dns_reload_failures_total", &[])
            .unwrap()
            >= 1.0
    );

    proxy.restore().unwrap();
    assert!(wait_until(WAIT, || http_get(http, "/healthz").0 == 200));
}
