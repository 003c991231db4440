//! The behaviour check of `RouteLastChange` both backends must pass: each
//! module's latest route edit, its version and time, kept after the DNS
//! service consumed the `RouteChange` rows.

use super::{host, m, Fixture};
use lars_proto::{Policy, RoutePolicy, Weight};
use std::time::{SystemTime, UNIX_EPOCH};

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// One row per module with the version and time of its latest edit; kept
/// when `RouteChange` is consumed and when the last host is gone; a
/// refused edit changes nothing.
pub fn last_changes_keep_each_modules_latest_edit(fx: &dyn Fixture) {
    let mut store = fx.routes();
    assert!(store.last_changes(None, None).unwrap().is_empty());
    let before = unix_now();
    let h = host("10.0.0.1:80");
    store.add_host(m(1, 1), h).unwrap();
    store.add_host(m(2, 1), h).unwrap();
    store
        .set_weight(m(1, 1), h, Weight::new(5).unwrap())
        .unwrap();
    let hash = RoutePolicy::new(Policy::Hash, 0).unwrap();
    store.set_policy(m(7, 1), hash).unwrap();
    let after = unix_now();
    assert_eq!(store.delete_changes(u64::MAX).unwrap(), 4);

    let changes = store.last_changes(None, None).unwrap();
    let versions: Vec<(i32, i32, u64)> = changes
        .iter()
        .map(|c| (c.module.modid, c.module.cmdid, c.version))
        .collect();
    assert_eq!(versions, [(1, 1, 3), (2, 1, 2), (7, 1, 4)]);
    for c in &changes {
        assert!(
            (before..=after).contains(&c.unix_s),
            "{c:?} not made between {before} and {after}"
        );
    }
    assert_eq!(store.last_changes(Some(2), None).unwrap(), changes[1..2]);
    assert_eq!(store.last_changes(None, Some(1)).unwrap(), changes);
    assert!(store.last_changes(Some(1), Some(2)).unwrap().is_empty());

    assert!(store.add_host(m(1, 1), h).is_err());
    assert_eq!(
        store.last_changes(Some(1), Some(1)).unwrap(),
        changes[..1],
        "a refused edit records nothing"
    );
    assert_eq!(store.del_host(m(2, 1), h).unwrap(), 5);
    let gone = store.last_changes(Some(2), Some(1)).unwrap();
    assert_eq!(
        gone.len(),
        1,
        "a module without hosts keeps its last change"
    );
    assert_eq!(gone[0].version, 5);
}
