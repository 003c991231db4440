//! Snapshot files on disk: reading a table's file at start, and a writer
//! thread that replaces a file atomically (temporary file, fsync, rename,
//! fsync of the directory), so a crash leaves the old file or the new one,
//! never half of one. A failure is logged and the agent serves on.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use crate::snapshot::{parse, Restored, SnapshotError};

/// The file of table `index` in `dir`.
pub fn table_file(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("table-{index}.json"))
}

/// The modules saved for table `index` in `dir`; nothing (logged) when
/// the file is missing, unreadable, corrupt or foreign.
pub fn load(dir: &Path, index: usize) -> Vec<Restored> {
    let path = table_file(dir, index);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            log::warn!(
                "route snapshot {}: {e}; starting without it",
                path.display()
            );
            return Vec::new();
        }
    };
    match parse(&bytes, index) {
        Ok((restored, skipped)) => {
            if skipped > 0 {
                log::warn!(
                    "route snapshot {}: {skipped} invalid modules left out",
                    path.display()
                );
            }
            restored
        }
        Err(SnapshotError::Corrupt(e)) => {
            log::warn!(
                "route snapshot {} is corrupt ({e}); ignored",
                path.display()
            );
            Vec::new()
        }
        Err(SnapshotError::Foreign(why)) => {
            log::warn!("route snapshot {} is {why}; ignored", path.display());
            Vec::new()
        }
    }
}

/// The thread that writes snapshot files; stops (writing what it was
/// given) when dropped.
pub struct SnapshotWriter {
    tx: Option<Sender<(PathBuf, Vec<u8>)>>,
    thread: Option<JoinHandle<()>>,
}

impl SnapshotWriter {
    /// Starts the thread.
    pub fn start() -> io::Result<SnapshotWriter> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("agent-snapshots".into())
            .spawn(move || write_all(rx))?;
        Ok(SnapshotWriter {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// A handle that hands files to the thread.
    pub fn sender(&self) -> Option<Sender<(PathBuf, Vec<u8>)>> {
        self.tx.clone()
    }
}

impl Drop for SnapshotWriter {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn write_all(rx: Receiver<(PathBuf, Vec<u8>)>) {
    for (path, bytes) in rx {
        if let Err(e) = write_atomically(&path, &bytes) {
            log::warn!("route snapshot {} not written: {e}", path.display());
        }
    }
}

/// Replaces `path` with `bytes`: a crash leaves the old file or the new.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let temp = path.with_extension("json.tmp");
    let mut file = File::create(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temp, path)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_replaces_the_old_one_and_leaves_no_temporary() {
        let dir = lars_testkit::ScratchDir::new("snapshot-io");
        let path = table_file(&dir.join("nested"), 1);
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(dir.join("nested")).unwrap().collect();
        assert_eq!(names.len(), 1, "only table-1.json");
        assert!(load(&dir.join("nested"), 1).is_empty(), "corrupt: ignored");
        assert!(load(&dir.join("missing"), 1).is_empty());
    }
}
