#!/usr/bin/env bash
# mount-bench.sh: memfs through the host kernel's FUSE client, side by side with its peers in one
# run, on one machine, over /dev/fuse and over io_uring:
#
#   tmpfs            the kernel's own file system (the ceiling)
#   bindfs           bindfs over tmpfs (libfuse 2, --multithreaded)
#   passthrough_hp   libfuse 3.18's passthrough_hp example over tmpfs (--nopassthrough: every read
#                    reaches the server), over /dev/fuse and over io_uring (-o io_uring)
#   memfs_ll         libfuse 3.18's memfs_ll example (a low-level server answering from memory)
#   bare             bare-fuse-server.c: GETATTR and READ from memory, one thread per CPU over
#                    /dev/fuse, one pinned ring per CPU over io_uring; no library (the limit)
#   memfs            bin/virtiofs mount (this project), over /dev/fuse and over io_uring
#
# The libfuse examples are built from Debian's libfuse 3.18 sources (apt-get source fuse3/sid)
# inside the trixie root of harness/stack/root.sh, cached in that root under
# /var/cache/vfj-libfuse, and run on the host through the root's loader; so is the bare server
# (it needs a <linux/fuse.h> of protocol 7.42 or later, which it takes from sid's linux-libc-dev).
#
# Measures uncached fstat/s, 4 KiB random read IOPS and 1 MiB sequential read/write GB/s
# (O_DIRECT), readdir of 10,000 entries (entries/s) and create+unlink/s. Every measurement runs
# --runs times, the file systems taking turns (in reverse order every other run); the tables show
# the median and the range, the load before and after, and a verdict between two file systems
# only where their ranges do not overlap. --profile then counts, for one more run of the
# small-request rows, what each request costs: context switches, wake-ups and system calls of
# the client and the server, and the server's CPU time split between user space and the kernel.
#
# Needs root (mount, /dev/fuse), fio, gcc, perf for --profile, and bindfs (installed with apt-get
# when missing); the trixie root and the Debian registry the first time (later runs reuse both).
# Everything of a run lives under one mktemp directory in /tmp, unmounted and removed at exit.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(cd "$here/../.." && pwd)
rootsh=$repo/harness/stack/root.sh

runs=5
seconds=3
warmup=1
threads=""
ring_depth=""
readdir_entries=10000
readdir_buffer=32768
fio_size=512M
memfs_extra=()
profile=0
uring_switch=/sys/module/fuse/parameters/enable_uring
uring_before=""
measurements=(fstat randread seqread seqwrite readdir createunlink)
all_systems=(tmpfs bindfs passthrough_hp memfs_ll bare memfs
    passthrough_hp-uring memfs_ll-uring bare-uring memfs-uring)
systems=()

usage() {
    cat <<EOF
usage: $0 [OPTIONS]

Mounts the file systems named above, measures each in turns, prints markdown tables of medians
and ranges. Run as root from anywhere; builds the C programs and the libfuse examples itself,
not the project (build it first: JAVA_HOME=... mvn -B -o -q package -DskipTests).

Options:
  --runs N             repetitions of every measurement (default $runs)
  --seconds S          length of each timed loop or fio job (default $seconds)
  --warmup S           an untimed round of every measurement first, S seconds each (default
                       $warmup; 0: none), so that no server meets its first requests timed
                       (the JVM compiles memfs's paths as they run)
  --only M[,M...]      measure only these: ${measurements[*]}
  --systems S[,S...]   only these file systems (default: all; the -uring ones when the kernel
                       has FUSE over io_uring): ${all_systems[*]}
  --threads N          memfs worker threads over /dev/fuse (default: the CLI's default)
  --ring-depth D       ring entries per CPU for every server over io_uring (default: each
                       server's own; memfs: the CLI's default)
  --memfs-arg ARG      one more argument for 'virtiofs mount' (repeatable)
  --profile            afterwards, per file system, one more fstat and random-read run under
                       perf stat: switches, wake-ups and system calls per request, CPU split
  --help               this text

Environment: VIRTIOFS_JAVA_OPTS is passed to bin/virtiofs (JVM flags).
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --ring-depth) ring_depth=$2; shift 2 ;;
        --readdir-buffer) readdir_buffer=$2; shift 2 ;;
        --memfs-arg) memfs_extra+=("$2"); shift 2 ;;
        --only) IFS=, read -r -a measurements <<<"$2"; shift 2 ;;
        --systems) IFS=, read -r -a systems <<<"$2"; shift 2 ;;
        --profile) profile=1; shift ;;
        --help|-h) usage; exit 0 ;;
        *) echo "mount-bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
for m in "${measurements[@]}"; do
    case "$m" in fstat|randread|seqread|seqwrite|readdir|createunlink) ;; *) echo "mount-bench: unknown measurement $m" >&2; exit 2 ;; esac
done
for s in "${systems[@]}"; do
    [[ " ${all_systems[*]} " == *" $s "* ]] || { echo "mount-bench: unknown file system $s" >&2; exit 2; }
done

[ "$(id -u)" -eq 0 ] || { echo "mount-bench: needs root (mount, /dev/fuse)" >&2; exit 2; }
command -v fio >/dev/null || { echo "mount-bench: needs fio (apt-get install fio)" >&2; exit 2; }
command -v gcc >/dev/null || { echo "mount-bench: needs gcc" >&2; exit 2; }
if [ "$profile" = 1 ] && ! perf stat -e context-switches true >/dev/null 2>&1; then
    echo "mount-bench: --profile needs perf (apt-get install linux-perf)" >&2; exit 2
fi
if [ ${#systems[@]} -eq 0 ]; then
    for s in "${all_systems[@]}"; do
        if [[ $s == *-uring ]] && [ ! -e "$uring_switch" ]; then continue; fi
        systems+=("$s")
    done
    [ -e "$uring_switch" ] || echo "mount-bench: this kernel has no FUSE over io_uring ($uring_switch); /dev/fuse only" >&2
fi
has() { [[ " ${systems[*]} " == *" $1 "* ]]; }
any_uring=0; any_libfuse=0; any_bare=0
for s in "${systems[@]}"; do
    [[ $s == *-uring ]] && any_uring=1
    [[ $s == passthrough_hp* || $s == memfs_ll* ]] && any_libfuse=1
    [[ $s == bare* ]] && any_bare=1
done
if has bindfs && ! command -v bindfs >/dev/null; then
    echo "mount-bench: installing bindfs with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q bindfs >&2
fi
if { has memfs || has memfs-uring; } && ! ls "$repo"/virtiofs-examples/target/lib/virtiofs-examples-*.jar >/dev/null 2>&1; then
    echo "mount-bench: no virtiofs-examples jar; build first: mvn -B -o -q package -DskipTests" >&2
    exit 2
fi
if [ "$any_uring" = 1 ] && [ ! -e "$uring_switch" ]; then
    echo "mount-bench: this kernel has no FUSE over io_uring ($uring_switch)" >&2; exit 2
fi

cpu_busy() { # -> percent of all CPUs busy over 2 s (other jobs, when nothing of ours runs)
    local a b
    a=$(awk '/^cpu / { print $2+$3+$4+$6+$7+$8, $5 }' /proc/stat)
    sleep 2
    b=$(awk '/^cpu / { print $2+$3+$4+$6+$7+$8, $5 }' /proc/stat)
    echo "$a $b" | awk '{ busy = $3 - $1; idle = $4 - $2; printf "%.0f%%", 100 * busy / (busy + idle) }'
}

# --- the C programs and the libfuse examples -------------------------------------------------

root=""
root_lib=""
libfuse_build=""
libfuse_version=""
if [ "$any_libfuse" = 1 ] || [ "$any_bare" = 1 ]; then
    "$rootsh" install gcc g++ pkg-config meson ninja-build liburing-dev libnuma-dev dpkg-dev >&2
    root=$("$rootsh" path)
    root_lib="$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu"
fi
in_root() { chroot "$root" env LC_ALL=C "$@"; }
run_in_root() { # BINARY-IN-ROOT [LIBDIR] ARG... -> runs on the host through the root's loader
    local bin=$1 lib=$2; shift 2
    exec "$root/lib64/ld-linux-x86-64.so.2" --library-path "${lib:+$lib:}$root_lib" "$root$bin" "$@"
}

build_libfuse() { # -> sets libfuse_build (path inside the root) and libfuse_version
    local cache=/var/cache/vfj-libfuse dir
    mkdir -p "$root$cache"
    (
        flock 9
        dir=$(cd "$root$cache" && ls -d fuse3-3.* 2>/dev/null | sort -V | tail -1 || true)
        if [ -z "$dir" ]; then
            echo "mount-bench: fetching the libfuse sources (apt-get source fuse3/sid) into the trixie root" >&2
            in_root sh -c "cd $cache && apt-get source -q fuse3/sid" >"$root$cache/source.log" 2>&1 ||
                { tail -5 "$root$cache/source.log" >&2; exit 1; }
            dir=$(cd "$root$cache" && ls -d fuse3-3.* | sort -V | tail -1)
        fi
        if [ ! -x "$root$cache/$dir/build/example/passthrough_hp" ] || [ ! -x "$root$cache/$dir/build/example/memfs_ll" ]; then
            echo "mount-bench: building libfuse's examples in the trixie root ($cache/$dir/build)" >&2
            rm -rf "$root$cache/$dir/build"
            in_root sh -c "cd $cache/$dir && meson setup build --buildtype=release -Dexamples=true -Dutils=false \
                -Dtests=false -Denable-io-uring=true -Dinitscriptdir= && ninja -C build example/passthrough_hp example/memfs_ll" \
                >"$root$cache/build.log" 2>&1 || { tail -20 "$root$cache/build.log" >&2; exit 1; }
            grep -q "^#define HAVE_URING" "$root$cache/$dir/build/fuse_config.h" ||
                { echo "mount-bench: libfuse was built without FUSE over io_uring; see $root$cache/build.log" >&2; exit 1; }
        fi
        echo "$cache/$dir/build" >"$root$cache/current"
    ) 9>"$root/var/cache/.vfj-libfuse.lock" || { echo "mount-bench: building libfuse failed" >&2; exit 1; }
    libfuse_build=$(cat "$root$cache/current")
    libfuse_version=$(run_in_root "$libfuse_build/example/memfs_ll" "$root$libfuse_build/lib" --version 2>&1 |
        sed -n 's/.*FUSE library version \([0-9.]*\).*/\1/p' | head -1)
    case "$libfuse_version" in
        3.1[8-9]*|3.[2-9]*) ;;
        *) echo "mount-bench: libfuse $libfuse_version was built, not 3.18 or later" >&2; exit 1 ;;
    esac
}

work=$(mktemp -d /tmp/mount-bench.XXXXXX)
declare -A pid=()
cleanup() {
    set +e
    local s m p
    for s in "${systems[@]}" bindsrc passthrough_hp-src passthrough_hp-uring-src; do
        m="$work/$s"
        if mountpoint -q "$m"; then umount "$m" 2>/dev/null || umount -l "$m"; fi
    done
    for p in "${pid[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill "$p" 2>/dev/null
    done
    [ -n "$root" ] && rm -rf "$root/var/cache/vfj-bench/$(basename "$work")"
    rm -rf "$work"
    [ -n "$uring_before" ] && echo "$uring_before" > "$uring_switch"
}
trap cleanup EXIT

if [ "$any_libfuse" = 1 ]; then build_libfuse; fi
bare_bin=""
if [ "$any_bare" = 1 ]; then
    # <linux/fuse.h> of sid (protocol 7.42+ for FUSE over io_uring), unpacked beside the root's own.
    "$rootsh" extract "$root/var/cache/vfj-uapi" linux-libc-dev/sid >&2
    bare_bin=/var/cache/vfj-bench/$(basename "$work")/bare-fuse-server
    mkdir -p "$root$(dirname "$bare_bin")"
    cp "$here/bare-fuse-server.c" "$root$(dirname "$bare_bin")/"
    in_root gcc -O2 -Wall -pthread -isystem /var/cache/vfj-uapi/usr/include -o "$bare_bin" "$bare_bin.c" -luring
fi
gcc -O2 -Wall -o "$work/helper" "$here/mount-bench-helper.c"
helper=$work/helper

if [ "$any_uring" = 1 ] && [ "$(cat "$uring_switch")" != Y ]; then
    uring_before=$(cat "$uring_switch")
    echo Y > "$uring_switch"
fi

# --- mounting ---------------------------------------------------------------------------------

wait_mounted() { # DIR NAME -> waits until DIR is a mount point that answers stat
    for _ in $(seq 300); do
        if mountpoint -q "$1" && stat "$1" >/dev/null 2>&1; then return 0; fi
        if [ -n "${pid[$2]:-}" ] && ! kill -0 "${pid[$2]}" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "mount-bench: $2 did not get mounted on $1; its log:" >&2
    tail -20 "$work/$2.log" >&2 2>/dev/null
    return 1
}

bindfs_options="attr_timeout=0,entry_timeout=0,negative_timeout=0"
memfs_base=(mount --attr-timeout 0 --entry-timeout 0 --log-level warn ${threads:+--threads "$threads"})
declare -A how=()
mount_system() { # NAME
    local s=$1 dir=$work/$1 uring_opt=""
    mkdir -p "$dir"
    [[ $s == *-uring ]] && uring_opt="io_uring${ring_depth:+,io_uring_q_depth=$ring_depth}"
    case "$s" in
        tmpfs)
            mount -t tmpfs -o size=2G mount-bench-tmpfs "$dir"
            how[$s]="tmpfs" ;;
        bindfs)
            mkdir -p "$work/bindsrc"
            mount -t tmpfs -o size=2G mount-bench-bindsrc "$work/bindsrc"
            bindfs --multithreaded -o "$bindfs_options" "$work/bindsrc" "$dir"
            how[$s]="bindfs $(bindfs --version | awk '{ print $2 }') --multithreaded -o $bindfs_options" ;;
        passthrough_hp|passthrough_hp-uring)
            mkdir -p "$work/$s-src"
            mount -t tmpfs -o size=2G "mount-bench-$s-src" "$work/$s-src"
            local args=(--nocache --nopassthrough --foreground ${uring_opt:+-o "$uring_opt"} "$work/$s-src" "$dir")
            (run_in_root "$libfuse_build/example/passthrough_hp" "$root$libfuse_build/lib" "${args[@]}") >"$work/$s.log" 2>&1 &
            pid[$s]=$!
            how[$s]="passthrough_hp ${args[*]/$work\//}" ;;
        memfs_ll|memfs_ll-uring)
            local args=(-f ${uring_opt:+-o "$uring_opt"} "$dir")
            (run_in_root "$libfuse_build/example/memfs_ll" "$root$libfuse_build/lib" "${args[@]}") >"$work/$s.log" 2>&1 &
            pid[$s]=$!
            how[$s]="memfs_ll ${args[*]/$work\//}" ;;
        bare|bare-uring)
            local args=()
            [ "$s" = bare-uring ] && args=(--io-uring ${ring_depth:+--depth "$ring_depth"})
            (run_in_root "$bare_bin" "" "${args[@]}" "$dir") >"$work/$s.log" 2>&1 &
            pid[$s]=$!
            how[$s]="bare-fuse-server${args[*]:+ ${args[*]}} MOUNTPOINT" ;;
        memfs|memfs-uring)
            local args=("${memfs_base[@]}")
            [ "$s" = memfs-uring ] && args+=(--io-uring ${ring_depth:+--ring-depth "$ring_depth"})
            args+=("${memfs_extra[@]}" "$dir")
            "$repo/bin/virtiofs" "${args[@]}" >"$work/$s.log" 2>&1 &
            pid[$s]=$!
            how[$s]="virtiofs ${args[*]/$dir/MOUNTPOINT}" ;;
    esac
    wait_mounted "$dir" "$s"
}

supports() { # SYSTEM MEASUREMENT -> whether the file system can run it (bare: stat and read only)
    case "$1" in bare|bare-uring) [[ $2 == fstat || $2 == randread || $2 == seqread ]] ;; *) return 0 ;; esac
}

for s in "${systems[@]}"; do mount_system "$s"; done
# FUSE over io_uring is negotiated at mount time: a switch another process turned off meanwhile
# would leave libfuse and the bare server on /dev/fuse without a word (memfs refuses to mount).
uring_note=""
if [ "$any_uring" = 1 ] && [ "$(cat "$uring_switch")" != Y ]; then
    uring_note="WARNING: $uring_switch was turned off by another process while mounting; the io_uring columns may be /dev/fuse"
    echo "mount-bench: $uring_note" >&2
fi
mkdir -p "$work/results" "$work/profile"
busy_before=$(cpu_busy)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "mount-bench: preparing (fio file $fio_size, $readdir_entries entries)" >&2
for s in "${systems[@]}"; do
    [[ $s == bare* ]] && continue # its fio.dat is there, its directory read-only
    fio --name=prepare --filename="$work/$s/fio.dat" --size=$fio_size --rw=write --bs=1M --direct=1 \
        --ioengine=psync --output-format=terse >/dev/null
    if [[ " ${measurements[*]} " == *" readdir "* ]]; then
        mkdir "$work/$s/dir"
        "$helper" populate "$work/$s/dir" "$readdir_entries"
    fi
done

# fio JOB_ARGS... -> prints the terse v3 line of the group
run_fio() {
    fio --name=bench --size=$fio_size --direct=1 --ioengine=libaio --time_based --runtime="$seconds" \
        --group_reporting --output-format=terse --terse-version=3 "$@"
}
# Terse v3 fields: 7 read KiB/s, 8 read IOPS, 48 write KiB/s, 49 write IOPS.
field() { cut -d';' -f"$1"; }
kib_to_gb() { awk '{ printf "%.2f\n", $1 * 1024 / 1e9 }'; }

measure() { # NAME FS -> one number on stdout
    local dir=$work/$2
    if ! mountpoint -q "$dir"; then # never measure the directory under a mount that went away
        echo "mount-bench: $2 is no longer mounted on $dir; its log:" >&2
        tail -20 "$work/$2.log" >&2 2>/dev/null
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

if [ "$warmup" != 0 ]; then
    echo "mount-bench: warming up (${warmup} s of every measurement, untimed)" >&2
    for m in "${measurements[@]}"; do
        for s in "${systems[@]}"; do
            supports "$s" "$m" && seconds=$warmup measure "$m" "$s" >/dev/null
        done
    done
fi

for run in $(seq "$runs"); do
    order=("${systems[@]}")
    if [ $((run % 2)) -eq 0 ]; then # no file system always goes first
        order=(); for ((i = ${#systems[@]} - 1; i >= 0; i--)); do order+=("${systems[$i]}"); done
    fi
    for m in "${measurements[@]}"; do
        for s in "${order[@]}"; do
            supports "$s" "$m" || continue
            value=$(measure "$m" "$s")
            echo "$value" >>"$work/results/$m.$s"
            echo "mount-bench: run $run $m $s $value" >&2
        done
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- profile: what one request costs ------------------------------------------------------------

perf_value() { # FILE EVENT -> the count perf stat printed for EVENT (task-clock: milliseconds)
    awk -v e="$2" '$2 == e || ($2 == "msec" && $3 == e) { gsub(",", "", $1); print $1; exit }' "$1"
}
perf_seconds() { # FILE user|sys -> the workload's user or system seconds
    awk -v k="$2" '$2 == "seconds" && $3 == k { print $1; exit }' "$1"
}
perf_dsos() { # PERF.DATA -> "share<TAB>dso" lines, largest first
    perf report -i "$1" --sort dso --stdio -q 2>/dev/null |
        awk 'NF >= 2 { p = $1; sub("%", "", p); $1 = ""; sub(/^ +/, ""); print p "\t" $0 }'
}
events=task-clock,context-switches,sched:sched_waking,raw_syscalls:sys_enter
profile_one() { # MEASUREMENT SYSTEM -> NAME=VALUE lines in $work/profile/M.S
    local m=$1 s=$2 p=${pid[$2]:-} out=$work/profile/$1.$2 server_stat server_record requests value connection
    [ -n "$p" ] || return 0 # tmpfs: no server
    connection=$(mountpoint -d "$work/$s" | cut -d: -f2)
    LC_ALL=C perf stat -e "$events" -p "$p" -o "$out.server" 2>/dev/null &
    server_stat=$!
    LC_ALL=C perf record -q -e cpu-clock -F 1999 -p "$p" -o "$out.data" >/dev/null 2>&1 &
    server_record=$!
    # FUSE requests of this connection, whichever task sends them (a background request may
    # leave from the thread that ends another).
    LC_ALL=C perf stat -a -e fuse:fuse_request_send --filter "connection == $connection" -o "$out.requests" 2>/dev/null &
    requests=$!
    sleep 0.5
    rm -f "$out.count"
    value=$(MOUNT_BENCH_COUNTS=$out.count LC_ALL=C perf stat -e "$events" -o "$out.client" -- \
        bash -c 'measure "$0" "$1"' "$m" "$s")
    kill -INT "$server_stat" "$server_record" "$requests"
    wait "$server_stat" "$server_record" "$requests" 2>/dev/null || true
    {
        echo "value=$value"
        # The helper's loops count what they did (they end at the first check past the time);
        # fio's jobs run for the time given.
        if [ -s "$out.count" ]; then echo "ops=$(cut -d' ' -f1 "$out.count")"
        else echo "ops=$(awk -v v="$value" -v s="$seconds" 'BEGIN { printf "%.0f", v * s }')"; fi
        echo "requests=$(perf_value "$out.requests" fuse:fuse_request_send)"
        local side
        for side in client server; do
            echo "${side}_ms=$(perf_value "$out.$side" task-clock)"
            echo "${side}_switches=$(perf_value "$out.$side" context-switches)"
            echo "${side}_wakeups=$(perf_value "$out.$side" sched:sched_waking)"
            echo "${side}_syscalls=$(perf_value "$out.$side" raw_syscalls:sys_enter)"
        done
        echo "client_user=$(perf_seconds "$out.client" user)"
        echo "client_sys=$(perf_seconds "$out.client" sys)"
        perf_dsos "$out.data" >"$out.dsos"
        echo "server_kernel=$(awk -F'\t' '$2 == "[kernel.kallsyms]" { print $1 }' "$out.dsos")"
        # The server's own code: the largest shares outside the kernel ([unknown] and [JIT]: a JVM's compiled code).
        echo "server_user=$(awk -F'\t' '$2 != "[kernel.kallsyms]" && n < 3 { d = $2; sub(/ tid [0-9]+/, "", d);
            sub(/^\/.*\//, "", d); printf "%s%s %s%%", (n++ ? ", " : ""), d, $1 }' "$out.dsos")"
    } >"$out"
    echo "mount-bench: profile $m $s $value" >&2
}
if [ "$profile" = 1 ]; then
    export -f measure run_fio field kib_to_gb
    export work helper seconds fio_size readdir_buffer
    for m in fstat randread; do
        [[ " ${measurements[*]} " == *" $m "* ]] || continue
        for s in "${systems[@]}"; do supports "$s" "$m" && profile_one "$m" "$s"; done
    done
fi

# --- tables -----------------------------------------------------------------------------------

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
lowest() { sort -g "$1" | head -1; }
highest() { sort -g "$1" | tail -1; }
human() { # NUMBER -> 12.3k / 1.23M / as is for small decimals
    awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2fM", v / 1e6; else if (v >= 1e4) printf "%.1fk", v / 1e3; else if (v >= 100) printf "%.0f", v; else printf "%.2f", v }'
}
cell() { # MEASUREMENT SYSTEM -> "median (min-max)" or "-"
    local f=$work/results/$1.$2
    [ -s "$f" ] || { echo "-"; return; }
    echo "$(human "$(median "$f")") ($(human "$(lowest "$f")")-$(human "$(highest "$f")"))"
}
# A verdict between A and B only when their ranges do not overlap.
compare() { # MEASUREMENT A B -> "1.23x faster" / "0.81x slower" / "1.02x (ranges overlap)" / "-"
    local fa=$work/results/$1.$2 fb=$work/results/$1.$3
    { [ -s "$fa" ] && [ -s "$fb" ]; } || { echo "-"; return; }
    awk -v a="$(median "$fa")" -v b="$(median "$fb")" -v alo="$(lowest "$fa")" -v ahi="$(highest "$fa")" \
        -v blo="$(lowest "$fb")" -v bhi="$(highest "$fb")" 'BEGIN {
            r = (b > 0 ? a / b : 0)
            if (alo > bhi) printf "%.2fx faster", r; else if (ahi < blo) printf "%.2fx slower", r;
            else printf "%.2fx (ranges overlap)", r }'
}

declare -A label=([fstat]="uncached fstat/s" [randread]="4 KiB random read IOPS (4 jobs x qd 8)"
    [seqread]="1 MiB sequential read GB/s (2 jobs x qd 4)"
    [seqwrite]="1 MiB sequential write GB/s (2 jobs x qd 4)"
    [readdir]="readdir of $readdir_entries entries, entries/s ($readdir_buffer-byte getdents64)"
    [createunlink]="create+unlink/s")
command_line="benchmarks/scripts/mount-bench.sh --runs $runs --seconds $seconds --warmup $warmup --only $(IFS=,; echo "${measurements[*]}")"
command_line+=" --systems $(IFS=,; echo "${systems[*]}")${threads:+ --threads $threads}${ring_depth:+ --ring-depth $ring_depth}"
[ ${#memfs_extra[@]} -gt 0 ] && command_line+="$(printf ' --memfs-arg %s' "${memfs_extra[@]}")"
[ "$profile" = 1 ] && command_line+=" --profile"
jdk=""
if has memfs || has memfs-uring; then jdk=$("$repo/bin/virtiofs" --version 2>/dev/null | head -1 || true); fi

table() { # TITLE SYSTEM...
    local title=$1; shift
    local present=() s m line
    for s in "$@"; do has "$s" && present+=("$s"); done
    [ ${#present[@]} -gt 0 ] || return 0
    echo
    echo "$title"
    echo
    line="| measurement |"; for s in "${present[@]}"; do line+=" ${s%-uring} |"; done; echo "$line"
    line="|---|"; for s in "${present[@]}"; do line+="---|"; done; echo "$line"
    for m in "${measurements[@]}"; do
        line="| ${label[$m]} |"
        for s in "${present[@]}"; do line+=" $(cell "$m" "$s") |"; done
        echo "$line"
    done
}
verdicts() { # TITLE OURS PEER...
    local title=$1 ours=$2; shift 2
    local present=() s m line
    has "$ours" || return 0
    for s in "$@"; do has "$s" && present+=("$s"); done
    [ ${#present[@]} -gt 0 ] || return 0
    echo
    echo "$title"
    echo
    line="| measurement |"; for s in "${present[@]}"; do line+=" vs ${s} |"; done; echo "$line"
    line="|---|"; for s in "${present[@]}"; do line+="---|"; done; echo "$line"
    for m in "${measurements[@]}"; do
        line="| ${label[$m]} |"
        for s in "${present[@]}"; do line+=" $(compare "$m" "$ours" "$s") |"; done
        echo "$line"
    done
}

echo
echo "## mount-bench $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "\`$command_line\`"
echo
echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), kernel $(uname -r)," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); load average $load_before before," \
    "$load_after after; CPUs busy with other work just before: $busy_before${jdk:+; $jdk}; fio $(fio --version)" \
    "${libfuse_version:+; libfuse $libfuse_version}${VIRTIOFS_JAVA_OPTS:+; VIRTIOFS_JAVA_OPTS=$VIRTIOFS_JAVA_OPTS}"
echo
[ -n "$uring_note" ] && { echo "**$uring_note**"; echo; }
for s in "${systems[@]}"; do echo "- $s: ${how[$s]}"; done
echo
echo "Median (min-max) of $runs runs of ${seconds} s each, the file systems taking turns (in reverse order every other"
echo "run). fio rows use O_DIRECT and libaio. A verdict (faster/slower) only where the two ranges do not overlap."
table "Over /dev/fuse:" tmpfs bindfs passthrough_hp memfs_ll bare memfs
table "Over io_uring:" passthrough_hp-uring memfs_ll-uring bare-uring memfs-uring
verdicts "memfs over /dev/fuse against:" memfs passthrough_hp memfs_ll bare bindfs
verdicts "memfs over io_uring against:" memfs-uring passthrough_hp-uring memfs_ll-uring bare-uring memfs

# The goals of issue 17, on the medians: memfs against the faster of the two libfuse servers
# (1.2x on every row over /dev/fuse; 1.5x for fstat and random reads over io_uring) and against
# the bare C server (0.9x for fstat and random reads, on both transports).
goal_line() { # MEASUREMENT TRANSPORT(dev|uring) -> one table row, or nothing
    local m=$1 t=$2 suffix="" ours best="" s v lf_goal="" bare_goal=""
    [ "$t" = uring ] && suffix=-uring
    ours=$work/results/$m.memfs$suffix
    [ -s "$ours" ] || return 0
    local best_name="" best_value=0
    for s in passthrough_hp$suffix memfs_ll$suffix; do
        [ -s "$work/results/$m.$s" ] || continue
        v=$(median "$work/results/$m.$s")
        if awk -v a="$v" -v b="$best_value" 'BEGIN { exit !(a > b) }'; then best_name=$s; best_value=$v; fi
    done
    if [ "$t" = dev ]; then lf_goal=1.2; elif [ "$m" = fstat ] || [ "$m" = randread ]; then lf_goal=1.5; fi
    if [ "$m" = fstat ] || [ "$m" = randread ]; then bare_goal=0.9; fi
    local lf="-" bare="-" bare_file=$work/results/$m.bare$suffix
    if [ -n "$best_name" ]; then
        lf=$(awk -v a="$(median "$ours")" -v b="$best_value" -v g="$lf_goal" -v n="$best_name" 'BEGIN {
            r = a / b; printf "%.2fx %s", r, n; if (g != "") printf " (goal %sx: %s)", g, (r >= g ? "met" : "not met") }')
    fi
    if [ -s "$bare_file" ]; then
        bare=$(awk -v a="$(median "$ours")" -v b="$(median "$bare_file")" -v g="$bare_goal" 'BEGIN {
            r = a / b; printf "%.2fx", r; if (g != "") printf " (goal %sx: %s)", g, (r >= g ? "met" : "not met") }')
    fi
    echo "| ${label[$m]} | $([ "$t" = dev ] && echo /dev/fuse || echo io_uring) | $lf | $bare |"
}
if has memfs || has memfs-uring; then
    echo
    echo "Goals (ratios of medians): memfs against the faster libfuse server and against the bare C server."
    echo
    echo "| measurement | transport | memfs / libfuse | memfs / bare |"
    echo "|---|---|---|---|"
    for t in dev uring; do for m in "${measurements[@]}"; do goal_line "$m" "$t"; done; done
fi

if [ "$profile" = 1 ]; then
    echo
    echo "Per operation (one fstat, one 4 KiB read), from one more run of each row under perf (the client:"
    echo "the fstat loop or fio with its jobs; the server: every thread of its process): the FUSE requests the"
    echo "kernel sent (tracepoint fuse:fuse_request_send, whole machine, this mount only); context switches,"
    echo "wake-ups done (sched:sched_waking) and system calls of the client and of the server (perf stat);"
    echo "CPU time (task-clock) of each, with the client's share in the kernel (its rusage) and the server's"
    echo "(perf record -e cpu-clock of the server: the share of samples in the kernel, then its largest user-space"
    echo "shares: [unknown] and [JIT] are a JVM's compiled code)."
    echo
    echo "| row | file system | rate | FUSE requests | switches client / server | wake-ups client / server | syscalls client / server | client CPU us (kernel) | server CPU us (kernel) | server user space |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for m in fstat randread; do
        for s in "${systems[@]}"; do
            f=$work/profile/$m.$s
            [ -s "$f" ] || continue
            awk -F= -v m="$m" -v s="$s" '{ v[$1] = $2 } END {
                ops = v["ops"]; if (ops <= 0) exit
                cu = v["client_user"]; cs = v["client_sys"]
                printf "| %s | %s | %.0f | %.2f | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | %.2f (%.0f%%) | %.2f (%s%%) | %s |\n",
                    m, s, v["value"], v["requests"] / ops, v["client_switches"] / ops, v["server_switches"] / ops,
                    v["client_wakeups"] / ops, v["server_wakeups"] / ops, v["client_syscalls"] / ops,
                    v["server_syscalls"] / ops, v["client_ms"] * 1000 / ops, (cu + cs > 0 ? 100 * cs / (cu + cs) : 0),
                    v["server_ms"] * 1000 / ops, v["server_kernel"], v["server_user"]
            }' "$f"
        done
    done
fi
for s in "${systems[@]}"; do
    if [ -f "$work/$s.log" ] && grep -qiE 'error|exception' "$work/$s.log"; then
        echo
        echo "$s log (errors):"
        grep -iE -m 10 'error|exception' "$work/$s.log"
    fi
done
