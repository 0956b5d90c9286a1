#!/usr/bin/env bash
# queues.sh: how our back-end scales with request queues, beside the reference. For each guest size
# (vCPUs) it runs workloads/scale.sh (one fio job and one metadata loop per vCPU, each pinned to its
# vCPU) against `virtiofs serve` with 1, 2, 4 request queues and against the Rust virtiofsd (which
# serves one), in turns (ours q1, ours q2, ours q4, reference, then again for the next run), and
# prints one markdown table per guest size: the median of each metric per column, and the share of
# the host CPU the back-end used over the workload (back-end CPU / (back-end + QEMU); under TCG
# QEMU's emulation dominates). Guests: QEMU 11.1, Linux 7.3 (the stack's newest), TCG.
#
# usage: queues.sh [-n RUNS] [-o OUTDIR] [--smp "1 2 4"] [--queues "1 2 4"] [-- vm-run.sh args]
#        queues.sh --table OUTDIR        the tables of an earlier run again
# Sizes are scale.sh's (-- -e SCALE_SIZE=64m -e SCALE_RUNTIME=5 -e SCALE_MD_FILES=2000 per vCPU,
# its defaults); a table of one run per cell took 24 minutes on the 2-core TCG machine at load 11-28.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=1 OUT= TABLE_ONLY= SMPS="1 2 4" QUEUES="1 2 4"
while [ $# -gt 0 ]; do
    case "$1" in
        -n) N=$2; shift 2 ;;
        -o) OUT=$2; shift 2 ;;
        --smp) SMPS=$2; shift 2 ;;
        --queues) QUEUES=$2; shift 2 ;;
        --table) OUT=$2; TABLE_ONLY=1; shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "queues.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
OUT=${OUT:-${VMH_HOME:-/tmp/vmh}/queues/$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$OUT"
SHARE=/dev/shm/vmh-queues-$$
ours="exec '$ROOT/bin/virtiofs' serve --socket-path \"\$SOCK\" --num-request-queues \"\$NUM_REQUEST_QUEUES\" --log-level warn ${SERVE_OPTS:-}"
fails=0

# The guest's elapsed time for the workload (scale.sh prints it) over the host's; empty if unknown.
clock_ratio() {
    local guest host
    guest=$(sed -n 's/.*perf: guest_elapsed_s=\([0-9.]*\).*/\1/p' "$1.out" | tail -1)
    host=$(sed -n 's/^workload_s=\([0-9.]*\)$/\1/p' "$1/summary.txt" 2>/dev/null | tail -1)
    [ -n "$guest" ] && [ -n "$host" ] && awk -v g="$guest" -v h="$host" 'BEGIN { if (h > 0) printf "%.2f", g / h }'
}

if [ -z "$TABLE_ONLY" ]; then
    echo "queues: $(date -u +%FT%TZ) smp '$SMPS' queues '$QUEUES' runs $N, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/about.txt" >&2
    for i in $(seq "$N"); do
        for smp in $SMPS; do
            for col in $(for q in $QUEUES; do echo "q$q"; done) ref; do
                name=smp$smp-$col-$i
                if [ "$col" = ref ]; then
                    rm -rf "$SHARE"; mkdir -p "$SHARE"
                    args=(-b "$HERE/backends/virtiofsd.sh" -s "$SHARE" --num-request-queues 1)
                else
                    args=(-b "$ours" --num-request-queues "${col#q}")
                fi
                for attempt in 1 2; do
                    echo "queues: run $i/$N smp $smp $col (load $(cut -d' ' -f1 /proc/loadavg))" >&2
                    rm -rf "${OUT:?}/$name"
                    if ! "$HERE/vm-run.sh" -o "$OUT/$name" -t 1800 --smp "$smp" --kernel-version 7.3 \
                            -w "$HERE/workloads/scale.sh" "${args[@]}" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"; then
                        echo "queues: $name FAILED (see $OUT/$name.err)" >&2; fails=$((fails + 1))
                        mv "$OUT/$name.out" "$OUT/$name.failed"
                        break
                    fi
                    # Every rate comes from the guest's clock: a run whose clock ran off the host's
                    # (seen under heavy load: 4.8 times fast) is measured again, once.
                    ratio=$(clock_ratio "$OUT/$name")
                    if [ -n "$ratio" ] && awk -v r="$ratio" 'BEGIN { exit !(r > 1.05 || r < 0.90) }'; then
                        echo "queues: $name: the guest's clock ran at $ratio of the host's; measuring again" >&2
                        mv "$OUT/$name.out" "$OUT/clock-off-$name-$attempt.txt"
                        continue
                    fi
                    break
                done
            done
        done
    done
    rm -rf "$SHARE"
    echo "queues: done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/about.txt" >&2
fi

# The tables: one per guest size; a row per metric, a column per back-end configuration.
for smp in $(ls "$OUT" | sed -n 's/^smp\([0-9]*\)-.*\.out$/\1/p' | sort -un); do
    cols="$(ls "$OUT" | sed -n "s/^smp$smp-q\\([0-9]*\\)-[0-9]*\\.out\$/\\1/p" | sort -un | sed 's/^/q/' | tr '\n' ' ')"
    ls "$OUT" | grep -q "^smp$smp-ref-[0-9]*\\.out\$" && cols="$cols ref"
    echo
    echo "#### $smp vCPU(s)"
    echo
    {
        for col in $cols; do
            for f in "$OUT"/smp$smp-$col-*.out; do
                grep '^RESULT ' "$f" | awk -v c="$col" '{ for (i = 4; i <= NF; i++) { split($i, kv, "=");
                    if (kv[1] ~ /^(bw_MiBps|iops|ops_per_s)$/) print c, $2 " " $3 " " kv[1], kv[2] } }'
                d=${f%.out}
                s=$(sed -n 's/^backend_cpu_share=//p' "$d/summary.txt" 2>/dev/null)
                [ -n "$s" ] && echo "$col" "back-end CPU share" "$s"
            done
        done
    } | awk -v cols="$cols" '
        function median(list,   a, n, i, j, t) { n = split(list, a, " ")
            for (i = 2; i <= n; i++) { t = a[i]; j = i - 1; while (j > 0 && a[j] + 0 > t + 0) { a[j + 1] = a[j]; j-- } a[j + 1] = t }
            return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        { col = $1; v = $NF; $1 = ""; $NF = ""; key = substr($0, 2, length($0) - 2)
          if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
          vals[key, col] = vals[key, col] " " v }
        END {
            nc = split(cols, c, " ")
            head = "| workload | metric |"; sep = "|---|---|"
            for (i = 1; i <= nc; i++) {
                label = (c[i] == "ref") ? "reference (1 queue)" : "ours, " substr(c[i], 2) " queue" (substr(c[i], 2) == "1" ? "" : "s")
                head = head " " label " |"; sep = sep "---|" }
            best = (nc > 1) ? "best ours / reference |" : ""
            print head " " best; print sep (best != "" ? "---|" : "")
            for (k = 1; k <= nk; k++) {
                key = keys[k]; n = split(key, w, " ")
                metric = w[n]; name = w[1]; for (i = 2; i < n; i++) name = name " " w[i]
                if (key == "back-end CPU share") { name = "host CPU"; metric = "back-end share" }
                line = "| " name " | " metric " |"; top = 0; ref = ""
                for (i = 1; i <= nc; i++) {
                    if ((key, c[i]) in vals) { m = median(vals[key, c[i]]); line = line " " m " |"
                        if (c[i] == "ref") ref = m; else if (m + 0 > top) top = m }
                    else line = line " - |" }
                if (best != "") line = line ((ref + 0 > 0 && key != "back-end CPU share") ? sprintf(" %.2f |", top / ref) : " |")
                print line } }'
done | tee "$OUT/tables.md"
[ -n "$TABLE_ONLY" ] && exit 0
echo "queues: $fails failed runs; files in $OUT" >&2
[ $fails -eq 0 ]
