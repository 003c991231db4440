//! Reading the daemons' HTTP endpoints in tests: [`http_get`] and
//! [`Exposition`], a parsed `/metrics` page.

use std::net::SocketAddr;
use std::time::Duration;

/// `GET http://ADDR/PATH` with a 5 s timeout: the status and the body.
/// Panics (failing the test) when nothing answers.
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .new_agent();
    let url = format!("http://{addr}{path}");
    let mut resp = agent
        .get(&url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .read_to_string()
        .unwrap_or_else(|e| panic!("GET {url}: body: {e}"));
    (status, body)
}

/// A `/metrics` page, parsed by a Prometheus parser (`prometheus-parse`).
#[derive(Debug)]
pub struct Exposition {
    scrape: prometheus_parse::Scrape,
}

impl Exposition {
    /// Scrapes `http://ADDR/metrics`; panics if it does not parse.
    pub fn scrape(addr: SocketAddr) -> Exposition {
        let (status, text) = http_get(addr, "/metrics");
        assert_eq!(status, 200, "{text}");
        Exposition::parse(&text)
    }

    /// Parses an exposition text; panics if it does not parse.
    pub fn parse(text: &str) -> Exposition {
        let lines = text.lines().map(|l| Ok(l.to_string()));
        let scrape = prometheus_parse::Scrape::parse(lines)
            .unwrap_or_else(|e| panic!("the exposition does not parse: {e}\n{text}"));
        Exposition { scrape }
    }

    /// The value of the counter or gauge sample `name` whose labels include
    /// all of `labels`; `None` if there is none.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .find(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .and_then(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => Some(v),
                _ => None,
            })
    }

    /// The sum of every sample of `name` whose labels include all of
    /// `labels` (0 if there is none).
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .filter_map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => Some(v),
                _ => None,
            })
            .sum()
    }

    /// The sample count of histogram `name` (all label sets); `None` if
    /// there is no such histogram.
    pub fn histogram_count(&self, name: &str) -> Option<f64> {
        let counts: Vec<f64> = self
            .scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter_map(|s| match &s.value {
                prometheus_parse::Value::Histogram(buckets) => {
                    buckets.iter().map(|b| b.count).reduce(f64::max)
                }
                _ => None,
            })
            .collect();
        (!counts.is_empty()).then(|| counts.iter().sum())
    }

    /// Whether a metric family `name` is present (any sample).
    pub fn has(&self, name: &str) -> bool {
        self.scrape.samples.iter().any(|s| s.metric == name)
    }
}
