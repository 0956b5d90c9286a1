# Guest workload: the system calls behind the newer FUSE requests (harness/guest/fsops.c: statx
# with the birth time, copy_file_range, fallocate, lseek SEEK_DATA/SEEK_HOLE, O_TMPFILE, renameat2,
# xattrs, flock and OFD locks, utimensat, a shared mapping, O_DIRECT, mknod, syncfs), in a fresh
# directory of the share. Run by vm-run.sh as `sh protocol.sh /mnt`. The host side
# (harness/guest-tests.sh) then checks in the back-end's log which requests the guest sent and
# what INIT granted.
M=${1:-/mnt}
cd "$M" || exit 1
echo "protocol: kernel $(uname -r)"
command -v fsops > /dev/null || { echo "FAIL protocol: no fsops in the guest image (no gcc on the host?)"; exit 1; }
D=protocol.$$
mkdir "$D" || exit 1
fsops "$D"
rc=$?
rm -rf "$D" || rc=1
exit $rc
