"""The wire format the client needs, without I/O: a frame is an 8-byte
little-endian header (msgid, body length) and a protobuf body
(docs/PROTOCOL.md §1); an IPv4 address a.b.c.d travels as the number
a*2^24 + b*2^16 + c*2^8 + d in an int32 field (§5)."""

from __future__ import annotations

import ipaddress
import struct
from typing import Tuple

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
