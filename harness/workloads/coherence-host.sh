#!/usr/bin/env bash
# Host side of the coherence workload (vm-run.sh --prepare): starts an agent in the background
# that answers the guest through the shared directory while the guest runs. For each gN the guest
# writes, the agent writes hN ("host saw" and gN's content); for each bumpN it rewrites
# inplace.txt in place to "vN" (same length, same inode); for each growN it appends to grow.txt.
# It stops when the guest writes coherence-done (or after 10 minutes); its pid is in
# $RUN/coherence-agent.pid for coherence-check.sh.
set -euo pipefail
: "${SHARED:?}" "${RUN:?}"
rm -rf "$SHARED"/g* "$SHARED"/h* "$SHARED"/bump* "$SHARED"/grow* "$SHARED/inplace.txt" "$SHARED/coherence-done"
printf 'v00' > "$SHARED/inplace.txt"
printf 'x' > "$SHARED/grow.txt"
agent() {
    local end=$((SECONDS + 600)) f n
    while [ ! -e "$SHARED/coherence-done" ] && [ $SECONDS -lt $end ]; do
        for f in "$SHARED"/g[0-9]*; do
            [ -e "$f" ] || continue
            n=${f##*/g}
            if [ ! -e "$SHARED/h$n" ]; then
                echo "host saw $(cat "$f")" > "$SHARED/h$n.tmp" && mv "$SHARED/h$n.tmp" "$SHARED/h$n"
            fi
        done
        for f in "$SHARED"/bump[0-9]*; do
            [ -e "$f" ] || continue
            n=${f##*/bump}
            printf 'v%02d' "$n" | dd of="$SHARED/inplace.txt" conv=notrunc status=none
            rm -f "$f"
        done
        for f in "$SHARED"/grow[0-9]*; do
            [ -e "$f" ] || continue
            printf 'x' >> "$SHARED/grow.txt"
            rm -f "$f"
        done
        sleep 0.05
    done
}
agent > "$RUN/coherence-agent.log" 2>&1 < /dev/null &
echo $! > "$RUN/coherence-agent.pid"
disown
