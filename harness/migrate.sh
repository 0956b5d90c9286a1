#!/usr/bin/env bash
# migrate.sh: live migration of a guest back and forth between QEMU processes on this machine,
# each with its own back-end (QEMU 11.1's vhost-user-fs-pci, which always migrates the back-end's
# state through VHOST_USER_SET_DEVICE_STATE_FD).
#
# Hop 0 boots the guest (vm-run.sh --prepare-only builds its initramfs and QEMU command) against
# back-end 0; once the workload prints MIGRATE-READY, each hop starts back-end i and a QEMU with
# -incoming unix:..., migrates over QMP (harness/lib/qmp.py: migrate, then query-migrate until
# done), quits the source QEMU (its back-end exits with it) and waits a little for the guest to
# work on the new side. After the last hop the guest finishes its workload there. Passes when
# every hop completed, the workload printed rounds after the last hop, and it ended with rc 0.
#
# usage: migrate.sh [-n HOPS] [-w WORKLOAD] [-b BACKEND] [-o DIR] [-t TIMEOUT] [--gap SECONDS]
#                   [--expect-refusal] [--expect-fail HOP] [-- vm-run.sh options]
#   -b BACKEND   command that serves $SOCK (default: bin/virtiofs serve with memfs); run with
#                SOCK and HOP in its environment, one per hop
#   --expect-refusal  the first migration must be refused (a back-end that cannot migrate):
#                passes when QEMU refuses it with an error and the guest finishes on the source
#   --expect-fail HOP  hop HOP must fail (its destination refuses the state: start its back-end
#                differently with $HOP); the guest must go on on the source, and the next hop
#                starts from there (repeatable)
# Prints one "HOP i status=... total_ms=... downtime_ms=..." line per hop.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
HOPS=4 WORKLOAD=$HERE/workloads/migration.sh OUT= TIMEOUT=900 GAP=6 EXPECT_REFUSAL=0 EXPECT_FAIL=" "
BACKEND='exec "$ROOT/bin/virtiofs" serve --socket-path "$SOCK" --exit-on-disconnect --warm-up 0 --log-level info'
while [ $# -gt 0 ]; do
    case "$1" in
        -n) HOPS=$2; shift 2 ;;
        -w) WORKLOAD=$2; shift 2 ;;
        -b) BACKEND=$2; shift 2 ;;
        -o) OUT=$2; shift 2 ;;
        -t) TIMEOUT=$2; shift 2 ;;
        --gap) GAP=$2; shift 2 ;;
        --expect-refusal) EXPECT_REFUSAL=1; shift ;;
        --expect-fail) EXPECT_FAIL+="$2 "; shift 2 ;;
        --) shift; break ;;
        *) echo "migrate.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
OUT=${OUT:-/tmp/vmh/migrate/$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log() { echo "migrate: $*" >&2; }
QMP="$HERE/lib/qmp.py"
export ROOT

"$HERE/vm-run.sh" --prepare-only -o "$OUT/prep" -w "$WORKLOAD" --no-fio "$@" > "$OUT/prepare.log" 2>&1 ||
    { log "vm-run.sh --prepare-only failed:"; tail -n 20 "$OUT/prepare.log" >&2; exit 8; }
eval "BASE=($(cat "$OUT/prep/qemu.cmd"))"

declare -a QPIDS BPIDS
cleanup() {
    local p
    for p in "${QPIDS[@]}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
    sleep 1
    for p in "${BPIDS[@]}"; do [ -n "$p" ] && kill -TERM -- "-$p" 2>/dev/null; done
}
trap 'cleanup; exit 130' INT TERM

start_backend() { # hop
    local hop=$1 sock=$OUT/vfs-$1.sock
    ( export SOCK=$sock HOP=$hop; exec setsid bash -c "$BACKEND" ) > "$OUT/backend-$hop.log" 2>&1 < /dev/null &
    BPIDS[$hop]=$!
    local i
    for i in $(seq 600); do [ -S "$sock" ] && return 0; kill -0 "${BPIDS[$hop]}" 2>/dev/null || break; sleep 0.1; done
    log "back-end $hop did not create $sock"; tail -n 20 "$OUT/backend-$hop.log" >&2
    return 1
}

start_qemu() { # hop [incoming-uri]
    local hop=$1 incoming=${2:-} args=() a
    for a in "${BASE[@]}"; do
        case "$a" in
            socket,id=vfs0,path=*) args+=("socket,id=vfs0,path=$OUT/vfs-$hop.sock") ;;
            file,id=con0,path=*) args+=("file,id=con0,path=$OUT/console-$hop.log") ;;
            *) args+=("$a") ;;
        esac
    done
    args+=(-qmp "unix:$OUT/qmp-$hop.sock,server=on,wait=off")
    [ -n "$incoming" ] && args+=(-incoming "$incoming")
    printf '%q ' "${args[@]}" > "$OUT/qemu-$hop.cmd"
    : > "$OUT/console-$hop.log"
    "${args[@]}" > "$OUT/qemu-$hop.log" 2>&1 < /dev/null &
    QPIDS[$hop]=$!
    python3 "$QMP" "$OUT/qmp-$hop.sock" wait 60 || { log "QEMU $hop did not open its QMP socket"; cat "$OUT/qemu-$hop.log" >&2; return 1; }
}

wait_console() { # file pattern seconds
    local i
    for i in $(seq $(($3 * 10))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

T0=$(date +%s)
start_backend 0 || exit 3
start_qemu 0 || { cleanup; exit 8; }
if ! wait_console "$OUT/console-0.log" 'MIGRATE-READY\|===VMH-END\|===VMH-ERROR' 300 ||
        ! grep -q MIGRATE-READY "$OUT/console-0.log"; then
    log "the guest did not get ready:"; tr -d '\r' < "$OUT/console-0.log" | tail -n 20 >&2; cleanup; exit 5
fi
log "guest ready on hop 0 after $(( $(date +%s) - T0 )) s"
current=0
rc=0
for hop in $(seq 1 "$HOPS"); do
    sleep "$GAP"
    grep -q '===VMH-END' "$OUT/console-$current.log" && { log "the workload ended before hop $hop"; rc=1; break; }
    start_backend "$hop" || { rc=3; break; }
    start_qemu "$hop" "unix:$OUT/mig-$hop.sock" || { rc=8; break; }
    result=$(python3 "$QMP" "$OUT/qmp-$current.sock" migrate "unix:$OUT/mig-$hop.sock" 600)
    mrc=$?
    echo "HOP $hop $result"
    if [[ "$EXPECT_FAIL" == *" $hop "* ]]; then
        if [ $mrc -eq 0 ]; then
            log "hop $hop was expected to fail but completed"; rc=1; current=$hop; break
        fi
        log "hop $hop failed as expected; the guest goes on on hop $current"
        kill "${QPIDS[$hop]}" 2>/dev/null; wait "${QPIDS[$hop]}" 2>/dev/null; QPIDS[$hop]=
        for i in $(seq 100); do kill -0 "${BPIDS[$hop]}" 2>/dev/null || break; sleep 0.1; done
        kill -TERM -- "-${BPIDS[$hop]}" 2>/dev/null; wait "${BPIDS[$hop]}" 2>/dev/null; BPIDS[$hop]=
        python3 "$QMP" "$OUT/qmp-$current.sock" cont >/dev/null 2>&1
        echo "HOP $hop source_status=$(python3 "$QMP" "$OUT/qmp-$current.sock" query-status)"
        continue
    fi
    if [ $mrc -ne 0 ]; then
        if [ "$EXPECT_REFUSAL" = 1 ]; then
            log "migration refused as expected: $result"
            kill "${QPIDS[$hop]}" 2>/dev/null; wait "${QPIDS[$hop]}" 2>/dev/null; QPIDS[$hop]=
            python3 "$QMP" "$OUT/qmp-$current.sock" cont >/dev/null 2>&1
            EXPECT_REFUSAL=2
            break
        fi
        log "hop $hop failed: $result"; rc=1; break
    fi
    [ "$EXPECT_REFUSAL" = 1 ] && { log "hop $hop was expected to be refused but completed"; rc=1; break; }
    python3 "$QMP" "$OUT/qmp-$current.sock" quit >/dev/null 2>&1
    wait "${QPIDS[$current]}" 2>/dev/null; QPIDS[$current]=
    # The source's back-end exits with its QEMU (--exit-on-disconnect).
    for i in $(seq 100); do kill -0 "${BPIDS[$current]}" 2>/dev/null || break; sleep 0.1; done
    wait "${BPIDS[$current]}" 2>/dev/null; echo "HOP $hop source_backend_rc=$?"; BPIDS[$current]=
    current=$hop
done
# The guest finishes on the last side.
if ! wait_console "$OUT/console-$current.log" '===VMH-DONE' "$TIMEOUT"; then
    log "the guest did not finish on hop $current"; rc=${rc/#0/4}
fi
python3 "$QMP" "$OUT/qmp-$current.sock" quit >/dev/null 2>&1
wait "${QPIDS[$current]}" 2>/dev/null; QPIDS[$current]=
for i in $(seq 100); do kill -0 "${BPIDS[$current]}" 2>/dev/null || break; sleep 0.1; done
cleanup 2>/dev/null
cat "$OUT"/console-*.log | tr -d '\r' > "$OUT/console.txt"
for f in $(ls "$OUT"/console-*.log | sort -t- -k2 -n); do tr -d '\r' < "$f" | grep -E '^(ROUND|MIGRATION-|MIGRATE-|===VMH-END|===VMH-ERROR|background)' | sed "s|^|$(basename "$f" .log): |"; done > "$OUT/result.txt"
last=$(tr -d '\r' < "$OUT/console-$current.log")
# A workload that works in rounds (migration.sh) must have run some after the last hop.
if grep -q '^ROUND' "$OUT/console.txt" && [ "$current" != 0 ] && ! grep -q '^ROUND' <<<"$last"; then
    log "no round ran after the last hop"; rc=1
fi
grep -q '===VMH-END rc=0' <<<"$last" || { log "the workload failed: $(grep -E 'MIGRATION-FAIL|VMH-END|VMH-ERROR' <<<"$last" | head -3)"; rc=1; }
[ "$EXPECT_REFUSAL" = 1 ] && { log "no migration was refused"; rc=1; }
tail -n 3 "$OUT/result.txt"
log "rc=$rc hops=$current out=$OUT"
exit $rc
