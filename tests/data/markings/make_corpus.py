#!/usr/bin/env python3
"""Writes the marking corpus (tests/data/markings/*.eml, ordinary/*.eml) and
its expectations (cases.txt). Run from anywhere; the files are committed, so
this only needs running when a case is added or changed."""
import base64, itertools, os, quopri

HERE = os.path.dirname(os.path.abspath(__file__))
cases = []  # (file, config, markings, flags, options, verdicts)

UK = "j@example.com={o}, a@army.mil={m}, c@mod.gov.uk=allow"
US = "x@example.com={o}, y@navy.mil={m}, z@state.gov={m}, m@army.ml=reject"
AU = "x@example.com={o}, y@ato.gov.au=allow"


def write(path, text, binary=False):
    mode = "wb" if binary else "w"
    with open(os.path.join(HERE, path), mode, **({} if binary else {"newline": ""})) as f:
        f.write(text)


def msg(headers, body, crlf=False):
    text = "".join(f"{k}: {v}\n" for k, v in headers) + "\n" + body
    return text.replace("\n", "\r\n") if crlf else text


def case(name, config, markings, verdicts, text, flags="-", options="-", ordinary=False):
    path = ("ordinary/" if ordinary else "") + name + ".eml"
    if isinstance(text, bytes):
        write(path, text, binary=True)
    else:
        write(path, text)
    cases.append((path, config, markings, flags, options, verdicts))


def uk(**kw):
    return [("From", "Bob Smith <bob@mod.uk>"), ("To", "j@example.com, a@army.mil"),
            ("Cc", "c@mod.gov.uk"), ("Date", "Thu, 26 Nov 2026 10:00:00 +0000"),
            ("Message-ID", "<%s@mod.uk>" % kw.get("id", "x"))]


def us():
    return [("From", "sgt@army.mil"), ("To", "x@example.com, y@navy.mil"),
            ("Cc", "z@state.gov, m@army.ml"), ("Date", "Thu, 26 Nov 2026 10:00:00 -0500")]


def au():
    return [("From", "jane@example.gov.au"), ("To", "x@example.com, y@ato.gov.au")]


HOLD_UK = UK.format(o="hold", m="allow")
# --- UK ----------------------------------------------------------------------
case("uk_subject_os", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "OFFICIAL-SENSITIVE: contract figures")],
         "Hi,\n\nThe figures are attached.\n\nBob\n"))
case("uk_subject_os_commercial", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "Re: FW: OFFICIAL-SENSITIVE COMMERCIAL - tender scores")],
         "See below.\n"))
case("uk_subject_bracketed", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "Tender scores [OFFICIAL-SENSITIVE]")], "See below.\n"))
case("uk_body_top_banner_crlf", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "Contract figures")],
         "OFFICIAL-SENSITIVE\n\nHi,\n\nThe figures are below.\n\nBob\n", crlf=True))
case("uk_body_bottom_banner_personal", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "Staff case")],
         "Hi,\n\n" + "Notes on the case follow.\n" * 40 + "\nBob\n\nOFFICIAL-SENSITIVE: PERSONAL\n"))
case("uk_body_locsen", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "Site visit")],
         "OFFICIAL-SENSITIVE [LOCSEN]\n\nThe visit is on Tuesday.\n"))
case("uk_subject_rfc2047_b", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "=?UTF-8?B?%s?=" % base64.b64encode(
         "OFFICIAL-SENSITIVE – Budget 2027".encode()).decode())], "See attached.\n"))
case("uk_subject_rfc2047_q", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "=?ISO-8859-1?Q?OFFICIAL-SENSITIVE=3A_caf=E9_plans?=")],
         "See attached.\n"))
body = "SECRET\n\nThe plan is as discussed.\n\nSECRET\n"
case("uk_base64_body_secret", "uk-department", "SECRET", HOLD_UK,
     msg(uk() + [("Subject", "Plan"), ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=utf-8"),
                 ("Content-Transfer-Encoding", "base64")],
         base64.encodebytes(body.encode()).decode()))
case("uk_multipart_alternative", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "Figures"), ("MIME-Version", "1.0"),
                 ("Content-Type", 'multipart/alternative; boundary="b1"')],
         "--b1\nContent-Type: text/plain; charset=us-ascii\n\nOFFICIAL-SENSITIVE\n\nFigures.\n"
         "--b1\nContent-Type: text/html; charset=us-ascii\n\n"
         "<html><body><p><b>OFFICIAL-SENSITIVE</b></p><p>Figures.</p></body></html>\n--b1--\n"))
html = ('<html><head><title>x</title><style>p {color: red}</style></head><body>'
        '<p style="color:red"><span>OFFICIAL</span>&#8209;<span>SENSITIVE</span></p>'
        '<p>Caf\u00e9 plans attached.</p></body></html>\n')
case("uk_html_only_qp", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "Plans"), ("MIME-Version", "1.0"),
                 ("Content-Type", "text/html; charset=utf-8"),
                 ("Content-Transfer-Encoding", "quoted-printable")],
         quopri.encodestring(html.encode()).decode()))
inner = msg([("From", "ops@mod.uk"), ("To", "bob@mod.uk"), ("Subject", "SECRET - UK EYES ONLY: ops")],
            "Details of the operation.\n")
case("uk_forwarded_rfc822", "uk-department", "SECRET", HOLD_UK,
     msg(uk() + [("Subject", "FW: see attached"), ("MIME-Version", "1.0"),
                 ("Content-Type", 'multipart/mixed; boundary="outer"')],
         "--outer\nContent-Type: text/plain\n\nFYI, see the attached message.\n"
         "--outer\nContent-Type: message/rfc822\nContent-Disposition: attachment\n\n" + inner +
         "--outer--\n"))
inner2 = msg([("From", "a@mod.uk"), ("Subject", "notes")], "OFFICIAL-SENSITIVE\n\nnotes\n")
mid = msg([("From", "b@mod.uk"), ("Subject", "FW: notes"), ("MIME-Version", "1.0"),
           ("Content-Type", 'multipart/mixed; boundary="mid"')],
          "--mid\nContent-Type: text/plain\n\nsee below\n--mid\nContent-Type: message/rfc822\n\n" +
          inner2 + "--mid--\n")
case("uk_forwarded_twice", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "FW: FW: notes"), ("MIME-Version", "1.0"),
                 ("Content-Type", 'multipart/mixed; boundary="top"')],
         "--top\nContent-Type: text/plain\n\nsee below\n--top\nContent-Type: message/rfc822\n\n" +
         mid + "--top--\n"))
case("uk_forwarded_inline_quoted", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "Re: figures")],
         "Thanks, agreed.\n\nOn Tuesday Alice wrote:\n> OFFICIAL-SENSITIVE\n>\n> Figures below.\n"
         + "> line\n" * 30 + "\nBob\n"))
case("uk_text_attachment_top_secret", "uk-department", "TOP SECRET", HOLD_UK,
     msg(uk() + [("Subject", "notes"), ("MIME-Version", "1.0"),
                 ("Content-Type", 'multipart/mixed; boundary="m"')],
         "--m\nContent-Type: text/plain\n\nNotes attached.\n"
         "--m\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: attachment; "
         "filename=notes.txt\nContent-Transfer-Encoding: base64\n\n" +
         base64.encodebytes(b"TOP SECRET\n\nNotes.\n").decode() + "--m--\n"))
case("uk_broken_mime", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "broken"), ("MIME-Version", "1.0"),
                 ("Content-Type", 'multipart/mixed; boundary="never"')],
         "--nope\nContent-Type: text/plain\n\nOFFICIAL-SENSITIVE\n\nThe boundary is wrong.\n"),
     flags="malformed")
case("uk_broken_base64", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "broken"), ("MIME-Version", "1.0"),
                 ("Content-Type", 'multipart/mixed; boundary="z"')],
         "--z\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" +
         base64.encodebytes(b"OFFICIAL-SENSITIVE\n\nbody\n").decode() + "!!##not base64 at all\n"
         "--z\nContent-Type: text/plain; charset=no-such-charset\n\nmore\n"), flags="malformed")
case("uk_8bit_headers", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     ("\n".join(f"{k}: {v}" for k, v in uk()) +
      "\nSubject: OFFICIAL-SENSITIVE \u2013 \u00dcberpr\u00fcfung\nMIME-Version: 1.0\n"
      "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
      ).encode("utf-8") + "Gr\u00fc\u00dfe\n".encode("latin-1"))
case("uk_legacy_restricted", "uk-department", "RESTRICTED", HOLD_UK,
     msg(uk() + [("Subject", "RESTRICTED - MANAGEMENT: reorganisation")], "Old mail.\n"))
case("uk_legacy_confidential_banner", "uk-department", "CONFIDENTIAL", HOLD_UK,
     msg(uk() + [("Subject", "old file")], "CONFIDENTIAL\n\nFrom the 2010 archive.\n"))
case("uk_official_only", "uk-department", "OFFICIAL", UK.format(o="allow", m="allow"),
     msg(uk() + [("Subject", "OFFICIAL: meeting notes")], "Notes.\n\nOFFICIAL\n"))
case("uk_highest_decides", "uk-department", "OFFICIAL,SECRET", HOLD_UK,
     msg(uk() + [("Subject", "OFFICIAL: notes")], "SECRET\n\nnotes\n"))
big = "OFFICIAL\n\n" + ("padding line of ordinary text\n" * 2000) + "SECRET\n"
case("uk_oversized_truncated", "uk-department", "OFFICIAL", HOLD_UK,
     msg(uk() + [("Subject", "big")], big), flags="truncated", options="max_scan_bytes=16384")
case("uk_oversized_within_bound", "uk-department", "OFFICIAL,SECRET", HOLD_UK,
     msg(uk() + [("Subject", "big")], big))

case("uk_header_x_classification", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "notes"), ("X-Classification", "OFFICIAL-SENSITIVE")], "Notes.\n"))
case("uk_subject_rfc2047_split_word", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "=?UTF-8?Q?OFFICIAL-SEN?=\n =?UTF-8?Q?SITIVE=3A_plans?=")], "x\n"))
case("uk_qp_soft_break_in_banner", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     msg(uk() + [("Subject", "plans"), ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=utf-8"),
                 ("Content-Transfer-Encoding", "quoted-printable")],
         "OFFICIAL-SENS=\nITIVE\n\nThe plans=3A attached.\n"))
case("uk_utf16_base64_body", "uk-department", "SECRET", HOLD_UK,
     msg(uk() + [("Subject", "plans"), ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=utf-16"),
                 ("Content-Transfer-Encoding", "base64")],
         base64.encodebytes("SECRET\n\nThe plans.\n".encode("utf-16")).decode()))

# --- US ----------------------------------------------------------------------
HOLD_US = US.format(o="hold", m="allow")
REJECT_US = US.format(o="reject", m="allow")
case("us_cui_banner", "us-dod", "CUI", HOLD_US,
     msg(us() + [("Subject", "roster")], "CUI\n\nThe roster is attached.\n\nCUI\n"))
case("us_cui_sp_subject", "us-dod", "CUI", HOLD_US,
     msg(us() + [("Subject", "CUI//SP-PRVCY: personnel roster")], "Roster.\n"))
case("us_cui_sp_body", "us-dod", "CUI", HOLD_US,
     msg(us() + [("Subject", "roster")], "CUI//SP-PRVCY\n\nRoster.\n"))
case("us_secret_noforn", "us-dod", "NOFORN,SECRET", REJECT_US,
     msg(us() + [("Subject", "brief")], "SECRET//NOFORN\n\nBrief.\n\nSECRET//NOFORN\n"))
case("us_classification_line", "us-dod", "CONFIDENTIAL", REJECT_US,
     msg(us() + [("Subject", "update")],
         "Classification: CONFIDENTIAL\nCaveats: NONE\n\nUpdate.\n"))
case("us_fouo_legacy", "us-dod", "FOUO", HOLD_US,
     msg(us() + [("Subject", "old")], "UNCLASSIFIED//FOR OFFICIAL USE ONLY\n\nOld memo.\n"))
case("us_top_secret_html", "us-dod", "NOFORN,TOP SECRET", REJECT_US,
     msg(us() + [("Subject", "x"), ("MIME-Version", "1.0"),
                 ("Content-Type", "text/html; charset=utf-8")],
         '<html><body><div style="text-align:center">TOP SECRET//SI//NOFORN</div>'
         '<p>Text.</p></body></html>\n'))
case("us_portion_subject", "us-dod", "NOFORN,SECRET", REJECT_US,
     msg(us() + [("Subject", "(S//NF) meeting")], "Meeting.\n"))
case("us_no_marking_mali", "us-dod", "-", US.format(o="allow", m="allow"),
     msg(us() + [("Subject", "lunch")], "Lunch on Friday?\n"))

case("us_fouo_portion_subject", "us-dod", "FOUO", HOLD_US,
     msg(us() + [("Subject", "(U//FOUO) travel orders")], "Orders.\n"))
case("us_confidential_noforn_subject", "us-dod", "CONFIDENTIAL,NOFORN", REJECT_US,
     msg(us() + [("Subject", "CONFIDENTIAL//NOFORN: liaison")], "x\n"))

# --- other schemes (all packs) -------------------------------------------------
HOLD_AU = AU.format(o="hold")
case("au_header", "all-packs", "OFFICIAL:Sensitive", HOLD_AU,
     msg(au() + [("Subject", "brief"), ("X-Protective-Marking",
                 "VER=2018.1, NS=gov.au, SEC=OFFICIAL:Sensitive, ORIGIN=jane@example.gov.au")],
         "Brief.\n"))
case("au_subject_suffix", "all-packs", "PROTECTED", HOLD_AU,
     msg(au() + [("Subject", "Budget brief [SEC=PROTECTED]")], "Brief.\n"))
case("au_subject_access", "all-packs", "OFFICIAL:Sensitive", HOLD_AU,
     msg(au() + [("Subject", "Advice [SEC=OFFICIAL:Sensitive, ACCESS=Legal-Privilege]")], "x\n"))
case("au_official", "all-packs", "OFFICIAL", AU.format(o="allow"),
     msg(au() + [("Subject", "Newsletter [SEC=OFFICIAL]")], "x\n"))
case("sio_label", "all-packs", "SECRET", HOLD_AU,
     msg(au() + [("Subject", "label"), ("SIO-Label",
                 'marking="SECRET"; fgcolor=black; bgcolor=red;\n type=":ess"; label="MQYGASkCAQM="')],
         "Labelled.\n"))
case("msip_highly_confidential", "all-packs", "Highly Confidential", HOLD_AU,
     msg(au() + [("Subject", "label"), ("msip_labels",
                 "MSIP_Label_f42aa342-8706-4288-bd11-ebb85995028c_Enabled=true;\n "
                 "MSIP_Label_f42aa342-8706-4288-bd11-ebb85995028c_SetDate=2026-11-26T10:00:00Z;\n "
                 "MSIP_Label_f42aa342-8706-4288-bd11-ebb85995028c_Name=Highly Confidential;")],
         "Labelled.\n"))

case("au_body_banner", "all-packs", "OFFICIAL:Sensitive", HOLD_AU,
     msg(au() + [("Subject", "brief")], "OFFICIAL: Sensitive\n\nBrief.\n\nOFFICIAL: Sensitive\n"))
case("au_body_protected_bottom", "all-packs", "PROTECTED", HOLD_AU,
     msg(au() + [("Subject", "brief")], "Brief.\n" + "text\n" * 50 + "\nPROTECTED\n"))

# --- as Outlook, Gmail and Thunderbird write them ------------------------------
# Each builder follows its client's own structure (README.md here cites where
# each fact comes from): Outlook/Exchange's multipart/alternative with a Word
# HTML part and base64 or quoted-printable parts, Gmail's "000000000000..."
# boundary, UTF-8 quoted-printable parts and gmail_quote reply, Thunderbird's
# format=flowed 8bit plain text and its "-------- Forwarded Message --------"
# block. Markings are written with the characters those clients put there:
# Outlook's AutoCorrect en dash, Word's non-breaking hyphen, a no-break space.

def qp(data, crlf=True):
    """Quoted-printable as RFC 2045 6.7 writes it: lines of at most 76
    characters, soft breaks between (never inside) =XX tokens, so a UTF-8
    character's escapes can be split across lines."""
    eol = "\r\n" if crlf else "\n"
    out, line = [], ""
    for raw in data.replace(b"\r\n", b"\n").split(b"\n"):
        tokens = [chr(b) if (33 <= b <= 126 and b != 61) or b == 32 else "=%02X" % b for b in raw]
        if tokens and tokens[-1] == " ":
            tokens[-1] = "=20"
        line = ""
        for t in tokens:
            if len(line) + len(t) > 75:
                out.append(line + "=")
                line = ""
            line += t
        out.append(line)
    return eol.join(out)


def b64(data, crlf=True):
    text = base64.encodebytes(data).decode()
    return text.replace("\n", "\r\n") if crlf else text


def outlook(headers, subject, text, html, charset="utf-8", cte="base64", labels=""):
    """Outlook 16 / Exchange Online: Thread-Topic and Thread-Index, the
    Accept-Language and X-MS headers, msip_labels (empty without a label),
    multipart/alternative with a "_000_" boundary, CRLF line ends."""
    boundary = "_000_LO2P265MB50231F7E3C9A4B2D8E6F1A0CLO2P265MB5023GBRP_"
    enc = (lambda t: b64(t.encode(charset))) if cte == "base64" else (lambda t: qp(t.encode(charset)))
    head = headers + [
        ("Subject", subject),
        ("Thread-Topic", subject),
        ("Thread-Index", "AQHZ8kP2bW4hYp3kTUGq1bXr9F0nLQ=="),
        ("Accept-Language", "en-GB, en-US"),
        ("Content-Language", "en-GB"),
        ("X-MS-Has-Attach", ""),
        ("X-MS-TNEF-Correlator", ""),
        ("msip_labels", labels),
        ("Content-Type", 'multipart/alternative;\r\n\tboundary="%s"' % boundary),
        ("MIME-Version", "1.0"),
    ]
    word_html = ('<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
                 'office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.'
                 'org/TR/REC-html40">\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; '
                 'charset=%s">\r\n<meta name="Generator" content="Microsoft Word 15 (filtered medium)">'
                 '\r\n<style><!--\r\np.MsoNormal, li.MsoNormal, div.MsoNormal\r\n\t{margin:0cm;\r\n\t'
                 'font-size:11.0pt;\r\n\tfont-family:"Calibri",sans-serif;}\r\n--></style>\r\n</head>\r\n'
                 '<body lang="EN-GB" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">\r\n'
                 '<div class="WordSection1">\r\n%s\r\n</div>\r\n</body>\r\n</html>\r\n') % (charset, html)
    body = ("--%s\r\nContent-Type: text/plain; charset=\"%s\"\r\nContent-Transfer-Encoding: %s\r\n\r\n"
            "%s\r\n\r\n--%s\r\nContent-Type: text/html; charset=\"%s\"\r\nContent-Transfer-Encoding: %s"
            "\r\n\r\n%s\r\n\r\n--%s--\r\n") % (boundary, charset, cte, enc(text), boundary, charset,
                                              cte, enc(word_html), boundary)
    return "".join(f"{k}: {v}\r\n" for k, v in head) + "\r\n" + body


def gmail(headers, subject, text, html):
    """Gmail (and Google Workspace): MIME-Version first, a CA+...@mail.gmail.com
    Message-ID, multipart/alternative with a 000000000000 boundary, UTF-8
    quoted-printable parts, <div dir="ltr"> HTML, CRLF line ends."""
    boundary = "000000000000a8f3e205f0c4d7b1"
    head = [("MIME-Version", "1.0")] + headers + [
        ("Message-ID", "<CAJ4pRh2vX9Lq+8T1mZr0K6n=Yc3wE5sQ7uA@mail.gmail.com>"),
        ("Subject", subject),
        ("Content-Type", 'multipart/alternative; boundary="%s"' % boundary),
    ]
    body = ("--%s\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: "
            "quoted-printable\r\n\r\n%s\r\n\r\n--%s\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n\r\n--%s--\r\n") % (
                boundary, qp(text.encode()), boundary, qp(html.encode()), boundary)
    return "".join(f"{k}: {v}\r\n" for k, v in head) + "\r\n" + body


def thunderbird(headers, subject, text):
    """Thunderbird, plain text: User-Agent, format=flowed UTF-8 in 8bit (raw
    bytes, not encoded), CRLF line ends."""
    head = [("Message-ID", "<5c0e2b1a-7d3f-4e8a-9b6c-1f2e3d4c5b6a@mod.uk>"),
            ("Date", "Thu, 26 Nov 2026 10:30:00 +0000"), ("MIME-Version", "1.0"),
            ("User-Agent", "Mozilla Thunderbird"), ("Content-Language", "en-GB")] + headers + [
            ("Subject", subject),
            ("Content-Type", "text/plain; charset=UTF-8; format=flowed"),
            ("Content-Transfer-Encoding", "8bit")]
    text = text.replace("\n", "\r\n")
    return ("".join(f"{k}: {v}\r\n" for k, v in head) + "\r\n" + text).encode()


def rfc2047_q(text):
    return "=?UTF-8?Q?%s?=" % "".join(
        "_" if b == 32 else chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) else "=%02X" % b
        for b in text.encode())


UK_FROM = [("From", "Bob Smith <bob@mod.uk>"), ("To", "j@example.com, a@army.mil"),
           ("Cc", "c@mod.gov.uk"), ("Date", "Thu, 26 Nov 2026 10:00:00 +0000")]
US_FROM = [("From", "SGT John Doe <john.doe@army.mil>"), ("To", "x@example.com, y@navy.mil"),
           ("Cc", "z@state.gov, m@army.ml"), ("Date", "Thu, 26 Nov 2026 10:00:00 -0500")]
EN = "\u2013"   # en dash: Outlook's AutoCorrect of " - " and of a typed hyphen run
NBH = "\u2011"  # non-breaking hyphen: Word's Ctrl+Shift+- between two words
NBSP = "\u00a0"

def word_p(text, bold=False):
    inner = "<b>%s<o:p></o:p></b>" % text if bold else "%s<o:p></o:p>" % text
    return '<p class="MsoNormal">%s</p>' % inner

case("client_outlook_en_dash_alternative", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     outlook(UK_FROM, "Q3 budget", "OFFICIAL%sSENSITIVE\r\n\r\nHi Jane,\r\n\r\nThe Q3 figures are "
             "attached.\r\n\r\nBob\r\n\r\nOFFICIAL%sSENSITIVE" % (EN, EN),
             word_p("OFFICIAL%sSENSITIVE" % EN, True) + "\r\n" + word_p("Hi Jane,") + "\r\n" +
             word_p("The Q3 figures are attached.")))
case("client_outlook_windows1252_qp", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     outlook(UK_FROM, "Tender scores", "OFFICIAL%sSENSITIVE COMMERCIAL\r\n\r\nScores below.\r\n" % EN,
             word_p("OFFICIAL%sSENSITIVE COMMERCIAL" % EN, True), charset="windows-1252",
             cte="quoted-printable"))
# Outlook in plain-text format: one text/plain part, windows-1252 in
# quoted-printable (=96 is the en dash): streamed, not parsed by GMime.
case("client_outlook_plain_windows1252", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     "".join(f"{k}: {v}\r\n" for k, v in UK_FROM + [
         ("Subject", "Staff list"), ("Thread-Topic", "Staff list"),
         ("Content-Language", "en-GB"), ("Content-Type", 'text/plain; charset="Windows-1252"'),
         ("Content-Transfer-Encoding", "quoted-printable"), ("MIME-Version", "1.0")]) + "\r\n" +
     qp("OFFICIAL\u2013SENSITIVE: PERSONAL\r\n\r\nThe list is attached.\r\n".encode("cp1252")))
# Word wraps the HTML source and quoted-printable breaks the long line again:
# the en dash's three escapes straddle a soft line break.
def split_dash(make):
    """The first of Word's usual span styles (subsets of its usual properties)
    for which the quoted-printable soft break falls inside the en dash's
    escapes, as it does for some styling of every long HTML line."""
    props = ["font-size:14.0pt;", "font-family:&quot;Arial&quot;,sans-serif;",
             "mso-fareast-language:EN-GB;", "mso-bidi-font-weight:bold;",
             "mso-ansi-language:EN-GB;", "letter-spacing:1.0pt;"]
    for k in range(len(props) + 1):
        for combo in itertools.combinations(props, k):
            html = make("".join(combo))
            encoded = qp(html.encode())
            if "=E2=\r\n=80=93" in encoded or "=E2=80=\r\n=93" in encoded:
                return html
    raise SystemExit("no style splits the dash")

long_p = split_dash(lambda style: '<p class="MsoNormal" align="center" style="text-align:center"><b>'
                    '<span style="%scolor:red">OFFICIAL%sSENSITIVE<o:p></o:p></span></b></p>' % (style, EN))
case("client_outlook_html_qp_split_dash", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     outlook(UK_FROM, "Visit", "Visit notes.\r\n", long_p + "\r\n" + word_p("Visit notes."),
             cte="quoted-printable"))
case("client_outlook_subject_b_en_dash", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     outlook(UK_FROM, "=?utf-8?B?%s?=" % base64.b64encode(
         ("RE: OFFICIAL%sSENSITIVE %s tender" % (EN, EN)).encode()).decode(), "Agreed.\r\n",
         word_p("Agreed.")))
case("client_outlook_subject_windows1252_q", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     outlook(UK_FROM, "=?Windows-1252?Q?OFFICIAL=96SENSITIVE:_contract?=", "See attached.\r\n",
             word_p("See attached.")))
case("client_outlook_nb_hyphen_nbsp", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     outlook(UK_FROM, "Notes", "OFFICIAL%sSENSITIVE\r\n\r\nNotes.\r\n" % NBH,
             word_p("UK%sOFFICIAL%sSENSITIVE" % (NBSP, NBH), True)))
case("client_outlook_purview_gsc_label", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     outlook(UK_FROM, "Staffing", "Staffing plan attached.\r\n", word_p("Staffing plan attached."),
             labels="MSIP_Label_3e8c5a1f-2b7d-4f60-9a1e-8c2d4b6f0a93_Enabled=true;\r\n "
             "MSIP_Label_3e8c5a1f-2b7d-4f60-9a1e-8c2d4b6f0a93_SetDate=2026-11-26T10:00:00Z;\r\n "
             "MSIP_Label_3e8c5a1f-2b7d-4f60-9a1e-8c2d4b6f0a93_Method=Privileged;\r\n "
             "MSIP_Label_3e8c5a1f-2b7d-4f60-9a1e-8c2d4b6f0a93_Name=OFFICIAL_SENSITIVE;\r\n "
             "MSIP_Label_3e8c5a1f-2b7d-4f60-9a1e-8c2d4b6f0a93_SiteId=72f988bf-86f1-41af-91ab-2d7cd011db47;\r\n "
             "MSIP_Label_3e8c5a1f-2b7d-4f60-9a1e-8c2d4b6f0a93_ContentBits=0"))
GUID_LABELS = ("MSIP_Label_9b1d7e20-4c3a-4f8e-b5d6-0a7c2e9f1b34_Enabled=true;\r\n "
               "MSIP_Label_9b1d7e20-4c3a-4f8e-b5d6-0a7c2e9f1b34_Name=Sensitive;\r\n "
               "MSIP_Label_9b1d7e20-4c3a-4f8e-b5d6-0a7c2e9f1b34_SiteId=72f988bf-86f1-41af-91ab-2d7cd011db47")
case("client_outlook_purview_label_by_guid", "uk-tenant", "OFFICIAL-SENSITIVE", HOLD_UK,
     outlook(UK_FROM, "Staffing", "Plan attached.\r\n", word_p("Plan attached."), labels=GUID_LABELS))
case("client_gmail_reply_encoded_subject", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     gmail(UK_FROM + [("In-Reply-To", "<CAK1x@mail.gmail.com>")],
           "Re: " + rfc2047_q("OFFICIAL%sSENSITIVE: Q3 budget" % EN),
           "Thanks, agreed.\n\nOn Thu, 26 Nov 2026 at 09:12, Alice Jones <alice@mod.uk> wrote:\n\n"
           "> Hi Bob,\n>\n> The figures are below.\n>\n",
           '<div dir="ltr">Thanks, agreed.</div><br><div class="gmail_quote"><div dir="ltr" '
           'class="gmail_attr">On Thu, 26 Nov 2026 at 09:12, Alice Jones &lt;<a href="mailto:alice@'
           'mod.uk">alice@mod.uk</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin'
           ':0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"><div dir="ltr'
           '">Hi Bob,<div><br></div><div>The figures are below.</div></div></blockquote></div>\n'))
# The quoted original's banner, in Gmail's quoted-printable: the soft break of
# a long quoted line falls inside the en dash.
case("client_gmail_reply_quoted_banner", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     gmail(UK_FROM, "Re: Q3 budget",
           "Thanks, agreed.\n\nOn Thu, 26 Nov 2026 at 09:12, Alice Jones <alice@mod.uk> wrote:\n\n"
           "> Official Sensitive\n>\n> The figures are below.\n",
           split_dash(lambda style: '<div dir="ltr">Thanks, agreed.</div><br><div class="gmail_quote">'
                      '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px '
                      'solid rgb(204,204,204);padding-left:1ex"><div dir="ltr"><b><span style="%scolor:'
                      'rgb(255,0,0)">OFFICIAL%sSENSITIVE</span></b><br><div><br></div><div>The figures '
                      'are below.</div></div></blockquote></div>\n' % (style, EN))))
case("client_gmail_subject_lower_case", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     gmail(UK_FROM, "Re: Official Sensitive - staff list", "Attached.\n",
           '<div dir="ltr">Attached.</div>\n'))
case("client_thunderbird_forward_inline", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     thunderbird(UK_FROM[:3], "Fwd: Site visit",
                 "FYI, see below.\n\n\n-------- Forwarded Message --------\n"
                 "Subject: \tSite visit\nDate: \tWed, 25 Nov 2026 16:02:11 +0000\n"
                 "From: \tAlice Jones <alice@mod.uk>\nTo: \tBob Smith <bob@mod.uk>\n\n\n\n"
                 "OFFICIAL%sSENSITIVE\n\nThe visit is on Tuesday. Please bring ID. \nThe "
                 "escort meets you at the gate.\n\nAlice\n" % EN))
case("client_thunderbird_forward_subject", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     thunderbird(UK_FROM[:3], rfc2047_q("Fwd: OFFICIAL%sSENSITIVE: site visit" % EN),
                 "FYI.\n\n\n-------- Forwarded Message --------\nSubject: \tOFFICIAL%sSENSITIVE: "
                 "site visit\n\nDetails below.\n" % EN))
case("client_raw_utf8_subject", "uk-department", "OFFICIAL-SENSITIVE", HOLD_UK,
     ("".join(f"{k}: {v}\r\n" for k, v in UK_FROM) +
      "Subject: OFFICIAL%sSENSITIVE %s staff list\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
      "See attached.\r\n" % (EN, EN)).encode())
case("client_subject_bracket_secret", "uk-department", "SECRET", HOLD_UK,
     outlook(UK_FROM, "RE: [EXTERNAL] Ops plan [SECRET]", "Noted.\r\n", word_p("Noted.")))
case("client_subject_external_tag_first", "uk-department", "TOP SECRET", HOLD_UK,
     gmail(UK_FROM, "[EXTERNAL] Fwd: TOP SECRET - UK EYES ONLY: ops", "x\n", "<div>x</div>\n"))
case("client_nato_restricted", "uk-department", "RESTRICTED", HOLD_UK,
     outlook(UK_FROM, "NATO RESTRICTED Exercise schedule", "NATO RESTRICTED\r\n\r\nSchedule.\r\n\r\n"
             "NATO RESTRICTED", word_p("NATO RESTRICTED", True) + word_p("Schedule.")))
case("client_nato_secret_releasable_body", "uk-department", "SECRET", HOLD_UK,
     thunderbird(UK_FROM[:3], "Exercise", "NATO SECRET RELEASABLE TO KFOR\n\nOrders.\n\n"
                 "NATO SECRET RELEASABLE TO KFOR\n"))
case("client_uk_receives_sio_label", "uk-department", "SECRET", HOLD_UK,
     msg(UK_FROM + [("Subject", "label"), ("SIO-Label",
         'marking="SECRET"; fgcolor=black; bgcolor=red;\n type=":ess"; label="MQYGASkCAQM="')],
         "Labelled.\n"))
case("client_uk_receives_au_protected", "uk-department", "PROTECTED", HOLD_UK,
     msg(UK_FROM + [("Subject", "Budget brief [SEC=PROTECTED]"), ("X-Protective-Marking",
         "VER=2018.1, NS=gov.au, SEC=PROTECTED, ORIGIN=jane@example.gov.au")], "Brief.\n"))
case("client_uk_receives_us_noforn", "uk-department", "NOFORN,SECRET", HOLD_UK,
     outlook(UK_FROM, "FW: brief", "SECRET//NOFORN\r\n\r\nBrief.\r\n\r\nSECRET//NOFORN",
             word_p("SECRET//NOFORN", True) + word_p("Brief.")))

HOLD_US2 = US.format(o="hold", m="allow")
REJECT_US2 = US.format(o="reject", m="allow")
case("client_us_portion_only_secret", "us-dod", "SECRET", REJECT_US2,
     outlook(US_FROM, "(U) Convoy update",
             "(U) Purpose. This message updates the convoy plan.\r\n\r\n(S) The convoy leaves "
             "the FOB at 0400 on 28 Nov.\r\n\r\n(U) POC is SGT Doe.\r\n",
             word_p("(U) Purpose. This message updates the convoy plan.") +
             word_p("(S) The convoy leaves the FOB at 0400 on 28 Nov.") + word_p("(U) POC is SGT Doe.")))
case("client_us_portion_cui_only", "us-dod", "CUI", HOLD_US2,
     outlook(US_FROM, "Roster", "(CUI) The attached roster lists home addresses.\r\n",
             word_p("(CUI) The attached roster lists home addresses.")))
case("client_us_portion_secret_noforn", "us-dod", "NOFORN,SECRET", REJECT_US2,
     thunderbird(US_FROM[:3], "Liaison", "(U) Background follows.\n\n(S//NF) Source reporting "
                 "indicates movement.\n"))
case("client_us_portion_fouo", "us-dod", "FOUO", HOLD_US2,
     gmail(US_FROM, "Travel", "(U//FOUO) Travel orders are attached.\n",
           '<div dir="ltr">(U//FOUO) Travel orders are attached.</div>\n'))
case("client_us_subject_contains_cui", "us-dod", "CUI", HOLD_US2,
     outlook(US_FROM, "Contains CUI: personnel actions", "See attached.\r\n", word_p("See attached.")))
case("client_us_subject_cui_dash", "us-dod", "CUI", HOLD_US2,
     outlook(US_FROM, "CUI - Personnel roster", "See attached.\r\n", word_p("See attached.")))
case("client_us_controlled_banner", "us-dod", "CUI", HOLD_US2,
     outlook(US_FROM, "Roster", "CONTROLLED\r\n\r\nRoster attached.\r\n\r\nCONTROLLED",
             word_p("CONTROLLED", True) + word_p("Roster attached.") + word_p("CONTROLLED", True)))
case("client_us_subject_portion_secret", "us-dod", "SECRET", REJECT_US2,
     outlook(US_FROM, "RE: (S) Convoy timings", "Noted.\r\n", word_p("Noted.")))
case("client_us_receives_uk_os", "us-dod", "OFFICIAL-SENSITIVE", HOLD_US2,
     outlook(US_FROM, "FW: OFFICIAL%sSENSITIVE: liaison" % EN, "FYI.\r\n", word_p("FYI.")))

# --- ordinary mail: no marking may be found ----------------------------------
NONE = AU.format(o="allow")
def ordinary(name, headers, body):
    case(name, "all-packs", "-", NONE, msg(au() + headers, body), ordinary=True)

ordinary("secret_santa", [("Subject", "Secret Santa draw - Friday!")],
         "SECRET SANTA 2026\n\nHi all,\n\nIt's no secret that everyone loved last year's Secret "
         "Santa, so we are doing it again.\nKeep it secret!\n\nThe Social Committee\n")
ordinary("top_secret_recipe", [("Subject", "Grandma's TOP SECRET recipe")],
         "TOP SECRET RECIPE:\nGrandma's top secret recipe for scones.\n\nThe secret is cold "
         "butter.\n\nTop Secret\n")
ordinary("cui_prose", [("Subject", "CUI training reminder")],
         "Hi,\n\nCUI training is due Friday. Please check the CUI in the spreadsheet and\n"
         "tell me which rows are CUI and which are not.\nCUISINE night is next week.\n")
ordinary("confidential_disclaimer", [("Subject", "Invoice 4471")],
         "Please find the invoice attached.\n\nRegards,\nAcme Ltd\n\n"
         "CONFIDENTIALITY NOTICE: This e-mail is CONFIDENTIAL and may be privileged.\n"
         "If you are not the intended recipient, please delete it. This message is\n"
         "confidential and intended solely for the addressee.\n"
         "Confidential\n")
ordinary("official_prose", [("Subject", "Official opening of the new office")],
         "Hi,\n\nThe official opening is on Monday.\n"
         "Reminder: documents marked OFFICIAL-SENSITIVE must not go to personal accounts.\n"
         "OFFICIAL-SENSITIVE documents need a handling caveat.\n"
         "What does SECRET//NOFORN mean? Ask the security team.\n")
ordinary("restricted_protected_prose", [("Subject", "Access is restricted this weekend")],
         "RESTRICTED AREA - AUTHORISED PERSONNEL ONLY signs are up.\n"
         "Your data is PROTECTED by encryption. Access is restricted to staff.\n"
         "Protect your password.\n")
ordinary("secret_subject_mixed_case", [("Subject", "Re: Secret: the party is on Friday")],
         "Shh, it's a secret.\nDon't tell anyone the secret plans.\n")
ordinary("classification_internal", [("Subject", "Quarterly numbers")],
         "Classification: Internal\n\nNumbers attached.\n\nClassification: Public\n")
ordinary("html_newsletter", [("Subject", "The secret to great coffee"), ("MIME-Version", "1.0"),
                             ("Content-Type", "text/html; charset=utf-8")],
         "<html><head><title>TOP SECRET SALE</title><style>.secret { color: red }</style></head>"
         "<body><h1>The Secret to Great Coffee</h1><p class=\"secret\">Our secret? Fresh beans."
         "</p><p>Official stockists only.</p></body></html>\n")
ordinary("msip_general", [("Subject", "label"), ("msip_labels",
          "MSIP_Label_0a1b2c3d-0000-1111-2222-333344445555_Enabled=true;\n "
          "MSIP_Label_0a1b2c3d-0000-1111-2222-333344445555_Name=General;")],
         "Nothing sensitive.\n")
ordinary("fouo_question", [("Subject", "What does FOUO mean?")],
         "Is FOUO still used? I thought CUI replaced it.\nThe CUI program office says so.\n")
ordinary("au_prose", [("Subject", "How do I mark mail as PROTECTED?")],
         "Use the SEC=PROTECTED marking in the subject, in brackets.\n")
ordinary("top_secret_line_start", [("Subject", "Party"), ("MIME-Version", "1.0"),
                                   ("Content-Type", "text/plain; charset=utf-8"),
                                   ("Content-Transfer-Encoding", "quoted-printable")],
         "TOP SECRET plans for the party are ready.\nSECRET SANTA gifts under =C2=A310.\n"
         "CUI: what does it stand for?\nCONFIDENTIAL: not really, tell everyone.\n")
ordinary("copyright_portion", [("Subject", "(C) 2026 Example Inc - terms")],
         "(C) 2026 Example Inc. All rights reserved.\n(S) and (TS) are shown as portion marks.\n")

# Hard negatives for the lenient rules: prose that names a marking in the
# middle of a sentence, list labels that look like portion marks, brackets
# that hold something else.
UK_NONE = UK.format(o="allow", m="allow")
def uk_ordinary(name, text):
    case(name, "uk-department", "-", UK_NONE, text, ordinary=True)

uk_ordinary("client_prose_official_sensitive_mid_paragraph",
            outlook(UK_FROM, "Minutes", "Hi all,\r\n\r\nAt Tuesday's meeting official sensitive "
                    "matters were discussed at\r\nlength; official%ssensitive ones too. As ever, "
                    "the secret to good writing is\r\nbrevity. Top secret it is not.\r\n" % EN,
                    word_p("At Tuesday's meeting official sensitive matters were discussed at "
                           "length.") + word_p("The secret to good writing is brevity.")))
uk_ordinary("client_subject_secret_santa_bracket",
            gmail(UK_FROM, "[Secret Santa] draw on Friday - RE: [social] who's in?", "Me!\n",
                  '<div dir="ltr">Me!</div>\n'))
uk_ordinary("client_sizes_list_portion_lookalike",
            thunderbird(UK_FROM[:3], "Team shirts", "Sizes available:\n(S) Small\n(M) Medium\n"
                        "(L) Large\n(XL) Extra large\n(C) 2026 Kit Supplier Ltd\n"))
uk_ordinary("client_nato_prose_subject",
            gmail(UK_FROM, "NATO restricted airspace over the Baltic - article",
                  "Interesting read: NATO RESTRICTED areas are shown on the map.\n",
                  '<div dir="ltr">Interesting read.</div>\n'))
uk_ordinary("client_purview_public_label",
            outlook(UK_FROM, "Newsletter", "Newsletter.\r\n", word_p("Newsletter."),
                    labels="MSIP_Label_1a2b3c4d-0000-4000-8000-00000000abcd_Enabled=true;\r\n "
                    "MSIP_Label_1a2b3c4d-0000-4000-8000-00000000abcd_Name=Public;\r\n "
                    "MSIP_Label_1a2b3c4d-0000-4000-8000-00000000abcd_SiteId=72f988bf-86f1-41af-91ab-2d7cd011db47"))
uk_ordinary("client_subject_contains_cuisine",
            outlook(UK_FROM, "Contains cuisine tips - controlled-release recipes", "Enjoy.\r\n",
                    word_p("Enjoy.")))

with open(os.path.join(HERE, "cases.txt"), "w") as f:
    f.write("# The marking corpus: one case per line, fields separated by ' | ':\n"
            "#   file | config | markings found (comma-separated, sorted; - for none) |\n"
            "#   flags (truncated: checked both ways; malformed: checked when listed;\n"
            "#   - for none) | options (- or\n"
            "#   max_scan_bytes=N) | recipient=verdict, ...\n"
            "# config: conf/examples/NAME.toml, or NAME.toml beside this file.\n"
            "# Written by make_corpus.py; checked by tests/unit/marking_corpus_test.cc.\n")
    for c in cases:
        f.write(" | ".join(c) + "\n")
