#!/usr/bin/env python3
"""Split the synthetic organisation's test set per sender, and score
`rcptguard check --format jsonl` output against its labels.

    score.py split TEST_TSV DIR     writes DIR/senders.tsv (NNNN<TAB>sender)
                                    and, per sender, DIR/NNNN.in (recipients as
                                    written, one a line) and DIR/NNNN.lines
                                    (their line numbers in TEST_TSV)
    score.py score TEST_TSV DIR [--format text|json] [--baseline DIR2]
                                    reads DIR/NNNN.jsonl (check's output for
                                    DIR/NNNN.in, in input order) and reports;
                                    --baseline scores DIR2 (check without the
                                    store) beside it
    score.py self-test              scores a small hand-made case, checks the
                                    figures, exits 1 on a mismatch

A recipient counts as flagged when its verdict is not "allow". Figures:
recall per injected label (wrong-domain, wrong-person, name-mismatch) and
kind, over all of them and over those history can tell (kinds ending
/org-known are slips onto an address someone in the organisation writes to:
a real namesake, which the design allows); suggestion accuracy (the
suggestion is the intended address) over the flagged ones; false alarms
as the share of legitimate messages (every recipient ok or ok-new) with at
least one flagged recipient, per recipient, and on ok-new alone; each also by
reason code. "History-driven" means the codes lookalike-domain and
unfamiliar-recipient. Python 3 standard library only.
"""

import argparse
import json
import os
import sys
import tempfile
from collections import Counter, defaultdict

HISTORY_CODES = ("lookalike-domain", "unfamiliar-recipient")
LEGIT = ("ok", "ok-new")
MISTAKES = ("wrong-domain", "wrong-person", "name-mismatch")


def read_test(path):
    """[(line_no, message_id, sender, recipient, label, kind, intended)]"""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if line.startswith("#") or line.startswith("message_id\t"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 6:
                sys.exit("%s:%d: want 6 tab-separated fields" % (path, n + 1))
            rows.append((n,) + tuple(parts))
    return rows


def split(test_path, out_dir):
    rows = read_test(test_path)
    by_sender = defaultdict(list)
    order = []
    for r in rows:
        if r[2] not in by_sender:
            order.append(r[2])
        by_sender[r[2]].append(r)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "senders.tsv"), "w", encoding="utf-8") as s:
        for i, sender in enumerate(order):
            name = "%04d" % i
            s.write("%s\t%s\n" % (name, sender))
            with open(os.path.join(out_dir, name + ".in"), "w", encoding="utf-8") as f:
                f.writelines(r[3] + "\n" for r in by_sender[sender])
            with open(os.path.join(out_dir, name + ".lines"), "w", encoding="utf-8") as f:
                f.writelines("%d\n" % r[0] for r in by_sender[sender])


def read_results(out_dir):
    """line_no -> (flagged, set of reason codes, suggestion or None)"""
    results = {}
    with open(os.path.join(out_dir, "senders.tsv"), encoding="utf-8") as s:
        names = [line.split("\t")[0] for line in s if line.strip()]
    for name in names:
        with open(os.path.join(out_dir, name + ".lines"), encoding="utf-8") as f:
            lines = [int(x) for x in f if x.strip()]
        path = os.path.join(out_dir, name + ".jsonl")
        with open(path, encoding="utf-8") as f:
            verdicts = [json.loads(x) for x in f if x.strip()]
        if len(verdicts) != len(lines):
            sys.exit("%s: %d verdicts for %d recipients" % (path, len(verdicts), len(lines)))
        for n, v in zip(lines, verdicts):
            codes = {r.get("code") for r in v.get("reasons", [])
                     if r.get("action", v["verdict"]) != "allow"}
            results[n] = (v["verdict"] != "allow", codes, v.get("suggestion"))
    return results


def pct(a, b):
    return round(100.0 * a / b, 2) if b else None


def score(rows, results):
    missing = [r for r in rows if r[0] not in results]
    if missing:
        sys.exit("no verdict for %d test lines (first: line %d)" % (len(missing), missing[0][0] + 1))

    def hist(n):
        return results[n][0] and bool(results[n][1] & set(HISTORY_CODES))

    by_label = defaultdict(Counter)
    by_kind = defaultdict(Counter)
    messages = defaultdict(list)
    for n, mid, sender, rcpt, label, kind, intended in rows:
        flagged, codes, suggestion = results[n]
        messages[mid].append((label, n))
        for key, c in ((label, by_label[label]), ((label, kind), by_kind[(label, kind)])):
            c["n"] += 1
            c["flagged"] += flagged
            c["history"] += hist(n)
            c["suggested"] += flagged and (suggestion or "").lower() == intended.lower()
            if not kind.endswith("/org-known"):
                c["n_visible"] += 1
                c["flagged_visible"] += flagged
            for code in codes:
                c["code:" + code] += 1

    out = {"labels": {}, "kinds": {}, "false_alarms": {}}
    for label, c in sorted(by_label.items()):
        out["labels"][label] = {
            "recipients": c["n"], "flagged": c["flagged"], "flagged_pct": pct(c["flagged"], c["n"]),
            "by_reason": {k[5:]: v for k, v in sorted(c.items()) if k.startswith("code:")},
        }
    for (label, kind), c in sorted(by_kind.items()):
        out["kinds"]["%s/%s" % (label, kind)] = {
            "recipients": c["n"], "flagged": c["flagged"], "flagged_pct": pct(c["flagged"], c["n"]),
            "suggested": c["suggested"],
            "by_reason": {k[5:]: v for k, v in sorted(c.items()) if k.startswith("code:")},
        }
    for label in MISTAKES:
        c = by_label.get(label, Counter())
        key = label.replace("-", "_")
        out["recall_" + key] = pct(c["flagged"], c["n"])
        out["recall_visible_" + key] = pct(c["flagged_visible"], c["n_visible"])
        out["suggestion_" + key] = pct(c["suggested"], c["flagged"])
        out["labels"].setdefault(label, {}).update(
            visible=c["n_visible"], flagged_visible=c["flagged_visible"], suggested=c["suggested"])
    suggested = sum(by_label[l]["suggested"] for l in MISTAKES)
    flagged = sum(by_label[l]["flagged"] for l in MISTAKES)
    out["suggestion_accuracy"] = pct(suggested, flagged)

    legit_msgs = [m for m in messages.values() if all(l in LEGIT for l, _ in m)]
    fa = out["false_alarms"]
    fa["legit_messages"] = len(legit_msgs)
    fa["messages_any"] = sum(any(results[n][0] for _, n in m) for m in legit_msgs)
    fa["messages_history"] = sum(any(hist(n) for _, n in m) for m in legit_msgs)
    for code in HISTORY_CODES:
        fa["messages_" + code] = sum(
            any(results[n][0] and code in results[n][1] for _, n in m) for m in legit_msgs)
    legit_rcpts = [n for n, *_r in rows if _r[3] in LEGIT]
    new_rcpts = [n for n, *_r in rows if _r[3] == "ok-new"]
    ok_rcpts = [n for n, *_r in rows if _r[3] == "ok"]
    fa["legit_recipients"] = len(legit_rcpts)
    fa["recipients_any"] = sum(results[n][0] for n in legit_rcpts)
    fa["ok_recipients_any"] = sum(results[n][0] for n in ok_rcpts)
    fa["ok_new_recipients"] = len(new_rcpts)
    fa["ok_new_any"] = sum(results[n][0] for n in new_rcpts)
    fa["messages_any_pct"] = pct(fa["messages_any"], len(legit_msgs))
    fa["messages_history_pct"] = pct(fa["messages_history"], len(legit_msgs))
    fa["recipients_any_pct"] = pct(fa["recipients_any"], len(legit_rcpts))
    fa["ok_recipients_any_pct"] = pct(fa["ok_recipients_any"], len(ok_rcpts))
    fa["ok_new_any_pct"] = pct(fa["ok_new_any"], len(new_rcpts))
    out["bars"] = {
        "false_alarms_history_messages_le_1pct": (fa["messages_history_pct"] or 0) <= 1.0,
        "suggestion_accuracy_ge_95pct": (out["suggestion_accuracy"] or 0) >= 95.0,
    }
    for label in MISTAKES:
        key = label.replace("-", "_")
        out["bars"]["recall_%s_ge_95pct" % key] = (out["recall_" + key] or 0) >= 95.0
        out["bars"]["recall_visible_%s_ge_95pct" % key] = (
            out["recall_visible_" + key] or 0) >= 95.0
    invalid = by_label.get("ok", Counter())["code:invalid-address"]
    if invalid:
        out["warning"] = ("%d ok recipients got invalid-address: does check read "
                          "display-name forms?" % invalid)
    return out


def fmt_pct(x):
    return "-" if x is None else "%.2f%%" % x


def print_text(r, title):
    fa = r["false_alarms"]
    print(title)
    print()
    print("| measure | value |")
    print("| --- | ---: |")
    for label in MISTAKES:
        c = r["labels"].get(label, {})
        key = label.replace("-", "_")
        print("| recall, %s | %s (%d/%d) |" % (label, fmt_pct(r["recall_" + key]),
                                             c.get("flagged", 0), c.get("recipients", 0)))
        print("| recall, %s, not onto an address the organisation writes to | %s (%d/%d) |"
              % (label, fmt_pct(r["recall_visible_" + key]), c.get("flagged_visible", 0),
                 c.get("visible", 0)))
        print("| suggestion is the intended address, %s | %s (%d/%d) |"
              % (label, fmt_pct(r["suggestion_" + key]), c.get("suggested", 0),
                 c.get("flagged", 0)))
    print("| suggestion accuracy, all flagged mistakes | %s |" % fmt_pct(r["suggestion_accuracy"]))
    print("| false alarms, legitimate messages, history-driven reasons | %s (%d/%d) |"
          % (fmt_pct(fa["messages_history_pct"]), fa["messages_history"], fa["legit_messages"]))
    print("| false alarms, legitimate messages, any reason | %s (%d/%d) |"
          % (fmt_pct(fa["messages_any_pct"]), fa["messages_any"], fa["legit_messages"]))
    for code in HISTORY_CODES:
        print("| ... of which %s | %d |" % (code, fa["messages_" + code]))
    print("| false alarms per legitimate recipient | %s (%d/%d) |"
          % (fmt_pct(fa["recipients_any_pct"]), fa["recipients_any"], fa["legit_recipients"]))
    print("| false alarms on ok (habitual) recipients | %s (%d) |"
          % (fmt_pct(fa["ok_recipients_any_pct"]), fa["ok_recipients_any"]))
    print("| false alarms on ok-new recipients | %s (%d/%d) |"
          % (fmt_pct(fa["ok_new_any_pct"]), fa["ok_new_any"], fa["ok_new_recipients"]))
    print()
    print("| label/kind | recipients | flagged | suggestion right | lookalike-domain | unfamiliar-recipient | other |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, c in r["kinds"].items():
        br = c["by_reason"]
        other = sum(v for k, v in br.items() if k not in HISTORY_CODES)
        print("| %s | %d | %d (%s) | %s | %d | %d | %d |" % (
            key, c["recipients"], c["flagged"], fmt_pct(c["flagged_pct"]),
            c["suggested"] if key.split("/")[0] in MISTAKES else "-",
            br.get("lookalike-domain", 0), br.get("unfamiliar-recipient", 0), other))
    print()
    for bar, ok in r["bars"].items():
        print("bar %s: %s" % (bar, "met" if ok else "NOT met"))
    if "warning" in r:
        print("warning: " + r["warning"])


SELF_TEST_TSV = """# hand-made
message_id\tsender\trecipient\tlabel\tkind\tintended
m1\ta@x.org\tb@y.mil\tok\thabitual\tb@y.mil
m1\ta@x.org\t"C D" <c.d@y.mil>\tok-new\tnew-person-known-domain\tc.d@y.mil
m2\ta@x.org\tb@y.ml\twrong-domain\ttld-swap\tb@y.mil
m3\ta@x.org\tbb@y.mil\twrong-person\tlocal-repetition\tb@y.mil
m4\ta@x.org\tb@y.mil\tok\thabitual\tb@y.mil
m5\te@x.org\t"Fox, Ann" <ann.fox@gmail.com>\twrong-person\tname-personal-address\tann.fox@x.org
m6\te@x.org\tann.fox@x.org\tok\thabitual\tann.fox@x.org
m6\te@x.org\tnew.one@z.com\tok-new\tnew-domain\tnew.one@z.com
"""
# Verdicts per sender, in input order. a@x.org: m1 b allow, m1 c.d warn
# (unfamiliar), m2 reject (lookalike) suggesting the intended address, m3 allow
# (missed), m4 allow. e@x.org: m5 warn (unfamiliar) suggesting another address,
# m6 allow, m6 new.one warn by a policy rule.
SELF_TEST_JSONL = [
    ['{"recipient":"b@y.mil","verdict":"allow","reasons":[]}',
     '{"recipient":"c.d@y.mil","verdict":"warn","reasons":[{"code":"unfamiliar-recipient","action":"warn"}]}',
     '{"recipient":"b@y.ml","verdict":"reject","reasons":[{"code":"lookalike-domain","action":"reject"}],"suggestion":"b@y.mil"}',
     '{"recipient":"bb@y.mil","verdict":"allow","reasons":[]}',
     '{"recipient":"b@y.mil","verdict":"allow","reasons":[]}'],
    ['{"recipient":"ann.fox@gmail.com","verdict":"warn","reasons":[{"code":"unfamiliar-recipient","action":"warn"}],"suggestion":"someone@x.org"}',
     '{"recipient":"ann.fox@x.org","verdict":"allow","reasons":[]}',
     '{"recipient":"new.one@z.com","verdict":"warn","reasons":[{"code":"policy-rule","action":"warn"}]}'],
]


def self_test():
    with tempfile.TemporaryDirectory() as d:
        test = os.path.join(d, "test.tsv")
        with open(test, "w", encoding="utf-8") as f:
            f.write(SELF_TEST_TSV)
        split(test, d)
        for i, lines in enumerate(SELF_TEST_JSONL):
            with open(os.path.join(d, "%04d.in" % i), encoding="utf-8") as f:
                assert len(f.readlines()) == len(lines), "split: wrong line count"
            with open(os.path.join(d, "%04d.jsonl" % i), "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
        r = score(read_test(test), read_results(d))
    fa = r["false_alarms"]
    want = {
        "recall_wrong_domain": 100.0, "recall_wrong_person": 50.0,
        "legit_messages": 3, "messages_any": 2, "messages_history": 1,
        "messages_unfamiliar-recipient": 1, "messages_lookalike-domain": 0,
        "legit_recipients": 5, "recipients_any": 2, "ok_new_any": 2,
        "ok_new_recipients": 2, "ok_recipients_any": 0,
    }
    want["suggestion_accuracy"] = 50.0  # b@y.mil right, someone@x.org wrong
    got = dict(fa, recall_wrong_domain=r["recall_wrong_domain"],
               recall_wrong_person=r["recall_wrong_person"],
               suggestion_accuracy=r["suggestion_accuracy"])
    bad = ["%s: got %r, want %r" % (k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
    if r["kinds"]["wrong-person/name-personal-address"]["by_reason"] != {"unfamiliar-recipient": 1}:
        bad.append("by_reason of name-personal-address: got %r"
                   % r["kinds"]["wrong-person/name-personal-address"]["by_reason"])
    for b in bad:
        print("self-test: " + b, file=sys.stderr)
    print("self-test: %s" % ("FAILED" if bad else "passed"), file=sys.stderr)
    return not bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("split")
    p.add_argument("test")
    p.add_argument("dir")
    p = sub.add_parser("score")
    p.add_argument("test")
    p.add_argument("dir")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--baseline", metavar="DIR2",
                   help="also score DIR2 (check without history) beside it")
    sub.add_parser("self-test")
    args = ap.parse_args()
    if args.cmd == "split":
        split(args.test, args.dir)
    elif args.cmd == "score":
        rows = read_test(args.test)
        r = {"with_history": score(rows, read_results(args.dir))}
        if args.baseline:
            r["without_history"] = score(rows, read_results(args.baseline))
        if args.format == "json":
            json.dump(r, sys.stdout, indent=1, sort_keys=True)
            print()
        else:
            print_text(r["with_history"], "## With history (rcptguard check --store)")
            if args.baseline:
                print()
                print_text(r["without_history"],
                           "## Without history (look-alike detector, own_domains only)")
    else:
        sys.exit(0 if self_test() else 1)


if __name__ == "__main__":
    main()
