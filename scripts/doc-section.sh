#!/usr/bin/env bash
# Replaces one top-level section of a generated document (from its "# Heading" line to the next
# "# " line) with the contents of a file, or appends it when absent: make soak writes its figures
# into docs/BENCHMARKS.md this way and leaves the other sections as they are.
#   usage: doc-section.sh DOC "# Heading" SECTION_FILE
set -euo pipefail
doc=$1 heading=$2 section=$3
[ -f "$doc" ] || { cp "$section" "$doc"; exit 0; }
awk -v h="$heading" '$0 == h { skip = 1; next } skip && /^# / { skip = 0 } !skip { print }' "$doc" > "$doc.tmp"
sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$doc.tmp"            # no blank lines at the end
{ cat "$doc.tmp"; echo; cat "$section"; } > "$doc"
rm -f "$doc.tmp"
