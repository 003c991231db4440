//! Everything the console knows of the agents' HTTP endpoint: the
//! `GET /modules/MODID/CMDID` contract of docs/AGENT_HTTP.md as types, its
//! parsing, and the client that asks every configured agent at once. The
//! only file that talks to agents.

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lars_proto::ModuleId;
use serde::Deserialize;

/// The largest answer read from an agent (one module of many hosts).
pub const MAX_ANSWER_BYTES: usize = 4 << 20;

/// One module as an agent holds it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AgentModule {
    /// The module's modid.
    pub modid: i32,
    /// The module's cmdid.
    pub cmdid: i32,
    /// The UDP table (port `base_port + table`) that owns it.
    #[serde(default)]
    pub table: u32,
    /// `new` (route known) or `pulling` (a route request is out).
    pub status: String,
    /// The DNS route version the route came with.
    #[serde(default)]
    pub route_version: Option<u64>,
    /// `rr`, `wrr`, `hash` or `ewma`.
    pub policy: String,
    /// Percent; 0 = off.
    #[serde(default)]
    pub panic_threshold: u32,
    /// Picks that probed an overloaded host.
    #[serde(default)]
    pub probes_total: u64,
    /// Picks made in panic mode.
    #[serde(default)]
    pub panic_picks_total: u64,
    /// Idle hosts first, then overloaded ones.
    pub hosts: Vec<AgentHost>,
}

/// One host of a module as an agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AgentHost {
    /// `a.b.c.d:port`.
    pub host: String,
    /// The host's weight.
    #[serde(default)]
    pub weight: u32,
    /// `idle` or `overload`.
    pub state: String,
    /// Virtual successes.
    #[serde(default)]
    pub vsucc: u64,
    /// Virtual errors.
    #[serde(default)]
    pub verr: u64,
    /// Real successes of the current window.
    #[serde(default)]
    pub rsucc: u64,
    /// Real errors of the current window.
    #[serde(default)]
    pub rerr: u64,
    /// Consecutive successes.
    #[serde(default)]
    pub contin_succ: u64,
    /// Consecutive errors.
    #[serde(default)]
    pub contin_err: u64,
    /// The last change of state; `None` if it never changed.
    #[serde(default)]
    pub last_change: Option<StateChange>,
}

impl AgentHost {
    /// Whether the agent considers the host overloaded.
    pub fn overloaded(&self) -> bool {
        self.state == "overload"
    }
}

/// A host's change of state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StateChange {
    /// Wall-clock time, Unix milliseconds.
    pub unix_ms: u64,
    /// The new state.
    pub to: String,
    /// Why, e.g. `consecutive_errors`.
    pub reason: String,
}

/// The reason of a change of state in words.
pub fn reason_text(reason: &str) -> &str {
    match reason {
        "error_rate" => "error rate above err_rate",
        "consecutive_errors" => "too many consecutive errors",
        "window_error_rate" => "window error rate above window_err_rate",
        "success_rate" => "success rate above succ_rate",
        "consecutive_successes" => "enough consecutive successes",
        "overload_timeout" => "overload_timeout passed",
        other => other,
    }
}

/// What one agent said about a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentAnswer {
    /// The agent holds the module.
    Held(AgentModule),
    /// The agent does not hold it (`404`); the agent's words.
    NotHeld(String),
    /// The agent could not be asked or gave an answer outside the contract.
    Failed(String),
}

/// The answer to `GET /modules/MODID/CMDID` with `status` and `body`.
pub fn parse_answer(module: ModuleId, status: u16, body: &[u8]) -> AgentAnswer {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: String,
    }
    let error_text = || {
        serde_json::from_slice::<ErrorBody>(body)
            .map(|e| e.error)
            .unwrap_or_else(|_| String::from_utf8_lossy(body).chars().take(200).collect())
    };
    match status {
        200 => match serde_json::from_slice::<AgentModule>(body) {
            Ok(m) if ModuleId::new(m.modid, m.cmdid) == module => AgentAnswer::Held(m),
            Ok(m) => AgentAnswer::Failed(format!(
                "answered with module {}/{} for {module}",
                m.modid, m.cmdid
            )),
            Err(e) => AgentAnswer::Failed(format!("answer is not a module object: {e}")),
        },
        404 => AgentAnswer::NotHeld(error_text()),
        other => AgentAnswer::Failed(format!("HTTP {other}: {}", error_text())),
    }
}

/// Asks agents over HTTP/1.1. Cheap to clone; safe from any task.
#[derive(Clone)]
pub struct AgentClient {
    client: Client<HttpConnector, Empty<Bytes>>,
    timeout: Duration,
}

impl AgentClient {
    /// A client whose every request to an agent ends within `timeout`.
    pub fn new(timeout: Duration) -> AgentClient {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.set_nodelay(true);
        AgentClient {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        }
    }

    /// What the agent at `agent` says about `module`.
    pub async fn module(&self, agent: SocketAddr, module: ModuleId) -> AgentAnswer {
        let uri = format!("http://{agent}/modules/{}/{}", module.modid, module.cmdid);
        let ask = async {
            let uri = uri.parse::<hyper::Uri>().map_err(|e| e.to_string())?;
            let resp = self.client.get(uri).await.map_err(|e| describe(&e))?;
            let status = resp.status().as_u16();
            let body = Limited::new(resp.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            Ok::<_, String>((status, body))
        };
        match tokio::time::timeout(self.timeout, ask).await {
            Ok(Ok((status, body))) => parse_answer(module, status, &body),
            Ok(Err(e)) => AgentAnswer::Failed(e),
            Err(_) => AgentAnswer::Failed(format!("no answer within {:?}", self.timeout)),
        }
    }

    /// What each of `agents` says about `module`, asked at the same time,
    /// in the order of `agents`.
    pub async fn module_everywhere(
        &self,
        agents: &[SocketAddr],
        module: ModuleId,
    ) -> Vec<(SocketAddr, AgentAnswer)> {
        let tasks: Vec<_> = agents
            .iter()
            .map(|&agent| {
                let client = self.clone();
                tokio::spawn(async move { client.module(agent, module).await })
            })
            .collect();
        let mut out = Vec::with_capacity(agents.len());
        for (&agent, task) in agents.iter().zip(tasks) {
            let answer = task
                .await
                .unwrap_or_else(|e| AgentAnswer::Failed(format!("request task failed: {e}")));
            out.push((agent, answer));
        }
        out
    }
}

/// A client error with its causes (hyper's top-level text alone is vague).
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of docs/AGENT_HTTP.md, as an agent sends it.
    const CONTRACT_EXAMPLE: &str = r#"{
      "modid": 1, "cmdid": 1, "table": 2, "status": "new", "route_version": 7,
      "policy": "rr", "panic_threshold": 0, "probes_total": 4, "panic_picks_total": 0,
      "hosts": [
        {"host": "10.0.0.1:80", "ip": "10.0.0.1", "port": 80, "weight": 1,
         "state": "overload", "vsucc": 0, "verr": 5, "rsucc": 0, "rerr": 0,
         "contin_succ": 0, "contin_err": 0,
         "last_change": {"unix_ms": 1764400000000, "to": "overload",
                         "reason": "consecutive_errors"}},
        {"host": "10.0.0.2:80", "ip": "10.0.0.2", "port": 80, "weight": 3,
         "state": "idle", "vsucc": 180, "verr": 5, "rsucc": 42, "rerr": 1,
         "contin_succ": 12, "contin_err": 0, "last_change": null}
      ]
    }"#;

    #[test]
    fn the_documented_answer_parses_into_hosts_with_states_and_reasons() {
        let AgentAnswer::Held(m) =
            parse_answer(ModuleId::new(1, 1), 200, CONTRACT_EXAMPLE.as_bytes())
        else {
            panic!("not parsed");
        };
        assert_eq!((m.table, m.route_version, m.probes_total), (2, Some(7), 4));
        assert_eq!(m.hosts.len(), 2);
        let (bad, good) = (&m.hosts[0], &m.hosts[1]);
        assert!(bad.overloaded() && !good.overloaded());
        assert_eq!((good.weight, good.rsucc, good.rerr), (3, 42, 1));
        let change = bad.last_change.as_ref().unwrap();
        assert_eq!(change.unix_ms, 1_764_400_000_000);
        assert_eq!(reason_text(&change.reason), "too many consecutive errors");
        assert_eq!(good.last_change, None);
    }

    #[test]
    fn not_held_wrong_module_and_garbage_are_told_apart() {
        let m = ModuleId::new(5, 1);
        let not_held = br#"{"error": "module 5/1 is not held by this agent"}"#;
        assert_eq!(
            parse_answer(m, 404, not_held),
            AgentAnswer::NotHeld("module 5/1 is not held by this agent".into())
        );
        assert_eq!(
            parse_answer(m, 200, CONTRACT_EXAMPLE.as_bytes()),
            AgentAnswer::Failed("answered with module 1/1 for 5/1".into())
        );
        let AgentAnswer::Failed(text) = parse_answer(m, 200, b"<html>") else {
            panic!("garbage accepted");
        };
        assert!(text.starts_with("answer is not a module object"), "{text}");
        assert_eq!(
            parse_answer(m, 400, br#"{"error": "bad modid 'x'"}"#),
            AgentAnswer::Failed("HTTP 400: bad modid 'x'".into())
        );
        assert_eq!(
            parse_answer(m, 500, b"oops"),
            AgentAnswer::Failed("HTTP 500: oops".into())
        );
    }

    #[tokio::test]
    async fn an_agent_that_is_not_there_fails_within_the_timeout() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let client = AgentClient::new(Duration::from_millis(500));
        let t0 = std::time::Instant::now();
        let answers = client.module_everywhere(&[addr], ModuleId::new(1, 1)).await;
        assert!(t0.elapsed() < Duration::from_secs(2));
        assert_eq!(answers.len(), 1);
        assert!(
            matches!(answers[0].1, AgentAnswer::Failed(_)),
            "{answers:?}"
        );
    }
}
