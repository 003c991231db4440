//! Tests of `snapshot.rs`: a table's routes survive the round trip; foreign,
//! corrupt and half-bad files are refused or trimmed.

use super::*;
use crate::lb::LbConfig;

fn wrr_table() -> RouteTable {
    let mut t = RouteTable::new(LbConfig::default());
    // 1/1 and 2/0 belong to table 2; 4/4 has no route yet.
    for m in [
        ModuleId::new(1, 1),
        ModuleId::new(2, 0),
        ModuleId::new(4, 4),
    ] {
        t.get_host(m, None, 0);
    }
    let hosts = [
        RouteHost {
            host: "10.0.0.2:80".parse().unwrap(),
            weight: Weight::new(3).unwrap(),
        },
        RouteHost::new("10.0.0.1:80".parse().unwrap()),
    ];
    let wrr = RoutePolicy::new(Policy::Wrr, 40).unwrap();
    t.apply_route(ModuleId::new(1, 1), &hosts, wrr, 0);
    t.set_route_version(ModuleId::new(1, 1), Some(7));
    t.apply_route(ModuleId::new(2, 0), &hosts[1..], RoutePolicy::default(), 0);
    t
}

#[test]
fn the_routes_of_a_table_round_trip_through_the_file_format() {
    let snapshot = from_table(2, &wrr_table());
    let text = serde_json::to_string(&snapshot).unwrap();
    assert!(
        text.starts_with(
            r#"{"format":"lars-agent-routes","layout":1,"table":2,"modules":[{"modid":1,"cmdid":1,"route_version":7,"policy":"wrr","panic_threshold":40,"hosts":[{"ip":"10.0.0.1","port":80,"weight":1},{"ip":"10.0.0.2","port":80,"weight":3}]}"#
        ),
        "{text}"
    );
    let (restored, skipped) = parse(text.as_bytes(), 2).unwrap();
    assert_eq!(skipped, 0);
    assert_eq!(restored.len(), 2, "4/4 has no hosts and is not saved");
    assert_eq!(restored[0].module, ModuleId::new(1, 1));
    assert_eq!(restored[0].version, Some(7));
    assert_eq!(
        restored[0].route.policy,
        RoutePolicy::new(Policy::Wrr, 40).unwrap()
    );
    let weights: Vec<u32> = restored[0]
        .route
        .hosts
        .iter()
        .map(|h| h.weight.get())
        .collect();
    assert_eq!(weights, [1, 3]);
    assert_eq!(restored[1].version, None);
}

#[test]
fn foreign_and_corrupt_files_are_refused() {
    let text = serde_json::to_string(&from_table(2, &wrr_table())).unwrap();
    assert!(matches!(
        parse(text.as_bytes(), 0),
        Err(SnapshotError::Foreign(_))
    ));
    let other = text.replace("lars-agent-routes", "something-else");
    assert!(matches!(
        parse(other.as_bytes(), 2),
        Err(SnapshotError::Foreign(_))
    ));
    let newer = text.replace(r#""layout":1"#, r#""layout":2"#);
    assert!(matches!(
        parse(newer.as_bytes(), 2),
        Err(SnapshotError::Foreign(_))
    ));
    for junk in [&b""[..], b"{", b"\xff\xfe", b"[]", br#"{"format":1}"#] {
        assert!(
            matches!(parse(junk, 2), Err(SnapshotError::Corrupt(_))),
            "{junk:?}"
        );
    }
    let half = &text.as_bytes()[..text.len() / 2];
    assert!(parse(half, 2).is_err());
}

#[test]
fn bad_modules_inside_a_good_file_are_left_out() {
    let text = r#"{"format":"lars-agent-routes","layout":1,"table":2,"modules":[
        {"modid":1,"cmdid":1,"route_version":null,"policy":"rr","panic_threshold":0,
         "hosts":[{"ip":"10.0.0.1","port":80,"weight":1}]},
        {"modid":1,"cmdid":2,"route_version":null,"policy":"rr","panic_threshold":0,
         "hosts":[{"ip":"10.0.0.1","port":80,"weight":1}]},
        {"modid":2,"cmdid":0,"route_version":null,"policy":"fastest","panic_threshold":0,
         "hosts":[{"ip":"10.0.0.1","port":80,"weight":1}]},
        {"modid":5,"cmdid":0,"route_version":null,"policy":"rr","panic_threshold":0,
         "hosts":[{"ip":"10.0.0.1","port":0,"weight":1}]},
        {"modid":8,"cmdid":0,"route_version":null,"policy":"rr","panic_threshold":0,
         "hosts":[{"ip":"10.0.0.1","port":80,"weight":0}]}]}"#;
    let (restored, skipped) = parse(text.as_bytes(), 2).unwrap();
    // 1/2 is table 0; "fastest" is no policy; port 0 and weight 0 are bad.
    assert_eq!(skipped, 4);
    assert_eq!(restored.len(), 1);
    assert_eq!(restored[0].module, ModuleId::new(1, 1));
}
