//! Routes from DNS onto one module (docs/LOAD_BALANCING.md §6): hosts
//! join and leave, survivors keep their state, weights and the policy are
//! taken over; and the module's route as the agent answers `get_route`.

use std::collections::hash_map::Entry;
use std::collections::HashSet;

use lars_proto::{HostAddr, Policy, Route, RouteHost, RoutePolicy, Weight};

use super::module::{ModuleLb, RouteStatus};
use super::ring::HashRing;
use super::{HostStats, LbConfig};

/// What [`ModuleLb::apply_route`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteUpdate {
    /// The route was applied.
    Applied,
    /// The route was empty: the module is left unchanged and the caller
    /// must delete it.
    Empty,
}

impl ModuleLb {
    /// Applies a route from DNS: unknown hosts join idle at the
    /// tail, in the route's order; hosts no longer listed leave the map and
    /// their list; survivors keep their counters and list positions and
    /// take their new weights; the policy replaces the old one. The module
    /// becomes `New` with `last_update_time = now`.
    ///
    /// An empty route changes nothing and returns [`RouteUpdate::Empty`].
    pub fn apply_route(
        &mut self,
        hosts: &[RouteHost],
        policy: RoutePolicy,
        now: u64,
        cfg: &LbConfig,
    ) -> RouteUpdate {
        if hosts.is_empty() {
            return RouteUpdate::Empty;
        }
        let wanted: HashSet<u64> = hosts.iter().map(|h| h.host.key()).collect();
        let before = self.hosts.len();
        self.hosts.retain(|key, _| wanted.contains(key));
        self.idle.retain(|key| wanted.contains(key));
        self.overload.retain(|key| wanted.contains(key));
        let mut reweighed = self.hosts.len() != before;
        for h in hosts {
            let stats = match self.hosts.entry(h.host.key()) {
                Entry::Occupied(slot) => slot.into_mut(),
                Entry::Vacant(slot) => {
                    self.idle.push_back(h.host.key());
                    reweighed = true;
                    slot.insert(HostStats::new(now, cfg))
                }
            };
            if stats.weight != h.weight.get() {
                stats.weight = h.weight.get();
                reweighed = true;
            }
        }
        if reweighed {
            // Smooth WRR starts a fresh cycle: from here on every
            // `sum(weights)` picks give each host exactly its weight.
            for stats in self.hosts.values_mut() {
                stats.current = 0;
            }
        }
        self.policy = policy;
        self.update_ring();
        self.last_update_time = Some(now);
        self.status = RouteStatus::New;
        RouteUpdate::Applied
    }

    /// Builds the ring of the `hash` policy when its hosts or weights
    /// changed; drops it under any other policy.
    fn update_ring(&mut self) {
        if self.policy.policy != Policy::Hash {
            self.ring = None;
            return;
        }
        let mut source: Vec<(HostAddr, u32)> = self
            .hosts
            .iter()
            .map(|(&key, h)| (HostAddr::from_key(key), h.weight))
            .collect();
        source.sort_unstable();
        if self.ring.as_ref().is_none_or(|(_, built)| *built != source) {
            self.ring = Some((HashRing::new(&source), source));
        }
    }

    /// The module's route as this agent holds it: every host with its
    /// weight, idle ones first (as [`all_hosts`](Self::all_hosts)), and the
    /// policy.
    pub fn route(&self) -> Route {
        let hosts = self
            .idle
            .iter()
            .chain(self.overload.iter())
            .map(|key| RouteHost {
                host: HostAddr::from_key(*key),
                weight: self.hosts.get(key).map_or(Weight::ONE, |h| {
                    Weight::new(h.weight).unwrap_or(Weight::ONE)
                }),
            })
            .collect();
        Route {
            hosts,
            policy: self.policy,
        }
    }
}
