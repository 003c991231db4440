//! The agent's doorbell (docs/SHM.md §4): an agent whose clients have
//! written nothing for a while stops draining on a timer (it "parks"), so
//! an idle agent costs no wake-ups; the first client to publish a report
//! while it is parked rings it with one datagram.
//!
//! A Dekker-style handshake over two locations — the bell and a ring's
//! head — with a sequentially consistent fence on each side: the agent
//! stores `PARKED`, fences, then looks at every ring once more; a client
//! publishes its entry, fences, then reads the bell. At least one of the
//! two sees the other's store, so a report is never left waiting for a
//! timer that no longer runs: either the agent's last look finds it, or
//! the client rings. Several clients may see `PARKED`: the compare-exchange
//! to `RUNG` lets one of them ring.

use crate::sync::{fence, AtomicU32, Ordering};

/// The agent drains on its timer.
pub const AWAKE: u32 = 0;
/// The agent has stopped its timer until a client rings.
pub const PARKED: u32 = 1;
/// A client has rung; the agent will drain and wake.
pub const RUNG: u32 = 2;

/// Agent: about to stop its timer. Afterwards the agent must look at every
/// ring once more, and wake if it finds anything.
pub fn park(bell: &AtomicU32) {
    bell.store(PARKED, Ordering::Relaxed);
    fence(Ordering::SeqCst);
}

/// Agent: draining on its timer again.
pub fn wake(bell: &AtomicU32) {
    bell.store(AWAKE, Ordering::Relaxed);
}

/// Agent: whether the timer is stopped (parked, or rung and not yet woken).
pub fn is_parked(bell: &AtomicU32) -> bool {
    bell.load(Ordering::Relaxed) != AWAKE
}

/// Client, after publishing a report: whether this client must ring the
/// agent (it is parked and no other client has rung yet).
pub fn must_ring(bell: &AtomicU32) -> bool {
    fence(Ordering::SeqCst);
    bell.load(Ordering::Relaxed) == PARKED
        && bell
            .compare_exchange(PARKED, RUNG, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_client_rings_a_parked_agent_and_none_an_awake_one() {
        let bell = AtomicU32::new(AWAKE);
        assert!(!must_ring(&bell));
        assert!(!is_parked(&bell));
        park(&bell);
        assert!(is_parked(&bell));
        assert!(must_ring(&bell), "the first client rings");
        assert!(!must_ring(&bell), "the second does not");
        assert!(is_parked(&bell), "rung, not yet woken");
        wake(&bell);
        assert!(!is_parked(&bell));
        assert!(!must_ring(&bell));
    }
}
