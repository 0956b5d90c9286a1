#!/bin/sh
# dax-bench.sh: reads of one file three ways, for BENCHMARKS.md's DAX table (run it with and
# without -o dax=always, and against the reference back-end): sequential 1 MiB reads, 4 KiB
# random reads at queue depth 1, and the file memory-mapped and read one page at a time. The
# caches are dropped before each, so every row starts cold. Prints RESULT lines (bench.sh).
M=${1:-/mnt}
SIZE=${DAXB_SIZE_MIB:-256}
RUNTIME=${DAXB_RUNTIME:-10}
F=$M/daxbench
dd if=/dev/urandom of="$F" bs=1M count="$SIZE" 2>/dev/null
sync
mode=never
grep " $M " /proc/self/mountinfo | grep -q 'dax=always' && mode=always
echo "dax-bench: $SIZE MiB file, dax=$mode"

fio_bw() { # name fio-args... -> RESULT line from fio's terse bandwidth (KiB/s) and IOPS
    name=$1; shift
    echo 3 > /proc/sys/vm/drop_caches
    out=$(fio --name="$name" --filename="$F" --output-format=terse --terse-version=3 "$@" 2>&1) || {
        echo "dax-bench: fio $name failed: $out"; return 1; }
    # terse v3: field 7 read bandwidth KiB/s, field 8 read IOPS
    bw=$(echo "$out" | awk -F';' '{print $7}')
    iops=$(echo "$out" | awk -F';' '{print $8}')
    echo "RESULT dax $name mib_s=$(awk -v b="$bw" 'BEGIN{printf "%.1f", b/1024}') iops=$iops"
}

fio_bw seqread --rw=read --bs=1M --ioengine=psync --size="${SIZE}M"
fio_bw randread4k --rw=randread --bs=4k --ioengine=psync --iodepth=1 --time_based --runtime="$RUNTIME" \
    --size="${SIZE}M" --randrepeat=1
echo 3 > /proc/sys/vm/drop_caches
out=$(daxcheck pages "$F")
echo "dax-bench: $out"
echo "RESULT dax mmap_pages mib_s=$(echo "$out" | sed -n 's/.* mb_s=\([^ ]*\).*/\1/p')"
# The same pages again, warm: DAX keeps its mappings, the page cache keeps its pages.
out=$(daxcheck pages "$F")
echo "RESULT dax mmap_pages_warm mib_s=$(echo "$out" | sed -n 's/.* mb_s=\([^ ]*\).*/\1/p')"
rm -f "$F"
