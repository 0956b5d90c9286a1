#!/bin/sh
# dax.sh: the DAX window in a guest (guest-tests.sh dax). Run on a mount with -o dax=always through
# QEMU 11.1's vhost-user-test-device-pci (virtio-id=26) against `serve --cache-size`, whose window
# should be smaller than DAX_BIG_MIB so that the guest must reclaim ranges (REMOVEMAPPING).
#   - /proc/self/mountinfo shows dax=always
#   - a file written through WRITE reads back identically by read() and by mmap(), also after
#     dropping caches
#   - bytes stored through a shared DAX mapping (msync, fsync) are the file system's own: a
#     copy_file_range, which memfs performs from its view of the file, carries them
#   - truncating a mapped file shrinks it, zeroes what grows back, and the file stays usable
#   - a small fsx (pwrite, read, mmap read, mmap write, truncate) against a model
#   - a file larger than the window read through mmap and read(); O_DIRECT I/O whose buffer is a
#     DAX mapping (requests whose descriptors point into the window); 200 small files created,
#     checked and deleted (the guest sets up and removes mappings all along)
# Each check prints one line; any failure ends with a non-zero status.
M=${1:-/mnt}
BIG=${DAX_BIG_MIB:-160}
SEED=${DAX_SEED:-$(date +%s)}
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
same() { [ "$2" = "$3" ] && ok "$1" || bad "$1: '$2' != '$3'"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

echo "dax: seed $SEED, big file $BIG MiB"
grep " $M " /proc/self/mountinfo | grep -q 'dax=always' && ok "mountinfo shows dax=always" ||
    bad "mountinfo: $(grep " $M " /proc/self/mountinfo)"

# WRITE, then read() and mmap()
dd if=/dev/urandom of=/tmp/src bs=1M count=5 2>/dev/null
cp /tmp/src "$M/rw" && sync
want=$(md5sum < /tmp/src)
same "read() after WRITE" "$(md5sum < "$M/rw")" "$want"
daxcheck verify "$M/rw" | grep -q 'mmap_equals_read=1' && ok "mmap() equals read()" || bad "mmap() differs from read()"
echo 3 > /proc/sys/vm/drop_caches
same "read() after drop_caches" "$(md5sum < "$M/rw")" "$want"

# stores through a shared mapping reach the file system
stored=$(daxcheck mwrite "$M/rw" 1000000 300000 "$SEED" | field sum)
same "read() sees the mmap stores" "$(daxcheck sum "$M/rw" 1000000 300000 | field sum)" "$stored"
daxcheck copy "$M/rw" "$M/copy" >/dev/null || bad "copy_file_range"
same "the file system's copy holds the mmap stores" "$(daxcheck sum "$M/copy" 1000000 300000 | field sum)" "$stored"
same "the whole copy" "$(md5sum < "$M/copy")" "$(md5sum < "$M/rw")"

# truncating a mapped file
daxcheck mwrite "$M/rw" 0 8192 7 >/dev/null
truncate -s 1000 "$M/rw"
same "size after truncate" "$(stat -c %s "$M/rw")" 1000
truncate -s 3000000 "$M/rw"
same "what grows back reads as zeros" "$(dd if="$M/rw" bs=1000 skip=1 count=2999 2>/dev/null | md5sum)" \
    "$(dd if=/dev/zero bs=1000 count=2999 2>/dev/null | md5sum)"
daxcheck verify "$M/rw" | grep -q 'mmap_equals_read=1' && ok "mmap() equals read() after truncate" ||
    bad "mmap() differs from read() after truncate"

# fsx
out=$(daxcheck fsx "$M/fsx" "${DAX_FSX_OPS:-3000}" "$SEED" 4194304)
case "$out" in "fsx ok"*) ok "$out" ;; *) bad "$out" ;; esac

# more than the window: the guest reclaims ranges
dd if=/dev/urandom of=/tmp/big bs=1M count="$BIG" 2>/dev/null
cp /tmp/big "$M/big" && sync
want=$(md5sum < /tmp/big)
rm /tmp/big
same "a file larger than the window, by read()" "$(md5sum < "$M/big")" "$want"
daxcheck verify "$M/big" | grep -q 'mmap_equals_read=1' && ok "a file larger than the window, by mmap()" ||
    bad "mmap() of a file larger than the window differs"
daxcheck pages "$M/big"
# O_DIRECT I/O whose buffer is a DAX mapping: the requests' descriptors point into the window
out=$(daxcheck odirect "$M/big" "$M/od")
case "$out" in *"same=1"*) ok "O_DIRECT from and into a DAX mapping: $out" ;; *) bad "O_DIRECT from a DAX mapping: $out" ;; esac
same "the file stays intact around it" "$(md5sum < "$M/big")" "$want"
rm -f "$M/od"
i=0
while [ $i -lt 200 ]; do
    echo "small $i" > "$M/s$i"
    i=$((i + 1))
done
i=0
while [ $i -lt 200 ]; do
    [ "$(cat "$M/s$i")" = "small $i" ] || bad "small file $i"
    rm "$M/s$i"
    i=$((i + 1))
done
ok "200 small files"
rm -f "$M/big" "$M/copy" "$M/fsx" "$M/rw"
echo "dax: $fails failure(s)"
[ $fails -eq 0 ]
