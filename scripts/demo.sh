#!/usr/bin/env bash
# `make run`: the whole stack on the embedded SQLite store, with a short demo.
# Starts lars-dns, lars-reporter, lars-agent and the web console lars-web
# (scripts/run_lars), waits until each answers, prints the console's URL,
# runs the simulator on module 1/1, prints the call statistics the reporter
# stored, and stops the daemons (the console with them).
set -euo pipefail
cd "$(dirname "$0")/.."

cleanup() { scripts/run_lars stop all >/dev/null 2>&1 || true; }
trap cleanup EXIT

wait_tcp() {
  local port=$1 name=$2
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$name does not answer on 127.0.0.1:$port; see data/log/$name.log" >&2
  exit 1
}

echo "== starting the daemons (SQLite store data/lars.db, demo routes on first start)"
scripts/run_lars start dns
wait_tcp 7778 dns
scripts/run_lars start reporter
wait_tcp 7779 reporter
scripts/run_lars start agent
for _ in $(seq 1 50); do
  bin/lars getroute 1 1 >/dev/null 2>&1 && bin/lars gethost 1 1 >/dev/null 2>&1 && break
  sleep 0.1
done
bin/lars gethost 1 1 >/dev/null || { echo "agent does not answer; see data/log/agent.log" >&2; exit 1; }
scripts/run_lars start web
web_listen=$(sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*\([^[:space:];]*\).*/\1/p' conf/lars_web.conf | head -n 1)
wait_tcp "${web_listen##*:}" web
echo
echo "== web console: http://${web_listen}/ (open it while the demo runs; it stops at the end)"

echo
echo "== metrics and health (while the demo runs)"
echo "   lars-dns:      http://127.0.0.1:9778/metrics   http://127.0.0.1:9778/healthz"
echo "   lars-reporter: http://127.0.0.1:9779/metrics   http://127.0.0.1:9779/healthz"
echo "   lars-agent:    http://127.0.0.1:9888/metrics   http://127.0.0.1:9888/healthz"
echo "                  http://127.0.0.1:9888/modules   (live: bin/lars top)"

echo
echo "== routes of module 1/1"
bin/lars getroute 1 1

echo
echo "== simulator: module 1/1, error rate 2/10, 1000 calls"
bin/lars simulator 1 1 2 1000

echo
echo "== the agent's view of module 1/1 (bin/lars agent modules 1 1; bin/lars top refreshes it)"
bin/lars agent modules 1 1

echo
echo "== statistics stored by the reporter (ServerCallStatus: each host's current window)"
for _ in $(seq 1 50); do
  bin/lars status 1 1 2>/dev/null | grep -q 127.0.0.1 && break
  sleep 0.1
done
sleep 1.5   # one more report interval and flush, so the last counts are in
bin/lars status 1 1

echo
echo "== stopping"
cleanup
trap - EXIT
echo "done (logs in data/log/)"
