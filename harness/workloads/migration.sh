#!/bin/sh
# migration.sh: guest workload for harness/migrate.sh (live migration back and forth between two
# QEMUs, each with its own back-end). It holds, across every switch:
#   - a file descriptor open for appending (fd 3), written every round;
#   - a file descriptor open for reading the same file (fd 5), which reads each round's bytes back
#     at its own offset after the page cache was dropped (so the read reaches the device);
#   - a cwd inside the share (mig/work), listed every round;
#   - an flock (LOCK_EX on fd 4): each round, another open of the file must fail to take it;
#   - a background writer making files and their checksums in the cwd;
# and checks every round that the whole file's checksum equals the copy kept in guest RAM.
# Prints MIGRATE-READY once set up, then "ROUND n ok" per round; exits non-zero on any mismatch.
# Env: MIG_ROUNDS (default 60), MIG_ROUND_SLEEP (seconds between rounds, default 1).
M=${1:-/mnt}
ROUNDS=${MIG_ROUNDS:-60}
PAUSE=${MIG_ROUND_SLEEP:-1}
fail() { echo "MIGRATION-FAIL round ${r:-0}: $*"; touch /tmp/stop; exit 1; }

mkdir -p "$M/mig/work" || fail "mkdir"
cd "$M/mig/work" || fail "cd into the share"
: > "$M/mig/log.bin"
exec 3>>"$M/mig/log.bin" || fail "open for append"
exec 5<"$M/mig/log.bin" || fail "open for reading"
exec 4>"$M/mig/lockfile" || fail "open lockfile"
fsops flock-fd 4 || fail "flock on fd 4"
: > /tmp/log.bin
(
    i=0
    while [ ! -e /tmp/stop ]; do
        i=$((i + 1)); n=$((i % 16))
        dd if=/dev/urandom of="bg.$n" bs=4k count=8 2>/dev/null || { echo "MIGRATION-FAIL background write $i"; exit 1; }
        md5sum "bg.$n" > "/tmp/bg.$n.md5"
        sleep 0.2
    done
    echo "background writer: $i files written"
) &
BG=$!
echo "MIGRATE-READY"
r=0
while [ "$r" -lt "$ROUNDS" ]; do
    r=$((r + 1))
    dd if=/dev/urandom of=/tmp/chunk bs=4k count=4 2>/dev/null
    cat /tmp/chunk >&3 || fail "append through fd 3"
    cat /tmp/chunk >> /tmp/log.bin
    sync
    echo 3 > /proc/sys/vm/drop_caches
    dd bs=16k count=1 of=/tmp/readback <&5 2>/dev/null || fail "read through fd 5"
    [ "$(md5sum < /tmp/readback)" = "$(md5sum < /tmp/chunk)" ] || fail "fd 5 read back other bytes"
    [ "$(md5sum < "$M/mig/log.bin")" = "$(md5sum < /tmp/log.bin)" ] || fail "the file's checksum differs"
    ls . > /dev/null || fail "listing the cwd"
    [ "$(pwd)" = "$M/mig/work" ] || fail "cwd moved: $(pwd)"
    fsops flock-try "$M/mig/lockfile"
    case $? in 0) fail "the flock on fd 4 was lost" ;; 1) ;; *) fail "flock-try failed" ;; esac
    echo "ROUND $r ok size=$(wc -c < /tmp/log.bin) uptime=$(cut -d' ' -f1 /proc/uptime)"
    sleep "$PAUSE"
done
touch /tmp/stop
wait "$BG" || fail "background writer"
for sum in /tmp/bg.*.md5; do
    md5sum -c "$sum" > /dev/null 2>&1 || fail "background file $(cut -d' ' -f3 "$sum") differs"
done
exec 3>&- 4>&- 5<&-
echo "MIGRATION-WORKLOAD ok rounds=$r bytes=$(wc -c < /tmp/log.bin)"
