#!/usr/bin/env python3
"""Generate a synthetic organisation's sent mail, to measure rcptguard's
history-driven reasons (`lookalike-domain` from learned domains and
`unfamiliar-recipient`).

Usage (from the repository root):

    python3 tests/data/org/make_org.py --out DIR [--seed N] [--senders N]
        [--history-days N] [--test-days N] [--scale K]
        [--history-format mbox|pairs|both] [--stats] [--verify]

Writes into DIR:
    history.mbox   ~6 months of mail sent by the organisation's senders (From,
                   To, Cc with display names, Message-ID, Date, a short body),
                   for `rcptguard learn --mbox`.
    pairs.tsv      (--history-format pairs|both) the same history aggregated:
                   sender<TAB>recipient<TAB>display_name<TAB>messages<TAB>
                   first_seen<TAB>last_seen (unix seconds), one row per
                   (sender, recipient, display name); for big benchmarks.
    test.tsv       the following working days' messages, one line per
                   recipient: message_id, sender, recipient as written
                   ("John Smith" <john.smith@army.mil>), label, kind, intended
                   address (what the sender meant). Labels:
                     ok            a recipient the sender has written to before
                     ok-new        a legitimate recipient new to the sender
                     wrong-domain  an injected slip in the domain of an
                                   address the sender uses
                     wrong-person  an injected local-part slip of a frequent
                                   correspondent (one or two slips), or their
                                   name typed in another format or spelling
                                   at their domain
                     name-mismatch a frequent correspondent's name, written
                                   the way another address-book entry writes
                                   it, on an address that is not theirs
    org.toml       the organisation's configuration (own_domains).

Defaults: seed 20261201, 240 senders, 182 history days (2026-05-18 to
2026-11-15), 5 test working days (2026-11-16 to 2026-11-20). That is about
108,000 messages (~40 MB of mbox) and ~8,800 test recipient lines.

--scale K multiplies the senders (and the organisation's staff) by K: K=50
gives about a million (sender, recipient) pairs; use --history-format pairs
for it (the mbox would be ~2 GB). History is written as it is generated, sender
by sender; the test set and the set of addresses are kept in memory.

--verify reads the written files back (history.mbox with Python's mailbox
module, or pairs.tsv) and checks every label against the history: an `ok`
address was written to by that sender; an `ok-new` one was not; a
`wrong-domain` domain was never written to by anyone; a `wrong-person`
address is new to that sender and its intended address is frequent (>= 2
messages). It exits 1 on any violation.

What is modelled
----------------
* Staff of the organisation (own domain agency.gov.uk) named from Zipf-weighted
  British first names and surnames, so namesakes occur as in life: the
  address format is firstname.lastname, a second John Smith becomes
  john.smith2, and long-serving staff keep legacy j.smith / smithj addresses.
  The GAL shows "Smith, John".
* About 70 partner organisations with their own address conventions: US DoD
  (john.a.smith.civ@army.mil, "Smith, John A CIV"), NATO, UK departments,
  universities (j.smith, js2345), companies (jsmith, john.smith), German and
  French ministries (joerg.mueller, "Müller, Jörg" encoded per RFC 2047), and
  public mail providers for personal addresses (johnsmith75@gmail.com).
* Each sender has a team of colleagues, 2-5 partner organisations with a few
  people each, and a few personal contacts, with Zipf-like frequencies; a
  message has 1-6 recipients (To, then Cc). About 12% of messages include
  someone new (a one-off, or a contact that becomes regular).
* Display names vary per pair as mail clients do: the GAL form, "First Last",
  a title or rank, or none.
* Test period: the same habits (the test messages are not learned, so a new
  legitimate recipient appears only in its first message). Into about 4% of
  the recipients a slip is injected (see KINDS below), replacing the intended
  recipient.

Only the Python 3 standard library is used. Python's string-seeded
random.Random is independent of PYTHONHASHSEED: output is byte-for-byte
reproducible for a given seed and options. Written for rcptguard, 2026-12.
"""

import argparse
import calendar
import datetime
import email.utils
import math
import os
import random
import sys
import time
import unicodedata
from collections import Counter, defaultdict

SEED = 20261201
HISTORY_START = (2026, 5, 18)  # a Monday; everything ends before 2026-11-26

# ---------------------------------------------------------------------------
# Names (Zipf-weighted by list order: the first is the most common).
# ---------------------------------------------------------------------------

UK_FIRST = """John David Michael Paul Andrew Mark James Richard Peter Stephen
Robert Christopher Simon Ian Steven Sarah Claire Emma Helen Rachel Louise
Nicola Karen Julie Lisa Jane Susan Alison Catherine Elizabeth Thomas Daniel
Matthew Gary Martin Neil Anthony Jonathan Alan Kevin Philip Graham Nicholas
Samantha Joanne Victoria Laura Rebecca Hannah Charlotte Amy Jennifer Anna
Gareth Stuart Colin Adam Benjamin William Joseph Timothy Mohammed Priya Aisha
Oliver Harry George Jack Sophie Lucy Olivia Fiona Gillian Angela Ruth Deborah
Jonathon Jon Jo Alex Sam Chris Nick Tom Ben Dan Kate Katie Jenny Kirsty
Rhys Gwen Siobhan Niamh Callum Ewan Morag Imran Ravi Anil Sunita Wei Chen
Owen Grace Siobhán Seán Ciarán Aoife Róisín Chidi Ngozi Tunde""".split()

UK_LAST = """Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas
Johnson Roberts Robinson Thompson Wright Walker White Edwards Hughes Green Hall
Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris
Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson
Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter
Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall
Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb
Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills
Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon
Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart
Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole
Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry
Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett
Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry
Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy
Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess
Bishop Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls
Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor
Harper Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy
Wheeler Potter Osborne Johnston Gordon Doyle Wallace George Jordan Smyth
Smythe Hutchinson Rowe Burke May Pritchard Gilbert Willis Higgins Read Miles
Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson
Slater Austin Sullivan Whitehead Mann Frost Lambert Stephens Blake Akhtar
Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett Baxter Clayton
Nash Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson
Fowler Heath Norman Middleton Banks French Hale Haley Hales Okafor Adeyemi
Mensah Owusu Nwosu O'Sullivan""".split()

US_FIRST = """James Robert John Michael David William Richard Joseph Thomas
Christopher Charles Daniel Matthew Anthony Mark Donald Steven Andrew Paul
Joshua Kenneth Kevin Brian George Timothy Ronald Jason Edward Jeffrey Ryan
Jacob Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen
Lisa Nancy Betty Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda
Melissa Deborah Stephanie Rebecca Laura Tyler Brandon Justin Kyle""".split()

US_LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez
Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson
Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson
Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips
Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales
Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly
Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett
Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross
Foster Jimenez""".split()

DE_FIRST = """Thomas Michael Andreas Stefan Frank Jörg Jürgen Klaus Markus
Christian Peter Uwe Ralf Sabine Susanne Petra Claudia Andrea Monika Birgit
Katrin Anja Julia Tobias Florian Matthias Sebastian Björn Sören Günter
Jan Lars Dirk Nicole Stefanie Martina Ute""".split()

DE_LAST = """Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz
Hoffmann Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz
Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause
Meier Lehmann Schmid Schulze Maier Köhler Herrmann König Walter Mayer Huber
Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Vogel""".split()

FR_FIRST = """Jean Pierre Michel Philippe Alain Nicolas Christophe Patrick
Laurent Frédéric Stéphane Sébastien Julien Marie Nathalie Isabelle Sylvie
Catherine Françoise Valérie Sandrine Céline Hélène Émilie Thierry Éric
François Benoît Jérôme Anne""".split()

FR_LAST = """Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy
Moreau Simon Laurent Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier
Morel Girard André Lefebvre Mercier Dupont Lambert Bonnet François Martinez
Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas
Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier""".split()

NAME_POOLS = {
    "uk": (UK_FIRST, UK_LAST),
    "us": (US_FIRST, US_LAST),
    "de": (DE_FIRST, DE_LAST),
    "fr": (FR_FIRST, FR_LAST),
}

# Given names people spell more than one way. Each pair is listed as two
# separate names in the Office for National Statistics' baby-name tables for
# England and Wales (every spelling is counted on its own there), so a sender
# who knows "Steven" may type "Stephen". Facts, not the checker's data: the
# checker ships its own list (data/name_variants.csv), which lacks some.
SPELLINGS = [("Stephen", "Steven"), ("Catherine", "Katherine"), ("Catherine", "Kathryn"),
             ("Philip", "Phillip"), ("Jonathan", "Jonathon"), ("Geoffrey", "Jeffrey"),
             ("Sean", "Shaun"), ("Rachel", "Rachael"), ("Sarah", "Sara"), ("Anne", "Ann"),
             ("Claire", "Clare"), ("Deborah", "Debra"), ("Mohammed", "Muhammad"),
             ("Alan", "Allan"), ("Neil", "Neal"), ("Nicola", "Nichola"),
             ("Lindsay", "Lindsey"), ("Carl", "Karl"), ("Matthew", "Mathew")]

# The short forms English speakers go by (and that address books and
# autocomplete entries carry): Steve for Stephen, Kate for Katherine.
NICKNAMES = {
    "Stephen": "Steve", "Steven": "Steve", "Katherine": "Kate", "Catherine": "Cathy",
    "William": "Bill", "Robert": "Rob", "Michael": "Mike", "David": "Dave",
    "Christopher": "Chris", "Thomas": "Tom", "James": "Jim", "Samuel": "Sam",
    "Benjamin": "Ben", "Daniel": "Dan", "Nicholas": "Nick", "Andrew": "Andy",
    "Peter": "Pete", "Anthony": "Tony", "Elizabeth": "Liz", "Jennifer": "Jenny",
    "Susan": "Sue", "Richard": "Rich", "Timothy": "Tim", "Matthew": "Matt",
    "Jonathan": "Jon", "Alexander": "Alex", "Victoria": "Vicky", "Rebecca": "Becky",
    "Joseph": "Joe", "Edward": "Ed", "Philip": "Phil", "Kenneth": "Ken",
}

US_RANKS = ["CIV", "CIV", "CIV", "CTR", "CTR", "MAJ", "LTC", "COL", "CPT",
            "MSG", "SFC", "CDR", "LCDR"]
UK_TITLES = ["Dr", "Prof", "Lt Col", "Maj", "Cdr", "Wg Cdr", "Capt", "Mr", "Ms"]

# ---------------------------------------------------------------------------
# Domains of the world: (domain, nationality, address format, GAL style,
# popularity). Real domains are used as facts; their people are invented.
# Address formats: first.last, f.last, flast, lastf, dod (first.m.last.civ),
# uni (f.last or initials+digits), role (for a few role mailboxes).
# ---------------------------------------------------------------------------

PARTNERS = [
    # UK government and defence
    ("mod.gov.uk", "uk", "first.last", "last, first", 40),
    ("mod.uk", "uk", "first.last", "last, first", 12),
    ("dstl.gov.uk", "uk", "f.last", "last, first", 20),
    ("fcdo.gov.uk", "uk", "first.last", "last, first", 14),
    ("cabinetoffice.gov.uk", "uk", "first.last", "last, first", 10),
    ("homeoffice.gov.uk", "uk", "first.last", "last, first", 8),
    ("hmtreasury.gov.uk", "uk", "first.last", "last, first", 6),
    ("ncsc.gov.uk", "uk", "first.last", "first last", 9),
    ("dsit.gov.uk", "uk", "first.last", "last, first", 3),
    ("gchq.gov.uk", "uk", "first.last", "last, first", 5),
    ("dft.gov.uk", "uk", "first.last", "last, first", 3),
    ("dfe.gov.uk", "uk", "first.last", "last, first", 3),
    ("ukho.gov.uk", "uk", "first.last", "last, first", 4),
    ("metoffice.gov.uk", "uk", "first.last", "first last", 4),
    ("army.mod.uk", "uk", "first.last", "last, first", 6),
    ("royalnavy.mod.uk", "uk", "first.last", "last, first", 5),
    ("rafac.mod.gov.uk", "uk", "first.last", "last, first", 2),
    ("nhs.net", "uk", "first.last", "last, first", 3),
    # US
    ("army.mil", "us", "dod", "dod", 22),
    ("mail.mil", "us", "dod", "dod", 14),
    ("navy.mil", "us", "dod", "dod", 10),
    ("us.af.mil", "us", "dod", "dod", 8),
    ("usmc.mil", "us", "dod", "dod", 4),
    ("state.gov", "us", "flast", "first last", 5),
    ("dhs.gov", "us", "first.last", "first last", 3),
    ("hhs.gov", "us", "first.last", "first last", 2),
    # NATO and allies
    ("hq.nato.int", "uk", "first.last", "last, first", 12),
    ("shape.nato.int", "uk", "first.last", "last, first", 8),
    ("ncia.nato.int", "uk", "first.last", "first last", 7),
    ("act.nato.int", "us", "first.last", "first last", 5),
    ("bundeswehr.org", "de", "first.last", "last, first", 6),
    ("bmvg.bund.de", "de", "first.last", "last, first", 4),
    ("intradef.gouv.fr", "fr", "first.last", "first last", 5),
    ("def.gouv.fr", "fr", "first.last", "first last", 3),
    ("forces.gc.ca", "us", "first.last", "last, first", 4),
    ("defence.gov.au", "uk", "first.last", "last, first", 4),
    ("defense.gov", "us", "first.m.last", "first last", 3),
    ("nzdf.mil.nz", "uk", "first.last", "last, first", 2),
    ("ec.europa.eu", "fr", "first.last", "last, first", 3),
    # Universities
    ("kcl.ac.uk", "uk", "first.last", "first last", 6),
    ("ucl.ac.uk", "uk", "f.last", "first last", 4),
    ("cam.ac.uk", "uk", "uni", "first last", 5),
    ("ox.ac.uk", "uk", "first.last", "first last", 4),
    ("imperial.ac.uk", "uk", "f.last", "first last", 5),
    ("ed.ac.uk", "uk", "uni", "first last", 3),
    ("cranfield.ac.uk", "uk", "f.last", "first last", 6),
    ("bristol.ac.uk", "uk", "f.last", "first last", 3),
    ("mit.edu", "us", "flast", "first last", 2),
    # Industry
    ("baesystems.com", "uk", "first.last", "first last", 18),
    ("qinetiq.com", "uk", "f.last", "first last", 12),
    ("leonardo.com", "uk", "first.last", "first last", 8),
    ("thalesgroup.com", "fr", "first.last", "first last", 8),
    ("babcockinternational.com", "uk", "first.last", "first last", 6),
    ("rolls-royce.com", "uk", "first.last", "first last", 5),
    ("mbda-systems.com", "fr", "first.last", "first last", 4),
    ("airbus.com", "fr", "first.last", "first last", 4),
    ("lmco.com", "us", "first.m.last", "first last", 5),
    ("rtx.com", "us", "first.last", "first last", 3),
    ("gd.com", "us", "first.last", "first last", 2),
    ("rheinmetall.com", "de", "first.last", "first last", 3),
    ("hensoldt.net", "de", "first.last", "first last", 2),
    ("roke.co.uk", "uk", "first.last", "first last", 4),
    ("frazer-nash.co.uk", "uk", "f.last", "first last", 3),
    ("capita.co.uk", "uk", "first.last", "first last", 3),
    ("serco.com", "uk", "first.last", "first last", 3),
    ("atkinsrealis.com", "uk", "first.last", "first last", 3),
    ("pa.co.uk", "uk", "first.last", "first last", 2),
    ("deloitte.co.uk", "uk", "flast", "first last", 3),
    ("kpmg.co.uk", "uk", "first.last", "first last", 2),
    ("pwc.com", "uk", "first.m.last", "first last", 2),
    ("accenture.com", "us", "first.m.last", "first last", 2),
    ("bt.com", "uk", "first.last", "first last", 3),
    ("hp.com", "us", "first.last", "first last", 1),
    ("microsoft.com", "us", "flast", "first last", 2),
]

# Public mail providers for personal addresses, with popularity.
PROVIDERS = [
    ("gmail.com", 40), ("outlook.com", 12), ("hotmail.co.uk", 10),
    ("hotmail.com", 6), ("yahoo.co.uk", 6), ("yahoo.com", 4),
    ("btinternet.com", 6), ("icloud.com", 6), ("live.co.uk", 3),
    ("sky.com", 3), ("virginmedia.com", 3), ("gmx.de", 2), ("web.de", 2),
    ("live.com", 2), ("gmx.net", 1),
    ("googlemail.com", 2), ("aol.com", 1), ("protonmail.com", 1),
]

# Real, distinct domains one edit (or one suffix step) from a partner domain:
# a legitimate first contact there looks exactly like a slip. Used for the
# ok-new "near-domain" cases (some are also partners or providers above: the
# SISTER_DOMAINS below need both sides used).
NEAR_LEGIT = [
    ("ucl.ac.uk", "kcl.ac.uk", "uk", "first.last"),       # UCL vs King's
    ("ex.ac.uk", "ed.ac.uk", "uk", "f.last"),             # Exeter vs Edinburgh
    ("dsit.gov.uk", "dstl.gov.uk", "uk", "first.last"),   # DSIT vs Dstl
    ("fco.gov.uk", "fcdo.gov.uk", "uk", "first.last"),    # the FCO's old domain
    ("hpe.com", "hp.com", "us", "first.last"),            # HPE vs HP
    ("gmx.net", "gmx.de", "de", "free"),                  # GMX's other domain
    ("yahoo.com", "yahoo.co.uk", "uk", "free"),
    ("hhs.gov", "dhs.gov", "us", "first.last"),           # HHS vs DHS
    ("qinetiq.com.au", "qinetiq.com", "uk", "f.last"),
]

# Shared role mailboxes, as organisations name them: a government or military
# unit writes "<unit>-<function>" (the MOD's "DIO-Enquiries", a J3 operations
# cell's plans desk), universities and companies a function. The same role
# name recurs at many organisations (enquiries@ at every university).
ROLES = {
    "gov": ["enquiries", "foi-requests", "press-office", "ops-j3-plans", "j6-servicedesk",
            "hq-registry", "dso-secretariat", "info-mgmt-team", "policy-unit"],
    "uni": ["enquiries", "admissions", "research-office", "it-servicedesk", "press-office"],
    "co": ["info", "bids-team", "service-desk", "contracts", "security-office"],
}

# Real domains that are the same name under another suffix or one letter
# apart, where people at one are often written to at the other: Microsoft's
# and Yahoo's UK and US consumer domains, GMX's German and international ones,
# the Australian and US defence departments, King's and University College
# London, the Departments for Transport and for Education, DHS and HHS. Each
# side is a domain the organisation writes to, so the look-alike check is
# silent on both.
SISTER_DOMAINS = [("hotmail.co.uk", "hotmail.com"), ("yahoo.co.uk", "yahoo.com"),
                  ("live.co.uk", "live.com"), ("gmx.de", "gmx.net"),
                  ("defence.gov.au", "defense.gov"), ("kcl.ac.uk", "ucl.ac.uk"),
                  ("dft.gov.uk", "dfe.gov.uk"), ("dhs.gov", "hhs.gov")]

OWN_DOMAIN = "agency.gov.uk"

# Public suffixes of the world above (longest match wins), for the domain
# slips. Mirrors the PSL for these names.
SUFFIXES = sorted("""mil gov int gov.uk ac.uk co.uk uk com net org edu de fr
gouv.fr bund.de gc.ca ca gov.au com.au au mil.nz nz eu""".split(),
                  key=len, reverse=True)

QWERTY = {
    'a': 'qswz', 'b': 'ghnv', 'c': 'dfvx', 'd': 'cefrsx', 'e': 'drsw',
    'f': 'cdgrtv', 'g': 'bfhtvy', 'h': 'bgjnuy', 'i': 'jkou', 'j': 'hikmnu',
    'k': 'ijlmo', 'l': 'kop', 'm': 'jkn', 'n': 'bhjm', 'o': 'iklp',
    'p': 'lo', 'q': 'aw', 'r': 'deft', 's': 'adewxz', 't': 'fgry',
    'u': 'hijy', 'v': 'bcfg', 'w': 'aeqs', 'x': 'cdsz', 'y': 'ghtu',
    'z': 'asx',
}
HOMOGLYPHS = {'a': 'а', 'o': 'о', 'e': 'е', 'c': 'с', 'p': 'р', 'i': 'і',
              'x': 'х', 'y': 'у'}
TLD_SLIPS = {
    "mil": ["ml", "mi", "mill", "nil"], "com": ["co", "cm", "con", "om"],
    "net": ["ne", "nte"], "org": ["ogr", "or"], "int": ["in", "itn"],
    "uk": ["um", "ik"], "gov": ["gv", "giv", "go"], "de": ["se", "fe"],
    "edu": ["ed", "eud"], "eu": ["ue"], "fr": ["fe"], "ac": ["ax", "sc"],
    "co": ["cp", "com"], "ca": ["cs"], "au": ["ay"], "nz": ["mz"],
}
SUFFIX_CHANGES = {
    "gov.uk": ["gov", "uk"], "co.uk": ["uk", "co", "com"], "ac.uk": ["uk", "edu"],
    "mil": ["gov"], "com": ["co.uk"], "gouv.fr": ["gov.fr"],
}


def zipf_weights(n, s=1.0):
    return [1.0 / (i + 1) ** s for i in range(n)]


def ascii_fold(text):
    """Jörg -> joerg, Céline -> celine, O'Brien -> obrien: how names become
    local parts."""
    text = (text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
            .replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
            .replace("ß", "ss"))
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.lower() if c.isascii() and (c.isalnum()))


def split_domain(domain):
    """army.mil -> ("", "army", "mil"); hq.nato.int -> ("hq", "nato", "int")."""
    for suffix in SUFFIXES:
        if domain.endswith("." + suffix):
            rest = domain[: -len(suffix) - 1]
            prefix, _, label = rest.rpartition(".")
            return prefix, label, suffix
    raise ValueError("no suffix for " + domain)


def one_edit(a, b):
    """True iff a and b are one insertion, deletion, substitution or adjacent
    transposition apart (the DESIGN's "one edit")."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b = b, a
    for i in range(len(b)):
        if b[:i] + b[i + 1:] == a:
            return True
    return False


def normalize_name(name):
    """The store's NormalizeDisplayName: case-folded, punctuation dropped,
    words sorted."""
    out = []
    for ch in name.lower():
        out.append(ch if ch.isalnum() else " ")
    return " ".join(sorted("".join(out).split()))


class Person:
    __slots__ = ("first", "last", "middle", "rank", "domain", "local",
                 "gal_name", "personal", "role")

    def address(self):
        return self.local + "@" + self.domain

    def plain_name(self):
        if self.role:
            return self.gal_name
        return self.first + " " + self.last


def org_kind(domain):
    """gov, uni or co: which role mailboxes an organisation has."""
    if domain.endswith((".ac.uk", ".edu")):
        return "uni"
    if domain.endswith((".mil", ".gov", ".int", ".gov.uk", ".mod.uk", "mod.uk", ".gouv.fr",
                        ".bund.de", ".gc.ca", ".gov.au", ".mil.nz", ".europa.eu")):
        return "gov"
    return "co"


class Org:
    """One domain's people. People are made on demand, with the domain's
    address convention and collision numbering."""

    def __init__(self, domain, nationality, fmt, gal):
        self.domain, self.nationality, self.fmt, self.gal = domain, nationality, fmt, gal
        self.people = []
        self.locals = set()
        self.roles = {}

    def role(self, rng):
        """One of the organisation's shared mailboxes (the same Person for
        everyone who writes to it)."""
        name = rng.choice(ROLES[org_kind(self.domain)])
        if name not in self.roles and name not in self.locals:
            p = Person()
            p.first, p.last, p.middle, p.rank = "", name, "", ""
            p.domain, p.local, p.role, p.personal = self.domain, name, True, None
            # "Ops J3 Plans", "Enquiries": how a GAL shows a shared mailbox.
            p.gal_name = " ".join(w.upper() if len(w) <= 3 and any(c.isdigit() for c in w)
                                  else w.capitalize() for w in name.split("-"))
            self.locals.add(name)
            self.roles[name] = p
        return self.roles.get(name)

    def make_local(self, rng, first, last, middle):
        # A double-barrelled surname keeps its hyphen in most address books.
        f, l = ascii_fold(first), "-".join(ascii_fold(x) for x in last.split("-"))
        fmt = self.fmt
        if fmt == "uni":
            fmt = "f.last" if rng.random() < 0.5 else "initials"
        if fmt == "first.last" and self.domain == OWN_DOMAIN and rng.random() < 0.1:
            fmt = rng.choice(["f.last", "lastf"])  # legacy addresses of old hands
        base = {
            "first.last": f + "." + l,
            "f.last": f[0] + "." + l,
            "flast": f[0] + l,
            "lastf": l + f[0],
            "first.m.last": f + "." + middle.lower() + "." + l,
            "dod": f + "." + middle.lower() + "." + l,
            "initials": f[0] + middle.lower() + str(rng.randint(20, 999)),
            "free": None,
        }[fmt]
        if fmt == "free":
            yy = str(rng.randint(60, 99))
            base = rng.choice([f + l, f + "." + l + yy, f[0] + l + yy,
                               f + "_" + l, l + f[0] + yy, f + l + yy])
        tail = ""
        if fmt == "dod":
            tail = "." + ("civ" if rng.random() < 0.7 else
                          rng.choice(["mil", "ctr"]))
        n = 1
        local = base + tail
        while local in self.locals:
            n += 1
            local = base + str(n) + tail
        self.locals.add(local)
        return local

    def new_person(self, rng, first=None, last=None):
        firsts, lasts = NAME_POOLS[self.nationality]
        p = Person()
        # Flat enough that the commonest names have about the real shares
        # (John ~5% of first names, Smith ~2% of surnames).
        p.first = first or rng.choices(firsts, zipf_weights(len(firsts), 0.5))[0]
        p.last = last or rng.choices(lasts, zipf_weights(len(lasts), 0.4))[0]
        if last is None and self.nationality == "uk" and rng.random() < 0.02:
            # About 1-2% of British surnames are double-barrelled.
            p.last += "-" + rng.choices(lasts, zipf_weights(len(lasts), 0.4))[0]
        p.role = False
        p.middle = rng.choice("ABCDEFGHJKLMNPRSTW")
        p.rank = rng.choice(US_RANKS)
        p.domain = self.domain
        p.local = self.make_local(rng, p.first, p.last, p.middle)
        if self.gal == "dod":
            p.gal_name = "%s, %s %s %s" % (p.last, p.first, p.middle, p.rank)
        elif self.gal == "last, first":
            p.gal_name = p.last + ", " + p.first
        else:
            p.gal_name = p.first + " " + p.last
        p.personal = None
        self.people.append(p)
        return p


class World:
    """Every organisation and person the senders may write to."""

    def __init__(self, rng, staff):
        self.rng = rng
        self.orgs = {}
        self.own = Org(OWN_DOMAIN, "uk", "first.last", "last, first")
        self.orgs[OWN_DOMAIN] = self.own
        for domain, nat, fmt, gal, _ in PARTNERS:
            self.orgs[domain] = Org(domain, nat, fmt, gal)
        for domain, _ in PROVIDERS:
            self.orgs[domain] = Org(domain, "uk", "free", "first last")
        for domain, _, nat, fmt in NEAR_LEGIT:
            if domain not in self.orgs:
                self.orgs[domain] = Org(domain, nat, fmt, "first last")
        self.partner_domains = [p[0] for p in PARTNERS]
        self.partner_weights = [p[4] for p in PARTNERS]
        self.provider_domains = [p[0] for p in PROVIDERS]
        self.provider_weights = [p[1] for p in PROVIDERS]
        for _ in range(staff):
            self.own.new_person(rng)
        # Departments of ~12 people: a sender's colleagues come mostly from theirs.
        self.departments = [self.own.people[i:i + 12] for i in range(0, staff, 12)]
        self.all_domains = set(self.orgs)

    def personal_address(self, rng, person):
        if person.personal is None:
            dom = rng.choices(self.provider_domains, self.provider_weights)[0]
            org = self.orgs[dom]
            p = Person()
            p.first, p.last, p.middle, p.rank = person.first, person.last, person.middle, ""
            p.domain = dom
            p.local = org.make_local(rng, person.first, person.last, person.middle)
            p.gal_name = person.plain_name()
            p.personal = None
            p.role = False
            person.personal = p
        return person.personal

    def is_world_domain(self, domain):
        d = domain
        while True:
            if d in self.all_domains:
                return True
            if "." not in d:
                return False
            d = d.split(".", 1)[1]


# ---------------------------------------------------------------------------
# One sender's habits.
# ---------------------------------------------------------------------------

class Contact:
    __slots__ = ("person", "style", "weight")


def display_for(rng, contact):
    """The display name a message carries for a contact: mostly the pair's
    usual form, sometimes none."""
    if contact.style is None or rng.random() < 0.08:
        return ""
    return contact.style


def pick_style(rng, person):
    r = rng.random()
    if person.role:
        return person.gal_name if r < 0.6 else None
    if r < 0.62:
        return person.gal_name
    if r < 0.80:
        return person.plain_name()
    if r < 0.88:
        return rng.choice(UK_TITLES) + " " + person.plain_name()
    return None  # the sender types the bare address


class Sender:
    def __init__(self, world, rng, me, index):
        self.world, self.rng, self.me, self.index = world, rng, me, index
        self.contacts = []
        self.known = {}  # address -> Contact
        dept = world.departments[index // 12]
        team = [p for p in dept if p is not me]
        rng.shuffle(team)
        team = team[: rng.randint(4, 11)]
        others = [p for p in rng.sample(world.own.people, 8) if p is not me and p not in team]
        for p in team + others[: rng.randint(1, 6)]:
            self.add(p)
        partner_domains = self.pick_partner_orgs(rng.randint(2, 5))
        for dom in partner_domains:
            org = world.orgs[dom]
            for _ in range(rng.randint(1, 7)):
                self.add(self.existing_or_new(org))
        if rng.random() < 0.35:  # a shared mailbox or two of a partner
            for dom in rng.sample(partner_domains, min(2, len(partner_domains))):
                role = world.orgs[dom].role(rng)
                if role:
                    self.add(role)
        for _ in range(rng.randint(0, 3)):
            self.add(world.personal_address(rng, rng.choice(world.own.people)))
        if rng.random() < 0.3:  # mail to one's own personal address
            self.add(world.personal_address(rng, me))
        rng.shuffle(self.contacts)
        self.reweight()
        self.rate = min(12.0, rng.lognormvariate(math.log(3.0), 0.6))

    def pick_partner_orgs(self, n):
        out = []
        while len(out) < n:
            d = self.rng.choices(self.world.partner_domains, self.world.partner_weights)[0]
            if d not in out:
                out.append(d)
        return out

    def existing_or_new(self, org):
        # An org's people are shared across senders: colleagues write to the
        # same partners.
        if org.people and self.rng.random() < 0.5:
            return self.rng.choice(org.people)
        return org.new_person(self.rng)

    def add(self, person):
        addr = person.address()
        if addr in self.known or person is self.me:
            return None
        c = Contact()
        c.person, c.style, c.weight = person, pick_style(self.rng, person), 0.0
        self.contacts.append(c)
        self.known[addr] = c
        return c

    def reweight(self):
        w = zipf_weights(len(self.contacts), 1.05)
        for c, x in zip(self.contacts, w):
            c.weight = x
        self.weights = w

    def new_person(self):
        """Someone the sender has not written to: (person, kind)."""
        rng, world = self.rng, self.world
        r = rng.random()
        used = sorted({c.person.domain for c in self.contacts} - {OWN_DOMAIN})
        if r < 0.38 and used:  # a new person at a partner the sender uses
            org = world.orgs[rng.choice(used)]
            kind = "new-person-known-domain"
        elif r < 0.63:  # a new colleague
            org = world.own
            kind = "new-colleague"
        elif r < 0.86:  # a new partner organisation
            org = world.orgs[rng.choices(world.partner_domains, world.partner_weights)[0]]
            kind = "new-person-known-domain" if org.domain in used else "new-domain"
        elif r < 0.955:  # someone's personal address
            person = world.personal_address(rng, world.orgs[rng.choice(world.partner_domains)].new_person(rng))
            return person, "new-personal-address"
        elif r < 0.97:
            # The same office at the sister organisation: enquiries@ucl.ac.uk
            # when the sender writes to enquiries@kcl.ac.uk.
            for c in self.contacts:
                if c.person.role:
                    sister = sister_of(c.person.domain)
                    if sister and c.person.local not in world.orgs[sister].locals:
                        org = world.orgs[sister]
                        p = Person()
                        p.first, p.last, p.middle, p.rank = "", c.person.local, "", ""
                        p.domain, p.local, p.role, p.personal = sister, c.person.local, True, None
                        p.gal_name = c.person.gal_name
                        org.locals.add(p.local)
                        org.roles[p.local] = p
                        return p, "role-at-sister"
            return self.new_person()
        elif r < 0.985:
            # A correspondent who moved to another employer: the same name, a
            # new address in the new organisation's format.
            movers = [c.person for c in self.contacts
                      if not c.person.role and c.person.domain in world.partner_domains]
            if not movers:
                return self.new_person()
            mover = rng.choice(movers)
            org = world.orgs[rng.choices(world.partner_domains, world.partner_weights)[0]]
            if org.domain == mover.domain:
                return self.new_person()
            return org.new_person(rng, mover.first, mover.last), "moved-employer"
        else:  # a real domain one edit from one the sender uses
            cands = [n for n in NEAR_LEGIT if n[1] in used]
            if not cands:
                return self.new_person()
            org = world.orgs[rng.choice(cands)[0]]
            kind = "near-domain"
        for _ in range(20):
            person = self.existing_or_new(org)
            if person.address() not in self.known and person is not self.me:
                return person, kind
        return org.new_person(rng), kind

    def message_recipients(self):
        rng = self.rng
        n = rng.choices([1, 2, 3, 4, 5, 6], [55, 20, 10, 7, 5, 3])[0]
        n = min(n, len(self.contacts))
        chosen = []
        while len(chosen) < n:
            c = rng.choices(self.contacts, self.weights)[0]
            if c not in chosen:
                chosen.append(c)
        return chosen


# ---------------------------------------------------------------------------
# Slips.
# ---------------------------------------------------------------------------

def sister_of(domain):
    for a, b in SISTER_DOMAINS:
        if domain == a:
            return b
        if domain == b:
            return a
    return None


def label_slips(label):
    """(kind, new label) for one slip in a domain label."""
    out = []
    for i in range(len(label)):
        if len(label) >= 4:
            out.append(("omission", label[:i] + label[i + 1:]))
        if i + 1 < len(label) and label[i] != label[i + 1]:
            out.append(("transposition", label[:i] + label[i + 1] + label[i] + label[i + 2:]))
        for n in QWERTY.get(label[i], ""):
            out.append(("keyboard-substitution", label[:i] + n + label[i + 1:]))
        if label[i].isalpha():
            out.append(("repetition", label[:i + 1] + label[i] + label[i + 1:]))
            for n in QWERTY.get(label[i], ""):
                out.append(("insertion", label[:i + 1] + n + label[i + 1:]))
        if label[i] in HOMOGLYPHS:
            out.append(("homoglyph", label[:i] + HOMOGLYPHS[label[i]] + label[i + 1:]))
    return [(k, l) for k, l in out if len(l) >= 2 and not l.startswith("-") and not l.endswith("-")]


def domain_slips(domain):
    prefix, label, suffix = split_domain(domain)
    pre = prefix + "." if prefix else ""
    out = []
    for kind, l in label_slips(label):
        out.append((kind, pre + l + "." + suffix))
    labels = suffix.split(".")
    for i, lab in enumerate(labels):
        for s in TLD_SLIPS.get(lab, []):
            new = ".".join(labels[:i] + [s] + labels[i + 1:])
            out.append(("tld-swap", pre + label + "." + new))
    for s in SUFFIX_CHANGES.get(suffix, []):
        out.append(("suffix-change", pre + label + "." + s))
    if prefix:
        out.append(("dot-omission", prefix + label + "." + suffix))
    return out


def local_slips(local):
    out = []
    for i in range(len(local)):
        ch = local[i]
        if ch in ".-_":
            out.append(("dot-dropped" if ch == "." else "hyphen-dropped",
                        local[:i] + local[i + 1:]))
            continue
        if i + 1 < len(local) and local[i + 1] != "." and ch != local[i + 1]:
            out.append(("transposition", local[:i] + local[i + 1] + ch + local[i + 2:]))
        for n in QWERTY.get(ch, ""):
            out.append(("keyboard-substitution", local[:i] + n + local[i + 1:]))
        if ch in "aeiouy":
            for v in "aeiouy":
                if v != ch:
                    out.append(("vowel-swap", local[:i] + v + local[i + 1:]))
        if ch.isalpha() and 0 < i < len(local) - 1:
            out.append(("omission", local[:i] + local[i + 1:]))
        if ch.isalpha():
            out.append(("repetition", local[:i + 1] + ch + local[i + 1:]))
            for n in QWERTY.get(ch, ""):
                out.append(("insertion", local[:i + 1] + n + local[i + 1:]))
    return [(k, l) for k, l in out
            if l and l[0] not in ".-" and l[-1] not in ".-" and ".." not in l]


# How often each kind of slip is made, relative to the others (a kind that
# does not apply to an address is skipped). Homoglyphs are rare as slips but
# kept: a pasted look-alike is the same mistake to the sender.
DOMAIN_SLIP_WEIGHTS = {
    "tld-swap": 20, "omission": 14, "transposition": 14,
    "keyboard-substitution": 14, "insertion": 9, "repetition": 9,
    "suffix-change": 9, "dot-omission": 4, "homoglyph": 4,
}
LOCAL_SLIP_WEIGHTS = {
    "keyboard-substitution": 22, "transposition": 20, "omission": 15,
    "repetition": 12, "dot-dropped": 10, "vowel-swap": 10, "insertion": 8,
    "hyphen-dropped": 10,
}
# Most misspellings are a single error (Damerau 1964 found about 80% in his
# sample); the rest are mostly two. Two slips are given to long local parts
# only, where a sender types more by hand.
TWO_SLIP_SHARE = 0.2


def pick_slip(rng, cands, weights):
    """A kind by its weight among those that apply, then one slip of it."""
    kinds = sorted({k for k, _ in cands})
    kind = rng.choices(kinds, [weights[k] for k in kinds])[0]
    return rng.choice([c for c in cands if c[0] == kind])


def format_recipient(name, address):
    """As a user sees it: "John Smith" <john.smith@army.mil>, or the bare
    address."""
    if not name:
        return address
    return '"%s" <%s>' % (name.replace("\\", "\\\\").replace('"', '\\"'), address)


# ---------------------------------------------------------------------------
# Generation.
# ---------------------------------------------------------------------------

BODIES = [
    "Please see attached.", "Thanks, will do.", "Can we move this to Thursday?",
    "Minutes from today's meeting below.", "Draft for comment by Friday.",
    "Noted, thanks.", "Forwarding for awareness.", "Updated figures attached.",
    "Are you free for a call tomorrow at 10?", "Agreed.",
]


def working_days(start, days):
    t0 = calendar.timegm((start[0], start[1], start[2], 0, 0, 0))
    out = []
    for d in range(days):
        t = t0 + d * 86400
        if (d + calendar.weekday(*start)) % 7 < 5:
            out.append(t)
    return out


class Output:
    def __init__(self, args):
        self.args = args
        os.makedirs(args.out, exist_ok=True)
        fmt = args.history_format
        self.mbox = open(os.path.join(args.out, "history.mbox"), "w", encoding="utf-8",
                         newline="\n") if fmt in ("mbox", "both") else None
        self.pairs = open(os.path.join(args.out, "pairs.tsv"), "w", encoding="utf-8",
                          newline="\n") if fmt in ("pairs", "both") else None
        if self.pairs:
            self.pairs.write("sender\trecipient\tdisplay_name\tmessages\tfirst_seen\tlast_seen\n")
        self.test = open(os.path.join(args.out, "test.tsv"), "w", encoding="utf-8", newline="\n")
        self.test.write("# make_org.py --seed %d --senders %d --scale %d\n"
                        % (args.seed, args.senders, args.scale))
        self.test.write("message_id\tsender\trecipient\tlabel\tkind\tintended\n")
        self.stats = Counter()
        self.kinds = Counter()
        # For the kinds that need the whole organisation's history (written
        # when every sender is done): messages per domain, addresses used.
        self.org_domains = Counter()
        self.org_addresses = set()
        self.test_rows = []


def write_message(out, sender_addr, sender_name, msg_id, t, to, cc, body):
    h = []
    h.append("From %s %s" % (sender_addr, time.asctime(time.gmtime(t))))
    h.append("From: " + email.utils.formataddr((sender_name, sender_addr), "utf-8"))
    h.append("To: " + ", ".join(email.utils.formataddr(x, "utf-8") for x in to))
    if cc:
        h.append("Cc: " + ", ".join(email.utils.formataddr(x, "utf-8") for x in cc))
    h.append("Subject: " + body.split(".")[0].split("?")[0][:40])
    h.append("Date: " + email.utils.format_datetime(
        datetime.datetime.fromtimestamp(t, datetime.timezone.utc)))
    h.append("Message-ID: <" + msg_id + ">")
    h.append("MIME-Version: 1.0")
    h.append("Content-Type: text/plain; charset=utf-8")
    out.write("\n".join(h) + "\n\n" + body + "\n\n")


def generate_sender(world, args, index, out, rng):
    me = world.own.people[index]
    s = Sender(world, rng, me, index)
    sender_addr = me.address()
    sender_name = me.plain_name()
    days = working_days(HISTORY_START, args.history_days + 2 * args.test_days + 7)
    end = calendar.timegm(HISTORY_START + (0, 0, 0)) + args.history_days * 86400
    hist_days = [d for d in days if d < end]
    test_days = [d for d in days if d >= end][: args.test_days]

    counts = Counter()          # address -> messages
    pair_rows = {}              # (address, name) -> [messages, first, last]
    names = defaultdict(Counter)  # address -> display name -> messages
    seq = 0

    def day_messages(day):
        n = 0
        lam = s.rate
        # Poisson by inversion; rates are small.
        L, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= L:
                break
            k += 1
        n = k
        times = sorted(day + 7 * 3600 + int(rng.random() * 11 * 3600) for _ in range(n))
        return times

    # --- history -----------------------------------------------------------
    for day in hist_days:
        for t in day_messages(day):
            seq += 1
            chosen = s.message_recipients()
            recips = [(display_for(rng, c), c.person.address()) for c in chosen]
            if rng.random() < 0.12:
                person, _ = s.new_person()
                c = None
                if rng.random() < 0.35:  # becomes a regular, low in the ranking
                    c = s.add(person)
                    if c:
                        s.contacts.remove(c)
                        s.contacts.insert(rng.randint(len(s.contacts) // 3, len(s.contacts)), c)
                        s.reweight()
                style = c.style if c else pick_style(rng, person)
                recips.append((style or "", person.address()))
                if not c:
                    s.known.setdefault(person.address(), None)
            seen = set()
            recips = [r for r in recips if not (r[1] in seen or seen.add(r[1]))]
            msg_id = "%08x.%d.%d@%s" % (rng.getrandbits(32), index, seq, OWN_DOMAIN)
            for name, addr in recips:
                counts[addr] += 1
                out.org_domains[addr.split("@")[1]] += 1
                out.org_addresses.add(addr)
                if name:
                    names[addr][name] += 1
                row = pair_rows.setdefault((addr, name), [0, t, t])
                row[0] += 1
                row[2] = t
            out.stats["history_messages"] += 1
            out.stats["history_recipients"] += len(recips)
            if out.mbox:
                k = rng.randint(1, min(2, len(recips)))
                write_message(out.mbox, sender_addr, sender_name, msg_id, t,
                              recips[:k], recips[k:], rng.choice(BODIES))
    if out.pairs:
        for (addr, name), (m, first, last) in sorted(pair_rows.items()):
            out.pairs.write("%s\t%s\t%s\t%d\t%d\t%d\n" % (sender_addr, addr, name, m, first, last))
    out.stats["history_pairs"] += len(counts)
    sender_domains = {a.split("@")[1] for a in counts}

    # --- test period ---------------------------------------------------------
    frequent = [c for c in s.contacts if counts[c.person.address()] >= 2]
    used_new = set()
    for day in test_days:
        for t in day_messages(day):
            seq += 1
            msg_id = "%08x.%d.%d@%s" % (rng.getrandbits(32), index, seq, OWN_DOMAIN)
            chosen = [c for c in s.message_recipients() if counts[c.person.address()] >= 1]
            lines = []
            for c in chosen:
                addr = c.person.address()
                kind = "habitual" if counts[addr] >= 2 else "occasional"
                lines.append([format_recipient(display_for(rng, c), addr), "ok", kind, addr, c])
            if rng.random() < 0.12:
                for _ in range(10):
                    person, kind = s.new_person()
                    addr = person.address()
                    if counts[addr] == 0 and addr not in used_new and addr != sender_addr:
                        break
                else:
                    person = None
                if person is not None:
                    used_new.add(addr)
                    style = pick_style(rng, person)
                    lines.append([format_recipient(style or "", addr), "ok-new",
                                  refine_new_kind(kind, addr, style, counts, names, world),
                                  addr, None])
            if not lines:
                continue
            # Inject one slip into about 4% of recipients (the rate is per
            # recipient, applied per message for simplicity).
            if rng.random() < args.mistake_rate * len(lines):
                i = rng.randrange(len(lines))
                if lines[i][1] == "ok":
                    inj = inject(rng, world, s, lines[i][4], counts, names, frequent, sender_domains)
                    if inj:
                        lines[i] = inj + [None]
            for rcpt, label, kind, intended, _ in lines:
                out.test_rows.append([msg_id, sender_addr, rcpt, label, kind, intended])
            out.stats["test_messages"] += 1
            out.stats["test_recipients"] += len(lines)


def refine_new_kind(kind, addr, style, counts, names, world):
    """Tags a legitimate new recipient that looks like a slip (the fair hard
    cases): a local part one edit from a frequent correspondent at the same
    domain, or a display name the sender has used with another address."""
    local, domain = addr.split("@")
    if kind != "near-domain" and len(local) >= 4:
        for other, n in counts.items():
            ol, od = other.split("@")
            if n >= 2 and od == domain and one_edit(local, ol):
                return kind + "/near-local"
    if style:
        key = normalize_name(style)
        for other, ns in names.items():
            if other != addr and counts[other] >= 2 and any(normalize_name(x) == key for x in ns):
                return kind + "/same-name"
    return kind


def name_formats(person):
    """The ways mail systems write a person's name as a local part, for the
    sender who guesses the format (real conventions: first.last, flast,
    firstlast, f.last, last.first, lastf, first_last, first.m.last)."""
    f, l = ascii_fold(person.first), "-".join(ascii_fold(x) for x in person.last.split("-"))
    m = person.middle.lower() if person.middle else ""
    forms = [f + "." + l, f[0] + l, f + l, f[0] + "." + l, l + "." + f, l + f[0], f + "_" + l]
    if m:
        forms.append(f + "." + m + "." + l)
    return forms


def name_renderings(rng, person):
    """How an address-book entry other than the sender's may write a person's
    name: another order, capitals (some directories and continental
    conventions write the surname in capitals), a middle initial, the accent
    kept or dropped, the short form of the given name, a department suffix."""
    first, last = person.first, person.last
    plain = ascii_fold_keep_case(first)
    out = [("last-first", "%s, %s" % (last, first)),
           ("first-last", "%s %s" % (first, last)),
           ("capitals", ("%s %s" % (first, last)).upper()),
           ("surname-capitals", "%s %s" % (first, last.upper())),
           ("middle-initial", "%s, %s %s" % (last, first, person.middle or "J")),
           ("department", "%s %s (%s)" % (first, last, person.domain.split(".")[0].upper()))]
    if plain != first:
        out.append(("accent-dropped", "%s %s" % (plain, last)))
    if first in NICKNAMES:
        out.append(("nickname", "%s %s" % (NICKNAMES[first], last)))
    return rng.choice(out)


def ascii_fold_keep_case(text):
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isascii())


def inject(rng, world, s, contact, counts, names, frequent, sender_domains):
    """Replaces the recipient `contact` with a slip. Returns [written, label,
    kind, intended] or None when no slip fits."""
    person = contact.person
    addr = person.address()
    local, domain = addr.split("@")
    r = rng.random()
    if r < 0.40:
        cands = [(k, d) for k, d in domain_slips(domain)
                 if d not in sender_domains and not world.is_world_domain(d)]
        if not cands:
            return None
        k, d = pick_slip(rng, cands, DOMAIN_SLIP_WEIGHTS)
        name = display_for(rng, contact) if rng.random() < 0.5 else ""
        return [format_recipient(name, local + "@" + d), "wrong-domain", k, addr]
    if r < 0.50:
        # The contact's own local part at the sister domain (hotmail.com for
        # hotmail.co.uk): both domains are ones the organisation writes to.
        # Only contacts at a domain with a sister can make this slip; the
        # sender's slip goes to one of them (the message is to them instead).
        if not sister_of(domain):
            have = [c for c in frequent if sister_of(c.person.domain)]
            if not have:
                return None
            contact = rng.choice(have)
            person = contact.person
            addr = person.address()
            local, domain = addr.split("@")
        sister = sister_of(domain)
        if counts[local + "@" + sister] > 0:
            return None
        name = display_for(rng, contact) if rng.random() < 0.5 else ""
        return [format_recipient(name, local + "@" + sister), "wrong-domain", "sister-domain", addr]
    if counts[addr] < 2:
        return None
    if r < 0.74:
        if len(local) < 4:
            return None
        cands = [(k, l) for k, l in local_slips(local) if counts[l + "@" + domain] == 0]
        if not cands:
            return None
        k, l = pick_slip(rng, cands, LOCAL_SLIP_WEIGHTS)
        if len(local) >= 10 and rng.random() < TWO_SLIP_SHARE:
            second = [(k2, l2) for k2, l2 in local_slips(l)
                      if l2 != local and counts[l2 + "@" + domain] == 0]
            if second:
                k, l = "two-slips", pick_slip(rng, second, LOCAL_SLIP_WEIGHTS)[1]
        # Typed by hand: mostly no display name; sometimes the chip's name kept.
        name = ""
        if rng.random() < 0.3 and names[addr]:
            name = names[addr].most_common(1)[0][0]
        return [format_recipient(name, l + "@" + domain), "wrong-person", "local-" + k, addr]
    if r < 0.84:
        # The sender types the name in a format the partner does not use, or
        # spells the given name the other way (Steven for Stephen).
        if person.role or person.domain in world.provider_domains:
            return None
        if rng.random() < 0.5:
            spelled = [b if a == person.first else a for a, b in SPELLINGS
                       if person.first in (a, b)]
            f = ascii_fold(person.first)
            if not spelled or f not in local:
                return None
            kind, l = "variant-spelling", local.replace(f, ascii_fold(rng.choice(spelled)), 1)
        else:
            forms = [x for x in name_formats(person) if x != local]
            kind, l = "other-format", rng.choice(forms)
        if counts[l + "@" + domain] > 0 or l == local:
            return None
        name = ""
        if rng.random() < 0.3 and names[addr]:
            name = names[addr].most_common(1)[0][0]
        return [format_recipient(name, l + "@" + domain), "wrong-person", kind, addr]
    # Autocomplete offered the wrong entry for the name the sender typed; the
    # entry writes the name its own way.
    if person.role or not person.first:
        return None
    rr = rng.random()
    if rr < 0.45:
        kind = "name-personal-address"
        other = world.personal_address(rng, person)
    elif rr < 0.65:
        # A namesake's freemail address, saved once in the sender's contacts.
        kind = "name-namesake-freemail"
        org = world.orgs[rng.choices(world.provider_domains, world.provider_weights)[0]]
        other = org.new_person(rng, person.first, person.last)
    elif rr < 0.82 and domain == OWN_DOMAIN:
        kind = "name-namesake-colleague"
        other = world.own.new_person(rng, person.first, person.last)
    else:
        kind = "name-namesake-elsewhere"
        org = world.orgs[rng.choices(world.partner_domains, world.partner_weights)[0]]
        other = org.new_person(rng, person.first, person.last)
    oaddr = other.address()
    if counts[oaddr] > 0 or oaddr == addr:
        return None
    how, name = name_renderings(rng, person)
    return [format_recipient(name, oaddr), "name-mismatch", kind + "/" + how, addr]


def write_test(out):
    """Writes test.tsv, refining the kinds with what the whole organisation's
    history says (the cases history cannot tell apart by design):
      wrong-domain .../rare-domain     the intended domain has fewer than 3
                                       messages from the whole organisation,
                                       so it is not a learned expected domain
      suffix-change/sister-suffix      the suffix replaced by a sister one
                                       (com -> co.uk, mil -> gov, ac.uk ->
                                       edu), not a label left out: what
                                       make_typos.py and the detector treat
                                       as a regional or sister domain
      wrong-domain sister-domain/...   as for the other kinds; the typed
                                       (sister) domain is one the
                                       organisation writes to by construction
      wrong-person, name-mismatch      the slip is an address someone else in
        .../org-known                  the organisation writes to: a real
                                       namesake the organisation knows, which
                                       the design allows (as for ok-new)
      ok-new .../org-known             someone else in the organisation
                                       writes to this address"""
    for row in out.test_rows:
        rcpt, label, kind, intended = row[2:]
        addr = rcpt[rcpt.rfind("<") + 1:-1] if rcpt.endswith(">") else rcpt
        if label == "wrong-domain" and kind == "suffix-change":
            suffix = split_domain(intended.split("@")[1])[2].split(".")
            left_out = {".".join(suffix[1:]), ".".join(suffix[:-1])}
            if not any(addr.endswith("." + x) for x in left_out if x):
                kind += "/sister-suffix"
        if label == "wrong-domain" and out.org_domains[intended.split("@")[1]] < 3:
            kind += "/rare-domain"
        elif label in ("wrong-person", "name-mismatch", "ok-new") and addr in out.org_addresses:
            kind += "/org-known"
        row[4] = kind
        out.test.write("\t".join(row) + "\n")
        out.stats["test_" + label] += 1
        out.kinds[(label, kind)] += 1


def write_org_toml(args):
    with open(os.path.join(args.out, "org.toml"), "w", encoding="utf-8") as f:
        f.write("# The synthetic organisation of tests/data/org/make_org.py.\n"
                "# Only its own domain: partners are learned from history.\n")
        f.write('own_domains = ["%s"]\n' % OWN_DOMAIN)


# ---------------------------------------------------------------------------
# Verification: read the files back, independently of the generator's state.
# ---------------------------------------------------------------------------

def verify(args):
    import mailbox
    from email.header import decode_header, make_header
    counts = defaultdict(Counter)
    org_domains = Counter()
    problems = []
    path = os.path.join(args.out, "history.mbox")
    messages = 0
    if os.path.exists(path) and args.history_format in ("mbox", "both"):
        ids = set()
        for msg in mailbox.mbox(path):
            messages += 1
            sender = email.utils.parseaddr(msg["From"])[1].lower()
            mid = msg["Message-ID"]
            if not mid or mid in ids:
                problems.append("missing or repeated Message-ID: %r" % mid)
            ids.add(mid)
            if email.utils.parsedate_to_datetime(msg["Date"]) is None:
                problems.append("bad Date in " + mid)
            fields = msg.get_all("To", []) + msg.get_all("Cc", [])
            for name, a in email.utils.getaddresses(fields):
                if name:
                    str(make_header(decode_header(name)))
                a = a.lower()
                counts[sender][a] += 1
                org_domains[a.split("@")[1]] += 1
    else:
        with open(os.path.join(args.out, "pairs.tsv"), encoding="utf-8") as f:
            next(f)
            for line in f:
                sender, a, _, m, _, _ = line.rstrip("\n").split("\t")
                counts[sender][a] += int(m)
                org_domains[a.split("@")[1]] += int(m)
    lines = 0
    with open(os.path.join(args.out, "test.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("message_id\t"):
                continue
            lines += 1
            mid, sender, rcpt, label, kind, intended = line.rstrip("\n").split("\t")
            a = email.utils.parseaddr(rcpt)[1].lower() if "<" in rcpt else rcpt
            c = counts[sender]
            sdoms = {x.split("@")[1] for x in c}
            bad = None
            if label == "ok" and c[a] < 1:
                bad = "ok recipient not in history"
            elif label == "ok-new" and c[a] > 0:
                bad = "ok-new recipient already in history"
            elif label == "wrong-domain" and kind.startswith("sister-domain") and (
                    c[a] > 0 or c[intended] < 1
                    or sister_of(intended.split("@")[1]) != a.split("@")[1]):
                bad = "sister-domain slip: address known, or not the intended's sister"
            elif label == "wrong-domain" and not kind.startswith("sister-domain") and (
                    c[a] > 0 or org_domains[a.split("@")[1]] > 0 or c[intended] < 1):
                bad = "wrong-domain domain known, or intended not in history"
            elif label in ("wrong-person", "name-mismatch") and (c[a] > 0 or c[intended] < 2):
                bad = label + " address known, or intended not frequent"
            elif label == "wrong-person" and kind.startswith("local-") and (
                    a.split("@")[1] not in sdoms
                    or (not kind.startswith("local-two-slips")
                        and not one_edit(a.split("@")[0], intended.split("@")[0]))):
                bad = "local slip not one edit at a known domain"
            if bad:
                problems.append("%s: %s" % (bad, line.strip()))
    for p in problems[:20]:
        print("verify: " + p, file=sys.stderr)
    print("verify: %d history messages, %d senders, %d test lines, %d problems"
          % (messages, len(counts), lines, len(problems)), file=sys.stderr)
    return not problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--senders", type=int, default=240)
    ap.add_argument("--history-days", type=int, default=182)
    ap.add_argument("--test-days", type=int, default=5, help="working days")
    ap.add_argument("--mistake-rate", type=float, default=0.05)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--history-format", choices=["mbox", "pairs", "both"], default="mbox")
    ap.add_argument("--stats", action="store_true")
    ap.add_argument("--verify", action="store_true")
    args = ap.parse_args()

    senders = args.senders * args.scale
    rng = random.Random("world:%d" % args.seed)
    world = World(rng, staff=int(senders * 2.5))
    out = Output(args)
    write_org_toml(args)
    for i in range(senders):
        generate_sender(world, args, i, out, random.Random("sender:%d:%d" % (args.seed, i)))
    write_test(out)
    for f in (out.mbox, out.pairs, out.test):
        if f:
            f.close()
    if args.stats:
        st = out.stats
        print("history: %d messages, %d recipients, %d (sender, recipient) pairs"
              % (st["history_messages"], st["history_recipients"], st["history_pairs"]),
              file=sys.stderr)
        n = st["test_recipients"]
        print("test: %d messages, %d recipient lines" % (st["test_messages"], n), file=sys.stderr)
        for label in ("ok", "ok-new", "wrong-domain", "wrong-person", "name-mismatch"):
            print("  %-13s %6d  %5.2f%%" % (label, st["test_" + label], 100.0 * st["test_" + label] / max(n, 1)),
                  file=sys.stderr)
        for (label, kind), c in sorted(out.kinds.items()):
            print("    %-13s %-40s %5d" % (label, kind, c), file=sys.stderr)
    if args.verify and not verify(args):
        sys.exit(1)


if __name__ == "__main__":
    main()
