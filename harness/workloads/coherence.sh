# Guest workload: the host and the guest see each other's changes at once on a share served with
# --cache never (busybox sh). Needs the agent of coherence-host.sh (vm-run.sh --prepare) running on
# the host. The guest writes gN and waits for the host's hN; asks the host to rewrite a file in
# place and reads the new bytes; asks it to grow a file and sees the new size; removes a file the
# host then no longer has. Tunable: COHERENCE_ROUNDS (default 10).
M=${1:-/mnt}
cd "$M" || exit 1
R=${COHERENCE_ROUNDS:-10}
P=0 F=0
pass() { P=$((P + 1)); echo "PASS $1"; }
fail() { F=$((F + 1)); echo "FAIL $1: $2"; }
eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2' want '$3'"; fi; }
wait_for() { # file, then the content wanted (or "" for any); waits up to 20 s
    t=0
    while [ $t -lt 400 ]; do
        if [ -e "$1" ]; then
            if [ -z "$2" ] || [ "$(cat "$1" 2>/dev/null)" = "$2" ]; then return 0; fi
        fi
        sleep 0.05; t=$((t + 1))
    done
    return 1
}
i=1
while [ $i -le "$R" ]; do
    printf 'round %s' "$i" > "tmp-g$i" && mv "tmp-g$i" "g$i"   # the host sees it whole
    if wait_for "h$i" "host saw round $i"; then pass "host-answer-$i"; else fail "host-answer-$i" "$(cat "h$i" 2>&1)"; fi
    i=$((i + 1))
done
i=1
while [ $i -le 5 ]; do
    : > "bump$i"
    want=$(printf 'v%02d' "$i")
    if wait_for inplace.txt "$want"; then pass "in-place-$i"; else fail "in-place-$i" "$(cat inplace.txt)"; fi
    : > "grow$i"
    want=$((i + 1))
    t=0; while [ "$(stat -c %s grow.txt)" != "$want" ] && [ $t -lt 400 ]; do sleep 0.05; t=$((t + 1)); done
    eq "grow-$i" "$(stat -c %s grow.txt)" "$want"
    i=$((i + 1))
done
echo "written by the guest" > guest-note.txt
rm -f g1
eq removed-name "$(ls g1 2>&1 | grep -c 'No such')" 1
: > coherence-done
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
