#!/usr/bin/env bash
# Stops the cluster started by scripts/ceph-up.sh in CEPH_DIR: each daemon by
# its recorded PID (never by name), TERM first, KILL after ~7 s.
#   CEPH_DIR  as for ceph-up.sh (default: <repo>/.pqbench-ceph)
#   --purge   also delete CEPH_DIR
set -uo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
D=${CEPH_DIR:-$REPO_DIR/.pqbench-ceph}
DAEMONS="rgw osd mgr mon" # stop order: clients before the monitor

declare -A COMM=([rgw]=radosgw [osd]=ceph-osd [mgr]=ceph-mgr [mon]=ceph-mon)

# The recorded PID if that process is still alive and still the daemon we started (PIDs get reused).
live_pid() {
  local f="$D/run/$1.pid.bg" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null || echo "${COMM[$1]}")" = "${COMM[$1]}" ] || return 1
  echo "$pid"
}

for n in $DAEMONS; do
  if pid=$(live_pid "$n"); then
    kill "$pid" 2>/dev/null && echo "ceph-down: stopping $n (pid $pid)"
  fi
done
for _ in $(seq 1 35); do
  alive=0
  for n in $DAEMONS; do live_pid "$n" >/dev/null && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 0.2
done
for n in $DAEMONS; do
  if pid=$(live_pid "$n"); then
    kill -9 "$pid" 2>/dev/null && echo "ceph-down: killed $n (pid $pid) with SIGKILL"
  fi
  rm -f "$D/run/$n.pid.bg"
done

if [ "${1:-}" = "--purge" ] && [ -f "$D/ceph.conf" ]; then
  rm -rf "$D"
fi
exit 0
