//! The agent's client-slot table: it gives slots out, drains their report
//! rings and frees the slots of clients that left or died.
//!
//! The agent keeps its own record of which slots it gave out, their owners
//! and ring tails, so nothing a client writes into the segment can make it
//! lose track of a slot or consume entries twice.

use std::path::Path;
use std::time::Instant;

use crate::layout::{CLIENT_ATTACHED, CLIENT_FREE, CLIENT_RELEASED};
use crate::mapping::Mapping;
use crate::ring::ReportEntry;
use crate::sync::Ordering;

/// What one [`Segment::drain`](crate::Segment::drain) found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DrainStats {
    /// Entries handed to the sink.
    pub entries: u64,
    /// Rings found malformed (and emptied).
    pub malformed_rings: u64,
}

/// Whether process `pid` exists (Linux: `/proc/<pid>` exists).
pub fn pid_alive(pid: u32) -> bool {
    pid != 0 && Path::new(&format!("/proc/{pid}")).exists()
}

/// The agent's own record of a client slot.
#[derive(Debug, Clone, Copy, Default)]
struct Client {
    attached: bool,
    pid: u32,
    tail: u64,
}

/// Every client slot of a segment, as the agent knows them.
#[derive(Debug)]
pub(crate) struct ClientTable {
    clients: Vec<Client>,
    next_ticket: u64,
    drain_from: usize,
    last_warning: Option<Instant>,
    unwarned: u64,
}

impl ClientTable {
    /// `slots` free slots.
    pub(crate) fn new(slots: usize) -> ClientTable {
        ClientTable {
            clients: vec![Client::default(); slots],
            next_ticket: 1,
            drain_from: 0,
            last_warning: None,
            unwarned: 0,
        }
    }

    fn new_ticket(&mut self) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        ticket
    }

    /// Gives the first free slot to `pid`: an empty ring, then owner and a
    /// new ticket, then `state = attached` (Release).
    pub(crate) fn attach(&mut self, map: &Mapping, pid: u32) -> Option<(u32, u64)> {
        let slot = self.clients.iter().position(|c| !c.attached)?;
        let c = map.client(slot as u32)?;
        let ticket = self.new_ticket();
        let mut tail = 0;
        c.ring.reset(&mut tail);
        c.head.owner_pid.store(pid, Ordering::Relaxed);
        c.head.ticket.store(ticket, Ordering::Relaxed);
        c.head.state.store(CLIENT_ATTACHED, Ordering::Release);
        self.clients[slot] = Client {
            attached: true,
            pid,
            tail,
        };
        Some((slot as u32, ticket))
    }

    /// Slots given out and not freed yet.
    pub(crate) fn attached(&self) -> usize {
        self.clients.iter().filter(|c| c.attached).count()
    }

    /// At most `max_entries` entries over all slots, the first slot visited
    /// turning each call.
    pub(crate) fn drain(
        &mut self,
        map: &Mapping,
        path: &Path,
        max_entries: usize,
        sink: &mut impl FnMut(u32, ReportEntry),
    ) -> DrainStats {
        let mut stats = DrainStats::default();
        let n = self.clients.len();
        let mut budget = max_entries;
        for k in 0..n {
            if budget == 0 {
                break;
            }
            let slot = (self.drain_from + k) % n;
            if self.clients[slot].attached {
                budget -= self.drain_slot(map, path, slot, budget, sink, &mut stats);
            }
        }
        self.drain_from = (self.drain_from + 1) % n.max(1);
        stats
    }

    /// Drains up to `max` entries of `slot`; a malformed ring is counted,
    /// logged and emptied.
    fn drain_slot(
        &mut self,
        map: &Mapping,
        path: &Path,
        slot: usize,
        max: usize,
        sink: &mut impl FnMut(u32, ReportEntry),
        stats: &mut DrainStats,
    ) -> usize {
        let Some(c) = map.client(slot as u32) else {
            return 0;
        };
        let tail = &mut self.clients[slot].tail;
        let popped = c.ring.pop(tail, max, |words| {
            sink(slot as u32, ReportEntry::from_words(words));
        });
        match popped {
            Ok(n) => {
                stats.entries += n as u64;
                n.min(max)
            }
            Err(bad) => {
                let old_tail = *tail;
                c.ring.skip_to(tail, bad.head);
                stats.malformed_rings += 1;
                self.warn_malformed(path, slot, bad.head, old_tail);
                0
            }
        }
    }

    /// Logs a malformed ring, at most once a second.
    fn warn_malformed(&mut self, path: &Path, slot: usize, head: u64, tail: u64) {
        let now = Instant::now();
        if self
            .last_warning
            .is_some_and(|t| now.duration_since(t).as_secs() < 1)
        {
            self.unwarned += 1;
            return;
        }
        log::warn!(
            "shm {}: client slot {slot} has a malformed report ring (head {head}, tail {tail}); \
             emptied it ({} more since the last warning)",
            path.display(),
            self.unwarned
        );
        self.last_warning = Some(now);
        self.unwarned = 0;
    }

    /// Frees the slots released by their client or whose owner is dead,
    /// after draining what they published.
    pub(crate) fn reap(
        &mut self,
        map: &Mapping,
        path: &Path,
        is_alive: impl Fn(u32) -> bool,
        sink: &mut impl FnMut(u32, ReportEntry),
    ) -> usize {
        let mut freed = 0;
        let mut stats = DrainStats::default();
        for slot in 0..self.clients.len() {
            let client = self.clients[slot];
            let Some(c) = map.client(slot as u32).filter(|_| client.attached) else {
                continue;
            };
            let released = c.head.state.load(Ordering::Acquire) == CLIENT_RELEASED;
            if !released && is_alive(client.pid) {
                continue;
            }
            let capacity = c.ring.capacity() as usize;
            self.drain_slot(map, path, slot, capacity, sink, &mut stats);
            let ticket = self.new_ticket();
            c.head.ticket.store(ticket, Ordering::Relaxed);
            c.head.owner_pid.store(0, Ordering::Relaxed);
            c.head.state.store(CLIENT_FREE, Ordering::Release);
            self.clients[slot] = Client::default();
            freed += 1;
        }
        freed
    }
}
