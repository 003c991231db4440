//! The parked agent (docs/SHM.md §4): after its rings stayed empty for a
//! while the agent stops draining on a timer, and the first report a
//! client writes rings it — the report takes effect at once, not at the
//! agent's next one-second upkeep.

mod util;

use std::time::{Duration, Instant};

use lars_proto::RetCode;
use lars_testkit::wait_until;
use util::*;

#[test]
fn a_report_after_a_quiet_spell_wakes_the_agent_at_once() {
    let s = setup("probe_num = 1000\n");
    let mut api = Api::ready(&s.agent, Via::Shm, 1, 1);
    let bad = "127.0.0.1:9002";
    for round in 0..3 {
        // Quiet for longer than 100 empty drains: the agent parks.
        std::thread::sleep(Duration::from_millis(400));
        let code = if round % 2 == 0 {
            RetCode::Overload
        } else {
            RetCode::Succ
        };
        let written = Instant::now();
        // 15 consecutive failures overload the host; then enough
        // successes make it idle again (6 pass succ_rate, see requests.rs).
        let n = if round % 2 == 0 { 15 } else { 6 };
        for _ in 0..n {
            api.report(1, 1, bad, code);
        }
        let overloaded = round % 2 == 0;
        let applied = wait_until(Duration::from_millis(300), || {
            let picks: Vec<String> = (0..4).map(|_| api.get_host(1, 1).1.unwrap()).collect();
            picks.contains(&bad.to_string()) != overloaded
        });
        assert!(
            applied,
            "round {round}: reports applied {:?} after writing (the upkeep would take up to 1 s)",
            written.elapsed()
        );
    }
}
