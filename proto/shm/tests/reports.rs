//! Client slots and report rings through a mapped segment: reports reach
//! the agent intact, a full ring refuses, released and orphaned slots are
//! drained and freed.
#![cfg(not(loom))]

mod common;

use common::{attach, dead_pid, host, module, poke, segment, wall_ms, Scratch, SMALL};
use lars_proto::{HostAddr, ModuleId};
use lars_shm::geometry::Layout;
use lars_shm::{pid_alive, AttachError, Attached, DrainStats, ReportEntry};

fn report(n: u8) -> ReportEntry {
    ReportEntry {
        module: module(i32::from(n)),
        host: host(n),
        retcode: i32::from(n),
        latency_us: Some(1000 + u32::from(n)),
    }
}

fn drained(seg: &mut lars_shm::Segment, max: usize) -> (Vec<(u32, ReportEntry)>, DrainStats) {
    let mut got = Vec::new();
    let stats = seg.drain(max, |slot, entry| got.push((slot, entry)));
    (got, stats)
}

#[test]
fn reports_reach_the_drain_with_their_values() {
    let scratch = Scratch::new("reports");
    let mut seg = segment(&scratch, SMALL, 1);
    let client = attach(&mut seg);
    let entries = [
        ReportEntry {
            module: ModuleId::new(-7, i32::MAX),
            host: HostAddr::new([255, 254, 0, 1].into(), 65535),
            retcode: -3,
            latency_us: Some(u32::MAX),
        },
        ReportEntry {
            module: ModuleId::new(0, 0),
            host: HostAddr::new([192, 168, 1, 177].into(), 1),
            retcode: 0,
            latency_us: None,
        },
        ReportEntry {
            module: ModuleId::new(1, 2),
            host: HostAddr::new([10, 0, 0, 1].into(), 9000),
            retcode: 1,
            latency_us: Some(0),
        },
    ];
    for e in &entries {
        assert!(client.report(e));
    }
    let (got, stats) = drained(&mut seg, 100);
    let slot = client.slot();
    assert_eq!(got, entries.map(|e| (slot, e)));
    assert_eq!(
        stats,
        DrainStats {
            entries: 3,
            malformed_rings: 0
        }
    );
    assert_eq!(drained(&mut seg, 100).0, []);
}

#[test]
fn a_full_ring_refuses_until_drained() {
    let scratch = Scratch::new("full");
    let mut seg = segment(&scratch, SMALL, 1);
    let client = attach(&mut seg);
    for n in 1..=4 {
        assert!(client.report(&report(n)), "entry {n} of 4");
    }
    assert!(!client.report(&report(5)));
    let (got, stats) = drained(&mut seg, 2);
    assert_eq!(stats.entries, 2);
    assert_eq!(got[1].1, report(2));
    assert!(client.report(&report(6)));
    assert!(client.report(&report(7)));
    assert!(!client.report(&report(8)));
    let (got, _) = drained(&mut seg, 100);
    let values: Vec<_> = got.iter().map(|(_, e)| e.retcode).collect();
    assert_eq!(values, [3, 4, 6, 7]);
}

#[test]
fn a_second_client_has_its_own_slot_and_ring() {
    let scratch = Scratch::new("two");
    let mut seg = segment(&scratch, SMALL, 1);
    let first = attach(&mut seg);
    let second = attach(&mut seg);
    assert_ne!(first.slot(), second.slot());
    assert_ne!(first.ticket(), second.ticket());
    assert_eq!(seg.attached_clients(), 2);
    assert_eq!(seg.attach_client(1), None, "two slots only");
    for n in 1..=4 {
        assert!(first.report(&report(n)));
    }
    assert!(second.report(&report(9)));
    let (mut got, stats) = drained(&mut seg, 100);
    assert_eq!(stats.entries, 5);
    got.sort_by_key(|(slot, e)| (*slot, e.retcode));
    let mut want: Vec<_> = (1..=4).map(|n| (first.slot(), report(n))).collect();
    want.push((second.slot(), report(9)));
    want.sort_by_key(|(slot, e)| (*slot, e.retcode));
    assert_eq!(got, want);
}

#[test]
fn a_released_slot_is_drained_freed_and_given_a_new_ticket() {
    let scratch = Scratch::new("release");
    let mut seg = segment(&scratch, SMALL, 1);
    let (slot, ticket) = seg.attach_client(std::process::id()).unwrap();
    let client = Attached::open(seg.path(), seg.generation(), slot, ticket).unwrap();
    assert!(client.report(&report(1)));
    assert!(client.is_live(wall_ms()));
    // Still attached and alive: nothing to reap.
    assert_eq!(seg.reap(|_| true, |_, _| panic!("nothing to reap")), 0);

    client.release();
    assert!(!client.is_live(wall_ms()));
    assert!(!client.report(&report(2)));
    let mut got = Vec::new();
    assert_eq!(seg.reap(|_| true, |s, e| got.push((s, e))), 1);
    assert_eq!(got, [(slot, report(1))]);
    assert_eq!(seg.attached_clients(), 0);

    let (again, new_ticket) = seg.attach_client(std::process::id()).unwrap();
    assert_eq!(again, slot, "the first free slot");
    assert_ne!(new_ticket, ticket);
    assert!(!client.is_live(wall_ms()));
    assert!(matches!(
        Attached::open(seg.path(), seg.generation(), slot, ticket),
        Err(AttachError::Slot)
    ));
    let fresh = Attached::open(seg.path(), seg.generation(), slot, new_ticket).unwrap();
    assert!(fresh.is_live(wall_ms()));
    // The old object's drop must not release the new owner's slot.
    drop(client);
    assert!(fresh.is_live(wall_ms()));
    assert!(fresh.report(&report(3)));
    assert_eq!(drained(&mut seg, 10).0, [(slot, report(3))]);
}

#[test]
fn dropping_the_client_releases_its_slot() {
    let scratch = Scratch::new("drop");
    let mut seg = segment(&scratch, SMALL, 1);
    let client = attach(&mut seg);
    assert!(client.report(&report(4)));
    drop(client);
    let mut got = Vec::new();
    assert_eq!(seg.reap(|_| true, |_, e| got.push(e)), 1);
    assert_eq!(got, [report(4)]);
}

#[test]
fn a_dead_owner_is_drained_before_its_slot_is_freed() {
    let scratch = Scratch::new("dead");
    let mut seg = segment(&scratch, SMALL, 1);
    let pid = dead_pid();
    assert!(!pid_alive(pid));
    assert!(pid_alive(std::process::id()));
    assert!(!pid_alive(0));
    let (slot, ticket) = seg.attach_client(pid).unwrap();
    let orphan = Attached::open(seg.path(), seg.generation(), slot, ticket).unwrap();
    let live = attach(&mut seg);
    assert!(orphan.report(&report(1)));
    assert!(orphan.report(&report(2)));
    assert!(live.report(&report(3)));

    let mut got = Vec::new();
    assert_eq!(seg.reap(pid_alive, |s, e| got.push((s, e))), 1);
    assert_eq!(got, [(slot, report(1)), (slot, report(2))]);
    assert_eq!(seg.attached_clients(), 1);
    assert!(!orphan.report(&report(4)), "the slot is no longer ours");
    assert!(!orphan.is_live(wall_ms()));
    assert!(live.is_live(wall_ms()));
    assert_eq!(drained(&mut seg, 10).0, [(live.slot(), report(3))]);
}

#[test]
fn a_malformed_ring_is_counted_emptied_and_usable_again() {
    let scratch = Scratch::new("malformed");
    let mut seg = segment(&scratch, SMALL, 1);
    let client = attach(&mut seg);
    assert!(client.report(&report(1)));
    // A hostile head, far ahead of the tail.
    let layout = Layout::new(SMALL).unwrap();
    let head_at = layout.client_offset(client.slot()).unwrap() + layout.client_ring_head;
    poke(seg.path(), head_at, &1000u64.to_ne_bytes());
    let (got, stats) = drained(&mut seg, 10);
    assert_eq!(got, []);
    assert_eq!(
        stats,
        DrainStats {
            entries: 0,
            malformed_rings: 1
        }
    );
    assert!(client.report(&report(2)));
    assert_eq!(drained(&mut seg, 10).0, [(client.slot(), report(2))]);
}

#[test]
fn the_drain_budget_spans_all_slots() {
    let scratch = Scratch::new("budget");
    let mut seg = segment(&scratch, SMALL, 1);
    let first = attach(&mut seg);
    let second = attach(&mut seg);
    for n in 1..=3 {
        assert!(first.report(&report(n)));
        assert!(second.report(&report(n + 10)));
    }
    let (got, stats) = drained(&mut seg, 4);
    assert_eq!((got.len(), stats.entries), (4, 4));
    let (rest, _) = drained(&mut seg, 100);
    assert_eq!(rest.len(), 2);
    // No entry twice, none lost.
    let mut all: Vec<i32> = got.iter().chain(&rest).map(|(_, e)| e.retcode).collect();
    all.sort_unstable();
    assert_eq!(all, [1, 2, 3, 11, 12, 13]);
}

#[test]
fn threads_sharing_a_client_lose_no_report_they_were_told_was_taken() {
    let scratch = Scratch::new("threads");
    let geometry = lars_shm::Geometry {
        ring_entries: 1024,
        ..SMALL
    };
    let mut seg = segment(&scratch, geometry, 1);
    let client = attach(&mut seg);
    let mut received = Vec::new();
    let accepted: Vec<u32> = std::thread::scope(|s| {
        let reporters: Vec<_> = (0..3u8)
            .map(|t| {
                let client = &client;
                s.spawn(move || {
                    let mut taken = Vec::new();
                    for i in 0..300u32 {
                        let entry = ReportEntry {
                            latency_us: Some(u32::from(t) * 1000 + i),
                            ..report(t + 1)
                        };
                        if client.report(&entry) {
                            taken.push(u32::from(t) * 1000 + i);
                        }
                    }
                    taken
                })
            })
            .collect();
        while reporters.iter().any(|r| !r.is_finished()) {
            seg.drain(64, |_, e| received.push(e));
        }
        reporters
            .into_iter()
            .flat_map(|r| r.join().unwrap())
            .collect()
    });
    seg.drain(usize::MAX, |_, e| received.push(e));
    let mut got: Vec<u32> = received.iter().map(|e| e.latency_us.unwrap()).collect();
    let mut want = accepted;
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    assert!(!got.is_empty());
    for e in &received {
        let t = e.latency_us.unwrap() / 1000;
        assert_eq!(e.host, host(t as u8 + 1), "an entry is never torn");
    }
}
