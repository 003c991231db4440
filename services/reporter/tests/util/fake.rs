//! An in-memory status store that can be switched off, or made to hang in
//! its calls, to drive the writers' outage handling deterministically.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use std::net::Ipv4Addr;

use lars_proto::{HostAddr, ModuleId};
use lars_reporter::StoreOpener;
use lars_store::{CallStatus, StatusStore, StoreError};

/// The table's primary key: (module, host, caller).
type Key = (ModuleId, HostAddr, Ipv4Addr);

/// The shared "database".
#[derive(Default)]
pub struct FakeDb {
    rows: Mutex<BTreeMap<Key, CallStatus>>,
    down: AtomicBool,
    largest_batch: AtomicUsize,
    upserts: AtomicUsize,
    hung: Mutex<bool>,
    unhung: Condvar,
    hung_calls: AtomicUsize,
}

/// The longest a hung call blocks before it fails anyway, so that a test
/// of code that waits for it fails instead of hanging.
pub const HANG_LIMIT: Duration = Duration::from_secs(15);

impl FakeDb {
    /// A database that is up (`down` false) or down.
    pub fn new(down: bool) -> Arc<FakeDb> {
        let db = Arc::new(FakeDb::default());
        db.set_down(down);
        db
    }

    /// Switches the database off or on.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Makes upserts block (as over a link that stopped forwarding) until
    /// switched back, or for [`HANG_LIMIT`] at most, then fail.
    pub fn set_hung(&self, hung: bool) {
        *self.hung.lock().unwrap() = hung;
        self.unhung.notify_all();
    }

    /// Upserts that have blocked in [`set_hung`](Self::set_hung) mode.
    pub fn hung_calls(&self) -> usize {
        self.hung_calls.load(Ordering::SeqCst)
    }

    /// Blocks while hung (at most [`HANG_LIMIT`]); whether it was.
    fn hang(&self) -> bool {
        let hung = self.hung.lock().unwrap();
        if !*hung {
            return false;
        }
        self.hung_calls.fetch_add(1, Ordering::SeqCst);
        let _ = self
            .unhung
            .wait_timeout_while(hung, HANG_LIMIT, |hung| *hung)
            .unwrap();
        true
    }

    /// The stored rows in key order.
    pub fn rows(&self) -> Vec<CallStatus> {
        self.rows.lock().unwrap().values().copied().collect()
    }

    /// The most rows one upsert carried.
    pub fn largest_batch(&self) -> usize {
        self.largest_batch.load(Ordering::SeqCst)
    }

    /// Successful upserts.
    pub fn upserts(&self) -> usize {
        self.upserts.load(Ordering::SeqCst)
    }

    /// Opens handles on this database; fails while it is down.
    pub fn opener(self: &Arc<Self>) -> StoreOpener {
        let db = self.clone();
        Arc::new(move || {
            if db.down.load(Ordering::SeqCst) {
                Err(down("open"))
            } else {
                Ok(Box::new(FakeStore(db.clone())) as Box<dyn StatusStore>)
            }
        })
    }
}

fn down(action: &str) -> StoreError {
    StoreError::BadData {
        store: "fake".into(),
        action: action.into(),
        reason: "switched off".into(),
    }
}

struct FakeStore(Arc<FakeDb>);

impl StatusStore for FakeStore {
    fn describe(&self) -> String {
        "fake".into()
    }

    fn upsert_statuses(&mut self, rows: &[CallStatus]) -> Result<(), StoreError> {
        if self.0.hang() || self.0.down.load(Ordering::SeqCst) {
            return Err(down("upsert"));
        }
        let mut table = self.0.rows.lock().unwrap();
        for r in rows {
            table.insert((r.module, r.host, r.caller), *r);
        }
        self.0.largest_batch.fetch_max(rows.len(), Ordering::SeqCst);
        self.0.upserts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn read_statuses(
        &mut self,
        _modid: Option<i32>,
        _cmdid: Option<i32>,
    ) -> Result<Vec<CallStatus>, StoreError> {
        Ok(self.0.rows())
    }
}
