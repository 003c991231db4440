"""The client's additions for the load-balancing policies, against the real
daemons (see conftest.py): routes, weights and policies written with
``lars route``, served by lars-dns, applied by lars-agent and asked for by
the Python client — ``get_route_detail``, ``get_host(key=)`` on a ``hash``
module (agreeing with the Rust ``lars gethost --key``), and
``report(latency_us=)`` on an ``ewma`` module."""

from __future__ import annotations

from collections import Counter
from typing import Callable, List

from conftest import Stack, wait_for
from lars_client import Client, Host, Route, RouteHost, RetCode, hash_key

HOSTS = [Host("10.9.0.1", 80), Host("10.9.0.2", 80), Host("10.9.0.3", 80)]


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


def pick(c: Client, modid: int, key: object = None) -> Host:
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
            owners[key] = pick(c, 601, key)
            assert [pick(c, 601, key) for _ in range(2)] == [owners[key]] * 2, f"user-{i}"
        assert sorted(set(owners.values())) == HOSTS, "thirty keys reach the three hosts"
        # Keys at both ends of uint64, and the text keys above, pick what
        # `lars gethost --key` (the Rust client) picks.
        for key in [0, 2**64 - 1, *list(owners)[:5]]:
            host = pick(c, 601, key)
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
            host = pick(c, 602)
            c.report(602, 1, host.ip, host.port, RetCode.SUCC, latency_us=latency_us[host])
            counts[host] += 1
    assert counts[HOSTS[0]] > 1_800, counts
    assert counts[HOSTS[2]] < 300, counts
