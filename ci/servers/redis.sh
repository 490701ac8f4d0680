#!/usr/bin/env bash
# Throwaway redis-server instances for tests and benchmarks: 127.0.0.1 only, private ports,
# all state (pid files, logs, working dirs) under one state directory, stopped by pid.
#
#   redis.sh start   STATE [COUNT [durable]]
#                                    start COUNT (default 3) instances; writes STATE/ports.
#                                    Default: no persistence (`--save '' --appendonly no`:
#                                    a restart loses every key). `durable`: `--appendonly yes
#                                    --appendfsync always` (every write on disk before the
#                                    reply; a restart keeps the data), for epoch sources.
#   redis.sh stop    STATE           stop every instance of STATE (idempotent)
#   redis.sh kill    STATE INDEX     SIGKILL instance INDEX (0-based): a crash
#   redis.sh restart STATE INDEX [DELAY_MS]
#                                    stop instance INDEX (if running), wait DELAY_MS
#                                    (default 0; Redlock's delayed restart is >= one ttl),
#                                    start it again on its old port with its mode (empty
#                                    data unless durable)
#
# Ports are probed upwards from a base derived from STATE, so that two build trees do not
# compete for the same ports; a port that turns out to be taken is skipped.
set -euo pipefail

die() { echo "redis.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: redis.sh start|stop|kill|restart STATE [COUNT|INDEX]"
cmd=$1
state=$(mkdir -p "$2" && cd "$2" && pwd)
command -v redis-server >/dev/null || die "redis-server not found (install: ci/servers/packages.txt)"
command -v redis-cli >/dev/null || die "redis-cli not found (install redis-tools)"

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

# Is $1 (a pid) a live redis-server? Guards against killing a recycled pid. A zombie (exited,
# not reaped yet: in containers PID 1 often does not reap) counts as stopped.
is_redis_pid() {
  [ -n "$1" ] && [ -r "/proc/$1/comm" ] && grep -q '^redis-server' "/proc/$1/comm" 2>/dev/null &&
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# start_one INDEX PORT: returns 0 once the server that answers on PORT is the one whose pid is
# in our pid file.
start_one() {
  local i=$1 port=$2 dir="$state/$1"
  mkdir -p "$dir"
  rm -f "$dir/redis.pid"
  : >"$dir/redis.log"
  local persist=(--appendonly no)
  if [ "$(cat "$state/mode" 2>/dev/null || true)" = durable ]; then
    persist=(--appendonly yes --appendfsync always)
  fi
  redis-server --bind 127.0.0.1 --port "$port" --pidfile "$dir/redis.pid" --dir "$dir" \
    --logfile "$dir/redis.log" --save '' "${persist[@]}" --daemonize yes \
    --protected-mode yes >/dev/null 2>&1 || return 1
  local pid served
  for _ in $(seq 1 100); do  # up to 5 s
    pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
    served=$(redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null | tr -d '\r' |
             sed -n 's/^process_id://p' || true)
    if [ -n "$pid" ] && [ "$pid" = "$served" ]; then
      echo "$port" >"$dir/port"
      return 0
    fi
    if grep -q -i 'address already in use\|could not create server' "$dir/redis.log" 2>/dev/null; then
      return 1
    fi
    sleep 0.05
  done
  return 1
}

stop_one() {
  local dir="$state/$1" pid
  pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  if is_redis_pid "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      is_redis_pid "$pid" || break
      sleep 0.05
    done
    if is_redis_pid "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$dir/redis.pid"
}

instances() { find "$state" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | grep -E '^[0-9]+$' | sort -n; }

case $cmd in
  start)
    count=${3:-3}
    mode=${4:-volatile}
    case $mode in volatile|durable) ;; *) die "unknown mode $mode (volatile|durable)" ;; esac
    for i in $(instances); do stop_one "$i"; done   # leftovers of an interrupted run
    for i in $(instances); do rm -rf "${state:?}/$i"; done   # a fresh start: no old data
    rm -f "$state/ports"
    echo "$mode" >"$state/mode"
    base=$(( 20000 + $(printf '%s' "$state" | cksum | cut -d' ' -f1) % $(port_span) ))
    port=$base
    for i in $(seq 0 $((count - 1))); do
      started=0
      for _ in $(seq 1 50); do
        port=$((port + 1))
        port_in_use "$port" && continue
        if start_one "$i" "$port"; then started=1; break; fi
        stop_one "$i"
      done
      if [ $started -ne 1 ]; then
        echo "redis.sh: instance $i failed to start; log:" >&2
        tail -n 20 "$state/$i/redis.log" >&2 || true
        for j in $(instances); do stop_one "$j"; done
        exit 1
      fi
      echo "$port" >>"$state/ports"
    done
    echo "redis.sh: $count $mode instances on 127.0.0.1 ports $(tr '\n' ' ' <"$state/ports")(state $state)"
    ;;
  stop)
    for i in $(instances); do stop_one "$i"; done
    ;;
  kill)
    [ $# -ge 3 ] || die "kill needs an INDEX"
    pid=$(cat "$state/$3/redis.pid" 2>/dev/null || true)
    if is_redis_pid "$pid"; then
      kill -KILL "$pid"
      for _ in $(seq 1 100); do is_redis_pid "$pid" || break; sleep 0.05; done
    fi
    rm -f "$state/$3/redis.pid"
    ;;
  restart)
    [ $# -ge 3 ] || die "restart needs an INDEX"
    port=$(cat "$state/$3/port" 2>/dev/null) || die "instance $3 was never started in $state"
    stop_one "$3"
    delay=${4:-0}
    [[ $delay =~ ^[0-9]+$ ]] || die "DELAY_MS must be a number of milliseconds"
    if [ "$delay" -gt 0 ]; then sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"; fi
    for _ in $(seq 1 40); do   # the old socket may linger for a moment
      if start_one "$3" "$port"; then exit 0; fi
      stop_one "$3"
      sleep 0.05
    done
    tail -n 20 "$state/$3/redis.log" >&2 || true
    die "instance $3 failed to restart on port $port"
    ;;
  *) die "unknown command $cmd" ;;
esac
