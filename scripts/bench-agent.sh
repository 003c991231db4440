#!/usr/bin/env bash
# Agent QPS benchmark (`lars qps`): starts lars-dns, lars-reporter and
# lars-agent from bin/ (as in production, on a scratch SQLite store, or on
# MySQL with LARS_BENCH_BACKEND=mysql), then runs `lars qps THREADS` for
# 1, 2 and 10 threads and reports QPS, latency and the agent's CPU time per
# request (from /proc/PID/stat). LARS_BENCH_SPIN_US=N makes the client poll
# N microseconds for each answer before sleeping (`lars --spin-us`).
# LARS_BENCH_SCRAPE_MS=N scrapes the agent's /metrics every N ms while the
# clients run, and says how many scrapes were made.
# LARS_BENCH_TRANSPORTS="udp shm" (the default) runs each thread count over
# UDP and through shared memory (`lars --transport`), side by side.
# LARS_BENCH_RATE=R runs one thread at R calls a second instead (`qps
# --rate`), to measure the agent's CPU at that load;
# LARS_BENCH_AGENT_SPIN_US=N sets the agent's `[agent] idle_spin_us`.
#
#   make all && scripts/bench-agent.sh [SECONDS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-5}
backend=${LARS_BENCH_BACKEND:-sqlite}
client_spin_us=${LARS_BENCH_SPIN_US:-0}
scrape_ms=${LARS_BENCH_SCRAPE_MS:-0}
transports=${LARS_BENCH_TRANSPORTS:-udp shm}
rate=${LARS_BENCH_RATE:-0}
agent_spin_us=${LARS_BENCH_AGENT_SPIN_US:-0}
work=$(mktemp -d /tmp/lars-bench-agent.XXXXXX)
mkdir -p "$work/bin" "$work/conf"
cp -r "$repo"/bin/* "$work/bin/"
cp "$repo"/scripts/run_lars "$work/run_lars"
# A scratch database: root creates and writes it (the shipped users are for
# a database set up with `lars db init`).
for f in lars_dns.conf lars_reporter.conf lars_lb_agent.conf lars_admin.conf; do
  sed -e "s/^backend = sqlite/backend = $backend/" -e "s/^db_name = lars_dns/db_name = lars_bench/" \
    -e "s/^db_user = .*/db_user = root/" -e "s/^idle_spin_us = .*/idle_spin_us = $agent_spin_us/" \
    "$repo/conf/$f" >"$work/conf/$f"
done
cd "$work"
trap 'LARS_HOME=$work ./run_lars stop all >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export LARS_HOME=$work
# The three daemons of production (no web console).
for daemon in dns reporter agent; do ./run_lars start "$daemon" >/dev/null; done
for _ in $(seq 1 50); do bin/lars getroute 1 1 >/dev/null 2>&1 && break; sleep 0.1; done
# Routes for the qps modules (thread i uses module i+1/1).
for m in $(seq 1 10); do bin/lars route add "$m" 1 "127.0.0.1:$((9100 + m))" >/dev/null 2>&1 || true; done
sleep 1.5
agent_pid=$(cat data/run/agent.pid)
tick=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$agent_pid/stat"; }
# UDP datagrams the kernel dropped for full receive buffers (all sockets).
udp_drops() { awk '/^Udp:/ && $2 ~ /^[0-9]+$/ {print $6}' /proc/net/snmp; }
# Reports the agent applied, over UDP and from shared memory (its /metrics).
applied() {
  python3 -c '
import urllib.request
text = urllib.request.urlopen("http://127.0.0.1:9888/metrics", timeout=5).read().decode()
total = 0
for line in text.splitlines():
    if line.startswith("lars_agent_shm_reports_total") or (
            line.startswith("lars_agent_requests_total") and "type=\"report\"" in line):
        total += int(float(line.split()[-1]))
print(total)'
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); store: $backend; client spin: $client_spin_us us; agent spin: $agent_spin_us us; scrape every: $scrape_ms ms"
scraper=
if [ "$scrape_ms" -gt 0 ]; then
  # A Prometheus stand-in: GET /metrics every scrape_ms, counting the
  # successful scrapes into scrapes.txt.
  python3 - "$scrape_ms" >scrapes.txt <<'PY' &
import signal, sys, time, urllib.request
interval, done, running = int(sys.argv[1]) / 1000, 0, [True]
signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))
while running[0]:
    with urllib.request.urlopen("http://127.0.0.1:9888/metrics", timeout=5) as r:
        r.read()
    done += 1
    time.sleep(interval)
print(done, flush=True)
PY
  scraper=$!
fi
# The agent with no caller at all (its timers only).
before=$(cpu_ticks)
sleep "$seconds"
idle_share=$(echo "scale=1; ($(cpu_ticks) - before) * 100 / $tick / $seconds" | bc)
echo "idle, no calls: agent CPU ${idle_share} % of a core"
thread_counts="1 2 10"
rate_flag=()
if [ "$rate" -gt 0 ]; then
  thread_counts=1
  rate_flag=(--rate "$rate")
fi
for threads in $thread_counts; do
  for transport in $transports; do
    before=$(cpu_ticks)
    reports_before=$(applied)
    drops_before=$(udp_drops)
    out=$(bin/lars --timeout-ms 1000 --spin-us "$client_spin_us" --transport "$transport" \
      qps "$threads" --seconds "$seconds" "${rate_flag[@]}")
    after=$(cpu_ticks)
    sleep 1.5  # the reports of exited clients are applied within a second
    reports=$(( $(applied) - reports_before ))
    drops=$(( $(udp_drops) - drops_before ))
    summary=$(echo "$out" | tail -n 3 | tr '\n' ' ')
    calls=$(echo "$out" | grep -oE 'total: [0-9]+' | grep -oE '[0-9]+$' | tail -1)
    cpu_s=$(echo "scale=3; ($after - $before) / $tick" | bc)
    per_req=$(echo "scale=3; ($after - $before) * 1000000 / $tick / $calls" | bc 2>/dev/null || echo "?")
    share=$(echo "scale=1; ($after - $before) * 100 / $tick / $seconds" | bc)
    echo "$transport, threads $threads: $summary| reports applied by the agent: $reports (UDP datagrams dropped by the kernel: $drops) | agent CPU ${cpu_s}s (${share} % of a core), ${per_req} us per get_host+report"
  done
done
if [ -n "$scraper" ]; then
  kill -TERM "$scraper"
  wait "$scraper" || true
  echo "scrapes of /metrics made: $(cat scrapes.txt)"
fi
