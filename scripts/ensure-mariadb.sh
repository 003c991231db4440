#!/usr/bin/env bash
# Makes sure a MariaDB/MySQL server answers on 127.0.0.1:3306 (user root,
# empty password unless LARS_DB_PASSWD is set): the MySQL tests must run for
# real, never skip.
#
#   1. a server already answers: done;
#   2. mariadbd is not installed: install Debian's mariadb-server with
#      apt-get when running as root, else say the exact command and fail;
#   3. start /usr/sbin/mariadbd and wait (at most 60 s) until it answers.
set -euo pipefail

host=${LARS_MYSQL_HOST:-127.0.0.1}
port=${LARS_MYSQL_PORT:-3306}
server=${LARS_MARIADBD:-/usr/sbin/mariadbd}
install_cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server"

say() { echo "ensure-mariadb: $*"; }
fail() { echo "ensure-mariadb: $*" >&2; exit 1; }

client() { command -v mariadb || command -v mysql || true; }

answers() {
  local c
  c=$(client)
  if [ -n "$c" ]; then
    "$c" -h"$host" -P"$port" -uroot ${LARS_DB_PASSWD:+-p"$LARS_DB_PASSWD"} \
      --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}

if answers; then
  say "server answers on $host:$port"
  exit 0
fi

if [ ! -x "$server" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    fail "no server on $host:$port and $server is not installed; as root run: $install_cmd"
  fi
  if ! command -v apt-get >/dev/null; then
    fail "no server on $host:$port, $server is not installed and there is no apt-get: install MariaDB (mariadb-server) yourself"
  fi
  say "installing mariadb-server: $install_cmd"
  apt-get update -q || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q mariadb-server \
    || fail "apt-get install mariadb-server failed"
  [ -x "$server" ] || fail "mariadb-server is installed but $server is missing"
fi

# A fresh package may leave the socket directory to the init system.
if [ "$(id -u)" -eq 0 ]; then
  install -d -o mysql -g mysql /run/mysqld 2>/dev/null || true
fi

say "starting $server"
if command -v start-stop-daemon >/dev/null; then
  start-stop-daemon --start --oknodo --background --exec "$server"
else
  "$server" >/dev/null 2>&1 &
fi

for _ in $(seq 1 60); do
  if answers; then
    say "server answers on $host:$port"
    exit 0
  fi
  sleep 1
done
fail "$server started but does not answer on $host:$port after 60 s"
