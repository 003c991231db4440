//! Helpers shared by the segment tests: scratch directories, hosts,
//! segments with a small geometry, raw writes into a segment file.
#![allow(dead_code)]

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use lars_proto::{HostAddr, ModuleId};
use lars_shm::{Attached, Geometry, ModuleMode, PublishedModule, Segment};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh directory under the system temp dir, removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "lars_shm_{name}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// 8 module slots of 4 hosts and 8 rotation entries, 2 client slots with
/// rings of 4 entries.
pub const SMALL: Geometry = Geometry {
    module_slots: 8,
    hosts_per_module: 4,
    rotation_len: 8,
    client_slots: 2,
    ring_entries: 4,
};

pub const GENERATION: u64 = 0x5eed_0000_0000_0001;

/// `10.0.0.n:(8000 + n)`.
pub fn host(n: u8) -> HostAddr {
    HostAddr::new([10, 0, 0, n].into(), 8000 + u16::from(n))
}

pub fn module(n: i32) -> ModuleId {
    ModuleId::new(n, 1)
}

/// A served view.
pub fn serve<'a>(
    hosts: &'a [HostAddr],
    rotation: &'a [u16],
    overloaded: &'a [u16],
    probe: bool,
) -> PublishedModule<'a> {
    PublishedModule {
        mode: ModuleMode::Serve,
        hosts,
        rotation,
        overloaded,
        probe,
    }
}

/// A view of `mode` with no hosts.
pub fn empty(mode: ModuleMode) -> PublishedModule<'static> {
    PublishedModule {
        mode,
        hosts: &[],
        rotation: &[],
        overloaded: &[],
        probe: false,
    }
}

/// A 0600 segment of `geometry` in `scratch` with `probe_num`.
pub fn segment(scratch: &Scratch, geometry: Geometry, probe_num: u32) -> Segment {
    Segment::create(
        &scratch.file("seg"),
        geometry,
        0,
        GENERATION,
        probe_num,
        0o600,
        None,
    )
    .unwrap()
}

/// A client slot for this process, opened.
pub fn attach(segment: &mut Segment) -> Attached {
    let (slot, ticket) = segment.attach_client(std::process::id()).unwrap();
    Attached::open(segment.path(), segment.generation(), slot, ticket).unwrap()
}

pub fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Writes `bytes` at `offset` of the file, as another process could.
pub fn poke(path: &Path, offset: usize, bytes: &[u8]) {
    let file = OpenOptions::new().write(true).open(path).unwrap();
    file.write_all_at(bytes, offset as u64).unwrap();
}

/// The pid of a process that has exited and been waited for.
pub fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}
