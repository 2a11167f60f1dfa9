#!/usr/bin/env python3
"""Generate the labelled typo corpus (typos.tsv) for the rcptguard evaluation set.

Usage (from the repository root):

    python3 tests/data/eval/make_typos.py > tests/data/eval/typos.tsv

Options:
    --psl PATH        Public Suffix List file
                      (default /usr/share/publicsuffix/public_suffix_list.dat)
    --private         also use the PRIVATE section of the PSL (default: ICANN only)
    --target N        rows per class (default 240)
    --stats           print per-class counts and sanity warnings to stderr
                      (warnings are always printed; --stats adds the table)

Input files (same directory as this script):
    expected.txt  domains the organisation really writes to
    legit.tsv     real, distinct domains (false-alarm corpus); no generated
                  typo may be equal to one of them

Output (stdout): TSV with header "typed<TAB>intended<TAB>class", one row per
typo.  The output is fully deterministic (fixed seed, sorted output) for a
given expected.txt / legit.tsv / PSL file.

Only the Python 3 standard library is used.  Written for rcptguard,
2026-11-26.

Design notes
------------
* The registrable label of an expected domain is found with the PSL
  (rules, wildcards and exceptions), e.g.
      us.army.mil        -> prefix ["us"], label "army", suffix "mil"
      hmrc.gov.uk        -> prefix [],     label "hmrc", suffix "gov.uk"
      city.kawasaki.jp   -> prefix [],     label "city", suffix "kawasaki.jp"
  If the expected domain is itself a public suffix (gc.ca, gov.au, nhs.uk,
  police.uk, govt.nz) its first label is treated as the label and the rest as
  the suffix.
* Label edits (omission, insertion, ...) are applied to the registrable label
  only; prefix labels are left alone.
* A typed string that could be produced by more than one class is kept only
  in the class with the highest priority (CLASS_PRIORITY); a typed string that
  could be a typo of two different expected domains is dropped as ambiguous.
* A typed domain is rejected if it equals an expected domain, is a subdomain
  of one, or equals a domain listed in legit.tsv.
"""

import argparse
import os
import random
import re
import sys
import unicodedata

SEED = 20261126
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PSL = "/usr/share/publicsuffix/public_suffix_list.dat"

CLASSES = [
    "tld-swap", "suffix-change", "omission", "insertion", "repetition",
    "keyboard-substitution", "transposition", "vowel-swap", "bitsquat",
    "homoglyph", "hyphenation", "dot-omission", "dot-insertion", "combined",
]

# When one typed string is produced by several classes it is kept in the
# first class of this list (the most specific explanation wins).
CLASS_PRIORITY = [
    "suffix-change", "tld-swap", "dot-omission", "dot-insertion",
    "hyphenation", "homoglyph", "transposition", "repetition", "omission",
    "keyboard-substitution", "vowel-swap", "insertion", "bitsquat",
    "combined",
]

# ---------------------------------------------------------------------------
# Keyboard layouts.  Neighbour = same row +-1 key, or the (up to two) keys in
# the row directly above/below that physically touch the key (rows staggered
# by 0.5 / 0.25 / 0.5 key widths).  Only letters and digits are listed;
# punctuation and national letters (u-umlaut, e-acute, ...) are ignored
# because they cannot appear in an ASCII hostname.
# ---------------------------------------------------------------------------

QWERTY_NEIGHBOURS = {
    'a': 'qswz', 'b': 'ghnv', 'c': 'dfvx', 'd': 'cefrsx', 'e': '34drsw',
    'f': 'cdgrtv', 'g': 'bfhtvy', 'h': 'bgjnuy', 'i': '89jkou', 'j': 'hikmnu',
    'k': 'ijlmo', 'l': 'kop', 'm': 'jkn', 'n': 'bhjm', 'o': '09iklp',
    'p': '0lo', 'q': '12aw', 'r': '45deft', 's': 'adewxz', 't': '56fgry',
    'u': '78hijy', 'v': 'bcfg', 'w': '23aeqs', 'x': 'cdsz', 'y': '67ghtu',
    'z': 'asx', '0': '9op', '1': '2q', '2': '13qw', '3': '24ew', '4': '35er',
    '5': '46rt', '6': '57ty', '7': '68uy', '8': '79iu', '9': '08io',
}

# German / Austrian / Swiss: Y and Z exchanged.
QWERTZ_NEIGHBOURS = {
    'a': 'qswy', 'b': 'ghnv', 'c': 'dfvx', 'd': 'cefrsx', 'e': '34drsw',
    'f': 'cdgrtv', 'g': 'bfhtvz', 'h': 'bgjnuz', 'i': '89jkou', 'j': 'hikmnu',
    'k': 'ijlmo', 'l': 'kop', 'm': 'jkn', 'n': 'bhjm', 'o': '09iklp',
    'p': '0lo', 'q': '12aw', 'r': '45deft', 's': 'adewxy', 't': '56fgrz',
    'u': '78hijz', 'v': 'bcfg', 'w': '23aeqs', 'x': 'cdsy', 'y': 'asx',
    'z': '67ghtu', '0': '9op', '1': '2q', '2': '13qw', '3': '24ew',
    '4': '35er', '5': '46rt', '6': '57tz', '7': '68uz', '8': '79iu',
    '9': '08io',
}

# French / Belgian: A<->Q, Z<->W exchanged, M at the end of the home row.
# (Digits need Shift on AZERTY but sit on the same physical keys.)
AZERTY_NEIGHBOURS = {
    'a': '12qz', 'b': 'ghnv', 'c': 'dfvx', 'd': 'cefrsx', 'e': '34drsz',
    'f': 'cdgrtv', 'g': 'bfhtvy', 'h': 'bgjnuy', 'i': '89jkou', 'j': 'hiknu',
    'k': 'ijlo', 'l': 'kmop', 'm': 'lp', 'n': 'bhj', 'o': '09iklp',
    'p': '0lmo', 'q': 'aswz', 'r': '45deft', 's': 'deqwxz', 't': '56fgry',
    'u': '78hijy', 'v': 'bcfg', 'w': 'qsx', 'x': 'cdsw', 'y': '67ghtu',
    'z': '23aeqs', '0': '9op', '1': '2a', '2': '13az', '3': '24ez',
    '4': '35er', '5': '46rt', '6': '57ty', '7': '68uy', '8': '79iu',
    '9': '08io',
}

LAYOUTS = {"qwerty": QWERTY_NEIGHBOURS, "qwertz": QWERTZ_NEIGHBOURS,
           "azerty": AZERTY_NEIGHBOURS}


def neighbours(ch):
    """Union of the neighbour keys of ch on all three layouts, same kind only
    (letters stay letters, digits stay digits)."""
    out = set()
    for m in LAYOUTS.values():
        out.update(m.get(ch, ""))
    if ch.isalpha():
        out = {c for c in out if c.isalpha()}
    elif ch.isdigit():
        out = {c for c in out if c.isdigit()}
    out.discard(ch)
    return sorted(out)


# ---------------------------------------------------------------------------
# Suffix typos (tld-swap): keystroke errors people really make inside the
# public suffix.  Applied to one label of the suffix at a time; labels not
# listed get generic edits (adjacent swap, neighbour key, doubled last letter,
# dropped letter if 3+ letters).
# ---------------------------------------------------------------------------

TLD_TYPOS = {
    "com": ["co", "cm", "om", "con", "cmo", "vom", "xom", "comm", "cim",
            "cpm", "ocm", "coom", "clm", "cok"],
    "net": ["ne", "nte", "ner", "nt", "bet", "met", "nett", "nwt", "ent",
            "nrt", "neet", "mnet"],
    "org": ["ogr", "or", "prg", "og", "rog", "orh", "irg", "orgg", "ofg",
            "oeg", "otg"],
    "gov": ["gv", "go", "giv", "gob", "goc", "gpv", "ogv", "govv", "gvo",
            "gof", "fov", "hov"],
    "mil": ["ml", "mi", "mill", "mli", "nil", "mik", "mol", "mul", "iml",
            "mkl", "kil", "miil", "mip"],
    "edu": ["ed", "eud", "deu", "edi", "edy", "rdu", "wdu", "eduu", "esu",
            "du", "efu"],
    "int": ["in", "it", "nt", "itn", "imt", "inr", "ibt", "intt", "iint",
            "ont", "unt"],
    "co": ["cp", "xo", "vo", "ci", "oc", "coo", "com"],
    "ac": ["ax", "sc", "ca", "acc", "zc", "ad", "av"],
    "uk": ["um", "ik", "yk", "ul", "uj", "ku", "ukk", "jk", "ui"],
    "au": ["ay", "ua", "su", "aau", "auu", "ai", "zu"],
    "jp": ["hp", "op", "jo", "pj", "kp", "jpp", "jl"],
    "nz": ["mz", "bz", "zn", "nx", "nzz", "ns"],
    "in": ["un", "on", "ni", "im", "inn", "ib", "jn"],
    "sg": ["ag", "gs", "sh", "sgg", "dg", "sf"],
    "ca": ["xa", "cs", "ac", "va", "caa", "da", "cq"],
    "gc": ["gv", "cg", "fc", "hc", "gcc", "gx"],
    "lg": ["kg", "gl", "lh", "lgg", "og", "lf"],
    "go": ["goo", "og", "gi", "fo", "gp", "ho"],
    "gouv": ["gou", "guov", "gov", "gouf", "gouc", "goub", "giuv", "gouvv"],
    "gob": ["gon", "gib", "gov", "ogb", "gpb", "gobb", "fob"],
    "govt": ["gov", "govy", "gvt", "govr", "ogvt", "goct", "gpvt", "govtt"],
    "br": ["bt", "be", "rb", "vr", "brr", "nr"],
    "cz": ["xz", "cx", "zc", "vz", "czz", "cs"],
    "pl": ["ol", "lp", "pk", "pll", "pp"],
    "ch": ["xh", "cj", "hc", "vh", "chh", "cg"],
    "no": ["mo", "bo", "on", "np", "noo", "ni"],
    "se": ["de", "ae", "es", "sw", "sr", "see"],
    "dk": ["sk", "fk", "kd", "dl", "dj", "dkk"],
    "be": ["ve", "ge", "eb", "bw", "br", "bee"],
    "nl": ["ml", "bl", "ln", "nk", "nll"],
    "ie": ["ue", "oe", "ei", "iw", "ir", "iee"],
    "it": ["ut", "ot", "ti", "ir", "iy", "itt"],
    "fr": ["dr", "gr", "rf", "fe", "ft", "frr"],
    "de": ["se", "fe", "ed", "dr", "dw", "dee", "xe"],
    "es": ["ws", "rs", "se", "ed", "ea", "ess"],
    "ru": ["eu", "tu", "ur", "ry", "ri", "ruu"],
    "eu": ["wu", "ru", "ue", "ey", "ei", "euu"],
    "me": ["ne", "mw", "em", "mr", "mee"],
    "cn": ["xn", "vn", "nc", "cm", "cnn"],
    "us": ["ys", "is", "su", "ud", "uss"],
}

# Structural suffix changes (suffix-change): a label of a multi-label public
# suffix left out ("co.uk" -> "uk", "gov.uk" -> "gov", "com.au" -> "com"), and a
# few well-known cross-structure slips. Swapping one whole suffix for an
# unrelated one (com -> net, de -> at, com -> co.uk) is NOT a slip: those are
# the regional and sister domains that legit.tsv holds as hard near-misses.
SUFFIX_CHANGE_EXTRAS = {
    "govt.nz": ["gov"],
}


def suffix_changes(sfx):
    parts = sfx.split(".")
    out = []
    if len(parts) >= 2:
        out.append(".".join(parts[1:]))   # first label left out: co.uk -> uk
        out.append(".".join(parts[:-1]))  # last label left out: gov.uk -> gov
    out.extend(SUFFIX_CHANGE_EXTRAS.get(sfx, []))
    return [c for c in dict.fromkeys(out) if c != sfx and valid_suffix(c)]


# ---------------------------------------------------------------------------
# Homoglyphs.  Unicode look-alikes (lowercase, NFC-stable, not mapped back to
# ASCII by NFKC) and ASCII look-alike sequences.
# ---------------------------------------------------------------------------

UNICODE_HOMOGLYPHS = {
    'a': ['\u0430',            # CYRILLIC SMALL LETTER A
          '\u03b1'],           # GREEK SMALL LETTER ALPHA
    'c': ['\u0441'],           # CYRILLIC SMALL LETTER ES
    'd': ['\u0501'],           # CYRILLIC SMALL LETTER KOMI DE
    'e': ['\u0435'],           # CYRILLIC SMALL LETTER IE
    'g': ['\u0261'],           # LATIN SMALL LETTER SCRIPT G
    'h': ['\u04bb'],           # CYRILLIC SMALL LETTER SHHA
    'i': ['\u0456',            # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
          '\u03b9',            # GREEK SMALL LETTER IOTA
          '\u0131'],           # LATIN SMALL LETTER DOTLESS I
    'j': ['\u0458'],           # CYRILLIC SMALL LETTER JE
    'k': ['\u03ba'],           # GREEK SMALL LETTER KAPPA
    'l': ['\u04cf'],           # CYRILLIC SMALL LETTER PALOCHKA
    'o': ['\u043e',            # CYRILLIC SMALL LETTER O
          '\u03bf'],           # GREEK SMALL LETTER OMICRON
    'p': ['\u0440',            # CYRILLIC SMALL LETTER ER
          '\u03c1'],           # GREEK SMALL LETTER RHO
    'q': ['\u051b'],           # CYRILLIC SMALL LETTER QA
    's': ['\u0455'],           # CYRILLIC SMALL LETTER DZE
    'u': ['\u03c5'],           # GREEK SMALL LETTER UPSILON
    'v': ['\u03bd'],           # GREEK SMALL LETTER NU
    'w': ['\u051d'],           # CYRILLIC SMALL LETTER WE
    'x': ['\u0445'],           # CYRILLIC SMALL LETTER HA
    'y': ['\u0443'],           # CYRILLIC SMALL LETTER U
}

# Letters that have a Cyrillic look-alike: used for whole-label substitution
# ("all Cyrillic-able letters replaced"), the classic IDN spoof.
CYRILLIC_FULL = {
    'a': '\u0430', 'c': '\u0441', 'e': '\u0435', 'h': '\u04bb',
    'i': '\u0456', 'j': '\u0458', 'o': '\u043e', 'p': '\u0440',
    's': '\u0455', 'x': '\u0445', 'y': '\u0443',
}

ASCII_HOMOGLYPHS = [
    ("m", "rn"), ("rn", "m"), ("w", "vv"), ("vv", "w"), ("d", "cl"),
    ("cl", "d"), ("l", "1"), ("o", "0"), ("i", "l"), ("l", "i"), ("i", "1"),
    ("m", "nn"),
]

# ---------------------------------------------------------------------------
# Word boundaries of compound labels: the realistic places for a stray
# hyphen (lockheed-martin) or dot (micro.soft).  Written for this project.
# ---------------------------------------------------------------------------

WORD_BREAKS = [
    "lockheed-martin", "bae-systems", "northrop-grumman", "booz-allen",
    "thales-group", "babcock-international", "l3-harris", "air-bus",
    "micro-soft", "jp-morgan", "bank-of-america", "nat-west", "west-pac",
    "comm-bank", "astra-zeneca", "volks-wagen", "world-bank", "inter-pol",
    "euro-parl", "euro-pol", "cabinet-office", "home-office", "hm-treasury",
    "met-office", "national-crime-agency", "bank-of-england", "royal-navy",
    "space-force", "national-guard", "west-point", "federal-reserve",
    "white-house", "home-affairs", "bundes-wehr", "regerings-kansliet",
    "forsvars-makten", "rijks-overheid", "min-def", "min-buza", "intra-def",
    "cyber-com", "cent-com", "eu-com", "afri-com", "so-com", "nav-sea",
    "nav-air", "sec-nav", "us-ace", "us-cg", "us-mc", "us-doj", "us-da",
    "us-gs", "us-pto", "us-aid", "us-cis", "us-nwc", "us-afa", "us-na",
    "dod-ea", "google-mail", "g-mail", "y-mail", "hot-mail", "out-look",
    "i-cloud", "proton-mail", "fast-mail", "mail-box", "la-poste",
    "blue-win", "bt-internet", "virgin-media", "big-pond", "optus-net",
    "ii-net",
]


def word_break_positions(label):
    """Positions (index into label) where a word boundary is known."""
    pos = set()
    for w in WORD_BREAKS:
        if w.replace("-", "") != label:
            continue
        i = 0
        for ch in w:
            if ch == "-":
                pos.add(i)
            else:
                i += 1
    return {p for p in pos if 0 < p < len(label)}


# ---------------------------------------------------------------------------
# Public Suffix List
# ---------------------------------------------------------------------------

class PublicSuffixList:
    """Minimal PSL matcher: normal rules, wildcards (*.x) and exceptions (!x)."""

    def __init__(self, path, include_private=False):
        self.rules, self.wildcards, self.exceptions = set(), set(), set()
        section = None
        with open(path, encoding="utf-8") as fh:
            for raw in fh:
                line = raw.strip()
                if line.startswith("//"):
                    if "===BEGIN ICANN DOMAINS===" in line:
                        section = "icann"
                    elif "===BEGIN PRIVATE DOMAINS===" in line:
                        section = "private"
                    elif "===END" in line:
                        section = None
                    continue
                if not line or section is None:
                    continue
                if section == "private" and not include_private:
                    continue
                rule = line.split()[0].lower()
                if rule.startswith("!"):
                    self.exceptions.add(rule[1:])
                elif rule.startswith("*."):
                    self.wildcards.add(rule[2:])
                else:
                    self.rules.add(rule)
        if not self.rules:
            raise SystemExit("no rules read from PSL file %s" % path)

    def suffix(self, domain):
        """Public suffix of domain (the implicit rule is '*')."""
        labels = domain.lower().strip(".").split(".")
        n = len(labels)
        best = 1
        for k in range(1, n + 1):
            cand = ".".join(labels[n - k:])
            if cand in self.exceptions:
                return ".".join(labels[n - k + 1:])
            if cand in self.rules:
                best = max(best, k)
            if cand in self.wildcards and k < n:
                best = max(best, k + 1)
        return ".".join(labels[n - best:])

    def is_public_suffix(self, domain):
        return self.suffix(domain) == domain


class Split:
    __slots__ = ("domain", "prefix", "label", "suffix", "is_ps")

    def __init__(self, domain, prefix, label, suffix, is_ps):
        self.domain, self.prefix, self.label = domain, prefix, label
        self.suffix, self.is_ps = suffix, is_ps

    def build(self, label=None, suffix=None, prefix=None):
        parts = list(self.prefix if prefix is None else prefix)
        parts.append(self.label if label is None else label)
        parts.append(self.suffix if suffix is None else suffix)
        return ".".join(parts)


def split_domain(psl, domain):
    sfx = psl.suffix(domain)
    if sfx == domain:
        labels = domain.split(".")
        return Split(domain, [], labels[0], ".".join(labels[1:]), True)
    head = domain[:-(len(sfx) + 1)].split(".")
    return Split(domain, head[:-1], head[-1], sfx, False)


# ---------------------------------------------------------------------------
# Validity
# ---------------------------------------------------------------------------

ASCII_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def valid_ascii_label(lab):
    return (len(lab) >= 2 and len(lab) <= 63 and ASCII_LABEL.match(lab)
            is not None and "--" not in lab)


def valid_unicode_label(lab):
    if len(lab) < 2 or lab[0] == "-" or lab[-1] == "-" or "--" in lab:
        return False
    if unicodedata.normalize("NFC", lab) != lab:
        return False
    for ch in lab:
        if ch in "abcdefghijklmnopqrstuvwxyz0123456789-":
            continue
        if unicodedata.category(ch) != "Ll":
            return False
        if unicodedata.normalize("NFKC", ch).isascii():
            return False
    return True


def valid_suffix(sfx):
    return all(len(p) >= 2 and p.isascii() and p.isalpha()
               for p in sfx.split(".")) if sfx else False


def valid_domain(dom, allow_unicode=False, min_label=2):
    """Syntax check.  Typos need labels of 2+ characters; real domains
    (expected / legit) may have a 1-character label (q.com)."""
    labels = dom.split(".")
    if len(labels) < 2:
        return False
    for lab in labels:
        if valid_ascii_label(lab):
            continue
        if min_label == 1 and len(lab) == 1 and lab.isalnum() and lab.isascii():
            continue
        if allow_unicode and valid_unicode_label(lab):
            continue
        return False
    return True


# ---------------------------------------------------------------------------
# Label edit primitives: each returns a list of new labels.
# ---------------------------------------------------------------------------

VOWELS = "aeiou"


def edits_omission(lab):
    return [lab[:i] + lab[i + 1:] for i, c in enumerate(lab) if c != "-"]


def edits_insertion(lab):
    out = []
    for i, c in enumerate(lab):
        if c == "-":
            continue
        for n in neighbours(c):
            out.append(lab[:i] + n + lab[i:])       # neighbour hit before c
            out.append(lab[:i + 1] + n + lab[i + 1:])  # ... or after c
    return out


def edits_repetition(lab):
    return [lab[:i + 1] + c + lab[i + 1:] for i, c in enumerate(lab)
            if c != "-"]


def edits_keyboard(lab):
    out = []
    for i, c in enumerate(lab):
        for n in neighbours(c):
            out.append(lab[:i] + n + lab[i + 1:])
    return out


def edits_transposition(lab):
    out = []
    for i in range(len(lab) - 1):
        a, b = lab[i], lab[i + 1]
        if a != b and a != "-" and b != "-":
            out.append(lab[:i] + b + a + lab[i + 2:])
    return out


def edits_vowel(lab):
    out = []
    for i, c in enumerate(lab):
        if c in VOWELS:
            for v in VOWELS:
                if v != c:
                    out.append(lab[:i] + v + lab[i + 1:])
    return out


def edits_bitsquat(lab):
    ok = set("abcdefghijklmnopqrstuvwxyz0123456789-")
    out = []
    for i, c in enumerate(lab):
        for bit in range(7):
            n = chr(ord(c) ^ (1 << bit))
            if n in ok and n != c:
                out.append(lab[:i] + n + lab[i + 1:])
    return out


def edits_homoglyph(lab):
    out = []
    for i, c in enumerate(lab):
        for g in UNICODE_HOMOGLYPHS.get(c, []):
            out.append(lab[:i] + g + lab[i + 1:])
    cyr = "".join(CYRILLIC_FULL.get(c, c) for c in lab)
    n_repl = sum(1 for c in lab if c in CYRILLIC_FULL)
    if n_repl >= 2 and cyr != lab:
        out.append(cyr)   # every Cyrillic-able letter replaced at once
    for a, b in ASCII_HOMOGLYPHS:
        start = 0
        while True:
            i = lab.find(a, start)
            if i < 0:
                break
            out.append(lab[:i] + b + lab[i + len(a):])
            start = i + 1
    return out


def edits_hyphenation(lab):
    """(new_label, is_word_boundary) pairs."""
    out = []
    if "-" in lab:
        for i, c in enumerate(lab):
            if c == "-":
                out.append((lab[:i] + lab[i + 1:], True))
        return out
    breaks = word_break_positions(lab)
    for i in range(2, len(lab) - 1):
        if lab[i - 1].isalpha() and lab[i].isalpha():
            out.append((lab[:i] + "-" + lab[i:], i in breaks))
    for i in breaks:
        if i in (1, len(lab) - 1):
            out.append((lab[:i] + "-" + lab[i:], True))
    return out


def tld_label_typos(part):
    if part in TLD_TYPOS:
        return list(TLD_TYPOS[part])
    out = set()
    out.update(edits_transposition(part))
    out.update(p for p in edits_keyboard(part))
    out.add(part + part[-1])
    if len(part) >= 3:
        out.update(edits_omission(part))
    return sorted(out)


def tld_swaps(sfx):
    parts = sfx.split(".")
    out = []
    for i, p in enumerate(parts):
        for t in tld_label_typos(p):
            new = parts[:i] + [t] + parts[i + 1:]
            cand = ".".join(new)
            if cand != sfx and valid_suffix(cand):
                out.append(cand)
    return out


LABEL_EDITS_FOR_COMBINED = [edits_omission, edits_insertion,
                            edits_repetition, edits_keyboard,
                            edits_transposition, edits_vowel]


# ---------------------------------------------------------------------------
# Candidate generation
# ---------------------------------------------------------------------------

def candidates_for(sp, rng):
    """Yield (class, typed, preferred) for one expected domain split.
    preferred=True marks especially realistic variants that sampling takes
    first (word-boundary hyphens/dots)."""
    lab, sfx = sp.label, sp.suffix

    def lab_ok(x):
        return valid_ascii_label(x) and x != lab

    # tld-swap
    for s in tld_swaps(sfx):
        yield "tld-swap", sp.build(suffix=s), False
    # suffix-change
    for s in suffix_changes(sfx):
        yield "suffix-change", sp.build(suffix=s), False
    if "." in sfx and not sp.is_ps:
        first, rest = sfx.split(".", 1)
        merged = lab + first              # hmrc.gov.uk -> hmrcgov.uk
        if valid_ascii_label(merged):
            yield "suffix-change", sp.build(label=merged, suffix=rest), False
    # single label edits
    simple = [("omission", edits_omission), ("insertion", edits_insertion),
              ("repetition", edits_repetition),
              ("keyboard-substitution", edits_keyboard),
              ("transposition", edits_transposition),
              ("vowel-swap", edits_vowel), ("bitsquat", edits_bitsquat)]
    for cls, fn in simple:
        for x in fn(lab):
            if lab_ok(x):
                yield cls, sp.build(label=x), False
    # homoglyph
    for x in edits_homoglyph(lab):
        if x == lab:
            continue
        if valid_ascii_label(x) or valid_unicode_label(x):
            yield "homoglyph", sp.build(label=x), False
    # hyphenation
    for x, pref in edits_hyphenation(lab):
        if lab_ok(x):
            yield "hyphenation", sp.build(label=x), pref
    # dot-omission: join two adjacent non-suffix labels
    if sp.prefix and not sp.is_ps:
        labels = sp.prefix + [lab]
        for i in range(len(labels) - 1):
            joined = labels[:i] + [labels[i] + labels[i + 1]] + labels[i + 2:]
            if valid_ascii_label(labels[i] + labels[i + 1]):
                yield "dot-omission", ".".join(joined + [sfx]), False
    # dot-insertion: split the registrable label in two
    breaks = word_break_positions(lab)
    for i in range(2, len(lab) - 1):
        a, b = lab[:i], lab[i:]
        if valid_ascii_label(a) and valid_ascii_label(b):
            yield ("dot-insertion", sp.build(label=a + "." + b),
                   i in breaks)
    # combined: one label edit + one tld-swap (sampled, not the full product)
    swaps = tld_swaps(sfx)
    if swaps:
        pool = []
        for fn in LABEL_EDITS_FOR_COMBINED:
            pool.extend(x for x in fn(lab) if lab_ok(x))
        pool = sorted(set(pool))
        for _ in range(min(12, len(pool))):
            x = rng.choice(pool)
            s = rng.choice(swaps)
            yield "combined", sp.build(label=x, suffix=s), False


def read_expected(path):
    out = []
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            out.append(line.lower())
    return out


def read_legit(path):
    rows = []
    with open(path, encoding="utf-8") as fh:
        header_seen = False
        for raw in fh:
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if not header_seen:
                header_seen = True
                if cols[0] == "domain":
                    continue
            if len(cols) != 3:
                raise SystemExit("legit.tsv: bad row: %r" % line)
            rows.append(tuple(c.strip() for c in cols))
    return rows


def is_same_or_sub(dom, domset):
    if dom in domset:
        return True
    parts = dom.split(".")
    for i in range(1, len(parts)):
        if ".".join(parts[i:]) in domset:
            return True
    return False


def damerau(a, b):
    """Optimal-string-alignment edit distance."""
    la, lb = len(a), len(b)
    d = [[0] * (lb + 1) for _ in range(la + 1)]
    for i in range(la + 1):
        d[i][0] = i
    for j in range(lb + 1):
        d[0][j] = j
    for i in range(1, la + 1):
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + cost)
            if (i > 1 and j > 1 and a[i - 1] == b[j - 2]
                    and a[i - 2] == b[j - 1]):
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[la][lb]


def warn(msg):
    print("WARNING: " + msg, file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--psl", default=DEFAULT_PSL)
    ap.add_argument("--private", action="store_true")
    ap.add_argument("--target", type=int, default=240)
    ap.add_argument("--stats", action="store_true")
    ap.add_argument("--expected", default=os.path.join(HERE, "expected.txt"))
    ap.add_argument("--legit", default=os.path.join(HERE, "legit.tsv"))
    args = ap.parse_args()

    if not os.path.exists(args.psl):
        raise SystemExit("PSL not found at %s (apt-get install -y publicsuffix)"
                         % args.psl)
    psl = PublicSuffixList(args.psl, include_private=args.private)
    expected = read_expected(args.expected)
    legit_rows = read_legit(args.legit)

    # ---- sanity checks on the inputs -----------------------------------
    exp_set = set(expected)
    if len(exp_set) != len(expected):
        warn("duplicate domains in expected.txt")
    for d in expected:
        if not valid_domain(d, min_label=1):
            warn("expected.txt: invalid domain %r" % d)
    legit_set = set()
    for dom, kind, near in legit_rows:
        if dom in legit_set:
            warn("legit.tsv: duplicate %s" % dom)
        legit_set.add(dom)
        if kind not in ("ordinary", "hard"):
            warn("legit.tsv: bad kind %r for %s" % (kind, dom))
        if is_same_or_sub(dom, exp_set):
            warn("legit.tsv: %s is (a subdomain of) an expected domain" % dom)
        if kind == "hard" and near not in exp_set:
            warn("legit.tsv: near %r of %s is not in expected.txt"
                 % (near, dom))
        if kind == "ordinary" and near != "-":
            warn("legit.tsv: ordinary row %s has near %r" % (dom, near))
        if not valid_domain(dom, min_label=1):
            warn("legit.tsv: invalid domain %r" % dom)

    splits = [split_domain(psl, d) for d in expected]
    ps_domains = [sp.domain for sp in splits if sp.is_ps]

    # ---- collect all candidates ----------------------------------------
    rng = random.Random("%d:combined" % SEED)
    cand_classes = {}     # typed -> set(classes)
    cand_intended = {}    # typed -> set(intended)
    cand_pref = {}        # (typed, class) -> preferred flag
    for sp in splits:
        for cls, typed, pref in candidates_for(sp, rng):
            if typed == sp.domain:
                continue
            if not valid_domain(typed, allow_unicode=(cls == "homoglyph")):
                continue
            cand_classes.setdefault(typed, set()).add(cls)
            cand_intended.setdefault(typed, set()).add(sp.domain)
            key = (typed, cls)
            cand_pref[key] = cand_pref.get(key, False) or pref

    # An ordinary legit domain that is a one-edit typo candidate should be
    # classed "hard" instead.
    for dom, kind, near in legit_rows:
        if kind == "ordinary" and dom in cand_classes:
            warn("ordinary legit %s looks like a typo (%s) of %s"
                 % (dom, ",".join(sorted(cand_classes[dom])),
                    ",".join(sorted(cand_intended[dom]))))

    # ---- filter --------------------------------------------------------
    dropped = {"expected": 0, "legit": 0, "ambiguous": 0}
    pools = {c: {} for c in CLASSES}   # class -> intended -> [typed]
    for typed in sorted(cand_classes):
        if is_same_or_sub(typed, exp_set):
            dropped["expected"] += 1
            continue
        if typed in legit_set:
            dropped["legit"] += 1
            continue
        if len(cand_intended[typed]) > 1:
            dropped["ambiguous"] += 1
            continue
        intended = next(iter(cand_intended[typed]))
        cls = next(c for c in CLASS_PRIORITY if c in cand_classes[typed])
        pools[cls].setdefault(intended, []).append(typed)

    # ---- sample: round-robin over domains so every class is spread -----
    rows = []
    counts = {}
    for cls in CLASSES:
        crng = random.Random("%d:%s" % (SEED, cls))
        doms = sorted(pools[cls])
        crng.shuffle(doms)
        # phase 1: the especially realistic variants (word-boundary hyphens
        # and dots); phase 2: everything else.  Within a phase, round-robin
        # over the (shuffled) expected domains so that rows are spread.
        phases = []
        for want_pref in (True, False):
            by_dom = {}
            for d in doms:
                items = sorted(t for t in pools[cls][d]
                               if cand_pref.get((t, cls), False) == want_pref)
                crng.shuffle(items)
                by_dom[d] = items
            phases.append(by_dom)
        chosen = []
        target = args.target
        for by_dom in phases:
            rnd = 0
            while len(chosen) < target:
                progressed = False
                for d in doms:
                    if rnd < len(by_dom[d]):
                        chosen.append((by_dom[d][rnd], d))
                        progressed = True
                        if len(chosen) >= target:
                            break
                if not progressed:
                    break
                rnd += 1
        counts[cls] = len(chosen)
        for typed, d in chosen:
            rows.append((typed, d, cls))

    # ---- final checks and output ---------------------------------------
    seen = set()
    for typed, d, cls in rows:
        assert typed not in seen, typed
        seen.add(typed)
        assert not is_same_or_sub(typed, exp_set), typed
        assert typed not in legit_set, typed

    order = {c: i for i, c in enumerate(CLASSES)}
    rows.sort(key=lambda r: (order[r[2]], r[1], r[0]))
    out = sys.stdout
    out.write("# Generated by make_typos.py (seed %d) -- do not edit by hand.\n"
              % SEED)
    out.write("# PSL: %s (%s)\n" % (os.path.basename(args.psl),
                                   "ICANN+PRIVATE" if args.private
                                   else "ICANN section only"))
    out.write("typed\tintended\tclass\n")
    for typed, d, cls in rows:
        out.write("%s\t%s\t%s\n" % (typed, d, cls))

    if args.stats:
        err = sys.stderr
        err.write("expected domains: %d (of which public suffixes: %s)\n"
                  % (len(expected), ", ".join(ps_domains)))
        err.write("legit rows: %d (hard %d, ordinary %d)\n" % (
            len(legit_rows), sum(1 for r in legit_rows if r[1] == "hard"),
            sum(1 for r in legit_rows if r[1] == "ordinary")))
        err.write("candidates: %d; dropped: %s\n" % (len(cand_classes),
                                                      dropped))
        for cls in CLASSES:
            n_dom = len({d for t, d, c in rows if c == cls})
            err.write("  %-22s %4d rows  %3d domains  (pool %d)\n" % (
                cls, counts[cls], n_dom,
                sum(len(v) for v in pools[cls].values())))
        err.write("  %-22s %4d rows\n" % ("TOTAL", len(rows)))


if __name__ == "__main__":
    main()
