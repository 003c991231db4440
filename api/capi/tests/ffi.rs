//! The C ABI called the way a C program calls it, against a fake agent:
//! outputs, codes, and refusals of NULL pointers and bad lengths.

use std::collections::HashMap;
use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

use lars::*;
use lars_api::{HostAddr, ModuleId};
use lars_testkit::fake_agent::FakeAgent;

/// A client of the agent on `base_port` with a `timeout_ms` timeout.
fn client(base_port: u16, timeout_ms: u32) -> *mut LarsClient {
    let opts = LarsOptions {
        base_port,
        timeout_ms,
        ..lars_options_default()
    };
    let mut out = null_mut();
    // SAFETY: valid options and out pointer.
    assert_eq!(unsafe { lars_client_new(&opts, &mut out) }, LARS_RET_SUCC);
    assert!(!out.is_null());
    out
}

fn three_hosts() -> Vec<HostAddr> {
    ["10.0.0.1:1001", "10.0.0.2:1002", "192.168.1.177:7777"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect()
}

#[test]
fn get_host_writes_text_number_and_port() {
    let agent =
        FakeAgent::bind().serve_routes(HashMap::from([(ModuleId::new(1, 1), three_hosts())]));
    let c = client(agent.base_port, 500);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (mut buf, mut ip, mut port) = ([b'x' as c_char; LARS_IP_STR_LEN], 0u32, 0u16);
        // SAFETY: live client, buffer of LARS_IP_STR_LEN bytes, valid outs.
        let code =
            unsafe { lars_get_host(c, 1, 1, buf.as_mut_ptr(), buf.len(), &mut ip, &mut port) };
        assert_eq!(code, LARS_RET_SUCC);
        // SAFETY: on success the buffer holds a NUL-terminated text.
        let text = unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_str()
            .unwrap()
            .to_string();
        seen.push((text, ip, port));
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            ("10.0.0.1".to_string(), 0x0A00_0001, 1001),
            ("10.0.0.2".to_string(), 0x0A00_0002, 1002),
            ("192.168.1.177".to_string(), 3_232_235_953, 7777),
        ]
    );
    // An unknown module: RET_NOEXIST and cleared outputs; the number alone
    // is enough as an output.
    let (mut ip, mut port) = (9u32, 9u16);
    // SAFETY: live client, NULL text buffer, valid outs.
    let code = unsafe { lars_get_host(c, 5, 5, null_mut(), 0, &mut ip, &mut port) };
    assert_eq!((code, ip, port), (LARS_RET_NOEXIST, 0, 0));
    // SAFETY: freed once.
    unsafe { lars_client_free(c) };
}

#[test]
fn get_route_fills_the_array_or_says_how_many_are_needed() {
    let agent =
        FakeAgent::bind().serve_routes(HashMap::from([(ModuleId::new(2, 1), three_hosts())]));
    let c = client(agent.base_port, 500);
    let mut hosts = [LarsHost::default(); 2];
    let mut count = 0usize;
    // SAFETY: live client, array of 2, valid count.
    let code = unsafe { lars_get_route(c, 2, 1, hosts.as_mut_ptr(), 2, &mut count) };
    assert_eq!((code, count), (LARS_ERR_BUFFER_TOO_SMALL, 3));
    assert_eq!(hosts, [LarsHost::default(); 2], "the array is untouched");
    let mut hosts = [LarsHost::default(); 8];
    // SAFETY: live client, array of 8, valid count.
    let code = unsafe { lars_get_route(c, 2, 1, hosts.as_mut_ptr(), 8, &mut count) };
    assert_eq!((code, count), (LARS_RET_SUCC, 3));
    assert_eq!(
        hosts[2],
        LarsHost {
            ip: 3_232_235_953,
            port: 7777
        }
    );
    // SAFETY: as above; an unknown module has an empty route.
    let code = unsafe { lars_get_route(c, 9, 9, hosts.as_mut_ptr(), 8, &mut count) };
    assert_eq!((code, count), (LARS_RET_SUCC, 0));
    // SAFETY: freed once.
    unsafe { lars_client_free(c) };
}

#[test]
fn a_silent_agent_is_a_timeout_within_the_clients_timeout() {
    let agent = FakeAgent::bind().silent();
    let c = client(agent.base_port, 100);
    let (mut ip, mut port, mut count) = (0u32, 0u16, 0usize);
    let mut hosts = [LarsHost::default(); 4];
    let start = Instant::now();
    // SAFETY: live client and valid outs.
    unsafe {
        assert_eq!(
            lars_get_host(c, 1, 1, null_mut(), 0, &mut ip, &mut port),
            LARS_ERR_TIMEOUT
        );
        assert_eq!(
            lars_get_route(c, 1, 1, hosts.as_mut_ptr(), 4, &mut count),
            LARS_ERR_TIMEOUT
        );
        assert_eq!(lars_reg_init(c, 1, 1), LARS_RET_NOEXIST);
    }
    // 2 calls of 100 ms, reg_init's 3 of 100 ms and 2 pauses of 50 ms.
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
    // SAFETY: freed once.
    unsafe { lars_client_free(c) };
}

#[test]
fn reports_reach_the_agent_as_sent() {
    let agent = FakeAgent::bind().silent();
    let c = client(agent.base_port, 100);
    // SAFETY: live client.
    assert_eq!(
        unsafe { lars_report(c, 1, 1, 3_232_235_953, 7777, 1) },
        LARS_RET_SUCC
    );
    let got = agent.wait_for(1);
    assert_eq!(got.len(), 1);
    let req: lars_proto::ReportRequest = got[0].decode();
    assert_eq!((req.modid, req.cmdid, req.retcode), (1, 1, 1));
    let host = req.host.unwrap();
    assert_eq!((host.ip as u32, host.port), (3_232_235_953, 7777));
    // SAFETY: freed once.
    unsafe { lars_client_free(c) };
}

#[test]
fn null_pointers_and_bad_lengths_are_refused_before_sending() {
    let agent = FakeAgent::bind().silent();
    let c = client(agent.base_port, 100);
    let (mut buf, mut ip, mut port, mut count) = ([0 as c_char; 64], 0u32, 0u16, 0usize);
    let mut hosts = [LarsHost::default(); 4];
    let b = buf.as_mut_ptr();
    // SAFETY: every pointer is NULL or valid; NULLs are refused first.
    unsafe {
        assert_eq!(
            lars_get_host(null_mut(), 1, 1, b, 64, &mut ip, &mut port),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(
            lars_get_host(c, 1, 1, b, 64, &mut ip, null_mut()),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(
            lars_get_host(c, 1, 1, null_mut(), 64, null_mut(), &mut port),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(
            lars_get_host(c, 1, 1, b, 0, &mut ip, &mut port),
            LARS_ERR_BAD_ARGUMENT
        );
        assert_eq!(
            lars_get_host(c, 1, 1, b, 15, &mut ip, &mut port),
            LARS_ERR_BAD_ARGUMENT
        );
        let h = hosts.as_mut_ptr();
        assert_eq!(
            lars_get_route(null_mut(), 1, 1, h, 4, &mut count),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(
            lars_get_route(c, 1, 1, null_mut(), 4, &mut count),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(
            lars_get_route(c, 1, 1, h, 4, null_mut()),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(
            lars_get_route(c, 1, 1, h, 0, &mut count),
            LARS_ERR_BAD_ARGUMENT
        );
        assert_eq!(
            lars_report(null_mut(), 1, 1, 1, 1, 0),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(lars_report(c, 1, 1, 1, 0, 0), LARS_ERR_BAD_ARGUMENT);
        assert_eq!(lars_reg_init(null_mut(), 1, 1), LARS_ERR_NULL_POINTER);
        lars_client_free(null_mut());
    }
    // Nothing reached the agent: a report sent after them on the same
    // socket is the first and only datagram it gets.
    // SAFETY: live client.
    assert_eq!(unsafe { lars_report(c, 1, 1, 1, 1, 0) }, LARS_RET_SUCC);
    let got = agent.wait_for(1);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].msgid(), lars_proto::msgid::REPORT_REQUEST);
    // SAFETY: freed once.
    unsafe { lars_client_free(c) };
}

#[test]
fn bad_options_make_no_client() {
    let defaults = lars_options_default();
    // SAFETY: the default agent_ip is a static NUL-terminated text.
    let ip = unsafe { CStr::from_ptr(defaults.agent_ip) };
    assert_eq!(
        (
            ip.to_str().unwrap(),
            defaults.base_port,
            defaults.timeout_ms
        ),
        ("127.0.0.1", 8888, 50)
    );
    let cases = [
        LarsOptions {
            timeout_ms: 0,
            ..defaults
        },
        LarsOptions {
            base_port: 0,
            ..defaults
        },
        LarsOptions {
            base_port: 65534,
            ..defaults
        },
        LarsOptions {
            agent_ip: c"localhost".as_ptr(),
            ..defaults
        },
    ];
    for opts in cases {
        let mut out = std::ptr::dangling_mut::<LarsClient>();
        // SAFETY: valid options and out pointer.
        let code = unsafe { lars_client_new(&opts, &mut out) };
        assert_eq!((code, out), (LARS_ERR_BAD_ARGUMENT, null_mut()), "{opts:?}");
    }
    // SAFETY: a NULL out pointer is refused; NULL options are the defaults.
    unsafe {
        assert_eq!(
            lars_client_new(&defaults, null_mut()),
            LARS_ERR_NULL_POINTER
        );
        let mut out = null_mut();
        assert_eq!(lars_client_new(null(), &mut out), LARS_RET_SUCC);
        lars_client_free(out);
    }
}
