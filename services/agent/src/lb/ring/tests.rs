//! Tests of `ring.rs`: spread by weight, and which keys move when hosts
//! join, leave or are skipped.

use super::*;

fn host(i: u32) -> HostAddr {
    HostAddr::from_number(0x0a00_0000 + i, 8000)
}

/// The owner of each of `keys` keys (0, 1, 2...), no host skipped.
fn owners(ring: &HashRing, keys: u64) -> Vec<u64> {
    (0..keys)
        .map(|k| ring.owner(key_position(k), |_| true).unwrap())
        .collect()
}

#[test]
fn keys_spread_by_weight_within_ten_percent() {
    let hosts = [(host(1), 1), (host(2), 2), (host(3), 3)];
    let ring = HashRing::new(&hosts);
    assert_eq!(ring.len(), 6 * POINTS_PER_WEIGHT as usize);
    let got = owners(&ring, 10_000);
    for (h, weight) in hosts {
        let share = got.iter().filter(|&&o| o == h.key()).count() as f64 / 10_000.0;
        let want = f64::from(weight) / 6.0;
        assert!(
            (share - want).abs() <= want * 0.10,
            "{h}: share {share:.3}, weight share {want:.3}"
        );
    }
}

#[test]
fn adding_a_fourth_host_moves_about_a_quarter_of_the_keys() {
    let three: Vec<_> = (1..=3).map(|i| (host(i), 1)).collect();
    let mut four = three.clone();
    four.push((host(4), 1));
    let before = owners(&HashRing::new(&three), 10_000);
    let after = owners(&HashRing::new(&four), 10_000);
    let moved: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).collect();
    assert!(moved.len() <= 3_000, "{} of 10000 keys moved", moved.len());
    assert!(
        moved.iter().all(|(_, &a)| a == host(4).key()),
        "keys only move to the new host"
    );
}

#[test]
fn a_skipped_or_removed_host_moves_only_its_own_keys() {
    let hosts: Vec<_> = (1..=5).map(|i| (host(i), 1)).collect();
    let ring = HashRing::new(&hosts);
    let before = owners(&ring, 10_000);
    let skip = host(3).key();
    let skipped: Vec<u64> = (0..10_000)
        .map(|k| ring.owner(key_position(k), |h| h != skip).unwrap())
        .collect();
    let without: Vec<_> = hosts
        .iter()
        .copied()
        .filter(|(h, _)| h.key() != skip)
        .collect();
    let removed = owners(&HashRing::new(&without), 10_000);
    for (k, &owner) in before.iter().enumerate() {
        if owner != skip {
            assert_eq!(
                skipped[k], owner,
                "key {k} moved though its host was not skipped"
            );
            assert_eq!(removed[k], owner, "key {k} moved though its host stayed");
        } else {
            assert_ne!(skipped[k], skip);
            assert_eq!(skipped[k], removed[k], "skipping and removing agree");
        }
    }
}

#[test]
fn no_eligible_host_owns_nothing() {
    let ring = HashRing::new(&[(host(1), 1), (host(2), 1)]);
    assert_eq!(ring.owner(key_position(7), |_| false), None);
    assert_eq!(HashRing::new(&[]).owner(1, |_| true), None);
}

#[test]
fn heavy_weights_are_capped_in_points() {
    let heavy: Vec<_> = (1..=100).map(|i| (host(i), 10_000)).collect();
    let ring = HashRing::new(&heavy);
    assert!(
        ring.len() <= MAX_POINTS as usize + 100,
        "{} points",
        ring.len()
    );
    assert!(
        ring.memory_bytes() <= 2 << 20,
        "{} bytes",
        ring.memory_bytes()
    );
}
