"""The client against the real daemons (see conftest.py): the original's
calls on the demo routes, and the additions for the load-balancing
policies on routes, weights and policies written with ``lars route`` —
``get_route_detail``, ``get_host(key=)`` on a ``hash`` module (agreeing
with the Rust ``lars gethost --key``), and ``report(latency_us=)`` on an
``ewma`` module."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from typing import Callable, List

import pytest

from conftest import Stack, wait_for
from lars_client import Client, Host, LarsTimeoutError, RetCode, Route, RouteHost, hash_key

DEMO_1_1 = [Host("127.0.0.1", 9001), Host("127.0.0.1", 9002), Host("127.0.0.1", 9003)]
HOSTS = [Host("10.9.0.1", 80), Host("10.9.0.2", 80), Host("10.9.0.3", 80)]


def registered(client: Client, modid: int = 1, cmdid: int = 1) -> None:
    wait_for(lambda: client.reg_init(modid, cmdid) == RetCode.SUCC, what=f"reg_init {modid}/{cmdid}")


def pick(client: Client) -> Host:
    code, host = client.get_host(1, 1)
    assert code == RetCode.SUCC and host is not None, code
    return host


def test_a_new_module_is_noexist_first_then_has_hosts(stack: Stack) -> None:
    with stack.client() as c:
        assert c.get_host(1, 1) == (RetCode.NOEXIST, None)
        code, host = wait_for(lambda: (lambda a: a if a[0] == RetCode.SUCC else None)(c.get_host(1, 1)),
                              what="a host once the route arrived")
        assert host in DEMO_1_1


def test_get_host_cycles_over_the_three_hosts(stack: Stack) -> None:
    with stack.client() as c:
        registered(c)
        picks = [pick(c) for _ in range(9)]
        assert sorted(set(picks)) == DEMO_1_1
        assert picks[0:3] == picks[3:6] == picks[6:9]


def test_fifteen_failures_overload_a_host(stack: Stack) -> None:
    with stack.client() as c:
        registered(c)
        bad = pick(c)
        for _ in range(15):
            c.report(1, 1, bad.ip, bad.port, RetCode.OVERLOAD)
        # Reports have no answer: wait until a pick skips the bad host.
        first = wait_for(lambda: (lambda h: h if h != bad else None)(pick(c)), what="overload")
        # probe_num is 10: ten picks from the idle hosts before a probe.
        picks = [first] + [pick(c) for _ in range(9)]
        assert bad not in picks
        assert sorted(set(picks)) == sorted(set(DEMO_1_1) - {bad})
        assert sorted(c.get_route(1, 1)) == DEMO_1_1, "an overloaded host stays in the route"


def test_get_route_lists_every_host(stack: Stack) -> None:
    with stack.client() as c:
        assert c.get_route(1, 2) == [], "unknown to the agent until pulled"
        registered(c, 1, 2)
        assert sorted(c.get_route(1, 2)) == [Host("127.0.0.1", 9011), Host("127.0.0.1", 9012)]
        registered(c)
        assert sorted(c.get_route(1, 1)) == DEMO_1_1


def test_an_agent_that_is_not_running_is_a_timeout_not_a_hang(stack: Stack) -> None:
    stack.stop("lars-agent")
    with stack.client(timeout=0.1) as c:
        for call in (lambda: c.get_host(1, 1), lambda: c.get_route(1, 1)):
            start = time.monotonic()
            with pytest.raises(LarsTimeoutError) as err:
                call()
            assert time.monotonic() - start < 0.6
            assert "is lars-agent running?" in str(err.value)
            assert err.value.refused
        assert c.reg_init(1, 1) == RetCode.NOEXIST


def test_the_command_line(stack: Stack) -> None:
    with stack.client() as c:
        registered(c)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "lars_client", "--base-port", str(stack.agent_base), *args],
                              capture_output=True, text=True, timeout=30)

    out = cli("gethost", "1", "1")
    assert out.returncode == 0 and out.stdout in {f"host is {h}\n" for h in DEMO_1_1}, out
    out = cli("getroute", "1", "1")
    assert sorted(out.stdout.split()) == [str(h) for h in DEMO_1_1], out
    out = cli("gethost", "7", "7")
    assert (out.returncode, out.stdout) == (1, "RET_NOEXIST\n"), out
    out = cli("report", "1", "1", "127.0.0.1", "9001", "1")
    assert out.stdout == "reported RET_OVERLOAD for 127.0.0.1:9001 of module 1/1\n", out
    out = cli("qps", "--seconds", "1")
    lines = out.stdout.splitlines()
    assert out.returncode == 0 and len(lines) == 2, out
    assert re.fullmatch(r"thread:\[0\] --> qps = \[[1-9][0-9]*\], average = \[[1-9][0-9]*\]", lines[0]), out
    assert re.fullmatch(r"total: [1-9][0-9]* get_host in 1\.[0-9]{2} s by 1 threads = [1-9][0-9]* qps", lines[1]), out
    stack.stop("lars-agent")
    out = cli("--timeout-ms", "100", "gethost", "1", "1")
    assert out.returncode == 1 and out.stdout.startswith("RET_SYSTEM_ERROR: "), out


def define(stack: Stack, modid: int, weights: List[int], *policy: str) -> None:
    """Module modid/1 with hosts 10.9.0.i:80 of ``weights`` and ``policy``
    (e.g. ``"wrr", "--panic", "40"``)."""
    for host, weight in zip(HOSTS, weights):
        stack.route("add", str(modid), "1", str(host), "--weight", str(weight))
    stack.route("policy", str(modid), "1", *policy)


def route_once(c: Client, modid: int, done: Callable[[Route], bool]) -> Route:
    """The agent's route of modid/1 once ``done`` accepts it (10 s at most)."""
    return wait_for(lambda: (lambda r: r if done(r) else None)(c.get_route_detail(modid, 1)),
                    what=f"route of {modid}/1")


def pick_of(c: Client, modid: int, key: object = None) -> Host:
    """One host of modid/1, by ``key`` when given; fails the test without one."""
    code, host = c.get_host(modid, 1, key=key)  # type: ignore[arg-type]
    assert code == RetCode.SUCC and host is not None, code
    return host


def test_get_route_detail_has_the_weights_policy_and_panic_threshold(stack: Stack) -> None:
    define(stack, 600, [1, 2, 3], "wrr", "--panic", "40")
    with stack.client() as c:
        route = route_once(c, 600, lambda r: len(r.hosts) == 3 and r.policy == "wrr")
        assert sorted(route.hosts) == [RouteHost("10.9.0.1", 80, 1), RouteHost("10.9.0.2", 80, 2),
                                       RouteHost("10.9.0.3", 80, 3)]
        assert route.panic_threshold == 40
        stack.route("policy", "600", "1", "hash")
        route = route_once(c, 600, lambda r: r.policy == "hash")
        assert route.panic_threshold == 0
        # The demo route of module 1/1 has neither weights nor a policy.
        route = route_once(c, 1, lambda r: len(r.hosts) == 3)
        assert route.policy == "rr" and {h.weight for h in route.hosts} == {1}


def test_the_same_key_picks_the_same_host_as_the_rust_client(stack: Stack) -> None:
    define(stack, 601, [1, 1, 1], "hash")
    with stack.client() as c:
        route_once(c, 601, lambda r: len(r.hosts) == 3 and r.policy == "hash")
        owners = {}
        for i in range(30):
            key = hash_key(f"user-{i}".encode())
            owners[key] = pick_of(c, 601, key)
            assert [pick_of(c, 601, key) for _ in range(2)] == [owners[key]] * 2, f"user-{i}"
        assert sorted(set(owners.values())) == HOSTS, "thirty keys reach the three hosts"
        # Keys at both ends of uint64, and the text keys above, pick what
        # `lars gethost --key` (the Rust client) picks.
        for key in [0, 2**64 - 1, *list(owners)[:5]]:
            host = pick_of(c, 601, key)
            assert stack.lars("gethost", "601", "1", "--key", str(key)) == f"host is {host}\n", key


def test_reported_latencies_steer_an_ewma_module_to_the_fast_host(stack: Stack) -> None:
    define(stack, 602, [1, 1, 1], "ewma")
    latency_us = {HOSTS[0]: 1_000, HOSTS[1]: 10_000, HOSTS[2]: 50_000}
    with stack.client() as c:
        route_once(c, 602, lambda r: len(r.hosts) == 3 and r.policy == "ewma")
        for host in HOSTS + HOSTS:
            c.report(602, 1, host.ip, host.port, RetCode.SUCC, latency_us=latency_us[host])
        counts: Counter = Counter()
        for _ in range(3_000):
            host = pick_of(c, 602)
            c.report(602, 1, host.ip, host.port, RetCode.SUCC, latency_us=latency_us[host])
            counts[host] += 1
    assert counts[HOSTS[0]] > 1_800, counts
    assert counts[HOSTS[2]] < 300, counts
