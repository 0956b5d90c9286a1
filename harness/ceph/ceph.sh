#!/usr/bin/env bash
# ceph.sh: a single-node Ceph 18.2 (Reef) cluster for the S3 gateway's tests and benchmarks:
# one mon, one OSD on a file-backed bluestore, radosgw on 127.0.0.1. No systemd, no containers:
# the daemons are Debian trixie's, run by chroot into the project's trixie root
# (harness/stack/root.sh), with their data, logs and pid files in one directory under /tmp (the
# root sees /tmp). Every daemon is stopped by its pid file, and only after /proc/PID/cmdline
# shows that this cluster's daemon is behind the pid (Reef's radosgw renames its main thread, so
# the process name is no guide).
#
# usage: ceph.sh install               the packages into the trixie root (once; cached outside
#                                      the checkout)
#        ceph.sh up DIR                make and start a cluster in DIR (a new or empty directory
#                                      under /tmp); prints the environment to use it (also in
#                                      DIR/env: VFJ_S3_ENDPOINT, AWS_ACCESS_KEY_ID, ...)
#        ceph.sh down DIR              stop every daemon of DIR (and keep DIR for its logs)
#        ceph.sh rgw-kill DIR          SIGKILL radosgw (fault tests)
#        ceph.sh rgw-stop DIR          SIGSTOP radosgw: it keeps its connections but answers
#                                      nothing (fault tests: a store that hangs)
#        ceph.sh rgw-cont DIR          SIGCONT it again
#        ceph.sh rgw-start DIR         start radosgw again and wait until it answers
#        ceph.sh rgw-start-if-down DIR the same when it is not running
#        ceph.sh with DIR CMD...       up DIR, run CMD with the cluster's environment exported,
#                                      down DIR when CMD ends, fails or is interrupted (a trap:
#                                      no daemon outlives the run); exits with CMD's status
# Environment: CEPH_RGW_PORT, CEPH_MON_PORT (default: the first free port from 17480 and 13300),
# CEPH_BLOCK_SIZE (the OSD's sparse block file, default 48G; only what is written takes disk).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOTSH="$HERE/../stack/root.sh"
ROOT=${VFJ_TRIXIE_ROOT:-/var/cache/virtiofs-java/trixie}
PACKAGES=(ceph-mon ceph-osd radosgw s3fs
    # Other users of the root install QEMU from trixie-backports, which brings a newer libelf;
    # libdw must then come from the same suite or ceph-common cannot be installed.
    libdw1t64/trixie-backports libelf1t64/trixie-backports)
ACCESS_KEY=vfjtestaccesskey
SECRET_KEY=vfjtestsecretkey0000000000000000
log() { echo "ceph.sh: $*" >&2; }
die() { log "$*"; exit 1; }

in_root() { "$ROOTSH" chroot "$@"; }

port_free() { ! ss -Htln "sport = :$1" | grep -q .; }
free_port() { # start -> first free port from start
    local p=$1
    while ! port_free "$p"; do p=$((p + 1)); done
    echo "$p"
}

installed() {
    [ -x "$ROOT/usr/bin/ceph-mon" ] && [ -x "$ROOT/usr/bin/ceph-osd" ] && [ -x "$ROOT/usr/bin/radosgw" ] \
        && [ -x "$ROOT/usr/bin/s3fs" ]
}

cmd_install() {
    installed && return 0
    local start; start=$(date +%s)
    "$ROOTSH" install "${PACKAGES[@]}"
    log "installed Ceph and s3fs into $ROOT in $(( $(date +%s) - start ))s"
}

# The pid behind DIR/run/NAME.pid, if it is this cluster's daemon NAME.
daemon_pid() { # dir name binary -> pid or nothing
    local pid
    pid=$(cat "$1/run/$2.pid" 2>/dev/null) || return 0
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
    if tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$3 .*-c $1/ceph.conf"; then echo "$pid"; fi
}

stop_daemon() { # dir name binary [signal]
    local pid i
    pid=$(daemon_pid "$1" "$2" "$3")
    [ -n "$pid" ] || { rm -f "$1/run/$2.pid"; return 0; }
    kill -"${4:-TERM}" "$pid" 2>/dev/null || true
    for i in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
    if [ -e "/proc/$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    rm -f "$1/run/$2.pid"
}

start_daemon() { # dir name binary args...
    local dir=$1 name=$2 bin=$3; shift 3
    # setsid: its own session, so a terminal's signals do not reach it; the pid is the daemon's
    # (root.sh's chroot execs it).
    setsid "$ROOTSH" chroot "$bin" -f -c "$dir/ceph.conf" "$@" > "$dir/log/$name.out" 2>&1 < /dev/null &
    echo $! > "$dir/run/$name.pid"
}

ceph_cli() { local dir=$1; shift; in_root timeout 30 ceph -c "$dir/ceph.conf" "$@"; }

rgw_ready() { # dir -> 0 when an anonymous GET / answers 200
    local port; port=$(sed -n 's/^rgw_port=//p' "$1/ports")
    [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$port/")" = 200 ]
}

wait_for() { # seconds what command...
    local seconds=$1 what=$2 i; shift 2
    for i in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}

cmd_rgw_start() {
    local dir=$1
    start_daemon "$dir" rgw /usr/bin/radosgw -n client.rgw.vfj
    wait_for 60 radosgw rgw_ready "$dir" || { tail -20 "$dir/log/client.rgw.vfj.log" >&2 || true; die "radosgw did not answer in 60 s (log: $dir/log)"; }
}

cmd_up() {
    local dir=$1 start; start=$(date +%s)
    case "$dir" in /tmp/*) ;; *) die "DIR must be under /tmp (the trixie root sees only /tmp): $dir" ;; esac
    installed || die "Ceph is not installed in $ROOT (run: $0 install)"
    mkdir -p "$dir"
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    mkdir -p "$dir/run" "$dir/log" "$dir/mon" "$dir/osd/ceph-0" "$dir/rgw"
    local mon_port rgw_port fsid osd_uuid
    mon_port=${CEPH_MON_PORT:-$(free_port 13300)}
    rgw_port=${CEPH_RGW_PORT:-$(free_port 17480)}
    port_free "$mon_port" || die "the mon port $mon_port is taken"
    port_free "$rgw_port" || die "the radosgw port $rgw_port is taken"
    printf 'mon_port=%s\nrgw_port=%s\n' "$mon_port" "$rgw_port" > "$dir/ports"
    fsid=$(cat /proc/sys/kernel/random/uuid)
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
ms bind msgr1 = false
# No cephx: radosgw hangs on a 'secure' mon connection without it.
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms cluster mode = crc
ms service mode = crc
client mount timeout = 60
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.daemon.pid
keyring = /dev/null
# One OSD: one copy, pools of one, no warnings about it.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
mon max pg per osd = 1000
# Pool creation takes 1 s per pool otherwise.
paxos propose interval = 0.1
paxos min wait = 0.01
mon data avail crit = 1
mon data avail warn = 2
[mon]
mon data = $dir/mon/ceph-\$id
[osd]
osd data = $dir/osd/ceph-\$id
osd objectstore = bluestore
# A sparse block file, outside the OSD's own directory (ELOOP otherwise).
bluestore block create = true
bluestore block path = $dir/osd-block-\$id
bluestore block size = ${CEPH_BLOCK_SIZE:-48G}
bluestore fsck on mount = false
osd memory target = 939524096
bluestore cache autotune = false
bluestore cache size = 134217728
[client.rgw.vfj]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
rgw dns name = localhost
# Deleted objects' data is freed by garbage collection, two hours later by default: the tests
# and benchmarks write and delete gigabytes, and the OSD would fill first.
rgw gc obj min wait = 30
rgw gc processor period = 30
rgw gc processor max time = 30
CONF
    # A monitor.
    in_root monmaptool --create --fsid "$fsid" --addv vfj "[v2:127.0.0.1:$mon_port]" "$dir/monmap" > "$dir/log/mkfs.out" 2>&1 \
        || die "monmaptool failed: $(tail -3 "$dir/log/mkfs.out")"
    in_root ceph-mon -c "$dir/ceph.conf" --mkfs -i vfj --monmap "$dir/monmap" >> "$dir/log/mkfs.out" 2>&1 \
        || die "ceph-mon --mkfs failed: $(tail -3 "$dir/log/mkfs.out")"
    start_daemon "$dir" mon /usr/bin/ceph-mon -i vfj
    wait_for 60 mon ceph_cli "$dir" mon stat || die "the monitor did not answer in 60 s (log: $dir/log)"
    # An OSD.
    local id
    id=$(ceph_cli "$dir" osd new "$osd_uuid") || die "ceph osd new failed"
    [ "$id" = 0 ] || die "the OSD got id $id, not 0"
    in_root ceph-osd -c "$dir/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >> "$dir/log/mkfs.out" 2>&1 \
        || die "ceph-osd --mkfs failed: $(tail -3 "$dir/log/mkfs.out")"
    start_daemon "$dir" osd /usr/bin/ceph-osd -i 0
    wait_for 60 osd osd_up "$dir" || die "the OSD did not come up in 60 s (log: $dir/log)"
    # The S3 user, made before radosgw starts.
    in_root timeout 120 radosgw-admin -c "$dir/ceph.conf" -n client.rgw.vfj user create --uid vfj --display-name "virtiofs-java tests" \
        --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" >> "$dir/log/mkfs.out" 2>&1 \
        || die "radosgw-admin user create failed: $(tail -3 "$dir/log/mkfs.out")"
    cmd_rgw_start "$dir"
    cat > "$dir/env" <<ENV
VFJ_CEPH_DIR=$dir
VFJ_S3_ENDPOINT=http://127.0.0.1:$rgw_port
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
AWS_REGION=us-east-1
ENV
    log "cluster up in $(( $(date +%s) - start ))s: radosgw on http://127.0.0.1:$rgw_port (environment in $dir/env)"
    cat "$dir/env"
}

osd_up() { ceph_cli "$1" osd stat 2>/dev/null | grep -q '1 up'; }

cmd_down() {
    local dir=$1
    [ -f "$dir/ceph.conf" ] || return 0
    stop_daemon "$dir" rgw /usr/bin/radosgw
    stop_daemon "$dir" osd /usr/bin/ceph-osd
    stop_daemon "$dir" mon /usr/bin/ceph-mon
    # The block file is sparse but may hold gigabytes after a run.
    rm -f "$dir"/osd-block-*
}

cmd_with() {
    local dir=$1; shift
    # The directory is expanded now: at EXIT this function's locals are gone (set -u: unbound).
    trap "cmd_down $(printf '%q' "$dir")" EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    cmd_up "$dir" > /dev/null
    set -a
    # shellcheck disable=SC1091
    . "$dir/env"
    set +a
    local rc=0
    "$@" || rc=$?
    return $rc
}

case "${1:-}" in
    with) [ $# -ge 3 ] || die "usage: ceph.sh with DIR CMD..."; shift; cmd_with "$@" ;;
    install) cmd_install ;;
    up) [ $# -eq 2 ] || die "usage: ceph.sh up DIR"; cmd_up "$2" ;;
    down) [ $# -eq 2 ] || die "usage: ceph.sh down DIR"; cmd_down "$2" ;;
    rgw-kill) stop_daemon "$2" rgw /usr/bin/radosgw KILL ;;
    rgw-stop) pid=$(daemon_pid "$2" rgw /usr/bin/radosgw); [ -n "$pid" ] && kill -STOP "$pid" ;;
    rgw-cont) pid=$(daemon_pid "$2" rgw /usr/bin/radosgw); [ -n "$pid" ] && kill -CONT "$pid" ;;
    rgw-start) cmd_rgw_start "$2" ;;
    rgw-start-if-down) [ -n "$(daemon_pid "$2" rgw /usr/bin/radosgw)" ] || cmd_rgw_start "$2" ;;
    *) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
