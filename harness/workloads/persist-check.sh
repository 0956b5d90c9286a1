# Guest workload, second guest against the same running back-end: finds what the first left.
M=${1:-/mnt}
cd "$M" || exit 1
F=0
[ "$(cat persist/token 2>/dev/null)" = "${PERSIST_TOKEN:?}" ] && echo "PASS persist-token" || { echo "FAIL persist-token"; F=1; }
[ "$(sha256sum persist/data | cut -d' ' -f1)" = "$(cat persist/data.sha)" ] && echo "PASS persist-data" || { echo "FAIL persist-data"; F=1; }
rm -rf persist && echo "PASS persist-cleanup" || F=1
exit $F
