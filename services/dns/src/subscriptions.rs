//! Which connections asked for which modules, so a changed route can be
//! pushed to exactly those. Generic over the handle type so it is tested
//! without sockets.

use std::collections::{HashMap, HashSet};

/// Module key → connection id → handle.
#[derive(Debug)]
pub struct Subscriptions<H> {
    by_module: HashMap<u64, HashMap<u64, H>>,
}

impl<H> Default for Subscriptions<H> {
    fn default() -> Self {
        Subscriptions {
            by_module: HashMap::new(),
        }
    }
}

impl<H: Clone> Subscriptions<H> {
    /// Subscribes connection `conn_id` to `module`.
    pub fn subscribe(&mut self, module: u64, conn_id: u64, handle: H) {
        self.by_module
            .entry(module)
            .or_default()
            .insert(conn_id, handle);
    }

    /// Drops every subscription of `conn_id` to the given modules.
    pub fn unsubscribe(&mut self, conn_id: u64, modules: impl IntoIterator<Item = u64>) {
        for module in modules {
            if let Some(conns) = self.by_module.get_mut(&module) {
                conns.remove(&conn_id);
                if conns.is_empty() {
                    self.by_module.remove(&module);
                }
            }
        }
    }

    /// The handles subscribed to `module`.
    pub fn subscribers(&self, module: u64) -> Vec<H> {
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
    /// The subscribed module keys.
    pub modules: HashSet<u64>,
    /// Whether the per-connection limit was already reported.
    pub limit_logged: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_per_module_and_unsubscribe_on_close() {
        let mut s = Subscriptions::default();
        s.subscribe(1, 100, "a");
        s.subscribe(1, 200, "b");
        s.subscribe(2, 100, "a");
        s.subscribe(1, 100, "a");
        assert_eq!(s.len(), 3);
        let mut subs = s.subscribers(1);
        subs.sort();
        assert_eq!(subs, ["a", "b"]);
        s.unsubscribe(100, [1, 2]);
        assert_eq!(s.subscribers(1), ["b"]);
        assert!(s.subscribers(2).is_empty());
        s.unsubscribe(200, [1]);
        assert!(s.is_empty());
    }
}
