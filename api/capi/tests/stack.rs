//! C and C++ programs over liblars, built with gcc and g++, against the
//! real daemons (lars-dns on SQLite and lars-agent, started by
//! `lars_e2e::Stack` on free ports): the C ABI, the C++ wrapper, the C++
//! example tools and a program written in the original API's style.

mod util;

use std::time::{Duration, Instant};

use lars_api::{ModuleId, RetCode};
use lars_e2e::{Stack, Store};
use lars_testkit::stores::TempSqlite;
use lars_testkit::ScratchDir;
use util::{compile, compile_shared, run_ok, Lang};

/// A fresh stack whose agent answers on all three ports. (Modules 1000/0,
/// 1001/0 and 1002/0, one per port, are not in the demo routes.)
fn stack() -> Stack {
    let stack = Stack::start(Store::Sqlite(TempSqlite::new("capi")), "");
    let mut client = stack.client(Duration::from_millis(100));
    let deadline = Instant::now() + Duration::from_secs(10);
    for modid in 1000..1003 {
        while client.get_route(ModuleId::new(modid, 0)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the agent does not answer; logs in {}",
                stack.dir.display()
            );
        }
    }
    stack
}

/// Waits until the agent has the route of `modid`/1 (pulled from DNS).
fn route_known(stack: &Stack, modid: i32) {
    let mut client = stack.client(Duration::from_millis(500));
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.reg_init(ModuleId::new(modid, 1)) != RetCode::Succ {
        assert!(Instant::now() < deadline, "module {modid}/1 has no hosts");
    }
}

/// Waits until the agent holds module 600/1 with its three hosts and the
/// `hash` policy: DNS may serve the hosts a poll before the policy.
fn hash_route_known(stack: &Stack) {
    let mut client = stack.client(Duration::from_millis(500));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(route) = client.get_route_detail(ModuleId::new(600, 1)) {
            if route.hosts.len() == 3 && route.policy.policy == lars_api::Policy::Hash {
                return;
            }
        }
        assert!(Instant::now() < deadline, "module 600/1 never became hash");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a `stack_test` program in both modes: against the fresh stack
/// with module 600/1 added (hosts 10.9.0.1-3:80, policy hash), then with
/// the agent stopped.
fn stack_test_passes(program: &std::path::Path) {
    let mut stack = stack();
    for host in ["10.9.0.1:80", "10.9.0.2:80", "10.9.0.3:80"] {
        stack.route_ok(&["add", "600", "1", host]);
    }
    stack.route_ok(&["policy", "600", "1", "hash"]);
    hash_route_known(&stack);
    let base = stack.agent_base.to_string();
    let text = run_ok(program, &["stack", &base], &[]);
    assert!(text.contains("ok: 15 failures overload a host"), "{text}");
    assert!(
        text.contains("ok: the same key picks the same host"),
        "{text}"
    );
    assert!(text.ends_with("all checks passed\n"), "{text}");
    stack.stop_agent();
    let text = run_ok(program, &["down", &base], &[]);
    assert!(text.ends_with("all checks passed\n"), "{text}");
}

#[test]
fn the_c_abi_against_the_stack() {
    let dir = ScratchDir::new("capi_c");
    let program = compile(
        Lang::C,
        "api/capi/tests/c/stack_test.c",
        &dir,
        "stack_test",
        true,
    );
    stack_test_passes(&program);
}

#[test]
fn the_shared_library_serves_the_same_program() {
    let dir = ScratchDir::new("capi_so");
    let program = compile_shared(Lang::C, "api/capi/tests/c/stack_test.c", &dir, "stack_test");
    let lib_dir = util::liblars().display().to_string();
    // No agent listens on a port triple that was free a moment ago.
    let base = lars_testkit::free_udp_base().to_string();
    let text = run_ok(&program, &["down", &base], &[("LD_LIBRARY_PATH", lib_dir)]);
    assert!(text.ends_with("all checks passed\n"), "{text}");
}

#[test]
fn the_cpp_wrapper_against_the_stack() {
    let dir = ScratchDir::new("capi_cpp");
    let program = compile(
        Lang::Cpp,
        "api/cpp/tests/stack_test.cpp",
        &dir,
        "stack_test",
        true,
    );
    stack_test_passes(&program);
}

#[test]
fn the_cpp_tools_print_what_the_originals_print() {
    let dir = ScratchDir::new("capi_tools");
    let tool = |name: &str| {
        compile(
            Lang::Cpp,
            &format!("api/cpp/example/{name}.cpp"),
            &dir,
            name,
            true,
        )
    };
    let (get_host, get_route, report, qps) = (
        tool("get_host"),
        tool("get_route"),
        tool("report"),
        tool("qps"),
    );
    let stack = stack();
    route_known(&stack, 1);
    let env = [("LARS_AGENT_BASE_PORT", stack.agent_base.to_string())];

    let text = run_ok(&get_route, &["1", "1"], &env);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "ip = 127.0.0.1, port = 9001",
            "ip = 127.0.0.1, port = 9002",
            "ip = 127.0.0.1, port = 9003"
        ]
    );
    let text = run_ok(&get_host, &["1", "1"], &env);
    assert!(text.starts_with("host is 127.0.0.1:900"), "{text}");
    let text = run_ok(&report, &["1", "1", "127.0.0.1", "9001", "1"], &env);
    assert_eq!(
        text,
        "report modid = 1, cmdid = 1 | 127.0.0.1:9001 OVERLOAD\n"
    );

    let text = run_ok(&qps, &["2", "2"], &env);
    let per_thread = text
        .lines()
        .filter(|l| l.starts_with("thread:[") && l.contains("] --> qps = [") && l.ends_with(']'))
        .count();
    assert!(per_thread >= 2, "one line per thread and second:\n{text}");
    let total = text.lines().last().unwrap_or_default();
    assert!(
        total.starts_with("total: ") && total.contains(" get_host in "),
        "{text}"
    );
    assert!(
        total.ends_with(" qps") && !total.starts_with("total: 0 "),
        "{text}"
    );
}

#[test]
fn a_program_in_the_original_apis_style_compiles_and_runs() {
    let dir = ScratchDir::new("capi_orig");
    // Not -Werror: programs of the original's style need not be warning-free.
    let program = compile(
        Lang::Cpp,
        "api/cpp/tests/original_style.cpp",
        &dir,
        "original_style",
        false,
    );
    let stack = stack();
    route_known(&stack, 2);
    let env = [("LARS_AGENT_BASE_PORT", stack.agent_base.to_string())];
    let text = run_ok(&program, &["2", "1"], &env);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "ip = 127.0.0.1, port = 9021", "{text}");
    assert_eq!(lines[1..4], ["host is 127.0.0.1:9021"; 3], "{text}");
    assert!(lines[4].starts_with("done in "), "{text}");
}
