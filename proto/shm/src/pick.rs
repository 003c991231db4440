//! The pick of SPEC §7 made in the client, over a published view: round
//! robin over the rotation, one probe of an overloaded host every
//! `probe_num + 1` picks while the agent asks for probes, and an overload
//! answer when no host is idle.
//!
//! A pick reads only what it needs (mode, counts, one index, one host),
//! advances each counter at most once, and allocates nothing. Everything
//! read from the segment is bounded: counts beyond the slot and indexes
//! beyond the host count make the pick ask over UDP.

use lars_proto::HostAddr;

use crate::seqlock;
use crate::sync::{AtomicU64, Ordering};
use crate::view::{load_index, ModuleMode, ModuleRef};

/// What a pick from memory answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShmPick {
    /// Call this host.
    Host(HostAddr),
    /// Every host is overloaded (RET_OVERLOAD).
    Overload,
    /// Ask the agent over UDP: the module is absent, published as ask-UDP,
    /// malformed, or its view kept changing while it was read.
    AskUdp,
}

/// Takes a counter once per pick: the value is kept across the retries of
/// one pick, so a retry neither skips a host nor loses a probe.
#[inline]
fn take(counter: &AtomicU64, taken: &mut Option<u64>) -> u64 {
    *taken.get_or_insert_with(|| counter.fetch_add(1, Ordering::Relaxed))
}

/// Picks a host of `module` by the §7 rules; `probe_num` is the header's.
///
/// While the overloaded list is non-empty and probes are on, every pick
/// takes `a = access++`, and probes `overloaded[over_cursor++ % n]` when
/// `a % (probe_num + 1) == probe_num`. Otherwise it takes
/// `rotation[cursor++ % n]`, or answers [`ShmPick::Overload`] when the
/// rotation is empty (still advancing `cursor`, so every pick from memory
/// shows once in `cursor + over_cursor`).
pub fn pick(module: &ModuleRef, probe_num: u32) -> ShmPick {
    let head = module.head;
    let counters = module.counters;
    let period = u64::from(probe_num) + 1;
    let (mut access, mut cursor, mut over) = (None, None, None);
    for _ in 0..seqlock::READ_TRIES {
        let Some(start) = seqlock::read_begin(&head.seq) else {
            seqlock::backoff();
            continue;
        };
        if module.mode() != ModuleMode::Serve {
            return ShmPick::AskUdp;
        }
        let hosts = head.host_count.load(Ordering::Relaxed) as usize;
        let rotation = head.rotation_count.load(Ordering::Relaxed) as usize;
        let overloaded = head.overloaded_count.load(Ordering::Relaxed) as usize;
        let probe = head.probe.load(Ordering::Relaxed) != 0;
        if hosts > module.host_capacity()
            || rotation > module.rotation_capacity()
            || overloaded > module.overloaded_capacity()
        {
            // The one writer never stores such counts, torn or not.
            return ShmPick::AskUdp;
        }
        let probing = probe
            && overloaded > 0
            && take(&counters.access, &mut access) % period == probe_num as u64;
        let index = if probing {
            let o = take(&counters.over_cursor, &mut over);
            load_index(module.overloaded, (o % overloaded as u64) as usize)
        } else if rotation == 0 {
            take(&counters.cursor, &mut cursor);
            if seqlock::read_valid(&head.seq, start) {
                return ShmPick::Overload;
            }
            continue;
        } else {
            let c = take(&counters.cursor, &mut cursor);
            load_index(module.rotation, (c % rotation as u64) as usize)
        };
        let host = index
            .filter(|&i| i < hosts)
            .and_then(|i| module.hosts.get(i))
            .map(|word| word.load(Ordering::Relaxed));
        if !seqlock::read_valid(&head.seq, start) {
            continue;
        }
        return match host {
            Some(key) => ShmPick::Host(HostAddr::from_key(key)),
            // A consistent view with an index past its hosts: malformed.
            None => ShmPick::AskUdp,
        };
    }
    ShmPick::AskUdp
}
