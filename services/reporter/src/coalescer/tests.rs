//! Tests of `coalescer.rs`.

use super::*;

fn row(modid: i32, ip: u32, succ: u32) -> CallStatus {
    CallStatus {
        module: ModuleId::new(modid, 1),
        host: HostAddr::from_number(ip, 80),
        caller: Ipv4Addr::new(192, 168, 0, 1),
        succ_cnt: succ,
        err_cnt: succ / 10,
        ts: 1_700_000_000u32.wrapping_add(succ),
        overload: succ % 2 == 1,
    }
}

fn sorted(mut rows: Vec<CallStatus>) -> Vec<CallStatus> {
    rows.sort_by_key(|r| (r.module, r.host, r.caller));
    rows
}

#[test]
fn latest_value_per_key_wins() {
    let mut c = Coalescer::new(100);
    assert_eq!(c.insert(row(1, 1, 1)), Merge::New);
    for succ in 2..=10 {
        assert_eq!(c.insert(row(1, 1, succ)), Merge::Replaced);
    }
    assert_eq!(c.len(), 1);
    assert_eq!(c.take_all(), vec![row(1, 1, 10)]);
    assert!(c.is_empty());
    assert_eq!(c.checked_out(), 1);
    c.written(1);
    assert_eq!(c.checked_out(), 0);
}

#[test]
fn every_column_of_the_key_distinguishes_rows() {
    let base = row(1, 1, 1);
    let variants = [
        CallStatus {
            module: ModuleId::new(2, 1),
            ..base
        },
        CallStatus {
            module: ModuleId::new(1, 2),
            ..base
        },
        CallStatus {
            host: HostAddr::from_number(2, 80),
            ..base
        },
        CallStatus {
            host: HostAddr::from_number(1, 81),
            ..base
        },
        CallStatus {
            caller: Ipv4Addr::new(0, 0, 0, 7),
            ..base
        },
    ];
    let mut c = Coalescer::new(100);
    c.insert(base);
    for v in variants {
        assert_eq!(c.insert(v), Merge::New, "{v:?}");
    }
    assert_eq!(c.len(), 6);
}

#[test]
fn two_thousand_distinct_keys_come_out_intact() {
    let mut c = Coalescer::new(10_000);
    let mut want = Vec::new();
    for m in 0..200 {
        for h in 0..10u32 {
            let r = row(m, 0x8000_0000 + h, (m as u32) * 10 + h);
            assert_eq!(c.insert(r), Merge::New);
            want.push(r);
        }
    }
    assert_eq!(c.len(), 2000);
    let mut got = Vec::new();
    loop {
        let batch = c.take_batch(300);
        if batch.is_empty() {
            break;
        }
        assert!(batch.len() <= 300);
        c.written(batch.len());
        got.extend(batch);
    }
    assert_eq!(sorted(got), sorted(want));
    assert_eq!(c.checked_out(), 0);
}

#[test]
fn restore_puts_back_without_overwriting_newer_values() {
    let mut c = Coalescer::new(100);
    c.insert(row(1, 1, 1));
    c.insert(row(1, 2, 1));
    c.insert(row(1, 3, 1));
    let failed = c.take_all();
    assert_eq!(c.checked_out(), 3);
    // Newer values arrive while the write is failing.
    c.insert(row(1, 2, 5));
    c.insert(row(1, 4, 5));
    assert_eq!(c.restore(&failed), 2);
    assert_eq!(c.checked_out(), 0);
    let got = sorted(c.take_all());
    assert_eq!(
        got,
        vec![row(1, 1, 1), row(1, 2, 5), row(1, 3, 1), row(1, 4, 5)]
    );
}

#[test]
fn bound_counts_checked_out_rows_and_spares_updates() {
    let mut c = Coalescer::new(3);
    for ip in 1..=3 {
        assert_eq!(c.insert(row(1, ip, 1)), Merge::New);
    }
    assert_eq!(c.insert(row(1, 4, 1)), Merge::Dropped);
    assert_eq!(c.insert(row(1, 2, 9)), Merge::Replaced);
    let batch = c.take_batch(2);
    assert_eq!(batch.len(), 2);
    // Two rows checked out + one pending: still full.
    assert_eq!(c.insert(row(1, 5, 1)), Merge::Dropped);
    c.written(1);
    assert_eq!(c.insert(row(1, 5, 1)), Merge::New);
    c.restore(&batch[1..]);
    assert_eq!(c.len() + c.checked_out(), 3);
    assert_eq!(c.insert(row(1, 6, 1)), Merge::Dropped);
}

#[test]
fn zero_bound_still_holds_one_key() {
    let mut c = Coalescer::new(0);
    assert_eq!(c.max_keys(), 1);
    assert_eq!(c.insert(row(1, 1, 1)), Merge::New);
    assert_eq!(c.insert(row(1, 2, 1)), Merge::Dropped);
}

mod prop {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u32, u32),
        Take(usize),
        Complete(bool),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u32..30, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            1 => (1usize..12).prop_map(Op::Take),
            1 => any::<bool>().prop_map(Op::Complete),
        ]
    }

    proptest! {
        /// Whatever the interleaving of reports, successful and failed
        /// writes, once everything is written the store holds the
        /// latest value of every key, and the bound is never exceeded.
        #[test]
        fn store_ends_with_the_latest_values(ops in proptest::collection::vec(op(), 1..200)) {
            let mut c = Coalescer::new(25);
            let mut latest = BTreeMap::new();
            let mut store = BTreeMap::new();
            let mut in_flight: Option<Vec<CallStatus>> = None;
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        if c.insert(row(1, k, v)) != Merge::Dropped {
                            latest.insert(k, v);
                        }
                    }
                    Op::Take(n) if in_flight.is_none() => in_flight = Some(c.take_batch(n)),
                    Op::Complete(ok) => match in_flight.take() {
                        Some(batch) if ok => {
                            c.written(batch.len());
                            store.extend(batch.iter().map(|r| (r.host.ip_number(), r.succ_cnt)));
                        }
                        Some(batch) => {
                            c.restore(&batch);
                        }
                        None => {}
                    },
                    Op::Take(_) => {}
                }
                prop_assert!(c.len() + c.checked_out() <= c.max_keys());
            }
            if let Some(batch) = in_flight.take() {
                c.written(batch.len());
                store.extend(batch.iter().map(|r| (r.host.ip_number(), r.succ_cnt)));
            }
            let rest = c.take_all();
            c.written(rest.len());
            store.extend(rest.iter().map(|r| (r.host.ip_number(), r.succ_cnt)));
            prop_assert_eq!(store, latest);
            prop_assert_eq!(c.checked_out(), 0);
        }
    }
}
