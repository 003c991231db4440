//! The [`Geometry`] a segment is created with (written in its header) and
//! the [`Layout`] that turns it into byte offsets with overflow-checked
//! arithmetic, plus the hash that places modules in their slots.

use crate::layout::{CACHE_LINE, ENTRY_WORDS, INDEXES_PER_WORD, MAX_HOSTS_PER_MODULE};

/// The fixed sizes of a segment, chosen by the agent and written in the
/// header so that clients read them instead of assuming them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Module slots (open addressing).
    pub module_slots: u32,
    /// Hosts one module slot holds (at most [`MAX_HOSTS_PER_MODULE`]).
    pub hosts_per_module: u32,
    /// Rotation entries one module slot holds.
    pub rotation_len: u32,
    /// Client slots, each with its report ring.
    pub client_slots: u32,
    /// Entries of each report ring: a power of two.
    pub ring_entries: u32,
}

impl Default for Geometry {
    /// 1024 module slots of 64 hosts and 256 rotation entries, 64 client
    /// slots with rings of 8192 entries (8 ms of reports at a million a
    /// second: the agent drains every `shm_report_delay`, 1 ms).
    fn default() -> Geometry {
        Geometry {
            module_slots: 1024,
            hosts_per_module: 64,
            rotation_len: 256,
            client_slots: 64,
            ring_entries: 8192,
        }
    }
}

impl Geometry {
    /// The size of a segment file of this geometry; `None` when a count is
    /// zero, `hosts_per_module` is above [`MAX_HOSTS_PER_MODULE`],
    /// `ring_entries` is not a power of two, or the size overflows.
    pub fn segment_len(&self) -> Option<usize> {
        Layout::new(*self).map(|layout| layout.len)
    }
}

/// Rounds `bytes` up to a whole number of cache lines.
fn lines(bytes: usize) -> Option<usize> {
    Some(bytes.checked_add(CACHE_LINE - 1)? / CACHE_LINE * CACHE_LINE)
}

/// The byte offsets of a [`Geometry`], every one a multiple of
/// [`CACHE_LINE`]. Built only from a valid geometry, with overflow-checked
/// arithmetic: `len` is the exact file size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The geometry.
    pub geometry: Geometry,
    /// Words of a slot's packed rotation.
    pub rotation_words: usize,
    /// Words of a slot's packed overloaded list.
    pub overloaded_words: usize,
    /// Offset of the hosts inside a module slot.
    pub module_hosts: usize,
    /// Offset of the rotation inside a module slot.
    pub module_rotation: usize,
    /// Offset of the overloaded list inside a module slot.
    pub module_overloaded: usize,
    /// Offset of the counters inside a module slot.
    pub module_counters: usize,
    /// Bytes of one module slot.
    pub module_stride: usize,
    /// Offset of the doorbell (the header's second line).
    pub doorbell: usize,
    /// Offset of the first module slot.
    pub modules: usize,
    /// Offset of the ring head inside a client slot.
    pub client_ring_head: usize,
    /// Offset of the ring tail inside a client slot.
    pub client_ring_tail: usize,
    /// Offset of the ring entries inside a client slot.
    pub client_entries: usize,
    /// Bytes of one client slot.
    pub client_stride: usize,
    /// Offset of the first client slot.
    pub clients: usize,
    /// The size of the whole segment.
    pub len: usize,
}

impl Layout {
    /// The layout of `geometry`, `None` when it is not valid (see
    /// [`Geometry::segment_len`]).
    pub fn new(geometry: Geometry) -> Option<Layout> {
        let g = geometry;
        if g.module_slots == 0
            || g.hosts_per_module == 0
            || g.hosts_per_module > MAX_HOSTS_PER_MODULE
            || g.rotation_len == 0
            || g.client_slots == 0
            || !g.ring_entries.is_power_of_two()
        {
            return None;
        }
        let word = 8usize;
        let hosts = usize::try_from(g.hosts_per_module).ok()?;
        let rotation_words = usize::try_from(g.rotation_len)
            .ok()?
            .div_ceil(INDEXES_PER_WORD);
        let overloaded_words = hosts.div_ceil(INDEXES_PER_WORD);
        let module_hosts = CACHE_LINE;
        let module_rotation = module_hosts.checked_add(lines(hosts.checked_mul(word)?)?)?;
        let module_overloaded =
            module_rotation.checked_add(lines(rotation_words.checked_mul(word)?)?)?;
        let module_counters =
            module_overloaded.checked_add(lines(overloaded_words.checked_mul(word)?)?)?;
        let module_stride = module_counters.checked_add(CACHE_LINE)?;
        let entry_bytes = usize::try_from(g.ring_entries)
            .ok()?
            .checked_mul(ENTRY_WORDS * word)?;
        let client_entries = 3 * CACHE_LINE;
        let client_stride = client_entries.checked_add(lines(entry_bytes)?)?;
        // The header, then the doorbell, one line each.
        let doorbell = CACHE_LINE;
        let modules = 2 * CACHE_LINE;
        let clients = usize::try_from(g.module_slots)
            .ok()?
            .checked_mul(module_stride)?
            .checked_add(modules)?;
        let len = usize::try_from(g.client_slots)
            .ok()?
            .checked_mul(client_stride)?
            .checked_add(clients)?;
        Some(Layout {
            geometry,
            rotation_words,
            overloaded_words,
            module_hosts,
            module_rotation,
            module_overloaded,
            module_counters,
            module_stride,
            doorbell,
            modules,
            client_ring_head: CACHE_LINE,
            client_ring_tail: 2 * CACHE_LINE,
            client_entries,
            client_stride,
            clients,
            len,
        })
    }

    /// The offset of module slot `i` (`None` past the last slot).
    pub fn module_offset(&self, i: u32) -> Option<usize> {
        (i < self.geometry.module_slots).then(|| self.modules + i as usize * self.module_stride)
    }

    /// The offset of client slot `i` (`None` past the last slot).
    pub fn client_offset(&self, i: u32) -> Option<usize> {
        (i < self.geometry.client_slots).then(|| self.clients + i as usize * self.client_stride)
    }
}

/// The first slot a module key is looked for in (linear probing from
/// there): the key mixed by MurmurHash3's finalizer, modulo `slots`.
pub fn home_slot(key: u64, slots: u32) -> u32 {
    let mut x = key;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    (x % u64::from(slots.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_geometry_lays_out_cache_line_parts() {
        let layout = Layout::new(Geometry::default()).unwrap();
        // 64 head + 64*8 hosts + 256/4*8 rotation + 64/4*8 overloaded
        // (rounded to 128) + 64 counters.
        assert_eq!(layout.module_stride, 64 + 512 + 512 + 128 + 64);
        // 3 lines + 8192 entries of 24 bytes.
        assert_eq!(layout.client_stride, 192 + 196_608);
        assert_eq!(layout.len, 128 + 1024 * 1280 + 64 * 196_800);
        for off in [
            layout.module_rotation,
            layout.module_overloaded,
            layout.module_counters,
            layout.clients,
            layout.client_stride,
        ] {
            assert_eq!(off % CACHE_LINE, 0, "{off}");
        }
    }

    #[test]
    fn invalid_or_overflowing_geometries_have_no_layout() {
        let ok = Geometry::default();
        let bad = [
            Geometry {
                module_slots: 0,
                ..ok
            },
            Geometry {
                hosts_per_module: 0,
                ..ok
            },
            Geometry {
                hosts_per_module: MAX_HOSTS_PER_MODULE + 1,
                ..ok
            },
            Geometry {
                rotation_len: 0,
                ..ok
            },
            Geometry {
                client_slots: 0,
                ..ok
            },
            Geometry {
                ring_entries: 1000,
                ..ok
            },
            Geometry {
                ring_entries: 0,
                ..ok
            },
        ];
        for g in bad {
            assert_eq!(g.segment_len(), None, "{g:?}");
        }
        let huge = Geometry {
            module_slots: u32::MAX,
            hosts_per_module: MAX_HOSTS_PER_MODULE,
            rotation_len: u32::MAX,
            client_slots: u32::MAX,
            ring_entries: 1 << 31,
        };
        // 2^32 module slots of more than 2^33 bytes each overflow 64 bits.
        assert_eq!(huge.segment_len(), None);
    }

    #[test]
    fn slot_offsets_stop_at_the_last_slot() {
        let g = Geometry {
            module_slots: 2,
            client_slots: 3,
            ..Geometry::default()
        };
        let layout = Layout::new(g).unwrap();
        assert_eq!(layout.module_offset(1), Some(128 + 1280));
        assert_eq!(layout.module_offset(2), None);
        assert_eq!(layout.client_offset(2), Some(128 + 2 * 1280 + 2 * 196_800));
        assert_eq!(layout.client_offset(3), None);
        assert_eq!(layout.client_offset(2).unwrap() + 196_800, layout.len);
    }

    #[test]
    fn home_slots_are_in_range_and_spread() {
        let mut seen = [false; 16];
        for modid in 0..64 {
            let slot = home_slot(lars_proto::ModuleId::new(modid, 1).key(), 16);
            seen[slot as usize] = true;
        }
        assert!(seen.iter().filter(|s| **s).count() >= 12, "{seen:?}");
        assert_eq!(home_slot(u64::MAX, 1), 0);
    }
}
