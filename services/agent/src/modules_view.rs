//! The agent's `/modules` JSON (docs/AGENT_HTTP.md) as types: built from
//! a table on the table's own thread and serialised on the HTTP thread;
//! read back by `lars top`.

use serde::{Deserialize, Serialize};

use crate::lb::{ModuleLb, RouteStatus, RouteTable};

/// `GET /modules`: the agent and every module it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModulesPage {
    /// The agent.
    pub agent: AgentView,
    /// Its modules, sorted by (modid, cmdid).
    pub modules: Vec<ModuleView>,
}

/// The agent part of `/modules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentView {
    /// `[agent] base_port`.
    pub base_port: u16,
    /// Whether its DNS link is connected.
    pub dns_connected: bool,
    /// Seconds since it started.
    pub uptime_s: u64,
}

/// One module as `/modules` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleView {
    /// The module's modid.
    pub modid: i32,
    /// The module's cmdid.
    pub cmdid: i32,
    /// The table (UDP port `base_port + table`) that holds it.
    pub table: usize,
    /// `new` or `pulling`.
    pub status: String,
    /// The DNS route version of its route, if DNS sent one.
    pub route_version: Option<u64>,
    /// `rr`, `wrr`, `hash` or `ewma`.
    pub policy: String,
    /// Percent; 0 = off.
    pub panic_threshold: u8,
    /// Picks that probed an overloaded host.
    pub probes_total: u64,
    /// Picks made in panic mode.
    pub panic_picks_total: u64,
    /// Idle hosts first, then overloaded ones.
    pub hosts: Vec<HostView>,
}

/// One host as `/modules` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostView {
    /// `ip:port`.
    pub host: String,
    /// Dotted IPv4.
    pub ip: String,
    /// Port.
    pub port: u16,
    /// Weight in the route.
    pub weight: u32,
    /// `idle` or `overload`.
    pub state: String,
    /// Virtual successes.
    pub vsucc: u32,
    /// Virtual errors.
    pub verr: u32,
    /// Real successes of the current window.
    pub rsucc: u32,
    /// Real errors of the current window.
    pub rerr: u32,
    /// Consecutive successes.
    pub contin_succ: u32,
    /// Consecutive errors.
    pub contin_err: u32,
    /// The last change of state, if any.
    pub last_change: Option<ChangeView>,
}

/// A host's last change of state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    /// Wall-clock time of the change, in Unix milliseconds (to the second).
    pub unix_ms: u64,
    /// `idle` or `overload`.
    pub to: String,
    /// The rule that made it (docs/AGENT_HTTP.md).
    pub reason: String,
}

/// Converts the table's seconds to wall-clock time: `now` is the table's
/// clock, `wall_ms` the wall clock at the same moment.
#[derive(Debug, Clone, Copy)]
pub struct TimeBase {
    /// The table's clock now, in seconds.
    pub now: u64,
    /// The wall clock now, in Unix milliseconds.
    pub wall_ms: u64,
}

impl TimeBase {
    fn unix_ms(self, at: u64) -> u64 {
        self.wall_ms
            .saturating_sub(self.now.saturating_sub(at).saturating_mul(1000))
    }
}

/// Every module of table `index`.
pub fn table_view(index: usize, table: &RouteTable, time: TimeBase) -> Vec<ModuleView> {
    table
        .modules()
        .map(|m| module_view(index, m, time))
        .collect()
}

fn module_view(table: usize, m: &ModuleLb, time: TimeBase) -> ModuleView {
    let route = m.route();
    let hosts = route
        .hosts
        .iter()
        .filter_map(|h| {
            let stats = m.host(h.host)?;
            Some(HostView {
                host: h.host.to_string(),
                ip: h.host.ip.to_string(),
                port: h.host.port,
                weight: h.weight.get(),
                state: if stats.overload { "overload" } else { "idle" }.to_string(),
                vsucc: stats.vsucc,
                verr: stats.verr,
                rsucc: stats.rsucc,
                rerr: stats.rerr,
                contin_succ: stats.contin_succ,
                contin_err: stats.contin_err,
                last_change: stats.last_change.map(|c| ChangeView {
                    unix_ms: time.unix_ms(c.at),
                    to: c.reason.to_state().to_string(),
                    reason: c.reason.name().to_string(),
                }),
            })
        })
        .collect();
    ModuleView {
        modid: m.module().modid,
        cmdid: m.module().cmdid,
        table,
        status: match m.status() {
            RouteStatus::New => "new",
            RouteStatus::Pulling => "pulling",
        }
        .to_string(),
        route_version: m.route_version(),
        policy: route.policy.policy.name().to_string(),
        panic_threshold: route.policy.panic_threshold,
        probes_total: m.probes(),
        panic_picks_total: m.panic_picks(),
        hosts,
    }
}
