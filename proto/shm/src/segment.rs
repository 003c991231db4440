//! [`Segment`]: the agent's side of a segment. It creates and finally
//! unlinks the file, is the only writer of the module views (keeping its
//! own module → slot map), and hands client slots to its
//! [`ClientTable`].

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use lars_proto::ModuleId;

use crate::clients::{ClientTable, DrainStats};
use crate::geometry::{home_slot, Geometry, Layout};
use crate::layout::{ModuleCounters, STATE_CLOSED, STATE_SERVING};
use crate::mapping::Mapping;
use crate::ring::ReportEntry;
use crate::sync::Ordering;
use crate::view::{ModuleMode, PublishedModule};
use crate::{LAYOUT_VERSION, MAGIC};

/// Why a module could not be published as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishError {
    /// Every module slot belongs to another module.
    TableFull,
    /// More hosts, rotation or overloaded entries than a slot holds; the
    /// module's slot (if it has one) now says ask-UDP.
    TooLarge,
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PublishError::TableFull => "every module slot of the segment is taken",
            PublishError::TooLarge => "the module view does not fit a segment slot",
        })
    }
}

impl std::error::Error for PublishError {}

/// One agent table's segment, owned by the table's thread. Dropping it
/// marks the segment closed and unlinks the file (unless another segment
/// has replaced it at that path since).
#[derive(Debug)]
pub struct Segment {
    path: PathBuf,
    file_id: (u64, u64),
    map: Mapping,
    generation: u64,
    modules: HashMap<u64, u32>,
    claimed: Vec<bool>,
    clients: ClientTable,
}

impl Segment {
    /// Creates the segment file at `path` (unlinking an old one first, so
    /// clients still mapping it keep an orphan) with permission bits
    /// `mode`, group `gid` if given, and `geometry`; writes the header last,
    /// its magic last of all.
    pub fn create(
        path: &Path,
        geometry: Geometry,
        table_index: u32,
        generation: u64,
        probe_num: u32,
        mode: u32,
        gid: Option<u32>,
    ) -> io::Result<Segment> {
        let layout = Layout::new(geometry).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid segment geometry {geometry:?}"),
            )
        })?;
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(path)?;
        let prepared = (|| {
            // The umask may have cleared bits of `mode` at creation.
            file.set_permissions(Permissions::from_mode(mode))?;
            if let Some(gid) = gid {
                std::os::unix::fs::fchown(&file, None, Some(gid))?;
            }
            file.set_len(layout.len as u64)?;
            let meta = file.metadata()?;
            Ok((Mapping::create(&file, layout)?, (meta.dev(), meta.ino())))
        })();
        let (map, file_id) = match prepared {
            Ok(done) => done,
            Err(e) => {
                let _ = fs::remove_file(path);
                return Err(e);
            }
        };
        let h = map.header();
        h.table_index.store(table_index, Ordering::Relaxed);
        h.generation.store(generation, Ordering::Relaxed);
        h.module_slots
            .store(geometry.module_slots, Ordering::Relaxed);
        h.hosts_per_module
            .store(geometry.hosts_per_module, Ordering::Relaxed);
        h.rotation_len
            .store(geometry.rotation_len, Ordering::Relaxed);
        h.client_slots
            .store(geometry.client_slots, Ordering::Relaxed);
        h.ring_entries
            .store(geometry.ring_entries, Ordering::Relaxed);
        h.probe_num.store(probe_num, Ordering::Relaxed);
        h.agent_pid.store(std::process::id(), Ordering::Relaxed);
        h.state.store(STATE_SERVING, Ordering::Relaxed);
        h.heartbeat_ms.store(crate::wall_ms(), Ordering::Relaxed);
        h.layout_version.store(LAYOUT_VERSION, Ordering::Relaxed);
        h.magic.store(MAGIC, Ordering::Release);
        Ok(Segment {
            path: path.to_path_buf(),
            file_id,
            generation,
            modules: HashMap::with_capacity(geometry.module_slots as usize),
            claimed: vec![false; geometry.module_slots as usize],
            clients: ClientTable::new(geometry.client_slots as usize),
            map,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The generation written in the header.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The geometry.
    pub fn geometry(&self) -> Geometry {
        self.map.layout().geometry
    }

    /// Stores the agent's wall clock (ms) as the heartbeat clients check.
    pub fn heartbeat(&self, wall_ms: u64) {
        self.map
            .header()
            .heartbeat_ms
            .store(wall_ms, Ordering::Release);
    }

    /// Stops expecting to drain on a timer ([`doorbell`](crate::doorbell)):
    /// afterwards the caller must [`drain`](Self::drain) once more and
    /// [`wake`](Self::wake) if that found anything.
    pub fn park(&self) {
        crate::doorbell::park(&self.map.doorbell().bell);
    }

    /// Drains on a timer again; clients stop ringing.
    pub fn wake(&self) {
        crate::doorbell::wake(&self.map.doorbell().bell);
    }

    /// Whether the agent is parked (or rung and not yet woken).
    pub fn is_parked(&self) -> bool {
        crate::doorbell::is_parked(&self.map.doorbell().bell)
    }

    /// Changes the probe period clients use (one probe every
    /// `probe_num + 1` picks).
    pub fn set_probe_num(&self, probe_num: u32) {
        self.map
            .header()
            .probe_num
            .store(probe_num, Ordering::Relaxed);
    }

    /// Marks the segment closed: clients stop using it.
    pub fn close(&self) {
        self.map
            .header()
            .state
            .store(STATE_CLOSED, Ordering::Release);
    }

    /// The slot of `key`, claiming a free one (key first, then `used` with
    /// Release) when it has none; `None` when every slot is taken.
    fn slot_of(&mut self, key: u64, claim: bool) -> Option<u32> {
        if let Some(&slot) = self.modules.get(&key) {
            return Some(slot);
        }
        if !claim {
            return None;
        }
        let n = self.claimed.len() as u64;
        let home = u64::from(home_slot(key, n as u32));
        let slot = (0..n)
            .map(|i| ((home + i) % n) as u32)
            .find(|&s| !self.claimed[s as usize])?;
        let m = self.map.module(slot)?;
        m.head.key.store(key, Ordering::Relaxed);
        m.head.used.store(1, Ordering::Release);
        self.claimed[slot as usize] = true;
        self.modules.insert(key, slot);
        Some(slot)
    }

    /// Publishes `view` for `module` (a seqlock write; allocates nothing
    /// once the module has a slot). An absent view of a module without a
    /// slot claims none.
    ///
    /// [`PublishError::TooLarge`] when a served view has more hosts,
    /// rotation or overloaded entries than the geometry allows (the slot
    /// then says ask-UDP); [`PublishError::TableFull`] when the module has
    /// no slot and none is free.
    pub fn publish(
        &mut self,
        module: ModuleId,
        view: &PublishedModule,
    ) -> Result<(), PublishError> {
        let g = self.geometry();
        let too_large = view.mode == ModuleMode::Serve
            && (view.hosts.len() > g.hosts_per_module as usize
                || view.rotation.len() > g.rotation_len as usize
                || view.overloaded.len() > g.hosts_per_module as usize);
        let claim = view.mode != ModuleMode::Absent;
        let slot = self.slot_of(module.key(), claim);
        // A view that does not fit is written as ask-UDP.
        if let Some(m) = slot.and_then(|s| self.map.module(s)) {
            m.write_view(view);
        }
        if too_large {
            Err(PublishError::TooLarge)
        } else if claim && slot.is_none() {
            Err(PublishError::TableFull)
        } else {
            Ok(())
        }
    }

    /// Marks `module` absent, if it has a slot.
    pub fn unpublish(&mut self, module: ModuleId) {
        let absent = PublishedModule {
            mode: ModuleMode::Absent,
            hosts: &[],
            rotation: &[],
            overloaded: &[],
            probe: false,
        };
        if let Some(m) = self
            .slot_of(module.key(), false)
            .and_then(|s| self.map.module(s))
        {
            m.write_view(&absent);
        }
    }

    /// Picks made from memory for `module` so far: each pick advances
    /// either `cursor` (the rotation, or an overload answer) or
    /// `over_cursor` (a probe), so this grows by one per pick; `None`
    /// without a slot.
    pub fn picks(&self, module: ModuleId) -> Option<u64> {
        let c = self.counters(module)?;
        Some(
            c.cursor
                .load(Ordering::Relaxed)
                .wrapping_add(c.over_cursor.load(Ordering::Relaxed)),
        )
    }

    /// Probes of overloaded hosts made from memory for `module` so far
    /// (`over_cursor`: it moves once per probe); `None` without a slot.
    pub fn probes(&self, module: ModuleId) -> Option<u64> {
        Some(self.counters(module)?.over_cursor.load(Ordering::Relaxed))
    }

    /// The pick counters of `module`'s slot, if it has one.
    fn counters(&self, module: ModuleId) -> Option<&ModuleCounters> {
        let slot = *self.modules.get(&module.key())?;
        Some(self.map.module(slot)?.counters)
    }

    /// Restarts `module`'s probe count (`access = 0`).
    pub fn reset_probe_counter(&self, module: ModuleId) {
        if let Some(m) = self
            .modules
            .get(&module.key())
            .and_then(|&s| self.map.module(s))
        {
            m.counters.access.store(0, Ordering::Relaxed);
        }
    }

    /// Gives a free client slot to process `pid`: `(slot, ticket)`, a new
    /// ticket every time; `None` when every slot is taken.
    pub fn attach_client(&mut self, pid: u32) -> Option<(u32, u64)> {
        self.clients.attach(&self.map, pid)
    }

    /// Client slots given out and not freed yet.
    pub fn attached_clients(&self) -> usize {
        self.clients.attached()
    }

    /// Hands at most `max_entries` reported entries (over all slots, the
    /// first slot visited turning each call) to `sink` with their slot, in
    /// each slot's order. A malformed ring is counted, logged (throttled)
    /// and emptied.
    pub fn drain(
        &mut self,
        max_entries: usize,
        mut sink: impl FnMut(u32, ReportEntry),
    ) -> DrainStats {
        self.clients
            .drain(&self.map, &self.path, max_entries, &mut sink)
    }

    /// Frees the slots their client released or whose owner `is_alive`
    /// says is dead: drains what they published to `sink` first, then
    /// marks them free with a new ticket. Returns how many were freed.
    pub fn reap(
        &mut self,
        is_alive: impl Fn(u32) -> bool,
        mut sink: impl FnMut(u32, ReportEntry),
    ) -> usize {
        self.clients
            .reap(&self.map, &self.path, is_alive, &mut sink)
    }
}

impl Drop for Segment {
    /// Marks the segment closed, then unlinks the file if it is still the
    /// one this segment created.
    fn drop(&mut self) {
        self.close();
        let ours = fs::metadata(&self.path).is_ok_and(|m| (m.dev(), m.ino()) == self.file_id);
        if ours {
            if let Err(e) = fs::remove_file(&self.path) {
                log::warn!("shm {}: cannot unlink: {e}", self.path.display());
            }
        }
    }
}
