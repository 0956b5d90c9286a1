#!/bin/sh
# s3-tree.sh (guest): the S3 gateway's guest test (harness/guest-tests.sh s3). With S3TREE=write:
# writes tree/ (S3TREE_FILES files of random sizes in nested directories, and big of
# S3TREE_BIG_MIB MiB: 64 MiB of random data repeated), lists it, drops the guest's caches, reads
# every file back and prints 'MD5 <sum> <key>' for the host to compare with the S3 API's. With
# S3TREE=delete: removes tree/ and checks that nothing is left, and that an object the host put
# through the S3 API (api-put/from-host) shows in the mount.
set -u
cd "$1" || exit 1
fail() { echo "FAIL $*"; exit 1; }
files=${S3TREE_FILES:-200}
big=${S3TREE_BIG_MIB:-1024}
case "${S3TREE:-write}" in
write)
    mkdir tree || fail "mkdir tree"
    i=0
    while [ $i -lt 10 ]; do mkdir -p tree/d$i/sub || fail "mkdir tree/d$i/sub"; i=$((i + 1)); done
    i=0
    while [ $i -lt "$files" ]; do
        dir=tree/d$((i % 10)); [ $((i % 3)) = 0 ] && dir=$dir/sub
        # sizes from 0 to ~190 KiB, varied by the file number
        dd if=/dev/urandom of="$dir/f$i" bs=1k count=$(( (i * 37) % 191 )) 2>/dev/null || fail "write $dir/f$i"
        i=$((i + 1))
    done
    dd if=/dev/urandom of=/tmp/chunk bs=1M count=64 2>/dev/null || fail "random chunk"
    start=$(cut -d' ' -f1 /proc/uptime)
    n=0
    # One writer in 1 MiB writes (busybox cat writes far smaller pieces, a round trip each under
    # TCG; and reopening an object without O_TRUNC to write more of it rewrites all of it).
    while [ $n -lt $((big / 64)) ]; do cat /tmp/chunk; n=$((n + 1)); done | dd of=tree/big obs=1M 2>/dev/null \
        || fail "write tree/big"
    end=$(cut -d' ' -f1 /proc/uptime)
    echo "RESULT s3tree big_write mib=$big seconds=$(awk -v a=$start -v b=$end 'BEGIN{print b-a}')"
    rm -f /tmp/chunk
    count=$(find tree -type f | wc -l)
    [ "$count" = $((files + 1)) ] || fail "listed $count files, wrote $((files + 1))"
    dirs=$(find tree -type d | wc -l)
    [ "$dirs" = 21 ] || fail "listed $dirs directories, made 21"
    [ "$(ls -l tree/big | awk '{print $5}')" = $((big * 1048576)) ] || fail "tree/big has the wrong size"
    sync
    echo 3 > /proc/sys/vm/drop_caches
    start=$(cut -d' ' -f1 /proc/uptime)
    find tree -type f | sort | while read -r f; do echo "MD5 $(md5sum "$f" | cut -d' ' -f1) $f"; done
    end=$(cut -d' ' -f1 /proc/uptime)
    echo "RESULT s3tree read_back_md5 seconds=$(awk -v a=$start -v b=$end 'BEGIN{print b-a}')"
    echo "PASS s3tree write, list, read back ($count files)"
    ;;
delete)
    [ -d tree ] || fail "tree/ is not there"
    rm -rf tree || fail "rm -rf tree"
    [ ! -e tree ] || fail "tree/ is still there"
    left=$(ls -A | grep -v '^api-put$' | wc -l)
    [ "$left" = 0 ] || fail "$left names left: $(ls -A)"
    [ "$(cat api-put/from-host 2>/dev/null)" = "put through the S3 API" ] || fail "api-put/from-host does not show"
    echo "PASS s3tree delete"
    ;;
esac
