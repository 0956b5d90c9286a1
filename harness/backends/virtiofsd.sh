#!/usr/bin/env bash
# Reference back-end for vm-run.sh: the Rust virtiofsd (1.14 from sid, or trixie's 1.13.2) from
# harness/stack/root.sh's trixie root, run on the host through the root's loader.
#
# Env (set by vm-run.sh): SOCK = socket path to create, SHARED = directory to export.
#   VIRTIOFSD       the binary inside the root (default /usr/libexec/virtiofsd)
#   VIRTIOFSD_OPTS  options (default: the ones that match `virtiofs serve`'s defaults:
#                   --cache auto (1 s attribute and entry timeouts, no FOPEN_KEEP_CACHE, as memfs),
#                   --thread-pool-size 0 (requests run on the queue's thread, as ours),
#                   --sandbox none --seccomp none (ours has neither), --xattr (memfs has xattrs)
#                   and --killpriv-v2 (ours grants HANDLE_KILLPRIV_V2: without it a guest asks
#                   for security.capability before every write, 10x fewer 4 KiB random writes))
set -eu
: "${SOCK:?SOCK not set}" "${SHARED:?SHARED not set}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$("$HERE/../stack/root.sh" path)
BIN=${VIRTIOFSD:-/usr/libexec/virtiofsd}
[ -x "$ROOT$BIN" ] || { echo "virtiofsd.sh: no $ROOT$BIN (harness/setup.sh installs virtiofsd into the root)" >&2; exit 1; }
echo "virtiofsd.sh: $("$HERE/../stack/root.sh" exec "$BIN" --version 2>&1 | head -1)" >&2
# shellcheck disable=SC2086
exec "$HERE/../stack/root.sh" exec "$BIN" --socket-path="$SOCK" --shared-dir="$SHARED" \
    ${VIRTIOFSD_OPTS:---cache auto --thread-pool-size 0 --sandbox none --seccomp none --xattr --killpriv-v2}
