"""The command line: one API call, printed for a person.

    python -m lars_client [--agent-ip IP] [--base-port N] [--timeout-ms N] gethost MODID CMDID
    python -m lars_client ... getroute MODID CMDID
    python -m lars_client ... report MODID CMDID IP PORT 0|1
    python -m lars_client ... qps [--seconds N]

``gethost`` prints ``host is IP:PORT`` (exit 0) or the code (``RET_NOEXIST``,
``RET_OVERLOAD``; exit 1); ``getroute`` one ``IP:PORT`` per line or
``no hosts``; ``report`` what it sent. Without an answer from the agent:
``RET_SYSTEM_ERROR: <why>`` and exit 1. ``qps`` is the original's load
test for one thread: get_host on module 1/1 and report the answer, in a
loop, printing ``thread:[0] --> qps = [N], average = [M]`` every second
and ``total: N get_host in S s by 1 threads = Q qps`` at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import List, Optional

from lars_client.client import Client
from lars_client.errors import LarsError, RetCode


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lars_client", description="Query the local Lars LB agent.")
    p.add_argument("--agent-ip", default="127.0.0.1", help="agent address (127.0.0.1)")
    p.add_argument("--base-port", type=int, default=8888, help="first of the agent's three UDP ports (8888)")
    p.add_argument("--timeout-ms", type=int, default=50, help="how long to wait for an answer (50)")
    sub = p.add_subparsers(dest="command", required=True)
    for name, what in (("gethost", "one host of a module"), ("getroute", "every host of a module")):
        cmd = sub.add_parser(name, help=what)
        cmd.add_argument("modid", type=int)
        cmd.add_argument("cmdid", type=int)
    cmd = sub.add_parser("report", help="report how a call to a host went")
    cmd.add_argument("modid", type=int)
    cmd.add_argument("cmdid", type=int)
    cmd.add_argument("ip")
    cmd.add_argument("port", type=int)
    cmd.add_argument("result", type=int, choices=(0, 1), help="0 success, 1 overload")
    cmd = sub.add_parser("qps", help="get_host + report on module 1/1 in a loop, one thread")
    cmd.add_argument("--seconds", type=int, default=5)
    return p


def _qps(client: Client, seconds: int) -> int:
    """The load test; exit 0 when some get_host got an answer."""
    client.reg_init(1, 1)
    total = qps = elapsed_s = 0
    start = last = time.monotonic()
    end = start + seconds
    while True:
        now = time.monotonic()
        if now - last >= 1:
            elapsed_s += 1
            last += 1
            print(f"thread:[0] --> qps = [{qps}], average = [{total // elapsed_s}]", flush=True)
            qps = 0
        if now >= end:
            break
        code, host = client.get_host(1, 1)
        if host is not None:
            client.report(1, 1, host.ip, host.port, code)
        total += 1
        qps += 1
    took = time.monotonic() - start
    print(f"total: {total} get_host in {took:.2f} s by 1 threads = {total / took:.0f} qps")
    return 0 if total else 1


def main(argv: Optional[List[str]] = None) -> int:
    """Runs one command; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        client = Client(args.agent_ip, args.base_port, args.timeout_ms / 1000.0)
    except ValueError as e:
        print(f"lars_client: {e}", file=sys.stderr)
        return 2
    with client:
        try:
            if args.command == "qps":
                return _qps(client, args.seconds)
            if args.command == "gethost":
                code, host = client.get_host(args.modid, args.cmdid)
                if host is not None:
                    print(f"host is {host}")
                    return 0
                print(code.wire_name)
                return 1
            if args.command == "getroute":
                hosts = client.get_route(args.modid, args.cmdid)
                for host in hosts:
                    print(host)
                if not hosts:
                    print("no hosts")
                return 0
            code = RetCode.SUCC if args.result == 0 else RetCode.OVERLOAD
            try:
                client.report(args.modid, args.cmdid, args.ip, args.port, code)
            except ValueError as e:
                print(f"lars_client: {e}", file=sys.stderr)
                return 2
            print(f"reported {code.wire_name} for {args.ip}:{args.port} of module {args.modid}/{args.cmdid}")
            return 0
        except LarsError as e:
            print(f"RET_SYSTEM_ERROR: {e}")
            return 1


if __name__ == "__main__":
    sys.exit(main())
