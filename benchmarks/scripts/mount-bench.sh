#!/usr/bin/env bash
# mount-bench.sh: memfs over /dev/fuse side by side with tmpfs (the ceiling) and bindfs over
# tmpfs (a libfuse file system: the peer), in one run, on one machine.
#
# Measures, on each of the three mounts: uncached fstat/s, 4 KiB random read IOPS (O_DIRECT),
# 1 MiB sequential read and write GB/s (O_DIRECT), readdir of 10,000 entries (entries/s) and
# create+unlink/s. Every measurement runs --runs times, the three file systems taking turns, and
# the table shows the median. Prints a markdown table and the machine it ran on.
#
# Needs root (mount, /dev/fuse), fio, gcc, and bindfs (installed with apt-get when missing).
# Everything lives under one mktemp directory in /tmp, unmounted and removed at exit.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(cd "$here/../.." && pwd)

runs=3
seconds=4
threads=""
readdir_entries=10000
readdir_buffer=32768
bindfs_threads=multi
fio_size=512M
memfs_extra=()
io_uring=0
uring_switch=/sys/module/fuse/parameters/enable_uring
uring_before=""
measurements=(fstat randread seqread seqwrite readdir createunlink)

usage() {
    cat <<EOF
usage: $0 [OPTIONS]

Mounts tmpfs, bindfs over tmpfs and memfs (bin/virtiofs mount), measures each, prints a
markdown table of medians. Run as root from anywhere; builds nothing but the C helper
(build the project first: JAVA_HOME=... mvn -B -o -q package -DskipTests).

Options:
  --runs N             repetitions of every measurement (default $runs; the median is shown)
  --seconds S          length of each timed loop or fio job (default $seconds)
  --threads N          memfs worker threads (default: the CLI's default)
  --readdir-buffer B   getdents64 buffer in bytes (default $readdir_buffer, glibc readdir's size)
  --bindfs-threads M   single or multi: bindfs -s or --multithreaded (default $bindfs_threads)
  --memfs-arg ARG      one more argument for 'virtiofs mount' (repeatable)
  --io-uring           serve memfs over io_uring (virtiofs mount --io-uring); turns the fuse
                       module's enable_uring switch on for the run and back afterwards
  --only M[,M...]      measure only these: ${measurements[*]}
  --help               this text

Environment: VIRTIOFS_JAVA_OPTS is passed to bin/virtiofs (JVM flags).
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --readdir-buffer) readdir_buffer=$2; shift 2 ;;
        --bindfs-threads) bindfs_threads=$2; shift 2 ;;
        --memfs-arg) memfs_extra+=("$2"); shift 2 ;;
        --io-uring) io_uring=1; shift ;;
        --only) IFS=, read -r -a measurements <<<"$2"; shift 2 ;;
        --help|-h) usage; exit 0 ;;
        *) echo "mount-bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
for m in "${measurements[@]}"; do
    case "$m" in fstat|randread|seqread|seqwrite|readdir|createunlink) ;; *) echo "mount-bench: unknown measurement $m" >&2; exit 2 ;; esac
done
command_line="benchmarks/scripts/mount-bench.sh --runs $runs --seconds $seconds${threads:+ --threads $threads} --readdir-buffer $readdir_buffer --bindfs-threads $bindfs_threads$([ "$io_uring" = 1 ] && echo " --io-uring")${memfs_extra[*]:+ --memfs-arg ${memfs_extra[*]}} --only $(IFS=,; echo "${measurements[*]}")"

[ "$(id -u)" -eq 0 ] || { echo "mount-bench: needs root (mount, /dev/fuse)" >&2; exit 2; }
command -v fio >/dev/null || { echo "mount-bench: needs fio (apt-get install fio)" >&2; exit 2; }
command -v gcc >/dev/null || { echo "mount-bench: needs gcc" >&2; exit 2; }
if ! command -v bindfs >/dev/null; then
    echo "mount-bench: installing bindfs with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q bindfs >&2
fi
if ! ls "$repo"/virtiofs-examples/target/lib/virtiofs-examples-*.jar >/dev/null 2>&1; then
    echo "mount-bench: no virtiofs-examples jar; build first: mvn -B -o -q package -DskipTests" >&2
    exit 2
fi

cpu_busy() { # -> percent of all CPUs busy over 2 s (other jobs, when nothing of ours runs)
    local a b
    a=$(awk '/^cpu / { print $2+$3+$4+$6+$7+$8, $5 }' /proc/stat)
    sleep 2
    b=$(awk '/^cpu / { print $2+$3+$4+$6+$7+$8, $5 }' /proc/stat)
    echo "$a $b" | awk '{ busy = $3 - $1; idle = $4 - $2; printf "%.0f%%", 100 * busy / (busy + idle) }'
}
busy_before=$(cpu_busy)

work=$(mktemp -d /tmp/mount-bench.XXXXXX)
memfs_pid=""
cleanup() {
    set +e
    for m in "$work/memfs" "$work/bindfs" "$work/bindsrc" "$work/tmpfs"; do
        mountpoint -q "$m" && umount "$m" 2>/dev/null || { mountpoint -q "$m" && umount -l "$m"; }
    done
    if [ -n "$memfs_pid" ]; then
        for _ in $(seq 50); do kill -0 "$memfs_pid" 2>/dev/null || break; sleep 0.1; done
        kill "$memfs_pid" 2>/dev/null
    fi
    rm -rf "$work"
    [ -n "$uring_before" ] && echo "$uring_before" > "$uring_switch"
}
trap cleanup EXIT
if [ "$io_uring" = 1 ]; then
    [ -e "$uring_switch" ] || { echo "mount-bench: this kernel has no FUSE over io_uring ($uring_switch)" >&2; exit 2; }
    if [ "$(cat "$uring_switch")" != Y ]; then uring_before=$(cat "$uring_switch"); echo Y > "$uring_switch"; fi
fi

gcc -O2 -Wall -o "$work/helper" "$here/mount-bench-helper.c"
helper=$work/helper

wait_mounted() { # DIR -> waits until DIR is a mount point that answers stat
    for _ in $(seq 300); do
        if mountpoint -q "$1" && stat "$1" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "mount-bench: $1 did not get mounted" >&2
    return 1
}

mkdir -p "$work"/{tmpfs,bindsrc,bindfs,memfs,results}
mount -t tmpfs -o size=2G mount-bench-tmpfs "$work/tmpfs"
mount -t tmpfs -o size=2G mount-bench-bindsrc "$work/bindsrc"
bindfs_mode=$([ "$bindfs_threads" = single ] && echo "-s" || echo "--multithreaded")
bindfs_options="attr_timeout=0,entry_timeout=0,negative_timeout=0"
bindfs "$bindfs_mode" -o "$bindfs_options" "$work/bindsrc" "$work/bindfs"
memfs_args=(mount --attr-timeout 0 --entry-timeout 0 --log-level warn
    ${threads:+--threads "$threads"} "${memfs_extra[@]}" "$work/memfs")
if [ "$io_uring" = 1 ]; then memfs_args=(mount --io-uring "${memfs_args[@]:1}"); fi
"$repo/bin/virtiofs" "${memfs_args[@]}" >"$work/memfs.log" 2>&1 &
memfs_pid=$!
wait_mounted "$work/memfs"
wait_mounted "$work/bindfs"

systems=(tmpfs bindfs memfs)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "mount-bench: preparing (fio file $fio_size, $readdir_entries entries)" >&2
for fs in "${systems[@]}"; do
    fio --name=prepare --filename="$work/$fs/fio.dat" --size=$fio_size --rw=write --bs=1M --direct=1 \
        --ioengine=psync --output-format=terse >/dev/null
    mkdir "$work/$fs/dir"
    "$helper" populate "$work/$fs/dir" "$readdir_entries"
done

# fio JOB_ARGS... -> prints the terse v3 line of the group
run_fio() {
    fio --name=bench --size=$fio_size --direct=1 --ioengine=libaio --time_based --runtime="$seconds" \
        --group_reporting --output-format=terse --terse-version=3 "$@"
}
# Terse v3 fields: 7 read KiB/s, 8 read IOPS, 48 write KiB/s, 49 write IOPS.
field() { cut -d';' -f"$1"; }
kib_to_gb() { awk '{ printf "%.2f\n", $1 * 1024 / 1e9 }'; }

measure() { # NAME FS DIR -> one number on stdout
    local dir=$3
    if ! mountpoint -q "$dir"; then # never measure the directory under a mount that went away
        echo "mount-bench: $2 is no longer mounted on $dir" >&2
        [ "$2" = memfs ] && tail -20 "$work/memfs.log" >&2
        exit 1
    fi
    case "$1" in
        fstat) "$helper" fstat "$dir" "$seconds" ;;
        randread) run_fio --filename="$dir/fio.dat" --rw=randread --bs=4k --numjobs=4 --iodepth=8 | field 8 ;;
        seqread) run_fio --filename="$dir/fio.dat" --rw=read --bs=1M --numjobs=2 --iodepth=4 | field 7 | kib_to_gb ;;
        seqwrite) run_fio --filename="$dir/fio.dat" --rw=write --bs=1M --numjobs=2 --iodepth=4 | field 48 | kib_to_gb ;;
        readdir) "$helper" readdir "$dir/dir" "$seconds" "$readdir_buffer" 2>/dev/null ;;
        createunlink) "$helper" create-unlink "$dir" "$seconds" ;;
    esac
}

for run in $(seq "$runs"); do
    order=("${systems[@]}")
    if [ $((run % 2)) -eq 0 ]; then order=(memfs bindfs tmpfs); fi # no file system always goes first
    for m in "${measurements[@]}"; do
        for fs in "${order[@]}"; do
            value=$(measure "$m" "$fs" "$work/$fs")
            echo "$value" >>"$work/results/$m.$fs"
            echo "mount-bench: run $run $m $fs $value" >&2
        done
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { sort -g "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
human() { # NUMBER -> 12.3k / 1.23M / as is for small decimals
    awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2fM", v / 1e6; else if (v >= 1e4) printf "%.1fk", v / 1e3; else if (v >= 100) printf "%.0f", v; else printf "%.2f", v }'
}

declare -A label=([fstat]="uncached fstat/s" [randread]="4 KiB random read IOPS (O_DIRECT, 4 jobs x qd 8)"
    [seqread]="1 MiB sequential read GB/s (O_DIRECT, 2 jobs x qd 4)"
    [seqwrite]="1 MiB sequential write GB/s (O_DIRECT, 2 jobs x qd 4)"
    [readdir]="readdir of $readdir_entries entries, entries/s ($readdir_buffer-byte getdents64)"
    [createunlink]="create+unlink/s")
# The targets: 0.9x what a bare C server without libfuse reached on these machines.
declare -A target=([fstat]=54000 [randread]=40500 [seqread]=2.7 [seqwrite]=2.7 [readdir]=2900000)

jdk=$("$repo/bin/virtiofs" --version 2>/dev/null | head -1 || true)
echo
echo "## mount-bench $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "\`$command_line\`"
echo
echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), kernel $(uname -r)," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); load average $load_before before," \
    "$load_after after; CPUs busy with other work just before: $busy_before; $jdk; bindfs $(bindfs --version | awk '{ print $2 }')" \
    "$bindfs_mode -o $bindfs_options; fio $(fio --version); memfs: virtiofs ${memfs_args[*]/$work\/memfs/MOUNTPOINT}" \
    "${VIRTIOFS_JAVA_OPTS:+(VIRTIOFS_JAVA_OPTS=$VIRTIOFS_JAVA_OPTS)}"
echo
echo "Median of $runs runs of ${seconds} s each, the file systems taking turns (in reverse order every other run);"
echo "min-max of memfs in brackets."
echo
echo "| measurement | tmpfs | bindfs | memfs | memfs/bindfs | memfs vs the target |"
echo "|---|---|---|---|---|---|"
for m in "${measurements[@]}"; do
    t=$(median "$work/results/$m.tmpfs")
    b=$(median "$work/results/$m.bindfs")
    j=$(median "$work/results/$m.memfs")
    ratio=$(awk -v j="$j" -v b="$b" 'BEGIN { printf "%.2fx", (b > 0 ? j / b : 0) }')
    if [ -n "${target[$m]:-}" ]; then
        versus=$(awk -v j="$j" -v t="${target[$m]}" 'BEGIN { printf "%.2fx of %s", j / t, t }')
        versus="${versus/of 2900000/of 2.9M}"
        versus="${versus/of 54000/of 54k}"
        versus="${versus/of 40500/of 40.5k}"
    else
        versus="(no target)"
    fi
    echo "| ${label[$m]} | $(human "$t") | $(human "$b") | $(human "$j") ($(spread "$work/results/$m.memfs")) | $ratio | $versus |"
done
if grep -qiE 'error|exception' "$work/memfs.log"; then
    echo
    echo "memfs log (errors):"
    grep -iE -m 20 'error|exception' "$work/memfs.log"
fi
