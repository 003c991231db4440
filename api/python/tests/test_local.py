"""What needs no agent: the wire format against the protocol's golden
frames (docs/PROTOCOL.md §7), argument checks, and the generated
``lars_pb2.py`` being current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lars_client import Client, RetCode, frame
from lars_client.lars_pb2 import GetHostRequest, GetRouteResponse

PYTHON_DIR = Path(__file__).resolve().parents[1]
PROTO = PYTHON_DIR.parents[1] / "proto" / "lars.proto"


def test_get_host_request_is_the_golden_frame() -> None:
    body = GetHostRequest(seq=1, modid=1, cmdid=1).SerializeToString()
    assert frame.encode(frame.GET_HOST_REQUEST, body).hex() == "04000000" "06000000" "080110011801"


def test_a_negative_wire_ip_decodes_to_its_address() -> None:
    golden = bytes.fromhex("02000000" "14000000" "08011001" "1a0e" "08b183a085fcffffffff01" "10e13c")
    msgid, body = frame.decode(golden)
    rsp = GetRouteResponse.FromString(body)
    assert (msgid, rsp.host[0].ip, rsp.host[0].port) == (2, -1062731343, 7777)
    assert frame.ip_from_wire(rsp.host[0].ip) == "192.168.1.177"
    assert frame.ip_to_wire("192.168.1.177") == -1062731343
    assert frame.ip_to_wire("10.0.0.5") == 167772165


def test_datagrams_that_are_not_one_frame_are_refused() -> None:
    for bad in (b"", b"\x05\x00\x00\x00", bytes.fromhex("05000000" "02000000" "08"), bytes.fromhex("05000000" "ffffffff")):
        with pytest.raises(ValueError):
            frame.decode(bad)


def test_seqs_behind_the_sent_one_are_stale_across_the_wrap() -> None:
    assert frame.is_stale(5, 4) and frame.is_stale(1, 0xFFFFFFFF)
    assert not frame.is_stale(5, 5) and not frame.is_stale(5, 6)


def test_ret_codes_are_the_wires() -> None:
    assert [int(c) for c in (RetCode.SUCC, RetCode.OVERLOAD, RetCode.SYSTEM_ERROR, RetCode.NOEXIST)] == [0, 1, 2, 3]
    assert RetCode.from_wire(42) is RetCode.SYSTEM_ERROR
    assert RetCode.NOEXIST.wire_name == "RET_NOEXIST"


def test_bad_arguments_are_value_errors() -> None:
    for kwargs in ({"agent_ip": "localhost"}, {"base_port": 65534}, {"base_port": 0}, {"timeout": 0}):
        with pytest.raises(ValueError):
            Client(**kwargs)  # type: ignore[arg-type]
    with Client(base_port=40000) as c:
        assert c.agent_port(1, 1) == 40002 and c.agent_port(3, 0) == 40000
        with pytest.raises(ValueError):
            c.report(1, 1, "300.1.1.1", 80)
        with pytest.raises(ValueError):
            c.report(1, 1, "10.0.0.1", 0)


def _serialized_descriptor(path: Path) -> str:
    """The FileDescriptorProto a generated module registers, read in a
    fresh interpreter (two modules for lars.proto cannot share one pool)."""
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('lars_pb2_check', sys.argv[1])\n"
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
        "print(mod.DESCRIPTOR.serialized_pb.hex())\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_lars_pb2_is_generated_from_the_current_proto(tmp_path: Path) -> None:
    from grpc_tools import protoc  # the test extra: pip install 'lars-client[test]'

    rc = protoc.main(["protoc", f"-I{PROTO.parent}", f"--python_out={tmp_path}", str(PROTO)])
    assert rc == 0, "protoc failed on proto/lars.proto"
    committed = PYTHON_DIR / "lars_client" / "lars_pb2.py"
    assert _serialized_descriptor(committed) == _serialized_descriptor(tmp_path / "lars_pb2.py"), (
        "api/python/lars_client/lars_pb2.py is stale. Regenerate it with:\n"
        "  target/venv/bin/python -m grpc_tools.protoc -Iproto --python_out=api/python/lars_client proto/lars.proto"
    )
