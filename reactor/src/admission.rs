//! [`Admission`]: whether a server takes a new connection — the peer is
//! on the allow list, the server has a free slot (`max_conn`) and the
//! peer's address has not used up its share (`max_conn_per_ip`). Pure: the
//! acceptor asks, each connection's guard gives its slot back.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use crate::allow_list::AllowList;

/// Why a connection was refused: the label of its counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalReason {
    /// The peer is outside `allow`.
    NotAllowed,
    /// `max_conn` connections were open.
    MaxConn,
    /// The peer's address had `max_conn_per_ip` connections open.
    MaxConnPerIp,
}

impl RefusalReason {
    /// Every reason, in a fixed order (for metrics).
    pub const ALL: [RefusalReason; 3] = [
        RefusalReason::NotAllowed,
        RefusalReason::MaxConn,
        RefusalReason::MaxConnPerIp,
    ];

    /// The reason as a metric label: `not_allowed`, `max_conn`,
    /// `max_conn_per_ip`.
    pub fn label(self) -> &'static str {
        match self {
            RefusalReason::NotAllowed => "not_allowed",
            RefusalReason::MaxConn => "max_conn",
            RefusalReason::MaxConnPerIp => "max_conn_per_ip",
        }
    }
}

/// A refused connection: the reason and the limit it hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub reason: RefusalReason,
    /// The limit reached (0 for [`RefusalReason::NotAllowed`]).
    pub limit: usize,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            RefusalReason::NotAllowed => f.write_str("not in [reactor] allow"),
            RefusalReason::MaxConn => write!(f, "{} connections open (maxConn)", self.limit),
            RefusalReason::MaxConnPerIp => write!(
                f,
                "{} connections open from this address (max_conn_per_ip)",
                self.limit
            ),
        }
    }
}

/// The open connections, counted in total and per address, against the
/// limits. Owned by one server; the acceptor and the workers share it
/// behind a lock.
#[derive(Debug)]
pub(crate) struct Admission {
    allow: AllowList,
    max_conn: usize,
    max_per_ip: usize,
    open: usize,
    per_ip: HashMap<IpAddr, usize>,
}

impl Admission {
    /// Limits: at most `max_conn` open, `max_per_ip` per address, peers
    /// in `allow` only.
    pub fn new(allow: AllowList, max_conn: usize, max_per_ip: usize) -> Admission {
        Admission {
            allow,
            max_conn,
            max_per_ip,
            open: 0,
            per_ip: HashMap::new(),
        }
    }

    /// Takes a slot for a peer at `ip`, or says why not.
    pub fn admit(&mut self, ip: IpAddr) -> Result<(), Refusal> {
        let ip = ip.to_canonical();
        let refuse = |reason, limit| Err(Refusal { reason, limit });
        if !self.allow.allows(ip) {
            return refuse(RefusalReason::NotAllowed, 0);
        }
        if self.open >= self.max_conn {
            return refuse(RefusalReason::MaxConn, self.max_conn);
        }
        let mine = self.per_ip.entry(ip).or_insert(0);
        if *mine >= self.max_per_ip {
            return refuse(RefusalReason::MaxConnPerIp, self.max_per_ip);
        }
        *mine += 1;
        self.open += 1;
        Ok(())
    }

    /// Gives back the slot of a connection from `ip` that closed.
    pub fn release(&mut self, ip: IpAddr) {
        let ip = ip.to_canonical();
        if let Some(n) = self.per_ip.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&ip);
            }
            self.open -= 1;
        }
    }

    /// Connections open.
    pub fn open(&self) -> usize {
        self.open
    }

    /// Addresses with at least one connection open (the map's size: it
    /// never holds an address without a connection).
    #[cfg(test)]
    pub fn addresses(&self) -> usize {
        self.per_ip.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn reason(r: Result<(), Refusal>) -> Option<RefusalReason> {
        r.err().map(|r| r.reason)
    }

    #[test]
    fn one_address_gets_its_share_and_others_the_rest() {
        let mut a = Admission::new(AllowList::any(), 4, 2);
        assert_eq!(a.admit(ip("10.0.0.1")), Ok(()));
        assert_eq!(a.admit(ip("10.0.0.1")), Ok(()));
        assert_eq!(
            a.admit(ip("10.0.0.1")),
            Err(Refusal {
                reason: RefusalReason::MaxConnPerIp,
                limit: 2
            })
        );
        assert_eq!(a.admit(ip("10.0.0.2")), Ok(()));
        assert_eq!(a.admit(ip("10.0.0.3")), Ok(()));
        assert_eq!(
            reason(a.admit(ip("10.0.0.4"))),
            Some(RefusalReason::MaxConn)
        );
        assert_eq!((a.open(), a.addresses()), (4, 3));
        a.release(ip("10.0.0.1"));
        assert_eq!(
            a.admit(ip("10.0.0.4")),
            Ok(()),
            "a freed slot is taken again"
        );
        assert_eq!(
            reason(a.admit(ip("10.0.0.1"))),
            Some(RefusalReason::MaxConn)
        );
    }

    #[test]
    fn releases_forget_addresses_without_connections() {
        let mut a = Admission::new(AllowList::any(), 10, 10);
        a.admit(ip("10.0.0.1")).unwrap();
        a.admit(ip("::ffff:10.0.0.1")).unwrap();
        assert_eq!(a.addresses(), 1, "a mapped IPv4 peer is the same address");
        a.release(ip("10.0.0.1"));
        a.release(ip("10.0.0.1"));
        assert_eq!((a.open(), a.addresses()), (0, 0));
        a.release(ip("10.0.0.9"));
        assert_eq!(a.open(), 0, "releasing an unknown address changes nothing");
    }

    #[test]
    fn peers_outside_the_allow_list_are_refused_first() {
        let allow = AllowList::parse("127.0.0.1").unwrap();
        let mut a = Admission::new(allow, 1, 1);
        assert_eq!(
            reason(a.admit(ip("127.0.0.2"))),
            Some(RefusalReason::NotAllowed)
        );
        assert_eq!(a.admit(ip("127.0.0.1")), Ok(()));
        assert_eq!(
            reason(a.admit(ip("127.0.0.2"))),
            Some(RefusalReason::NotAllowed)
        );
        assert_eq!(a.open(), 1);
        let shown = Refusal {
            reason: RefusalReason::MaxConnPerIp,
            limit: 3,
        }
        .to_string();
        assert_eq!(
            shown,
            "3 connections open from this address (max_conn_per_ip)"
        );
    }
}
