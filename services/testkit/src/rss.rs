//! [`proc_status_kib`]: memory figures of this process, for benchmarks
//! that report what a load cost.

/// A `kB` field of `/proc/self/status` (`"VmRSS:"`, `"VmHWM:"`), or
/// `None` where there is no such file or field (not Linux).
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn resident_memory_grows_with_touched_pages() {
        let before = proc_status_kib("VmRSS:").expect("VmRSS on Linux");
        let block = vec![1u8; 64 << 20];
        let after = proc_status_kib("VmRSS:").expect("VmRSS on Linux");
        assert!(after >= before + 32 * 1024, "{before} kB -> {after} kB");
        assert_eq!(block.iter().map(|&b| u64::from(b)).sum::<u64>(), 64 << 20);
        assert!(proc_status_kib("NoSuchField:").is_none());
    }
}
