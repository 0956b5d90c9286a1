#!/usr/bin/env bash
# root.sh: a Debian trixie root beside the host (bookworm), for the newer stack the tests and
# benchmarks use: QEMU 11.1 (trixie-backports), virtiofsd 1.14 (sid), guest kernels 6.12-7.x,
# Ceph 18.2, libfuse 3.18 sources. Their libraries need trixie's libc, so they live in their own
# root and run from the host through the root's loader (`root.sh exec`) or by chroot.
#
# usage: root.sh ensure               make the root once (debootstrap minbase, apt sources, update)
#        root.sh install [-t SUITE] PKG...  ensure, then apt-get install in the root (from SUITE:
#                                     trixie, trixie-backports or sid; PKG may also be pkg/suite)
#        root.sh extract DIR SPEC...  download packages and unpack them into DIR (no maintainer
#                                     scripts: guest kernels, whose postinst wants a bootloader)
#        root.sh exec BINARY ARG...   run ROOT/BINARY on the host through the root's loader
#        root.sh chroot CMD...        run CMD inside the root (with /proc, /sys, /dev bound)
#        root.sh path                 print the root's directory
# The root is $VFJ_TRIXIE_ROOT (default /var/cache/virtiofs-java/trixie), outside any checkout, so
# a second run reuses it. Idempotent; run as root. Needs debootstrap (installed with apt if
# missing) and the Debian registry (deb.debian.org); says so in one line when it is unreachable.
set -euo pipefail
ROOT=${VFJ_TRIXIE_ROOT:-/var/cache/virtiofs-java/trixie}
MIRROR=${VFJ_DEBIAN_MIRROR:-http://deb.debian.org/debian}
log() { echo "root.sh: $*" >&2; }
die() { log "$*"; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot need it)"; }

reachable() {
    # The Release file of trixie answers when the registry is reachable.
    if command -v curl >/dev/null; then
        curl -fsS -m 20 -o /dev/null "$MIRROR/dists/trixie/Release"
    else
        (exec 3<>/dev/tcp/deb.debian.org/80) 2>/dev/null
    fi
}

chroot_apt() {
    chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
        apt-get -y -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-confold "$@"
}

ensure() {
    need_root
    if [ -f "$ROOT/.vfj-ready" ]; then
        return 0
    fi
    command -v debootstrap >/dev/null || {
        log "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get -y -o DPkg::Lock::Timeout=900 install debootstrap >/dev/null
    }
    reachable || die "the Debian registry ($MIRROR) is unreachable; cannot build the trixie root $ROOT"
    (
        flock 9
        [ -f "$ROOT/.vfj-ready" ] && exit 0
        log "building the trixie root in $ROOT (once, about a minute)"
        rm -rf "$ROOT.partial"
        mkdir -p "$(dirname "$ROOT")"
        debootstrap --variant=minbase trixie "$ROOT.partial" "$MIRROR" > "$(dirname "$ROOT")/debootstrap.log" 2>&1 ||
            die "debootstrap failed; see $(dirname "$ROOT")/debootstrap.log"
        cat > "$ROOT.partial/etc/apt/apt.conf.d/90virtiofs-java" <<'CONF'
// Some suites' Release files on this registry are past their Valid-Until date.
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
CONF
        cat > "$ROOT.partial/etc/apt/sources.list" <<LIST
deb $MIRROR trixie main
deb $MIRROR trixie-backports main
deb $MIRROR sid main
deb-src $MIRROR sid main
LIST
        # sid only when asked for by name (pkg/sid); trixie first otherwise.
        cat > "$ROOT.partial/etc/apt/preferences.d/90virtiofs-java" <<'PREF'
Package: *
Pin: release n=sid
Pin-Priority: 100
PREF
        cp /etc/resolv.conf "$ROOT.partial/etc/resolv.conf" 2>/dev/null || true
        rm -rf "$ROOT"
        mv "$ROOT.partial" "$ROOT"
        touch "$ROOT/.vfj-ready"
    ) 9>"$(dirname "$ROOT")/.trixie-root.lock"
    update
}

update() {
    # apt lists older than a day are refreshed.
    local stamp="$ROOT/.vfj-updated"
    if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
        if ! reachable; then
            # Stale lists still name what is installed and cached: go on with them.
            [ -f "$stamp" ] || die "the Debian registry ($MIRROR) is unreachable; cannot update the trixie root"
            log "the Debian registry ($MIRROR) is unreachable; using the package lists of $(date -r "$stamp" +%F)"
            return 0
        fi
        chroot_apt update >/dev/null || die "apt-get update failed in $ROOT"
        touch "$stamp"
    fi
}

installed() { # spec -> 0 when its package is installed in the root
    chroot "$ROOT" dpkg-query -W -f='${Status}' "${1%%/*}" 2>/dev/null | grep -q 'install ok installed'
}

install() {
    local suite=()
    if [ "${1:-}" = -t ]; then suite=(-t "$2"); shift 2; fi
    ensure
    local want=() s
    for s in "$@"; do installed "$s" || want+=("$s"); done
    [ ${#want[@]} -eq 0 ] && return 0
    update
    log "installing into the trixie root: ${suite[*]} ${want[*]}"
    (
        flock 9
        chroot_apt install "${suite[@]}" "${want[@]}" > "$ROOT/var/log/vfj-install.log" 2>&1 ||
            { tail -20 "$ROOT/var/log/vfj-install.log" >&2; exit 1; }
    ) 9>"$(dirname "$ROOT")/.trixie-root.lock" || die "apt-get install ${want[*]} failed in $ROOT"
}

extract() {
    local dest=$1; shift
    ensure
    update
    mkdir -p "$dest" "$ROOT/var/cache/vfj-debs"
    local s deb
    for s in "$@"; do
        if [ -f "$dest/.vfj-extracted-${s//\//_}" ]; then continue; fi
        log "unpacking $s into $dest"
        rm -f "$ROOT"/var/cache/vfj-debs/*.deb
        chroot "$ROOT" sh -c "cd /var/cache/vfj-debs && apt-get download '$s'" >/dev/null ||
            die "apt-get download $s failed"
        for deb in "$ROOT"/var/cache/vfj-debs/*.deb; do dpkg-deb -x "$deb" "$dest"; done
        touch "$dest/.vfj-extracted-${s//\//_}"
    done
}

loader_exec() {
    local bin=$1; shift
    exec "$ROOT/lib64/ld-linux-x86-64.so.2" \
        --library-path "$ROOT/lib/x86_64-linux-gnu:$ROOT/usr/lib/x86_64-linux-gnu" "$ROOT$bin" "$@"
}

in_chroot() {
    need_root
    local m
    for m in proc sys dev dev/pts run tmp; do
        mkdir -p "$ROOT/$m"
        mountpoint -q "$ROOT/$m" || mount --bind "/$m" "$ROOT/$m"
    done
    exec chroot "$ROOT" "$@"
}

case "${1:-}" in
    ensure) ensure ;;
    install) shift; install "$@" ;;
    extract) shift; extract "$@" ;;
    exec) shift; [ $# -ge 1 ] || die "usage: root.sh exec BINARY ARG..."; loader_exec "$@" ;;
    chroot) shift; in_chroot "$@" ;;
    path) echo "$ROOT" ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
