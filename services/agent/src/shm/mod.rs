//! The agent's side of the same-host fast path (docs/SHM.md): one table's
//! shared-memory segment. The table thread publishes the pick set of every
//! module whose lists changed, hands out client slots, applies the reports
//! clients write to their rings every `[agent] shm_report_delay`, and
//! frees the slots of clients that let go or died.
//!
//! Loop thread only: the segment has one writer, the thread that owns the
//! table.

mod peer;
mod settings;

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::PathBuf;

use lars_proto::{ModuleId, RetCode, ShmAttachResponse};
use lars_shm::{Geometry, ModuleMode, PublishedModule, ReportEntry, Segment};

use crate::lb::{CallOutcome, Latency, PickSet, PickSetLimits, PickSetMode, RouteTable};

pub use settings::ShmSettings;

/// Most reports applied in one drain, so a flood cannot hold the table
/// thread (the rest wait for the next drain).
const DRAIN_BATCH: usize = 65_536;

/// Drains in a row that found nothing before the segment parks (its timer
/// stops until a client rings): 100 ms at the default 1 ms delay.
const PARK_AFTER: u32 = 100;

/// Counts of the fast path since the table started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShmCounts {
    /// Reports read from the rings and applied.
    pub reports: u64,
    /// Reports refused: a module of another table or unknown, a host not
    /// in the route, or a ring that broke its protocol.
    pub rejected: u64,
    /// get_host answered from memory by the clients (read once a second
    /// from the segment's counters).
    pub picks: u64,
}

/// One table's segment and what it needs to keep it current.
pub struct ShmTable {
    segment: Segment,
    index: usize,
    /// `[agent] shm_group`: its members may attach too.
    group: Option<u32>,
    /// This process's effective user, which owns the segment (`None` when
    /// `/proc` cannot tell).
    owner: Option<u32>,
    limits: PickSetLimits,
    /// Reused for every publication.
    scratch: PickSet,
    /// Modules whose pick set must be published again.
    dirty: HashSet<ModuleId>,
    /// The usage and probe counters of each published module when last
    /// looked at.
    usage: HashMap<ModuleId, (u64, u64)>,
    counts: ShmCounts,
    /// Rejected reports since the last log line, and the last reason.
    unlogged_rejects: u64,
    last_reject: String,
    /// Modules the segment had no room for since the last log line.
    unlogged_full: u64,
    /// Drains in a row that found nothing.
    idle_drains: u32,
}

impl ShmTable {
    /// Creates table `index`'s segment `lars-agent-<base_port>-<index>` in
    /// the settings' directory, with mode 0600 (0660 with a group).
    pub fn create(
        settings: &ShmSettings,
        base_port: u16,
        index: usize,
        probe_num: u32,
        generation: u64,
    ) -> io::Result<ShmTable> {
        let path = segment_path(settings, base_port, index);
        let geometry = Geometry::default();
        let mode = if settings.group.is_some() {
            0o660
        } else {
            0o600
        };
        let segment = Segment::create(
            &path,
            geometry,
            index as u32,
            generation,
            probe_num,
            mode,
            settings.group,
        )
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(ShmTable {
            segment,
            index,
            group: settings.group,
            owner: peer::ProcessIds::own().map(|ids| ids.uids[1]),
            limits: PickSetLimits {
                max_hosts: geometry.hosts_per_module as usize,
                max_rotation: geometry.rotation_len as usize,
            },
            scratch: PickSet::default(),
            dirty: HashSet::new(),
            usage: HashMap::new(),
            counts: ShmCounts::default(),
            unlogged_rejects: 0,
            last_reject: String::new(),
            unlogged_full: 0,
            idle_drains: 0,
        })
    }

    /// The segment's file.
    pub fn path(&self) -> PathBuf {
        self.segment.path().to_path_buf()
    }

    /// The fast path's counts so far.
    pub fn counts(&self) -> ShmCounts {
        self.counts
    }

    /// Clients attached now.
    pub fn clients(&self) -> usize {
        self.segment.attached_clients()
    }

    /// Answers a client's attach request: a free slot for process `pid`,
    /// or `RET_NOEXIST` when none is left or the process could not open
    /// the segment (another user, not in `[agent] shm_group`).
    pub fn attach(&mut self, pid: u32) -> ShmAttachResponse {
        let refused = ShmAttachResponse {
            retcode: RetCode::NoExist.to_wire(),
            ..ShmAttachResponse::default()
        };
        if pid == 0 || !peer::may_attach(pid, self.owner, self.group) {
            return refused;
        }
        match self.segment.attach_client(pid) {
            Some((slot, ticket)) => ShmAttachResponse {
                retcode: RetCode::Succ.to_wire(),
                path: self.segment.path().to_string_lossy().into_owned(),
                generation: self.segment.generation(),
                slot,
                ticket,
            },
            None => {
                log::warn!(
                    "agent table {}: no free shared-memory slot for process {pid}; it stays on UDP",
                    self.index
                );
                refused
            }
        }
    }

    /// Marks `module` for publication at the next [`publish`](Self::publish).
    pub fn mark(&mut self, module: ModuleId) {
        self.dirty.insert(module);
    }

    /// Marks every module of `table` (after a restore at start).
    pub fn mark_all(&mut self, table: &RouteTable) {
        self.dirty.extend(table.modules().map(|lb| lb.module()));
    }

    /// Publishes the pick set of every marked module (or its absence).
    pub fn publish(&mut self, table: &RouteTable) {
        for module in self.dirty.drain() {
            // A module gone from the table, or without hosts yet: absent.
            let published = table.module(module).is_some_and(|lb| {
                lb.pick_set(self.limits, &mut self.scratch);
                self.scratch.mode != PickSetMode::Absent
            });
            if !published {
                self.segment.unpublish(module);
                self.usage.remove(&module);
                continue;
            }
            let view = PublishedModule {
                mode: match self.scratch.mode {
                    PickSetMode::Serve => ModuleMode::Serve,
                    _ => ModuleMode::AskUdp,
                },
                hosts: &self.scratch.hosts,
                rotation: &self.scratch.rotation,
                overloaded: &self.scratch.overloaded,
                probe: self.scratch.probe,
            };
            match self.segment.publish(module, &view) {
                Ok(()) => {
                    let counters = (
                        self.segment.picks(module).unwrap_or(0),
                        self.segment.probes(module).unwrap_or(0),
                    );
                    self.usage.entry(module).or_insert(counters);
                }
                Err(_) => self.unlogged_full += 1,
            }
        }
    }

    /// Applies the reports waiting in the rings to `table` (at most
    /// [`DRAIN_BATCH`]) and marks the modules whose lists changed; `now`
    /// in seconds and `now_ms` for latencies, as the UDP path stamps them.
    /// Returns how many entries it read.
    pub fn drain(&mut self, table: &mut RouteTable, now: u64, now_ms: u64) -> u64 {
        let mut applied = Applied::new(self.index, now, now_ms);
        let stats = self
            .segment
            .drain(DRAIN_BATCH, |_, entry| applied.apply(table, entry));
        self.absorb(applied);
        self.counts.rejected += stats.malformed_rings;
        if stats.malformed_rings > 0 {
            self.note_reject(stats.malformed_rings, "a report ring broke its protocol");
        }
        stats.entries
    }

    /// One timer drain; false when the segment parked instead (after
    /// [`PARK_AFTER`] drains that found nothing, and a last look at the
    /// rings that found nothing either): the timer may stop until a client
    /// rings ([`wake`](Self::wake)).
    pub fn tick(&mut self, table: &mut RouteTable, now: u64, now_ms: u64) -> bool {
        if self.drain(table, now, now_ms) > 0 {
            self.idle_drains = 0;
            return true;
        }
        self.idle_drains += 1;
        if self.idle_drains < PARK_AFTER {
            return true;
        }
        self.segment.park();
        if self.drain(table, now, now_ms) > 0 {
            self.wake();
            return true;
        }
        false
    }

    /// Whether the segment is parked (its timer stopped).
    pub fn is_parked(&self) -> bool {
        self.segment.is_parked()
    }

    /// Drains on the timer again: a client rang, or the upkeep found
    /// reports.
    pub fn wake(&mut self) {
        self.segment.wake();
        self.idle_drains = 0;
    }

    /// Frees the slots of clients that released them or whose process is
    /// gone, after applying what they had written.
    pub fn reap(&mut self, table: &mut RouteTable, now: u64, now_ms: u64) {
        let mut applied = Applied::new(self.index, now, now_ms);
        let freed = self
            .segment
            .reap(lars_shm::pid_alive, |_, entry| applied.apply(table, entry));
        self.absorb(applied);
        if freed > 0 {
            log::debug!("agent table {}: {freed} client slots freed", self.index);
        }
    }

    /// Modules picked from memory since the last call: the table re-pulls
    /// the stale ones, as a `get_host` over UDP would have, and counts the
    /// picks and probes made there.
    pub fn note_usage(&mut self, table: &mut RouteTable, now: u64) {
        for (module, (seen, seen_probes)) in self.usage.iter_mut() {
            let (Some(current), Some(probes)) =
                (self.segment.picks(*module), self.segment.probes(*module))
            else {
                continue;
            };
            let picks = current.wrapping_sub(*seen);
            if picks == 0 {
                continue;
            }
            *seen = current;
            table.touch(*module, now);
            // Counters clients write: a wild value is counted as no more
            // than a second of picks at a billion a second.
            let picks = picks.min(1 << 30);
            self.counts.picks += picks;
            // Every probe is a pick.
            table.count_outside_probes(*module, probes.wrapping_sub(*seen_probes).min(picks));
            *seen_probes = probes;
        }
    }

    /// Tells clients the agent is alive (wall clock, ms).
    pub fn heartbeat(&self, wall_ms: u64) {
        self.segment.heartbeat(wall_ms);
    }

    /// Logs, once per call, what was refused since the last call.
    pub fn log_refusals(&mut self) {
        if self.unlogged_rejects > 0 {
            log::warn!(
                "agent table {}: {} shared-memory reports refused (last: {})",
                self.index,
                self.unlogged_rejects,
                self.last_reject
            );
            self.unlogged_rejects = 0;
        }
        if self.unlogged_full > 0 {
            log::warn!(
                "agent table {}: {} modules not published in shared memory (segment full); their callers use UDP",
                self.index,
                self.unlogged_full
            );
            self.unlogged_full = 0;
        }
    }

    fn absorb(&mut self, applied: Applied) {
        self.counts.reports += applied.reports;
        self.counts.rejected += applied.rejected;
        if applied.rejected > 0 {
            self.note_reject(applied.rejected, &applied.last_reject);
        }
        for module in applied.changed {
            self.mark(module);
        }
    }

    fn note_reject(&mut self, count: u64, why: &str) {
        self.unlogged_rejects += count;
        self.last_reject = why.to_string();
    }
}

impl Drop for ShmTable {
    fn drop(&mut self) {
        self.segment.close();
    }
}

/// Where table `index`'s segment lives.
pub fn segment_path(settings: &ShmSettings, base_port: u16, index: usize) -> PathBuf {
    settings.dir.join(format!("lars-agent-{base_port}-{index}"))
}

/// Reports of one drain: applied, refused, and the modules they changed.
struct Applied {
    index: usize,
    now: u64,
    now_ms: u64,
    reports: u64,
    rejected: u64,
    last_reject: String,
    changed: Vec<ModuleId>,
}

impl Applied {
    fn new(index: usize, now: u64, now_ms: u64) -> Applied {
        Applied {
            index,
            now,
            now_ms,
            reports: 0,
            rejected: 0,
            last_reject: String::new(),
            changed: Vec::new(),
        }
    }

    /// Checks one entry a client wrote — its module belongs to this table
    /// and is known, its host is in the route — and applies it.
    fn apply(&mut self, table: &mut RouteTable, entry: ReportEntry) {
        let module = entry.module;
        if module.agent_port_index() != self.index {
            self.rejected += 1;
            self.last_reject = format!("module {module} belongs to another table");
            return;
        }
        let latency = entry.latency_us.map(|micros| Latency {
            micros,
            at_ms: self.now_ms,
        });
        let outcome = CallOutcome::of_retcode(entry.retcode);
        match table.report(module, entry.host, outcome, latency, self.now) {
            crate::lb::Reported::Unknown => {
                self.rejected += 1;
                self.last_reject = format!("{} is not a host of module {module}", entry.host);
            }
            crate::lb::Reported::Changed(_) => {
                self.reports += 1;
                self.changed.push(module);
            }
            crate::lb::Reported::Counted => self.reports += 1,
        }
    }
}
