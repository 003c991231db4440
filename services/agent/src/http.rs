//! The agent's HTTP endpoint (`[metrics] listen`): `/metrics`, `/healthz`
//! and `/modules` (docs/AGENT_HTTP.md). `/modules` asks each table thread
//! for a view of its modules through the thread's queue, so the tables stay
//! lock-free; a table that does not answer within a second is left out and
//! logged.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lars_metrics::{Health, HttpReply, MetricsServer};
use lars_proto::ModuleId;
use lars_reactor::ThreadQueue;

use crate::messages::ToTable;
use crate::metrics::{AgentCollector, AgentMetrics};
use crate::modules_view::{AgentView, ModuleView, ModulesPage};

/// How long `/modules` waits for a table thread.
const TABLE_ANSWER: Duration = Duration::from_secs(1);

/// What `/modules` needs besides the metrics.
pub struct ModulesSource {
    /// The tables' queues, in table order.
    pub tables: Vec<ThreadQueue<ToTable>>,
    /// `[agent] base_port`.
    pub base_port: u16,
    /// When the agent started.
    pub started: Instant,
}

/// Serves the agent's endpoint on `listen`.
pub fn start(
    listen: SocketAddr,
    metrics: Arc<AgentMetrics>,
    source: ModulesSource,
) -> io::Result<MetricsServer> {
    let for_health = metrics.clone();
    let for_paths = metrics.clone();
    MetricsServer::start(
        "lars-agent",
        listen,
        AgentCollector(metrics),
        move || health(&for_health),
        Some(Box::new(move |path| modules(path, &source, &for_paths))),
    )
}

/// Unhealthy only with no DNS connection and no routes: with either, the
/// agent answers callers.
fn health(metrics: &AgentMetrics) -> Health {
    let connected = metrics
        .dns
        .connected
        .load(std::sync::atomic::Ordering::Relaxed);
    if connected || metrics.routed_modules() > 0 {
        Health::Ok
    } else {
        Health::Unhealthy("no DNS connection and no routes".to_string())
    }
}

/// `/modules` and `/modules/MODID/CMDID`; `None` for other paths.
fn modules(path: &str, source: &ModulesSource, metrics: &AgentMetrics) -> Option<HttpReply> {
    let rest = path.strip_prefix("/modules")?;
    let wanted = match rest.trim_end_matches('/') {
        "" => None,
        one => match parse_module(one) {
            Some(module) => Some(module),
            None => {
                let error = format!("{path}: expected /modules/MODID/CMDID with integers");
                return Some(error_reply(400, &error));
            }
        },
    };
    let mut all = collect(source);
    all.sort_by_key(|m| (m.modid, m.cmdid));
    let agent = AgentView {
        base_port: source.base_port,
        dns_connected: metrics
            .dns
            .connected
            .load(std::sync::atomic::Ordering::Relaxed),
        uptime_s: source.started.elapsed().as_secs(),
    };
    let body = match wanted {
        None => serde_json::to_string(&ModulesPage {
            agent,
            modules: all,
        }),
        Some(module) => match all
            .iter()
            .find(|m| (m.modid, m.cmdid) == (module.modid, module.cmdid))
        {
            Some(found) => serde_json::to_string(found),
            None => {
                let error = format!("module {module} is not held by this agent");
                return Some(error_reply(404, &error));
            }
        },
    };
    Some(match body {
        Ok(json) => HttpReply::json(200, json),
        Err(e) => error_reply(500, &format!("encoding /modules failed: {e}")),
    })
}

/// `/MODID/CMDID` → the module.
fn parse_module(rest: &str) -> Option<ModuleId> {
    let mut parts = rest.strip_prefix('/')?.split('/');
    let modid = parts.next()?.parse().ok()?;
    let cmdid = parts.next()?.parse().ok()?;
    parts.next().is_none().then(|| ModuleId::new(modid, cmdid))
}

fn error_reply(status: u16, error: &str) -> HttpReply {
    let body = serde_json::json!({ "error": error }).to_string();
    HttpReply::json(status, body)
}

/// Every table's view, asked for in parallel and awaited a second each.
fn collect(source: &ModulesSource) -> Vec<ModuleView> {
    let pending: Vec<_> = source
        .tables
        .iter()
        .enumerate()
        .map(|(index, queue)| {
            let (reply, answer) = crossbeam_channel::bounded(1);
            let sent = queue.push(ToTable::View(reply)).is_ok();
            (index, sent, answer)
        })
        .collect();
    let deadline = Instant::now() + TABLE_ANSWER;
    let mut all = Vec::new();
    for (index, sent, answer) in pending {
        let got = sent.then(|| answer.recv_deadline(deadline).ok()).flatten();
        match got {
            Some(view) => all.extend(view),
            None => log::warn!("/modules: agent table {index} did not answer; left out"),
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_parse_or_are_refused() {
        assert_eq!(parse_module("/1/2"), Some(ModuleId::new(1, 2)));
        assert_eq!(parse_module("/-1/2"), Some(ModuleId::new(-1, 2)));
        for bad in ["/1", "/1/x", "/1/2/3", "1/2", "/", "/99999999999/1"] {
            assert_eq!(parse_module(bad), None, "{bad}");
        }
    }
}
