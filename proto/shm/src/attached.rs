//! [`Attached`]: a client's side of a segment. It checks the file before
//! trusting it, picks hosts from the published views and pushes reports
//! into its slot's ring.

use std::fmt;
use std::fs::OpenOptions;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering as LocalOrdering};

use lars_proto::{HostAddr, ModuleId};

use crate::geometry::home_slot;
use crate::layout::{CLIENT_ATTACHED, CLIENT_RELEASED, STATE_SERVING};
use crate::mapping::Mapping;
use crate::pick::{self, ShmPick};
use crate::ring::{ClientRef, ReportEntry};
use crate::sync::Ordering;
use crate::view::ModuleRef;
use crate::HEARTBEAT_STALE_MS;

/// Why a segment was not attached.
#[derive(Debug)]
pub enum AttachError {
    /// The file could not be opened (missing, or not ours to open) or
    /// mapped.
    Io(io::Error),
    /// The file is not a segment: wrong magic, too short, or not the size
    /// its header's geometry gives.
    NotASegment,
    /// A segment of another layout version.
    LayoutVersion(u32),
    /// A segment of another agent start than the one that answered.
    Generation,
    /// The slot is not ours: out of range, not attached, or another ticket.
    Slot,
}

impl fmt::Display for AttachError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttachError::Io(e) => write!(f, "cannot open the segment: {e}"),
            AttachError::NotASegment => f.write_str("the file is not a Lars shm segment"),
            AttachError::LayoutVersion(v) => write!(
                f,
                "segment layout version {v}, this client reads {}",
                crate::LAYOUT_VERSION
            ),
            AttachError::Generation => f.write_str("the segment belongs to another agent start"),
            AttachError::Slot => f.write_str("the client slot is not attached with our ticket"),
        }
    }
}

impl std::error::Error for AttachError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AttachError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// A client's mapping of a segment and its client slot. Shareable between
/// threads: picks are lock-free, and reports from several threads take
/// turns through an in-process try-lock (a busy report returns false and
/// goes over UDP). Dropping it releases the slot.
#[derive(Debug)]
pub struct Attached {
    map: Mapping,
    generation: u64,
    slot: u32,
    ticket: u64,
    producer: AtomicBool,
    released: AtomicBool,
}

impl Attached {
    /// Opens the segment at `path` read-write (the file's permissions are
    /// the access check) and checks, in order: magic, layout version,
    /// geometry against the file size, `generation`, and that `slot` is
    /// attached with `ticket`.
    pub fn open(
        path: &Path,
        generation: u64,
        slot: u32,
        ticket: u64,
    ) -> Result<Attached, AttachError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(AttachError::Io)?;
        let map = Mapping::open(&file)?;
        if map.header().generation.load(Ordering::Relaxed) != generation {
            return Err(AttachError::Generation);
        }
        let attached = Attached {
            map,
            generation,
            slot,
            ticket,
            producer: AtomicBool::new(false),
            released: AtomicBool::new(false),
        };
        if !attached.owns_slot() {
            // Not ours: dropping must not release someone else's slot.
            attached.released.store(true, LocalOrdering::Relaxed);
            return Err(AttachError::Slot);
        }
        Ok(attached)
    }

    /// The generation the segment was opened with.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The client slot.
    pub fn slot(&self) -> u32 {
        self.slot
    }

    /// The slot's ticket.
    pub fn ticket(&self) -> u64 {
        self.ticket
    }

    fn client(&self) -> Option<ClientRef<'_>> {
        self.map.client(self.slot)
    }

    /// Whether the slot is still attached with our ticket.
    fn owns_slot(&self) -> bool {
        self.client().is_some_and(|c| {
            c.head.state.load(Ordering::Acquire) == CLIENT_ATTACHED
                && c.head.ticket.load(Ordering::Acquire) == self.ticket
        })
    }

    /// Whether the segment may be used now: the agent serves it, its
    /// generation is unchanged, our slot is still ours, and the heartbeat
    /// is at most [`HEARTBEAT_STALE_MS`] behind `wall_ms` (one in the
    /// future counts as fresh).
    pub fn is_live(&self, wall_ms: u64) -> bool {
        let h = self.map.header();
        h.state.load(Ordering::Acquire) == STATE_SERVING
            && h.generation.load(Ordering::Relaxed) == self.generation
            && !self.released.load(LocalOrdering::Relaxed)
            && self.owns_slot()
            && wall_ms.saturating_sub(h.heartbeat_ms.load(Ordering::Acquire)) <= HEARTBEAT_STALE_MS
    }

    /// The slot of `module`: linear probing from its home slot until an
    /// unused slot (bounded by the slot count).
    fn module(&self, module: ModuleId) -> Option<ModuleRef<'_>> {
        let key = module.key();
        let n = u64::from(self.map.layout().geometry.module_slots);
        let home = u64::from(home_slot(key, n as u32));
        for i in 0..n {
            let m = self.map.module(((home + i) % n) as u32)?;
            if m.head.used.load(Ordering::Acquire) == 0 {
                return None;
            }
            if m.head.key.load(Ordering::Relaxed) == key {
                return Some(m);
            }
        }
        None
    }

    /// Picks a host of `module` from memory (SPEC §7, see [`pick::pick`]).
    pub fn pick(&self, module: ModuleId) -> ShmPick {
        match self.module(module) {
            Some(m) => {
                let probe_num = self.map.header().probe_num.load(Ordering::Relaxed);
                pick::pick(&m, probe_num)
            }
            None => ShmPick::AskUdp,
        }
    }

    /// Every host of `module` into `out`, in get_route order: false (and
    /// `out` empty) unless it is served from memory and was read whole.
    pub fn route(&self, module: ModuleId, out: &mut Vec<HostAddr>) -> bool {
        out.clear();
        self.module(module).is_some_and(|m| m.read_route(out))
    }

    /// Pushes `entry` into our ring: false when the ring is full, another
    /// thread is reporting through this object right now, or the slot is
    /// no longer ours (the caller then reports over UDP).
    pub fn report(&self, entry: &ReportEntry) -> bool {
        if self
            .producer
            .compare_exchange(false, true, LocalOrdering::Acquire, LocalOrdering::Relaxed)
            .is_err()
        {
            return false;
        }
        let pushed = !self.released.load(LocalOrdering::Relaxed)
            && self.owns_slot()
            && self.client().is_some_and(|c| c.ring.push(entry.to_words()));
        self.producer.store(false, LocalOrdering::Release);
        pushed
    }

    /// After a [`report`](Self::report) that returned true: whether this
    /// client must wake the agent ([`doorbell`](crate::doorbell)) with one
    /// datagram, because the agent stopped draining on its timer.
    pub fn must_wake_agent(&self) -> bool {
        crate::doorbell::must_ring(&self.map.doorbell().bell)
    }

    /// Gives the slot back (the agent drains what is left and frees it).
    /// Later reports return false. Also done on drop.
    pub fn release(&self) {
        if self.released.swap(true, LocalOrdering::Relaxed) {
            return;
        }
        // Wait for a report in flight on another thread: it holds the
        // producer lock for a few stores.
        while self
            .producer
            .compare_exchange_weak(false, true, LocalOrdering::Acquire, LocalOrdering::Relaxed)
            .is_err()
        {
            std::thread::yield_now();
        }
        if self.owns_slot() {
            if let Some(c) = self.client() {
                c.head.state.store(CLIENT_RELEASED, Ordering::Release);
            }
        }
        self.producer.store(false, LocalOrdering::Release);
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        self.release();
    }
}
