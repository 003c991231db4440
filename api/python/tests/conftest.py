"""The real daemons for the client's tests: lars-dns (on a fresh SQLite
store with the demo routes: module 1/1 has 127.0.0.1:9001..9003), lars-reporter
and lars-agent, started from the cargo target directory on free ports.

The binaries are taken from ``LARS_BIN_DIR``, else ``target/debug`` of the
workspace (``make test`` builds them first). A missing binary fails the
test: nothing here skips.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from lars_client import Client, LarsError

REPO = Path(__file__).resolve().parents[3]
BIN_DIR = Path(os.environ.get("LARS_BIN_DIR", REPO / "target" / "debug"))


def _free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _free_udp_base() -> int:
    """The first of three consecutive UDP ports that were free a moment ago."""
    for _ in range(500):
        socks: List[socket.socket] = []
        try:
            first = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(first)
            first.bind(("127.0.0.1", 0))
            base = first.getsockname()[1]
            if base > 65533:
                continue
            for port in (base + 1, base + 2):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no three consecutive free UDP ports on 127.0.0.1")


class Stack:
    """The three daemons, running in ``dir``; stopped by :meth:`close`."""

    def __init__(self, dir: Path) -> None:
        self.dir = dir
        self.dns_port = _free_tcp_port()
        self.reporter_port = _free_tcp_port()
        self.agent_base = _free_udp_base()
        store = f"[store]\nbackend = sqlite\nsqlite_path = {dir / 'lars.db'}\n"
        self._write("dns.conf", f"[reactor]\nport = {self.dns_port}\nthreadNum = 2\n{store}"
                    "[dns]\npoll_interval = 0.1\nstore_connect_attempts = 10\n")
        self._write("reporter.conf", f"[reactor]\nport = {self.reporter_port}\nthreadNum = 1\n{store}"
                    "[reporter]\nflush_interval = 0.2\ndb_thread_cnt = 2\n")
        self._write("agent.conf", f"[agent]\nbase_port = {self.agent_base}\nreport_interval = 0.2\n"
                    f"[dnsserver]\nport = {self.dns_port}\n[reporter]\nport = {self.reporter_port}\n")
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
