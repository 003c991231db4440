"""What the client adds to the original's messages, against a fake agent:
the ``key`` of ``get_host`` and the ``latency_us`` of ``report`` as bytes
on the wire (calls without them leave them out, so the original agent sees
its own bytes), :func:`hash_key`'s FNV-1a vectors, and the weights, policy
and panic threshold ``get_route_detail`` reads from hand-encoded answers."""

from __future__ import annotations

from typing import List

import pytest

from conftest import FakeAgent
from lars_client import Client, Host, Route, RouteHost, RetCode, hash_key
from lars_client.lars_pb2 import GetHostRequest, GetHostResponse, HostInfo

HEAD_10_0_0_1_9001 = "0801" "1001" "1a08" "0881808050" "10a946" "2001"
"""A ReportRequest up to its retcode: modid 1, cmdid 1, host {ip 10.0.0.1,
port 9001}, retcode 1."""


def framed(msgid: int, body_hex: str) -> bytes:
    """``body_hex`` behind its frame header (msgid, length: little-endian int32s)."""
    body = bytes.fromhex(body_hex)
    return msgid.to_bytes(4, "little") + len(body).to_bytes(4, "little") + body


def one_host(msgid: int, body: bytes) -> List[bytes]:
    """Answers a get_host with 10.0.0.1:9001."""
    assert msgid == 4
    req = GetHostRequest.FromString(body)
    rsp = GetHostResponse(seq=req.seq, modid=req.modid, cmdid=req.cmdid, host=HostInfo(ip=167772161, port=9001))
    return [(5).to_bytes(4, "little") + rsp.ByteSize().to_bytes(4, "little") + rsp.SerializeToString()]


def test_hash_key_is_fnv1a_64() -> None:
    # FNV-1a 64 test vectors (the offset basis for the empty input).
    assert hash_key(b"") == 0xCBF29CE484222325
    assert hash_key(b"a") == 0xAF63DC4C8601EC8C
    assert hash_key(b"foobar") == 0x85944171F73967E8
    assert hash_key(bytearray(b"foobar")) == hash_key(memoryview(b"xfoobar")[1:]) == 0x85944171F73967E8
    with pytest.raises(TypeError):
        hash_key("foobar")  # type: ignore[arg-type]


def test_get_host_sends_the_key_as_field_4(fake_agent: FakeAgent) -> None:
    fake_agent.handler = one_host
    with Client(base_port=fake_agent.base_port, timeout=1.0) as c:
        assert c.get_host(1, 1, key=0x1234) == (RetCode.SUCC, Host("10.0.0.1", 9001))
        assert c.get_host(1, 1, key=2**64 - 1)[0] == RetCode.SUCC
        assert c.get_host(1, 1, key=0)[0] == RetCode.SUCC
        assert c.get_host(1, 1)[0] == RetCode.SUCC
    # seq, modid 1, cmdid 1, then field 4 (tag 0x20): 0x1234 is the varint
    # b4 24; 2**64-1 takes all ten bytes; key 0 is sent, not left out; no
    # key, no field 4.
    assert fake_agent.wait_for(4) == [
        framed(4, "080110011801" "20b424"),
        framed(4, "080210011801" "20ffffffffffffffffff01"),
        framed(4, "080310011801" "2000"),
        framed(4, "080410011801"),
    ]


def test_keys_outside_uint64_are_value_errors_and_send_nothing(fake_agent: FakeAgent) -> None:
    with Client(base_port=fake_agent.base_port, timeout=0.05) as c:
        for bad in (-1, 2**64, 1.0, "7", True):
            with pytest.raises(ValueError):
                c.get_host(1, 1, key=bad)  # type: ignore[arg-type]
        c.report(1, 1, "10.0.0.1", 9001)
    assert fake_agent.wait_for(1) == [framed(6, "0801" "1001" "1a08" "0881808050" "10a946")]


def test_report_sends_the_latency_in_microseconds_as_field_5(fake_agent: FakeAgent) -> None:
    with Client(base_port=fake_agent.base_port) as c:
        for latency in (1500, 1500.9, 2**40, 0, None):
            c.report(1, 1, "10.0.0.1", 9001, RetCode.OVERLOAD, latency_us=latency)
        for bad in (-1, -0.5, float("nan"), "1500"):
            with pytest.raises(ValueError):
                c.report(1, 1, "10.0.0.1", 9001, RetCode.OVERLOAD, latency_us=bad)  # type: ignore[arg-type]
    # 1500 = 0x5dc: varint dc 0b; a fraction is dropped; 2**40 us does not
    # fit in uint32: the most that does is sent; 0 is sent; None leaves it out.
    assert fake_agent.wait_for(5) == [
        framed(6, HEAD_10_0_0_1_9001 + "28dc0b"),
        framed(6, HEAD_10_0_0_1_9001 + "28dc0b"),
        framed(6, HEAD_10_0_0_1_9001 + "28ffffffff0f"),
        framed(6, HEAD_10_0_0_1_9001 + "2800"),
        framed(6, HEAD_10_0_0_1_9001),
    ]


def route_answer(policy_and_panic_hex: str) -> List[bytes]:
    """A GetRouteResponse of module 1/1, hand-encoded: host 0.0.0.1:80
    weight 3, host 0.0.0.2:80 without a weight, then the given fields."""
    return [framed(8, "08011001" "1a06080110501803" "1a0408021050" + policy_and_panic_hex)]


@pytest.mark.parametrize(
    "fields, policy, panic",
    [
        ("2002" "2828", "hash", 40),  # policy 2, panic 40
        ("2001", "wrr", 0),
        ("2003" "2864", "ewma", 100),
        ("", "rr", 0),  # the original's answer: neither field
        ("2009" "2828", "rr", 0),  # a policy from a newer agent
        ("2001" "2865", "rr", 0),  # a threshold above 100
    ],
)
def test_get_route_detail_reads_weights_policy_and_panic(
    fake_agent: FakeAgent, fields: str, policy: str, panic: int
) -> None:
    fake_agent.handler = lambda msgid, body: route_answer(fields) if msgid == 7 else []
    with Client(base_port=fake_agent.base_port, timeout=1.0) as c:
        hosts = [RouteHost("0.0.0.1", 80, 3), RouteHost("0.0.0.2", 80, 1)]
        assert c.get_route_detail(1, 1) == Route(hosts, policy, panic)
        assert c.get_route(1, 1) == [Host("0.0.0.1", 80), Host("0.0.0.2", 80)]
