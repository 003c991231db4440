//! The daemons' HTTP endpoints from the outside: the three processes serve
//! `/metrics` (parsed by a Prometheus parser) and `/healthz`, the agent's
//! `/modules` drives `lars top` and `lars agent modules`, and a taken
//! metrics port stops a daemon with an error naming the key.

use std::process::Command;
use std::time::{Duration, Instant};

use lars_api::{ModuleId, RetCode};
use lars_e2e::{binary, Stack, Store};
use lars_testkit::http::{http_get, Exposition};
use lars_testkit::stores::TempSqlite;
use lars_testkit::{wait_until, ScratchDir};

const T: Duration = Duration::from_millis(500);

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_daemon_serves_metrics_and_health_and_top_shows_the_agent() {
    let stack = Stack::start(Store::Sqlite(TempSqlite::new("e2e-metrics")), "");
    let mut client = stack.client(T);
    let module = ModuleId::new(1, 1);
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.reg_init(module) != RetCode::Succ {
        assert!(Instant::now() < deadline, "no route for 1/1");
    }
    let (_, host) = client.get_host(module).unwrap();
    for _ in 0..15 {
        client
            .report(module, host.unwrap(), RetCode::Overload)
            .unwrap();
    }
    for (name, addr) in [
        ("lars-dns", stack.http.dns),
        ("lars-reporter", stack.http.reporter),
        ("lars-agent", stack.http.agent),
    ] {
        assert!(
            wait_until(Duration::from_secs(10), || http_get(addr, "/healthz").0
                == 200),
            "{name} is not healthy"
        );
        let e = Exposition::scrape(addr);
        assert_eq!(
            e.value("lars_build_info", &[("daemon", name)]),
            Some(1.0),
            "{name}"
        );
    }
    // The statistics reach the reporter, which counts them.
    assert!(wait_until(Duration::from_secs(10), || {
        Exposition::scrape(stack.http.reporter)
            .value("lars_reporter_results_accepted_total", &[])
            .is_some_and(|n| n >= 3.0)
    }));
    assert!(Exposition::scrape(stack.http.dns).value("lars_dns_subscriptions", &[]) >= Some(1.0));

    dashboard_names_only_exported_metrics(&[
        Exposition::scrape(stack.http.dns),
        Exposition::scrape(stack.http.reporter),
        Exposition::scrape(stack.http.agent),
    ]);

    let http = stack.http.agent.to_string();
    let out = stack.lars(&["top", "--once", "--http", &http]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.contains("DNS connected"), "{text}");
    assert!(text.contains("module 1/1  policy rr"), "{text}");
    assert!(
        text.contains("overload 0 s ago: consecutive_errors")
            || text.contains("overload 1 s ago: consecutive_errors"),
        "{text}"
    );
    let out = stack.lars(&["agent", "modules", "1", "1", "--http", &http]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).starts_with("\nmodule 1/1"), "{}", stdout(&out));
    let out = stack.lars(&["agent", "modules", "99", "1", "--http", &http]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("module 99/1 is not held by this agent"),
        "{err}"
    );
}

#[test]
fn a_taken_metrics_port_stops_the_daemon_naming_the_key() {
    let dir = ScratchDir::new("e2e-metrics-port");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let db = dir.join("lars.db");
    let conf = dir.join("dns.conf");
    let port = lars_testkit::free_tcp_port();
    std::fs::write(
        &conf,
        format!(
            "[reactor]\nport = {port}\n[store]\nbackend = sqlite\nsqlite_path = {}\n[metrics]\nlisten = {addr}\n",
            db.display()
        ),
    )
    .unwrap();
    let out = Command::new(binary("lars-dns"))
        .args(["-c", &conf.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("[metrics] listen {addr}")), "{err}");
}

/// Every metric a query of `deploy/grafana/lars.json` names is exported
/// by one of the daemons (histograms are queried by their `_bucket`s).
fn dashboard_names_only_exported_metrics(expositions: &[Exposition]) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/grafana/lars.json"
    );
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("valid JSON");
    let mut names = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap();
            let mut rest = expr;
            while let Some(at) = rest.find("lars_") {
                let tail = &rest[at..];
                let end = tail
                    .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                    .unwrap_or(tail.len());
                names.push(tail[..end].to_string());
                rest = &tail[end..];
            }
        }
    }
    assert!(names.len() >= 20, "{names:?}");
    for name in names {
        let base = name.strip_suffix("_bucket").unwrap_or(&name);
        assert!(
            expositions.iter().any(|e| e.has(base)),
            "the dashboard queries {name}, which no daemon exports"
        );
    }
}
