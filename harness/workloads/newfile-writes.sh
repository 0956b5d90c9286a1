# Guest workload: NEWFILE_ROUNDS (default 4) rounds of writing a new NEWFILE_SIZE (512m) file with
# sequential 1 MiB O_DIRECT writes, 8 in flight, then deleting it. NEWFILE_CPU pins fio to one
# guest CPU (empty: the guest scheduler decides; perf.sh runs its seqwrite on the CPU that does
# not take the request interrupts, 1 on a 2-CPU guest); NEWFILE_FSYNC=1 adds fio's end_fsync as
# perf.sh does; NEWFILE_SLEEP seconds of idle come first (default 0). Needs fio in the guest
# image. Run by vm-run.sh as `sh newfile-writes.sh /mnt`.
# Output: RESULT newfile round=<i> bw_MiBps=<x>
M=${1:-/mnt}
ROUNDS=${NEWFILE_ROUNDS:-4}
SIZE=${NEWFILE_SIZE:-512m}
pin=
[ -n "${NEWFILE_CPU:-}" ] && pin="--cpus_allowed=$NEWFILE_CPU"
sleep "${NEWFILE_SLEEP:-0}"
i=1
while [ "$i" -le "$ROUNDS" ]; do
    fio --name=newfile --filename="$M/newfile.dat" --rw=write --bs=1M --size="$SIZE" --direct=1 \
        --ioengine=libaio --iodepth=8 --end_fsync="${NEWFILE_FSYNC:-0}" $pin \
        --output-format=terse --terse-version=3 \
        | awk -F';' -v i="$i" '{ printf "RESULT newfile round=%d bw_MiBps=%.1f\n", i, $48 / 1024 }'
    rm -f "$M/newfile.dat"
    i=$((i + 1))
done
