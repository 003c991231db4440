//! A table thread's upkeep besides requests: its route snapshot (restored
//! at start, saved when routes changed) and the counted log lines for
//! modules it refused or dropped.

use super::TableService;

impl TableService {
    /// Serves the routes saved by the last run of this table at once,
    /// pulling each again from DNS.
    pub(super) fn restore_snapshot(&mut self) {
        let Some(sink) = &self.links.snapshots else {
            return;
        };
        let saved = crate::snapshot_io::load(&sink.dir, self.index);
        let now = self.clock.now();
        let restored = saved
            .iter()
            .filter(|r| self.table.restore(r.module, &r.route, r.version, now))
            .count();
        if restored > 0 {
            log::info!(
                "{}: {restored} modules served from the route snapshot in {} until DNS answers",
                self.name,
                sink.dir.display()
            );
        }
        self.send_pulls();
    }

    /// Hands the table's routes to the snapshot writer if they changed.
    pub(super) fn save_snapshot(&mut self) {
        let Some(sink) = &self.links.snapshots else {
            return;
        };
        if !self.snapshot_dirty {
            return;
        }
        self.snapshot_dirty = false;
        let snapshot = crate::snapshot::from_table(self.index, &self.table);
        match serde_json::to_vec(&snapshot) {
            Ok(bytes) => {
                let path = crate::snapshot_io::table_file(&sink.dir, self.index);
                let _ = sink.writer.send((path, bytes));
            }
            Err(e) => log::error!("{}: route snapshot not encoded: {e}", self.name),
        }
    }

    /// One line per interval for what happened to many modules: requests
    /// for new modules refused, modules DNS has no hosts for.
    pub(super) fn log_dropped_modules(&mut self) {
        let refused = self.table.take_refused();
        if refused.full > 0 {
            log::warn!(
                "{}: {} requests for new modules answered RET_NOEXIST: the table is full ([agent] max_modules)",
                self.name,
                refused.full
            );
        }
        if refused.rate > 0 {
            log::warn!(
                "{}: {} requests for new modules answered RET_NOEXIST: more new modules a second than [agent] new_modules_per_sec",
                self.name,
                refused.rate
            );
        }
        if let Some(last) = self.last_deleted.take() {
            log::info!(
                "{}: {} modules have no hosts in DNS and were dropped (the last: {last})",
                self.name,
                std::mem::take(&mut self.deleted)
            );
        }
    }
}
