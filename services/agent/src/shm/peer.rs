//! Who asks for a slot: a client process of another user could not open
//! the segment (mode 0600), so it gets no slot it would never use — the
//! agent reads the process's user and groups from `/proc/<pid>/status`.

use std::path::Path;

/// The real and effective user ids and the groups of a process, from the
/// text of its `/proc/<pid>/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessIds {
    /// Real and effective user id.
    pub uids: [u32; 2],
    /// Real and effective group id, then the supplementary groups.
    pub gids: Vec<u32>,
}

impl ProcessIds {
    /// Reads the `Uid:`, `Gid:` and `Groups:` lines; `None` if they are
    /// missing or not numbers.
    pub fn parse(status: &str) -> Option<ProcessIds> {
        let field = |name: &str| -> Option<Vec<u32>> {
            let line = status.lines().find_map(|l| l.strip_prefix(name))?;
            line.split_whitespace().map(|n| n.parse().ok()).collect()
        };
        let uid = field("Uid:")?;
        let mut gids = field("Gid:")?;
        gids.truncate(2);
        gids.extend(field("Groups:").unwrap_or_default());
        Some(ProcessIds {
            uids: [*uid.first()?, *uid.get(1)?],
            gids,
        })
    }

    /// The ids of process `pid`, `None` when it cannot be read (gone, or
    /// no `/proc`).
    pub fn of(pid: u32) -> Option<ProcessIds> {
        Self::read(&Path::new("/proc").join(pid.to_string()).join("status"))
    }

    /// The ids of this process.
    pub fn own() -> Option<ProcessIds> {
        Self::read(Path::new("/proc/self/status"))
    }

    fn read(path: &Path) -> Option<ProcessIds> {
        Self::parse(&std::fs::read_to_string(path).ok()?)
    }

    /// Whether a process with these ids may open a segment owned by user
    /// `owner`, readable by `group` if one is set: the same effective user,
    /// or a member of the group. (Root may open anything.)
    pub fn may_open(&self, owner: u32, group: Option<u32>) -> bool {
        let euid = self.uids[1];
        euid == 0 || euid == owner || group.is_some_and(|g| self.gids.contains(&g))
    }
}

/// Whether process `pid` may open segments owned by user `owner` (this
/// agent's effective user, read once at start) with `group`; true when
/// `/proc` cannot tell (the open itself is then the check).
pub fn may_attach(pid: u32, owner: Option<u32>, group: Option<u32>) -> bool {
    match (ProcessIds::of(pid), owner) {
        (Some(peer), Some(owner)) => peer.may_open(owner, group),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tcat\nUmask:\t0022\nState:\tR (running)\n\
        Uid:\t1000\t1001\t1001\t1001\nGid:\t100\t101\t101\t101\nFDSize:\t64\n\
        Groups:\t24 27 1005 \nNStgid:\t7\n";

    #[test]
    fn status_lines_give_users_and_groups() {
        let ids = ProcessIds::parse(STATUS).unwrap();
        assert_eq!(ids.uids, [1000, 1001]);
        assert_eq!(ids.gids, vec![100, 101, 24, 27, 1005]);
        assert_eq!(ProcessIds::parse("Name:\tx\n"), None);
        assert_eq!(ProcessIds::parse("Uid:\tx y\nGid:\t1 1\n"), None);
    }

    #[test]
    fn the_effective_user_or_a_group_member_may_open() {
        let ids = ProcessIds::parse(STATUS).unwrap();
        assert!(ids.may_open(1001, None), "same effective user");
        assert!(
            !ids.may_open(1000, None),
            "the real user is not the one that opens"
        );
        assert!(!ids.may_open(2000, None));
        assert!(
            ids.may_open(2000, Some(27)),
            "member of the segment's group"
        );
        assert!(!ids.may_open(2000, Some(28)));
    }

    #[test]
    fn a_live_process_is_judged_by_its_status_and_an_unknown_one_by_the_open() {
        let own = ProcessIds::own().unwrap();
        let pid = std::process::id();
        assert!(may_attach(pid, Some(own.uids[1]), None));
        // No such process (pids stop far below u32::MAX): /proc cannot
        // tell, so the kernel's check at open decides.
        assert!(may_attach(
            u32::MAX,
            Some(own.uids[1].wrapping_add(1)),
            None
        ));
        assert!(
            may_attach(pid, None, None),
            "no owner known: the open decides"
        );
    }
}
