#!/usr/bin/env bash
# compare.sh: the harness's perf workload against our back-end and the reference back-end in ONE
# session, interleaved (ours, reference, ours, reference, ...) so that a neighbour's load hits
# both alike; prints a markdown table of the medians side by side, with each side's range and a
# verdict per row.
#
# usage: compare.sh [-n RUNS] [-o OUTDIR] [--shared] [-- extra vm-run.sh args, e.g. -e PERF_SIZE=256m]
#        compare.sh --table OUTDIR     the table of an earlier comparison again, from its files
#   ours:      bin/virtiofs serve (memfs); SERVE_OPTS adds options (e.g. --thread-pool-size 2);
#              with --shared, serve --shared-dir over a tmpfs directory as the reference's, plus
#              $COMPARE_OURS_ARGS (e.g. "--cache never" against VIRTIOFSD_OPTS="-o cache=none")
#   reference: harness/backends/virtiofsd.sh (the Rust virtiofsd 1.14 from the trixie root, with
#              the options that match ours) over a tmpfs directory; REFERENCE=c takes QEMU 7.2's C
#              virtiofsd instead (harness/backends/qemu-virtiofsd.sh)
# The stack, kernel, vCPUs and queues are vm-run.sh's options after --, e.g.
#   compare.sh -n 3 -- --kernel-version 7.3 --smp 4 --num-request-queues 4 -e PERF_SIZE=256m
# The reference serves one request queue: with --num-request-queues N, ours gets N and the
# reference's guest a device of one.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=3 OUT= TABLE_ONLY= SHARED_DIR=
while [ $# -gt 0 ]; do
    case "$1" in
        --shared) SHARED_DIR=1; shift ;;
        -n) N=$2; shift 2 ;;
        -o) OUT=$2; shift 2 ;;
        --table) OUT=$2; TABLE_ONLY=1; shift 2 ;;
        --) shift; break ;;
        *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
OUT=${OUT:-${VMH_HOME:-/tmp/vmh}/compare/$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$OUT"
SHARE=/dev/shm/vmh-compare-$$
ours="exec '$ROOT/bin/virtiofs' serve --socket-path \"\$SOCK\" --num-request-queues \"\$NUM_REQUEST_QUEUES\" --log-level warn ${SERVE_OPTS:-}"
case "${REFERENCE:-rust}" in
    rust) reference_backend=$HERE/backends/virtiofsd.sh
          reference_name="reference ($("$HERE/stack/root.sh" exec /usr/libexec/virtiofsd --version 2>/dev/null | head -1 || echo virtiofsd), tmpfs)" ;;
    c) reference_backend=$HERE/backends/qemu-virtiofsd.sh; reference_name="reference (C virtiofsd, tmpfs)" ;;
    *) echo "compare.sh: REFERENCE is rust or c" >&2; exit 2 ;;
esac
# The vm-run.sh arguments for each side: the reference's guest gets one request queue.
ours_args=("$@")
reference_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --num-request-queues) reference_args+=("$1" 1); shift 2 ;;
        *) reference_args+=("$1"); shift ;;
    esac
done
[ -n "$SHARED_DIR" ] && ours="$ours --shared-dir \"\$SHARED\" ${COMPARE_OURS_ARGS:-}"
ours_label=$([ -n "$SHARED_DIR" ] && echo "ours (passthrough, tmpfs)" || echo "ours (memfs)")
fails=0
[ -n "$TABLE_ONLY" ] && N=0

# The guest's elapsed time for the workload (perf.sh prints it) over the host's (vm-run.sh's
# summary); nothing when either is missing. 0.99-1.00 normally (the host's includes unmounting).
clock_ratio() {
    local guest host
    guest=$(sed -n 's/.*perf: guest_elapsed_s=\([0-9.]*\).*/\1/p' "$1.out" | tail -1)
    host=$(sed -n 's/^workload_s=\([0-9.]*\)$/\1/p' "$1/summary.txt" 2>/dev/null | tail -1)
    [ -n "$guest" ] && [ -n "$host" ] && awk -v g="$guest" -v h="$host" 'BEGIN { if (h > 0) printf "%.2f", g / h }'
}
for i in $(seq "$N"); do
    for side in ours reference; do
        if [ $side = ours ] && [ -z "$SHARED_DIR" ]; then backend=$ours; share_args=("${ours_args[@]}")
        elif [ $side = ours ]; then rm -rf "$SHARE"; mkdir -p "$SHARE"; backend=$ours; share_args=(-s "$SHARE" "${ours_args[@]}"); else
            rm -rf "$SHARE"; mkdir -p "$SHARE"; backend=$reference_backend; share_args=(-s "$SHARE" "${reference_args[@]}"); fi
        for attempt in 1 2; do
            echo "compare: run $i/$N $side (load $(cut -d' ' -f1 /proc/loadavg))" >&2
            rm -rf "${OUT:?}/$side$i"
            if ! "$HERE/vm-run.sh" -o "$OUT/$side$i" -t 1800 -w "$HERE/workloads/perf.sh" -b "$backend" \
                    "${share_args[@]}" > "$OUT/$side$i.out" 2> "$OUT/$side$i.err"; then
                echo "compare: run $i $side FAILED (see $OUT/$side$i.err)" >&2; fails=$((fails + 1)); break
            fi
            # The guest's clock against the host's over the workload: every rate comes from the
            # guest's clock, so a run whose clock ran off is measured again (once).
            ratio=$(clock_ratio "$OUT/$side$i")
            if [ -n "$ratio" ] && awk -v r="$ratio" 'BEGIN { exit !(r > 1.05 || r < 0.90) }'; then
                echo "compare: run $i $side: the guest's clock ran at $ratio of the host's; measuring again" >&2
                mv "$OUT/$side$i.out" "$OUT/clock-off-$side$i-$attempt.out"
                continue
            fi
            break
        done
    done
done
rm -rf "$SHARE"

# Every run's value per metric per side, sorted: "group/name/metric v1 v2 ..."
values() {
    for f in "$OUT/$1"[0-9]*.out; do grep '^RESULT ' "$f"; done | awk '
    { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[2] ~ /^-?[0-9.]+$/ && kv[1] != "n" && kv[1] != "err") v[$2 "/" $3 "/" kv[1]] = v[$2 "/" $3 "/" kv[1]] " " kv[2] } }
    END { for (k in v) { n = split(v[k], a, " "); for (i = 2; i <= n; i++) { t = a[i]; j = i - 1; while (j > 0 && a[j] + 0 > t + 0) { a[j + 1] = a[j]; j-- } a[j + 1] = t }
          line = k; for (i = 1; i <= n; i++) line = line " " a[i]; print line } }' | sort
}
values ours > "$OUT/ours.values"
[ -z "$TABLE_ONLY" ] && echo "$ours_label" > "$OUT/ours.label"
values reference > "$OUT/reference.values"
# The table: medians, each side's range, their ratio, and a verdict: better or worse only when
# the two ranges do not overlap (every run of one side beats every run of the other), else level.
# Two equal back-ends get ranges apart by chance with probability 2/C(2N,N) (a Mann-Whitney U of
# 0): 10 % for N=3, 0.8 % for N=5.
{
    [ -f "$OUT/ours.label" ] && ours_label=$(cat "$OUT/ours.label")
    echo "| workload | metric | ${ours_label:-ours (memfs)} | range | ${reference_name:-reference} | range | ours/reference | verdict |"
    echo "|---|---|---|---|---|---|---|---|"
    join <(sed 's/ /|/2g' "$OUT/ours.values") <(sed 's/ /|/2g' "$OUT/reference.values") |
    awk '
    function median(a, n) { return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { split($1, k, "/"); n = split($2, o, "|"); m = split($3, r, "|")
      lower = (k[3] ~ /clat|us_per_op/)   # lower is better for latencies and times
      mo = median(o, n); mr = median(r, m)
      if (lower ? o[n] + 0 < r[1] + 0 : o[1] + 0 > r[m] + 0) verdict = "better"
      else if (lower ? o[1] + 0 > r[m] + 0 : o[n] + 0 < r[1] + 0) verdict = "worse"
      else verdict = "level"
      printf "| %s %s | %s | %s | %s-%s | %s | %s-%s | %.2f | %s |\n", k[1], k[2], k[3], mo, o[1], o[n], mr, r[1], r[m], (mr > 0 ? mo / mr : 0), verdict }' |
    grep -E 'bw_MiBps|iops|clat_p50_us|us_per_op|ops_per_s' | grep -v 'md-c readdir.*ops_per_s'
} | tee "$OUT/table.md"
[ -n "$TABLE_ONLY" ] && exit 0
echo "compare: $((2 * N - fails))/$((2 * N)) runs ok; host load now $(cut -d' ' -f1-3 /proc/loadavg); files in $OUT" >&2
[ $fails -eq 0 ]
