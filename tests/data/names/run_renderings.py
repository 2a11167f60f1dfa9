#!/usr/bin/env python3
"""Scores `rcptguard check --store` on tests/data/names/renderings.tsv, end to end.

Usage: tests/data/names/run_renderings.py RCPTGUARD [--keep DIR]

Each row of renderings.tsv (its header cites the sources) becomes its own
sender at agency.gov.uk (fictional) with six months of sent mail: 6 messages
to the correspondent (with the name history shows, if any), 20 to a team
mailbox, 3 to a friend at gmail.com; a colleague writes to another address at
the new address's domain and, for org rows, to the new address itself under
the written name. The history is learned with `rcptguard learn --mbox` into
SQLite; then `check --store ... --from SENDER --format jsonl -` is given
"written" <address>. A mismatch row is caught when the verdict is not allow
and the suggestion is the usual address; an allow row is a false alarm when
the verdict is not allow. Prints per class: caught or allowed / rows.
Python 3 standard library only.
"""
import collections
import email.utils
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
START = 1_780_000_000  # 2026-05-28


def rows():
    out = []
    with open(os.path.join(HERE, "renderings.tsv"), encoding="utf-8") as f:
        header = True
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if header:
                header = False
                continue
            kind, usual, usual_name, address, written, org, want = line.split("\t")
            out.append(dict(line=n, kind=kind, usual=usual,
                            usual_name="" if usual_name == "-" else usual_name,
                            address=address, written=written, org=org == "1", want=want))
    return out


def message(out, sender, to_name, to_addr, t, n):
    out.write("From %s %s\n" % (sender, time.asctime(time.gmtime(t))))
    out.write("From: %s\n" % sender)
    out.write("To: %s\n" % email.utils.formataddr((to_name, to_addr), "utf-8"))
    out.write("Subject: note %d\n" % n)
    out.write("Date: %s\n" % email.utils.formatdate(t))
    out.write("Message-ID: <%d.%s>\n" % (n, sender))
    out.write("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nnote\n\n")


def quoted(name, address):
    return '"%s" <%s>' % (name.replace("\\", "\\\\").replace('"', '\\"'), address)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    keep = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--keep" else None
    work = keep or tempfile.mkdtemp(prefix="rcptguard-names.")
    os.makedirs(work, exist_ok=True)
    data = rows()
    mbox = os.path.join(work, "history.mbox")
    n = 0
    with open(mbox, "w", encoding="utf-8") as out:
        for i, r in enumerate(data):
            sender, colleague = "carol%d@agency.gov.uk" % i, "dave%d@agency.gov.uk" % i
            domain = r["address"].split("@")[1]
            plan = [(sender, r["usual_name"], r["usual"], 6), (sender, "Team", "team@agency.gov.uk", 20),
                    (sender, "", "friend@gmail.com", 3), (colleague, "", "someone@" + domain, 3)]
            if r["org"]:
                plan.append((colleague, r["written"], r["address"], 4))
            for who, name, addr, count in plan:
                for k in range(count):
                    n += 1
                    message(out, who, name, addr, START + 86400 * (k * 7 + 1) + i, n)
    with open(os.path.join(work, "org.toml"), "w") as f:
        f.write('own_domains = ["agency.gov.uk"]\n')
    store = "sqlite://" + os.path.join(work, "h.db")
    if os.path.exists(os.path.join(work, "h.db")):
        os.remove(os.path.join(work, "h.db"))
    config = os.path.join(work, "org.toml")
    subprocess.run([binary, "learn", "-c", config, "--mbox", mbox, "--store", store], check=True,
                   stdout=subprocess.DEVNULL)
    by_kind = collections.OrderedDict()
    caught = collections.Counter()
    wrong = []
    for i, r in enumerate(data):
        p = subprocess.run([binary, "check", "-c", config, "--store", store, "--from",
                            "carol%d@agency.gov.uk" % i, "--format", "jsonl", "-"],
                           input=quoted(r["written"], r["address"]) + "\n", capture_output=True,
                           text=True)
        if p.returncode > 1:
            sys.exit("check failed for row %d: %s" % (r["line"], p.stderr))
        v = json.loads(p.stdout.splitlines()[0])
        flagged = v["verdict"] != "allow"
        if r["want"] == "mismatch":
            right = flagged and (v.get("suggestion") or "").lower() == r["usual"]
        else:
            right = not flagged
        by_kind.setdefault((r["want"], r["kind"]), [0, 0])
        by_kind[(r["want"], r["kind"])][0] += right
        by_kind[(r["want"], r["kind"])][1] += 1
        caught[r["want"]] += right
        if not right:
            wrong.append("line %d %s: %s -> %s %s" % (r["line"], r["kind"],
                         quoted(r["written"], r["address"]), v["verdict"], v.get("suggestion")))
    total = collections.Counter(r["want"] for r in data)
    print("| want | class | right | rows |")
    print("| --- | --- | ---: | ---: |")
    for (want, kind), (good, all_) in by_kind.items():
        print("| %s | %s | %d | %d |" % (want, kind, good, all_))
    print("recall (mismatch caught, suggestion the usual address): %d/%d" %
          (caught["mismatch"], total["mismatch"]))
    print("false alarms (allow rows flagged): %d/%d" %
          (total["allow"] - caught["allow"], total["allow"]))
    for w in wrong:
        print("  wrong: " + w)


if __name__ == "__main__":
    main()
