//! What a module publishes for picks made outside the agent (the same-host
//! fast path, docs/SHM.md §7): its hosts, the rotation callers take them
//! in, the overloaded hosts to probe, and whether callers may pick at all.
//! Pure: built from a [`ModuleLb`] into reused buffers.

use lars_proto::{HostAddr, Policy};

use super::module::ModuleLb;

/// Whether callers may pick from a [`PickSet`] themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickSetMode {
    /// The module has no hosts yet: callers ask the agent (which answers
    /// `RET_NOEXIST` and pulls the route).
    Absent,
    /// Callers pick from the rotation and probe the overloaded hosts.
    Serve,
    /// Every pick needs the agent's own state (`hash`, `ewma`) or the set
    /// does not fit: callers ask the agent.
    AskAgent,
}

/// How large a published set may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PickSetLimits {
    /// Hosts per module.
    pub max_hosts: usize,
    /// Entries of the rotation.
    pub max_rotation: usize,
}

/// A module's published pick set. The buffers are reused from one build
/// to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickSet {
    /// Whether callers may pick from it.
    pub mode: PickSetMode,
    /// Every host: the idle ones in round-robin order, then the overloaded
    /// ones in probe order (the order of `get_route`).
    pub hosts: Vec<HostAddr>,
    /// Indexes into `hosts`, taken in turn: the idle hosts (`rr`), the
    /// smooth weighted round-robin cycle over them (`wrr`), or every host
    /// (panic mode).
    pub rotation: Vec<u16>,
    /// Indexes into `hosts` of the overloaded hosts, in probe order.
    pub overloaded: Vec<u16>,
    /// Whether every `probe_num + 1`-th pick probes an overloaded host
    /// (not in panic mode, which picks among all hosts anyway).
    pub probe: bool,
}

impl Default for PickSet {
    fn default() -> Self {
        PickSet {
            mode: PickSetMode::Absent,
            hosts: Vec::new(),
            rotation: Vec::new(),
            overloaded: Vec::new(),
            probe: false,
        }
    }
}

impl PickSet {
    fn clear(&mut self, mode: PickSetMode) {
        self.mode = mode;
        self.hosts.clear();
        self.rotation.clear();
        self.overloaded.clear();
        self.probe = false;
    }
}

impl ModuleLb {
    /// Builds the module's pick set into `out` (docs/SHM.md §7).
    pub fn pick_set(&self, limits: PickSetLimits, out: &mut PickSet) {
        let total = self.idle.len() + self.overload.len();
        if total == 0 {
            return out.clear(PickSetMode::Absent);
        }
        if total > limits.max_hosts || total > usize::from(u16::MAX) {
            return out.clear(PickSetMode::AskAgent);
        }
        if matches!(self.policy.policy, Policy::Hash | Policy::Ewma) {
            return out.clear(PickSetMode::AskAgent);
        }
        out.clear(PickSetMode::Serve);
        let keys = self.idle.iter().chain(self.overload.iter());
        out.hosts.extend(keys.map(|&k| HostAddr::from_key(k)));
        let panic = self.in_panic();
        // Indexes of the candidates: every host in panic mode, else the
        // idle ones (first in `hosts`).
        let candidates = if panic { total } else { self.idle.len() };
        if !panic {
            out.overloaded.extend(self.idle.len() as u16..total as u16);
            out.probe = true;
        }
        let fits = match self.policy.policy {
            Policy::Wrr => {
                let weights: Vec<u32> = out.hosts[..candidates]
                    .iter()
                    .map(|h| self.hosts.get(&h.key()).map_or(1, |s| s.weight.max(1)))
                    .collect();
                wrr_cycle(&weights, limits.max_rotation, &mut out.rotation)
            }
            _ => {
                out.rotation.extend(0..candidates as u16);
                candidates <= limits.max_rotation
            }
        };
        if !fits {
            out.clear(PickSetMode::AskAgent);
        }
    }
}

/// Appends to `out` one cycle of smooth weighted round robin over hosts
/// `0..weights.len()` (each index appears `weight` times, spread out as
/// nginx's algorithm spreads it). False, with `out` untouched, when the
/// cycle is longer than `max`.
pub fn wrr_cycle(weights: &[u32], max: usize, out: &mut Vec<u16>) -> bool {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if total > max as u64 {
        return false;
    }
    let mut current = vec![0i64; weights.len()];
    for _ in 0..total {
        let mut best = 0;
        for (i, &w) in weights.iter().enumerate() {
            current[i] += i64::from(w);
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total as i64;
        out.push(best as u16);
    }
    true
}
