//! Which connections asked for which modules, so a changed route can be
//! pushed to exactly those. Generic over the handle type so it is tested
//! without sockets.

use std::collections::{HashMap, HashSet};

use lars_proto::ModuleId;

/// Module → connection id → (handle, whether it wants route versions).
#[derive(Debug)]
pub struct Subscriptions<H> {
    by_module: HashMap<ModuleId, HashMap<u64, (H, bool)>>,
}

impl<H> Default for Subscriptions<H> {
    fn default() -> Self {
        Subscriptions {
            by_module: HashMap::new(),
        }
    }
}

impl<H: Clone> Subscriptions<H> {
    /// Subscribes connection `conn_id` to `module`; its pushes carry the
    /// route version if `wants_version`.
    pub fn subscribe(&mut self, module: ModuleId, conn_id: u64, handle: H, wants_version: bool) {
        self.by_module
            .entry(module)
            .or_default()
            .insert(conn_id, (handle, wants_version));
    }

    /// Drops every subscription of `conn_id` to the given modules.
    pub fn unsubscribe(&mut self, conn_id: u64, modules: impl IntoIterator<Item = ModuleId>) {
        for module in modules {
            if let Some(conns) = self.by_module.get_mut(&module) {
                conns.remove(&conn_id);
                if conns.is_empty() {
                    self.by_module.remove(&module);
                }
            }
        }
    }

    /// The handles subscribed to `module`, each with whether it wants
    /// route versions.
    pub fn subscribers(&self, module: ModuleId) -> Vec<(H, bool)> {
        self.by_module
            .get(&module)
            .map(|conns| conns.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Number of (module, connection) pairs.
    pub fn len(&self) -> usize {
        self.by_module.values().map(HashMap::len).sum()
    }

    /// Whether nobody is subscribed to anything.
    pub fn is_empty(&self) -> bool {
        self.by_module.is_empty()
    }
}

/// The modules one connection subscribed to (kept in the connection's user
/// state, so closing it can unsubscribe them all).
#[derive(Debug, Default)]
pub struct ConnModules {
    /// The subscribed modules.
    pub modules: HashSet<ModuleId>,
    /// Whether the per-connection limit was already reported.
    pub limit_logged: bool,
    /// Whether the peer asked for route versions (our agent does; the
    /// original's does not, and gets the original's bytes).
    pub wants_version: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_per_module_and_unsubscribe_on_close() {
        let (one, two) = (ModuleId::new(1, 1), ModuleId::new(2, 1));
        let mut s = Subscriptions::default();
        s.subscribe(one, 100, "a", true);
        s.subscribe(one, 200, "b", false);
        s.subscribe(two, 100, "a", true);
        s.subscribe(one, 100, "a", true);
        assert_eq!(s.len(), 3);
        let mut subs = s.subscribers(one);
        subs.sort();
        assert_eq!(subs, [("a", true), ("b", false)]);
        s.unsubscribe(100, [one, two]);
        assert_eq!(s.subscribers(one), [("b", false)]);
        assert!(s.subscribers(two).is_empty());
        s.unsubscribe(200, [one]);
        assert!(s.is_empty());
    }
}
