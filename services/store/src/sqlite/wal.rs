//! The SQLite store's write-ahead log kept small: the pragmas set when the
//! file is opened, and the truncating checkpoints [`CheckpointPolicy`]
//! asks for after writes and while the writer is idle.

use std::path::PathBuf;
use std::time::Instant;

use rusqlite::Connection;

use super::SqliteStore;
use crate::checkpoint::CheckpointOutcome;
use crate::error::StoreError;

/// `PRAGMA journal_size_limit`: whenever SQLite starts the log over, a
/// file larger than this is cut back to it.
pub const JOURNAL_SIZE_LIMIT: u64 = 16 * 1024 * 1024;

/// `PRAGMA wal_autocheckpoint`: a commit that leaves more pages than this
/// (4 MiB) in the log runs a passive checkpoint (SQLite's default, set
/// explicitly). It runs inside the commit, so behind the
/// [`WriteGate`](super::gate::WriteGate): no other writer of the process
/// appends meanwhile, it catches up, and the next write starts the log
/// over.
pub const WAL_AUTOCHECKPOINT_PAGES: u32 = 1000;

/// Sets the log's pragmas on a newly opened connection.
pub(super) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT};\n\
         PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES};"
    ))
}

impl SqliteStore {
    /// The write-ahead log: the database file's name with `-wal`.
    pub fn wal_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push("-wal");
        PathBuf::from(name)
    }

    /// The log's size in bytes (0 when there is none).
    pub fn wal_bytes(&self) -> u64 {
        std::fs::metadata(self.wal_path()).map_or(0, |m| m.len())
    }

    /// After a committed write, behind the gate: truncates the log if it has grown to the
    /// policy's limit. A checkpoint that fails is logged, never the
    /// write's failure.
    pub(super) fn after_write(&mut self) {
        let now = Instant::now();
        if self.checkpoints.wrote(now, self.wal_bytes()) {
            if let Err(e) = self.truncate_wal(now) {
                log::warn!("{e}");
            }
        }
    }

    /// While nothing is written: truncates a non-empty log once the policy
    /// says the writer is idle.
    pub(super) fn idle_checkpoint(&mut self) -> Result<(), StoreError> {
        let gate = self.gate.clone();
        let _held = gate.enter();
        let now = Instant::now();
        if self.checkpoints.idle(now, self.wal_bytes()) {
            self.truncate_wal(now)?;
        }
        Ok(())
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)`: waits (up to the busy timeout)
    /// for the writers and readers of the moment, copies the log into the
    /// database and cuts it to zero bytes. A reader that kept an older
    /// snapshot makes it stop early; another connection's checkpoint makes
    /// it give way at once.
    pub fn truncate_wal(&mut self, now: Instant) -> Result<CheckpointOutcome, StoreError> {
        let before = self.wal_bytes();
        let (busy, frames, copied): (i64, i64, i64) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| {
                self.checkpoints
                    .checkpointed(now, CheckpointOutcome::StoppedEarly);
                self.error("checkpoint the write-ahead log", e)
            })?;
        // SQLite reports -1 frames when it could not take the checkpoint
        // lock at all.
        let outcome = match (busy, frames) {
            (0, _) => CheckpointOutcome::Truncated,
            (_, -1) => CheckpointOutcome::Contended,
            _ => CheckpointOutcome::StoppedEarly,
        };
        self.checkpoints.checkpointed(now, outcome);
        let path = &self.path_text;
        match outcome {
            CheckpointOutcome::Truncated => log::debug!(
                "sqlite {path}: write-ahead log of {before} bytes checkpointed and truncated"
            ),
            CheckpointOutcome::Contended => log::debug!(
                "sqlite {path}: write-ahead log of {before} bytes: another connection is checkpointing it"
            ),
            CheckpointOutcome::StoppedEarly => log::debug!(
                "sqlite {path}: checkpoint of the write-ahead log ({before} bytes) stopped early: \
                 {copied} of {frames} frames copied, a reader or writer held on past the busy timeout"
            ),
        }
        Ok(outcome)
    }
}
