//! The invariant of [`ModuleLb`] (stated on the type), checked after
//! every step of the tests.

use std::collections::HashSet;

use crate::lb::ModuleLb;

impl ModuleLb {
    /// Checks the invariant stated on the type; used by tests.
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        let idle: HashSet<u64> = self.idle.iter().copied().collect();
        let over: HashSet<u64> = self.overload.iter().copied().collect();
        if idle.len() != self.idle.len() || over.len() != self.overload.len() {
            return Err(format!(
                "duplicate keys: {:?} {:?}",
                self.idle, self.overload
            ));
        }
        if let Some(k) = idle.intersection(&over).next() {
            return Err(format!("host {k:#x} on both lists"));
        }
        if idle.len() + over.len() != self.hosts.len() {
            return Err(format!(
                "lists hold {} keys, map {}",
                idle.len() + over.len(),
                self.hosts.len()
            ));
        }
        for (key, host) in &self.hosts {
            let listed = if host.overload { &over } else { &idle };
            if !listed.contains(key) {
                return Err(format!("host {key:#x} not on the list its flag names"));
            }
        }
        if let Some((_, built)) = &self.ring {
            let on_ring: HashSet<u64> = built.iter().map(|(h, _)| h.key()).collect();
            if on_ring != self.hosts.keys().copied().collect() {
                return Err("the ring's hosts are not the map's".to_string());
            }
        }
        Ok(())
    }
}
