//! [`HashRing`]: the consistent-hash ring of the `hash` policy
//! (docs/LOAD_BALANCING.md §10), ketama-style: each host owns
//! [`POINTS_PER_WEIGHT`] points per unit of weight, placed by a fixed,
//! platform-independent hash of its address, and a key belongs to the first
//! point at or after its own position. Removing a host (or skipping an
//! overloaded one) moves only the keys of its points; adding one host to N
//! moves about 1/(N+1) of the keys.

use lars_proto::HostAddr;

/// Points per unit of weight. A host with `n` points owns a share of the
/// ring within about `1/sqrt(n)` (one standard deviation) of its weight's
/// share: 3 % for a host of weight 1, so 10 000 keys over hosts of weights
/// 1, 2, 1 land within ±10 % of 2 500 / 5 000 / 2 500 for all but about 3
/// in 1 000 sets of host addresses.
pub const POINTS_PER_WEIGHT: u32 = 1024;

/// At most this many points per ring: a module whose weights sum above
/// `MAX_POINTS / POINTS_PER_WEIGHT` (256) gets fewer points per unit, so
/// its hosts' shares are less even and a change of the weight sum moves
/// more keys than the minimum. Bounds a ring to 1.5 MiB (6 bytes a point).
pub const MAX_POINTS: u32 = 1 << 18;

/// The 64-bit finaliser of SplitMix64: every input bit affects every output
/// bit. The ring's only hash, fixed so every agent builds the same ring.
///
/// ```
/// use lars_agent::lb::mix64;
/// // SplitMix64's first output for seed 0 (its published test value).
/// assert_eq!(mix64(0x9e37_79b9_7f4a_7c15), 0xe220_a839_7b1d_cdaf);
/// ```
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The ring position of a request's key.
pub fn key_position(key: u64) -> u32 {
    (mix64(key) >> 32) as u32
}

/// The position of point `i` of `host`.
fn point_position(host: HostAddr, i: u32) -> u32 {
    let seed = host
        .key()
        .wrapping_add(u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    (mix64(mix64(seed)) >> 32) as u32
}

/// A sorted ring of points, each owned by one host.
#[derive(Debug, Clone, Default)]
pub struct HashRing {
    /// Point positions, ascending.
    positions: Vec<u32>,
    /// The owner of each point: an index into `hosts`.
    owners: Vec<u16>,
    /// The hosts, as [`HostAddr::key`]s.
    hosts: Vec<u64>,
}

impl HashRing {
    /// The ring of `hosts` with their weights (at most 65 535 hosts; more
    /// are left off the ring).
    pub fn new(hosts: &[(HostAddr, u32)]) -> HashRing {
        let hosts = &hosts[..hosts.len().min(usize::from(u16::MAX))];
        let total: u64 = hosts.iter().map(|&(_, w)| u64::from(w.max(1))).sum();
        let full = total * u64::from(POINTS_PER_WEIGHT);
        // A host's points: its weight's share of at most MAX_POINTS, and at
        // least one.
        let points_of = |weight: u32| -> u32 {
            let weight = u64::from(weight.max(1));
            if full <= u64::from(MAX_POINTS) {
                (weight * u64::from(POINTS_PER_WEIGHT)) as u32
            } else {
                (weight * u64::from(MAX_POINTS) / total).max(1) as u32
            }
        };
        let mut points: Vec<(u32, u16)> =
            Vec::with_capacity(full.min(u64::from(MAX_POINTS)) as usize);
        for (owner, &(host, weight)) in hosts.iter().enumerate() {
            for i in 0..points_of(weight) {
                points.push((point_position(host, i), owner as u16));
            }
        }
        // Ties (rare) are broken by owner, so every agent sorts alike.
        points.sort_unstable();
        HashRing {
            positions: points.iter().map(|&(p, _)| p).collect(),
            owners: points.iter().map(|&(_, o)| o).collect(),
            hosts: hosts.iter().map(|(h, _)| h.key()).collect(),
        }
    }

    /// The host (as a [`HostAddr::key`]) that `position` belongs to: the
    /// owner of the first point at or after it (wrapping) that `eligible`
    /// accepts; `None` when it accepts none.
    pub fn owner(&self, position: u32, eligible: impl Fn(u64) -> bool) -> Option<u64> {
        let n = self.positions.len();
        let start = self.positions.partition_point(|&p| p < position);
        let mut rejected = 0;
        for step in 0..n {
            let host = self.hosts[usize::from(self.owners[(start + step) % n])];
            if eligible(host) {
                return Some(host);
            }
            rejected += 1;
            if rejected > self.hosts.len() * 4 && !self.hosts.iter().any(|&h| eligible(h)) {
                return None;
            }
        }
        None
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Whether the ring has no points.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Bytes of memory the ring's tables take.
    pub fn memory_bytes(&self) -> usize {
        self.positions.capacity() * 4 + self.owners.capacity() * 2 + self.hosts.capacity() * 8
    }
}

#[cfg(test)]
mod tests;
