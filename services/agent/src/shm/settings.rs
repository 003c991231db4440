//! The `[agent] shm*` keys: whether the agent offers the same-host fast
//! path (docs/SHM.md), where its segments live, who may open them, and how
//! often reports written there are applied.

use std::path::PathBuf;
use std::time::Duration;

use lars_reactor::{Config, ConfigError};

/// The fast path's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShmSettings {
    /// `[agent] shm` (`on`; `off`): whether segments are offered at all.
    pub enabled: bool,
    /// `[agent] shm_dir` (`/dev/shm`): where the segment files are made.
    pub dir: PathBuf,
    /// `[agent] shm_group` (none): a group (name or number) whose members
    /// may open the segments too (mode 0660 instead of 0600).
    pub group: Option<u32>,
    /// `[agent] shm_report_delay` seconds (0.001, 0.0001..=1): how often
    /// each table applies the reports written to its segment — the longest
    /// a report waits before it can change a host's state.
    pub report_delay: Duration,
}

impl Default for ShmSettings {
    fn default() -> Self {
        ShmSettings {
            enabled: true,
            dir: PathBuf::from("/dev/shm"),
            group: None,
            report_delay: Duration::from_millis(1),
        }
    }
}

impl ShmSettings {
    /// Reads and checks the keys; an error names the file, line and key.
    pub fn from_config(cfg: &Config) -> Result<ShmSettings, ConfigError> {
        let d = ShmSettings::default();
        let switch = cfg.get_string("agent", "shm", "on");
        let enabled = match switch.as_str() {
            "on" => true,
            "off" => false,
            _ => return Err(cfg.bad_value("agent", "shm", &switch, "is neither on nor off")),
        };
        let group = match cfg.get("agent", "shm_group") {
            None => None,
            Some(name) => Some(
                group_id(name.trim())
                    .ok_or_else(|| cfg.bad_value("agent", "shm_group", name, "is not a group"))?,
            ),
        };
        Ok(ShmSettings {
            enabled,
            dir: PathBuf::from(cfg.get_string("agent", "shm_dir", &d.dir.to_string_lossy())),
            group,
            report_delay: cfg.get_seconds_in("agent", "shm_report_delay", 0.001, 0.0001..=1.0)?,
        })
    }
}

/// The id of group `name` (a number, or a name in `/etc/group`).
fn group_id(name: &str) -> Option<u32> {
    if let Ok(gid) = name.parse() {
        return Some(gid);
    }
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == name).then_some(())?;
        fields.nth(1)?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ShmSettings, ConfigError> {
        ShmSettings::from_config(&Config::parse(text, "agent.conf").unwrap())
    }

    #[test]
    fn defaults_offer_the_fast_path_in_dev_shm_every_millisecond() {
        let s = parse("[agent]\n").unwrap();
        assert!(s.enabled);
        assert_eq!(s.dir, PathBuf::from("/dev/shm"));
        assert_eq!(s.group, None);
        assert_eq!(s.report_delay, Duration::from_millis(1));
    }

    #[test]
    fn keys_are_read_and_bad_values_name_the_key() {
        let s = parse(
            "[agent]\nshm = off\nshm_dir = /tmp/x\nshm_group = 0\nshm_report_delay = 0.005\n",
        )
        .unwrap();
        assert!(!s.enabled);
        assert_eq!(s.dir, PathBuf::from("/tmp/x"));
        assert_eq!(s.group, Some(0));
        assert_eq!(s.report_delay, Duration::from_millis(5));
        // The root group has id 0 on every Linux system.
        assert_eq!(parse("[agent]\nshm_group = root\n").unwrap().group, Some(0));
        let err = parse("[agent]\nshm = maybe\n").unwrap_err().to_string();
        assert!(err.contains("shm") && err.contains("maybe"), "{err}");
        let err = parse("[agent]\nshm_group = no-such-group-here\n").unwrap_err();
        assert!(err.to_string().contains("shm_group"), "{err}");
        let err = parse("[agent]\nshm_report_delay = 5\n").unwrap_err();
        assert!(err.to_string().contains("shm_report_delay"), "{err}");
    }
}
