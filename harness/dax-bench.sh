#!/usr/bin/env bash
# dax-bench.sh: BENCHMARKS.md's DAX table. Runs workloads/dax-bench.sh (sequential 1 MiB reads,
# 4 KiB random reads at depth 1, a memory-mapped file read page by page, cold then warm) in turns
# against: our serve with a DAX window and the guest mounting dax=always; our serve without a
# window (the guest reads and writes by requests); the reference virtiofsd 1.14 (no DAX). The
# first two use QEMU 11.1's generic vhost-user-test-device-pci (the only QEMU device with a
# cache window), the reference vhost-user-fs-pci. Prints each run's RESULT lines and a table of
# medians.
# usage: harness/dax-bench.sh [-n ROUNDS] [-- vm-run options]
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ROUNDS=3
[ "${1:-}" = -n ] && { ROUNDS=$2; shift 2; }
[ "${1:-}" = -- ] && shift
OUT=${DAXB_OUT:-/tmp/vmh/dax-bench-$$}
CACHE=${DAXB_CACHE:-1G}
mkdir -p "$OUT"
SERVE="exec $ROOT/bin/virtiofs serve --socket-path \"\$SOCK\" --num-request-queues 1"
run() { # name vm-run-args...
    local name=$1 dir; shift
    dir="$OUT/$name-$round"
    "$HERE/vm-run.sh" -o "$dir" -t 900 -w "$HERE/workloads/dax-bench.sh" "$@" > "$dir.out" 2>&1 ||
        echo "dax-bench: $name round $round failed (rc $?; $dir)" >&2
    grep '^RESULT' "$dir/result.txt" 2>/dev/null | sed "s/^/$name /" | tee -a "$OUT/results.txt"
}
for round in $(seq 1 "$ROUNDS"); do
    run always --device generic --num-request-queues 1 --mount-opts dax=always -b "$SERVE --cache-size $CACHE" "$@"
    run never --device generic --num-request-queues 1 -b "$SERVE" "$@"
    run virtiofsd -b "$HERE/backends/virtiofsd.sh" "$@"
done
echo
echo "| row | unit | dax=always (ours) | dax=never (ours) | virtiofsd 1.14 |"
echo "|---|---|---|---|---|"
for row in seqread randread4k mmap_pages mmap_pages_warm; do
    line="| $row | MiB/s"
    for cfg in always never virtiofsd; do
        med=$(awk -v c="$cfg" -v r="$row" '$1==c && $4==r { for (i=5;i<=NF;i++) if ($i ~ /^mib_s=/) { sub("mib_s=","",$i); print $i } }' \
              "$OUT/results.txt" | sort -n | awk '{a[NR]=$1} END { if (NR) print a[int((NR+1)/2)]; else print "-" }')
        line="$line | $med"
    done
    echo "$line |"
done
echo "(medians of $ROUNDS runs each; raw lines in $OUT/results.txt)"
