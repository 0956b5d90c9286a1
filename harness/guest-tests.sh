#!/usr/bin/env bash
# guest-tests.sh: the real-guest tests of virtiofs-java, run by bin/test after the Maven build.
# Boots Linux guests under QEMU (vm-run.sh) against `bin/virtiofs serve` with memfs. The stack
# is QEMU 11.1 from harness/stack/root.sh's root with Debian's 6.12 and 7.3 guest kernels
# (harness/stack/kernel.sh), plus one smoke test on the old stack (the host's QEMU 7.2, a 6.1
# guest):
#   smoke, smoke-7     the functional smoke workload (6.12; 7.3)
#   stress, stress-7   many files, concurrent writers, a large file read back after dropping caches
#   protocol, protocol-7  the newer requests (statx, copy_file_range, fallocate, lseek, O_TMPFILE,
#                      renameat2, xattrs, locks, ...; harness/guest/fsops.c); the back-end's log
#                      must show the INIT each guest asked for and what was granted (7.45 to a
#                      7.46 guest), and STATX and COPY_FILE_RANGE(_64) served
#   multiqueue         a 7.3 guest with 2 vCPUs and 2 request queues: a request held in the file
#                      system on one queue (serve --test-gate) stops nothing on the other
#   generic            smoke through QEMU's generic vhost-user device (vhost-user-test-device-pci),
#                      whose configuration space (tag, queues) is ours
#   dax                a 7.3 guest mounts with -o dax=always through the generic device and
#                      `serve --cache-size 64M` (QEMU 11.1's vhost-user shared memory): mountinfo
#                      shows dax=always; WRITE, read() and mmap() agree; mmap stores reach memfs
#                      (a copy_file_range it performs carries them); truncation of a mapped file;
#                      a small fsx with mmap; a file larger than the window; and the back-end's
#                      counters show SETUPMAPPING and REMOVEMAPPING served without error
#                      (workloads/dax.sh, guest/daxcheck.c)
#   zip                a ZIP archive served read-only (serve --zip, the node layer's example):
#                      every file's sha256 and size, the directory tree, every change refused
#                      with EROFS
#   lifecycle          one daemon serves two guests in turn (QEMU quits, a new QEMU reconnects);
#                      the second guest finds what the first wrote; every guest unmounts cleanly;
#                      the daemon survives both and exits 0 on SIGTERM, removing its socket
#   smoke-bookworm     smoke on the old stack: QEMU 7.2 and a 6.1 guest
#   passthrough        `serve --shared-dir` (in its namespace sandbox when root): smoke with files
#                      the host wrote read in the guest and the guest's checked on the host;
#                      coherence with --cache never (a host agent answers the guest while it runs,
#                      both ways); stress
#   s3                 `serve --s3-bucket` against a real Ceph cluster (harness/ceph/ceph.sh): a
#                      guest writes a tree (200 files and one of 1 GiB), lists it and reads it back,
#                      checksums equal to the S3 API's; a second guest sees an object the host put
#                      through the API and deletes the tree
# Without the stack (harness/setup.sh installs it) the tests are skipped, or fail when CI=true.
# usage: guest-tests.sh [TEST ...]   (default: all)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${GUEST_TESTS_OUT:-/tmp/vmh/guest-tests/$(date +%Y%m%d-%H%M%S)-$$}
SERVE=${GUEST_TESTS_SERVE:-"$ROOT/bin/virtiofs serve --log-level info"}
ALL=(smoke smoke-7 stress stress-7 protocol protocol-7 multiqueue generic dax zip lifecycle smoke-bookworm passthrough s3)
mkdir -p "$OUT"

missing() { # what the stack lacks, one line each
    local sroot
    sroot=$("$HERE/stack/root.sh" path)
    [ -x "$sroot/usr/bin/qemu-system-x86_64" ] || echo "QEMU 11.1 in the trixie root $sroot"
    "$HERE/stack/kernel.sh" dir 6.12 >/dev/null 2>&1 || echo "the 6.12 guest kernel"
    "$HERE/stack/kernel.sh" dir 7.3 >/dev/null 2>&1 || echo "the 7.3 guest kernel"
    "$HERE/stack/kernel.sh" dir 6.1 >/dev/null 2>&1 || echo "the 6.1 guest kernel"
    command -v qemu-system-x86_64 >/dev/null || echo "the host's QEMU 7.2"
}
lacking=$(missing)
if [ -n "$lacking" ]; then
    if [ "${CI:-}" = true ]; then
        echo "guest-tests: FAIL: the guest stack is incomplete (run harness/setup.sh as root): $(echo $lacking | tr '\n' ';')" >&2
        exit 1
    fi
    echo "guest-tests: SKIP: the guest stack is incomplete (run harness/setup.sh as root to install it):"
    echo "$lacking" | sed 's/^/  missing: /'
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

# One guest: name, then vm-run.sh arguments. Passes when the workload does and the guest unmounts.
guest() {
    local name=$1; shift
    "$HERE/vm-run.sh" -o "$OUT/$name" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"
    local rc=$?
    [ $rc -eq 0 ] && { check_umount "$OUT/$name" || rc=1; }
    tail -n 1 "$OUT/$name.out"
    return $rc
}

run_smoke() { # [name kernel [stack]]
    local name=${1:-smoke} kernel=${2:-6.12} stack=${3:-trixie}
    guest "$name" --stack "$stack" --kernel-version "$kernel" -t 300 --no-fio -w "$HERE/workloads/smoke.sh" \
        -b "exec $SERVE --socket-path \"\$SOCK\""
}
run_smoke-7() { run_smoke smoke-7 7.3; }
run_smoke-bookworm() { run_smoke smoke-bookworm 6.1 bookworm; }

run_stress() { # [name kernel]
    local name=${1:-stress} kernel=${2:-6.12}
    guest "$name" --kernel-version "$kernel" -t 600 --no-fio -w "$HERE/workloads/stress.sh" \
        -b "exec $SERVE --socket-path \"\$SOCK\" --thread-pool-size 4"
}
run_stress-7() { run_stress stress-7 7.3; }

# The INIT record and the requests served, from the back-end's log: the guest's protocol version,
# the answer, and the newer requests.
check_protocol_log() { # log expected-answer expected-driver copy-opcode
    local log=$1 answer=$2 driver=$3 copy=$4 started served rc=0
    started=$(grep -m1 'FUSE session started' "$log")
    served=$(grep -m1 'requests served' "$log")
    echo "guest-tests: INIT: ${started#*info] }"
    echo "guest-tests: $(sed -n 's/^  accepted: /accepted: /p' "$log" | head -1)"
    case "$started" in
        *"FUSE $answer (driver $driver)"*) ;;
        *) echo "guest-tests: want 'FUSE $answer (driver $driver)' in the INIT record: $started" >&2; rc=1 ;;
    esac
    for op in STATX "$copy" FALLOCATE LSEEK TMPFILE RENAME2 SETXATTR LISTXATTR REMOVEXATTR GETLK SYNCFS; do
        grep -q "[ ,]$op [0-9]" <<<"$served" || { echo "guest-tests: no $op in: $served" >&2; rc=1; }
    done
    return $rc
}
run_protocol() { # [name kernel answer driver copy-opcode]
    local name=${1:-protocol} kernel=${2:-6.12} answer=${3:-7.41} driver=${4:-7.41} copy=${5:-COPY_FILE_RANGE}
    guest "$name" --kernel-version "$kernel" -t 300 --no-fio -w "$HERE/workloads/protocol.sh" \
        -b "exec $SERVE --socket-path \"\$SOCK\"" || return 1
    check_protocol_log "$OUT/$name/backend.log" "$answer" "$driver" "$copy"
}
run_protocol-7() { run_protocol protocol-7 7.3 7.45 7.46 COPY_FILE_RANGE_64; }

run_multiqueue() {
    guest multiqueue --kernel-version 7.3 --smp 2 --num-request-queues 2 -t 300 --no-fio \
        -w "$HERE/workloads/multiqueue.sh" \
        -b "exec $SERVE --socket-path \"\$SOCK\" --num-request-queues \"\$NUM_REQUEST_QUEUES\" --test-gate 60" || return 1
    # The back-end's side: the hold was released by the other queue's thread, not by its timeout.
    local held
    held=$(grep -m1 'test gate: .gate-hold' "$OUT/multiqueue/backend.log")
    echo "guest-tests: ${held#*] }"
    [[ "$held" =~ held\ [0-9.]+\ s\ on\ (virtiofs-[^ ]*-q[0-9]+),\ released\ by\ a\ LOOKUP\ of\ \.gate-open\ on\ (virtiofs-[^ ]*-q[0-9]+) ]] ||
        { echo "guest-tests: the hold was not released by a lookup on another queue" >&2; return 1; }
    [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ] ||
        { echo "guest-tests: the hold and its release ran on the same queue" >&2; return 1; }
}

run_generic() {
    guest generic --kernel-version 7.3 --device generic --num-request-queues 2 -t 300 --no-fio \
        -w "$HERE/workloads/smoke.sh" \
        -b "exec $SERVE --socket-path \"\$SOCK\" --num-request-queues \"\$NUM_REQUEST_QUEUES\""
}

# The DAX window: the workload's checks, then the back-end's counters (printed by serve at exit),
# so the test cannot pass by the guest falling back to READ and WRITE.
run_dax() {
    guest dax --kernel-version 7.3 --device generic --num-request-queues 1 -t 900 --no-fio \
        --mount-opts dax=always -e DAX_SEED="${DAX_SEED:-$RANDOM}" -w "$HERE/workloads/dax.sh" \
        -b "exec $SERVE --socket-path \"\$SOCK\" --num-request-queues \"\$NUM_REQUEST_QUEUES\" --cache-size 64M" ||
        return 1
    local counters
    counters=$(grep -m1 '^virtiofs: dax ' "$OUT/dax/backend.log")
    echo "guest-tests: ${counters#virtiofs: }"
    [[ "$counters" =~ setupmapping=([0-9]+)\ removemapping=([0-9]+)\ setupmapping_errors=([0-9]+).*failures=([0-9]+) ]] ||
        { echo "guest-tests: no DAX counters in the back-end's log" >&2; return 1; }
    [ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] ||
        { echo "guest-tests: the guest set up or removed no mapping: it fell back to READ/WRITE" >&2; return 1; }
    [ "${BASH_REMATCH[3]}" -eq 0 ] && [ "${BASH_REMATCH[4]}" -eq 0 ] ||
        { echo "guest-tests: mappings failed" >&2; return 1; }
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
        "$HERE/vm-run.sh" -o "$dir/guest2" -t 300 --no-fio --kernel-version 7.3 -w "$HERE/workloads/persist-check.sh" \
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

run_passthrough() {
    local rc=0 serve="exec $SERVE --socket-path \"\$SOCK\" --shared-dir \"\$SHARED\""
    "$HERE/vm-run.sh" -o "$OUT/passthrough-smoke" -t 300 --no-fio -w "$HERE/workloads/smoke.sh" \
        -p "$HERE/workloads/smoke-prepare.sh" -c "$HERE/workloads/smoke-check.sh" \
        -b "$serve" > "$OUT/passthrough-smoke.out" 2> "$OUT/passthrough-smoke.err" || rc=1
    [ $rc -eq 0 ] && { check_umount "$OUT/passthrough-smoke" || rc=1; }
    "$HERE/vm-run.sh" -o "$OUT/passthrough-coherence" -t 300 --no-fio -w "$HERE/workloads/coherence.sh" \
        -p "$HERE/workloads/coherence-host.sh" -c "$HERE/workloads/coherence-check.sh" \
        -b "$serve --cache never" > "$OUT/passthrough-coherence.out" 2> "$OUT/passthrough-coherence.err" || rc=1
    [ -f "$OUT/passthrough-coherence/coherence-agent.pid" ] && kill "$(cat "$OUT/passthrough-coherence/coherence-agent.pid")" 2>/dev/null
    "$HERE/vm-run.sh" -o "$OUT/passthrough-stress" -t 600 --no-fio -w "$HERE/workloads/stress.sh" \
        -b "$serve --thread-pool-size 4" > "$OUT/passthrough-stress.out" 2> "$OUT/passthrough-stress.err" || rc=1
    [ $rc -eq 0 ] && { check_umount "$OUT/passthrough-stress" || rc=1; }
    for part in smoke coherence stress; do echo "passthrough-$part: $(tail -n 1 "$OUT/passthrough-$part.out")"; done
    return $rc
}

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("${ALL[@]}")
for t in "${tests[@]}"; do
    if [[ " ${ALL[*]} " == *" $t "* ]]; then
        start=$(date +%s); "run_$t"; rc=$?; result "$t" $rc; echo "guest-tests: $t took $(( $(date +%s) - start ))s"
    else
        echo "guest-tests: unknown test $t (${ALL[*]})" >&2; exit 2
    fi
done
echo "guest-tests: $(( ${#tests[@]} - fails ))/${#tests[@]} passed; logs in $OUT"
[ $fails -eq 0 ]
