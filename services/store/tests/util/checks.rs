//! The behaviour checks both store backends must pass, identically: each
//! takes a [`Fixture`] (a private, empty database) and works through
//! `Box<dyn RouteStore>` / `Box<dyn StatusStore>` only.

use super::{host, m, sorted_by_key, status, Fixture};
use lars_proto::{HostAddr, RouteHost, Weight};
use lars_store::{CallStatus, Route, RouteMap, RouteRow, StoreError};

fn row(modid: i32, cmdid: i32, text: &str) -> RouteRow {
    RouteRow {
        module: m(modid, cmdid),
        host: host(text),
        weight: Weight::ONE,
    }
}

/// A route of weight-1 hosts with the default policy.
fn plain_route(hosts: &[&str]) -> Route {
    Route {
        hosts: hosts.iter().map(|h| RouteHost::new(host(h))).collect(),
        ..Route::default()
    }
}

/// Applying the schema again (every open does) keeps data and version.
pub fn schema_is_idempotent(fx: &dyn Fixture) {
    let mut first = fx.routes();
    assert_eq!(first.version().unwrap(), 0);
    assert!(
        first.load_routes().unwrap().is_empty(),
        "a new store has no routes"
    );
    assert_eq!(first.add_host(m(1, 1), host("10.0.0.1:80")).unwrap(), 1);
    drop(first);
    for _ in 0..2 {
        let mut again = fx.routes();
        assert_eq!(again.version().unwrap(), 1);
        assert_eq!(
            again.list_routes(None, None).unwrap(),
            [row(1, 1, "10.0.0.1:80")]
        );
        assert_eq!(again.changed_modules(1).unwrap(), [m(1, 1)]);
        fx.statuses().read_statuses(None, None).unwrap();
    }
}

/// add / del / list, with every filter combination.
pub fn add_del_list(fx: &dyn Fixture) {
    let mut store = fx.routes();
    let adds = [
        (1, 1, "127.0.0.1:9003"),
        (1, 1, "127.0.0.1:9001"),
        (2, 1, "10.0.0.1:1"),
        (1, 2, "127.0.0.1:9011"),
        (1, 1, "127.0.0.1:9002"),
    ];
    for (i, (md, c, h)) in adds.iter().enumerate() {
        assert_eq!(store.add_host(m(*md, *c), host(h)).unwrap(), i as u64 + 1);
    }
    let all = store.list_routes(None, None).unwrap();
    let want = [
        row(1, 1, "127.0.0.1:9001"),
        row(1, 1, "127.0.0.1:9002"),
        row(1, 1, "127.0.0.1:9003"),
        row(1, 2, "127.0.0.1:9011"),
        row(2, 1, "10.0.0.1:1"),
    ];
    assert_eq!(all, want);
    assert_eq!(store.list_routes(Some(1), None).unwrap(), want[..4]);
    assert_eq!(store.list_routes(Some(1), Some(2)).unwrap(), want[3..4]);
    assert_eq!(store.list_routes(None, Some(1)).unwrap().len(), 4);
    assert!(store.list_routes(Some(9), None).unwrap().is_empty());

    assert_eq!(store.del_host(m(1, 1), host("127.0.0.1:9002")).unwrap(), 6);
    assert_eq!(
        store.list_routes(Some(1), Some(1)).unwrap(),
        [row(1, 1, "127.0.0.1:9001"), row(1, 1, "127.0.0.1:9003")]
    );
    // Another handle sees the same data.
    assert_eq!(fx.routes().list_routes(None, None).unwrap().len(), 4);
}

/// Adding a host twice fails with HostExists and writes nothing.
pub fn add_twice_is_an_error_and_writes_nothing(fx: &dyn Fixture) {
    let mut store = fx.routes();
    let h = host("127.0.0.1:9001");
    assert_eq!(store.add_host(m(1, 1), h).unwrap(), 1);
    let err = store.add_host(m(1, 1), h).unwrap_err();
    assert!(
        matches!(err, StoreError::HostExists { module, host, .. } if module == m(1, 1) && host == h),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("add host 127.0.0.1:9001 to module 1/1: already present"),
        "{msg}"
    );
    assert!(msg.starts_with(&store.describe()[..6]), "{msg}");
    assert_eq!(store.version().unwrap(), 1);
    assert_eq!(store.list_routes(None, None).unwrap().len(), 1);
    assert_eq!(
        store.delete_changes(u64::MAX).unwrap(),
        1,
        "one RouteChange row"
    );
    // The same host in another module is a different route.
    assert_eq!(store.add_host(m(1, 2), h).unwrap(), 2);
}

/// Deleting an absent host fails with HostAbsent and writes nothing.
pub fn del_absent_is_an_error_and_writes_nothing(fx: &dyn Fixture) {
    let mut store = fx.routes();
    let err = store.del_host(m(1, 1), host("127.0.0.1:9001")).unwrap_err();
    assert!(matches!(err, StoreError::HostAbsent { .. }), "{err:?}");
    assert!(err
        .to_string()
        .contains("delete host 127.0.0.1:9001 from module 1/1: not present"));
    assert_eq!(store.version().unwrap(), 0);
    assert!(store.changed_modules(u64::MAX).unwrap().is_empty());

    store.add_host(m(1, 1), host("127.0.0.1:9001")).unwrap();
    for (md, c, h) in [(1, 1, "127.0.0.1:9002"), (1, 2, "127.0.0.1:9001")] {
        assert!(matches!(
            store.del_host(m(md, c), host(h)),
            Err(StoreError::HostAbsent { .. })
        ));
    }
    assert_eq!(store.version().unwrap(), 1);
    assert_eq!(store.list_routes(None, None).unwrap().len(), 1);
    assert_eq!(store.changed_modules(u64::MAX).unwrap(), [m(1, 1)]);
}

/// Each add/del bumps the version and records its module with that version.
pub fn changes_are_tagged_with_their_version(fx: &dyn Fixture) {
    let mut store = fx.routes();
    assert_eq!(store.add_host(m(1, 1), host("10.0.0.1:1")).unwrap(), 1);
    assert_eq!(store.add_host(m(2, 1), host("10.0.0.2:1")).unwrap(), 2);
    assert_eq!(store.del_host(m(1, 1), host("10.0.0.1:1")).unwrap(), 3);
    assert_eq!(store.version().unwrap(), 3);

    assert!(store.changed_modules(0).unwrap().is_empty());
    assert_eq!(store.changed_modules(1).unwrap(), [m(1, 1)]);
    assert_eq!(store.changed_modules(2).unwrap(), [m(1, 1), m(2, 1)]);
    assert_eq!(
        store.changed_modules(3).unwrap(),
        [m(1, 1), m(2, 1)],
        "distinct"
    );

    assert_eq!(store.delete_changes(0).unwrap(), 0);
    assert_eq!(store.delete_changes(2).unwrap(), 2);
    assert_eq!(
        store.changed_modules(u64::MAX).unwrap(),
        [m(1, 1)],
        "version 3 kept"
    );
    assert_eq!(store.delete_changes(3).unwrap(), 1);
    assert!(store.changed_modules(u64::MAX).unwrap().is_empty());

    store.add_host(m(3, 3), host("10.0.0.3:1")).unwrap();
    store.add_host(m(4, 4), host("10.0.0.4:1")).unwrap();
    store.clear_changes().unwrap();
    assert!(store.changed_modules(u64::MAX).unwrap().is_empty());
    assert_eq!(
        store.version().unwrap(),
        5,
        "clearing changes keeps the version"
    );
}

/// load_routes groups hosts per module, sorted; empty modules vanish.
pub fn load_routes_groups_hosts_per_module(fx: &dyn Fixture) {
    let mut store = fx.routes();
    for (md, c, h) in [
        (1, 1, "10.0.0.3:80"),
        (5, 5, "10.0.0.9:1"),
        (1, 1, "10.0.0.1:81"),
        (1, 1, "10.0.0.1:80"),
        (-1, 7, "10.0.0.2:80"),
    ] {
        store.add_host(m(md, c), host(h)).unwrap();
    }
    store.del_host(m(5, 5), host("10.0.0.9:1")).unwrap();
    let mut want = RouteMap::new();
    want.insert(
        m(1, 1),
        plain_route(&["10.0.0.1:80", "10.0.0.1:81", "10.0.0.3:80"]),
    );
    want.insert(m(-1, 7), plain_route(&["10.0.0.2:80"]));
    assert_eq!(store.load_routes().unwrap(), want);
}

/// Addresses from 128.0.0.0 up and u32::MAX values survive as u32.
pub fn high_ips_round_trip(fx: &dyn Fixture) {
    let mut routes = fx.routes();
    let high = [host("192.168.1.177:7777"), host("255.255.255.255:65535")];
    assert_eq!(high[0].ip_number(), 3232235953);
    for h in high {
        routes.add_host(m(1, 1), h).unwrap();
    }
    assert_eq!(
        routes.load_routes().unwrap()[&m(1, 1)],
        plain_route(&["192.168.1.177:7777", "255.255.255.255:65535"])
    );
    routes.del_host(m(1, 1), high[1]).unwrap();
    assert_eq!(
        routes.list_routes(None, None).unwrap(),
        [row(1, 1, "192.168.1.177:7777")]
    );

    let mut statuses = fx.statuses();
    let s = CallStatus {
        module: m(i32::MIN, i32::MAX),
        host: host("192.168.1.177:65535"),
        caller: "255.255.255.255".parse().unwrap(),
        succ_cnt: u32::MAX,
        err_cnt: u32::MAX,
        ts: u32::MAX,
        overload: true,
    };
    statuses.upsert_statuses(&[s]).unwrap();
    assert_eq!(statuses.read_statuses(None, None).unwrap(), [s]);
}

/// upsert inserts, then updates (the latest row wins, also within a call).
pub fn upsert_inserts_then_updates(fx: &dyn Fixture) {
    let mut store = fx.statuses();
    store.upsert_statuses(&[]).unwrap();
    let first: Vec<_> = (0..20).map(|n| status(n, 0)).collect();
    store.upsert_statuses(&first).unwrap();
    assert_eq!(
        store.read_statuses(None, None).unwrap(),
        sorted_by_key(first.clone())
    );

    let mut second: Vec<_> = (10..30).map(|n| status(n, 1)).collect();
    second.push(status(12, 5)); // the same key later in the same call wins
    store.upsert_statuses(&second).unwrap();
    let mut want: Vec<_> = (0..10).map(|n| status(n, 0)).collect();
    want.extend((10..30).map(|n| if n == 12 { status(n, 5) } else { status(n, 1) }));
    let got = store.read_statuses(None, None).unwrap();
    assert_eq!(got, sorted_by_key(want.clone()));

    let only = |md: Option<i32>, c: Option<i32>| {
        sorted_by_key(
            want.iter()
                .filter(|s| {
                    (md.is_none() || md == Some(s.module.modid))
                        && (c.is_none() || c == Some(s.module.cmdid))
                })
                .copied()
                .collect(),
        )
    };
    for (md, c) in [
        (Some(3), None),
        (None, Some(2)),
        (Some(3), Some(2)),
        (Some(99), None),
    ] {
        assert_eq!(
            store.read_statuses(md, c).unwrap(),
            only(md, c),
            "{md:?}/{c:?}"
        );
    }
    // A second handle reads the same rows.
    assert_eq!(fx.statuses().read_statuses(None, None).unwrap().len(), 30);
}

/// 2000 distinct rows in one call (several statements) arrive intact.
pub fn upsert_many_rows_in_one_call(fx: &dyn Fixture) {
    let mut store = fx.statuses();
    let rows: Vec<_> = (0..2000).map(|n| status(n, 0)).collect();
    store.upsert_statuses(&rows).unwrap();
    assert_eq!(
        store.read_statuses(None, None).unwrap(),
        sorted_by_key(rows)
    );
    let rows: Vec<_> = (0..2000).map(|n| status(n, 7)).collect();
    store.upsert_statuses(&rows).unwrap();
    assert_eq!(
        store.read_statuses(None, None).unwrap(),
        sorted_by_key(rows)
    );
}

/// Writers on separate handles and threads get distinct, gap-free versions.
pub fn concurrent_writers_get_distinct_versions(fx: &dyn Fixture) {
    let stores: Vec<_> = (0..4).map(|_| fx.routes()).collect();
    let handles: Vec<_> = stores
        .into_iter()
        .enumerate()
        .map(|(t, mut store)| {
            std::thread::spawn(move || {
                (0..10)
                    .map(|i| {
                        let h = HostAddr::from_number(0x0a00_0000 + t as u32, 1000 + i);
                        store.add_host(m(t as i32, 1), h).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut versions: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    versions.sort_unstable();
    assert_eq!(versions, (1..=40).collect::<Vec<_>>());
    let mut store = fx.routes();
    assert_eq!(store.version().unwrap(), 40);
    assert_eq!(store.list_routes(None, None).unwrap().len(), 40);
    assert_eq!(
        store.changed_modules(40).unwrap(),
        [m(0, 1), m(1, 1), m(2, 1), m(3, 1)]
    );
    assert_eq!(store.delete_changes(40).unwrap(), 40);
}

/// The explicit demo seed adds the demo routes once, bumping nothing.
pub fn demo_seed_is_explicit_and_idempotent(fx: &dyn Fixture) {
    assert!(
        fx.routes().load_routes().unwrap().is_empty(),
        "not seeded by open"
    );
    assert_eq!(lars_store::seed_demo(&fx.config()).unwrap(), 6);
    assert_eq!(lars_store::seed_demo(&fx.config()).unwrap(), 0);
    let mut store = fx.routes();
    let routes = store.load_routes().unwrap();
    let ports = |md, c| -> Vec<u16> {
        routes[&m(md, c)]
            .hosts
            .iter()
            .map(|h| h.host.port)
            .collect()
    };
    assert_eq!(routes.len(), 3);
    assert_eq!(ports(1, 1), [9001, 9002, 9003]);
    assert_eq!(ports(1, 2), [9011, 9012]);
    assert_eq!(ports(2, 1), [9021]);
    assert!(routes
        .values()
        .flat_map(|r| &r.hosts)
        .all(|h| h.host.ip_number() == 0x7f00_0001 && h.weight == Weight::ONE));
    assert_eq!(store.version().unwrap(), 0);
    assert!(store.changed_modules(u64::MAX).unwrap().is_empty());
}

/// Weights: set on add, changed in one transaction that bumps the version
/// and records the module; a host the module lacks is refused.
pub fn weights_are_stored_and_changed_like_hosts(fx: &dyn Fixture) {
    let mut store = fx.routes();
    let heavy = RouteHost {
        host: host("10.0.0.1:80"),
        weight: Weight::new(3).unwrap(),
    };
    let add = lars_store::RouteEdit::AddHost(heavy);
    assert_eq!(store.edit_route(m(1, 1), add).unwrap(), 1);
    store.add_host(m(1, 1), host("10.0.0.2:80")).unwrap();
    store.clear_changes().unwrap();
    let weight = Weight::new(10_000).unwrap();
    assert_eq!(
        store
            .set_weight(m(1, 1), host("10.0.0.2:80"), weight)
            .unwrap(),
        3
    );
    assert_eq!(store.changed_modules(3).unwrap(), [m(1, 1)]);
    let weights: Vec<(String, u32)> = store.load_routes().unwrap()[&m(1, 1)]
        .hosts
        .iter()
        .map(|h| (h.host.to_string(), h.weight.get()))
        .collect();
    let want = [("10.0.0.1:80", 3), ("10.0.0.2:80", 10_000)];
    assert_eq!(weights, want.map(|(h, w)| (h.to_string(), w)));
    // The same weight again is still a change (and still a version).
    assert_eq!(
        store
            .set_weight(m(1, 1), host("10.0.0.2:80"), weight)
            .unwrap(),
        4
    );
    let err = store
        .set_weight(m(1, 1), host("10.0.0.9:80"), weight)
        .unwrap_err();
    assert!(matches!(err, StoreError::HostAbsent { .. }), "{err:?}");
    assert!(err
        .to_string()
        .contains("set the weight of host 10.0.0.9:80 of module 1/1 to 10000: not present"));
    assert_eq!(store.version().unwrap(), 4, "a refused edit writes nothing");
    let listed: Vec<u32> = store
        .list_routes(Some(1), Some(1))
        .unwrap()
        .iter()
        .map(|r| r.weight.get())
        .collect();
    assert_eq!(listed, [3, 10_000]);
}

/// Policies: stored per module, replaced by a later one, bumping the
/// version; a module without a row has the default.
pub fn policies_are_stored_per_module(fx: &dyn Fixture) {
    use lars_proto::{Policy, RoutePolicy};
    let mut store = fx.routes();
    store.add_host(m(1, 1), host("10.0.0.1:80")).unwrap();
    store.add_host(m(2, 1), host("10.0.0.1:80")).unwrap();
    let hash = RoutePolicy::new(Policy::Hash, 0).unwrap();
    assert_eq!(store.set_policy(m(1, 1), hash).unwrap(), 3);
    let ewma = RoutePolicy::new(Policy::Ewma, 40).unwrap();
    assert_eq!(store.set_policy(m(1, 1), ewma).unwrap(), 4);
    assert_eq!(store.changed_modules(4).unwrap(), [m(1, 1), m(2, 1)]);
    let routes = store.load_routes().unwrap();
    assert_eq!(routes[&m(1, 1)].policy, ewma);
    assert_eq!(routes[&m(2, 1)].policy, RoutePolicy::default());
    assert_eq!(store.list_policies(None, None).unwrap(), [(m(1, 1), ewma)]);
    assert!(store.list_policies(Some(2), None).unwrap().is_empty());
    // A policy of a module without hosts is kept, but makes no route.
    store.set_policy(m(9, 9), hash).unwrap();
    assert!(!store.load_routes().unwrap().contains_key(&m(9, 9)));
    assert_eq!(
        store.list_policies(Some(9), None).unwrap(),
        [(m(9, 9), hash)]
    );
}
