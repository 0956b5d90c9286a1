# Guest workload: one job per vCPU, each pinned to its own vCPU (Linux 6.11+ sends a CPU's FUSE
# requests to that CPU's request queue), for harness/queues.sh. busybox sh + fio + mdbench.
# Run by vm-run.sh as `sh scale.sh /mnt` (needs the fio image: no --no-fio).
#
#   fio randread-4k / randwrite-4k   numjobs = vCPUs, iodepth SCALE_QD each, O_DIRECT, a file per job
#   fio seqread-1m / seqwrite-1m     numjobs = vCPUs, iodepth 4 each, a file per job
#   md-c <op>                        one mdbench per vCPU in its own directory, started together;
#                                    ops/s = all of their operations over the slowest one's time
# Tunables (vm-run.sh -e): SCALE_SIZE=64m (per job), SCALE_RUNTIME=5 (s per random job),
#   SCALE_QD=8, SCALE_MD_FILES=2000 (per vCPU), SCALE_SKIP="fio md".
# Output: RESULT lines as perf.sh's (bw_MiBps, iops, clat_p50_us for fio; ops_per_s for md-c).
M=${1:-/mnt}
SIZE=${SCALE_SIZE:-64m}
RUNTIME=${SCALE_RUNTIME:-5}
QD=${SCALE_QD:-8}
N=${SCALE_MD_FILES:-2000}
SKIP=" ${SCALE_SKIP:-} "
CPUS=$(nproc)
D=$M/scale.$$
up() { read u _ < /proc/uptime; echo "$u"; }
T_WORKLOAD=$(up)
rc=0
echo "scale: cpus=$CPUS size=$SIZE/job runtime=${RUNTIME}s qd=$QD md_files=$N/cpu kernel=$(uname -r)"
grep 'virtio[0-9]*-requests' /proc/interrupts | sed 's/^/scale: irq /'
mkdir -p "$D" || exit 1

if [ "${SKIP#* fio }" = "$SKIP" ]; then
    cat > /tmp/scale.fio <<EOF
[global]
directory=$D
size=$SIZE
direct=1
ioengine=libaio
thread=1
numjobs=$CPUS
cpus_allowed=0-$((CPUS - 1))
cpus_allowed_policy=split
group_reporting=1

[seqwrite-1m]
rw=write
bs=1M
iodepth=4
end_fsync=1

[seqread-1m]
stonewall
rw=read
bs=1M
iodepth=4

[randread-4k]
stonewall
rw=randread
bs=4k
iodepth=$QD
runtime=$RUNTIME
time_based=1

[randwrite-4k]
stonewall
rw=randwrite
bs=4k
iodepth=$QD
runtime=$RUNTIME
time_based=1
EOF
    fio --output-format=terse --terse-version=3 /tmp/scale.fio > /tmp/fio.out 2>/tmp/fio.err || { rc=1; cat /tmp/fio.err; }
    awk -F';' 'NF > 100 {
        o = ($47 > 0) ? 47 : 6
        p50 = ""
        for (i = o + 12; i <= o + 31; i++) { split($i, kv, "="); if (kv[1] == "50.000000%") p50 = kv[2] }
        printf "RESULT fio %s bw_MiBps=%.1f iops=%.0f clat_p50_us=%s err=%s\n", $3, $(o + 1) / 1024, $(o + 2), p50, $5
    }' /tmp/fio.out
    rm -f "$D"/*
fi

if [ "${SKIP#* md }" = "$SKIP" ]; then
    if command -v mdbench > /dev/null; then
        c=0
        while [ $c -lt "$CPUS" ]; do
            mkdir -p "$D/md$c"
            taskset -c "$c" mdbench "$D/md$c" "$N" > "/tmp/md$c.out" 2>&1 &
            c=$((c + 1))
        done
        wait
        cat /tmp/md*.out | awk -v cpus="$CPUS" '
            $1 == "MD" { n = $3; sub("n=", "", n); s = $4; sub("secs=", "", s)
                         ops[$2] += n; if (s + 0 > slow[$2] + 0) slow[$2] = s; seen[$2]++
                         if (!($2 in order)) { order[$2] = ++k; name[k] = $2 } }
            $1 != "MD" && $0 != "" { print "scale: mdbench: " $0; bad = 1 }
            END { for (i = 1; i <= k; i++) { p = name[i]
                      if (seen[p] != cpus) { print "scale: md " p " reported by " seen[p] " of " cpus; bad = 1 }
                      printf "RESULT md-c %s n=%d ops_per_s=%.0f\n", p, ops[p], (slow[p] > 0 ? ops[p] / slow[p] : 0) }
                  exit bad }' || rc=1
    else
        echo "scale: no mdbench in the guest image"; rc=1
    fi
fi
grep 'virtio[0-9]*-requests' /proc/interrupts | sed 's/^/scale: irq /'
rm -rf "$D"
echo "perf: guest_elapsed_s=$(awk -v a="$T_WORKLOAD" -v b="$(up)" 'BEGIN { printf "%.2f", b - a }')"
exit $rc
