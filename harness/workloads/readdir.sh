# Guest workload: directory listing speed of a virtio-fs share (busybox sh).
# Run by vm-run.sh as `sh readdir.sh /mnt` with cwd = /mnt. Makes READDIR_FILES empty files
# (default 3000), then lists the directory READDIR_PASSES times (default 6) with `ls -a`
# (busybox ls has no -f: the times include its sort).
# Output: one line per pass: RESULT readdir pass<N> entries=<n> ms=<elapsed, 10 ms resolution>
M=${1:-/mnt}
N=${READDIR_FILES:-3000}
P=${READDIR_PASSES:-6}
D=$M/readdir.$$
mkdir -p "$D" || exit 1
i=0
while [ $i -lt "$N" ]; do : > "$D/f$i" || exit 1; i=$((i + 1)); done
p=1
while [ $p -le "$P" ]; do
    read -r a _ < /proc/uptime
    entries=$(ls -a "$D" | wc -l)
    read -r b _ < /proc/uptime
    echo "RESULT readdir pass$p entries=$entries ms=$(echo "$a $b" | awk '{ printf "%d", ($2 - $1) * 1000 }')"
    [ "$entries" -eq $((N + 2)) ] || { echo "readdir: listed $entries entries, expected $((N + 2))"; exit 1; }
    p=$((p + 1))
done
rm -rf "$D"
