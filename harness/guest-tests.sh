#!/usr/bin/env bash
# guest-tests.sh: the real-guest tests of virtiofs-java, run by bin/test after the Maven build.
# Boots Linux guests under QEMU (vm-run.sh) against `bin/virtiofs serve` with memfs:
#   smoke      the functional smoke workload (35 checks)
#   stress     many files, concurrent writers, a large file read back after dropping caches
#   lifecycle  one daemon serves two guests in turn (QEMU quits, a new QEMU reconnects); the
#              second guest finds what the first wrote; every guest unmounts cleanly; the
#              daemon survives both and exits 0 on SIGTERM, removing its socket
#   s3         `serve --s3-bucket` against a real Ceph cluster (harness/ceph/ceph.sh): a guest
#              writes a tree (200 files and one of 1 GiB), lists it and reads it back, checksums
#              equal to the S3 API's; a second guest sees an object the host put through the API
#              and deletes the tree
# Without QEMU (harness/setup.sh installs it) the tests are skipped, or fail when CI=true.
# usage: guest-tests.sh [smoke|stress|lifecycle|s3 ...]   (default: all)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${GUEST_TESTS_OUT:-/tmp/vmh/guest-tests/$(date +%Y%m%d-%H%M%S)-$$}
SERVE=${GUEST_TESTS_SERVE:-"$ROOT/bin/virtiofs serve --log-level info"}
mkdir -p "$OUT"

if ! command -v qemu-system-x86_64 >/dev/null || ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then
        echo "guest-tests: FAIL: QEMU or a guest kernel is missing (run harness/setup.sh)" >&2
        exit 1
    fi
    echo "guest-tests: SKIP: QEMU or a guest kernel is missing (run harness/setup.sh as root to install them)"
    exit 0
fi

fails=0
result() { # name rc
    if [ "$2" -eq 0 ]; then echo "guest-tests: PASS $1"; else echo "guest-tests: FAIL $1 (rc=$2, see $OUT/$1*)"; fails=$((fails + 1)); fi
}
summary_value() { sed -n "s/^$2=//p" "$1/summary.txt" 2>/dev/null | tail -1; }
check_umount() { # run-dir -> rc
    local u; u=$(summary_value "$1" umount_rc)
    [ "$u" = 0 ] || { echo "guest-tests: the guest's umount returned '${u:-none}' in $1" >&2; return 1; }
}

run_smoke() {
    "$HERE/vm-run.sh" -o "$OUT/smoke" -t 300 --no-fio -w "$HERE/workloads/smoke.sh" \
        -b "exec $SERVE --socket-path \"\$SOCK\"" > "$OUT/smoke.out" 2> "$OUT/smoke.err"
    local rc=$?
    [ $rc -eq 0 ] && { check_umount "$OUT/smoke" || rc=1; }
    tail -n 1 "$OUT/smoke.out"
    return $rc
}

run_stress() {
    "$HERE/vm-run.sh" -o "$OUT/stress" -t 600 --no-fio -w "$HERE/workloads/stress.sh" \
        -b "exec $SERVE --socket-path \"\$SOCK\" --thread-pool-size 4" > "$OUT/stress.out" 2> "$OUT/stress.err"
    local rc=$?
    [ $rc -eq 0 ] && { check_umount "$OUT/stress" || rc=1; }
    tail -n 1 "$OUT/stress.out"
    return $rc
}

run_lifecycle() {
    local dir="$OUT/lifecycle" sock pid rc=0 token
    mkdir -p "$dir"
    sock="$dir/daemon.sock"
    token="token-$$-$RANDOM"
    # shellcheck disable=SC2086
    setsid $SERVE --socket-path "$sock" > "$dir/daemon.log" 2>&1 < /dev/null &
    pid=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || { echo "guest-tests: the daemon did not create $sock" >&2; kill "$pid" 2>/dev/null; return 1; }
    # vm-run.sh waits for $SOCK: point it at the running daemon; its backend is only a placeholder.
    local backend="ln -s '$sock' \"\$SOCK\" && exec sleep 3600"
    "$HERE/vm-run.sh" -o "$dir/guest1" -t 300 --no-fio -w "$HERE/workloads/persist-write.sh" \
        -e "PERSIST_TOKEN=$token" -b "$backend" > "$dir/guest1.out" 2> "$dir/guest1.err" || rc=1
    [ $rc -eq 0 ] && { check_umount "$dir/guest1" || rc=1; }
    kill -0 "$pid" 2>/dev/null || { echo "guest-tests: the daemon died after the first guest" >&2; rc=1; }
    if [ $rc -eq 0 ]; then
        "$HERE/vm-run.sh" -o "$dir/guest2" -t 300 --no-fio -w "$HERE/workloads/persist-check.sh" \
            -e "PERSIST_TOKEN=$token" -b "$backend" > "$dir/guest2.out" 2> "$dir/guest2.err" || rc=1
        [ $rc -eq 0 ] && { check_umount "$dir/guest2" || rc=1; }
        kill -0 "$pid" 2>/dev/null || { echo "guest-tests: the daemon died after the second guest" >&2; rc=1; }
    fi
    kill -TERM "$pid" 2>/dev/null
    local exited=1
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || { exited=0; break; }; sleep 0.1; done
    if [ $exited -ne 0 ]; then
        echo "guest-tests: the daemon did not exit on SIGTERM" >&2; kill -KILL "$pid" 2>/dev/null; rc=1
    else
        wait "$pid"; local drc=$?
        [ $drc -eq 0 ] || { echo "guest-tests: the daemon exited $drc on SIGTERM" >&2; rc=1; }
        [ -e "$sock" ] && { echo "guest-tests: the daemon left its socket behind" >&2; rc=1; }
    fi
    cat "$dir/guest1.out" "$dir/guest2.out" 2>/dev/null | grep -E '^(PASS|FAIL)'
    return $rc
}

run_s3() {
    local dir="$OUT/s3" rc=0 bucket serve
    mkdir -p "$dir"
    if [ -z "${VFJ_S3_ENDPOINT:-}" ] || [ -z "${VFJ_CEPH_DIR:-}" ]; then
        local root=${VFJ_TRIXIE_ROOT:-/var/cache/virtiofs-java/trixie}
        if [ ! -x "$root/usr/bin/radosgw" ] || [ "$(id -u)" != 0 ]; then
            if [ "${CI:-}" = true ]; then
                echo "guest-tests: Ceph is not installed in $root (harness/ceph/ceph.sh install) or not root" >&2
                return 1
            fi
            echo "guest-tests: SKIP s3: Ceph is not installed in $root (harness/ceph/ceph.sh install as root)"
            return 0
        fi
        # A cluster for this test alone, stopped when it ends.
        GUEST_TESTS_OUT="$dir/inner" "$HERE/ceph/ceph.sh" with "$dir/ceph" "$HERE/guest-tests.sh" s3
        return $?
    fi
    bucket=vfj-guest-$$
    "$ROOT/bin/virtiofs" s3 mb "$bucket" || return 1
    serve="exec $ROOT/bin/virtiofs serve --log-level info --socket-path \"\$SOCK\" --s3-endpoint $VFJ_S3_ENDPOINT --s3-bucket $bucket --s3-spill-dir $dir/spill"
    "$HERE/vm-run.sh" -o "$dir/write" -t 1500 --no-fio -w "$HERE/workloads/s3-tree.sh" -e S3TREE=write -e "S3TREE_BIG_MIB=${S3TREE_BIG_MIB:-1024}" \
        -c "S3TREE_BUCKET=$bucket $HERE/workloads/s3-tree-check.sh" -b "$serve" > "$dir/write.out" 2> "$dir/write.err" || rc=1
    [ $rc -eq 0 ] && { check_umount "$dir/write" || rc=1; }
    grep -E '^(PASS|FAIL|RESULT)' "$dir/write/result.txt" "$dir/write/check.log" 2>/dev/null | sed 's/^[^:]*://'
    if [ $rc -eq 0 ]; then
        printf 'put through the S3 API' > "$dir/from-host"
        "$ROOT/bin/virtiofs" s3 put "$bucket" api-put/from-host "$dir/from-host" || rc=1
        "$HERE/vm-run.sh" -o "$dir/delete" -t 600 --no-fio -w "$HERE/workloads/s3-tree.sh" -e S3TREE=delete \
            -b "$serve" > "$dir/delete.out" 2> "$dir/delete.err" || rc=1
        [ $rc -eq 0 ] && { check_umount "$dir/delete" || rc=1; }
        grep -E '^(PASS|FAIL)' "$dir/delete/result.txt" 2>/dev/null
        local left
        left=$("$ROOT/bin/virtiofs" s3 md5 "$bucket" tree/ | wc -l)
        [ "$left" = 0 ] || { echo "guest-tests: $left tree/ objects left in the bucket after the guest deleted them" >&2; rc=1; }
    fi
    "$ROOT/bin/virtiofs" s3 rb "$bucket" > /dev/null 2>&1 || true
    return $rc
}

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(smoke stress lifecycle s3)
for t in "${tests[@]}"; do
    case "$t" in
        smoke|stress|lifecycle|s3) start=$(date +%s); "run_$t"; rc=$?; result "$t" $rc; echo "guest-tests: $t took $(( $(date +%s) - start ))s" ;;
        *) echo "guest-tests: unknown test $t" >&2; exit 2 ;;
    esac
done
echo "guest-tests: $(( ${#tests[@]} - fails ))/${#tests[@]} passed; logs in $OUT"
[ $fails -eq 0 ]
