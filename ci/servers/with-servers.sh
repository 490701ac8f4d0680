#!/usr/bin/env bash
# Runs a command with throwaway servers up: 3 redis-server instances without persistence, one
# durable redis-server (appendfsync always: an epoch source) and one PostgreSQL cluster,
# state under STATE (default: a new temporary directory). Exports LOCKSTEP_REDIS_STATE,
# LOCKSTEP_REDIS_DURABLE_STATE and LOCKSTEP_PG_STATE for the command; stops every server on exit,
# also when the command fails or is interrupted.
#
#   ci/servers/with-servers.sh [--state DIR] -- COMMAND [ARGS...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state=""
if [ "${1:-}" = "--state" ]; then state=$2; shift 2; fi
[ "${1:-}" = "--" ] && shift
[ $# -ge 1 ] || { echo "usage: with-servers.sh [--state DIR] -- COMMAND..." >&2; exit 2; }
own_state=0
if [ -z "$state" ]; then state=$(mktemp -d /tmp/lockstep-servers.XXXXXX); own_state=1; fi
mkdir -p "$state"
chmod 755 "$state"   # mktemp makes it 700: the postgres user must reach STATE/pg
cleanup() {
  "$here/redis.sh" stop "$state/redis" || true
  "$here/redis.sh" stop "$state/redis-durable" || true
  "$here/postgres.sh" stop "$state/pg" || true
  if [ $own_state -eq 1 ]; then rm -rf "$state"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$here/redis.sh" start "$state/redis" 3 >&2
"$here/redis.sh" start "$state/redis-durable" 1 durable >&2
"$here/postgres.sh" start "$state/pg" >&2
export LOCKSTEP_REDIS_STATE="$state/redis" LOCKSTEP_REDIS_DURABLE_STATE="$state/redis-durable"
export LOCKSTEP_PG_STATE="$state/pg" LOCKSTEP_SERVERS_DIR="$here"
"$@"
