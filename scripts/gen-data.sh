#!/usr/bin/env bash
# Turns the reference data under data/ into C arrays compiled into shequ.
#   gen-data.sh gbt2260 data/gbt2260-all-codes.tsv     -> every county-level GB/T 2260 code seen 1980-2019
#   gen-data.sh divisions data/divisions-zhengzhou.csv -> Zhengzhou's divisions with statistical codes
#   gen-data.sh migrations NAME FILE.sql...             -> one engine's migrations as the array NAME
set -euo pipefail
kind=$1 file=$2
case $kind in
gbt2260)
  echo '/* Generated from data/gbt2260-all-codes.tsv by scripts/gen-data.sh: do not edit. */'
  echo '#include "refdata.h"'
  echo 'const struct gbt2260_code gbt2260_codes[] = {'
  awk -F'\t' 'NR>1 && length($1)==6 && $1 ~ /^[0-9]+$/ { printf "  {%s, \"%s\", %d, %d, %d},\n", $1, $2, $3, $4, ($5=="yes") }' "$file" | sort -t, -k1,1n
  echo '};'
  echo 'const int gbt2260_codes_count = sizeof gbt2260_codes / sizeof gbt2260_codes[0];'
  ;;
divisions)
  echo '/* Generated from data/divisions-zhengzhou.csv by scripts/gen-data.sh: do not edit. */'
  echo '#include "refdata.h"'
  echo 'const struct division divisions[] = {'
  awk -F',' 'NR>1 { printf "  {\"%s\", \"%s\", \"%s\", \"%s\", \"%s\", \"%s\"},\n", $1, $2, $3, $4, $5, $7 }' "$file"
  echo '};'
  echo 'const int divisions_count = sizeof divisions / sizeof divisions[0];'
  ;;
migrations)
  # one engine's NNNN_name.sql (db/migrations/ for SQLite, db/migrations/pg/ for PostgreSQL), in
  # order, as C strings in the array $2
  name=$2
  shift 2
  echo "/* Generated from the migrations of $name by scripts/gen-data.sh: do not edit. */"
  echo '#include "migrate.h"'
  echo "const struct migration $name[] = {"
  for f in "$@"; do
    base=$(basename "$f" .sql)
    printf '  {%d, "%s",\n' "$((10#${base%%_*}))" "${base#*_}"
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/   "/' -e 's/$/\\n"/' "$f"
    echo '  },'
  done
  echo '};'
  echo "const int ${name}_count = sizeof $name / sizeof ${name}[0];"
  ;;
*) echo "unknown kind $kind" >&2; exit 2 ;;
esac
