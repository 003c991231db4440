#!/usr/bin/env bash
# Client QPS in one run against one agent: the Rust `lars qps`, the C++
# `qps` over liblars (bin/cpp/qps, `make cpp`) at 1 and 10 threads, taking
# turns, and the Python client (`python -m lars_client qps`) at 1 thread.
# Starts lars-dns, lars-reporter and lars-agent from bin/ on a scratch
# SQLite store, as scripts/bench-agent.sh does.
#
#   make all && make test-python && scripts/bench-clients.sh [SECONDS] [ROUNDS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-5}
rounds=${2:-2}
python=${LARS_BENCH_PYTHON:-$repo/target/venv/bin/python}
work=$(mktemp -d /tmp/lars-bench-clients.XXXXXX)
mkdir -p "$work/bin" "$work/conf"
cp "$repo"/bin/lars* "$work/bin/"
cp "$repo"/scripts/run_lars "$work/run_lars"
for f in lars_dns.conf lars_reporter.conf lars_lb_agent.conf lars_admin.conf; do
  cp "$repo/conf/$f" "$work/conf/$f"
done
cd "$work"
trap 'LARS_HOME=$work ./run_lars stop all >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export LARS_HOME=$work
./run_lars start all >/dev/null
for _ in $(seq 1 50); do bin/lars getroute 1 1 >/dev/null 2>&1 && break; sleep 0.1; done
# Routes for the qps modules (thread i uses module i+1/1).
for m in $(seq 1 10); do bin/lars route add "$m" 1 "127.0.0.1:$((9100 + m))" >/dev/null 2>&1 || true; done
sleep 1.5
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $seconds s per run"
total() { grep -oE '^total: [0-9]+ get_host in [0-9.]+ s by [0-9]+ threads = [0-9]+ qps' | grep -oE '[0-9]+ qps$'; }
for threads in 1 10; do
  for round in $(seq 1 "$rounds"); do
    rust=$(bin/lars --timeout-ms 1000 qps "$threads" --seconds "$seconds" | total)
    cpp=$(LARS_TIMEOUT_MS=1000 "$repo/bin/cpp/qps" "$threads" "$seconds" | total)
    echo "threads $threads round $round: rust lars qps $rust | c++ qps (liblars) $cpp"
  done
done
for round in $(seq 1 "$rounds"); do
  py=$(cd "$repo/api/python" && "$python" -m lars_client --timeout-ms 1000 qps --seconds "$seconds" | total)
  echo "threads 1 round $round: python lars_client $py"
done
