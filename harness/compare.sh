#!/usr/bin/env bash
# compare.sh: the harness's perf workload against our back-end and the reference back-end in ONE
# session, interleaved (ours, reference, ours, reference, ...) so that a neighbour's load hits
# both alike; prints a markdown table of the medians side by side.
#
# usage: compare.sh [-n RUNS] [-o OUTDIR] [-- extra vm-run.sh args, e.g. -e PERF_SIZE=256m]
#   ours:      bin/virtiofs serve (memfs)
#   reference: harness/backends/qemu-virtiofsd.sh (Debian's C virtiofsd) over a tmpfs directory
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=3 OUT=
while [ $# -gt 0 ]; do
    case "$1" in
        -n) N=$2; shift 2 ;;
        -o) OUT=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
OUT=${OUT:-${VMH_HOME:-/tmp/vmh}/compare/$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$OUT"
SHARE=/dev/shm/vmh-compare-$$
ours="exec '$ROOT/bin/virtiofs' serve --socket-path \"\$SOCK\" --log-level warn"
fails=0
for i in $(seq "$N"); do
    for side in ours reference; do
        if [ $side = ours ]; then backend=$ours; share_args=(); else
            rm -rf "$SHARE"; mkdir -p "$SHARE"; backend="$HERE/backends/qemu-virtiofsd.sh"; share_args=(-s "$SHARE"); fi
        echo "compare: run $i/$N $side (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        if ! "$HERE/vm-run.sh" -o "$OUT/$side$i" -t 1800 -w "$HERE/workloads/perf.sh" -b "$backend" \
                "${share_args[@]}" "$@" > "$OUT/$side$i.out" 2> "$OUT/$side$i.err"; then
            echo "compare: run $i $side FAILED (see $OUT/$side$i.err)" >&2; fails=$((fails + 1))
        fi
    done
done
rm -rf "$SHARE"

# median per metric per side
table() { # side -> "group name metric value" lines (median over runs)
    for f in "$OUT/$1"[0-9]*.out; do grep '^RESULT ' "$f"; done | awk '
    { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[2] ~ /^-?[0-9.]+$/ && kv[1] != "n" && kv[1] != "err") v[$2 " " $3 " " kv[1]] = v[$2 " " $3 " " kv[1]] " " kv[2] } }
    END { for (k in v) { n = split(v[k], a, " "); for (i = 2; i <= n; i++) { t = a[i]; j = i - 1; while (j > 0 && a[j] + 0 > t + 0) { a[j + 1] = a[j]; j-- } a[j + 1] = t }
          m = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2; print k, m } }'
}
table ours | sort > "$OUT/ours.median"
table reference | sort > "$OUT/reference.median"
{
    echo "| workload | metric | ours (memfs) | reference (C virtiofsd, tmpfs) | ours/reference |"
    echo "|---|---|---|---|---|"
    join <(awk '{print $1"/"$2"/"$3, $4}' "$OUT/ours.median" | sort) \
         <(awk '{print $1"/"$2"/"$3, $4}' "$OUT/reference.median" | sort) |
    awk '{ split($1, k, "/"); r = ($3 > 0) ? $2 / $3 : 0;
           printf "| %s %s | %s | %s | %s | %.2f |\n", k[1], k[2], k[3], $2, $3, r }' |
    grep -E 'bw_MiBps|iops|clat_p50_us|us_per_op|ops_per_s' | grep -v 'md-c readdir.*ops_per_s'
} | tee "$OUT/table.md"
echo "compare: $((2 * N - fails))/$((2 * N)) runs ok; host load now $(cut -d' ' -f1-3 /proc/loadavg); files in $OUT" >&2
[ $fails -eq 0 ]
