# Guest workload: requests on one request queue do not wait behind a request held in the file
# system on another (busybox sh). Needs a back-end started with `serve --test-gate SECONDS`
# (a LOOKUP of .gate-hold* waits in the file system until a LOOKUP of .gate-open) and a guest
# with 2+ vCPUs and as many request queues (Linux 6.11+ sends each CPU's requests to its own
# queue). Run by vm-run.sh as `sh multiqueue.sh /mnt`.
#
# Process A, pinned to CPU 0, looks up hold/.gate-hold-1 and stays inside the back-end. Process
# B, pinned to CPU 1, then creates, writes, reads and lists MQ_FILES files in work/ (another
# directory: a lookup holds its directory's lock shared, a create takes it exclusively) and
# finally looks up work/.gate-open, which releases A. PASS needs B done while A was still held,
# well within the hold time; with one queue (or one thread for every queue) B waits until the
# hold times out and the workload fails.
# Tunables: MQ_FILES (default 50), MQ_LIMIT_S (default 50: B must finish within this; keep it
# below the back-end's --test-gate hold time).
M=${1:-/mnt}
cd "$M" || exit 1
N=${MQ_FILES:-50}
LIMIT=${MQ_LIMIT_S:-50}
up() { read u _ < /proc/uptime; echo "$u"; }
cpus=$(nproc)
echo "multiqueue: cpus=$cpus kernel=$(uname -r)"
[ "$cpus" -ge 2 ] || { echo "FAIL multiqueue: needs 2 vCPUs, has $cpus"; exit 1; }
mkdir -p hold work || exit 1
# The share's request interrupts per queue, before and after: each CPU's queue is used.
grep 'virtio[0-9]*-requests' /proc/interrupts | sed 's/^/multiqueue: irq /'

t0=$(up)
( taskset -c 0 stat hold/.gate-hold-1 > /dev/null 2>&1; up > /tmp/a.done ) &
a=$!
sleep 1
[ -f /tmp/a.done ] && { echo "FAIL multiqueue: the hold returned at once (back-end without --test-gate?)"; exit 1; }
t1=$(up)
taskset -c 1 sh -c '
    i=0
    while [ $i -lt '"$N"' ]; do echo "file $i" > work/f$i || exit 1; i=$((i + 1)); done
    i=0
    while [ $i -lt '"$N"' ]; do [ "$(cat work/f$i)" = "file $i" ] || exit 1; i=$((i + 1)); done
    [ "$(ls work | wc -l)" -eq '"$N"' ] || exit 1
' || { echo "FAIL multiqueue: process B's work failed"; exit 1; }
t2=$(up)
held=0
[ -f /tmp/a.done ] || held=1
taskset -c 1 stat work/.gate-open > /dev/null 2>&1
wait $a
t3=$(cat /tmp/a.done)
grep 'virtio[0-9]*-requests' /proc/interrupts | sed 's/^/multiqueue: irq /'
b=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
h=$(awk -v a="$t0" -v b="$t3" 'BEGIN { printf "%.2f", b - a }')
echo "multiqueue: B took ${b}s for $N files; A was held ${h}s; A still held when B finished: $held"
echo "RESULT multiqueue other-queue secs=$b held_secs=$h"
rm -rf work hold
if [ "$held" = 1 ] && awk -v b="$b" -v l="$LIMIT" 'BEGIN { exit !(b < l) }'; then
    echo "PASS multiqueue"
else
    echo "FAIL multiqueue: process B finished after ${b}s (limit ${LIMIT}s), A held until then: $held"
    exit 1
fi
