//! The same-host fast path of a client (docs/SHM.md): picks, reports and
//! routes through the agent's shared-memory segments when the client is
//! attached to them, and `None`/`false` otherwise, so the caller uses UDP
//! for that call. Nothing here waits or fails because of the fast path.

use std::time::{Duration, Instant};

use lars_proto::{HostAddr, ModuleId, RetCode};
use lars_shm::{ReportEntry, ShmPick};

use crate::attach::{Attacher, TableState};
use crate::types::{ClientOptions, Transport};

/// How often, while some table is not settled (attached or refused), the
/// attach socket is looked at.
const POLL_EVERY: Duration = Duration::from_millis(1);
/// Calls between two readings of the wall clock, against which each call
/// checks its segment's heartbeat (every call checks that the segment is
/// open and the slot still ours).
const CLOCK_EVERY: u32 = 256;

/// The client's attachments and when to look at them again.
pub(crate) struct FastPath {
    attacher: Attacher,
    next_poll: Instant,
    calls: u32,
    /// The wall clock in ms, read every [`CLOCK_EVERY`] calls.
    wall_ms: u64,
}

impl FastPath {
    /// A fast path for `options`, or `None` for [`Transport::Udp`]. With
    /// [`Transport::Shm`] the segments are asked for at once and awaited
    /// up to the client's timeout.
    pub(crate) fn new(options: &ClientOptions) -> Option<FastPath> {
        if options.transport == Transport::Udp {
            return None;
        }
        let now = Instant::now();
        let mut fast = FastPath {
            attacher: Attacher::new(options.agent_ip, options.base_port, now),
            next_poll: now,
            calls: 0,
            wall_ms: lars_shm::wall_ms(),
        };
        fast.attacher.poll(now);
        if options.transport == Transport::Shm {
            let deadline = now + options.timeout;
            while fast.attacher.waiting() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_micros(200));
                fast.attacher.poll(Instant::now());
            }
        }
        Some(fast)
    }

    /// Whether calls about `module` go through shared memory now.
    pub(crate) fn attached(&self, module: ModuleId) -> bool {
        matches!(
            self.attacher.tables[module.agent_port_index()],
            TableState::Attached(_)
        )
    }

    /// A host for `module` picked from shared memory; `None` when the call
    /// must go over UDP (not attached, module not published there, or a
    /// policy that needs the agent).
    pub(crate) fn pick(&mut self, module: ModuleId) -> Option<(RetCode, Option<HostAddr>)> {
        let seg = self.live_segment(module)?;
        match seg.pick(module) {
            ShmPick::Host(host) => Some((RetCode::Succ, Some(host))),
            ShmPick::Overload => Some((RetCode::Overload, None)),
            ShmPick::AskUdp => None,
        }
    }

    /// Writes a report to the agent's ring; false when it must go over
    /// UDP (not attached, ring full, slot no longer ours).
    pub(crate) fn report(
        &self,
        module: ModuleId,
        host: HostAddr,
        retcode: i32,
        latency_us: Option<u32>,
    ) -> bool {
        let idx = module.agent_port_index();
        let TableState::Attached(seg) = &self.attacher.tables[idx] else {
            return false;
        };
        if !seg.is_live(self.wall_ms) {
            return false;
        }
        let entry = ReportEntry {
            module,
            host,
            retcode,
            latency_us,
        };
        // A full ring: the agent's thread is waiting for a core. Offer it
        // ours once before the report goes over UDP (where a flood that
        // outruns the agent is dropped by the kernel).
        let written = seg.report(&entry) || {
            std::thread::yield_now();
            seg.report(&entry)
        };
        // An agent that found its rings empty for a while stopped draining
        // on a timer: the first report after that wakes it.
        if written && seg.must_wake_agent() {
            self.attacher.ring(idx);
        }
        written
    }

    /// Every host of `module` from shared memory into `out`; false when
    /// the module is not served from there.
    pub(crate) fn route(&mut self, module: ModuleId, out: &mut Vec<HostAddr>) -> bool {
        self.live_segment(module)
            .is_some_and(|seg| seg.route(module, out))
    }

    /// The segment of `module`'s table after the call's upkeep, if it is
    /// attached and alive; a dead one is let go (and asked for again).
    fn live_segment(&mut self, module: ModuleId) -> Option<&lars_shm::Attached> {
        self.upkeep();
        let idx = module.agent_port_index();
        if let TableState::Attached(seg) = &self.attacher.tables[idx] {
            if !seg.is_live(self.wall_ms) {
                log::debug!("lars client: table {idx}: shared memory closed or stale; using UDP");
                self.attacher.detach(idx, Instant::now());
            }
        }
        match &self.attacher.tables[idx] {
            TableState::Attached(seg) => Some(seg),
            _ => None,
        }
    }

    /// Takes in attach answers while some table is unsettled (at most
    /// every [`POLL_EVERY`]) and reads the wall clock every
    /// [`CLOCK_EVERY`] calls.
    fn upkeep(&mut self) {
        self.calls = self.calls.wrapping_add(1);
        if self.calls % CLOCK_EVERY == 0 {
            self.wall_ms = lars_shm::wall_ms();
        }
        let settled = self
            .attacher
            .tables
            .iter()
            .all(|t| matches!(t, TableState::Attached(_) | TableState::Denied));
        if !settled {
            let now = Instant::now();
            if now >= self.next_poll {
                self.attacher.poll(now);
                self.next_poll = now + POLL_EVERY;
                self.wall_ms = lars_shm::wall_ms();
            }
        }
    }
}
