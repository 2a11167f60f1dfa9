#!/usr/bin/env node
// Side-by-side comparison of "did you mean?" email checkers and typo-domain
// generators on rcptguard's labelled evaluation set (tests/data/eval/):
// mailcheck, @zootools/email-spell-checker and email-misspelled (npm), the
// permutation set of Debian's dnstwist, and rcptguard itself through its CLI.
//
//   node compare.js [EVAL_DIR] [--tool mailcheck,zootools,...] [--json]
//                   [--reps N] [--min-ms MS] [--unicode] [--examples N]
//
// See README.md for what is measured and how each tool is configured.
'use strict';

const fs = require('fs');
const path = require('path');
const url = require('url');
const { execFileSync, spawnSync } = require('child_process');

// Typo classes in the order the evaluation set defines them; classes found in
// typos.tsv but not listed here are reported after these, alphabetically.
const CLASS_ORDER = [
  'tld-swap', 'suffix-change', 'omission', 'insertion', 'repetition',
  'keyboard-substitution', 'transposition', 'vowel-swap', 'bitsquat',
  'homoglyph', 'hyphenation', 'dot-omission', 'dot-insertion', 'combined',
];
const KIND_ORDER = ['ordinary', 'hard'];
const DEFAULT_EVAL_DIR = path.resolve(__dirname, '..', '..', 'tests', 'data', 'eval');
const LOCAL_PART = 'user';

// ---------------------------------------------------------------------------
// Tools under test.
//
// Both libraries share one algorithm (zootools is a TypeScript rewrite of
// mailcheck 1.1.1); read node_modules/mailcheck/src/mailcheck.js and
// node_modules/@zootools/email-spell-checker/dist/lib/suggest-email.js.
// For an address the library lowercases it, percent-encodes it with
// encodeURI(), splits the domain at its FIRST dot into "secondLevelDomain"
// (first label) and "topLevelDomain" (everything after it), and then:
//   1. if secondLevelDomain is in `secondLevelDomains` AND topLevelDomain is in
//      `topLevelDomains`, the address is accepted as is (no suggestion);
//   2. it finds the entry of `domains` with the smallest sift3 distance to the
//      whole domain; an exact hit means "no suggestion", a distance <= 2
//      (domainThreshold) means "suggest that entry";
//   3. otherwise it looks up the closest `secondLevelDomains` entry and the
//      closest `topLevelDomains` entry (each within distance 2) and, if either
//      differs from what was typed, suggests the domain with that part
//      replaced (zootools only replaces the TLD when there is an SLD).
//
// Fair configuration, identical for both tools (no library defaults leak in:
// both use `opts.x || default`, and an empty array is truthy in JavaScript):
//   domains            = the expected list, in file order (ties in step 2 go
//                        to the earlier entry). This is the only knowledge
//                        rcptguard is given too.
//   secondLevelDomains = []. The libraries use this list for webmail brands
//                        that live under many TLDs (yahoo, hotmail...). Putting
//                        the organisation's first labels there would make
//                        step 1 whitelist every cross-combination (e.g.
//                        contoso.com when only contoso.de is expected), hiding
//                        exactly the tld-swap / suffix-change typos we count.
//   topLevelDomains    = the distinct public suffixes (ICANN section of the
//                        Public Suffix List, via tldts-icann) of the expected
//                        domains, in first-appearance order. Step 3 then
//                        suggests a TLD repair only towards suffixes the
//                        organisation actually writes to, instead of the
//                        libraries' built-in consumer TLD lists.
//   thresholds, distanceFunction: library defaults (2, 2, 2, sift3).
// Each call gets a fresh options object through the public run() entry
// point (mailcheck's run() writes defaults into the object it is given).
// ---------------------------------------------------------------------------
const TOOLS = {
  mailcheck: {
    pkg: 'mailcheck',
    make(cfg) {
      const Mailcheck = require('mailcheck');
      const { domains, secondLevelDomains, topLevelDomains } = cfg;
      return (email) => {
        const r = Mailcheck.run({ email, domains, secondLevelDomains, topLevelDomains });
        return r ? r.domain : null; // run() returns false/undefined for "no suggestion"
      };
    },
  },
  zootools: {
    pkg: '@zootools/email-spell-checker',
    make(cfg) {
      const checker = require('@zootools/email-spell-checker');
      const { domains, secondLevelDomains, topLevelDomains } = cfg;
      return (email) => {
        const r = checker.run({ email, domains, secondLevelDomains, topLevelDomains });
        return r ? r.domain : null; // run() returns undefined for "no suggestion"
      };
    },
  },
  // email-misspelled 4.4.0: Levenshtein distance to each listed domain; its
  // defaults (maxMisspelled 2, lengthDiffMax 2). The first (fewest corrections)
  // suggestion counts.
  'email-misspelled': {
    pkg: 'email-misspelled',
    // 4.4.0's package.json says "type": "module", so its CommonJS build cannot
    // be require()d: load the ES module before measuring.
    async load() { this.lib = await import('email-misspelled'); },
    version: () => JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', 'email-misspelled', 'package.json'), 'utf8')).version,
    make(cfg) {
      const lib = this.lib;
      const emailMisspelled = lib.default || lib.emailMisspelled;
      const checker = emailMisspelled({ domains: cfg.domains });
      return (email) => {
        const r = checker(email);
        return r && r.length ? r[0].suggest : null;
      };
    },
  },
  // dnstwist (Debian): every permutation its fuzzers generate for each
  // expected domain, no DNS asked. A domain in that set is flagged as a
  // look-alike of the expected domain that generated it (the first in file
  // order when several did).
  dnstwist: {
    version: () => execFileSync('/usr/bin/python3', ['-c',
      'import sys; sys.path.insert(0, "/usr/lib/python3/dist-packages"); import dnstwist; print(dnstwist.__version__)'],
      { encoding: 'utf8' }).trim(),
    pkg: 'dnstwist (Debian)',
    make(cfg) {
      const script = [
        'import sys, json',
        'sys.path.insert(0, "/usr/lib/python3/dist-packages")',
        'import dnstwist',
        'out = {}',
        'for d in json.load(sys.stdin):',
        '    f = dnstwist.Fuzzer(d)',
        '    f.generate()',
        '    for p in f.permutations():',
        '        if p["fuzzer"] != "*original":',
        '            out.setdefault(p["domain"], d)',
        'json.dump(out, sys.stdout)',
      ].join('\n');
      const input = JSON.stringify(cfg.domains.map((d) => toALabel(d).name));
      const set = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script],
        { input, encoding: 'utf8', maxBuffer: 1 << 30 }));
      return (email) => {
        const domain = email.slice(email.lastIndexOf('@') + 1);
        const hit = set[toALabel(domain).name];
        return hit === undefined ? null : hit;
      };
    },
  },
  // rcptguard through the CLI contract, as the issue's owner measures it:
  // `rcptguard check --trusted-file expected.txt --format jsonl -`, with no
  // configuration file (the embedded defaults). Flagged: any verdict but allow.
  rcptguard: {
    version: () => 'check (CLI)',
    pkg: 'rcptguard',
    batch: true,
    make(cfg, opts) {
      const binary = process.env.RCPTGUARD || path.resolve(__dirname, '..', '..', 'build', 'rcptguard');
      const expectedFile = path.join(opts.evalDir, 'expected.txt');
      return (emails) => {
        // Exit status 1 means "some recipient not allowed": expected here.
        const run = spawnSync(binary, ['check', '--trusted-file', expectedFile, '--format', 'jsonl', '-'],
          { input: emails.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'inherit'] });
        if (run.status !== 0 && run.status !== 1) {
          process.stderr.write(`compare.js: ${binary} check exited ${run.status}\n`);
          process.exit(2);
        }
        return run.stdout.split('\n').filter((l) => l).map((l) => {
          const v = JSON.parse(l);
          if (v.verdict === 'allow') return null;
          return v.intended_domain ? toALabel(v.intended_domain).name : '(flagged)';
        });
      };
    },
  },
};

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------
function usage(code) {
  const text = `usage: node compare.js [EVAL_DIR] [options]

EVAL_DIR defaults to ../../tests/data/eval relative to this script
(${DEFAULT_EVAL_DIR}). It must hold expected.txt,
typos.tsv and legit.tsv.

options:
  --tool LIST      comma-separated tools: ${Object.keys(TOOLS).join(', ')} (default: all);
                   each tool is measured in its own node process
  --json           print one JSON document instead of tables
  --reps N         timed repetitions for throughput, median reported (default 5)
  --min-ms MS      each repetition loops over all rows as many whole times as
                   needed to last at least MS milliseconds (default 200)
  --unicode        pass typed domains exactly as written (U-labels) instead of
                   converting them to A-labels first
  --examples N     also list up to N misses, wrong suggestions and false alarms
  -h, --help       this text
`;
  (code ? process.stderr : process.stdout).write(text);
  process.exit(code);
}

function parseArgs(argv) {
  const o = {
    evalDir: null, tools: Object.keys(TOOLS), json: false, reps: 5, minMs: 200,
    unicode: false, examples: 0, quiet: false,
  };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let val = null;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { val = a.slice(eq + 1); a = a.slice(0, eq); }
    const need = () => {
      if (val !== null) return val;
      if (i + 1 >= argv.length) { process.stderr.write(`compare.js: ${a} needs a value\n`); usage(2); }
      return argv[++i];
    };
    const int = (s, min) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < min) { process.stderr.write(`compare.js: ${a}: bad number '${s}'\n`); usage(2); }
      return n;
    };
    switch (a) {
      case '-h': case '--help': usage(0); break;
      case '--json': o.json = true; break;
      case '--unicode': o.unicode = true; break;
      case '--quiet': o.quiet = true; break; // used for child processes
      case '--tool': case '--tools':
        o.tools = need().split(',').map((s) => s.trim()).filter(Boolean);
        for (const t of o.tools) {
          if (!TOOLS[t]) { process.stderr.write(`compare.js: unknown tool '${t}'\n`); usage(2); }
        }
        if (!o.tools.length) usage(2);
        break;
      case '--reps': o.reps = int(need(), 1); break;
      case '--min-ms': o.minMs = int(need(), 0); break;
      case '--examples': o.examples = int(need(), 0); break;
      default:
        if (a.startsWith('-') && a !== '-') { process.stderr.write(`compare.js: unknown option ${a}\n`); usage(2); }
        positional.push(a);
    }
  }
  if (positional.length > 1) { process.stderr.write('compare.js: at most one EVAL_DIR\n'); usage(2); }
  o.evalDir = path.resolve(positional[0] || DEFAULT_EVAL_DIR);
  return o;
}

// ---------------------------------------------------------------------------
// Evaluation set
// ---------------------------------------------------------------------------
function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    process.stderr.write(`compare.js: cannot read ${file}: ${e.message}\n`);
    process.exit(2);
  }
}

function readExpected(file) {
  const seen = new Set();
  const out = [];
  for (const raw of readText(file).split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim().toLowerCase().replace(/\.$/, '');
    if (!line || seen.has(line)) continue;
    seen.add(line);
    out.push(line);
  }
  return out;
}

// Reads a TSV with a header row; returns objects keyed by the header names.
function readTsv(file, columns) {
  const lines = readText(file).split(/\r?\n/);
  let header = null;
  const rows = [];
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (!line.trim() || line.startsWith('#')) continue;
    const cells = line.split('\t').map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      for (const c of columns) {
        if (header.indexOf(c) < 0) {
          process.stderr.write(`compare.js: ${file}: header lacks column '${c}' (got: ${cells.join(', ')})\n`);
          process.exit(2);
        }
      }
      continue;
    }
    const row = { line: n + 1 };
    for (const c of columns) row[c] = cells[header.indexOf(c)] || '';
    rows.push(row);
  }
  return rows;
}

// What a mail gateway sees in RCPT TO without SMTPUTF8: the A-label form.
// url.domainToASCII applies UTS #46 processing (lowercasing, mapping,
// punycode); it returns '' for names it rejects, which we then pass raw.
function toALabel(domain) {
  if (!/[^\x00-\x7f]/.test(domain)) return { name: domain.toLowerCase(), ok: true };
  const a = url.domainToASCII(domain);
  return a ? { name: a, ok: true } : { name: domain, ok: false };
}

function loadEval(dir, opts) {
  const warn = (m) => { if (!opts.quiet) process.stderr.write(`compare.js: warning: ${m}\n`); };
  const expected = readExpected(path.join(dir, 'expected.txt')).map((d) => toALabel(d).name);
  const expectedSet = new Set(expected);
  if (!expected.length) { process.stderr.write(`compare.js: ${dir}/expected.txt lists no domain\n`); process.exit(2); }

  // typos.tsv and every typos_*.tsv beside it (typos_independent.tsv).
  const typos = readTsv(path.join(dir, 'typos.tsv'), ['typed', 'intended', 'class']);
  for (const f of fs.readdirSync(dir).filter((n) => /^typos_.*\.tsv$/.test(n)).sort()) {
    typos.push(...readTsv(path.join(dir, f), ['typed', 'intended', 'class']));
  }
  const legit = readTsv(path.join(dir, 'legit.tsv'), ['domain', 'kind', 'near']);
  let converted = 0;
  let unconvertible = 0;
  const prep = (typed) => {
    if (opts.unicode) return typed;
    const a = toALabel(typed);
    if (a.name !== typed.toLowerCase()) converted++;
    if (!a.ok) { unconvertible++; warn(`IDNA rejects '${typed}', passing it unconverted`); }
    return a.name;
  };
  for (const r of typos) {
    r.intended = toALabel(r.intended).name;
    r.input = prep(r.typed);
    if (!expectedSet.has(r.intended)) warn(`typos.tsv:${r.line}: intended '${r.intended}' is not in expected.txt`);
    if (expectedSet.has(r.input)) warn(`typos.tsv:${r.line}: typed '${r.typed}' is itself an expected domain as seen by the tools ('${r.input}')`);
  }
  for (const r of legit) {
    r.kind = r.kind.toLowerCase();
    r.input = prep(r.domain);
    if (expectedSet.has(r.input)) warn(`legit.tsv:${r.line}: '${r.domain}' is an expected domain`);
  }
  return { expected, typos, legit, converted, unconvertible };
}

function publicSuffixes(domains) {
  const { getPublicSuffix } = require('tldts-icann');
  const out = [];
  for (const d of domains) {
    const s = getPublicSuffix(d);
    if (s && out.indexOf(s) < 0) out.push(s);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------
const ratio = (a, b) => (b ? a / b : null);

function evaluate(toolName, opts) {
  const data = loadEval(opts.evalDir, opts);
  const cfg = {
    domains: data.expected.slice(),
    secondLevelDomains: [],
    topLevelDomains: publicSuffixes(data.expected),
  };
  const tool = TOOLS[toolName];
  cfg.domains = cfg.domains.map((d) => toALabel(d).name);
  let check = tool.make(cfg, opts);
  const version = tool.version ? tool.version() : require(`${tool.pkg}/package.json`).version;
  if (tool.batch) {
    // One process over every row, answers looked up afterwards.
    const all = data.typos.concat(data.legit).map((r) => `${LOCAL_PART}@${r.input}`);
    const batchStart = process.hrtime.bigint();
    const answers = check(all);
    const seconds = Number(process.hrtime.bigint() - batchStart) / 1e9;
    const byAddress = new Map(all.map((a, i) => [a, answers[i]]));
    check = (email) => byAddress.get(email);
    check.wholeProcess = { seconds, rows: all.length };
  }

  // Correctness pass (also warms the JIT up before timing).
  const byClass = new Map();
  const ex = { missed: [], wrong: [], falseAlarms: [] };
  let flagged = 0;
  let correct = 0;
  for (const r of data.typos) {
    const s = check(`${LOCAL_PART}@${r.input}`);
    let c = byClass.get(r.class);
    if (!c) byClass.set(r.class, (c = { n: 0, flagged: 0, correct: 0 }));
    c.n++;
    if (s == null) {
      if (ex.missed.length < opts.examples) ex.missed.push({ typed: r.typed, intended: r.intended, class: r.class });
      continue;
    }
    c.flagged++; flagged++;
    if (s === r.intended) { c.correct++; correct++; } else if (ex.wrong.length < opts.examples) {
      ex.wrong.push({ typed: r.typed, intended: r.intended, class: r.class, suggested: s });
    }
  }
  const byKind = new Map();
  let alarms = 0;
  for (const r of data.legit) {
    const s = check(`${LOCAL_PART}@${r.input}`);
    let k = byKind.get(r.kind);
    if (!k) byKind.set(r.kind, (k = { n: 0, flagged: 0 }));
    k.n++;
    if (s != null) {
      k.flagged++; alarms++;
      if (ex.falseAlarms.length < opts.examples) ex.falseAlarms.push({ domain: r.domain, kind: r.kind, near: r.near, suggested: s });
    }
  }

  // Throughput over all rows (typos then legit), as addresses per second.
  const addrs = data.typos.concat(data.legit).map((r) => `${LOCAL_PART}@${r.input}`);
  const throughput = check.wholeProcess
    ? { addressesPerSecond: check.wholeProcess.rows / check.wholeProcess.seconds, reps: 1, passesPerRep: 1,
        rowsPerPass: check.wholeProcess.rows, runs: [check.wholeProcess.rows / check.wholeProcess.seconds],
        note: 'whole process, one run of rcptguard check -' }
    : measure(check, addrs, opts);

  const classNames = [...byClass.keys()].sort((a, b) => {
    const ia = CLASS_ORDER.indexOf(a); const ib = CLASS_ORDER.indexOf(b);
    if (ia >= 0 && ib >= 0) return ia - ib;
    if (ia >= 0 || ib >= 0) return ia >= 0 ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const kindNames = [...byKind.keys()].sort((a, b) => {
    const ia = KIND_ORDER.indexOf(a); const ib = KIND_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : a > b ? 1 : 0);
  });

  const result = {
    tool: toolName,
    package: tool.pkg,
    version,
    config: {
      domains: cfg.domains.length,
      secondLevelDomains: cfg.secondLevelDomains,
      topLevelDomains: cfg.topLevelDomains,
      thresholds: 'library defaults',
    },
    typos: {
      n: data.typos.length,
      flagged,
      correct,
      recall: ratio(flagged, data.typos.length),
      suggestionAccuracy: ratio(correct, data.typos.length),
      byClass: Object.fromEntries(classNames.map((k) => {
        const c = byClass.get(k);
        return [k, { n: c.n, flagged: c.flagged, correct: c.correct, recall: ratio(c.flagged, c.n), suggestionAccuracy: ratio(c.correct, c.n) }];
      })),
    },
    legit: {
      n: data.legit.length,
      flagged: alarms,
      falseAlarmRate: ratio(alarms, data.legit.length),
      byKind: Object.fromEntries(kindNames.map((k) => {
        const c = byKind.get(k);
        return [k, { n: c.n, flagged: c.flagged, falseAlarmRate: ratio(c.flagged, c.n) }];
      })),
    },
    throughput,
  };
  if (opts.examples) result.examples = ex;
  return {
    evalDir: opts.evalDir,
    input: opts.unicode ? 'as-typed' : 'a-label',
    dataset: {
      expected: data.expected.length,
      typos: data.typos.length,
      legit: data.legit.length,
      convertedToALabel: data.converted,
      idnaRejected: data.unconvertible,
    },
    node: process.version,
    tools: [result],
  };
}

function measure(check, addrs, opts) {
  let sink = 0;
  const pass = () => {
    for (let i = 0; i < addrs.length; i++) if (check(addrs[i]) != null) sink++;
  };
  // Calibrate: how many whole passes make one repetition last >= minMs.
  const minNs = BigInt(Math.round(opts.minMs * 1e6));
  let passes = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let p = 0; p < passes; p++) pass();
    const dt = process.hrtime.bigint() - t0;
    if (dt >= minNs || passes >= 1 << 20) break;
    const scale = dt > 0n ? Number(minNs) / Number(dt) : 16;
    passes = Math.max(passes + 1, Math.ceil(passes * Math.min(scale * 1.1, 16)));
  }
  const rates = [];
  for (let r = 0; r < opts.reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let p = 0; p < passes; p++) pass();
    const ns = Number(process.hrtime.bigint() - t0);
    rates.push((addrs.length * passes) / (ns / 1e9));
  }
  if (sink < 0) process.stdout.write(''); // keep the calls observable
  const sorted = rates.slice().sort((a, b) => a - b);
  const m = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  return {
    addressesPerSecond: median,
    rowsPerPass: addrs.length,
    passesPerRep: passes,
    reps: opts.reps,
    runs: rates,
  };
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------
const pct = (x) => (x == null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const num = (x) => Math.round(x).toLocaleString('en-US');
const pad = (s, w, left) => (left ? String(s).padEnd(w) : String(s).padStart(w));

function table(headers, rows, leftCols = 1) {
  const w = headers.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const fmt = (r) => r.map((c, i) => pad(c, w[i], i < leftCols)).join('  ').trimEnd();
  return [fmt(headers), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(fmt)].join('\n');
}

function printTable(doc, r) {
  const out = [];
  const tlds = r.config.topLevelDomains;
  const tldText = tlds.length > 12 ? `${tlds.slice(0, 12).join(', ')}, ... (${tlds.length})` : tlds.join(', ');
  out.push(`== ${r.package} ${r.version} ==`);
  out.push(`eval set : ${doc.evalDir}`);
  out.push(`           ${doc.dataset.expected} expected domains, ${doc.dataset.typos} typos, ${doc.dataset.legit} legitimate domains`);
  out.push(`config   : domains = expected list (${r.config.domains}), secondLevelDomains = [], topLevelDomains = [${tldText}]`);
  out.push(`input    : user@<domain>, ${doc.input === 'a-label'
    ? `non-ASCII names converted to A-labels first (${doc.dataset.convertedToALabel} converted)`
    : 'domains passed exactly as typed (U-labels included)'}`);
  out.push('');
  const cls = Object.entries(r.typos.byClass).map(([k, c]) => [k, c.n, c.flagged, pct(c.recall), c.correct, pct(c.suggestionAccuracy)]);
  cls.push(['ALL TYPOS', r.typos.n, r.typos.flagged, pct(r.typos.recall), r.typos.correct, pct(r.typos.suggestionAccuracy)]);
  out.push(table(['class', 'rows', 'flagged', 'recall', 'correct', 'accuracy'], cls));
  out.push('');
  const kinds = Object.entries(r.legit.byKind).map(([k, c]) => [k, c.n, c.flagged, pct(c.falseAlarmRate)]);
  kinds.push(['ALL LEGIT', r.legit.n, r.legit.flagged, pct(r.legit.falseAlarmRate)]);
  out.push(table(['legitimate', 'rows', 'flagged', 'false alarms'], kinds));
  out.push('');
  const hard = r.legit.byKind.hard;
  out.push(`overall recall            : ${pct(r.typos.recall)} (${r.typos.flagged}/${r.typos.n})`);
  out.push(`suggestion accuracy       : ${pct(r.typos.suggestionAccuracy)} (${r.typos.correct}/${r.typos.n} typos got the intended domain)`);
  out.push(`false-alarm rate          : ${pct(r.legit.falseAlarmRate)} (${r.legit.flagged}/${r.legit.n})`);
  out.push(`false-alarm rate (hard)   : ${hard ? `${pct(hard.falseAlarmRate)} (${hard.flagged}/${hard.n})` : 'n/a (no hard rows)'}`);
  const t = r.throughput;
  out.push(`throughput                : ${num(t.addressesPerSecond)} addresses/s (median of ${t.reps} runs, each ${t.passesPerRep} pass(es) over ${t.rowsPerPass} rows; min ${num(Math.min(...t.runs))}, max ${num(Math.max(...t.runs))})`);
  if (r.examples) {
    const e = r.examples;
    out.push('');
    out.push(`missed typos (first ${e.missed.length}):`);
    for (const x of e.missed) out.push(`  ${x.typed} (${x.class}, meant ${x.intended})`);
    out.push(`wrong suggestions (first ${e.wrong.length}):`);
    for (const x of e.wrong) out.push(`  ${x.typed} -> ${x.suggested} (${x.class}, meant ${x.intended})`);
    out.push(`false alarms (first ${e.falseAlarms.length}):`);
    for (const x of e.falseAlarms) out.push(`  ${x.domain} -> ${x.suggested} (${x.kind}${x.near && x.near !== '-' ? `, near ${x.near}` : ''})`);
  }
  process.stdout.write(`${out.join('\n')}\n\n`);
}

function printSideBySide(doc) {
  const ts = doc.tools;
  const classes = [];
  for (const r of ts) for (const k of Object.keys(r.typos.byClass)) if (classes.indexOf(k) < 0) classes.push(k);
  const rows = classes.map((k) => [`recall ${k}`, ...ts.map((r) => (r.typos.byClass[k] ? pct(r.typos.byClass[k].recall) : 'n/a'))]);
  rows.push(['recall overall', ...ts.map((r) => pct(r.typos.recall))]);
  rows.push(['suggestion accuracy', ...ts.map((r) => pct(r.typos.suggestionAccuracy))]);
  rows.push(['false alarms overall', ...ts.map((r) => pct(r.legit.falseAlarmRate))]);
  rows.push(['false alarms hard', ...ts.map((r) => (r.legit.byKind.hard ? pct(r.legit.byKind.hard.falseAlarmRate) : 'n/a'))]);
  rows.push(['addresses/s (median)', ...ts.map((r) => num(r.throughput.addressesPerSecond))]);
  process.stdout.write(`== side by side ==\n${table(['metric', ...ts.map((r) => `${r.tool} ${r.version}`)], rows)}\n`);
}

// ---------------------------------------------------------------------------
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  for (const f of ['expected.txt', 'typos.tsv', 'legit.tsv']) {
    if (!fs.existsSync(path.join(opts.evalDir, f))) {
      process.stderr.write(`compare.js: ${path.join(opts.evalDir, f)} does not exist\n`);
      process.exit(2);
    }
  }
  let doc;
  if (opts.tools.length === 1) {
    if (TOOLS[opts.tools[0]].load) await TOOLS[opts.tools[0]].load();
    doc = evaluate(opts.tools[0], opts);
  } else {
    // One child process per tool, so neither JIT profile nor heap state of
    // one library affects the other's throughput figure.
    const pass = [];
    if (opts.unicode) pass.push('--unicode');
    pass.push('--reps', String(opts.reps), '--min-ms', String(opts.minMs), '--examples', String(opts.examples));
    for (let i = 0; i < opts.tools.length; i++) {
      const args = [__filename, opts.evalDir, '--tool', opts.tools[i], '--json', ...pass];
      if (i > 0 || opts.quiet) args.push('--quiet');
      let text;
      try {
        text = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
      } catch (e) {
        process.stderr.write(`compare.js: measuring ${opts.tools[i]} failed (exit ${e.status})\n`);
        process.exit(e.status || 1);
      }
      const child = JSON.parse(text);
      if (!doc) doc = child; else doc.tools.push(...child.tools);
    }
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  for (const r of doc.tools) printTable(doc, r);
  if (doc.tools.length > 1) printSideBySide(doc);
}

main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
