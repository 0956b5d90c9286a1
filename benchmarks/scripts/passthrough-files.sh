#!/usr/bin/env bash
# passthrough-files.sh: descriptors and memory of the passthrough while a client creates 100,000
# files and then forgets them. Mounts the passthrough (bin/virtiofs mount --shared-dir) over a
# fresh tmpfs, creates N files in one directory through the mount (the kernel keeps a dentry and a
# lookup of each, so the passthrough holds a node each), then drops the kernel's dentry and inode
# caches (echo 2 > /proc/sys/vm/drop_caches: the kernel sends FORGET for each), and reports the
# server's open descriptors (/proc/PID/fd) and resident memory (VmRSS, and the JVM heap in use) at
# each step; with the default (a descriptor per node up to three quarters of the descriptor cap,
# file handles past it), with a descriptor per node only (never) and with file handles (prefer).
#
# Needs root. usage: passthrough-files.sh [--files N] [--arg ARG]...
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(cd "$here/../.." && pwd)
files=100000
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --files) files=$2; shift 2 ;;
        --arg) extra+=("$2"); shift 2 ;;
        --help|-h) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "passthrough-files: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "passthrough-files: needs root" >&2; exit 2; }
work=$(mktemp -d /tmp/passthrough-files.XXXXXX)
pid=""
cleanup() {
    set +e
    mountpoint -q "$work/mnt" && { umount "$work/mnt" 2>/dev/null || umount -l "$work/mnt"; }
    [ -n "$pid" ] && { for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; kill "$pid" 2>/dev/null; }
    mountpoint -q "$work/tmpfs" && umount -l "$work/tmpfs"
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/tmpfs" "$work/mnt"
mount -t tmpfs -o size=1G passthrough-files "$work/tmpfs"

fds() { ls "/proc/$1/fd" | wc -l; }
rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
heap() { # MiB of heap in use after a full collection (jcmd GC.heap_info needs the JDK's jcmd)
    local jcmd; jcmd="$(dirname "$(readlink -f "$("$repo/bin/jdk25")/bin/java")")/jcmd"
    "$jcmd" "$1" GC.run >/dev/null 2>&1 || true
    "$jcmd" "$1" GC.heap_info 2>/dev/null | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); gsub(/K,?/, "", v); printf "%.0f", v / 1024; exit } }'
}

echo "## passthrough-files $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "\`benchmarks/scripts/passthrough-files.sh --files $files${extra[*]:+ --arg ${extra[*]}}\`; load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "open file limit $(ulimit -Sn) (soft) / $(ulimit -Hn) (hard), which the server raises to min(1,000,000, fs.nr_open) when it may"
echo
echo "| nodes held by | step | descriptors | RSS MiB | heap in use MiB | seconds |"
echo "|---|---|---|---|---|---|"
for handles in overflow never prefer; do
    rm -rf "${work:?}/tmpfs/"*
    "$repo/bin/virtiofs" mount --shared-dir "$work/tmpfs" --cache auto --inode-file-handles "$handles" \
        --log-level warn "${extra[@]}" "$work/mnt" >"$work/mount.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do mountpoint -q "$work/mnt" && break; sleep 0.1; done
    mountpoint -q "$work/mnt" || { cat "$work/mount.log" >&2; exit 1; }
    mkdir "$work/mnt/many"
    echo "| $handles | mounted | $(fds $pid) | $(rss $pid) | $(heap $pid) | |"
    start=$SECONDS
    (cd "$work/mnt/many" && seq -f 'f%06.0f' 1 "$files" | xargs touch 2>"$work/touch.err" || true)
    refused=$(grep -c 'Too many open files in system' "$work/touch.err" || true)
    made=$(ls "$work/tmpfs/many" | wc -l)
    echo "| $handles | $made files created (the kernel holds them), $refused refused with ENFILE | $(fds $pid) | $(rss $pid) | $(heap $pid) | $((SECONDS - start)) |"
    start=$SECONDS
    sync
    echo 2 > /proc/sys/vm/drop_caches
    sleep 5
    echo "| $handles | caches dropped (forgotten) | $(fds $pid) | $(rss $pid) | $(heap $pid) | $((SECONDS - start)) |"
    start=$SECONDS
    found=$(cd "$work/mnt/many" && ls -l 2>/dev/null | grep -c '^-' || true)
    echo "| $handles | ls -l of all (looked up again): $found found | $(fds $pid) | $(rss $pid) | $(heap $pid) | $((SECONDS - start)) |"
    umount "$work/mnt"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    pid=""
done
