//! The refresher thread: polls the store's route version, reloads and swaps
//! the snapshot, pushes changed routes to subscribers, clears RouteChange.
//! While the store is unreachable it keeps the last snapshot, logs the
//! outage once and the recovery once, and keeps trying.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use lars_proto::{frame, GetRouteResponse, MessageId, ModuleId};
use lars_store::{RouteStore, StoreError};

use crate::oversize::{keep_deliverable, OversizeLog};
use crate::schedule::{Refresh, RefreshSchedule};
use crate::snapshot::{diff_routes, route_response, RouteSnapshot};
use crate::state::DnsState;

/// The running refresher; stops and joins on drop.
pub struct Refresher {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Refresher {
    /// Starts polling every `poll_interval`; oversized routes are logged
    /// through `oversize_log` (which knows what the first load logged).
    pub fn start(
        store: Box<dyn RouteStore>,
        state: Arc<DnsState>,
        schedule: RefreshSchedule,
        poll_interval: Duration,
        oversize_log: OversizeLog,
    ) -> std::io::Result<Refresher> {
        let (stop_tx, stop_rx) = crossbeam_channel::bounded(1);
        let mut worker = Worker {
            store,
            state,
            schedule,
            in_outage: false,
            oversize_log,
        };
        let thread = std::thread::Builder::new()
            .name("dns-refresher".into())
            .spawn(move || worker.run(poll_interval, stop_rx))?;
        Ok(Refresher {
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Refresher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker {
    store: Box<dyn RouteStore>,
    state: Arc<DnsState>,
    schedule: RefreshSchedule,
    in_outage: bool,
    oversize_log: OversizeLog,
}

impl Worker {
    fn run(&mut self, poll_interval: Duration, stop: Receiver<()>) {
        // A closed or signalled channel ends the loop; a timeout is a tick.
        while let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
            stop.recv_timeout(poll_interval)
        {
            match self.tick() {
                Ok(()) => self.state.metrics.store_up.store(true, Relaxed),
                Err(e) => {
                    let metrics = &self.state.metrics;
                    metrics.store_up.store(false, Relaxed);
                    metrics.reload_failures.fetch_add(1, Relaxed);
                    self.outage(&e);
                }
            }
        }
    }

    fn tick(&mut self) -> Result<(), StoreError> {
        let version = self.store.version()?;
        let now = Instant::now();
        let Refresh::Reload {
            version,
            version_changed,
        } = self.schedule.decide(version, now)
        else {
            return self.recovered();
        };
        let started = Instant::now();
        let mut routes = self.store.load_routes()?;
        let oversized = keep_deliverable(&mut routes, &self.state.snapshot.load().routes);
        self.oversize_log.report(version, &oversized);
        let next = Arc::new(RouteSnapshot { version, routes });
        let previous = self.state.snapshot.swap(next.clone());
        let mut changed: BTreeSet<ModuleId> = diff_routes(&previous.routes, &next.routes)
            .into_iter()
            .collect();
        if version_changed {
            changed.extend(self.store.changed_modules(version)?);
        }
        let pushed = self.push(&changed, &next);
        let metrics = &self.state.metrics;
        metrics.reloads.fetch_add(1, Relaxed);
        metrics.pushes_sent.fetch_add(pushed as u64, Relaxed);
        metrics.reload_duration.observe(started.elapsed());
        if version_changed {
            self.store.delete_changes(version)?;
            log::info!(
                "route version {} -> {version}: {} modules changed, {pushed} pushes sent",
                self.schedule.loaded_version(),
                changed.len()
            );
        } else if !changed.is_empty() {
            log::info!(
                "periodic reload at version {version}: {} modules changed, {pushed} pushes sent",
                changed.len()
            );
        }
        self.schedule.loaded(version, now);
        self.recovered()
    }

    /// Sends each changed module's route to its subscribers; each frame is
    /// encoded once and shared. Returns the number of pushes.
    fn push(&self, changed: &BTreeSet<ModuleId>, snapshot: &RouteSnapshot) -> usize {
        let mut pushes = 0;
        for &module in changed {
            let subscribers = self.state.subscriptions.lock().subscribers(module);
            if subscribers.is_empty() {
                continue;
            }
            let mut response = route_response(module, snapshot.route(module));
            // Two frames at most: with the version and without (the
            // original's bytes), each encoded once and shared.
            let plain = encode_push(module, &response);
            response.version = Some(snapshot.version);
            let versioned = encode_push(module, &response);
            for (handle, wants_version) in subscribers {
                let bytes = if wants_version { &versioned } else { &plain };
                if let Some(bytes) = bytes {
                    if handle.send_frame(bytes.clone()).is_ok() {
                        pushes += 1;
                    }
                }
            }
        }
        pushes
    }

    fn outage(&mut self, e: &StoreError) {
        if !self.in_outage {
            log::warn!(
                "route store {}: {e}; serving the last routes (version {}) and retrying",
                self.store.describe(),
                self.schedule.loaded_version()
            );
            self.in_outage = true;
        } else {
            log::debug!("route store still unavailable: {e}");
        }
    }

    fn recovered(&mut self) -> Result<(), StoreError> {
        if self.in_outage {
            log::info!("route store {} is reachable again", self.store.describe());
            self.in_outage = false;
        }
        Ok(())
    }
}

/// The frame of a pushed route, or `None` (logged) if it cannot be encoded.
fn encode_push(module: ModuleId, response: &GetRouteResponse) -> Option<Arc<[u8]>> {
    match frame::encode(MessageId::IdGetRouteResponse, response) {
        Ok(bytes) => Some(bytes.into()),
        Err(e) => {
            log::error!("module {module}: route cannot be pushed: {e}");
            None
        }
    }
}
