#!/usr/bin/env bash
# Restore a dump of expo-backup-postgres.sh into an EMPTY database:
#
#   createdb -h 10.0.1.20 -U postgres -O expo expo_restored
#   deploy/backup/expo-restore-postgres.sh /var/backups/expo/expo-20270420-023000.dump \
#       postgres://expo@10.0.1.20:5432/expo_restored
#
# Then stop the web instances and the worker, point EXPO_DATABASE_URL (and PgBouncer's
# [databases] entry) and EXPO_DATABASE_DIRECT_URL at it, start them again. Restore the
# uploads with `tar -xzf expo-files-STAMP.tar.gz -C "$EXPO_DATA_DIR"`. The same
# EXPO_SECRET_KEY must be set: the events' ticket-signing keys are sealed under it.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 DUMP DATABASE-URL" >&2
  exit 2
fi
dump="$1" url="$2"
pg_restore --list "$dump" >/dev/null
# One transaction: a failed restore leaves the database empty, not half-filled. Objects are
# owned by the user restoring (the dump's owners and grants may not exist here).
pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --no-password \
    --dbname="$url" "$dump"
echo "expo-restore: $dump restored into ${url%%\?*}"
