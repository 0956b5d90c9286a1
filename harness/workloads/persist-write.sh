# Guest workload, first of two guests against one running back-end: leaves files behind.
M=${1:-/mnt}
cd "$M" || exit 1
mkdir -p persist && echo "${PERSIST_TOKEN:?}" > persist/token && dd if=/dev/urandom of=persist/data bs=64k count=16 2>/dev/null
sha256sum persist/data | cut -d' ' -f1 > persist/data.sha
sync
echo "PASS persist-write $(cat persist/token)"
