#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: initdb into STATE, listen on
# 127.0.0.1 and a private unix socket dir only, private port, stopped with pg_ctl (by the pid
# in postmaster.pid as a fallback).
#
#   postgres.sh start STATE   fresh cluster; writes STATE/port and STATE/conninfo
#   postgres.sh stop  STATE   stop it (idempotent)
#
# PostgreSQL refuses to run as root: as root, every server command runs as the postgres user
# (runuser), and STATE is handed to that user.
# Settings for a throwaway cluster: fsync=off (nothing here must survive a crash) and
# deadlock_timeout=50ms (deadlock tests and benchmarks do not wait the default 1 s).
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: postgres.sh start|stop STATE"
cmd=$1
state=$(mkdir -p "$2" && cd "$2" && pwd)

bindir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
  command -v pg_ctl >/dev/null || die "pg_ctl not found (install: ci/servers/packages.txt)"
  bindir=$(dirname "$(command -v pg_ctl)")
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

data="$state/data"
sock="$state/sock"
log="$state/postgres.log"
# Ports are taken from [20000, start of the ephemeral range): a port inside that range can be
# taken as the source port of any outgoing connection while its server is down (a restart
# then fails with "address already in use").
port_span() {
  local lo
  lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  local span=$((lo - 20000 - 500))
  [ "$span" -ge 1000 ] || span=1000
  echo "$span"
}
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_cluster() {
  [ -f "$data/postmaster.pid" ] || return 0
  as_pg "$bindir/pg_ctl" -D "$data" stop -m fast -w -t 30 >/dev/null 2>&1 || true
  if [ -f "$data/postmaster.pid" ]; then
    local pid
    pid=$(head -n 1 "$data/postmaster.pid")
    if [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && grep -q postgres "/proc/$pid/comm"; then
      kill -QUIT "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    rm -f "$data/postmaster.pid"
  fi
}

case $cmd in
  start)
    stop_cluster   # leftovers of an interrupted run
    rm -rf "$data" "$sock" "$state/port" "$state/conninfo"
    mkdir -p "$data" "$sock"
    : >"$log"
    if [ "$(id -u)" -eq 0 ]; then
      chown -R postgres: "$state"
      runuser -u postgres -- test -x "$state" ||
        die "the postgres user cannot reach $state (a parent directory is not world-executable)"
    fi
    chmod 700 "$data"
    as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-sync \
      >"$state/initdb.log" 2>&1 || { cat "$state/initdb.log" >&2; die "initdb failed"; }
    port=$(( 20000 + ($(printf '%s' "$state" | cksum | cut -d' ' -f1) + 7919) % $(port_span) ))
    started=0
    for _ in $(seq 1 30); do
      port=$((port + 1))
      port_in_use "$port" && continue
      if as_pg "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 30 \
          -o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c fsync=off -c deadlock_timeout=50ms" \
          start >/dev/null 2>&1; then
        started=1
        break
      fi
      grep -q 'could not bind\|could not create listen socket' "$log" || break
    done
    if [ $started -ne 1 ]; then
      tail -n 20 "$log" >&2 || true
      stop_cluster
      die "PostgreSQL failed to start (log: $log)"
    fi
    echo "$port" >"$state/port"
    echo "host=127.0.0.1 port=$port user=postgres dbname=postgres" >"$state/conninfo"
    echo "postgres.sh: cluster on 127.0.0.1:$port (state $state)"
    ;;
  stop)
    stop_cluster
    ;;
  *) die "unknown command $cmd" ;;
esac
