//! [`WriteGate`]: one write transaction at a time per database file within
//! a process.
//!
//! SQLite lets one connection write at a time anyway; the others wait in
//! its busy handler, which sleeps in growing steps. With several writers
//! (the reporter's writer threads in a flood) a passive checkpoint run at
//! one commit never catches up with the frames the next writers append
//! meanwhile, so the log never starts over and grows by megabytes a
//! second; a truncating checkpoint waits for a write lock the writers keep
//! taking ahead of it. Behind the gate the connections of one process hand
//! the file over in turn, and the checkpoints a commit runs (SQLite's
//! passive one, the policy's truncating one) run while the gate is still
//! held, with no writer of the process between them and the end of the
//! log.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

/// The gate of one database file, shared by every [`super::SqliteStore`]
/// of this process on that file.
#[derive(Debug, Clone)]
pub(super) struct WriteGate(Arc<Mutex<()>>);

/// Gates by canonical file path; an entry lives as long as a store uses it.
fn gates() -> &'static Mutex<HashMap<PathBuf, Weak<Mutex<()>>>> {
    static GATES: OnceLock<Mutex<HashMap<PathBuf, Weak<Mutex<()>>>>> = OnceLock::new();
    GATES.get_or_init(Mutex::default)
}

impl WriteGate {
    /// The gate of the (existing) database file `path`.
    pub(super) fn for_file(path: &Path) -> WriteGate {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut map = gates().lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, gate| gate.strong_count() > 0);
        if let Some(gate) = map.get(&key).and_then(Weak::upgrade) {
            return WriteGate(gate);
        }
        let gate = Arc::new(Mutex::new(()));
        map.insert(key, Arc::downgrade(&gate));
        WriteGate(gate)
    }

    /// Waits for the gate; the write (and the checkpoint after it) happens
    /// while the guard is held.
    pub(super) fn enter(&self) -> MutexGuard<'_, ()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_gate_per_file_however_it_is_named() {
        let dir = std::env::temp_dir().join(format!("lars_gate_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a.db");
        std::fs::write(&file, b"").unwrap();
        let other = dir.join("b.db");
        std::fs::write(&other, b"").unwrap();
        let a = WriteGate::for_file(&file);
        let a_again = WriteGate::for_file(&dir.join(".").join("a.db"));
        let b = WriteGate::for_file(&other);
        assert!(Arc::ptr_eq(&a.0, &a_again.0));
        assert!(!Arc::ptr_eq(&a.0, &b.0));
        let _held = a.enter();
        assert!(
            a_again.0.try_lock().is_err(),
            "the same file's gate is taken"
        );
        assert!(b.0.try_lock().is_ok(), "another file's gate is free");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
