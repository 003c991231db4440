#!/usr/bin/env bash
# Makes sure Debian's Chromium and ChromeDriver are there for the web
# console's browser test (services/web/tests/browser.rs): it must run for
# real, never skip.
#
#   1. /usr/bin/chromium and /usr/bin/chromedriver exist (or LARS_CHROMIUM
#      and LARS_CHROMEDRIVER name them): done;
#   2. else install Debian's chromium and chromium-driver with apt-get when
#      running as root, or say the exact command and fail.
set -euo pipefail

chromium=${LARS_CHROMIUM:-/usr/bin/chromium}
driver=${LARS_CHROMEDRIVER:-/usr/bin/chromedriver}
install_cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver"

say() { echo "ensure-chromium: $*"; }
fail() { echo "ensure-chromium: $*" >&2; exit 1; }

if [ -x "$chromium" ] && [ -x "$driver" ]; then
  say "$("$driver" --version 2>/dev/null | head -n 1 || echo "$driver")"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  fail "$chromium or $driver is missing; as root run: $install_cmd"
fi
if ! command -v apt-get >/dev/null; then
  fail "$chromium or $driver is missing and there is no apt-get: install Chromium and its ChromeDriver yourself (LARS_CHROMIUM, LARS_CHROMEDRIVER name them)"
fi
say "installing chromium and chromium-driver: $install_cmd"
apt-get update -q || fail "apt-get update failed"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver \
  || fail "apt-get install chromium chromium-driver failed"
[ -x "$chromium" ] && [ -x "$driver" ] || fail "installed, but $chromium or $driver is missing"
say "$("$driver" --version | head -n 1)"
