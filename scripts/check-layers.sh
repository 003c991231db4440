#!/usr/bin/env bash
# Checks that dependencies point one way, from I/O-free crates to I/O ones
# (the crate graph in README.md), and that the workspace's rust-version is
# true: no dependency the lockfile picks needs a newer Rust.
#
# A crate's dependencies are read with `cargo tree -e normal,no-proc-macro`:
# what its programs link. (Compile-time proc macros are left out: prost's
# derive uses anyhow while it compiles, nothing of it is linked.)
set -euo pipefail
cd "$(dirname "$0")/.."

deps_of() {
  cargo tree -q -p "$1" -e normal,no-proc-macro --prefix none --format '{p}' \
    | sed 's/ .*//' | sort -u
}

status=0
forbid() {
  local crate=$1
  shift
  local deps
  deps=$(deps_of "$crate")
  for bad in "$@"; do
    if grep -qx "$bad" <<<"$deps"; then
      echo "check-layers: $crate must not depend on $bad:" >&2
      cargo tree -q -p "$crate" -e normal,no-proc-macro -i "$bad" >&2 || true
      status=1
    fi
  done
}

# The protocol: pure (no networking, no clock, no event loop).
forbid lars-proto lars-reactor mio socket2 lars-store
# The shared-memory layout: no event loop, store or daemon.
forbid lars-shm lars-reactor mio lars-store lars-daemon mysql rusqlite
# The client library: no event loop, database client or command-line parser.
forbid lars-api lars-reactor mio lars-store mysql rusqlite clap anyhow
# The stores take typed settings: no event loop, no INI reader.
forbid lars-store lars-reactor mio rust-ini
# The event loop does not know the daemons or their stores.
forbid lars-reactor lars-store lars-daemon mysql rusqlite clap
forbid lars-idle-spin lars-reactor mio
# The web stack (tokio, axum, hyper) stays in the console, lars-web: no
# daemon, library or tool of the workspace may link it.
for crate in $(cargo metadata -q --no-deps --format-version 1 \
  | python3 -c 'import json, sys; print("\n".join(p["name"] for p in json.load(sys.stdin)["packages"]))'); do
  [ "$crate" = lars-web ] || forbid "$crate" tokio axum hyper
done

# rust-version: every package the lockfile uses declares at most it.
cargo metadata -q --format-version 1 | python3 -c '
import json, sys
meta = json.load(sys.stdin)
version = lambda v: tuple(int(x) for x in v.split(".")[:2])
root = [p for p in meta["packages"] if p["name"] == "lars-proto"][0]
msrv = version(root["rust_version"])
newer = sorted(
    "%s %s needs Rust %s" % (p["name"], p["version"], p["rust_version"])
    for p in meta["packages"]
    if p.get("rust_version") and version(p["rust_version"]) > msrv
)
for line in newer:
    print("check-layers: %s, above the workspace rust-version" % line, file=sys.stderr)
sys.exit(1 if newer else 0)
' || status=1

if [ "$status" -eq 0 ]; then
  echo "check-layers: dependencies point one way; rust-version holds"
fi
exit "$status"
