//! [`MetricsServer`]: a daemon's HTTP endpoint on a thread of its own —
//! `/metrics`, `/healthz` and the daemon's own paths.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::registry::Registry;
use tiny_http::{Header, Method, Request, Response, Server};

use crate::scrape::Scrape;

/// The Prometheus text exposition's content type.
pub const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether a daemon can do its job, for `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// `200 ok`.
    Ok,
    /// `503` with this one-line reason.
    Unhealthy(String),
}

/// An answer to one of a daemon's own paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl HttpReply {
    /// A JSON answer.
    pub fn json(status: u16, body: String) -> HttpReply {
        HttpReply {
            status,
            content_type: "application/json",
            body,
        }
    }

    /// A plain-text answer (a line break is added).
    pub fn text(status: u16, body: &str) -> HttpReply {
        HttpReply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{body}\n"),
        }
    }
}

/// A daemon's own paths: the answer for a path (without the query), or
/// `None` for `404`.
pub type PathHandler = Box<dyn Fn(&str) -> Option<HttpReply> + Send + Sync>;

/// A running endpoint; stopped by [`stop`](Self::stop) or when dropped.
pub struct MetricsServer {
    server: Arc<Server>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

/// What the HTTP thread serves.
struct Routes {
    registry: Registry,
    health: Box<dyn Fn() -> Health + Send + Sync>,
    paths: Option<PathHandler>,
}

impl MetricsServer {
    /// Listens on `listen` and serves, for daemon `daemon` (e.g.
    /// `lars-agent`): `/metrics` with the metrics `collector` writes plus
    /// `process_start_time_seconds` and `lars_build_info`; `/healthz` as
    /// `health` says; other paths as `paths` answers. Fails when `listen`
    /// cannot be bound (the error names the address).
    pub fn start(
        daemon: &'static str,
        listen: SocketAddr,
        collector: impl Collector,
        health: impl Fn() -> Health + Send + Sync + 'static,
        paths: Option<PathHandler>,
    ) -> io::Result<MetricsServer> {
        let server = Server::http(listen)
            .map_err(|e| io::Error::other(format!("listen on {listen}: {e}")))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other(format!("{listen} is not an IP address")))?;
        let mut registry = Registry::default();
        registry.register_collector(Box::new(ProcessInfo::new(daemon)));
        registry.register_collector(Box::new(collector));
        let routes = Routes {
            registry,
            health: Box::new(health),
            paths,
        };
        let server = Arc::new(server);
        let serving = server.clone();
        let thread = std::thread::Builder::new()
            .name(format!("{daemon}-http"))
            .spawn(move || {
                for request in serving.incoming_requests() {
                    routes.answer(request);
                }
            })?;
        log::info!("{daemon}: metrics on http://{addr}/metrics");
        Ok(MetricsServer {
            server,
            addr,
            thread: Some(thread),
        })
    }

    /// The address it listens on (the port chosen when `listen` had port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and waits for the HTTP thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Routes {
    fn answer(&self, request: Request) {
        let path = request.url().split('?').next().unwrap_or("").to_string();
        let reply = if !matches!(request.method(), Method::Get | Method::Head) {
            HttpReply::text(405, "only GET is served")
        } else {
            self.route(&path)
        };
        let header = Header::from_bytes("Content-Type", reply.content_type)
            .expect("content types are ASCII");
        let response = Response::from_string(reply.body)
            .with_status_code(reply.status)
            .with_header(header);
        if let Err(e) = request.respond(response) {
            log::debug!("metrics: answer to {path} not sent: {e}");
        }
    }

    fn route(&self, path: &str) -> HttpReply {
        match path {
            "/metrics" => {
                let mut body = String::new();
                match prometheus_client::encoding::text::encode(&mut body, &self.registry) {
                    Ok(()) => HttpReply {
                        status: 200,
                        content_type: TEXT_FORMAT,
                        body,
                    },
                    Err(e) => HttpReply::text(500, &format!("encoding the metrics failed: {e}")),
                }
            }
            "/healthz" => match (self.health)() {
                Health::Ok => HttpReply::text(200, "ok"),
                Health::Unhealthy(reason) => HttpReply::text(503, &reason),
            },
            other => self
                .paths
                .as_ref()
                .and_then(|paths| paths(other))
                .unwrap_or_else(|| HttpReply::text(404, &format!("no such path: {other}"))),
        }
    }
}

/// `process_start_time_seconds` and `lars_build_info`.
#[derive(Debug)]
struct ProcessInfo {
    daemon: &'static str,
    started: f64,
}

impl ProcessInfo {
    fn new(daemon: &'static str) -> ProcessInfo {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        ProcessInfo { daemon, started }
    }
}

impl Collector for ProcessInfo {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let mut scrape = Scrape::new(&mut encoder);
        scrape.gauge(
            "process_start_time_seconds",
            "Start time of the process since the Unix epoch, in seconds.",
            self.started.floor(),
        )?;
        let version = env!("CARGO_PKG_VERSION");
        scrape.gauges(
            "lars_build_info",
            "The daemon and its version; always 1.",
            &[(&[("daemon", self.daemon), ("version", version)], 1.0)],
        )
    }
}
