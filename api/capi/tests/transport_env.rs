//! `LARS_TRANSPORT` chooses how a C client reaches its agent: by default it
//! asks for the agent's shared memory, `udp` never does, and a value that
//! is none of auto/udp/shm is refused when the client is made. One test in
//! its own process, since it changes the environment.

use std::collections::HashMap;
use std::ffi::c_char;
use std::ptr::null_mut;

use lars::*;
use lars_api::{HostAddr, ModuleId};
use lars_testkit::fake_agent::{FakeAgent, RunningAgent};
use lars_testkit::wait_until;
use std::time::Duration;

/// Makes a client of `agent` under the current environment and makes one
/// get_host; the code of `lars_client_new`.
fn one_call(agent: &RunningAgent) -> i32 {
    let opts = LarsOptions {
        base_port: agent.base_port,
        timeout_ms: 500,
        ..lars_options_default()
    };
    let mut c = null_mut();
    // SAFETY: valid options and out pointer.
    let made = unsafe { lars_client_new(&opts, &mut c) };
    if made != LARS_RET_SUCC {
        assert!(c.is_null());
        return made;
    }
    let (mut buf, mut ip, mut port) = ([0 as c_char; LARS_IP_STR_LEN], 0u32, 0u16);
    // SAFETY: live client, buffer of LARS_IP_STR_LEN bytes, valid outs.
    let code = unsafe { lars_get_host(c, 1, 1, buf.as_mut_ptr(), buf.len(), &mut ip, &mut port) };
    assert_eq!(code, LARS_RET_SUCC);
    // SAFETY: made above, freed once.
    unsafe { lars_client_free(c) };
    made
}

#[test]
fn lars_transport_chooses_udp_only_or_refuses_a_bad_value() {
    let host: HostAddr = "10.0.0.1:1001".parse().unwrap();
    let agent = FakeAgent::bind().serve_routes(HashMap::from([(ModuleId::new(1, 1), vec![host])]));

    std::env::remove_var("LARS_TRANSPORT");
    assert_eq!(one_call(&agent), LARS_RET_SUCC);
    assert!(
        wait_until(Duration::from_secs(2), || agent.attach_requests().len()
            == 3),
        "by default the client asks each agent port for shared memory"
    );
    let attach_requests = agent.attach_requests().len();

    std::env::set_var("LARS_TRANSPORT", "udp");
    assert_eq!(one_call(&agent), LARS_RET_SUCC);
    // Requests sent with the call would have arrived by now.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        agent.attach_requests().len(),
        attach_requests,
        "a UDP-only client never asks"
    );

    std::env::set_var("LARS_TRANSPORT", "tcp");
    assert_eq!(one_call(&agent), LARS_ERR_BAD_ARGUMENT);
    std::env::remove_var("LARS_TRANSPORT");
}
