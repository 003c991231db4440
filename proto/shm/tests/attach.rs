//! Opening a segment as a client: what is refused, what a hostile writer
//! can and cannot do, liveness, and the file's life.
#![cfg(not(loom))]

mod common;

use std::mem::offset_of;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use common::{attach, host, module, poke, segment, serve, wall_ms, Scratch, GENERATION, SMALL};
use lars_shm::geometry::{home_slot, Layout};
use lars_shm::layout::{Header, ModuleCounters, ModuleHead};
use lars_shm::{AttachError, Attached, Geometry, Segment, ShmPick, LAYOUT_VERSION, MAGIC};

/// Opens a copy of a fresh segment's file after `damage` was done to the
/// copy (the agent's own mapping must not shrink under it).
fn open_after(damage: impl FnOnce(&Path)) -> Result<Attached, AttachError> {
    let scratch = Scratch::new("refuse");
    let mut seg = segment(&scratch, SMALL, 1);
    let (slot, ticket) = seg.attach_client(1).unwrap();
    let copy = scratch.file("copy");
    std::fs::copy(seg.path(), &copy).unwrap();
    damage(&copy);
    Attached::open(&copy, GENERATION, slot, ticket)
}

#[test]
fn the_header_is_checked_before_anything_is_trusted() {
    assert!(open_after(|_| {}).is_ok());
    assert!(matches!(
        open_after(|path| poke(path, 0, b"NOTLARS!")),
        Err(AttachError::NotASegment)
    ));
    let version = offset_of!(Header, layout_version);
    assert!(matches!(
        open_after(|path| poke(path, version, &2u32.to_ne_bytes())),
        Err(AttachError::LayoutVersion(2))
    ));
    let generation = offset_of!(Header, generation);
    assert!(matches!(
        open_after(|path| poke(path, generation, &7u64.to_ne_bytes())),
        Err(AttachError::Generation)
    ));
    // Geometry and size must agree.
    let slots = offset_of!(Header, module_slots);
    assert!(matches!(
        open_after(|path| poke(path, slots, &9u32.to_ne_bytes())),
        Err(AttachError::NotASegment)
    ));
    let ring = offset_of!(Header, ring_entries);
    assert!(matches!(
        open_after(|path| poke(path, ring, &3u32.to_ne_bytes())),
        Err(AttachError::NotASegment)
    ));
    let truncate = |path: &Path, len: u64| {
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.set_len(len).unwrap();
    };
    let full = SMALL.segment_len().unwrap() as u64;
    for len in [full - 64, 63, 0] {
        assert!(
            matches!(
                open_after(|path| truncate(path, len)),
                Err(AttachError::NotASegment)
            ),
            "{len} bytes"
        );
    }
    assert!(matches!(
        open_after(|path| truncate(path, full + 64)),
        Err(AttachError::NotASegment)
    ));
}

#[test]
fn a_slot_must_be_attached_with_our_ticket() {
    let scratch = Scratch::new("slot");
    let mut seg = segment(&scratch, SMALL, 1);
    let (slot, ticket) = seg.attach_client(1).unwrap();
    let path = seg.path().to_path_buf();
    let refused = |slot, ticket| {
        matches!(
            Attached::open(&path, GENERATION, slot, ticket),
            Err(AttachError::Slot)
        )
    };
    assert!(refused(slot, ticket + 1));
    assert!(refused(1 - slot, ticket), "a free slot");
    assert!(refused(2, ticket), "past the last slot");
    assert!(refused(u32::MAX, ticket));
    // A refused open did not release the real owner's slot.
    assert!(Attached::open(&path, GENERATION, slot, ticket).is_ok());
    match Attached::open(&scratch.file("missing"), GENERATION, 0, 1) {
        Err(AttachError::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound),
        other => panic!("{other:?}"),
    }
    assert!(AttachError::LayoutVersion(9).to_string().contains('9'));
}

#[test]
fn garbage_in_a_module_slot_never_makes_a_pick_panic_or_leave_the_route() {
    let scratch = Scratch::new("hostile");
    let mut seg = segment(&scratch, SMALL, 1);
    let client = attach(&mut seg);
    let hosts = [host(1), host(2), host(3)];
    let view = serve(&hosts, &[0, 1], &[2], true);
    let layout = Layout::new(SMALL).unwrap();
    let base = layout
        .module_offset(home_slot(module(1).key(), SMALL.module_slots))
        .unwrap();
    let path = seg.path().to_path_buf();
    let head = |field: usize| base + field;
    let cases: Vec<(usize, Vec<u8>)> = vec![
        (
            head(offset_of!(ModuleHead, host_count)),
            1000u32.to_ne_bytes().into(),
        ),
        (
            head(offset_of!(ModuleHead, rotation_count)),
            u32::MAX.to_ne_bytes().into(),
        ),
        (
            head(offset_of!(ModuleHead, overloaded_count)),
            5u32.to_ne_bytes().into(),
        ),
        (
            head(offset_of!(ModuleHead, mode)),
            77u32.to_ne_bytes().into(),
        ),
        (head(offset_of!(ModuleHead, seq)), 3u64.to_ne_bytes().into()),
    ];
    for (offset, bytes) in cases {
        seg.publish(module(1), &view).unwrap();
        poke(&path, offset, &bytes);
        for _ in 0..4 {
            assert_eq!(client.pick(module(1)), ShmPick::AskUdp, "offset {offset}");
        }
    }
    // Rotation indexes past the host count: every rotation pick asks UDP.
    seg.publish(module(1), &serve(&hosts, &[0, 1], &[], false))
        .unwrap();
    poke(&path, base + layout.module_rotation, &[0xFF; 8]);
    for _ in 0..4 {
        assert_eq!(client.pick(module(1)), ShmPick::AskUdp);
    }
    // Overloaded indexes past the host count: probes ask UDP, the other
    // picks still answer overload.
    seg.publish(module(1), &serve(&hosts, &[], &[2], true))
        .unwrap();
    poke(&path, base + layout.module_overloaded, &[0xFF; 8]);
    let mut got: Vec<_> = (0..4).map(|_| client.pick(module(1))).collect();
    got.sort_by_key(|p| format!("{p:?}"));
    assert_eq!(
        got,
        [
            ShmPick::AskUdp,
            ShmPick::AskUdp,
            ShmPick::Overload,
            ShmPick::Overload
        ]
    );

    // Counters about to wrap still pick.
    seg.publish(module(1), &view).unwrap();
    let counters = base + layout.module_counters;
    for field in [
        offset_of!(ModuleCounters, cursor),
        offset_of!(ModuleCounters, access),
        offset_of!(ModuleCounters, over_cursor),
    ] {
        poke(&path, counters + field, &(u64::MAX - 1).to_ne_bytes());
    }
    for _ in 0..4 {
        assert!(matches!(client.pick(module(1)), ShmPick::Host(_)));
    }

    // Random words anywhere in the slot: a pick is AskUdp, Overload, or a
    // host of the route read right after.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut route = Vec::new();
    let words = layout.module_stride / 8;
    for round in 0..2000 {
        if round % 50 == 0 {
            seg.publish(module(1), &view).unwrap();
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let word = (x % words as u64) as usize;
        // Small values hit counts and indexes more often than huge ones.
        let value = if x & 1 == 0 {
            x >> 60
        } else {
            x.rotate_left(7)
        };
        poke(&path, base + word * 8, &value.to_ne_bytes());
        match client.pick(module(1)) {
            ShmPick::Host(h) => {
                assert!(client.route(module(1), &mut route), "round {round}");
                assert!(route.contains(&h), "round {round}: {h} not in {route:?}");
            }
            ShmPick::Overload | ShmPick::AskUdp => {}
        }
    }
}

#[test]
fn a_client_stops_trusting_a_closed_or_silent_segment() {
    let scratch = Scratch::new("live");
    let mut seg = segment(&scratch, SMALL, 1);
    let client = attach(&mut seg);
    let now = wall_ms();
    assert!(client.is_live(now), "a new segment has a fresh heartbeat");
    seg.heartbeat(now);
    assert!(client.is_live(now + 2000));
    assert!(!client.is_live(now + 2001));
    assert!(
        client.is_live(now - 10_000),
        "a heartbeat ahead counts as fresh"
    );
    seg.heartbeat(now + 5000);
    assert!(client.is_live(now + 6000));
    seg.close();
    assert!(!client.is_live(now + 5000));
    assert_eq!(client.generation(), GENERATION);
}

#[test]
fn the_file_is_private_complete_and_gone_after_the_segment() {
    let scratch = Scratch::new("file");
    let path = scratch.file("seg");
    std::fs::write(&path, b"a stale file of an earlier agent").unwrap();
    let seg = segment(&scratch, SMALL, 1);
    assert_eq!(seg.path(), path);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len(), SMALL.segment_len().unwrap() as u64);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..8], &MAGIC.to_ne_bytes());
    assert_eq!(MAGIC.to_be_bytes(), *b"LARSSHM\0");
    assert_eq!(bytes[8..12], LAYOUT_VERSION.to_ne_bytes());
    assert_eq!(seg.geometry(), SMALL);
    drop(seg);
    assert!(!path.exists());
}

#[test]
fn a_group_segment_keeps_its_group_bits_and_a_newer_file_survives_the_old() {
    let scratch = Scratch::new("group");
    let path = scratch.file("seg");
    let gid = std::fs::metadata(scratch.file("")).unwrap().gid();
    let old = Segment::create(&path, SMALL, 1, 1, 1, 0o660, Some(gid)).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    assert_eq!(meta.gid(), gid);
    // An agent restart replaces the file; the old segment's drop leaves the
    // new one in place.
    let new = Segment::create(&path, Geometry::default(), 1, 2, 1, 0o600, None).unwrap();
    drop(old);
    assert!(path.exists());
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        Geometry::default().segment_len().unwrap() as u64
    );
    drop(new);
    assert!(!path.exists());
}

#[test]
fn an_invalid_geometry_is_refused_and_leaves_no_file() {
    let scratch = Scratch::new("geometry");
    let path = scratch.file("seg");
    let bad = Geometry {
        ring_entries: 3,
        ..SMALL
    };
    let err = Segment::create(&path, bad, 0, 1, 1, 0o600, None).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(!path.exists());
}

#[test]
fn both_sides_can_move_between_threads() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<Segment>();
    send::<Attached>();
    sync::<Attached>();
}
