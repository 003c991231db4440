//! The agent's HTTP endpoint over real HTTP, with the real DNS service:
//! counters move with the requests, a host driven to overload shows in the
//! transition counter and in `/modules`, the DNS link and `/healthz` follow
//! the DNS service, and a taken port is a start error naming the key.

mod util;

use std::sync::Arc;
use std::time::Duration;

use lars_agent::{Agent, AgentConfig, ManualClock};
use lars_proto::RetCode;
use lars_reactor::Config;
use lars_testkit::http::{http_get, Exposition};
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;
use util::*;

const METRICS: &str = "[metrics]\nlisten = 127.0.0.1:0\n";

fn get_host_succ(e: &Exposition) -> f64 {
    e.value(
        "lars_agent_requests_total",
        &[("type", "get_host"), ("code", "RET_SUCC")],
    )
    .unwrap_or(0.0)
}

#[test]
fn metrics_and_modules_follow_requests_overload_and_the_dns_link() {
    let db = TempSqlite::new("agent_http");
    let dns = dns_on(&db.config, "127.0.0.1:0".parse().unwrap());
    let (reporter, _reports) = reporter_stand_in_on("127.0.0.1:0".parse().unwrap());
    let clock = Arc::new(ManualClock::new(WALL));
    let agent = agent_with(
        dns.local_addr(),
        reporter.local_addr(),
        "",
        NEVER,
        &clock,
        METRICS,
    );
    let http = agent.http_addr().expect("[metrics] listen is set");
    let mut api = Api::new(&agent);
    let bad = api.wait_for_host(1, 1);

    let before = Exposition::scrape(http);
    for _ in 0..25 {
        assert_eq!(api.get_host(1, 1).0, RetCode::Succ);
    }
    // A request is counted just after its reply is sent: wait for the last.
    let mut after = Exposition::scrape(http);
    let counted = wait_until(WAIT, || {
        after = Exposition::scrape(http);
        get_host_succ(&after) - get_host_succ(&before) >= 25.0
    });
    assert!(
        counted,
        "{}",
        get_host_succ(&after) - get_host_succ(&before)
    );
    assert_eq!(get_host_succ(&after) - get_host_succ(&before), 25.0);
    let handled = |e: &Exposition| {
        e.histogram_count("lars_agent_request_duration_seconds")
            .unwrap()
    };
    assert!(handled(&after) - handled(&before) >= 25.0);
    assert_eq!(after.value("lars_agent_dns_connected", &[]), Some(1.0));
    assert!(after.value("lars_agent_dns_pulls_total", &[]).unwrap() >= 1.0);
    assert!(
        after
            .value("lars_agent_dns_routes_received_total", &[])
            .unwrap()
            >= 1.0
    );
    assert!(after.has("lars_build_info") && after.has("process_start_time_seconds"));

    // 15 consecutive errors (contin_err_limit) overload the host.
    for _ in 0..15 {
        api.report(1, 1, &bad, RetCode::Overload);
    }
    let overloaded = wait_until(Duration::from_secs(3), || {
        let e = Exposition::scrape(http);
        e.value(
            "lars_agent_host_transitions_total",
            &[("to", "overload"), ("reason", "consecutive_errors")],
        ) == Some(1.0)
    });
    assert!(overloaded, "the transition was not counted");
    let reports = Exposition::scrape(http);
    assert_eq!(
        reports.value(
            "lars_agent_requests_total",
            &[("type", "report"), ("code", "RET_OVERLOAD")]
        ),
        Some(15.0)
    );
    let (status, body) = http_get(http, "/modules/1/1");
    assert_eq!(status, 200, "{body}");
    let module: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (module["modid"].as_i64(), module["cmdid"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(module["policy"], "rr");
    assert_eq!(module["status"], "new");
    let version = lars_store::open_route_store(&db.config)
        .unwrap()
        .version()
        .unwrap();
    assert_eq!(module["route_version"].as_u64(), Some(version), "{body}");
    let hosts = module["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 3, "{body}");
    let host = hosts.iter().find(|h| h["host"] == bad.as_str()).unwrap();
    assert_eq!(host["state"], "overload");
    assert_eq!(host["last_change"]["reason"], "consecutive_errors");
    assert_eq!(host["last_change"]["to"], "overload");
    assert_eq!(
        host["last_change"]["unix_ms"].as_u64(),
        Some(u64::from(WALL) * 1000)
    );
    assert_eq!(
        host["verr"].as_u64(),
        Some(5),
        "init_err_cnt after overload"
    );
    let (status, all) = http_get(http, "/modules");
    assert_eq!(status, 200);
    let all: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert_eq!(all["agent"]["dns_connected"], true);
    assert!(all["modules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["modid"] == 1));
    assert_eq!(http_get(http, "/modules/77/1").0, 404);
    assert_eq!(http_get(http, "/modules/x/1").0, 400);

    // The DNS service goes away: the link metric drops, and the agent is
    // still healthy, answering from the routes it has.
    dns.stop();
    assert!(wait_until(Duration::from_secs(5), || {
        Exposition::scrape(http).value("lars_agent_dns_connected", &[]) == Some(0.0)
    }));
    assert_eq!(http_get(http, "/healthz"), (200, "ok\n".to_string()));

    // The module's statistics go to the reporter, and are counted.
    agent.send_reports().unwrap();
    assert!(wait_until(Duration::from_secs(3), || {
        let e = Exposition::scrape(http);
        e.value("lars_agent_reports_sent_total", &[]) == Some(1.0)
            && e.value("lars_agent_reporter_connected", &[]) == Some(1.0)
    }));
}

#[test]
fn without_dns_and_routes_healthz_says_why() {
    let clock = Arc::new(ManualClock::new(WALL));
    let nowhere = format!("127.0.0.1:{}", lars_testkit::free_tcp_port())
        .parse()
        .unwrap();
    let agent = agent_with(nowhere, nowhere, "", NEVER, &clock, METRICS);
    let http = agent.http_addr().unwrap();
    assert_eq!(
        http_get(http, "/healthz"),
        (503, "no DNS connection and no routes\n".to_string())
    );
    assert_eq!(
        Exposition::scrape(http).value("lars_agent_dns_connected", &[]),
        Some(0.0)
    );
}

#[test]
fn a_taken_metrics_port_is_a_start_error_naming_the_key() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let base = lars_testkit::free_udp_base();
    let text =
        format!("[agent]\nbase_port = {base}\nsnapshot_dir = off\n[metrics]\nlisten = {addr}\n");
    let config = AgentConfig::from_config(&Config::parse(&text, "t.conf").unwrap()).unwrap();
    let err = Agent::start(config)
        .err()
        .expect("the port is taken")
        .to_string();
    assert!(err.contains(&format!("[metrics] listen {addr}")), "{err}");
}
