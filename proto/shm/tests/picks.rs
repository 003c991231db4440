//! Publishing module views and picking from them through a mapped
//! segment: the SPEC §7 rules, ask-UDP cases and publication errors.
#![cfg(not(loom))]

mod common;

use common::{attach, empty, host, module, segment, serve, Scratch, SMALL};
use lars_shm::{Geometry, ModuleMode, PublishError, ShmPick};

fn picks(client: &lars_shm::Attached, n: usize) -> Vec<ShmPick> {
    (0..n).map(|_| client.pick(module(1))).collect()
}

#[test]
fn picks_go_round_robin_over_exactly_the_idle_hosts() {
    let scratch = Scratch::new("rr");
    let mut seg = segment(&scratch, SMALL, 3);
    let hosts = [host(1), host(2), host(3), host(4)];
    // host 2 is overloaded, probes off.
    seg.publish(module(1), &serve(&hosts, &[0, 2, 3], &[1], false))
        .unwrap();
    let client = attach(&mut seg);
    let h = |n| ShmPick::Host(host(n));
    assert_eq!(
        picks(&client, 7),
        [h(1), h(3), h(4), h(1), h(3), h(4), h(1)]
    );
    let mut route = Vec::new();
    assert!(client.route(module(1), &mut route));
    assert_eq!(route, hosts);

    // A republished rotation applies to the next pick.
    seg.publish(module(1), &serve(&hosts, &[1], &[], false))
        .unwrap();
    assert_eq!(picks(&client, 2), [h(2), h(2)]);
}

#[test]
fn one_probe_every_probe_num_plus_one_picks_while_probing() {
    let scratch = Scratch::new("probe");
    let mut seg = segment(&scratch, SMALL, 1);
    let hosts = [host(1), host(2), host(3), host(4)];
    seg.publish(module(1), &serve(&hosts, &[0, 1], &[2, 3], true))
        .unwrap();
    let client = attach(&mut seg);
    let h = |n| ShmPick::Host(host(n));
    // access 0 rotates, 1 probes, 2 rotates, 3 probes the next
    // overloaded host...
    assert_eq!(picks(&client, 6), [h(1), h(3), h(2), h(4), h(1), h(3)]);

    // The agent restarts the probe count: the next pick rotates.
    seg.reset_probe_counter(module(1));
    assert_eq!(picks(&client, 2), [h(2), h(4)]);

    // Probes off: rotation only.
    seg.publish(module(1), &serve(&hosts, &[0, 1], &[2, 3], false))
        .unwrap();
    assert_eq!(picks(&client, 3), [h(1), h(2), h(1)]);
}

#[test]
fn the_probe_period_follows_probe_num() {
    let scratch = Scratch::new("period");
    let mut seg = segment(&scratch, SMALL, 3);
    let hosts = [host(1), host(2)];
    seg.publish(module(1), &serve(&hosts, &[0], &[1], true))
        .unwrap();
    let client = attach(&mut seg);
    let got = picks(&client, 8);
    let probes: Vec<usize> = (0..8)
        .filter(|&i| got[i] == ShmPick::Host(host(2)))
        .collect();
    assert_eq!(probes, [3, 7]);

    seg.set_probe_num(0);
    assert_eq!(picks(&client, 2), [ShmPick::Host(host(2)); 2]);
}

#[test]
fn every_host_overloaded_answers_overload_between_probes() {
    let scratch = Scratch::new("overload");
    let mut seg = segment(&scratch, SMALL, 1);
    let hosts = [host(1), host(2)];
    seg.publish(module(1), &serve(&hosts, &[], &[0, 1], false))
        .unwrap();
    let client = attach(&mut seg);
    assert_eq!(picks(&client, 3), [ShmPick::Overload; 3]);

    seg.publish(module(1), &serve(&hosts, &[], &[0, 1], true))
        .unwrap();
    let got = picks(&client, 4);
    assert_eq!(
        got,
        [
            ShmPick::Overload,
            ShmPick::Host(host(1)),
            ShmPick::Overload,
            ShmPick::Host(host(2))
        ]
    );
}

#[test]
fn every_pick_from_memory_is_counted_once_and_probes_apart() {
    let scratch = Scratch::new("usage");
    let mut seg = segment(&scratch, SMALL, 1);
    assert_eq!(seg.picks(module(1)), None);
    assert_eq!(seg.probes(module(1)), None);
    let hosts = [host(1), host(2)];
    seg.publish(module(1), &serve(&hosts, &[0], &[1], true))
        .unwrap();
    let client = attach(&mut seg);
    assert_eq!(seg.picks(module(1)), Some(0));
    for _ in 0..6 {
        client.pick(module(1));
    }
    // probe_num 1: every second pick probes host 2.
    assert_eq!(seg.picks(module(1)), Some(6));
    assert_eq!(seg.probes(module(1)), Some(3));
    // Overload answers count too, and are no probes.
    seg.publish(module(1), &serve(&hosts, &[], &[], false))
        .unwrap();
    assert_eq!(client.pick(module(1)), ShmPick::Overload);
    assert_eq!(seg.picks(module(1)), Some(7));
    assert_eq!(seg.probes(module(1)), Some(3));
}

#[test]
fn absent_and_ask_udp_modules_are_asked_over_udp() {
    let scratch = Scratch::new("askudp");
    let mut seg = segment(&scratch, SMALL, 1);
    let client = attach(&mut seg);
    let mut route = vec![host(9)];
    assert_eq!(client.pick(module(1)), ShmPick::AskUdp);
    assert!(!client.route(module(1), &mut route));
    assert!(route.is_empty());

    seg.publish(module(2), &empty(ModuleMode::AskUdp)).unwrap();
    assert_eq!(client.pick(module(2)), ShmPick::AskUdp);
    assert!(!client.route(module(2), &mut route));

    let hosts = [host(1)];
    seg.publish(module(3), &serve(&hosts, &[0], &[], false))
        .unwrap();
    assert_eq!(client.pick(module(3)), ShmPick::Host(host(1)));
    seg.unpublish(module(3));
    assert_eq!(client.pick(module(3)), ShmPick::AskUdp);
    assert!(!client.route(module(3), &mut route));
    // Unpublishing a module that never had a slot is a no-op.
    seg.unpublish(module(4));
    assert_eq!(client.pick(module(4)), ShmPick::AskUdp);
}

#[test]
fn a_view_beyond_the_geometry_is_too_large_and_asks_udp() {
    let scratch = Scratch::new("toolarge");
    let mut seg = segment(&scratch, SMALL, 1);
    let client = attach(&mut seg);
    let five = [host(1), host(2), host(3), host(4), host(5)];
    let four = &five[..4];
    seg.publish(module(1), &serve(four, &[0], &[], false))
        .unwrap();
    assert_eq!(client.pick(module(1)), ShmPick::Host(host(1)));
    assert_eq!(
        seg.publish(module(1), &serve(&five, &[0], &[], false)),
        Err(PublishError::TooLarge)
    );
    assert_eq!(client.pick(module(1)), ShmPick::AskUdp);
    let long_rotation = [0u16; 9];
    assert_eq!(
        seg.publish(module(2), &serve(four, &long_rotation, &[], false)),
        Err(PublishError::TooLarge)
    );
    assert_eq!(client.pick(module(2)), ShmPick::AskUdp);
    assert_eq!(
        seg.publish(module(2), &serve(four, &[0], &[0, 1, 2, 3, 0], false)),
        Err(PublishError::TooLarge)
    );
    // A fitting view serves again.
    seg.publish(module(2), &serve(four, &[3], &[], false))
        .unwrap();
    assert_eq!(client.pick(module(2)), ShmPick::Host(host(4)));
    assert!(PublishError::TooLarge.to_string().contains("does not fit"));
}

#[test]
fn a_full_table_refuses_new_modules_and_serves_the_others() {
    let scratch = Scratch::new("full");
    let geometry = Geometry {
        module_slots: 3,
        ..SMALL
    };
    let mut seg = segment(&scratch, geometry, 1);
    let client = attach(&mut seg);
    let hosts = [host(1), host(2), host(3), host(4)];
    // Three modules share three slots, whatever their home slots are.
    for n in 0..3 {
        seg.publish(module(n), &serve(&hosts, &[n as u16], &[], false))
            .unwrap();
    }
    assert_eq!(
        seg.publish(module(3), &serve(&hosts, &[0], &[], false)),
        Err(PublishError::TableFull)
    );
    assert_eq!(
        seg.publish(module(3), &empty(ModuleMode::AskUdp)),
        Err(PublishError::TableFull)
    );
    // An absent view needs no slot.
    assert_eq!(seg.publish(module(3), &empty(ModuleMode::Absent)), Ok(()));
    for n in 0..3u8 {
        assert_eq!(
            client.pick(module(i32::from(n))),
            ShmPick::Host(host(n + 1))
        );
    }
    assert_eq!(client.pick(module(3)), ShmPick::AskUdp);
    // An unpublished module keeps its slot.
    seg.unpublish(module(0));
    assert_eq!(
        seg.publish(module(0), &serve(&hosts, &[3], &[], false)),
        Ok(())
    );
    assert_eq!(client.pick(module(0)), ShmPick::Host(host(4)));
}

#[test]
fn many_modules_in_the_default_geometry_each_pick_their_own_hosts() {
    let scratch = Scratch::new("many");
    let mut seg = segment(&scratch, Geometry::default(), 1);
    let client = attach(&mut seg);
    let hosts: Vec<_> = (1..=64).map(host).collect();
    for n in 0..600 {
        let idle = [(n % 64) as u16];
        seg.publish(module(n), &serve(&hosts, &idle, &[], false))
            .unwrap();
    }
    for n in 0..600 {
        assert_eq!(
            client.pick(module(n)),
            ShmPick::Host(host((n % 64) as u8 + 1)),
            "module {n}"
        );
    }
}
