//! How an agent picks among a module's hosts (docs/PROTOCOL.md §4,
//! docs/LOAD_BALANCING.md §10): the [`Policy`], the module's panic
//! threshold ([`RoutePolicy`]) and each host's [`Weight`]
//! ([`RouteHost`]). On the wire every default is absent, so a route that
//! uses none of them encodes exactly as the original's.

use std::fmt;
use std::str::FromStr;

use crate::host::{HostAddr, HostAddrError};
use crate::pb::{HostInfo, LbPolicy};

/// How an agent chooses among a module's idle hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Policy {
    /// Round robin: the original's behaviour, and the default.
    #[default]
    Rr,
    /// Smooth weighted round robin: over `sum(weights)` picks each host is
    /// chosen `weight` times.
    Wrr,
    /// Consistent hashing of the request's key (weighted); without a key,
    /// `Wrr`.
    Hash,
    /// Latency-aware: the faster of two random hosts (peak EWMA).
    Ewma,
}

impl Policy {
    /// Every policy, in wire order.
    pub const ALL: [Policy; 4] = [Policy::Rr, Policy::Wrr, Policy::Hash, Policy::Ewma];

    /// The name used in configuration and tools: `rr`, `wrr`, `hash`, `ewma`.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Rr => "rr",
            Policy::Wrr => "wrr",
            Policy::Hash => "hash",
            Policy::Ewma => "ewma",
        }
    }

    /// The wire value (`LbPolicy`).
    pub fn to_wire(self) -> i32 {
        match self {
            Policy::Rr => LbPolicy::PolicyRr as i32,
            Policy::Wrr => LbPolicy::PolicyWrr as i32,
            Policy::Hash => LbPolicy::PolicyHash as i32,
            Policy::Ewma => LbPolicy::PolicyEwma as i32,
        }
    }

    /// The policy of a wire value; `None` for a value this build does not
    /// know (a newer peer's).
    pub fn from_wire(v: i32) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.to_wire() == v)
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value that is not a valid policy, weight or panic threshold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} '{input}': {reason}")]
pub struct PolicyError {
    /// What was being parsed: `policy`, `weight`, `panic threshold`.
    pub what: &'static str,
    /// The input as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FromStr for Policy {
    type Err = PolicyError;

    /// Parses `rr`, `wrr`, `hash` or `ewma`.
    fn from_str(input: &str) -> Result<Policy, PolicyError> {
        Policy::ALL
            .into_iter()
            .find(|p| p.name() == input.trim())
            .ok_or_else(|| PolicyError {
                what: "policy",
                input: input.to_string(),
                reason: "expected rr, wrr, hash or ewma",
            })
    }
}

/// A host's share of a module's traffic relative to the others:
/// `1..=`[`Weight::MAX`]; 1 unless configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Weight(u32);

impl Weight {
    /// The weight of a host nobody weighed.
    pub const ONE: Weight = Weight(1);
    /// The largest weight.
    pub const MAX: u32 = 10_000;

    /// A weight in `1..=MAX`.
    ///
    /// ```
    /// use lars_proto::Weight;
    /// assert_eq!(Weight::new(3).unwrap().get(), 3);
    /// assert!(Weight::new(0).is_err() && Weight::new(10_001).is_err());
    /// ```
    pub fn new(weight: u32) -> Result<Weight, PolicyError> {
        if (1..=Weight::MAX).contains(&weight) {
            Ok(Weight(weight))
        } else {
            Err(PolicyError {
                what: "weight",
                input: weight.to_string(),
                reason: "must be in 1..=10000",
            })
        }
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The wire value: 0 (absent) for weight 1, as the original sends.
    pub fn to_wire(self) -> u32 {
        if self == Weight::ONE {
            0
        } else {
            self.0
        }
    }

    /// The weight of a wire value: 0 means 1; above [`Weight::MAX`] is
    /// taken as the maximum.
    pub fn from_wire(v: u32) -> Weight {
        Weight(v.clamp(1, Weight::MAX))
    }
}

impl Default for Weight {
    fn default() -> Weight {
        Weight::ONE
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A module's policy and panic threshold: what a route carries besides its
/// hosts. The default is the original's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RoutePolicy {
    /// How idle hosts are chosen.
    pub policy: Policy,
    /// Percent of the module's hosts: when fewer are idle, picks ignore
    /// overload (panic mode). 0 turns it off.
    pub panic_threshold: u8,
}

impl RoutePolicy {
    /// `policy` with panic threshold `panic` (percent, `0..=100`).
    pub fn new(policy: Policy, panic: u32) -> Result<RoutePolicy, PolicyError> {
        match u8::try_from(panic) {
            Ok(panic_threshold @ 0..=100) => Ok(RoutePolicy {
                policy,
                panic_threshold,
            }),
            _ => Err(PolicyError {
                what: "panic threshold",
                input: panic.to_string(),
                reason: "must be a percentage in 0..=100",
            }),
        }
    }
}

/// A host of a route with its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteHost {
    /// The host.
    pub host: HostAddr,
    /// Its weight.
    pub weight: Weight,
}

impl RouteHost {
    /// `host` with weight 1.
    pub fn new(host: HostAddr) -> RouteHost {
        RouteHost {
            host,
            weight: Weight::ONE,
        }
    }

    /// The wire form; weight 1 is left out.
    pub fn to_wire(self) -> HostInfo {
        HostInfo {
            weight: self.weight.to_wire(),
            ..self.host.to_wire()
        }
    }

    /// The host of a wire [`HostInfo`] (see [`HostAddr::from_wire`]).
    pub fn from_wire(info: &HostInfo) -> Result<RouteHost, HostAddrError> {
        Ok(RouteHost {
            host: HostAddr::from_wire(info)?,
            weight: Weight::from_wire(info.weight),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_have_fixed_names_and_wire_values() {
        let pairs: Vec<(String, i32)> = Policy::ALL
            .iter()
            .map(|p| (p.to_string(), p.to_wire()))
            .collect();
        let want = [("rr", 0), ("wrr", 1), ("hash", 2), ("ewma", 3)];
        assert_eq!(pairs, want.map(|(n, v)| (n.to_string(), v)));
        assert_eq!("hash".parse::<Policy>(), Ok(Policy::Hash));
        assert_eq!(Policy::from_wire(3), Some(Policy::Ewma));
        assert_eq!(Policy::from_wire(9), None);
        let err = "random".parse::<Policy>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "policy 'random': expected rr, wrr, hash or ewma"
        );
    }

    #[test]
    fn weight_one_is_absent_on_the_wire_and_absent_is_one() {
        assert_eq!(Weight::ONE.to_wire(), 0);
        assert_eq!(Weight::from_wire(0), Weight::ONE);
        assert_eq!(Weight::new(7).unwrap().to_wire(), 7);
        assert_eq!(Weight::from_wire(50_000).get(), 10_000);
        let err = Weight::new(0).unwrap_err();
        assert_eq!(err.to_string(), "weight '0': must be in 1..=10000");
    }

    #[test]
    fn panic_thresholds_are_percentages() {
        assert_eq!(
            RoutePolicy::default(),
            RoutePolicy::new(Policy::Rr, 0).unwrap()
        );
        assert_eq!(
            RoutePolicy::new(Policy::Wrr, 100).unwrap().panic_threshold,
            100
        );
        assert!(RoutePolicy::new(Policy::Wrr, 101).is_err());
    }

    #[test]
    fn a_route_host_round_trips_with_its_weight() {
        let host = RouteHost {
            host: "10.0.0.1:80".parse().unwrap(),
            weight: Weight::new(3).unwrap(),
        };
        assert_eq!(RouteHost::from_wire(&host.to_wire()).unwrap(), host);
        let plain = RouteHost::new(host.host);
        assert_eq!(
            plain.to_wire(),
            host.host.to_wire(),
            "weight 1 adds nothing"
        );
    }
}
