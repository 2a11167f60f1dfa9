#!/usr/bin/env python3
"""Generate typos_independent.tsv: look-alikes from sources that owe nothing to
rcptguard's typo model.

Usage (from the repository root; bench/compare/run.sh installs the npm data):

    /usr/bin/python3 tests/data/eval/make_independent.py \
        --confusables bench/compare/node_modules/unhomoglyph/data.json \
        > tests/data/eval/typos_independent.tsv

Sources (facts carried over, no code copied), as of 2026-12-02:
* realworld.tsv: typo -> domain pairs published by other projects' typo lists
  (each row names its source; see the file's header).
* Debian's dnstwist 0~20221213 (Fuzzer.generate(), imported from
  /usr/lib/python3/dist-packages/dnstwist.py; no DNS is asked): its own
  permutation families, one class each ("dnstwist-omission", ...).
* Unicode's confusables.txt, as shipped in the npm package unhomoglyph 1.0.6
  (data.json maps each confusable to its prototype): the Cyrillic and Greek
  letters whose prototype is one Latin letter.
* UnicodeData.txt 15.0 (Debian unicode-data, /usr/share/unicode): the Latin
  letters whose canonical decomposition is an ASCII letter and combining marks.
* The dot and two-slip families are defined here: a dot moved one place (in
  the whole name), and two slips drawn from make_typos.py's keyboard maps and
  edit primitives in a registrable label of five letters or more.

Each row is checked as make_typos.py checks its own: not an expected domain or
under one, not a legitimate or shipped known domain, not produced from two
expected domains. Deterministic for the same inputs.
"""

import argparse
import os
import random
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_typos  # noqa: E402  (the PSL parser, keyboard maps and edit primitives)

SEED = 20261202
PER_CLASS = 160
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def read_list(path):
    out = []
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.split("#", 1)[0].strip()
            if line:
                out.append(line.split()[0].lower())
    return out


def a_label(label):
    if all(ord(c) < 128 for c in label):
        return label
    return "xn--" + label.encode("punycode").decode("ascii")


def to_ascii(domain):
    return ".".join(a_label(lab) for lab in domain.split("."))


def latin_with_marks(unicode_data):
    """Lowercase Latin letters that decompose to one ASCII letter plus marks."""
    by_base = {}
    with open(unicode_data, encoding="utf-8") as fh:
        for line in fh:
            fields = line.split(";")
            cp = int(fields[0], 16)
            name, decomposition = fields[1], fields[5]
            if not name.startswith("LATIN SMALL LETTER") or not decomposition:
                continue
            if decomposition.startswith("<"):
                continue  # compatibility decompositions are not the same letter
            full = unicodedata.normalize("NFD", chr(cp))
            base = full[0]
            if "a" <= base <= "z" and all(unicodedata.combining(c) for c in full[1:]):
                # IDNA2008 must allow the letter as it is (NFC, lowercase).
                if unicodedata.normalize("NFC", chr(cp)) == chr(cp):
                    by_base.setdefault(base, []).append(chr(cp))
    return by_base


def script_confusables(path):
    """{'a': {'Cyrillic': ['а', ...], 'Greek': [...]}} from confusables data."""
    import json
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    out = {}
    for source, prototype in data.items():
        if len(source) != 1 or len(prototype) != 1:
            continue
        target = prototype.lower()
        if not ("a" <= target <= "z"):
            continue
        name = unicodedata.name(source, "")
        script = ("Cyrillic" if name.startswith("CYRILLIC SMALL LETTER")
                  else "Greek" if name.startswith("GREEK SMALL LETTER") else None)
        if script is None or source != source.lower():
            continue
        out.setdefault(target, {}).setdefault(script, []).append(source)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--confusables", required=True)
    ap.add_argument("--unicode-data", default="/usr/share/unicode/UnicodeData.txt")
    ap.add_argument("--psl", default=make_typos.DEFAULT_PSL)
    args = ap.parse_args()

    rng = random.Random(SEED)
    psl = make_typos.PublicSuffixList(args.psl, False)
    expected = make_typos.read_expected(os.path.join(HERE, "expected.txt"))
    expected_set = set(expected)
    legit = {row[0] for row in make_typos.read_legit(os.path.join(HERE, "legit.tsv"))}
    known = set(read_list(os.path.join(REPO, "data", "known_domains.txt")))
    known |= set(read_list(os.path.join(REPO, "data", "providers.txt")))
    real = legit | known

    rows = {}          # typed (A-label form for the check) -> (typed, intended, class, source)
    owners = {}        # typed -> set of intended domains that produced it

    def offer(typed, intended, cls, source):
        ascii_form = to_ascii(typed)
        if ascii_form == intended or make_typos.is_same_or_sub(ascii_form, expected_set):
            return
        if ascii_form in real or typed in real:
            return
        if not make_typos.valid_domain(typed, allow_unicode=True, min_label=1):
            return
        owners.setdefault(ascii_form, set()).add(intended)
        rows.setdefault(ascii_form, (typed, intended, cls, source))

    # Real-world typo lists: every row whose domain is expected here.
    with open(os.path.join(HERE, "realworld.tsv"), encoding="utf-8") as fh:
        for raw in fh:
            if raw.startswith("#") or not raw.strip():
                continue
            typed, intended, source = raw.rstrip("\n").split("\t")
            if intended in expected_set and "." in typed:
                offer(typed, intended, "real-world", source)

    # dnstwist's families, round-robin over a shuffled expected list.
    sys.path.insert(0, "/usr/lib/python3/dist-packages")
    import dnstwist
    wanted = {"addition", "bitsquatting", "cyrillic", "homoglyph", "hyphenation", "insertion",
              "omission", "repetition", "replacement", "subdomain", "transposition",
              "vowel-swap", "various"}
    pools = {}
    order = list(expected)
    rng.shuffle(order)
    for domain in order:
        fuzzer = dnstwist.Fuzzer(domain)
        fuzzer.generate()
        for perm in fuzzer.permutations():
            if perm["fuzzer"] in wanted:
                pools.setdefault(perm["fuzzer"], {}).setdefault(domain, []).append(perm["domain"])
    for family, by_domain in sorted(pools.items()):
        picked = 0
        domains = [d for d in order if d in by_domain]
        for d in domains:
            rng.shuffle(by_domain[d])
        round_ = 0
        while picked < PER_CLASS and round_ < 8:
            for d in domains:
                if round_ < len(by_domain[d]) and picked < PER_CLASS:
                    typed = by_domain[d][round_]
                    typed_u = typed.encode("ascii").decode("idna") if "xn--" in typed else typed
                    before = len(rows)
                    offer(typed_u, d, "dnstwist-" + family, "dnstwist 0~20221213")
                    picked += len(rows) - before
            round_ += 1

    # Unicode families on the registrable label.
    marks = latin_with_marks(args.unicode_data)
    confusable = script_confusables(args.confusables)
    unicode_rows = []

    def on_label(domain, make, cls, source):
        sp = make_typos.split_domain(psl, domain)
        label = sp.label
        if not all("a" <= c <= "z" or c in "0123456789-" for c in label):
            return
        for new_label in make(label):
            if new_label and new_label != label:
                typed = sp.build(label=new_label)
                before = len(rows)
                offer(typed, domain, cls, source)
                if len(rows) != before:
                    unicode_rows.append(typed)
                return

    def one_of(table_for, count):
        def make(label):
            spots = [i for i, c in enumerate(label) if table_for(c)]
            if len(spots) < count:
                return []
            chosen = sorted(rng.sample(spots, count))
            out = list(label)
            for i in chosen:
                out[i] = rng.choice(table_for(label[i]))
            return ["".join(out)]
        return make

    cyr = lambda c: confusable.get(c, {}).get("Cyrillic", [])  # noqa: E731
    grk = lambda c: confusable.get(c, {}).get("Greek", [])  # noqa: E731
    dia = lambda c: marks.get(c, [])  # noqa: E731

    def whole_cyrillic(label):
        if all(cyr(c) for c in label):
            return ["".join(rng.choice(cyr(c)) for c in label)]
        return []

    def mixed(label):
        spots_c = [i for i, c in enumerate(label) if cyr(c)]
        spots_g = [i for i, c in enumerate(label) if grk(c)]
        if not spots_c or not spots_g:
            return []
        i, j = rng.choice(spots_c), rng.choice(spots_g)
        if i == j:
            return []
        out = list(label)
        out[i] = rng.choice(cyr(label[i]))
        out[j] = rng.choice(grk(label[j]))
        return ["".join(out)]

    src_conf = "Unicode confusables.txt (unhomoglyph 1.0.6 data.json)"
    src_ucd = "UnicodeData.txt 15.0 (canonical decompositions)"
    families = [
        ("homoglyph-cyrillic", one_of(cyr, 1), src_conf),
        ("homoglyph-whole-script", whole_cyrillic, src_conf),
        ("homoglyph-greek", one_of(grk, 1), src_conf),
        ("homoglyph-mixed", mixed, src_conf),
        ("homoglyph-diacritic", one_of(dia, 1), src_ucd),
        ("homoglyph-diacritics-two", one_of(dia, 2), src_ucd),
    ]
    for cls, make, source in families:
        start = len(unicode_rows)
        shuffled = list(expected)
        rng.shuffle(shuffled)
        for domain in shuffled:
            if len(unicode_rows) - start >= PER_CLASS:
                break
            on_label(domain, make, cls, source)

    # The same look-alikes as a mail gateway without SMTPUTF8 sees them.
    for typed in list(unicode_rows):
        if len([r for r in rows.values() if r[2] == "punycode"]) >= PER_CLASS:
            break
        ascii_form = to_ascii(typed)
        original = rows[ascii_form]
        if rng.random() < 0.5:
            rows[ascii_form] = (ascii_form, original[1], "punycode", original[3])

    # Digits read as letters, from dnstwist's glyph table (its digits only).
    digit_glyphs = {}
    probe = dnstwist.Fuzzer("example.com")
    for letter, glyphs in probe.glyphs.items():
        for g in glyphs:
            if g.isdigit() and "a" <= letter <= "z":
                digit_glyphs.setdefault(letter, []).append(g)
    digits = lambda c: digit_glyphs.get(c, [])  # noqa: E731
    for cls, count in (("digit-lookalike", 1), ("digit-lookalikes-two", 2)):
        shuffled = list(expected)
        rng.shuffle(shuffled)
        before = len(rows)
        for domain in shuffled:
            if len(rows) - before >= PER_CLASS:
                break
            on_label(domain, one_of(digits, count), cls, "dnstwist 0~20221213 glyph table")

    # A dot moved one place, anywhere in the name.
    shuffled = list(expected)
    rng.shuffle(shuffled)
    before = len(rows)
    for domain in shuffled:
        if len(rows) - before >= PER_CLASS:
            break
        dots = [i for i, c in enumerate(domain) if c == "."]
        i = rng.choice(dots)
        step = rng.choice((-1, 1))
        j = i + step
        if j <= 0 or j >= len(domain) - 1 or domain[j] == ".":
            continue
        chars = list(domain)
        chars[i], chars[j] = chars[j], chars[i]
        offer("".join(chars), domain, "dot-move", "defined here")

    # Two slips in a registrable label of five letters or more.
    primitives = [make_typos.edits_omission, make_typos.edits_transposition,
                  make_typos.edits_keyboard, make_typos.edits_insertion,
                  make_typos.edits_repetition, make_typos.edits_vowel]
    shuffled = [d for d in expected if len(make_typos.split_domain(psl, d).label) >= 5]
    rng.shuffle(shuffled)
    before = len(rows)
    for domain in shuffled * 2:
        if len(rows) - before >= PER_CLASS:
            break
        sp = make_typos.split_domain(psl, domain)
        first = rng.choice(primitives)(sp.label)
        if not first:
            continue
        once = rng.choice(sorted(first))
        second = rng.choice(primitives)(once)
        second = [s for s in second if make_typos.damerau(s, sp.label) == 2]
        if not second:
            continue
        offer(sp.build(label=rng.choice(sorted(second))), domain, "two-slips", "defined here")

    kept = [r for a, r in rows.items() if len(owners[a]) == 1]
    print("# Generated by make_independent.py (seed %d) -- do not edit by hand." % SEED)
    print("# Sources: see the script's docstring; the source column names each row's.")
    print("typed\tintended\tclass\tsource")
    for typed, intended, cls, source in sorted(kept, key=lambda r: (r[2], r[1], r[0])):
        print("%s\t%s\t%s\t%s" % (typed, intended, cls, source))
    counts = {}
    for r in kept:
        counts[r[2]] = counts.get(r[2], 0) + 1
    for cls in sorted(counts):
        print("%-26s %d" % (cls, counts[cls]), file=sys.stderr)


if __name__ == "__main__":
    main()
