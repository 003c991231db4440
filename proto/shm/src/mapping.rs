//! The mapped segment file, and the only `unsafe` code of the crate: making
//! `&` references to the `#[repr(C)]` atomic structs inside the mapping.
//!
//! Invariants every reference made here relies on:
//!
//! 1. **Alignment.** The mapping starts on a page boundary and every
//!    offset a [`Layout`] gives is a multiple of 64; [`Mapping::at`] and
//!    [`Mapping::words`] still check the address against the type's
//!    alignment before making a reference.
//! 2. **Bounds.** A [`Mapping`] exists only once the geometry it uses has
//!    been checked: for a new segment it is the agent's own, validated by
//!    [`Layout::new`]; for an opened one it is read from a header whose
//!    magic and version matched, turned into a [`Layout`] with
//!    overflow-checked arithmetic, and required to equal the mapped length
//!    exactly. Every reference is bounds-checked again against the mapped
//!    length (`offset + size <= len`, overflow-checked).
//! 3. **Validity.** Only [`Shared`] types are referenced: `#[repr(C)]`
//!    structs of `AtomicU64`/`AtomicU32` (and `AtomicU64` itself), for
//!    which every bit pattern is a valid value, so whatever a file holds
//!    (zeros from `set_len`, or garbage from a hostile writer) is a valid
//!    value. Values read are then bounded by their users, never trusted.
//! 4. **No data race.** Every access to the segment, in this and every
//!    other process, goes through atomic operations: the segment holds
//!    nothing else, and no `&mut` or plain reference to its bytes is ever
//!    made. Atomics have interior mutability, so shared references to them
//!    may be written through.
//! 5. **Lifetime.** References borrow the [`Mapping`], which owns the
//!    [`MmapRaw`]; the region stays mapped until the `Mapping` drops, after
//!    every reference. The mapping is shared (`MAP_SHARED`) and never
//!    remapped or resized.
//! 6. **Truncation.** If the file were shrunk while mapped, accesses past
//!    its new end would raise SIGBUS, which stops the process but is not
//!    memory unsafety. Only processes that may write the file (the agent's
//!    user) could do that.

use std::fs::File;
use std::io;
use std::mem::{align_of, size_of};

use memmap2::{MmapOptions, MmapRaw};

use crate::attached::AttachError;
use crate::geometry::{Geometry, Layout};
use crate::layout::{
    ClientHead, Doorbell, Header, ModuleCounters, ModuleHead, RingIndex, CACHE_LINE, ENTRY_WORDS,
};
use crate::ring::{ClientRef, RingRef};
use crate::sync::{AtomicU32, AtomicU64, Ordering};
use crate::view::ModuleRef;
use crate::{LAYOUT_VERSION, MAGIC};

/// Types that may be referenced inside the mapping: atomics only, valid
/// for every bit pattern (invariant 3).
///
/// # Safety
///
/// Implementors are `#[repr(C)]` (or primitive atomics) made only of
/// `AtomicU64`/`AtomicU32`, with no padding that matters to validity.
unsafe trait Shared {}

// SAFETY: a primitive atomic: any 8 bytes are a valid value.
unsafe impl Shared for AtomicU64 {}
// SAFETY: `#[repr(C)]`, fields are AtomicU64/AtomicU32 only.
unsafe impl Shared for Header {}
// SAFETY: `#[repr(C)]`, its only field is an AtomicU32.
unsafe impl Shared for Doorbell {}
// SAFETY: `#[repr(C)]`, fields are AtomicU64/AtomicU32 only.
unsafe impl Shared for ModuleHead {}
// SAFETY: `#[repr(C)]`, fields are AtomicU64 only.
unsafe impl Shared for ModuleCounters {}
// SAFETY: `#[repr(C)]`, fields are AtomicU64/AtomicU32 only.
unsafe impl Shared for ClientHead {}
// SAFETY: `#[repr(C)]`, one AtomicU64.
unsafe impl Shared for RingIndex {}

/// A mapped segment with a checked layout.
#[derive(Debug)]
pub(crate) struct Mapping {
    raw: MmapRaw,
    layout: Layout,
}

impl Mapping {
    /// Maps a new segment file, already `layout.len` bytes long.
    pub(crate) fn create(file: &File, layout: Layout) -> io::Result<Mapping> {
        let raw = MmapOptions::new().len(layout.len).map_raw(file)?;
        Mapping::checked(raw, layout)
            .ok_or_else(|| io::Error::other("segment mapping has an unexpected size"))
    }

    /// Maps an existing segment file and checks its header against its
    /// size: magic, layout version, then geometry == file length.
    pub(crate) fn open(file: &File) -> Result<Mapping, AttachError> {
        let len = file.metadata().map_err(AttachError::Io)?.len();
        if len < size_of::<Header>() as u64 {
            return Err(AttachError::NotASegment);
        }
        let raw = MmapOptions::new().map_raw(file).map_err(AttachError::Io)?;
        let header: &Header = at(&raw, 0).ok_or(AttachError::NotASegment)?;
        if header.magic.load(Ordering::Acquire) != MAGIC {
            return Err(AttachError::NotASegment);
        }
        let version = header.layout_version.load(Ordering::Relaxed);
        if version != LAYOUT_VERSION {
            return Err(AttachError::LayoutVersion(version));
        }
        let load = |field: &AtomicU32| field.load(Ordering::Relaxed);
        let geometry = Geometry {
            module_slots: load(&header.module_slots),
            hosts_per_module: load(&header.hosts_per_module),
            rotation_len: load(&header.rotation_len),
            client_slots: load(&header.client_slots),
            ring_entries: load(&header.ring_entries),
        };
        let layout = Layout::new(geometry).ok_or(AttachError::NotASegment)?;
        Mapping::checked(raw, layout).ok_or(AttachError::NotASegment)
    }

    /// `raw` with `layout`, when they agree on the length and the map is
    /// aligned as the layout assumes.
    fn checked(raw: MmapRaw, layout: Layout) -> Option<Mapping> {
        let aligned = (raw.as_ptr() as usize) % CACHE_LINE == 0;
        (raw.len() == layout.len && aligned).then_some(Mapping { raw, layout })
    }

    /// The layout (and geometry) checked against the mapping.
    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The header.
    pub(crate) fn header(&self) -> &Header {
        // The length was checked to hold at least the header.
        at(&self.raw, 0).expect("a checked mapping holds its header")
    }

    /// The doorbell.
    pub(crate) fn doorbell(&self) -> &Doorbell {
        // The layout puts it inside every checked mapping.
        at(&self.raw, self.layout.doorbell).expect("a checked mapping holds its doorbell")
    }

    /// Module slot `i`; `None` past the last slot.
    pub(crate) fn module(&self, i: u32) -> Option<ModuleRef<'_>> {
        let l = &self.layout;
        let base = l.module_offset(i)?;
        Some(ModuleRef {
            head: at(&self.raw, base)?,
            hosts: words(
                &self.raw,
                base + l.module_hosts,
                l.geometry.hosts_per_module as usize,
            )?,
            rotation: words(&self.raw, base + l.module_rotation, l.rotation_words)?,
            rotation_len: l.geometry.rotation_len,
            overloaded: words(&self.raw, base + l.module_overloaded, l.overloaded_words)?,
            counters: at(&self.raw, base + l.module_counters)?,
        })
    }

    /// Client slot `i`; `None` past the last slot.
    pub(crate) fn client(&self, i: u32) -> Option<ClientRef<'_>> {
        let l = &self.layout;
        let base = l.client_offset(i)?;
        let entries = (l.geometry.ring_entries as usize).checked_mul(ENTRY_WORDS)?;
        Some(ClientRef {
            head: at(&self.raw, base)?,
            ring: RingRef {
                head: at(&self.raw, base + l.client_ring_head)?,
                tail: at(&self.raw, base + l.client_ring_tail)?,
                entries: words(&self.raw, base + l.client_entries, entries)?,
            },
        })
    }
}

/// Whether `bytes` bytes at `offset` lie inside `raw`, at an address
/// aligned for `T`; the address if so.
fn region<T>(raw: &MmapRaw, offset: usize, bytes: usize) -> Option<*mut T> {
    let end = offset.checked_add(bytes)?;
    if end > raw.len() {
        return None;
    }
    let address = (raw.as_mut_ptr() as usize).checked_add(offset)?;
    if address % align_of::<T>() != 0 {
        return None;
    }
    Some(raw.as_mut_ptr().wrapping_add(offset).cast::<T>())
}

/// A reference to the `T` at `offset`, if it lies inside the mapping and
/// is aligned.
fn at<T: Shared>(raw: &MmapRaw, offset: usize) -> Option<&T> {
    let ptr = region::<T>(raw, offset, size_of::<T>())?;
    // SAFETY: `ptr` is non-null, aligned for `T` and `size_of::<T>()`
    // bytes from it are inside the live mapping (checked by `region`;
    // invariants 1, 2). `T: Shared` is valid for any bytes (3) and is only
    // ever accessed atomically, here and in other processes (4). The
    // reference borrows `raw`, which keeps the region mapped (5).
    Some(unsafe { &*ptr })
}

/// A slice of `count` atomic words at `offset`, if it lies inside the
/// mapping and is aligned.
fn words(raw: &MmapRaw, offset: usize, count: usize) -> Option<&[AtomicU64]> {
    let bytes = count.checked_mul(size_of::<AtomicU64>())?;
    let ptr = region::<AtomicU64>(raw, offset, bytes)?;
    // SAFETY: as in `at`: `count` aligned `AtomicU64`s from `ptr` are
    // inside the live mapping (`region` checked `count * 8` bytes, which
    // cannot exceed isize::MAX since the mapping holds them), every bit
    // pattern is valid, all access is atomic, and the slice borrows `raw`.
    Some(unsafe { std::slice::from_raw_parts(ptr, count) })
}
