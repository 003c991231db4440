"""The Lars client: ``get_host`` (by key for the ``hash`` policy),
``report`` (with a latency for the ``ewma`` policy), ``get_route``,
``get_route_detail`` and ``reg_init`` over the agent's three UDP ports.

Module (modid, cmdid) is served by port ``base_port + (modid + cmdid) % 3``
(docs/PROTOCOL.md §6). Unlike the original C++ client, no call waits
forever: an answer is awaited at most ``timeout`` seconds in all, and
answers to earlier calls that timed out are skipped.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import List, NamedTuple, Optional, Tuple, Type

from google.protobuf.message import DecodeError

from lars_client import frame
from lars_client.errors import LarsSystemError, LarsTimeoutError, RetCode
from lars_client.lars_pb2 import (
    GetHostRequest,
    GetHostResponse,
    GetRouteRequest,
    GetRouteResponse,
    HostInfo,
    ReportRequest,
)

REG_INIT_ATTEMPTS = 3
"""How many times :meth:`Client.reg_init` asks for the route."""
REG_INIT_INTERVAL = 0.05
"""Seconds between two :meth:`Client.reg_init` attempts."""
AGENT_PORTS = 3


class Host(NamedTuple):
    """One host of a module: dotted IPv4 text and port."""

    ip: str
    port: int

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


class RouteHost(NamedTuple):
    """One host of a route with its weight (1 when the agent sends none)."""

    ip: str
    port: int
    weight: int

    @property
    def host(self) -> Host:
        """The host without its weight."""
        return Host(self.ip, self.port)


class Route(NamedTuple):
    """A module's route as the agent holds it: :meth:`Client.get_route_detail`."""

    hosts: List[RouteHost]
    policy: str
    """``"rr"``, ``"wrr"``, ``"hash"`` or ``"ewma"``."""
    panic_threshold: int
    """Percent of hosts; 0 is off."""


class Client:
    """A client of the local LB agent: three connected UDP sockets.

    Thread safety: a client may be shared between threads, but its calls
    take turns (each holds the client's lock while it waits for its
    answer); give each thread its own client to call in parallel.

    >>> lars = Client(base_port=8888, timeout=0.05)   # doctest: +SKIP
    >>> code, host = lars.get_host(1, 1)               # doctest: +SKIP
    """

    def __init__(self, agent_ip: str = "127.0.0.1", base_port: int = 8888, timeout: float = 0.05) -> None:
        """Opens the sockets; ``ValueError`` for an ``agent_ip`` that is not
        IPv4 text, a ``base_port`` outside 1..65533 or a ``timeout`` that is
        not above zero."""
        frame.ip_to_wire(agent_ip)  # ValueError for anything but IPv4 text
        if not 1 <= base_port <= 65535 - (AGENT_PORTS - 1):
            raise ValueError(f"base port {base_port} leaves no room for ports base..base+2 (1..65533)")
        if not timeout > 0:
            raise ValueError(f"timeout {timeout} s: must be above zero")
        self.agent_ip = agent_ip
        self.base_port = base_port
        self.timeout = float(timeout)
        self._lock = threading.Lock()
        self._seq = 0
        self._socks: List[socket.socket] = []
        try:
            for i in range(AGENT_PORTS):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self._socks.append(sock)
                sock.connect((agent_ip, base_port + i))
        except OSError as e:
            self.close()
            raise LarsSystemError(f"open a socket to the agent at {agent_ip}:{base_port}: {e}") from e

    def close(self) -> None:
        """Closes the sockets; the client cannot be used afterwards."""
        for sock in self._socks:
            sock.close()
        self._socks = []

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def agent_port(self, modid: int, cmdid: int) -> int:
        """The agent port that serves module (modid, cmdid)."""
        return self.base_port + (modid + cmdid) % AGENT_PORTS

    def get_host(self, modid: int, cmdid: int, key: Optional[int] = None) -> Tuple[RetCode, Optional[Host]]:
        """Asks the agent for one host of (modid, cmdid).

        ``(RetCode.SUCC, host)`` when a host was chosen, else the agent's
        code (``OVERLOAD``, ``NOEXIST``, or ``SYSTEM_ERROR``) and ``None``.
        Raises :class:`LarsTimeoutError` when no answer came within the
        timeout, :class:`LarsSystemError` for an answer to another call.

        ``key`` (an ``int`` in 0..2**64-1, else ``ValueError``) is for a
        module whose policy is ``hash``: calls with the same key get the
        same host while it is idle, from every agent with the same route
        (other policies ignore it). :func:`hash_key` makes one from bytes.
        """
        if key is not None:
            key = frame.key_to_wire(key)
        with self._lock:
            deadline = time.monotonic() + self.timeout
            self._seq = (self._seq + 1) & 0xFFFFFFFF
            seq = self._seq
            idx = (modid + cmdid) % AGENT_PORTS
            req = GetHostRequest(seq=seq, modid=modid, cmdid=cmdid)
            if key is not None:
                req.hash_key = key
            self._send(idx, frame.GET_HOST_REQUEST, req.SerializeToString())
            what = f"get_host {modid}/{cmdid} seq {seq}"
            while True:
                msgid, body = self._recv(idx, deadline, what)
                if msgid == frame.API_GET_ROUTE_RESPONSE:
                    continue  # the answer to an earlier get_route that timed out
                if msgid != frame.GET_HOST_RESPONSE:
                    raise LarsSystemError(f"{what}: answer has msgid {msgid}")
                rsp = _parse(GetHostResponse, body, what)
                if frame.is_stale(seq, rsp.seq):
                    continue
                if (rsp.seq, rsp.modid, rsp.cmdid) != (seq, modid, cmdid):
                    raise LarsSystemError(f"{what}: answer is for {rsp.modid}/{rsp.cmdid} seq {rsp.seq}")
                code = RetCode.from_wire(rsp.retcode)
                if code != RetCode.SUCC:
                    return code, None
                if not rsp.HasField("host"):
                    raise LarsSystemError(f"{what}: RET_SUCC without a host")
                return code, _host(rsp.host, what)

    def report(
        self,
        modid: int,
        cmdid: int,
        ip: str,
        port: int,
        retcode: int = RetCode.SUCC,
        latency_us: Optional[float] = None,
    ) -> None:
        """Tells the agent how a call to ``ip:port`` of (modid, cmdid) went:
        ``RetCode.SUCC`` (0) for a success, anything else for a failure.
        Sent and forgotten. ``ValueError`` for a bad ``ip`` or ``port``.

        ``latency_us`` is how long the call took, in microseconds, for a
        module whose policy is ``ewma`` (faster hosts get more calls; other
        policies ignore it): an ``int`` or ``float``, sent in whole
        microseconds, at most 2**32-1 (a longer call is sent as that).
        ``ValueError`` for a negative latency or NaN."""
        if not 1 <= port <= 65535:
            raise ValueError(f"port {port}: expected 1..65535")
        host = HostInfo(ip=frame.ip_to_wire(ip), port=port)
        req = ReportRequest(modid=modid, cmdid=cmdid, host=host, retcode=int(retcode))
        if latency_us is not None:
            req.latency_us = frame.latency_to_wire(latency_us)
        with self._lock:
            self._send((modid + cmdid) % AGENT_PORTS, frame.REPORT_REQUEST, req.SerializeToString())

    def get_route(self, modid: int, cmdid: int) -> List[Host]:
        """Every host of (modid, cmdid), idle and overloaded alike; an empty
        list when the agent does not know the module yet (it starts pulling
        it). Raises like :meth:`get_host`."""
        return [h.host for h in self.get_route_detail(modid, cmdid).hosts]

    def get_route_detail(self, modid: int, cmdid: int) -> Route:
        """Like :meth:`get_route`, with each host's weight and the module's
        policy and panic threshold as the agent holds them. An agent that
        does not send them (the original) gives weight 1 and ``"rr"``; a
        policy this client does not know, or a threshold above 100, reads
        as ``"rr"`` with threshold 0. Raises like :meth:`get_host`."""
        with self._lock:
            deadline = time.monotonic() + self.timeout
            idx = (modid + cmdid) % AGENT_PORTS
            req = GetRouteRequest(modid=modid, cmdid=cmdid)
            self._send(idx, frame.API_GET_ROUTE_REQUEST, req.SerializeToString())
            what = f"get_route {modid}/{cmdid}"
            while True:
                msgid, body = self._recv(idx, deadline, what)
                if msgid == frame.GET_HOST_RESPONSE:
                    continue  # the answer to an earlier get_host that timed out
                if msgid != frame.API_GET_ROUTE_RESPONSE:
                    raise LarsSystemError(f"{what}: answer has msgid {msgid}")
                rsp = _parse(GetRouteResponse, body, what)
                if (rsp.modid, rsp.cmdid) != (modid, cmdid):
                    continue  # a late answer about another module
                hosts = [RouteHost(*_host(h, what), h.weight or 1) for h in rsp.host]
                return Route(hosts, *frame.policy_from_wire(rsp.policy, rsp.panic_threshold))

    def reg_init(self, modid: int, cmdid: int) -> RetCode:
        """Makes sure the agent has the route of (modid, cmdid) before the
        first :meth:`get_host`: asks up to 3 times, 50 ms apart.
        ``RetCode.SUCC`` once it has hosts, else ``RetCode.NOEXIST`` (also
        when the agent does not answer)."""
        for attempt in range(REG_INIT_ATTEMPTS):
            try:
                if self.get_route(modid, cmdid):
                    return RetCode.SUCC
            except (LarsTimeoutError, LarsSystemError):
                pass
            if attempt + 1 < REG_INIT_ATTEMPTS:
                time.sleep(REG_INIT_INTERVAL)
        return RetCode.NOEXIST

    def _send(self, idx: int, msgid: int, body: bytes) -> None:
        data = frame.encode(msgid, body)
        for retry in (True, False):
            try:
                self._socks[idx].send(data)
                return
            except ConnectionRefusedError:
                # Left on the socket by an earlier datagram (the agent was
                # down then); consumed by this failure, so send once more.
                if not retry:
                    raise LarsSystemError(f"send to the agent port {self.base_port + idx}: connection refused")
            except OSError as e:
                raise LarsSystemError(f"send to the agent port {self.base_port + idx}: {e}") from e

    def _recv(self, idx: int, deadline: float, what: str) -> Tuple[int, bytes]:
        sock = self._socks[idx]
        refused = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                why = " (connection refused: is lars-agent running?)" if refused else ""
                raise LarsTimeoutError(
                    f"{what}: no answer from the agent at {self.agent_ip}:{self.base_port + idx} "
                    f"within {self.timeout * 1000:.0f} ms{why}",
                    refused=refused,
                )
            sock.settimeout(left)
            try:
                datagram = sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionRefusedError:
                # Nothing listens on the port (now, or for an earlier
                # datagram); the agent may still come back before the deadline.
                refused = True
                continue
            except OSError as e:
                raise LarsSystemError(f"{what}: receive from the agent: {e}") from e
            try:
                return frame.decode(datagram)
            except ValueError as e:
                raise LarsSystemError(f"{what}: {e}") from e


def _parse(kind, body: bytes, what: str):  # type: ignore[no-untyped-def]
    msg = kind()
    try:
        msg.ParseFromString(body)
    except DecodeError as e:
        raise LarsSystemError(f"{what}: undecodable answer: {e}") from e
    return msg


def _host(info: HostInfo, what: str) -> Host:
    if not 1 <= info.port <= 65535:
        raise LarsSystemError(f"{what}: host with port {info.port}")
    return Host(frame.ip_from_wire(info.ip), info.port)
