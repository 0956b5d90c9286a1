#!/usr/bin/env bash
# guest-tests.sh: the real-guest tests of virtiofs-java, run by bin/test after the Maven build.
# Boots Linux guests under QEMU (vm-run.sh) against `bin/virtiofs serve` with memfs:
#   smoke      the functional smoke workload (35 checks)
#   stress     many files, concurrent writers, a large file read back after dropping caches
#   zip        a ZIP archive served read-only (serve --zip, the node layer's example): every
#              file's sha256 and size, the directory tree, every change refused with EROFS
#   lifecycle  one daemon serves two guests in turn (QEMU quits, a new QEMU reconnects); the
#              second guest finds what the first wrote; every guest unmounts cleanly; the
#              daemon survives both and exits 0 on SIGTERM, removing its socket
# Without QEMU (harness/setup.sh installs it) the tests are skipped, or fail when CI=true.
# usage: guest-tests.sh [smoke|stress|zip|lifecycle ...]   (default: all)
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

run_zip() {
    local dir="$OUT/zip" tree jdk
    tree="$dir/tree"
    mkdir -p "$tree/docs/nested" "$tree/data/empty-dir"
    jdk=$("$ROOT/bin/jdk25") || return 1
    head -c 5000000 /dev/urandom > "$tree/data/random.bin"
    seq 1 300000 > "$tree/docs/numbers.txt"
    printf 'hello from a zip\n' > "$tree/docs/nested/hello.txt"
    : > "$tree/data/empty.txt"
    (cd "$tree" && find . -type f | sort > ../files && xargs sha256sum < ../files > MANIFEST.sha256 \
        && xargs stat -c '%s %n' < ../files > MANIFEST.sizes)
    "$jdk/bin/jar" --create --no-manifest --file "$dir/test.zip" -C "$tree" . || return 1
    local files dirs
    files=$(find "$tree" -type f | wc -l)
    dirs=$(find "$tree" -type d | wc -l)
    "$HERE/vm-run.sh" -o "$dir/guest" -t 300 --no-fio -w "$HERE/workloads/zip-check.sh" \
        -e "ZIP_FILES=$files" -e "ZIP_DIRS=$dirs" \
        -b "exec $SERVE --socket-path \"\$SOCK\" --zip '$dir/test.zip'" > "$dir/guest.out" 2> "$dir/guest.err"
    local rc=$?
    [ $rc -eq 0 ] && { check_umount "$dir/guest" || rc=1; }
    tail -n 1 "$dir/guest.out"
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

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(smoke stress zip lifecycle)
for t in "${tests[@]}"; do
    case "$t" in
        smoke|stress|zip|lifecycle) start=$(date +%s); "run_$t"; rc=$?; result "$t" $rc; echo "guest-tests: $t took $(( $(date +%s) - start ))s" ;;
        *) echo "guest-tests: unknown test $t" >&2; exit 2 ;;
    esac
done
echo "guest-tests: $(( ${#tests[@]} - fails ))/${#tests[@]} passed; logs in $OUT"
[ $fails -eq 0 ]
