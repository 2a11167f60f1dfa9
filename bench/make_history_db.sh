#!/usr/bin/env bash
# Makes a large SQLite history for the benchmarks from the synthetic
# organisation's pairs file (tests/data/org/make_org.py --history-format pairs):
# about a million (sender, recipient) pairs at --scale 50. The store is created
# and migrated by rcptguard itself; the rows are then bulk-inserted with the
# sqlite3 shell, which is much faster than learning 5.6 million messages and
# gives the same pairs (clear mode). Display names are left out: they need
# rcptguard's normalisation, and they do not change the cost of a check.
#
# Usage: bash bench/make_history_db.sh OUT.db [SCALE]    (needs build/rcptguard, sqlite3)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: make_history_db.sh OUT.db [SCALE]}
scale=${2:-50}
build=${BUILD_DIR:-build}
work=$(mktemp -d /tmp/rcptguard-historydb.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 tests/data/org/make_org.py --out "$work" --scale "$scale" --history-format pairs > /dev/null
rm -f "$out" "$out-wal" "$out-shm"
"$build/rcptguard" history --store "sqlite://$(realpath -m "$out")" stats > /dev/null
sqlite3 "$out" <<SQL
.mode tabs
.import $work/pairs.tsv staged
INSERT INTO pairs (sender, recipient, domain, messages, first_seen, last_seen, local_digests, seq)
  SELECT sender, recipient, substr(recipient, instr(recipient, '@') + 1),
         sum(CAST(messages AS INTEGER)), min(CAST(first_seen AS INTEGER)),
         max(CAST(last_seen AS INTEGER)), NULL, min(rowid)
  FROM staged GROUP BY sender, recipient;
UPDATE meta SET value = (SELECT max(seq) FROM pairs) WHERE key = 'seq';
DROP TABLE staged;
SQL
"$build/rcptguard" history --store "sqlite://$(realpath -m "$out")" stats
