#!/usr/bin/env bash
# Measures rcptguard's history-driven reasons on the synthetic organisation:
# generates it (make_org.py), learns its history into a temporary SQLite
# store, checks every sender's test recipients and scores the verdicts
# (score.py).
#
# Usage: tests/data/org/run_eval.sh RCPTGUARD [--format text|json] [--seed N]
#            [--data DIR] [--keep DIR] [--baseline] [--hashed]
#   RCPTGUARD   path of a built rcptguard binary (build/rcptguard)
#   --format    text (tables, default) or json
#   --seed N    generator seed (default: make_org.py's)
#   --data DIR  use an organisation already generated into DIR (history.mbox,
#               test.tsv, org.toml) instead of generating one
#   --keep DIR  keep the store, inputs and verdicts in DIR (default: a
#               temporary folder, removed at the end)
#   --baseline  also score `check` without the store (the look-alike detector
#               alone) for comparison
#   --hashed    keep the history in hashed mode ([history] secret_file, a
#               random secret): what the store can still tell without
#               addresses
# Exit status 0 once the figures are printed, whatever they are; 2 on a usage
# or tool error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '7,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 1 ]] || usage
bin=$1; shift
format=text seed= data= keep= baseline=0 hashed=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --format) format=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --baseline) baseline=1; shift ;;
    --hashed) hashed=1; shift ;;
    *) usage ;;
  esac
done
[[ $format == text || $format == json ]] || usage
[[ -x $bin ]] || { echo "run_eval.sh: $bin is not an executable" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

if [[ -n $keep ]]; then
  mkdir -p "$keep"; work=$(cd "$keep" && pwd)
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/rcptguard-org.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
log() { echo "run_eval.sh: $*" >&2; }

if [[ -z $data ]]; then
  data=$work/data
  log "generating the organisation into $data"
  python3 "$here/make_org.py" --out "$data" ${seed:+--seed "$seed"} --stats >&2
fi
for f in history.mbox test.tsv org.toml; do
  [[ -f $data/$f ]] || { echo "run_eval.sh: $data/$f is missing" >&2; exit 2; }
done

store="sqlite://$work/h.db"
rm -f "$work/h.db"
config=$data/org.toml
if [[ $hashed == 1 ]]; then
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/secret"
  config=$work/org-hashed.toml
  { cat "$data/org.toml"; printf '\n[history]\nsecret_file = "%s"\n' "$work/secret"; } > "$config"
fi
log "learning $data/history.mbox into $store"
start=$(date +%s)
"$bin" learn -c "$config" --mbox "$data/history.mbox" --store "$store" >&2 ||
  { echo "run_eval.sh: rcptguard learn failed" >&2; exit 2; }
log "learned in $(( $(date +%s) - start )) s"

# check_all DIR [STORE-ARGS...]: one `check` per sender, its test recipients
# on stdin, verdicts into DIR/NNNN.jsonl.
check_all() {
  local dir=$1; shift
  rm -rf "$dir"
  python3 "$here/score.py" split "$data/test.tsv" "$dir"
  local name sender rc
  while IFS=$'\t' read -r name sender; do
    rc=0
    "$bin" check "$@" -c "$config" --from "$sender" --format jsonl - \
      <"$dir/$name.in" >"$dir/$name.jsonl" || rc=$?
    if [[ $rc -gt 1 ]]; then
      echo "run_eval.sh: rcptguard check failed (exit $rc) for $sender" >&2
      exit 2
    fi
  done <"$dir/senders.tsv"
}

log "checking the test recipients with history"
start=$(date +%s)
check_all "$work/with-history" --store "$store"
log "checked in $(( $(date +%s) - start )) s"
baseline_args=()
if [[ $baseline == 1 ]]; then
  log "checking the test recipients without history"
  check_all "$work/without-history"
  baseline_args=(--baseline "$work/without-history")
fi
python3 "$here/score.py" score "$data/test.tsv" "$work/with-history" --format "$format" \
  "${baseline_args[@]}"
exit 0
