#!/usr/bin/env bash
# Host side of the coherence workload (vm-run.sh --check): stops the agent, and checks what the
# guest left in the shared directory.
set -uo pipefail
: "${SHARED:?}" "${RUN:?}"
if [ -f "$RUN/coherence-agent.pid" ]; then kill "$(cat "$RUN/coherence-agent.pid")" 2>/dev/null; fi
P=0 F=0
ok() { P=$((P + 1)); echo "PASS host:$1"; }
bad() { F=$((F + 1)); echo "FAIL host:$1: $2"; }
[ "$(cat "$SHARED/guest-note.txt" 2>/dev/null)" = "written by the guest" ] && ok guest-note || bad guest-note "missing or wrong"
[ -e "$SHARED/g1" ] && bad removed "g1 still there" || ok removed
[ "$(cat "$SHARED/g2" 2>/dev/null)" = "round 2" ] && ok guest-round || bad guest-round "g2: $(cat "$SHARED/g2" 2>&1)"
[ -e "$SHARED/coherence-done" ] && ok done || bad done "no coherence-done"
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
