#!/bin/sh
# s3-perf.sh (guest): the S3 gateway benchmark's guest column (benchmarks/scripts/s3-bench.sh):
# a 1 MiB sequential write of S3PERF_SIZE MiB (close included: the upload), a 1 MiB sequential
# read of the object the S3 API wrote (seq-client-RUN), and listing list/ (S3PERF_OBJECTS names).
set -u
cd "$1"
size=${S3PERF_SIZE:-256}
run=${S3PERF_RUN:-1}
now() { cat /proc/uptime | cut -d' ' -f1; }
rate() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }
begin=$(now)
dd if=/dev/urandom of=/tmp/source bs=1M count="$size" 2>/dev/null
t0=$(now); dd if=/tmp/source of="seq-guest-$run" bs=1M 2>/dev/null || exit 1; t1=$(now)
echo "RESULT s3perf write mib=$size seconds=$(awk -v a=$t0 -v b=$t1 'BEGIN{print b-a}') mib_per_s=$(rate $t0 $t1 $size)"
t0=$(now); dd if="seq-client-$run" of=/dev/null bs=1M 2>/dev/null || exit 1; t1=$(now)
echo "RESULT s3perf read mib=$size seconds=$(awk -v a=$t0 -v b=$t1 'BEGIN{print b-a}') mib_per_s=$(rate $t0 $t1 $size)"
t0=$(now); n=$(ls -a list | grep -vc '^\.\.\?$'); t1=$(now)  # busybox ls has no -f
echo "RESULT s3perf list names=$n names_per_s=$(rate $t0 $t1 $n)"
[ "$n" = "${S3PERF_OBJECTS:-$n}" ] || { echo "listed $n names"; exit 1; }
# The guest's clock under TCG may run fast or slow on a loaded host: the host compares this with
# its own measure of the workload (vm-run's workload_s) and corrects the rates.
echo "RESULT s3perf elapsed seconds=$(awk -v a=$begin -v b=$(now) 'BEGIN{print b-a}')"
