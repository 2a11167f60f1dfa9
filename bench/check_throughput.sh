#!/usr/bin/env bash
# Whole-process throughput and peak memory of `rcptguard check -` on one million
# generated addresses (90% clean or expected, 10% typos of provider domains).
#
#   bash bench/check_throughput.sh [COUNT]      # COUNT defaults to 1000000
#
# Environment: BUILD_DIR (default: <repo>/build), RUNS (default 5). Needs
# hyperfine (installed with apt-get if missing), python3 and GNU time.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build}"
rcptguard="$build_dir/rcptguard"
count="${1:-1000000}"
runs="${RUNS:-5}"
small_count=$((count / 10))

[[ -x "$rcptguard" ]] || { echo "check_throughput.sh: no $rcptguard; build it first" >&2; exit 2; }
command -v python3 >/dev/null || { echo "check_throughput.sh: python3 is needed" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "check_throughput.sh: GNU time (/usr/bin/time) is needed" >&2; exit 2; }
if ! command -v hyperfine >/dev/null; then
  apt-get install -y hyperfine >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The addresses: deterministic (a fixed seed and only random.random(), whose
# sequence Python guarantees across versions), so every run checks the same
# input. Provider domains come from data/providers.txt, the expected set that
# `check` uses when there is no configuration file, weighted by their share.
python3 - "$repo/data/providers.txt" "$count" >"$work/addresses.txt" <<'PY'
import sys

providers_path, count = sys.argv[1], int(sys.argv[2])

providers, weights = [], []
with open(providers_path, encoding="utf-8") as f:
    for line in f:
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        providers.append(line[0])
        weights.append(float(line[1]) if len(line) > 1 else 1.0)
cumulative, total = [], 0.0
for w in weights:
    total += w
    cumulative.append(total)

import bisect
import random

rng = random.Random(20261126)

def below(n):
    return int(rng.random() * n)

def pick_provider():
    return providers[bisect.bisect_left(cumulative, rng.random() * total)]

SYLLABLES = ("ba be bra ca co da de dor el fa fe ga gen ha in ka ko la le li lo ma me "
             "mi mo na ne no or pa pe ra re ri ro sa se so ta te tek ti to tra van ver "
             "vi zen").split()
SUFFIXES = ["com"] * 10 + ["net", "org", "de", "co.uk", "fr", "nl", "com.au", "io"]
FIRST = "anna ben chris david emma frank grace hans ines jan kim lena max nora paul sara tom".split()
LAST = "smith meyer jones novak garcia muller rossi dubois jensen kowalski silva brown".split()
NEIGHBOURS = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}

def local_part():
    first, last = FIRST[below(len(FIRST))], LAST[below(len(LAST))]
    form = below(4)
    if form == 0:
        return first
    if form == 1:
        return first + "." + last
    if form == 2:
        return first[0] + last
    return first + str(below(100))

def random_domain():
    target = 4 + below(11)
    label = ""
    while len(label) < target:
        label += SYLLABLES[below(len(SYLLABLES))]
    return label[:target] + "." + SUFFIXES[below(len(SUFFIXES))]

def typo(domain):
    label, _, suffix = domain.partition(".")
    if below(8) == 0 and suffix == "com":
        return label + ".con"
    at = below(len(label))
    kind = below(5)
    if kind == 0:    # omission: gmail -> gmal
        label = label[:at] + label[at + 1:]
    elif kind == 1:  # repetition: gmail -> gmaill
        label = label[:at] + label[at] + label[at:]
    elif kind == 2:  # transposition: gmail -> gmial
        at = min(at, len(label) - 2)
        label = label[:at] + label[at + 1] + label[at] + label[at + 2:]
    else:            # keyboard substitution or insertion of a neighbouring key
        near = NEIGHBOURS.get(label[at], "e")
        key = near[below(len(near))]
        label = label[:at] + key + label[at + (kind == 3):]
    return label + "." + suffix

out = sys.stdout
for _ in range(count):
    roll = below(100)
    if roll < 45:
        domain = pick_provider()
    elif roll < 90:
        domain = random_domain()
    else:
        domain = typo(pick_provider())
    out.write(local_part() + "@" + domain + "\n")
PY
head -n "$small_count" "$work/addresses.txt" >"$work/addresses_small.txt"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "input: $count addresses ($(wc -c <"$work/addresses.txt") bytes); verdicts:"
"$rcptguard" check --format jsonl - <"$work/addresses.txt" |
  grep -o '"verdict":"[a-z]*"' | sort | uniq -c | sed 's/^/  /' || true

# `check` exits 1 when any address is not allowed, which this input always has,
# so hyperfine must not treat that as a failure (-i). `check` uses one thread
# per core by default; the --threads 1 run gives the single-core figure.
hyperfine --warmup 1 --runs "$runs" -i --export-json "$work/hyperfine.json" \
  --command-name "check --format jsonl" "$rcptguard check --format jsonl - < $work/addresses.txt > /dev/null" \
  --command-name "check --format text" "$rcptguard check --format text - < $work/addresses.txt > /dev/null" \
  --command-name "check --format jsonl --threads 1" "$rcptguard check --format jsonl --threads 1 - < $work/addresses.txt > /dev/null"

echo
python3 - "$work/hyperfine.json" "$count" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
count = int(sys.argv[2])
for r in results:
    print(f"{r['command']}: median {r['median']:.3f} s over {len(r['times'])} runs "
          f"-> {count / r['median']:,.0f} addresses/s")
PY

# Peak RSS for one run at a tenth of the input and at the full input: a
# streaming `check` should need the same memory for both.
for file in "$work/addresses_small.txt" "$work/addresses.txt"; do
  lines=$(wc -l <"$file")
  rss=$({ /usr/bin/time -v "$rcptguard" check --format jsonl - <"$file" >/dev/null || true; } 2>&1 |
        awk -F': ' '/Maximum resident set size/ {print $2}')
  echo "peak RSS, check --format jsonl, $lines addresses: $rss KiB"
done
