#!/usr/bin/env bash
# kernel.sh: guest kernels from Debian's packages, unpacked into a cache directory (never installed
# on the host: no /boot, no bootloader, no maintainer scripts).
#
# usage: kernel.sh fetch CHOICE     download and unpack once; prints the kernel's directory
#        kernel.sh dir CHOICE       prints the directory if it is there already (exit 1 if not)
#        kernel.sh list             the choices and what is cached
# CHOICE: 6.1 (bookworm, the host's suite; downloaded with the host's apt), 6.12 (trixie),
#         7.3 or 7 (trixie-backports), 7.2 (sid); the last three through root.sh's trixie root.
# A kernel's directory, $VFJ_CACHE/kernels/KVER (default /var/cache/virtiofs-java/kernels/KVER),
# holds boot/vmlinuz-KVER and lib/modules/KVER with its modules.dep (depmod -b), and is what
# harness/lib/build-initramfs.sh and vm-run.sh --kernel-version read.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${VFJ_CACHE:-/var/cache/virtiofs-java}/kernels
ROOTSH=$HERE/root.sh
log() { echo "kernel.sh: $*" >&2; }
die() { log "$*"; exit 1; }

suite_of() {
    case "$1" in
        6.1) echo bookworm ;;
        6.12) echo trixie ;;
        7|7.3) echo trixie-backports ;;
        7.2) echo sid ;;
        *) die "unknown kernel choice '$1' (6.1, 6.12, 7.3, 7.2)" ;;
    esac
}

# The apt-cache of the suite's side: the host's for bookworm, the root's chroot otherwise.
apt_cache() { # suite args...
    local suite=$1; shift
    if [ "$suite" = bookworm ]; then apt-cache "$@"; else chroot "$("$ROOTSH" path)" apt-cache "$@"; fi
}

# "name=version" of the concrete kernel packages behind linux-image-amd64 in SUITE: the image and,
# for the 7.x packaging, the binary and modules packages it depends on.
packages_of() { # suite
    local suite=$1 meta_ver image image_ver deps p
    # bookworm: the host's candidate (bookworm-security or -updates may be newer than bookworm);
    # the root's suites by name (sid is pinned low there).
    if [ "$suite" = bookworm ]; then
        meta_ver=$(apt-cache policy linux-image-amd64 | sed -n 's/^ *Candidate: //p')
    else
        meta_ver=$(apt_cache "$suite" show "linux-image-amd64/$suite" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
    fi
    [ -n "$meta_ver" ] || die "no linux-image-amd64 in $suite"
    image=$(apt_cache "$suite" show "linux-image-amd64=$meta_ver" | sed -n 's/^Depends: //p' | head -1 |
        tr ',' '\n' | sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -1)
    [ -n "$image" ] || die "linux-image-amd64=$meta_ver in $suite names no kernel image"
    image_ver=$(apt_cache "$suite" show "$image" | awk -v v="$meta_ver" '/^Version: / { if ($2 == v) f = 1 } END { print (f ? v : "") }')
    [ -n "$image_ver" ] || image_ver=$meta_ver
    echo "$image=$image_ver"
    deps=$(apt_cache "$suite" show "$image=$image_ver" | sed -n 's/^Depends: //p' | head -1)
    for p in $(tr ',|' '\n\n' <<<"$deps" | sed -n 's/^ *\(linux-\(base\|binary\|modules\)-[0-9][^ ]*\).*/\1/p'); do
        echo "$p=$image_ver"
    done
}

kver_of() { # "linux-image-KVER=version" -> KVER
    local n=${1%%=*}
    echo "${n#linux-image-}"
}

download() { # suite dir specs...
    local suite=$1 dir=$2; shift 2
    mkdir -p "$dir"
    if [ "$suite" = bookworm ]; then
        command -v apt-get >/dev/null || die "no apt-get on this machine: cannot fetch the bookworm kernel"
        if ! (cd "$dir" && apt-get download "$@" >/dev/null 2>"$dir/apt.err"); then
            # The host's package lists may name a version the registry no longer has.
            log "apt-get download failed; updating the host's package lists once"
            apt-get -o DPkg::Lock::Timeout=900 update >/dev/null 2>>"$dir/apt.err" ||
                { cat "$dir/apt.err" >&2; die "apt-get update failed: is the Debian registry reachable?"; }
            (cd "$dir" && apt-get download "$@" >/dev/null 2>"$dir/apt.err") || {
                cat "$dir/apt.err" >&2
                die "apt-get download $* failed (is the Debian registry reachable?)"
            }
        fi
    else
        local root debs
        root=$("$ROOTSH" path)
        debs=$root/var/cache/vfj-kernel-debs.$$
        mkdir -p "$debs"
        chroot "$root" sh -c "cd /var/cache/${debs##*/} && apt-get download $*" >/dev/null 2>"$dir/apt.err" || {
            cat "$dir/apt.err" >&2; rm -rf "$debs"
            die "apt-get download $* failed in the trixie root"
        }
        mv "$debs"/*.deb "$dir/"
        rm -rf "$debs"
    fi
    rm -f "$dir/apt.err"
}

fetch() { # choice
    local choice=$1 suite specs kver dest work deb
    suite=$(suite_of "$choice")
    if [ "$suite" != bookworm ]; then "$ROOTSH" ensure; fi
    mapfile -t specs < <(packages_of "$suite")
    kver=$(kver_of "${specs[0]}")
    dest=$CACHE/$kver
    if [ -f "$dest/.ready" ]; then echo "$dest"; return 0; fi
    mkdir -p "$CACHE"
    (
        flock 9
        [ -f "$dest/.ready" ] && exit 0
        log "fetching the $choice guest kernel $kver from $suite: ${specs[*]}"
        work=$(mktemp -d "$CACHE/.fetch.XXXXXX")
        trap 'rm -rf "$work"' EXIT
        download "$suite" "$work/debs" "${specs[@]}"
        mkdir -p "$work/tree"
        for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/tree"; done
        # Up to 6.12 Debian's kernels put the image in /boot and the modules in /lib/modules; from
        # 7.x both live in /usr/lib/modules/KVER (vmlinuz there).
        local moddir=$work/tree/lib/modules/$kver
        if [ ! -d "$moddir" ] && [ -d "$work/tree/usr/lib/modules/$kver" ]; then
            mkdir -p "$work/tree/lib/modules"
            mv "$work/tree/usr/lib/modules/$kver" "$moddir"
        fi
        [ -d "$moddir" ] || die "the packages of $kver hold no modules directory"
        if [ ! -f "$work/tree/boot/vmlinuz-$kver" ] && [ -f "$moddir/vmlinuz" ]; then
            mkdir -p "$work/tree/boot"
            mv "$moddir/vmlinuz" "$work/tree/boot/vmlinuz-$kver"
        fi
        [ -f "$work/tree/boot/vmlinuz-$kver" ] || die "the packages of $kver hold no kernel image"
        depmod -b "$work/tree" "$kver" || die "depmod -b for $kver failed"
        printf '%s\n' "${specs[@]}" > "$work/tree/packages"
        echo "$suite" > "$work/tree/suite"
        rm -rf "$dest"
        mv "$work/tree" "$dest"
        touch "$dest/.ready"
    ) 9>"$CACHE/.lock"
    [ -f "$dest/.ready" ] || exit 1
    echo "$dest"
}

cached_dir() { # choice -> newest cached directory of that series
    local choice=$1 suite d best=
    suite=$(suite_of "$choice")
    for d in $(ls -1d "$CACHE"/*/ 2>/dev/null | sort -V); do
        d=${d%/}
        [ -f "$d/.ready" ] && [ "$(cat "$d/suite" 2>/dev/null)" = "$suite" ] || continue
        best=$d
    done
    [ -n "$best" ] || return 1
    echo "$best"
}

case "${1:-}" in
    fetch) [ $# -eq 2 ] || die "usage: kernel.sh fetch CHOICE"; fetch "$2" ;;
    dir) [ $# -eq 2 ] || die "usage: kernel.sh dir CHOICE"; cached_dir "$2" ;;
    list)
        for c in 6.1 6.12 7.3 7.2; do
            d=$(cached_dir "$c" || true)
            printf '%-5s %-17s %s\n' "$c" "$(suite_of "$c")" "${d:-(not fetched)}"
        done ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
