#!/usr/bin/env bash
# passthrough-bench.sh: the passthrough file system (bin/virtiofs mount --shared-dir) side by side
# with bindfs (libfuse, the peer) and the bare directory (the ceiling), all three over the same
# directory of one tmpfs, in one run.
#
# Measures on each: uncached fstat/s, 4 KiB random read IOPS (O_DIRECT), 1 MiB sequential read and
# write GB/s (O_DIRECT), readdir of 10,000 entries (entries/s) and create+unlink/s. Every
# measurement runs --runs times, the three taking turns (reversed every other run); the table shows
# medians. Both FUSE file systems cache nothing: bindfs with attr/entry/negative timeouts of 0, the
# passthrough with --cache never. Prints a markdown table, the machine and its load.
#
# Needs root (mount, /dev/fuse), fio, gcc, and bindfs (installed with apt-get when missing).
# Everything lives under one mktemp directory in /tmp, unmounted and removed at exit.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(cd "$here/../.." && pwd)

runs=3
seconds=4
readdir_entries=10000
readdir_buffer=32768
fio_size=512M
extra=()
io_uring=0
uring_switch=/sys/module/fuse/parameters/enable_uring
uring_before=""
measurements=(fstat randread seqread seqwrite readdir createunlink)

usage() {
    cat <<EOF2
usage: $0 [OPTIONS]

Options:
  --runs N           repetitions of every measurement (default $runs; the median is shown)
  --seconds S        length of each timed loop or fio job (default $seconds)
  --arg ARG          one more argument for 'virtiofs mount' (repeatable), e.g. --arg --threads --arg 4
  --io-uring         serve the passthrough over io_uring (virtiofs mount --io-uring); turns the fuse
                     module's enable_uring switch on for the run and back afterwards
  --only M[,M...]    measure only these: ${measurements[*]}
  --help             this text

Environment: VIRTIOFS_JAVA_OPTS is passed to bin/virtiofs (JVM flags).
EOF2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --arg) extra+=("$2"); shift 2 ;;
        --io-uring) io_uring=1; shift ;;
        --only) IFS=, read -r -a measurements <<<"$2"; shift 2 ;;
        --help|-h) usage; exit 0 ;;
        *) echo "passthrough-bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
command_line="benchmarks/scripts/passthrough-bench.sh --runs $runs --seconds $seconds$([ "$io_uring" = 1 ] && echo " --io-uring")${extra[*]:+ --arg ${extra[*]}} --only $(IFS=,; echo "${measurements[*]}")"
[ "$io_uring" = 1 ] && extra+=(--io-uring)

[ "$(id -u)" -eq 0 ] || { echo "passthrough-bench: needs root (mount, /dev/fuse)" >&2; exit 2; }
command -v fio >/dev/null || { echo "passthrough-bench: needs fio (apt-get install fio)" >&2; exit 2; }
command -v gcc >/dev/null || { echo "passthrough-bench: needs gcc" >&2; exit 2; }
if ! command -v bindfs >/dev/null; then
    echo "passthrough-bench: installing bindfs with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q bindfs >&2
fi
ls "$repo"/virtiofs-examples/target/lib/virtiofs-passthrough-*.jar >/dev/null 2>&1 || {
    echo "passthrough-bench: build first: mvn -B -o -q package -DskipTests" >&2; exit 2; }

work=$(mktemp -d /tmp/passthrough-bench.XXXXXX)
ours_pid=""
cleanup() {
    set +e
    for m in "$work/passthrough" "$work/bindfs" "$work/tmpfs"; do
        mountpoint -q "$m" && { umount "$m" 2>/dev/null || umount -l "$m"; }
    done
    if [ -n "$ours_pid" ]; then
        for _ in $(seq 50); do kill -0 "$ours_pid" 2>/dev/null || break; sleep 0.1; done
        kill "$ours_pid" 2>/dev/null
    fi
    rm -rf "$work"
    [ -n "$uring_before" ] && echo "$uring_before" > "$uring_switch"
}
trap cleanup EXIT
if [ "$io_uring" = 1 ]; then
    [ -e "$uring_switch" ] || { echo "passthrough-bench: this kernel has no FUSE over io_uring ($uring_switch)" >&2; exit 2; }
    if [ "$(cat "$uring_switch")" != Y ]; then uring_before=$(cat "$uring_switch"); echo Y > "$uring_switch"; fi
fi

gcc -O2 -Wall -o "$work/helper" "$here/mount-bench-helper.c"
helper=$work/helper
wait_mounted() {
    for _ in $(seq 300); do
        if mountpoint -q "$1" && stat "$1" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "passthrough-bench: $1 did not get mounted" >&2
    return 1
}

mkdir -p "$work"/{tmpfs,bindfs,passthrough,results}
mount -t tmpfs -o size=2G passthrough-bench "$work/tmpfs"
mkdir "$work/tmpfs/data"
data=$work/tmpfs/data
bindfs_options="attr_timeout=0,entry_timeout=0,negative_timeout=0"
bindfs --multithreaded -o "$bindfs_options" "$data" "$work/bindfs"
ours_args=(mount --shared-dir "$data" --cache never --log-level warn "${extra[@]}" "$work/passthrough")
"$repo/bin/virtiofs" "${ours_args[@]}" >"$work/passthrough.log" 2>&1 &
ours_pid=$!
wait_mounted "$work/bindfs"
wait_mounted "$work/passthrough"

declare -A dir=([bare]="$data" [bindfs]="$work/bindfs" [passthrough]="$work/passthrough")
systems=(bare bindfs passthrough)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "passthrough-bench: preparing (fio file $fio_size, $readdir_entries entries)" >&2
fio --name=prepare --filename="$data/fio.dat" --size=$fio_size --rw=write --bs=1M --direct=1 \
    --ioengine=psync --output-format=terse >/dev/null
mkdir "$data/dir"
"$helper" populate "$data/dir" "$readdir_entries"

run_fio() {
    fio --name=bench --size=$fio_size --direct=1 --ioengine=libaio --time_based --runtime="$seconds" \
        --group_reporting --output-format=terse --terse-version=3 "$@"
}
field() { cut -d';' -f"$1"; }
kib_to_gb() { awk '{ printf "%.2f\n", $1 * 1024 / 1e9 }'; }

measure() { # MEASUREMENT SYSTEM -> one number
    local d=${dir[$2]}
    if [ "$2" != bare ] && ! mountpoint -q "$d"; then
        echo "passthrough-bench: $2 is no longer mounted" >&2
        [ "$2" = passthrough ] && tail -20 "$work/passthrough.log" >&2
        exit 1
    fi
    case "$1" in
        fstat) "$helper" fstat "$d" "$seconds" ;;
        randread) run_fio --filename="$d/fio.dat" --rw=randread --bs=4k --numjobs=4 --iodepth=8 | field 8 ;;
        seqread) run_fio --filename="$d/fio.dat" --rw=read --bs=1M --numjobs=2 --iodepth=4 | field 7 | kib_to_gb ;;
        seqwrite) run_fio --filename="$d/fio.dat" --rw=write --bs=1M --numjobs=2 --iodepth=4 | field 48 | kib_to_gb ;;
        readdir) "$helper" readdir "$d/dir" "$seconds" "$readdir_buffer" 2>/dev/null ;;
        createunlink) "$helper" create-unlink "$d" "$seconds" ;;
    esac
}

for run in $(seq "$runs"); do
    order=("${systems[@]}")
    if [ $((run % 2)) -eq 0 ]; then order=(passthrough bindfs bare); fi
    for m in "${measurements[@]}"; do
        for fs in "${order[@]}"; do
            value=$(measure "$m" "$fs")
            echo "$value" >>"$work/results/$m.$fs"
            echo "passthrough-bench: run $run $m $fs $value" >&2
        done
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { sort -g "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
human() {
    awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2fM", v / 1e6; else if (v >= 1e4) printf "%.1fk", v / 1e3; else if (v >= 100) printf "%.0f", v; else printf "%.2f", v }'
}
declare -A label=([fstat]="uncached fstat/s" [randread]="4 KiB random read IOPS (O_DIRECT, 4 jobs x qd 8)"
    [seqread]="1 MiB sequential read GB/s (O_DIRECT, 2 jobs x qd 4)"
    [seqwrite]="1 MiB sequential write GB/s (O_DIRECT, 2 jobs x qd 4)"
    [readdir]="readdir of $readdir_entries entries, entries/s ($readdir_buffer-byte getdents64)"
    [createunlink]="create+unlink/s")

echo
echo "## passthrough-bench $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "\`$command_line\`"
echo
echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), kernel $(uname -r);" \
    "load average $load_before before, $load_after after; $("$repo/bin/virtiofs" --version 2>/dev/null | head -1);" \
    "bindfs $(bindfs --version | awk '{ print $2 }') --multithreaded -o $bindfs_options; fio $(fio --version);" \
    "passthrough: virtiofs ${ours_args[*]/$work\/passthrough/MOUNTPOINT}"
echo
echo "Median of $runs runs of ${seconds} s each, taking turns (reversed every other run); min-max of the passthrough in brackets."
echo
echo "| measurement | bare tmpfs dir | bindfs | passthrough | passthrough/bindfs |"
echo "|---|---|---|---|---|"
for m in "${measurements[@]}"; do
    t=$(median "$work/results/$m.bare")
    b=$(median "$work/results/$m.bindfs")
    p=$(median "$work/results/$m.passthrough")
    ratio=$(awk -v p="$p" -v b="$b" 'BEGIN { printf "%.2fx", (b > 0 ? p / b : 0) }')
    echo "| ${label[$m]} | $(human "$t") | $(human "$b") | $(human "$p") ($(spread "$work/results/$m.passthrough")) | $ratio |"
done
if grep -qiE 'error|exception' "$work/passthrough.log"; then
    echo
    echo "passthrough log (errors):"
    grep -iE -m 20 'error|exception' "$work/passthrough.log"
fi
