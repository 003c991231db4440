//! The segment's memory layout: the `#[repr(C)]` structs that live in the
//! shared file (atomics only) and the sizes they are laid out with (the
//! offsets of a given geometry are [`Layout`](crate::geometry::Layout)'s).
//!
//! ```text
//! header (64 bytes)
//! module slot × module_slots:
//!     ModuleHead (64)  key, used, seq, mode, counts, probe
//!     hosts            hosts_per_module × u64 (HostAddr::key)
//!     rotation         rotation_len × u16, four per u64 word
//!     overloaded       hosts_per_module × u16, four per u64 word
//!     ModuleCounters (64)  cursor, access, over_cursor
//! client slot × client_slots:
//!     ClientHead (64)  state, owner_pid, ticket
//!     head (64), tail (64)
//!     entries          ring_entries × 3 u64
//! ```
//!
//! Every part is padded to a multiple of 64 bytes, so no two parts share a
//! cache line and every offset is aligned for every struct.

use crate::sync::{AtomicU32, AtomicU64};

/// The size of a cache line, and the alignment of every part of a segment.
pub const CACHE_LINE: usize = 64;
/// How many u16 indexes one u64 word holds.
pub const INDEXES_PER_WORD: usize = 4;
/// The largest [`hosts_per_module`](crate::Geometry::hosts_per_module):
/// host indexes are u16.
pub const MAX_HOSTS_PER_MODULE: u32 = 1 << 16;
/// The words of one report ring entry.
pub const ENTRY_WORDS: usize = 3;

/// `Header::state` while the agent serves the segment.
pub const STATE_SERVING: u32 = 1;
/// `Header::state` after the agent closed the segment.
pub const STATE_CLOSED: u32 = 2;
/// `ClientHead::state` of a slot nobody holds.
pub const CLIENT_FREE: u32 = 0;
/// `ClientHead::state` of a slot the agent gave to a client.
pub const CLIENT_ATTACHED: u32 = 1;
/// `ClientHead::state` of a slot its client gave back.
pub const CLIENT_RELEASED: u32 = 2;

/// The segment header, at offset 0.
#[repr(C, align(64))]
#[derive(Debug)]
pub struct Header {
    /// [`MAGIC`](crate::MAGIC), stored last when the segment is created.
    pub magic: AtomicU64,
    /// [`LAYOUT_VERSION`](crate::LAYOUT_VERSION).
    pub layout_version: AtomicU32,
    /// The agent table (UDP port index) the segment belongs to.
    pub table_index: AtomicU32,
    /// Random and non-zero per agent start and table.
    pub generation: AtomicU64,
    /// [`Geometry::module_slots`](crate::Geometry::module_slots).
    pub module_slots: AtomicU32,
    /// [`Geometry::hosts_per_module`](crate::Geometry::hosts_per_module).
    pub hosts_per_module: AtomicU32,
    /// [`Geometry::rotation_len`](crate::Geometry::rotation_len).
    pub rotation_len: AtomicU32,
    /// [`Geometry::client_slots`](crate::Geometry::client_slots).
    pub client_slots: AtomicU32,
    /// [`Geometry::ring_entries`](crate::Geometry::ring_entries).
    pub ring_entries: AtomicU32,
    /// One probe every `probe_num + 1` picks of a module with overloaded
    /// hosts.
    pub probe_num: AtomicU32,
    /// The agent's process id.
    pub agent_pid: AtomicU32,
    /// [`STATE_SERVING`] or [`STATE_CLOSED`].
    pub state: AtomicU32,
    /// The agent's wall clock in ms, stored every drain tick.
    pub heartbeat_ms: AtomicU64,
}

/// The header's second cache line: the agent's doorbell
/// ([`doorbell`](crate::doorbell)), apart from the heartbeat the agent
/// stores every tick, since clients read it after every report.
#[repr(C, align(64))]
#[derive(Debug)]
pub struct Doorbell {
    /// [`AWAKE`](crate::doorbell::AWAKE), [`PARKED`](crate::doorbell::PARKED)
    /// or [`RUNG`](crate::doorbell::RUNG).
    pub bell: AtomicU32,
}

impl Doorbell {
    /// An awake doorbell (for tests and models).
    pub fn new() -> Doorbell {
        Doorbell {
            bell: AtomicU32::new(crate::doorbell::AWAKE),
        }
    }
}

impl Default for Doorbell {
    fn default() -> Self {
        Doorbell::new()
    }
}

/// The first cache line of a module slot: identity, seqlock and the view's
/// scalar words.
#[repr(C, align(64))]
#[derive(Debug)]
pub struct ModuleHead {
    /// The module key, written once before `used`.
    pub key: AtomicU64,
    /// Non-zero once the slot belongs to `key` (stored with Release).
    pub used: AtomicU32,
    /// The view's mode word ([`ModuleMode`](crate::ModuleMode)).
    pub mode: AtomicU32,
    /// The seqlock: odd while the agent writes the view.
    pub seq: AtomicU64,
    /// Hosts in the view.
    pub host_count: AtomicU32,
    /// Entries in the rotation.
    pub rotation_count: AtomicU32,
    /// Entries in the overloaded list.
    pub overloaded_count: AtomicU32,
    /// Non-zero when overloaded hosts are probed.
    pub probe: AtomicU32,
}

/// The last cache line of a module slot: the counters every client
/// advances with `fetch_add`.
#[repr(C, align(64))]
#[derive(Debug)]
pub struct ModuleCounters {
    /// Rotation cursor.
    pub cursor: AtomicU64,
    /// Picks since the last probe-counter reset.
    pub access: AtomicU64,
    /// Cursor over the overloaded list.
    pub over_cursor: AtomicU64,
}

/// The first cache line of a client slot.
#[repr(C, align(64))]
#[derive(Debug)]
pub struct ClientHead {
    /// [`CLIENT_FREE`], [`CLIENT_ATTACHED`] or [`CLIENT_RELEASED`].
    pub state: AtomicU32,
    /// The process the slot was given to.
    pub owner_pid: AtomicU32,
    /// Assigned at attach; changes whenever the slot is freed or reused.
    pub ticket: AtomicU64,
}

/// A ring index (head or tail) alone on its cache line.
#[repr(C, align(64))]
#[derive(Debug)]
pub struct RingIndex {
    /// Entries pushed (head) or consumed (tail) since the slot was
    /// attached.
    pub value: AtomicU64,
}

impl ModuleHead {
    /// An unused slot (for tests and models outside a segment).
    pub fn new() -> ModuleHead {
        ModuleHead {
            key: AtomicU64::new(0),
            used: AtomicU32::new(0),
            mode: AtomicU32::new(0),
            seq: AtomicU64::new(0),
            host_count: AtomicU32::new(0),
            rotation_count: AtomicU32::new(0),
            overloaded_count: AtomicU32::new(0),
            probe: AtomicU32::new(0),
        }
    }
}

impl ModuleCounters {
    /// Counters at zero (for tests and models outside a segment).
    pub fn new() -> ModuleCounters {
        ModuleCounters {
            cursor: AtomicU64::new(0),
            access: AtomicU64::new(0),
            over_cursor: AtomicU64::new(0),
        }
    }
}

impl RingIndex {
    /// An index at zero (for tests and models outside a segment).
    pub fn new() -> RingIndex {
        RingIndex {
            value: AtomicU64::new(0),
        }
    }
}

impl Default for ModuleHead {
    fn default() -> ModuleHead {
        ModuleHead::new()
    }
}

impl Default for ModuleCounters {
    fn default() -> ModuleCounters {
        ModuleCounters::new()
    }
}

impl Default for RingIndex {
    fn default() -> RingIndex {
        RingIndex::new()
    }
}

// The layout above assumes these sizes (loom's atomics are larger, and
// never live in a segment).
#[cfg(not(loom))]
const _: () = {
    use std::mem::{align_of, size_of};
    assert!(size_of::<Header>() == CACHE_LINE);
    assert!(size_of::<Doorbell>() == CACHE_LINE);
    assert!(size_of::<ModuleHead>() == CACHE_LINE);
    assert!(size_of::<ModuleCounters>() == CACHE_LINE);
    assert!(size_of::<ClientHead>() == CACHE_LINE);
    assert!(size_of::<RingIndex>() == CACHE_LINE);
    assert!(align_of::<Header>() == CACHE_LINE);
    assert!(align_of::<AtomicU64>() == 8);
};
