#!/usr/bin/env bash
# A nightly backup of expo's PostgreSQL database (pg_dump's custom format) and of the shared
# uploads, with retention. Run as a user that may read the database (expo-backup.timer does).
#
#   BACKUP_DATABASE_URL   libpq URL of PostgreSQL ITSELF, not PgBouncer (pg_dump holds one
#                         transaction and session settings); default EXPO_DATABASE_DIRECT_URL
#   EXPO_DATA_DIR         if set: its uploads/ are archived too (photos, BAST scans, imports)
#   EXPO_BACKUP_DIR       where backups go (default /var/backups/expo); copy it off the host
#   EXPO_BACKUP_KEEP_DAYS older backups are deleted (default 14) ...
#   EXPO_BACKUP_KEEP_MIN  ... but never the newest N of each kind (default 7)
#
# Restore: deploy/backup/expo-restore-postgres.sh DUMP URL-OF-AN-EMPTY-DATABASE.
# A dump is a point in time once a night; for recovery to any moment (the gates' last scans
# before a disk failed), add WAL archiving: deploy/README.md, "Backups".
set -euo pipefail

url="${BACKUP_DATABASE_URL:-${EXPO_DATABASE_DIRECT_URL:-}}"
if [[ -z "$url" ]]; then
  echo "expo-backup: set BACKUP_DATABASE_URL (or EXPO_DATABASE_DIRECT_URL)" >&2
  exit 2
fi
url="${url/#asyncpg:/postgres:}"
dir="${EXPO_BACKUP_DIR:-/var/backups/expo}"
keep_days="${EXPO_BACKUP_KEEP_DAYS:-14}"
keep_min="${EXPO_BACKUP_KEEP_MIN:-7}"
stamp="$(date -u +%Y%m%d-%H%M%S)"
umask 077
mkdir -p "$dir"

# Written under a temporary name, checked, then renamed: a half-written dump never looks
# like a backup.
partial="$dir/.expo-$stamp.dump.partial"
trap 'rm -f -- "$partial" "$dir/.expo-files-$stamp.tar.gz.partial"' EXIT
pg_dump --format=custom --compress=6 --no-password --file="$partial" --dbname="$url"
pg_restore --list "$partial" >/dev/null
mv -- "$partial" "$dir/expo-$stamp.dump"
echo "expo-backup: $dir/expo-$stamp.dump ($(du -h "$dir/expo-$stamp.dump" | cut -f1))"

if [[ -n "${EXPO_DATA_DIR:-}" && -d "$EXPO_DATA_DIR/uploads" ]]; then
  tar --create --gzip --file="$dir/.expo-files-$stamp.tar.gz.partial" \
      --directory="$EXPO_DATA_DIR" uploads
  mv -- "$dir/.expo-files-$stamp.tar.gz.partial" "$dir/expo-files-$stamp.tar.gz"
  echo "expo-backup: $dir/expo-files-$stamp.tar.gz"
fi

# Retention: of each kind, keep the newest $keep_min, and any younger than $keep_days days.
prune() {
  local pattern="$1" file
  find "$dir" -maxdepth 1 -name "$pattern" -printf '%T@ %p\n' | sort -rn | cut -d' ' -f2- \
    | tail -n +"$((keep_min + 1))" | while read -r file; do
      if [[ -n "$(find "$file" -mtime +"$keep_days")" ]]; then
        rm -f -- "$file" && echo "expo-backup: removed $file"
      fi
    done
}
prune 'expo-[0-9]*.dump'
prune 'expo-files-[0-9]*.tar.gz'
