//! A table thread's side of the same-host fast path (docs/SHM.md): its
//! segment is created on the loop thread at start, clients attach through
//! a UDP message, and two timers keep it current — every
//! `[agent] shm_report_delay` the reports clients wrote are applied and
//! the changed modules published again (until nothing came for 100 drains:
//! the segment then parks and the first client to report rings it, see
//! `lars_shm::doorbell`); every second the slots of departed clients are
//! freed and modules picked from memory are re-pulled when stale.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lars_proto::{RetCode, ShmAttachRequest, ShmAttachResponse};
use lars_reactor::{EventLoop, UdpServer};

use super::TableService;
use crate::config::AgentConfig;
use crate::messages::ToTable;
use crate::shm::ShmTable;

impl TableService {
    /// Creates the table's segment when `[agent] shm` is on. A segment that
    /// cannot be made is logged; the table then serves UDP only.
    pub(super) fn start_shm(&mut self, config: &AgentConfig) {
        if !config.shm.enabled {
            return;
        }
        let generation = new_generation(self.index);
        match ShmTable::create(
            &config.shm,
            config.base_port,
            self.index,
            config.lb.probe_num,
            generation,
        ) {
            Ok(mut shm) => {
                shm.mark_all(&self.table);
                shm.publish(&self.table);
                shm.heartbeat(lars_shm::wall_ms());
                log::info!(
                    "{}: same-host fast path in {}",
                    self.name,
                    shm.path().display()
                );
                self.shm = Some(shm);
            }
            Err(e) => log::error!(
                "{}: no same-host fast path (callers use UDP): cannot create the segment: {e}",
                self.name
            ),
        }
    }

    /// Answers a client's request for a slot in the segment.
    pub(super) fn shm_attach(&mut self, req: &ShmAttachRequest) -> ShmAttachResponse {
        match &mut self.shm {
            Some(shm) => shm.attach(req.pid),
            None => ShmAttachResponse {
                retcode: RetCode::NoExist.to_wire(),
                ..ShmAttachResponse::default()
            },
        }
    }

    /// Marks a module whose lists changed for publication.
    pub(super) fn shm_mark(&mut self, module: lars_proto::ModuleId) {
        if let Some(shm) = &mut self.shm {
            shm.mark(module);
        }
    }

    /// Publishes what changed since the last publication.
    pub(super) fn shm_publish(&mut self) {
        if let Some(shm) = &mut self.shm {
            shm.publish(&self.table);
        }
    }

    /// Applies the reports clients wrote, publishes what they changed, and
    /// beats the heartbeat; false when the segment parked (the timer
    /// stops).
    fn shm_tick(&mut self) -> bool {
        let Some(shm) = &mut self.shm else {
            self.shm_ticking = false;
            return false;
        };
        let keep = shm.tick(&mut self.table, self.clock.now(), self.clock.now_ms());
        shm.publish(&self.table);
        shm.heartbeat(lars_shm::wall_ms());
        self.links.metrics.tables[self.index].publish_shm(shm.counts(), shm.clients());
        self.shm_ticking = keep;
        keep
    }

    /// A client rang the parked segment: drain now, publish, and have the
    /// loop start the timer again (through the table's own queue: a
    /// request handler cannot start timers).
    pub(super) fn shm_rung(&mut self) {
        let Some(shm) = &mut self.shm else {
            return;
        };
        if !shm.is_parked() {
            return;
        }
        shm.wake();
        shm.drain(&mut self.table, self.clock.now(), self.clock.now_ms());
        shm.publish(&self.table);
        if self.links.tables[self.index]
            .push(ToTable::ShmWake)
            .is_err()
        {
            log::error!(
                "{}: own queue is gone; reports wait for the upkeep",
                self.name
            );
        }
    }

    /// Whether the drain timer must be started again (it stopped and the
    /// segment is awake); marks it running.
    pub(super) fn shm_restart_tick(&mut self) -> bool {
        let awake = self.shm.as_ref().is_some_and(|shm| !shm.is_parked());
        let restart = awake && !self.shm_ticking;
        self.shm_ticking |= restart;
        restart
    }

    /// Frees departed clients' slots, re-pulls stale modules picked from
    /// memory, logs what was refused; beats the heartbeat of a parked
    /// segment and wakes it if reports arrived without a ring (true: the
    /// timer must start again).
    fn shm_upkeep(&mut self) -> bool {
        let Some(shm) = &mut self.shm else {
            return false;
        };
        let (now, now_ms) = (self.clock.now(), self.clock.now_ms());
        shm.reap(&mut self.table, now, now_ms);
        shm.note_usage(&mut self.table, now);
        if shm.is_parked() {
            shm.heartbeat(lars_shm::wall_ms());
            if shm.drain(&mut self.table, now, now_ms) > 0 {
                shm.wake();
            }
        }
        shm.publish(&self.table);
        shm.log_refusals();
        let metrics = &self.links.metrics.tables[self.index];
        metrics.publish_shm(shm.counts(), shm.clients());
        // Probes made from memory were just added to the table's count.
        metrics.publish_counts(&self.table);
        self.send_pulls();
        self.shm_restart_tick()
    }

    /// Closes the segment (its file is removed): clients go back to UDP.
    pub(super) fn close_shm(&mut self) {
        if let Some(shm) = self.shm.take() {
            log::info!("{}: same-host fast path closed", self.name);
            drop(shm);
        }
    }
}

/// Starts the fast path's timers on the table's loop: the drain every
/// `delay` (while the segment is awake) and the upkeep every second.
pub(super) fn run_timers(el: &mut EventLoop, server: UdpServer<TableService>, delay: Duration) {
    if let Ok(true) = server.with_state(el, |ctx, _| ctx.state().shm_restart_tick()) {
        schedule_tick(el, server, delay);
    }
    el.run_every(Duration::from_secs(1), move |el| {
        match server.with_state(el, |ctx, _| ctx.state().shm_upkeep()) {
            Ok(true) => schedule_tick(el, server, delay),
            Ok(false) => {}
            Err(e) => log::error!("shared-memory upkeep not done: {e}"),
        }
    });
}

/// Drains in `delay`, and again after that, until the segment parks.
pub(super) fn schedule_tick(el: &mut EventLoop, server: UdpServer<TableService>, delay: Duration) {
    el.run_after(delay, move |el| {
        match server.with_state(el, |ctx, _| ctx.state().shm_tick()) {
            Ok(true) => schedule_tick(el, server, delay),
            Ok(false) => {}
            Err(e) => log::error!("shared-memory reports not applied: {e}"),
        }
    });
}

/// A non-zero number that differs between agent starts and tables.
fn new_generation(index: usize) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mixed = crate::lb::mix64(nanos ^ (u64::from(std::process::id()) << 32) ^ index as u64);
    mixed.max(1)
}
