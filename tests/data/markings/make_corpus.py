#!/usr/bin/env python3
"""Writes the marking corpus (tests/data/markings/*.eml, ordinary/*.eml) and
its expectations (cases.txt). Run from anywhere; the files are committed, so
this only needs running when a case is added or changed."""
import base64, os, quopri

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
