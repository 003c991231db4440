//! The pure aggregation of call statuses between the network and the store:
//! one pending row per (modid, cmdid, ip, port, caller), the latest report
//! wins. No I/O, no clock.
//!
//! Rows leave the coalescer in two steps, so that a failed write loses
//! nothing: [`Coalescer::take_all`] / [`Coalescer::take_batch`] check rows
//! *out*, then either [`Coalescer::written`] checks them in as stored, or
//! [`Coalescer::restore`] puts them back — without overwriting a newer value
//! that arrived for the same key in the meantime.
//!
//! The key bound counts pending *and* checked-out rows, so the rows held in
//! memory never exceed `max_keys` however long the store stays down.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::net::Ipv4Addr;

use lars_proto::{HostAddr, ModuleId};
use lars_store::CallStatus;

/// The primary key of `ServerCallStatus`: (module, host, caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusKey {
    /// The module.
    pub module: ModuleId,
    /// The host called.
    pub host: HostAddr,
    /// The reporting agent.
    pub caller: Ipv4Addr,
}

impl StatusKey {
    /// The key of `row`.
    pub fn of(row: &CallStatus) -> StatusKey {
        StatusKey {
            module: row.module,
            host: row.host,
            caller: row.caller,
        }
    }
}

/// The non-key columns, kept apart from the key to keep entries small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    succ_cnt: u32,
    err_cnt: u32,
    ts: u32,
    overload: bool,
}

impl Counts {
    fn of(row: &CallStatus) -> Counts {
        Counts {
            succ_cnt: row.succ_cnt,
            err_cnt: row.err_cnt,
            ts: row.ts,
            overload: row.overload,
        }
    }

    fn row(self, key: StatusKey) -> CallStatus {
        CallStatus {
            module: key.module,
            host: key.host,
            caller: key.caller,
            succ_cnt: self.succ_cnt,
            err_cnt: self.err_cnt,
            ts: self.ts,
            overload: self.overload,
        }
    }
}

/// What [`Coalescer::insert`] did with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// The key was not pending; it is now.
    New,
    /// The key was pending; its value was replaced by this newer one.
    Replaced,
    /// The key was not pending and the bound is reached: the row was dropped.
    Dropped,
}

/// Pending call statuses, latest value per key, at most `max_keys` rows
/// held (pending plus checked out). Plain data: the writer's shard keeps it
/// behind a mutex.
///
/// ```
/// use lars_proto::ModuleId;
/// use lars_reporter::{Coalescer, Merge};
/// use lars_store::CallStatus;
///
/// let row = |succ_cnt| CallStatus {
///     module: ModuleId::new(1, 1),
///     host: "192.168.1.177:80".parse().unwrap(),
///     caller: "10.0.0.1".parse().unwrap(),
///     succ_cnt, err_cnt: 0, ts: 0, overload: false,
/// };
/// let mut c = Coalescer::new(1000);
/// assert_eq!(c.insert(row(1)), Merge::New);
/// let failed = c.take_all(); // the write of succ_cnt 1 fails...
/// assert_eq!(c.insert(row(2)), Merge::New); // ...while 2 arrives
/// assert_eq!(c.restore(&failed), 0); // 1 does not overwrite 2
/// assert_eq!(c.take_all()[0].succ_cnt, 2);
/// ```
#[derive(Debug)]
pub struct Coalescer {
    pending: HashMap<StatusKey, Counts>,
    checked_out: usize,
    max_keys: usize,
}

impl Coalescer {
    /// An empty coalescer holding at most `max_keys` rows (at least 1).
    pub fn new(max_keys: usize) -> Coalescer {
        Coalescer {
            pending: HashMap::new(),
            checked_out: 0,
            max_keys: max_keys.max(1),
        }
    }

    /// Records `row` as the latest value of its key. A key not yet pending
    /// is dropped when `len() + checked_out() == max_keys`; a pending key is
    /// always updated, since that costs no memory.
    pub fn insert(&mut self, row: CallStatus) -> Merge {
        let full = self.pending.len() + self.checked_out >= self.max_keys;
        match self.pending.entry(StatusKey::of(&row)) {
            Entry::Occupied(mut e) => {
                e.insert(Counts::of(&row));
                Merge::Replaced
            }
            Entry::Vacant(_) if full => Merge::Dropped,
            Entry::Vacant(e) => {
                e.insert(Counts::of(&row));
                Merge::New
            }
        }
    }

    /// Keys waiting to be taken.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether no key is waiting.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Rows taken but not yet [`written`](Self::written) or
    /// [`restore`](Self::restore)d.
    pub fn checked_out(&self) -> usize {
        self.checked_out
    }

    /// The bound on pending plus checked-out rows.
    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    /// Checks out every pending row (in no particular order).
    pub fn take_all(&mut self) -> Vec<CallStatus> {
        let rows: Vec<CallStatus> = self
            .pending
            .drain()
            .map(|(key, counts)| counts.row(key))
            .collect();
        self.checked_out += rows.len();
        rows
    }

    /// Checks out at most `max_rows` pending rows (in no particular order).
    pub fn take_batch(&mut self, max_rows: usize) -> Vec<CallStatus> {
        if self.pending.len() <= max_rows {
            return self.take_all();
        }
        let keys: Vec<StatusKey> = self.pending.keys().take(max_rows).copied().collect();
        let rows: Vec<CallStatus> = keys
            .into_iter()
            .filter_map(|key| self.pending.remove(&key).map(|c| c.row(key)))
            .collect();
        self.checked_out += rows.len();
        rows
    }

    /// Checks in `rows` checked-out rows that were stored (or given up).
    pub fn written(&mut self, rows: usize) {
        self.checked_out = self.checked_out.saturating_sub(rows);
    }

    /// Puts back checked-out rows whose write failed. A key that received a
    /// newer value since it was taken keeps that newer value. Returns how
    /// many rows went back (the others were superseded).
    pub fn restore(&mut self, rows: &[CallStatus]) -> usize {
        self.checked_out = self.checked_out.saturating_sub(rows.len());
        let mut restored = 0;
        for row in rows {
            if let Entry::Vacant(e) = self.pending.entry(StatusKey::of(row)) {
                e.insert(Counts::of(row));
                restored += 1;
            }
        }
        restored
    }
}

#[cfg(test)]
mod tests;
