//! lars-dns configured from a conf file's `[reactor]` keys keeps its slots
//! for the agents: idle connections are closed after `idle_timeout`, so an
//! agent that restarts while every slot is held is served again; one
//! address gets at most `max_conn_per_ip`; peers outside `allow` are
//! refused; `/metrics` counts each refusal and timeout by reason. Peers
//! with different addresses connect from 127.0.0.2, 127.0.0.3, ...

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use lars_dns::{DnsConfig, DnsService};
use lars_proto::{msgid, GetRouteRequest, GetRouteResponse};
use lars_reactor::Config;
use lars_testkit::client::FrameClient;
use lars_testkit::http::Exposition;
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;

const WAIT: Duration = Duration::from_secs(5);

/// A DNS service on a free port with `reactor` as extra `[reactor]` lines.
fn start(db: &TempSqlite, reactor: &str) -> DnsService {
    let text = format!(
        "[reactor]\nport = 0\nthreadNum = 2\n{reactor}\n{}[dns]\npoll_interval = 0.1\n\
         store_connect_attempts = 1\n[metrics]\nlisten = 127.0.0.1:0\n",
        db.ini()
    );
    let config = DnsConfig::from_config(&Config::parse(&text, "dns.conf").unwrap()).unwrap();
    DnsService::start(config).unwrap()
}

/// A client from `127.0.0.N`.
fn client_from(n: u8, dns: &DnsService) -> FrameClient {
    FrameClient::connect_from(IpAddr::from([127, 0, 0, n]), dns.local_addr()).unwrap()
}

/// Asks for module 1/1 (three demo hosts); whether the answer came.
fn served(client: &mut FrameClient) -> bool {
    let req = GetRouteRequest {
        modid: 1,
        cmdid: 1,
        ..Default::default()
    };
    if client.send(msgid::GET_ROUTE_REQUEST, &req).is_err() {
        return false;
    }
    match client.recv_msg::<GetRouteResponse>(msgid::GET_ROUTE_RESPONSE, WAIT) {
        Ok(Some(resp)) => resp.host.len() == 3,
        _ => false,
    }
}

fn metric(http: SocketAddr, name: &str, reason: &str) -> Option<f64> {
    Exposition::scrape(http).value(name, &[("reason", reason)])
}

#[test]
fn idle_connections_holding_every_slot_make_way_for_a_restarted_agent() {
    let db = TempSqlite::new("dns_idle");
    // Long enough for the refusals below to come first on a busy machine.
    let dns = start(&db, "maxConn = 8\nmax_conn_per_ip = 2\nidle_timeout = 1.5");
    let http = dns.http_addr().unwrap();
    let mut idle = vec![client_from(2, &dns), client_from(2, &dns)];
    assert!(wait_until(WAIT, || dns.connection_count() == 2));
    let mut third = client_from(2, &dns);
    assert!(
        third.closed_within(WAIT),
        "a third connection from 127.0.0.2"
    );
    // Every slot held by idle connections, two per address.
    idle.extend((3..6).flat_map(|n| [client_from(n, &dns), client_from(n, &dns)]));
    assert!(wait_until(WAIT, || dns.connection_count() == 8));
    let mut agent = FrameClient::connect(dns.local_addr()).unwrap();
    assert!(agent.closed_within(WAIT), "every slot is held");

    assert!(wait_until(WAIT, || dns.connection_count() == 0));
    for client in &mut idle {
        assert!(client.closed_within(WAIT));
    }
    let mut restarted = FrameClient::connect(dns.local_addr()).unwrap();
    assert!(served(&mut restarted), "served once the idle ones are gone");
    let timed_out = "lars_dns_connections_timed_out_total";
    assert_eq!(metric(http, timed_out, "idle"), Some(8.0));
    assert_eq!(metric(http, timed_out, "frame_timeout"), Some(0.0));
    let refused = "lars_dns_connections_refused_total";
    assert_eq!(metric(http, refused, "max_conn_per_ip"), Some(1.0));
    assert_eq!(metric(http, refused, "max_conn"), Some(1.0));
}

#[test]
fn peers_outside_allow_are_refused_and_counted() {
    let db = TempSqlite::new("dns_allow");
    let dns = start(&db, "allow = 127.0.0.1/32, 127.0.0.64/26");
    let http = dns.http_addr().unwrap();
    let mut outsider = client_from(2, &dns);
    assert!(outsider.closed_within(WAIT));
    assert!(!served(&mut outsider));
    let mut local = client_from(1, &dns);
    assert!(served(&mut local));
    let mut in_block = client_from(100, &dns);
    assert!(served(&mut in_block));
    let refused = "lars_dns_connections_refused_total";
    assert_eq!(metric(http, refused, "not_allowed"), Some(1.0));
    assert_eq!(metric(http, refused, "max_conn"), Some(0.0));
}
