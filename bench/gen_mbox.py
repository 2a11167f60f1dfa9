#!/usr/bin/env python3
"""Writes a deterministic, realistic mbox for bench/learn_throughput.sh.

usage: gen_mbox.py OUTPUT MEGABYTES

Messages of 2 KB to 200 KB (log-uniform), most with a base64 attachment, 1 to
10 recipients in To/Cc with display names (some quoted with commas, some RFC
2047 encoded), a Received/DKIM-sized header block, and the occasional ">From "
body line. A fixed seed and only random.Random's documented-stable methods, so
every run writes the same bytes.
"""
import base64
import math
import random
import sys

out_path, megabytes = sys.argv[1], int(sys.argv[2])
target = megabytes * 1000 * 1000
rng = random.Random(20261126)

# One pool of base64 text; attachments are slices of it (fast, still incompressible).
pool = base64.encodebytes(rng.randbytes(12 * 1024 * 1024)).decode()
flat = pool[:20000].replace("\n", "")  # for header values, which must not break lines
text_words = ("the exercise schedule attached please review before friday meeting "
              "logistics convoy briefing minutes draft final approved regards thanks").split()
domains = ["army.mil", "navy.mil", "mod.uk", "raf.mod.uk", "dstl.gov.uk", "bund.de",
           "defense.gouv.fr", "example.com", "partner.example", "nato.int"]
first = ["John", "Mary", "Jörg", "Zoë", "Ahmed", "Li", "Olga", "Pat", "Sam", "Kim"]
last = ["Smith", "Jones", "Müller", "Dupont", "Khan", "Wang", "Ivanova", "Brown"]


def name_and_address(i):
    f, l = first[rng.randrange(len(first))], last[rng.randrange(len(last))]
    d = domains[rng.randrange(len(domains))]
    addr = f"{f.lower()}.{l.lower()}{i}@{d}".encode("ascii", "ignore").decode()
    addr = addr.replace("ö", "o")
    style = rng.randrange(4)
    if style == 0:
        return f'"{l}, {f}" <{addr}>'
    if style == 1:
        enc = base64.b64encode(f"{f} {l}".encode()).decode()
        return f"=?UTF-8?B?{enc}?= <{addr}>"
    if style == 2:
        return f"{f} {l} <{addr}>"
    return addr


def body_text(n):
    words, size = [], 0
    while size < n:
        w = text_words[rng.randrange(len(text_words))]
        words.append(w)
        size += len(w) + 1
    lines = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
    if rng.random() < 0.2:
        lines.insert(len(lines) // 2, ">From the previous message, quoted.")
    return "\n".join(lines) + "\n"


written, n = 0, 0
with open(out_path, "w", encoding="utf-8", newline="\n") as out:
    while written < target:
        n += 1
        size = int(math.exp(rng.uniform(math.log(2000), math.log(200000))))
        sender = f"user{rng.randrange(500)}@mod.uk"
        rcpts = [name_and_address(rng.randrange(5000)) for _ in range(rng.randint(1, 10))]
        split = rng.randint(1, len(rcpts))
        day, sec = rng.randrange(1, 29), rng.randrange(86400)
        stamp = f"{day:02d} Nov 2026 {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}"
        headers = [
            f"From {sender} Thu Nov {day:2d} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d} 2026",
            f"Return-Path: <{sender}>",
        ]
        for hop in range(3):
            headers.append(f"Received: from relay{hop}.mod.uk (relay{hop}.mod.uk [10.0.{hop}.1])\n"
                           f"\tby mx{hop}.mod.uk (Postfix) with ESMTPS id 4A{n:07X}{hop}\n"
                           f"\tfor <{rcpts[0].split('<')[-1].rstrip('>')}>; Thu, {stamp} +0000")
        headers += [
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=mod.uk; s=sel;\n"
            "\th=from:to:cc:subject:date:message-id; bh=" + flat[n % 1000:n % 1000 + 44] + ";\n"
            "\tb=" + flat[n % 5000:n % 5000 + 60] + "\n\t " + flat[n % 7000:n % 7000 + 280],
            f"From: User {n % 500} <{sender}>",
            "To: " + ",\n ".join(rcpts[:split]),
        ]
        if split < len(rcpts):
            headers.append("Cc: " + ",\n ".join(rcpts[split:]))
        headers += [
            f"Subject: Report {n}",
            f"Date: Thu, {stamp} +0000",
            f"Message-ID: <{n}.{rng.randrange(10**9)}@mod.uk>",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="b1"',
        ]
        head = "\n".join(headers) + "\n\n"
        text = body_text(min(size, rng.randint(300, 3000)))
        parts = ["--b1\nContent-Type: text/plain; charset=utf-8\n\n" + text]
        remaining = size - len(head) - len(text)
        if remaining > 500:
            off = rng.randrange(len(pool) - remaining - 1)
            start = pool.index("\n", off) + 1
            chunk = pool[start:start + remaining]
            chunk = chunk[:chunk.rfind("\n") + 1]
            parts.append("--b1\nContent-Type: application/pdf; name=\"r.pdf\"\n"
                         "Content-Transfer-Encoding: base64\n\n" + chunk)
        message = head + "".join(parts) + "--b1--\n\n"
        out.write(message)
        written += len(message.encode("utf-8"))
print(f"gen_mbox.py: {n} messages, {written} bytes", file=sys.stderr)
