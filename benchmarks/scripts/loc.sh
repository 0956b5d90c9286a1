#!/usr/bin/env bash
# loc.sh FILE...: non-blank, non-comment lines (// and /* */ comments, Javadoc), then the same without package/import lines
for f in "$@"; do
awk -v name="$f" '
BEGIN { inc = 0; code = 0; imports = 0 }
{
  line = $0
  out = ""
  i = 1
  while (i <= length(line)) {
    if (inc) {
      j = index(substr(line, i), "*/")
      if (j == 0) { i = length(line) + 1 } else { i = i + j + 1; inc = 0 }
    } else {
      two = substr(line, i, 2)
      if (two == "//") break
      if (two == "/*") { inc = 1; i += 2; continue }
      out = out substr(line, i, 1); i++
    }
  }
  gsub(/[ \t]/, "", out)
  if (out != "") { code++; if (out ~ /^(import|package)/) imports++ }
}
END { printf "%-90s %4d code lines, %4d without package/import\n", name, code, code - imports }' "$f"
done
