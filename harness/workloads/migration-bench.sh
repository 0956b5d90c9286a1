#!/bin/sh
# migration-bench.sh: guest side of the migration figures in BENCHMARKS.md (harness/migrate.sh
# -w this). Sets up the state to migrate, prints MIGRATE-READY, idles MIGB_WAIT seconds (the host
# migrates meanwhile), then checks that it all came along.
#   MIGB_MODE=nodes  MIGB_NODES files (default 1000) created and held open by one process
#                    (fsops hold), each read back through its descriptor after the migrations
#   MIGB_MODE=data   a file of MIGB_MIB MiB (default 1024) of random bytes (a 16 MiB random block
#                    repeated), its checksum compared after the migrations
M=${1:-/mnt}
MODE=${MIGB_MODE:-nodes}
WAIT=${MIGB_WAIT:-60}
fail() { echo "MIGRATION-FAIL $*"; exit 1; }
mkdir -p "$M/bench" && cd "$M/bench" || fail "mkdir"
case "$MODE" in
    nodes)
        fsops hold "$M/bench" "${MIGB_NODES:-1000}" > /tmp/hold.out 2>&1 &
        HOLD=$!
        i=0
        until grep -q HOLDING /tmp/hold.out; do
            sleep 0.2; i=$((i + 1)); [ $i -lt 600 ] || fail "fsops hold did not start: $(cat /tmp/hold.out)"
        done
        ;;
    data)
        dd if=/dev/urandom of=/tmp/block bs=1M count=16 2>/dev/null || fail "random block"
        n=$(( ${MIGB_MIB:-1024} / 16 ))
        i=0
        while [ $i -lt $n ]; do cat /tmp/block; i=$((i + 1)); done > "$M/bench/big" || fail "writing the big file"
        want=$(i=0; while [ $i -lt $n ]; do cat /tmp/block; i=$((i + 1)); done | md5sum)
        ;;
    *) fail "MIGB_MODE is nodes or data" ;;
esac
echo "MIGRATE-READY mode=$MODE"
s=0
while [ $s -lt "$WAIT" ]; do sleep 1; s=$((s + 1)); done
case "$MODE" in
    nodes)
        kill -TERM "$HOLD"; wait "$HOLD" || fail "held files: $(cat /tmp/hold.out)"
        cat /tmp/hold.out
        ;;
    data)
        echo 3 > /proc/sys/vm/drop_caches
        [ "$(md5sum < "$M/bench/big")" = "$want" ] || fail "the big file's checksum differs"
        echo "BIG ok $(wc -c < "$M/bench/big") bytes"
        ;;
esac
echo "MIGRATION-WORKLOAD ok"
