//! docs/LOAD_BALANCING.md §5: how reported calls move hosts between idle
//! and overload.

use super::*;

#[test]
fn fresh_host_first_failure_does_not_overload_it() {
    // The original starts idle_ts at 0, so at any realistic `now` the first
    // failure closes a window with 1/1 errors and overloads the host.
    let cfg = LbConfig::default();
    let now = 1_700_000_000;
    let mut m = module_with(&[1], now, &cfg);
    call(&mut m, 1, false, now, &cfg);
    assert!(!overloaded(&m, 1));
    let h = m.host(addr(1)).unwrap();
    assert_eq!((h.vsucc, h.verr, h.rerr, h.idle_ts), (180, 1, 1, now));
}

#[test]
fn a_few_failures_do_not_overload_but_the_15th_consecutive_does() {
    // 14/194 is far below err_rate 0.1; the 15th reaches contin_err_limit.
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2], 0, &cfg);
    assert_eq!(calls_until_flip(&mut m, 1, false, 1, &cfg), 15);
    assert_eq!(ids(m.idle_hosts()), vec![2]);
    assert_eq!(ids(m.overloaded_hosts()), vec![1]);
    let h = m.host(addr(1)).unwrap();
    assert_eq!(
        (h.vsucc, h.verr, h.rsucc, h.rerr, h.overload_ts),
        (0, 5, 0, 0, 1)
    );
}

#[test]
fn each_rule_flips_the_state_after_the_documented_number_of_calls() {
    let default = LbConfig::default();
    let no_streak = LbConfig {
        contin_err_limit: 1000,
        ..default.clone()
    };
    let never_rate = LbConfig {
        succ_rate: 1.0,
        ..default.clone()
    };
    // (tunables, starts overloaded, calls succeed, calls until the flip, rule)
    let cases = [
        (&default, false, false, 15, "contin_err_limit"),
        (
            &no_streak,
            false,
            false,
            21,
            "err_rate: 20/200 is not above 0.1, 21/201 is",
        ),
        (
            &default,
            true,
            true,
            6,
            "succ_rate: 5/10 is not above 0.5, 6/11 is",
        ),
        (
            &never_rate,
            true,
            true,
            15,
            "contin_succ_limit (1.0 is never exceeded)",
        ),
    ];
    for (cfg, start_overloaded, success, want, rule) in cases {
        let mut m = module_with(&[1], 0, cfg);
        if start_overloaded {
            overload(&mut m, 1, 0, cfg);
        }
        assert_eq!(calls_until_flip(&mut m, 1, success, 1, cfg), want, "{rule}");
    }
}

#[test]
fn error_rate_overloads_with_default_limits_when_errors_are_not_consecutive() {
    // 10 failures, 1 success, 11 failures: the streak never reaches 15; the
    // 21st failure gives 21/(181+21) = 0.104 > 0.1 (the 20th: 20/201 = 0.0995).
    let cfg = LbConfig::default();
    let mut m = module_with(&[1], 0, &cfg);
    for _ in 0..10 {
        call(&mut m, 1, false, 1, &cfg);
    }
    call(&mut m, 1, true, 1, &cfg);
    assert_eq!(
        calls_until_flip(&mut m, 1, false, 1, &cfg),
        11,
        "failures 11 to 21"
    );
}

#[test]
fn success_rate_returns_an_overloaded_host_on_the_6th_success() {
    // Overloaded: vsucc 0, verr 5. After k successes k/(k+5): 5/10 = 0.5 is
    // not above 0.5, 6/11 is.
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2], 0, &cfg);
    overload(&mut m, 1, 0, &cfg);
    assert_eq!(calls_until_flip(&mut m, 1, true, 2, &cfg), 6);
    assert_eq!(ids(m.idle_hosts()), vec![2, 1], "back at the idle tail");
    let h = m.host(addr(1)).unwrap();
    assert_eq!(
        (h.vsucc, h.verr, h.rsucc, h.contin_succ, h.idle_ts),
        (180, 0, 0, 0, 2)
    );
}

#[test]
fn failures_of_overloaded_and_successes_of_idle_hosts_change_nothing_within_windows() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2], 0, &cfg);
    overload(&mut m, 1, 0, &cfg);
    call(&mut m, 1, false, 5, &cfg);
    call(&mut m, 2, true, 5, &cfg);
    assert!(overloaded(&m, 1) && !overloaded(&m, 2));
}

/// Host 1 added at t=100 with 6 failures and `succ` successes at t=101.
fn window_module(succ: u32, cfg: &LbConfig) -> ModuleLb {
    let mut m = module_with(&[1, 2], 100, cfg);
    for _ in 0..6 {
        call(&mut m, 1, false, 101, cfg);
    }
    for _ in 0..succ {
        call(&mut m, 1, true, 101, cfg);
    }
    m
}

#[test]
fn idle_window_with_error_rate_at_least_window_err_rate_overloads() {
    let cfg = LbConfig::default();
    // At t=115 the window (idle_ts 100, idle_timeout 15) is over; the 7th
    // failure makes it 7/(3+7) = 0.7 >= 0.7.
    let mut m = window_module(3, &cfg);
    call(&mut m, 1, false, 115, &cfg);
    assert!(overloaded(&m, 1));
    assert_eq!(m.host(addr(1)).unwrap().overload_ts, 115);
    assert_eq!(ids(m.overloaded_hosts()), vec![1]);

    // One second earlier the window is still open: nothing happens.
    let mut m = window_module(3, &cfg);
    call(&mut m, 1, false, 114, &cfg);
    assert!(!overloaded(&m, 1));
    let h = m.host(addr(1)).unwrap();
    assert_eq!((h.rsucc, h.rerr, h.idle_ts), (3, 7, 100));
}

#[test]
fn idle_window_below_window_err_rate_starts_a_fresh_window() {
    let cfg = LbConfig::default();
    // 6 failures, 4 successes, then a success at t=115: 6/11 = 0.55 < 0.7.
    let mut m = window_module(4, &cfg);
    call(&mut m, 1, true, 115, &cfg);
    assert!(!overloaded(&m, 1));
    let h = m.host(addr(1)).unwrap();
    assert_eq!(
        (h.vsucc, h.verr, h.rsucc, h.rerr, h.idle_ts),
        (180, 0, 0, 0, 115)
    );
    assert_eq!(ids(m.idle_hosts()), vec![1, 2], "list position kept");
}

#[test]
fn overload_timeout_returns_the_host_to_idle() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2], 190, &cfg);
    overload(&mut m, 1, 200, &cfg);
    call(&mut m, 1, false, 214, &cfg);
    assert!(overloaded(&m, 1), "14 s < overload_timeout");
    call(&mut m, 1, false, 215, &cfg);
    assert!(!overloaded(&m, 1), "15 s >= overload_timeout");
    assert_eq!(ids(m.idle_hosts()), vec![2, 1]);
    let h = m.host(addr(1)).unwrap();
    assert_eq!((h.vsucc, h.verr, h.rerr, h.idle_ts), (180, 0, 0, 215));
}

#[test]
fn report_of_an_unknown_host_is_ignored() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1], 0, &cfg);
    assert!(!m.report(addr(9), outcome(false), None, 1, &cfg).known());
    assert_eq!(m.take_report(1), None, "an ignored report is not news");
}

#[test]
fn take_report_only_after_reports_and_keeps_window_counts() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2], 0, &cfg);
    assert_eq!(m.take_report(1), None);
    overload(&mut m, 2, 1, &cfg);
    call(&mut m, 1, true, 2, &cfg);
    call(&mut m, 1, false, 2, &cfg);
    let r = m.take_report(3).expect("reports arrived");
    assert_eq!((r.module, r.ts), (lars_proto::ModuleId::new(1, 1), 3));
    let lines: Vec<_> = r
        .hosts
        .iter()
        .map(|h| (h.host.ip.octets()[3], h.succ, h.err, h.overload))
        .collect();
    assert_eq!(lines, vec![(1, 1, 1, false), (2, 0, 0, true)]);
    assert_eq!(r.hosts[0].host.port, 8001);
    assert_eq!(m.take_report(4), None, "nothing new since");
    assert_eq!(m.host(addr(1)).unwrap().rsucc, 1, "take does not reset");
}
