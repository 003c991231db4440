"""The wire format the client needs, without I/O: a frame is an 8-byte
little-endian header (msgid, body length) and a protobuf body
(docs/PROTOCOL.md §1); an IPv4 address a.b.c.d travels as the number
a*2^24 + b*2^16 + c*2^8 + d in an int32 field (§5). And the values added
since the original: the uint64 hash key of a request (:func:`hash_key`
makes one from bytes), the uint32 latency of a report in microseconds,
and the policy numbers of a route."""

from __future__ import annotations

import ipaddress
import math
import struct
from typing import Optional, Tuple

HEADER = struct.Struct("<ii")
"""msgid, body length: both int32, little-endian."""
MAX_BODY_LEN = 65535 - HEADER.size

GET_HOST_REQUEST = 4
GET_HOST_RESPONSE = 5
REPORT_REQUEST = 6
API_GET_ROUTE_REQUEST = 7
API_GET_ROUTE_RESPONSE = 8


def encode(msgid: int, body: bytes) -> bytes:
    """One frame: the header, then ``body``."""
    return HEADER.pack(msgid, len(body)) + body


def decode(datagram: bytes) -> Tuple[int, bytes]:
    """The msgid and body of a datagram that holds exactly one frame;
    ``ValueError`` otherwise."""
    if len(datagram) < HEADER.size:
        raise ValueError(f"datagram of {len(datagram)} bytes is shorter than a frame header")
    msgid, length = HEADER.unpack_from(datagram)
    if length < 0 or length > MAX_BODY_LEN or HEADER.size + length != len(datagram):
        raise ValueError(f"frame length {length} does not match a datagram of {len(datagram)} bytes")
    return msgid, datagram[HEADER.size :]


def ip_to_wire(ip: str) -> int:
    """Dotted IPv4 text to the signed int32 the wire carries
    (192.168.1.177 -> -1062731343); ``ValueError`` for other text."""
    number = int(ipaddress.IPv4Address(ip))
    return number - (1 << 32) if number >= (1 << 31) else number


def ip_from_wire(value: int) -> str:
    """The int32 of the wire (sign and all) to dotted text."""
    return str(ipaddress.IPv4Address(value & 0xFFFFFFFF))


def is_stale(sent: int, got: int) -> bool:
    """Whether an answer with seq ``got`` belongs to a request sent before
    the one with seq ``sent`` (seqs are uint32 and wrap)."""
    behind = (sent - got) & 0xFFFFFFFF
    return behind != 0 and behind <= 0x7FFFFFFF


U64_MAX = (1 << 64) - 1
U32_MAX = (1 << 32) - 1
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3

POLICY_NAMES = ("rr", "wrr", "hash", "ewma")
"""``LbPolicy`` by number: ``POLICY_RR`` is 0, ..., ``POLICY_EWMA`` 3."""


def hash_key(data: bytes) -> int:
    """The key of ``data`` for ``Client.get_host(..., key=)``: its 64-bit
    FNV-1a hash, as every Lars client computes it, so a key hashed here
    lands on the same host as in C, C++ or Rust. Takes bytes (or another
    bytes-like object); a ``str`` is a ``TypeError``: encode it first
    (UTF-8 is what the other clients' text keys are)."""
    if isinstance(data, str):
        raise TypeError("hash_key takes bytes: encode the text first, e.g. key.encode()")
    h = _FNV_OFFSET
    for byte in bytes(data):
        h = ((h ^ byte) * _FNV_PRIME) & U64_MAX
    return h


def key_to_wire(key: object) -> int:
    """A hash key as ``GetHostRequest.hash_key`` carries it: an ``int`` in
    0..2**64-1, else ``ValueError``."""
    if isinstance(key, bool) or not isinstance(key, int) or not 0 <= key <= U64_MAX:
        raise ValueError(f"hash key {key!r}: expected an int in 0..2**64-1")
    return key


def latency_to_wire(latency_us: object) -> int:
    """A call's duration in microseconds as ``ReportRequest.latency_us``
    carries it: whole microseconds (a fraction is dropped), at most
    2**32-1 (a longer duration is sent as that, about 71 minutes).
    ``ValueError`` for a negative duration, NaN, or anything but an
    ``int`` or ``float``."""
    if isinstance(latency_us, bool) or not isinstance(latency_us, (int, float)):
        raise ValueError(f"latency {latency_us!r}: expected microseconds as an int or float")
    if math.isnan(latency_us) or latency_us < 0:
        raise ValueError(f"latency {latency_us!r} us: a duration is not negative")
    return U32_MAX if latency_us >= U32_MAX else int(latency_us)


def policy_from_wire(policy: int, panic_threshold: int) -> Tuple[str, int]:
    """A route's policy name and panic threshold. A policy number this
    client does not know (from a newer agent), or a threshold above 100,
    gives the original's behaviour: ``("rr", 0)``."""
    name: Optional[str] = POLICY_NAMES[policy] if 0 <= policy < len(POLICY_NAMES) else None
    if name is None or panic_threshold > 100:
        return "rr", 0
    return name, panic_threshold
