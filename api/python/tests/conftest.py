"""What the client's tests run against.

The real daemons (:class:`Stack`): lars-dns (on a fresh SQLite store with
the demo routes: module 1/1 has 127.0.0.1:9001..9003), lars-reporter and
lars-agent, started from the cargo target directory on free ports, and the
``lars`` tool to edit their routes. The binaries are taken from
``LARS_BIN_DIR``, else ``target/debug`` of the workspace (``make test``
builds them first). A missing binary fails the test: nothing here skips.

A fake agent (:class:`FakeAgent`): three UDP sockets that log what they
receive and answer what a test tells them to.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

import pytest

from lars_client import Client, LarsError

REPO = Path(__file__).resolve().parents[3]
BIN_DIR = Path(os.environ.get("LARS_BIN_DIR", REPO / "target" / "debug"))


def _free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bind_udp_triple() -> List[socket.socket]:
    """Three UDP sockets bound to consecutive free ports of 127.0.0.1."""
    for _ in range(500):
        socks: List[socket.socket] = []
        try:
            first = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(first)
            first.bind(("127.0.0.1", 0))
            base = first.getsockname()[1]
            if base > 65533:
                raise OSError("no room for two more ports")
            for port in (base + 1, base + 2):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return socks
        except OSError:
            for s in socks:
                s.close()
    raise RuntimeError("no three consecutive free UDP ports on 127.0.0.1")


def _free_udp_base() -> int:
    """The first of three consecutive UDP ports that were free a moment ago."""
    socks = _bind_udp_triple()
    base = socks[0].getsockname()[1]
    for s in socks:
        s.close()
    return base


class Stack:
    """The three daemons, running in ``dir``; stopped by :meth:`close`."""

    def __init__(self, dir: Path) -> None:
        self.dir = dir
        self.dns_port = _free_tcp_port()
        self.reporter_port = _free_tcp_port()
        self.agent_base = _free_udp_base()
        self.agent_http = f"127.0.0.1:{_free_tcp_port()}"
        store = f"[store]\nbackend = sqlite\nsqlite_path = {dir / 'lars.db'}\n"
        self._write("dns.conf", f"[reactor]\nport = {self.dns_port}\nthreadNum = 2\n{store}"
                    "[dns]\npoll_interval = 0.1\nstore_connect_attempts = 10\n")
        self._write("reporter.conf", f"[reactor]\nport = {self.reporter_port}\nthreadNum = 1\n{store}"
                    "[reporter]\nflush_interval = 0.2\ndb_thread_cnt = 2\n")
        self._write("agent.conf", f"[agent]\nbase_port = {self.agent_base}\nreport_interval = 0.2\n"
                    f"[dnsserver]\nport = {self.dns_port}\n[reporter]\nport = {self.reporter_port}\n"
                    f"[metrics]\nlisten = {self.agent_http}\n")
        self._procs: dict = {}
        self._spawn("lars-dns", "dns.conf")
        self._wait_tcp(self.dns_port)
        self._spawn("lars-reporter", "reporter.conf")
        self._spawn("lars-agent", "agent.conf")
        self._wait_tcp(self.reporter_port)
        self._wait_agent()

    def _write(self, name: str, text: str) -> None:
        (self.dir / name).write_text(text)

    def _spawn(self, name: str, conf: str) -> None:
        binary = BIN_DIR / name
        assert binary.exists(), f"{binary} is missing: run `cargo build --workspace --bins` (make test does)"
        log = open(self.dir / f"{name}.log", "wb")
        self._procs[name] = subprocess.Popen(
            [str(binary), "-c", conf], cwd=self.dir, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=log, env={**os.environ, "RUST_LOG": "info"},
        )
        log.close()

    def _wait_tcp(self, port: int) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                return
            except OSError:
                assert time.monotonic() < deadline, f"nothing listens on {port}; logs in {self.dir}"
                time.sleep(0.01)

    def _wait_agent(self) -> None:
        """Until the agent answers on its three ports (about modules
        1000/0..1002/0, one per port, which are not in the demo routes)."""
        deadline = time.monotonic() + 10
        with Client(base_port=self.agent_base, timeout=0.1) as probe:
            for modid in (1000, 1001, 1002):
                while True:
                    try:
                        probe.get_route(modid, 0)
                        break
                    except LarsError:
                        assert time.monotonic() < deadline, f"the agent does not answer; logs in {self.dir}"

    def client(self, timeout: float = 0.5) -> Client:
        """A client of this stack's agent."""
        return Client(base_port=self.agent_base, timeout=timeout)

    def lars(self, *args: str) -> str:
        """Runs the ``lars`` tool in the stack's directory, against its
        agent; what it printed. A failure fails the test."""
        cmd = [str(BIN_DIR / "lars"), "--base-port", str(self.agent_base), *args]
        out = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, f"{' '.join(args)}: {out.stderr}"
        return out.stdout

    def route(self, *args: str) -> None:
        """``lars route ARGS`` on the stack's store (add, weight, policy, ...)."""
        self.lars("route", "--config", "dns.conf", *args)

    def stop(self, name: str) -> None:
        """Stops one daemon (SIGTERM, then SIGKILL after 5 s)."""
        proc: Optional[subprocess.Popen] = self._procs.pop(name, None)
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        for name in list(self._procs):
            self.stop(name)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A fresh stack per test (so its agent has seen no module yet)."""
    s = Stack(tmp_path)
    try:
        yield s
    finally:
        s.close()


def wait_for(cond, timeout: float = 10.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Polls ``cond`` until it returns something true; returns it, or
    fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.01)


Handler = Callable[[int, bytes], List[bytes]]
"""(msgid, body) -> the datagrams to send back."""


class FakeAgent:
    """An agent stand-in: three UDP sockets on consecutive free ports of
    127.0.0.1, served by one thread that logs every datagram
    (:attr:`received`: port index and bytes) and answers it with what
    :attr:`handler` returns (nothing by default)."""

    def __init__(self) -> None:
        self._socks = _bind_udp_triple()
        self.base_port = self._socks[0].getsockname()[1]
        self.handler: Handler = lambda msgid, body: []
        self.received: List[Tuple[int, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as sel:
            for idx, sock in enumerate(self._socks):
                sel.register(sock, selectors.EVENT_READ, idx)
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.01):
                    sock = key.fileobj
                    datagram, sender = sock.recvfrom(65536)  # type: ignore[union-attr]
                    self.received.append((key.data, datagram))
                    msgid = int.from_bytes(datagram[:4], "little", signed=True)
                    for reply in self.handler(msgid, datagram[8:]):
                        sock.sendto(reply, sender)  # type: ignore[union-attr]

    def wait_for(self, n: int, timeout: float = 2.0) -> List[bytes]:
        """The datagrams received once there are ``n`` (or after ``timeout``
        seconds, however many there are)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < deadline:
            time.sleep(0.002)
        return [datagram for _, datagram in self.received]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self._socks:
            sock.close()


@pytest.fixture
def fake_agent() -> Iterator[FakeAgent]:
    """A fake agent that answers nothing until a test sets its handler."""
    agent = FakeAgent()
    try:
        yield agent
    finally:
        agent.close()
