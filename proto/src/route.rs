//! [`Route`]: a module's hosts with their weights and its policy — what the
//! DNS service serves, the agent holds and answers an API `get_route` with —
//! and its `GetRouteResponse` wire form.

use prost::Message;

use crate::frame::MAX_BODY_LEN;
use crate::host::HostAddrError;
use crate::module::ModuleId;
use crate::pb::GetRouteResponse;
use crate::policy::{Policy, PolicyError, RouteHost, RoutePolicy};

/// A module's route: its hosts with their weights, and its policy and panic
/// threshold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Route {
    /// The hosts with their weights.
    pub hosts: Vec<RouteHost>,
    /// The module's policy and panic threshold.
    pub policy: RoutePolicy,
}

/// What was wrong in a `GetRouteResponse` that [`Route::from_response`]
/// left out or replaced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteWireError {
    /// A host that is no address (ip or port out of range); it was left out.
    #[error(transparent)]
    Host(#[from] HostAddrError),
    /// A policy number this build does not know (from a newer sender); the
    /// route uses `rr`.
    #[error("unknown policy {0}; using rr without panic mode")]
    UnknownPolicy(i32),
    /// A panic threshold above 100; the route uses `rr` without panic mode.
    #[error("{0}; using rr without panic mode")]
    Panic(PolicyError),
}

impl Route {
    /// The most hosts a route may have so that its `GetRouteResponse`
    /// always fits one frame ([`MAX_BODY_LEN`] bytes), whatever its
    /// addresses, weights, policy, module and version: 20 bytes a host at
    /// most (an address above 127.255.255.255 is a 10-byte varint), 37 for
    /// the rest. Stores refuse to grow a route beyond it.
    pub const MAX_HOSTS: usize = 3274;

    /// The size of the route's `GetRouteResponse` body for `module` when it
    /// carries a version (the larger of the DNS service's two forms);
    /// above [`MAX_BODY_LEN`] it cannot be sent.
    pub fn encoded_len(&self, module: ModuleId) -> usize {
        let mut response = self.to_response(module);
        response.version = Some(u64::MAX);
        response.encoded_len()
    }

    /// Whether the route fits one frame ([`encoded_len`](Self::encoded_len)
    /// at most [`MAX_BODY_LEN`]).
    pub fn fits_a_frame(&self, module: ModuleId) -> bool {
        self.encoded_len(module) <= MAX_BODY_LEN
    }

    /// The `GetRouteResponse` for `module` with this route. Weight 1, `rr`
    /// and no panic threshold are left out, so a route that uses none of
    /// them encodes to the original's bytes.
    ///
    /// ```
    /// use lars_proto::{ModuleId, Route, RouteHost};
    /// let host = "10.0.0.1:80".parse().unwrap();
    /// let route = Route { hosts: vec![RouteHost::new(host)], ..Route::default() };
    /// let resp = route.to_response(ModuleId::new(1, 2));
    /// assert_eq!((resp.modid, resp.cmdid, resp.host[0].weight, resp.policy), (1, 2, 0, 0));
    /// ```
    pub fn to_response(&self, module: ModuleId) -> GetRouteResponse {
        GetRouteResponse {
            modid: module.modid,
            cmdid: module.cmdid,
            host: self.hosts.iter().map(|h| h.to_wire()).collect(),
            policy: self.policy.policy.to_wire(),
            panic_threshold: u32::from(self.policy.panic_threshold),
            version: None,
        }
    }

    /// The route a `GetRouteResponse` carries, and what was wrong in it:
    /// hosts that are no address are left out, and an unknown policy or a
    /// threshold above 100 gives the original's behaviour (`rr`, no panic
    /// mode). Never fails: a receiver logs the problems and serves the rest.
    pub fn from_response(resp: &GetRouteResponse) -> (Route, Vec<RouteWireError>) {
        let mut problems = Vec::new();
        let hosts = resp
            .host
            .iter()
            .filter_map(|h| {
                RouteHost::from_wire(h)
                    .map_err(|e| problems.push(e.into()))
                    .ok()
            })
            .collect();
        let policy = match Policy::from_wire(resp.policy) {
            None => Err(RouteWireError::UnknownPolicy(resp.policy)),
            Some(p) => RoutePolicy::new(p, resp.panic_threshold).map_err(RouteWireError::Panic),
        };
        let policy = policy.unwrap_or_else(|e| {
            problems.push(e);
            RoutePolicy::default()
        });
        (Route { hosts, policy }, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::HostInfo;
    use crate::policy::Weight;
    use crate::HostAddr;

    /// `n` hosts whose wire form is as large as it gets: addresses from
    /// 255.255.x.y (10-byte varints), ports 65535, weight 10000.
    fn largest(n: usize) -> Route {
        let hosts = (0..n as u32)
            .map(|i| RouteHost {
                host: HostAddr::from_number(0xffff_0000 + i, 65535),
                weight: Weight::new(Weight::MAX).unwrap(),
            })
            .collect();
        Route {
            hosts,
            policy: RoutePolicy::new(Policy::Ewma, 100).unwrap(),
        }
    }

    #[test]
    fn max_hosts_of_the_largest_hosts_fit_one_frame_and_one_more_does_not() {
        let module = ModuleId::new(i32::MIN, i32::MIN);
        // 20 bytes a host, 37 for the rest: 3274 hosts are 65517 bytes.
        assert_eq!(largest(1).encoded_len(module), 37 + 20);
        assert_eq!(largest(Route::MAX_HOSTS).encoded_len(module), 65_517);
        assert!(largest(Route::MAX_HOSTS).fits_a_frame(module));
        assert!(!largest(Route::MAX_HOSTS + 1).fits_a_frame(module));
    }

    #[test]
    fn a_response_round_trips_and_bad_parts_are_reported() {
        let module = ModuleId::new(3, 4);
        let good = HostInfo {
            ip: 0x0a00_0001,
            port: 80,
            weight: 5,
        };
        let bad_port = HostInfo {
            ip: 0x0a00_0002,
            port: 70_000,
            weight: 0,
        };
        let resp = GetRouteResponse {
            modid: 3,
            cmdid: 4,
            host: vec![good, bad_port],
            policy: 2,
            panic_threshold: 30,
            version: None,
        };
        let (route, problems) = Route::from_response(&resp);
        assert_eq!(route.hosts.len(), 1);
        assert_eq!(route.hosts[0].weight.get(), 5);
        assert_eq!(route.policy, RoutePolicy::new(Policy::Hash, 30).unwrap());
        assert_eq!(problems.len(), 1, "{problems:?}");
        let again = route.to_response(module);
        assert_eq!(again.host, vec![good]);
        assert_eq!((again.policy, again.panic_threshold), (2, 30));

        for (policy, panic) in [(9, 0), (1, 101)] {
            let odd = GetRouteResponse {
                policy,
                panic_threshold: panic,
                ..resp.clone()
            };
            let (route, problems) = Route::from_response(&odd);
            assert_eq!(route.policy, RoutePolicy::default(), "{policy}/{panic}");
            assert_eq!(problems.len(), 2, "{problems:?}");
        }
    }
}
