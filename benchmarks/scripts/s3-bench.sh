#!/usr/bin/env bash
# s3-bench.sh: the S3 gateway side by side with the S3 client alone (the ceiling) and s3fs-fuse
# (the peer), against one real Ceph radosgw, in one run, taking turns.
#
# Rows: 1 MiB sequential write of SIZE MiB (the upload included: the writer's close returns
# when the object is in the store), 1 MiB sequential read of SIZE MiB (an object the API wrote,
# so no mount has it cached), and listing a directory of 10,000 objects (names/s, a fresh mount
# each time so nothing is cached). Columns:
#   client   the AWS SDK for Java v2 alone (`virtiofs s3 bench-*`): a 1 MiB-at-a-time multipart
#            upload (8 MiB parts, 4 at a time, as the gateway uploads), one GET read in 1 MiB
#            pieces, ListObjectsV2 pages
#   gateway  `bin/virtiofs mount --s3-bucket` on the host (dd bs=1M, ls -f)
#   s3fs     Debian trixie's s3fs 1.95 (from the project's trixie root) on the host, default
#            options but path-style requests (dd bs=1M, ls -f)
#   guest    (--guest) `bin/virtiofs serve --s3-bucket` to a QEMU guest (harness/vm-run.sh,
#            TCG here), the same dd and ls (busybox ls -a) in the guest; rates from the guest's
#            clock, scaled by how far it drifted from the host's over the workload
# Every cell is the median of --runs runs; the table also prints the load averages before and
# after, since the machine may be shared.
#
# usage: s3-bench.sh [--size MIB] [--objects N] [--runs N] [--guest]
# Needs root, Ceph and s3fs in the trixie root (harness/ceph/ceph.sh install), a built project.
# Starts its own cluster (harness/ceph/ceph.sh with) unless VFJ_S3_ENDPOINT and VFJ_CEPH_DIR say
# where one runs; everything else lives in one mktemp directory, unmounted and removed at exit.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(cd "$here/../.." && pwd)
size=512
objects=10000
runs=3
guest=0
while [ $# -gt 0 ]; do
    case "$1" in
        --size) size=$2; shift 2 ;;
        --objects) objects=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --guest) guest=1; shift ;;
        -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "s3-bench: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ -z "${VFJ_S3_ENDPOINT:-}" ] || [ -z "${VFJ_CEPH_DIR:-}" ]; then
    exec "$repo/harness/ceph/ceph.sh" with "/tmp/vfj-s3-bench-$$" "$0" --size "$size" --objects "$objects" \
        --runs "$runs" $([ $guest = 1 ] && echo --guest)
fi

vfs="$repo/bin/virtiofs"
work=$(mktemp -d /tmp/vfj-s3-bench.XXXXXX)
# Every run's figures also go here, kept after the run (a failure late in a long run loses none).
results_copy=/tmp/vfj-s3-bench-results-$$.txt
mounts=()
cleanup() {
    local m
    for m in "${mounts[@]}"; do mountpoint -q "$m" && umount "$m" 2>/dev/null || true; done
    for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
load_before=$(load)
now() { date +%s.%N; }
rate() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }

bucket=vfj-bench-$$
"$vfs" s3 mb "$bucket"
echo "s3-bench: filling $bucket/list/ with $objects objects" >&2
"$vfs" s3 fill "$bucket" list/ "$objects" 1
dd if=/dev/urandom of="$work/source" bs=1M count="$size" status=none
printf '%s:%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" > "$work/s3pass"
chmod 600 "$work/s3pass"

mount_gateway() { # mountpoint
    mkdir -p "$1"
    "$vfs" mount --s3-endpoint "$VFJ_S3_ENDPOINT" --s3-bucket "$bucket" --s3-spill-dir "$work/spill" "$1" \
        > "$work/gateway.log" 2>&1 &
    local i
    for i in $(seq 100); do mountpoint -q "$1" && break; sleep 0.2; done
    mountpoint -q "$1" || { cat "$work/gateway.log" >&2; echo "s3-bench: the gateway did not mount" >&2; exit 1; }
    mounts+=("$1")
}
mount_s3fs() { # mountpoint
    mkdir -p "$1"
    "$repo/harness/stack/root.sh" exec /usr/bin/s3fs "$bucket" "$1" -o url="$VFJ_S3_ENDPOINT" \
        -o use_path_request_style -o passwd_file="$work/s3pass" -o dbglevel=warn
    local i
    for i in $(seq 100); do mountpoint -q "$1" && break; sleep 0.2; done
    mountpoint -q "$1" || { echo "s3-bench: s3fs did not mount" >&2; exit 1; }
    mounts+=("$1")
}
unmount() { umount "$1"; local i; for i in $(seq 50); do mountpoint -q "$1" || return 0; sleep 0.2; done; }

# mount_fn dir name run -> appends "name write read list" to results
measure_mount() {
    local kind=$1 run=$2 mnt="$work/mnt-$1" t0 t1 w r l n
    "mount_$kind" "$mnt"
    # Untimed first: a long-running gateway is warm (the JIT has compiled its paths), and so is
    # the client alone (its bench-* commands warm up the same way).
    dd if="$work/source" of="$mnt/warm-up-$kind" bs=1M count=128 status=none
    dd if="$mnt/warm-up-$kind" of=/dev/null bs=1M status=none
    rm -f "$mnt/warm-up-$kind"
    t0=$(now); dd if="$work/source" of="$mnt/seq-$kind-$run" bs=1M status=none; t1=$(now)
    w=$(rate "$t0" "$t1" "$size")
    t0=$(now); dd if="$mnt/seq-client-$run" of=/dev/null bs=1M status=none; t1=$(now)
    r=$(rate "$t0" "$t1" "$size")
    if [ "$kind" = gateway ]; then
        # The gateway keeps no listing: every opendir lists the store again (and the kernel
        # caches no directory contents), so a second listing in the same, warm, mount is as
        # uncached as the first.
        ls -f "$mnt/list" > /dev/null
    else
        # s3fs caches what it learnt (stat cache): its listing is measured on a fresh mount.
        unmount "$mnt"
        "mount_$kind" "$mnt"
    fi
    t0=$(now); n=$(ls -f "$mnt/list" | grep -vc '^\.\.\?$'); t1=$(now)
    [ "$n" = "$objects" ] || { echo "s3-bench: $kind listed $n names, not $objects" >&2; exit 1; }
    l=$(rate "$t0" "$t1" "$n")
    unmount "$mnt"
    echo "$kind $w $r $l" | tee -a "$results_copy" >> "$work/results"
}

measure_client() {
    local run=$1 w r l
    w=$("$vfs" s3 bench-write "$bucket" "seq-client-$run" "$size" | sed -n 's/.*mib_per_s=//p')
    r=$("$vfs" s3 bench-read "$bucket" "seq-client-$run" | sed -n 's/.*mib_per_s=//p')
    l=$("$vfs" s3 bench-list "$bucket" list/ | sed -n 's/.*names_per_s=//p')
    echo "client $w $r $l" | tee -a "$results_copy" >> "$work/results"
}

measure_guest() {
    local run=$1 out="$work/guest-$run" try rc
    for try in 1 2; do
        rm -rf "$out"
        rc=0
        "$repo/harness/vm-run.sh" -o "$out" -t 1800 --no-fio -w "$repo/harness/workloads/s3-perf.sh" \
            -e "S3PERF_SIZE=$size" -e "S3PERF_RUN=$run" -e "S3PERF_OBJECTS=$objects" \
            -b "exec '$vfs' serve --socket-path \"\$SOCK\" --s3-endpoint '$VFJ_S3_ENDPOINT' --s3-bucket '$bucket' --s3-spill-dir '$work/spill'" \
            > "$out.log" 2>&1 || rc=$?
        # 3 and 8: the back-end or QEMU did not start (a socket QEMU found before it listened):
        # once more; anything else is a result.
        [ $rc = 3 ] || [ $rc = 8 ] || break
        echo "s3-bench: the guest did not start (vm-run rc=$rc); once more" >&2
    done
    [ $rc = 0 ] || { tail -20 "$out.log" >&2; echo "s3-bench: the guest run failed ($out)" >&2; exit 1; }
    local w r l guest_s host_s k
    w=$(sed -n 's/^RESULT s3perf write .*mib_per_s=\([0-9.]*\).*/\1/p' "$out/result.txt")
    r=$(sed -n 's/^RESULT s3perf read .*mib_per_s=\([0-9.]*\).*/\1/p' "$out/result.txt")
    l=$(sed -n 's/^RESULT s3perf list .*names_per_s=\([0-9.]*\).*/\1/p' "$out/result.txt")
    # Rates come from the guest's clock, which TCG on a loaded host lets drift: scale them by
    # the guest's elapsed time over the host's measure of the same workload.
    guest_s=$(sed -n 's/^RESULT s3perf elapsed seconds=//p' "$out/result.txt")
    host_s=$(sed -n 's/^workload_s=//p' "$out/summary.txt")
    k=$(awk -v g="$guest_s" -v h="$host_s" 'BEGIN { printf "%.3f", (h > 0 && g > 0) ? g / h : 1 }')
    w=$(awk -v x="$w" -v k="$k" 'BEGIN { printf "%.1f", x * k }')
    r=$(awk -v x="$r" -v k="$k" 'BEGIN { printf "%.1f", x * k }')
    l=$(awk -v x="$l" -v k="$k" 'BEGIN { printf "%.1f", x * k }')
    echo "guest $w $r $l (guest clock / host clock $k)" | tee -a "$results_copy" >> "$work/results"
}

kinds=(client gateway s3fs)
[ $guest = 1 ] && kinds+=(guest)
for run in $(seq "$runs"); do
    for kind in "${kinds[@]}"; do
        echo "s3-bench: run $run: $kind" >&2
        case "$kind" in
            client) measure_client "$run" ;;
            guest) measure_guest "$run" ;;
            *) measure_mount "$kind" "$run" ;;
        esac
    done
done

median() { # kind column -> median
    awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$work/results" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "-") print "-"; else printf "%.2fx", a / b }'; }
echo
echo "S3 gateway benchmark: $size MiB sequential, $objects objects listed, median of $runs runs"
echo "($(nproc) CPUs; load average before $load_before, after $(load); $(date -u +%Y-%m-%dT%H:%MZ); commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo
header="| row | S3 client alone (ceiling) | gateway, host mount | vs client | s3fs 1.95, host mount | gateway vs s3fs |"
sep="|---|---|---|---|---|---|"
if [ $guest = 1 ]; then header="$header gateway, guest (TCG) |"; sep="$sep---|"; fi
echo "$header"; echo "$sep"
names=("" "" "seq write 1 MiB (MiB/s)" "seq read 1 MiB (MiB/s)" "list $objects (names/s)")
for col in 2 3 4; do
    c=$(median client $col); g=$(median gateway $col); s=$(median s3fs $col)
    line="| ${names[$col]} | $c | $g | $(ratio "$g" "$c") | $s | $(ratio "$g" "$s") |"
    [ $guest = 1 ] && line="$line $(median guest $col) |"
    echo "$line"
done
echo
echo "every run:"; sed 's/^/    /' "$work/results"
"$vfs" s3 rb "$bucket" >/dev/null 2>&1 || true
