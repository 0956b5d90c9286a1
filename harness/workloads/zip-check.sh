# Guest workload: a ZIP archive served read-only (bin/virtiofs serve --zip); busybox sh.
# The archive carries MANIFEST.sha256 (every other file's sha256, made on the host) and
# MANIFEST.sizes ("size path" lines); ZIP_FILES and ZIP_DIRS are the counts the host expects.
# Prints "PASS name" / "FAIL name: why" lines and "N passed, N failed"; exits non-zero on a failure.
M=${1:-/mnt}
cd "$M" || exit 1
P=0 F=0
pass() { P=$((P + 1)); echo "PASS $1"; }
fail() { F=$((F + 1)); echo "FAIL $1: $2"; }
eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2' want '$3'"; fi; }

eq zip-files "$(find . -type f | wc -l | tr -d ' ')" "${ZIP_FILES:?}"
eq zip-dirs "$(find . -type d | wc -l | tr -d ' ')" "${ZIP_DIRS:?}"
if sha256sum -c MANIFEST.sha256 > /tmp/sha.out 2>&1; then pass zip-content-sha256
else fail zip-content-sha256 "$(grep -v ': OK' /tmp/sha.out | head -5 | tr '\n' ' ')"; fi
bad=0
while read -r size path; do
    [ "$(stat -c %s "$path")" = "$size" ] || { bad=1; echo "size of $path: $(stat -c %s "$path"), want $size"; }
done < MANIFEST.sizes
[ $bad = 0 ] && pass zip-sizes || fail zip-sizes "see above"
eq zip-nested-read "$(cat docs/nested/hello.txt)" "hello from a zip"
# A read from the middle, after the whole file was read once: the same bytes.
eq zip-middle-read "$(dd if=docs/numbers.txt bs=1 skip=1000000 count=20 2>/dev/null | md5sum | cut -d' ' -f1)" \
    "$(tail -c +1000001 docs/numbers.txt | head -c 20 | md5sum | cut -d' ' -f1)"
for what in "touch new.txt" "mkdir newdir" "rm docs/nested/hello.txt" "mv docs docs2"; do
    if $what > /tmp/w.out 2>&1; then fail "zip-refuses ($what)" "succeeded"
    elif grep -q 'Read-only file system' /tmp/w.out; then pass "zip-refuses ($what)"
    else fail "zip-refuses ($what)" "$(head -c 200 /tmp/w.out)"; fi
done
if echo x > docs/nested/hello.txt 2> /tmp/w.out; then fail zip-refuses-write "succeeded"
else grep -q 'Read-only file system' /tmp/w.out && pass zip-refuses-write || fail zip-refuses-write "$(cat /tmp/w.out)"; fi
echo "$P passed, $F failed"
[ $F -eq 0 ]
