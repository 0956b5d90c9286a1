# Guest workload: sequential 1 MiB O_DIRECT writes over one file, SEQWRITE_LOOPS times (default 12):
# the first loop writes new blocks, the others overwrite them. Needs fio in the guest image.
# Run by vm-run.sh as `sh seqwrite.sh /mnt`. Output: RESULT seqwrite loops=<n> bw_KiBps=<x>
M=${1:-/mnt}
LOOPS=${SEQWRITE_LOOPS:-12}
SIZE=${SEQWRITE_SIZE:-512m}
fio --name=seqwrite --filename="$M/seqwrite.dat" --rw=write --bs=1M --size="$SIZE" --direct=1 \
    --ioengine=libaio --iodepth=8 --loops="$LOOPS" --output-format=terse --terse-version=3 \
    | awk -F';' -v loops="$LOOPS" '{ print "RESULT seqwrite loops=" loops " bw_KiBps=" $48 }'
rm -f "$M/seqwrite.dat"
