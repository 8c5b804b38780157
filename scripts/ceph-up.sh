#!/usr/bin/env bash
# Starts a throw-away single-node Ceph (1 mon, 1 memstore OSD) + radosgw on
# 127.0.0.1 for pqbench's integration tests: a real S3 server without Docker.
# Installs nothing; stop it with scripts/ceph-down.sh (same CEPH_DIR).
#
# Environment (all optional):
#   CEPH_DIR        state, logs and PID files   (default: <repo>/.pqbench-ceph)
#   RGW_PORT        S3 endpoint port            (default: 7480)
#   MON_PORT_V2     monitor msgr2 port          (default: 3300)
#   MON_PORT_V1     monitor legacy port         (default: 6789)
#   OSD_PORT_MIN/OSD_PORT_MAX  OSD bind range   (default: 6800/7300, first free ports are used)
#   STORE           memstore | bluestore        (default: memstore = RAM; bluestore = sparse file in CEPH_DIR)
#   S3_ACCESS_KEY / S3_SECRET_KEY  test user    (default: TESTACCESSKEY / TESTSECRETKEY)
#   S3_BUCKET       bucket created for you      (default: pqbench; empty: none)
#   READY_TIMEOUT   seconds until giving up     (default: 120)
# Progress goes to stderr. On success stdout is the environment a shell
# exports to use the server (throw-away test credentials of this local
# server, nothing else), so that either of these works:
#   scripts/ceph-up.sh            # then copy the export lines it printed
#   eval "$(scripts/ceph-up.sh)"
#   npx pqbench run workloads/quickstart-s3.yaml
set -Eeuo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
D=${CEPH_DIR:-$REPO_DIR/.pqbench-ceph}
RGW_PORT=${RGW_PORT:-7480}
MON_PORT_V2=${MON_PORT_V2:-3300}
MON_PORT_V1=${MON_PORT_V1:-6789}
OSD_PORT_MIN=${OSD_PORT_MIN:-6800}
OSD_PORT_MAX=${OSD_PORT_MAX:-7300}
STORE=${STORE:-memstore}
S3_ACCESS_KEY=${S3_ACCESS_KEY:-TESTACCESSKEY}
S3_SECRET_KEY=${S3_SECRET_KEY:-TESTSECRETKEY}
S3_BUCKET=${S3_BUCKET-pqbench}
READY_TIMEOUT=${READY_TIMEOUT:-120}
DAEMONS="rgw osd mon"

log() { printf '[ceph-up %3ds] %s\n' "$SECONDS" "$*" >&2; }

missing=""
for bin in ceph ceph-mon ceph-osd radosgw radosgw-admin ceph-authtool monmaptool curl; do
  command -v "$bin" >/dev/null 2>&1 || missing="$missing $bin"
done
if [ -n "$missing" ]; then
  echo "ceph-up: missing programs:$missing" >&2
  echo "ceph-up: install them with: apt-get update && apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw curl" >&2
  exit 3
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$RGW_PORT" "$MON_PORT_V2" "$MON_PORT_V1"; do
  if port_in_use "$port"; then
    echo "ceph-up: 127.0.0.1:$port is already in use; choose other RGW_PORT / MON_PORT_V2 / MON_PORT_V1" >&2
    exit 1
  fi
done

for n in $DAEMONS; do
  f="$D/run/$n.pid.bg"
  if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
    echo "ceph-up: a cluster is already running in $D ($n pid $(cat "$f")); stop it with CEPH_DIR=$D scripts/ceph-down.sh" >&2
    exit 1
  fi
done
if [ -d "$D" ] && [ -n "$(ls -A "$D")" ] && [ ! -f "$D/ceph.conf" ]; then
  echo "ceph-up: $D exists and is not a ceph-up directory; refusing to wipe it" >&2
  exit 1
fi

fail() {
  trap - ERR
  echo "ceph-up: $*" >&2
  for f in "$D"/log/*; do
    [ -s "$f" ] || continue
    echo "---- tail of $f" >&2
    tail -n 15 "$f" >&2
  done
  CEPH_DIR="$D" "$REPO_DIR/scripts/ceph-down.sh" >&2 || true
  exit 1
}
trap 'fail "command failed (line $LINENO)"' ERR

deadline=$((SECONDS + READY_TIMEOUT))
wait_until() { # description, command...
  local what=$1
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${READY_TIMEOUT}s waiting for $what"
    sleep 0.2
  done
}
new_uuid() { if command -v uuidgen >/dev/null 2>&1; then uuidgen; else cat /proc/sys/kernel/random/uuid; fi; }

rm -rf "$D"
mkdir -p "$D"/{mon,osd0,log,run,rgw}
FSID=$(new_uuid)
MON_ADDR="[v2:127.0.0.1:$MON_PORT_V2,v1:127.0.0.1:$MON_PORT_V1]"
cat >"$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = $MON_ADDR
mon initial members = a
public network = 127.0.0.0/8
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind port min = $OSD_PORT_MIN
ms bind port max = $OSD_PORT_MAX
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
osd crush chooseleaf type = 0
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
keyring = $D/keyring
[mon]
mon data = $D/mon
[osd]
osd data = $D/osd0
osd objectstore = $STORE
memstore device bytes = 8589934592
bluestore block path = $D/osd0-block.img
bluestore block create = true
bluestore block size = 21474836480
bluestore fsck on mount = false
osd memory target = 1073741824
osd max object name len = 256
osd max object namespace len = 64
osd op num shards = 1
osd op num threads per shard = 2
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $D/rgw
rgw thread pool size = 64
# Without crc mode radosgw loops on "get_initial_auth_request returned -13".
ms mon client mode = crc
ms client mode = crc
CONF
C=(-c "$D/ceph.conf")

ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --addv a "$MON_ADDR" --fsid "$FSID" "$D/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring" >"$D/log/mon-mkfs.stdout" 2>&1
ceph-mon "${C[@]}" -i a -f >"$D/log/mon.stdout" 2>&1 &
echo $! >"$D/run/mon.pid.bg"
wait_until "the monitor" ceph "${C[@]}" --connect-timeout 2 mon stat
log "mon up on 127.0.0.1:$MON_PORT_V2/$MON_PORT_V1"

OSD_UUID=$(new_uuid)
OSD_ID=$(ceph "${C[@]}" osd new "$OSD_UUID")
ceph-osd "${C[@]}" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >"$D/log/osd-mkfs.stdout" 2>&1
ceph-osd "${C[@]}" -i "$OSD_ID" -f >"$D/log/osd.stdout" 2>&1 &
echo $! >"$D/run/osd.pid.bg"
osd_up() { ceph "${C[@]}" --connect-timeout 2 osd stat | grep -q ' 1 up'; }
wait_until "the OSD" osd_up
log "osd.$OSD_ID up ($STORE)"

# Creating the bucket pools now saves radosgw a multi-second stall on first use.
for pool in default.rgw.buckets.index default.rgw.buckets.data default.rgw.buckets.non-ec; do
  ceph "${C[@]}" osd pool create "$pool" 8 8 >/dev/null 2>&1
  ceph "${C[@]}" osd pool application enable "$pool" rgw >/dev/null 2>&1
done

radosgw "${C[@]}" -n client.rgw.a -f >"$D/log/rgw.stdout" 2>&1 &
echo $! >"$D/run/rgw.pid.bg"
wait_until "radosgw on 127.0.0.1:$RGW_PORT" curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/"
radosgw-admin "${C[@]}" user create --uid=pqbench-test --display-name=pqbench-test \
  --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null
log "radosgw ready, user pqbench-test created"

ENDPOINT="http://127.0.0.1:$RGW_PORT"
if [ -n "$S3_BUCKET" ]; then
  # A signed CreateBucket with curl's SigV4 (no AWS CLI needed); the keys go through stdin, not argv.
  # curl does not add S3's payload hash header itself (RGW then says SignatureDoesNotMatch): the empty body's.
  status=$(printf 'user = "%s:%s"\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" |
    curl -sS -K - --max-time 60 -o "$D/log/create-bucket.out" -w '%{http_code}' \
      --aws-sigv4 "aws:amz:us-east-1:s3" -X PUT "$ENDPOINT/$S3_BUCKET" \
      -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855') || status=000
  case "$status" in
  200 | 409) log "bucket $S3_BUCKET ready" ;;
  *) fail "creating bucket $S3_BUCKET answered HTTP $status: $(head -c 300 "$D/log/create-bucket.out" 2>/dev/null)" ;;
  esac
fi

cat <<ENV
# Ceph RGW at $ENDPOINT is up (stop it with: CEPH_DIR=$D scripts/ceph-down.sh).
# Export these (or run: eval "\$(scripts/ceph-up.sh)"); the keys are this throw-away server's test user.
# pqbench reads S3_ENDPOINT like AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL when a workload names no endpoint_url.
export S3_ENDPOINT=$ENDPOINT
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
export AWS_REGION=us-east-1
ENV
[ -z "$S3_BUCKET" ] || echo "# bucket: $S3_BUCKET (workloads/quickstart-s3.yaml writes to s3://$S3_BUCKET/quickstart/)"
