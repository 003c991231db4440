//! The endpoint over real HTTP: the exposition parses with a Prometheus
//! parser, `/healthz` follows the daemon's health, own paths and errors.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lars_metrics::{
    AtomicHistogram, Collector, DescriptorEncoder, Health, HttpReply, MetricsServer, Scrape,
    REQUEST_BUCKETS,
};

#[derive(Debug)]
struct Fake {
    requests: AtomicU64,
    latency: AtomicHistogram,
}

impl Collector for Fake {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let mut scrape = Scrape::new(&mut encoder);
        let n = self.requests.load(Ordering::Relaxed);
        scrape.counters(
            "lars_test_requests",
            "Requests.",
            &[(&[("type", "get_host")], n), (&[("type", "report")], 2 * n)],
        )?;
        scrape.gauge("lars_test_modules", "Modules.", 7.0)?;
        let snap = self.latency.snapshot();
        scrape.histograms("lars_test_seconds", "Handling time.", &[(&[], &snap)])
    }
}

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .new_agent();
    let mut resp = agent.get(&format!("http://{addr}{path}")).call().unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, resp.body_mut().read_to_string().unwrap())
}

#[test]
fn metrics_parse_and_move_health_follows_and_paths_route() {
    let fake = Arc::new(Fake {
        requests: AtomicU64::new(0),
        latency: AtomicHistogram::new(REQUEST_BUCKETS),
    });
    let healthy = Arc::new(AtomicBool::new(true));
    let flag = healthy.clone();
    let server = MetricsServer::start(
        "lars-test",
        local(),
        fake.clone(),
        move || {
            if flag.load(Ordering::Relaxed) {
                Health::Ok
            } else {
                Health::Unhealthy("no store and no routes".into())
            }
        },
        Some(Box::new(|path| {
            (path == "/modules").then(|| HttpReply::json(200, "{\"modules\":[]}".into()))
        })),
    )
    .unwrap();
    let addr = server.local_addr();

    fake.requests.store(5, Ordering::Relaxed);
    fake.latency.observe(Duration::from_micros(3));
    fake.latency.observe(Duration::from_micros(30));
    let (status, kind, text) = get(addr, "/metrics");
    assert_eq!(status, 200);
    assert_eq!(kind, "text/plain; version=0.0.4; charset=utf-8");
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("the exposition parses");
    let value = |name: &str, label: Option<(&str, &str)>| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                ref other => panic!("{name}: {other:?}"),
            })
    };
    assert_eq!(
        value("lars_test_requests_total", Some(("type", "get_host"))),
        Some(5.0)
    );
    assert_eq!(
        value("lars_test_requests_total", Some(("type", "report"))),
        Some(10.0)
    );
    assert_eq!(value("lars_test_modules", None), Some(7.0));
    assert_eq!(
        value("lars_build_info", Some(("daemon", "lars-test"))),
        Some(1.0)
    );
    assert!(value("process_start_time_seconds", None).unwrap() > 1.7e9);
    let histogram = scrape
        .samples
        .iter()
        .find(|s| s.metric == "lars_test_seconds")
        .expect("the histogram");
    match &histogram.value {
        prometheus_parse::Value::Histogram(buckets) => {
            let le_5us = buckets.iter().find(|b| b.less_than == 0.000_005).unwrap();
            let le_50us = buckets.iter().find(|b| b.less_than == 0.000_05).unwrap();
            assert_eq!((le_5us.count, le_50us.count), (1.0, 2.0));
        }
        other => panic!("{other:?}"),
    }

    assert_eq!(
        get(addr, "/healthz"),
        (200, "text/plain; charset=utf-8".into(), "ok\n".into())
    );
    healthy.store(false, Ordering::Relaxed);
    let (status, _, body) = get(addr, "/healthz");
    assert_eq!((status, body.as_str()), (503, "no store and no routes\n"));
    let (status, kind, body) = get(addr, "/modules?x=1");
    assert_eq!(
        (status, kind.as_str(), body.as_str()),
        (200, "application/json", "{\"modules\":[]}")
    );
    assert_eq!(get(addr, "/nothing").0, 404);
    server.stop();
}

#[test]
fn a_taken_port_is_an_error_naming_the_address() {
    let first = MetricsServer::start("lars-test", local(), Empty, || Health::Ok, None).unwrap();
    let taken = first.local_addr();
    let err = MetricsServer::start("lars-test", taken, Empty, || Health::Ok, None)
        .err()
        .expect("the port is taken");
    assert!(err.to_string().contains(&taken.to_string()), "{err}");
}

#[derive(Debug)]
struct Empty;

impl Collector for Empty {
    fn encode(&self, _: DescriptorEncoder) -> fmt::Result {
        Ok(())
    }
}
