#!/usr/bin/env bash
# Restore an archive of expo-backup-sqlite.sh into a data folder, with expo STOPPED:
#
#   systemctl stop expo
#   deploy/backup/expo-restore-sqlite.sh /var/backups/expo/expo-sqlite-STAMP.tar.gz /srv/expo/data
#   systemctl start expo
#
# The current database, if any, is kept beside it as expo.sqlite3.before-restore-STAMP (with
# its -wal and -shm files: a -wal left next to the restored file would be replayed into it).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 ARCHIVE DATA-DIR" >&2
  exit 2
fi
archive="$1" data="$2"
stamp="$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$data"
work="$(mktemp -d "$data/.restore.XXXXXX")"
trap 'rm -rf -- "$work"' EXIT
tar --extract --gzip --file="$archive" --directory="$work"
for suffix in "" -wal -shm; do
  if [[ -e "$data/expo.sqlite3$suffix" ]]; then
    mv -- "$data/expo.sqlite3$suffix" "$data/expo.sqlite3$suffix.before-restore-$stamp"
  fi
done
mv -- "$work/expo.sqlite3" "$data/expo.sqlite3"
if [[ -f "$work/secret_key" ]]; then
  [[ -e "$data/secret_key" ]] && mv -- "$data/secret_key" "$data/secret_key.before-restore-$stamp"
  mv -- "$work/secret_key" "$data/secret_key"
fi
if [[ -d "$work/uploads" ]]; then
  [[ -e "$data/uploads" ]] && mv -- "$data/uploads" "$data/uploads.before-restore-$stamp"
  mv -- "$work/uploads" "$data/uploads"
fi
echo "expo-restore: $archive restored into $data"
