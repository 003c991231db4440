#!/usr/bin/env bash
# Makes sure a MariaDB/MySQL server answers on 127.0.0.1:3306 (user root,
# empty password unless LARS_DB_PASSWD is set), starting the local mariadbd
# if it is installed but not running. Exits non-zero, loudly, otherwise:
# the MySQL tests must run for real, never skip.
set -euo pipefail

host=${LARS_MYSQL_HOST:-127.0.0.1}
port=${LARS_MYSQL_PORT:-3306}
client=$(command -v mariadb || command -v mysql || true)

answers() {
  if [ -n "$client" ]; then
    "$client" -h"$host" -P"$port" -uroot ${LARS_DB_PASSWD:+-p"$LARS_DB_PASSWD"} \
      --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}

if answers; then
  echo "ensure-mariadb: server answers on $host:$port"
  exit 0
fi

if [ -x /usr/sbin/mariadbd ]; then
  echo "ensure-mariadb: starting /usr/sbin/mariadbd"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
else
  echo "ensure-mariadb: no server on $host:$port and /usr/sbin/mariadbd is not installed" >&2
  echo "ensure-mariadb: install one (e.g. apt-get install mariadb-server) — the MySQL tests need it" >&2
  exit 1
fi

for _ in $(seq 1 60); do
  if answers; then
    echo "ensure-mariadb: server answers on $host:$port"
    exit 0
  fi
  sleep 1
done
echo "ensure-mariadb: mariadbd started but does not answer on $host:$port after 60 s" >&2
exit 1
