#!/usr/bin/env bash
# Makes a large SQLite history for the benchmarks from the synthetic
# organisation's pairs file (tests/data/org/make_org.py --history-format pairs):
# about a million (sender, recipient) pairs at --scale 50. The store is created
# and migrated by rcptguard itself; the rows are then bulk-inserted with the
# sqlite3 shell, which is much faster than learning 5.6 million messages and
# gives the same pairs (clear mode). Display names go in too, normalised as
# NormalizeDisplayName does (case-folded, punctuation dropped, words sorted):
# the name checks look them up, so they are part of a check's cost.
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
# (sender, normalised name, recipient, messages, last_seen) for the names table.
python3 - "$work/pairs.tsv" "$work/names.tsv" <<'PY'
import sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    next(f)
    for line in f:
        sender, recipient, name, messages, first, last = line.rstrip("\n").split("\t")
        if not name or "@" in name:
            continue
        words = "".join(c if c.isalnum() else " " for c in name.casefold()).split()
        if words:
            out.write("%s\t%s\t%s\t%s\t%s\n" % (sender, " ".join(sorted(words)), recipient,
                                                  messages, last))
PY
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
CREATE TABLE staged_names (sender TEXT, name TEXT, recipient TEXT, messages TEXT, last_seen TEXT);
.import $work/names.tsv staged_names
INSERT INTO names (sender, name, recipient, messages, last_seen, seq)
  SELECT sender, name, recipient, sum(CAST(messages AS INTEGER)), max(CAST(last_seen AS INTEGER)),
         (SELECT max(seq) FROM pairs) + min(rowid)
  FROM staged_names GROUP BY sender, name, recipient;
UPDATE meta SET value = max((SELECT max(seq) FROM pairs), coalesce((SELECT max(seq) FROM names), 0))
  WHERE key = 'seq';
DROP TABLE staged;
DROP TABLE staged_names;
SQL
"$build/rcptguard" history --store "sqlite://$(realpath -m "$out")" stats
