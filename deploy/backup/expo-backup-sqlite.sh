#!/usr/bin/env bash
# A backup of the embedded default (one SQLite file) while expo runs, with retention.
#
#   expo-backup-sqlite.sh [DATABASE]   default "$EXPO_DATA_DIR/expo.sqlite3"
#   EXPO_BACKUP_DIR, EXPO_BACKUP_KEEP_DAYS, EXPO_BACKUP_KEEP_MIN as for PostgreSQL
#
# Never copy expo.sqlite3 with cp or rsync while expo runs: the latest writes are in
# expo.sqlite3-wal until a checkpoint, and a copy of the file without it (or with a WAL
# copied at another instant) is missing data or corrupt. `VACUUM INTO` writes a consistent,
# compacted copy from one read transaction; expo keeps serving meanwhile.
# The archive also holds the data folder's secret_key (when EXPO_SECRET_KEY is not set, the
# events' ticket keys are sealed under it) and uploads/.
#
# Restore: deploy/backup/expo-restore-sqlite.sh ARCHIVE DATA-DIR, expo stopped.
set -euo pipefail

data="${EXPO_DATA_DIR:-./data}"
db="${1:-$data/expo.sqlite3}"
data="$(dirname -- "$db")"
dir="${EXPO_BACKUP_DIR:-/var/backups/expo}"
keep_days="${EXPO_BACKUP_KEEP_DAYS:-14}"
keep_min="${EXPO_BACKUP_KEEP_MIN:-7}"
python="${PYTHON:-python3}"
stamp="$(date -u +%Y%m%d-%H%M%S)"
umask 077
mkdir -p "$dir"
work="$(mktemp -d "$dir/.expo-sqlite-$stamp.XXXXXX")"
trap 'rm -rf -- "$work"' EXIT

"$python" - "$db" "$work/expo.sqlite3" <<'PY'
import sqlite3
import sys

source, copy = sys.argv[1], sys.argv[2]
db = sqlite3.connect(f"file:{source}?mode=rw", uri=True, timeout=30)  # never creates it
db.execute("PRAGMA busy_timeout = 30000")
db.execute("VACUUM INTO ?", (copy,))
db.close()
check = sqlite3.connect(copy)
(result,) = check.execute("PRAGMA integrity_check").fetchone()
check.close()
if result != "ok":
    sys.exit(f"expo-backup: the copy fails its integrity check: {result}")
PY
files=(expo.sqlite3)
[[ -f "$data/secret_key" ]] && cp -p -- "$data/secret_key" "$work/" && files+=(secret_key)
[[ -d "$data/uploads" ]] && ln -s -- "$(cd "$data" && pwd)/uploads" "$work/uploads" \
  && files+=(uploads)
tar --create --gzip --dereference --file="$work/archive.tar.gz" --directory="$work" \
    "${files[@]}"
mv -- "$work/archive.tar.gz" "$dir/expo-sqlite-$stamp.tar.gz"
echo "expo-backup: $dir/expo-sqlite-$stamp.tar.gz (${files[*]})"

find "$dir" -maxdepth 1 -name 'expo-sqlite-[0-9]*.tar.gz' -printf '%T@ %p\n' | sort -rn \
  | cut -d' ' -f2- | tail -n +"$((keep_min + 1))" | while read -r file; do
    if [[ -n "$(find "$file" -mtime +"$keep_days")" ]]; then
      rm -f -- "$file" && echo "expo-backup: removed $file"
    fi
  done
