//! A table's routes on disk (`[agent] snapshot_dir`), so a restarted agent
//! answers at once from the routes it had, while it pulls them again from
//! DNS: the file's format, made from a table and read back with every
//! field checked. Pure: the files are written by `snapshot_io.rs`.
//!
//! ```json
//! {"format":"lars-agent-routes","layout":1,"table":2,"modules":[
//!   {"modid":1,"cmdid":1,"route_version":7,"policy":"wrr","panic_threshold":0,
//!    "hosts":[{"ip":"10.0.0.1","port":80,"weight":3}]}]}
//! ```

use std::net::Ipv4Addr;

use lars_proto::{HostAddr, ModuleId, Policy, Route, RouteHost, RoutePolicy, Weight};
use serde::{Deserialize, Serialize};

use crate::lb::RouteTable;

/// The `format` of a snapshot file.
pub const FORMAT: &str = "lars-agent-routes";
/// The layout this build writes and reads.
pub const LAYOUT: u32 = 1;

/// One table's routes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSnapshot {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`LAYOUT`].
    pub layout: u32,
    /// The table's index.
    pub table: usize,
    /// Its modules that have hosts.
    pub modules: Vec<ModuleRoutes>,
}

/// One module's route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleRoutes {
    /// modid.
    pub modid: i32,
    /// cmdid.
    pub cmdid: i32,
    /// The DNS route version, if DNS sent one.
    pub route_version: Option<u64>,
    /// `rr`, `wrr`, `hash` or `ewma`.
    pub policy: String,
    /// Percent, 0..=100.
    pub panic_threshold: u32,
    /// The hosts.
    pub hosts: Vec<SavedHost>,
}

/// One host of a route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedHost {
    /// Dotted IPv4.
    pub ip: Ipv4Addr,
    /// Port, 1..=65535.
    pub port: u16,
    /// Weight, 1..=10000.
    pub weight: u32,
}

/// Why a snapshot file was not used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Not JSON of this shape.
    #[error("not a route snapshot: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// Another format, layout or table.
    #[error("{0}")]
    Foreign(String),
}

/// A module restored from a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The module.
    pub module: ModuleId,
    /// Its route.
    pub route: Route,
    /// The DNS route version it had.
    pub version: Option<u64>,
}

/// The snapshot of table `index`: every module with hosts, sorted.
pub fn from_table(index: usize, table: &RouteTable) -> TableSnapshot {
    let mut modules: Vec<ModuleRoutes> = table
        .modules()
        .filter(|m| !m.is_empty())
        .map(|m| {
            let route = m.route();
            let mut hosts: Vec<SavedHost> = route
                .hosts
                .iter()
                .map(|h| SavedHost {
                    ip: h.host.ip,
                    port: h.host.port,
                    weight: h.weight.get(),
                })
                .collect();
            hosts.sort_by_key(|h| (h.ip, h.port));
            ModuleRoutes {
                modid: m.module().modid,
                cmdid: m.module().cmdid,
                route_version: m.route_version(),
                policy: route.policy.policy.name().to_string(),
                panic_threshold: u32::from(route.policy.panic_threshold),
                hosts,
            }
        })
        .collect();
    modules.sort_by_key(|m| (m.modid, m.cmdid));
    TableSnapshot {
        format: FORMAT.to_string(),
        layout: LAYOUT,
        table: index,
        modules,
    }
}

/// Reads the snapshot of table `index` from `bytes`. A file of another
/// format, layout or table is [`SnapshotError::Foreign`]; unreadable JSON
/// is [`SnapshotError::Corrupt`]. Within a good file, a module of another
/// table, a bad host or an unknown policy is left out; the second value
/// counts what was left out.
pub fn parse(bytes: &[u8], index: usize) -> Result<(Vec<Restored>, usize), SnapshotError> {
    let snapshot: TableSnapshot = serde_json::from_slice(bytes)?;
    if snapshot.format != FORMAT || snapshot.layout != LAYOUT {
        return Err(SnapshotError::Foreign(format!(
            "format {} layout {}, expected {FORMAT} layout {LAYOUT}",
            snapshot.format, snapshot.layout
        )));
    }
    if snapshot.table != index {
        return Err(SnapshotError::Foreign(format!(
            "the routes of table {}, not {index}",
            snapshot.table
        )));
    }
    let total = snapshot.modules.len();
    let restored: Vec<Restored> = snapshot
        .modules
        .into_iter()
        .filter_map(|m| restore_module(m, index))
        .collect();
    let skipped = total - restored.len();
    Ok((restored, skipped))
}

/// One module, if it belongs to table `index` and every field is valid.
fn restore_module(m: ModuleRoutes, index: usize) -> Option<Restored> {
    let module = ModuleId::new(m.modid, m.cmdid);
    if module.agent_port_index() != index || m.hosts.is_empty() {
        return None;
    }
    let policy: Policy = m.policy.parse().ok()?;
    let policy = RoutePolicy::new(policy, m.panic_threshold).ok()?;
    let hosts = m
        .hosts
        .iter()
        .map(|h| {
            let weight = Weight::new(h.weight).ok()?;
            (h.port > 0).then(|| RouteHost {
                host: HostAddr::new(h.ip, h.port),
                weight,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Restored {
        module,
        route: Route { hosts, policy },
        version: m.route_version,
    })
}

#[cfg(test)]
mod tests;
