# Guest workload: stress a virtio-fs share (busybox sh). Run by vm-run.sh as `sh stress.sh /mnt`.
# Many files, concurrent writers (one file and several files), a large file written and read
# back after dropping the guest's caches, renames, deep trees, a big directory listing.
# Every check compares with a reference computed on the guest's own tmpfs.
# Tunables: STRESS_FILES (default 1000), STRESS_BIG_MB (default 48), STRESS_WRITERS (default 4).
M=${1:-/mnt}
cd "$M" || exit 1
N=${STRESS_FILES:-1000}
BIG=${STRESS_BIG_MB:-48}
W=${STRESS_WRITERS:-4}
P=0 F=0
pass() { P=$((P + 1)); echo "PASS $1"; }
fail() { F=$((F + 1)); echo "FAIL $1: $2"; }
eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2' want '$3'"; fi; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
dropcaches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; }
D=stress.$$
mkdir "$D" || { echo "FAIL mkdir"; exit 1; }

# --- many small files, each with its own content
i=0
while [ $i -lt "$N" ]; do echo "file $i of $N" > "$D/f$i" || { fail many-create "f$i"; break; }; i=$((i + 1)); done
eq many-count "$(ls "$D" | wc -l | tr -d ' ')" "$N"
dropcaches
bad=0; i=0
while [ $i -lt "$N" ]; do [ "$(cat "$D/f$i")" = "file $i of $N" ] || bad=$((bad + 1)); i=$((i + 1)); done
eq many-content "$bad" 0
i=0
while [ $i -lt "$N" ]; do mv "$D/f$i" "$D/g$i" || bad=$((bad + 1)); i=$((i + 2)); done
eq many-rename-count "$(ls "$D" | grep -c '^g')" "$(( (N + 1) / 2 ))"
rm -f "$D"/f* "$D"/g*
eq many-unlink "$(ls "$D" | wc -l | tr -d ' ')" 0

# --- concurrent writers into one file, each its own 1 MiB region
dd if=/dev/urandom of=/tmp/regions bs=1M count="$W" 2>/dev/null
: > "$D/shared.bin"
j=0
while [ $j -lt "$W" ]; do
    dd if=/tmp/regions of="$D/shared.bin" bs=64k skip=$((j * 16)) seek=$((j * 16)) count=16 conv=notrunc 2>/dev/null &
    j=$((j + 1))
done
wait
dropcaches
eq concurrent-one-file "$(sha "$D/shared.bin")" "$(sha /tmp/regions)"

# --- concurrent writers into separate files
j=0
while [ $j -lt "$W" ]; do
    ( dd if=/dev/urandom of="/tmp/w$j" bs=64k count=64 2>/dev/null && cp "/tmp/w$j" "$D/w$j" ) &
    j=$((j + 1))
done
wait
dropcaches
bad=0; j=0
while [ $j -lt "$W" ]; do [ "$(sha "$D/w$j")" = "$(sha "/tmp/w$j")" ] || bad=$((bad + 1)); j=$((j + 1)); done
eq concurrent-files "$bad" 0
rm -f /tmp/w*

# --- a large file, written, then read back after dropping caches
dd if=/dev/urandom of=/tmp/big bs=1M count="$BIG" 2>/dev/null
dd if=/tmp/big of="$D/big" bs=1M conv=fsync 2>/dev/null
dropcaches
eq big-size "$(stat -c %s "$D/big")" "$((BIG * 1048576))"
eq big-sha "$(sha "$D/big")" "$(sha /tmp/big)"
# rewrite a middle megabyte and read it back
dd if=/dev/urandom of=/tmp/mid bs=1M count=1 2>/dev/null
dd if=/tmp/mid of="$D/big" bs=1M seek=$((BIG / 2)) conv=notrunc,fsync 2>/dev/null
dd if=/tmp/mid of=/tmp/big bs=1M seek=$((BIG / 2)) conv=notrunc 2>/dev/null
dropcaches
eq big-rewrite-sha "$(sha "$D/big")" "$(sha /tmp/big)"
rm -f /tmp/big /tmp/mid "$D/big"

# --- a deep tree, then removed in one go
p="$D/t"
k=0
while [ $k -lt 30 ]; do p="$p/d$k"; k=$((k + 1)); done
mkdir -p "$p" && echo deep > "$p/leaf"
eq deep-leaf "$(cat "$p/leaf")" deep
rm -rf "$D/t"
if [ -e "$D/t" ]; then fail deep-rm "still there"; else pass deep-rm; fi

rm -f "$D/shared.bin" "$D"/w* /tmp/regions
rmdir "$D" && pass cleanup || fail cleanup "rmdir $D: $(ls -A "$D" | head -5 | tr '\n' ' ')"
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
