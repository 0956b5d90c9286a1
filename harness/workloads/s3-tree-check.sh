#!/usr/bin/env bash
# s3-tree-check.sh (host, vm-run --check of s3-tree.sh): every 'MD5 <sum> <key>' the guest printed
# equals the MD5 of what the S3 API returns for that key, and the API has no other tree/ object.
set -uo pipefail
: "${RESULT:?}" "${S3TREE_BUCKET:?}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
guest=$(sed -n 's/^MD5 \([0-9a-f]*\) \(.*\)$/\1  \2/p' "$RESULT" | sort -k2)
api=$("$here/bin/virtiofs" s3 md5 "$S3TREE_BUCKET" tree/ | grep -v '/$' | sort -k2) || { echo "FAIL host: virtiofs s3 md5"; exit 1; }
if [ -z "$guest" ]; then echo "FAIL host: the guest printed no checksums"; exit 1; fi
if [ "$guest" = "$api" ]; then
    echo "PASS host: $(echo "$guest" | wc -l) checksums equal to the S3 API's"
else
    echo "FAIL host: the guest's checksums differ from the S3 API's:"
    diff <(echo "$guest") <(echo "$api") | head -20
    exit 1
fi
