// The review console end to end, in real headless Chromium (Debian's
// chromium, driven by playwright-core) against a real `rcptguard serve` on
// loopback and a private Postfix whose rcptguard milter holds a look-alike
// message: log in, a POST without a CSRF token is refused, the held message
// is released and reaches the sink, the release is in the audit log, and
// only an admin changes per-sender exceptions.
// Run by ctest (tests/CMakeLists.txt) with RCPTGUARD_BINARY set; exits 77
// (skipped) when not root, since a private Postfix needs root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.RCPTGUARD_BINARY;
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (process.getuid() !== 0) {
  console.log('skipped: a private Postfix needs root');
  process.exit(77);
}
assert.ok(binary, 'RCPTGUARD_BINARY must name the rcptguard binary');
let playwright;
try {
  playwright = await import('playwright-core');
} catch {
  console.error('playwright-core is not installed: run bash scripts/setup.sh (npm ci in tests/e2e)');
  process.exit(1);
}

const PASSWORD = 'correct horse battery staple';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rcptguard-e2e-'));
const shots = process.env.SCREENSHOT_DIR || '';
let serve;
let browser;
let base;
let heldId;

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Polls `condition` every 100 ms for up to `seconds`; returns its last value.
async function waitFor(condition, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  let value;
  while (Date.now() < deadline) {
    value = await condition();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  return value;
}

const postfixConf = () => path.join(dir, 'conf');
function heldQueue() {
  const out = execFileSync('postqueue', ['-c', postfixConf(), '-j'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((line) => JSON.parse(line))
    .filter((m) => m.queue_name === 'hold');
}
function delivered(recipient) {
  return fs.readdirSync(path.join(dir, 'sink'))
    .map((f) => fs.readFileSync(path.join(dir, 'sink', f), 'utf8'))
    .filter((text) => text.includes(recipient));
}
const read = (name) => { try { return fs.readFileSync(path.join(dir, name), 'utf8'); } catch { return ''; } };

before(async () => {
  const smtpdPort = await freePort();
  const sinkPort = await freePort();
  execFileSync('bash', [path.join(here, 'postfix_rig.sh'), 'start', dir, binary,
    String(smtpdPort), String(sinkPort)], { stdio: 'inherit' });
  execFileSync('swaks', ['--server', `127.0.0.1:${smtpdPort}`, '--from', 'bob@mod.uk',
    '--to', 'alice@army.ml', '--header', 'Subject: e2e'], { stdio: 'ignore' });
  const held = await waitFor(() => heldQueue().length > 0 && heldQueue());
  assert.ok(held, 'the milter did not hold the look-alike message\n' + read('maillog'));
  heldId = held[0].queue_id;

  const store = `sqlite://${dir}/review.db`;
  fs.writeFileSync(path.join(dir, 'serve.toml'),
    `[milter]\nhold_directory = "${dir}/history/held"\n[history]\nstore = "${store}"\n`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // MAIL_CONFIG: Postfix's tools, run by the console, use this private instance.
  serve = spawn(binary, ['serve', '-f', '-c', path.join(dir, 'serve.toml'), '--listen',
    `127.0.0.1:${port}`, '--tokens-file', path.join(dir, 'tokens')],
  { env: { ...process.env, MAIL_CONFIG: postfixConf() }, stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'serve.log'), 'a')] });
  // /healthz is 200 once history is in force: its store file then exists
  // with history's schema, beside which the review store keeps its tables.
  const up = await waitFor(async () => {
    try { return (await fetch(`${base}/healthz`)).status === 200; } catch { return false; }
  });
  assert.ok(up, 'rcptguard serve did not become healthy\n' + read('serve.log'));
  for (const [name, role] of [['alice', 'officer'], ['root-admin', 'admin']]) {
    execFileSync(binary, ['user', 'add', name, '--role', role, '-c', path.join(dir, 'serve.toml')],
      { input: PASSWORD + '\n', stdio: ['pipe', 'inherit', 'inherit'] });
  }
  browser = await playwright.chromium.launch({ executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  if (browser) await browser.close();
  if (serve) serve.kill('SIGTERM');
  execFileSync('bash', [path.join(here, 'postfix_rig.sh'), 'stop', dir]);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function logIn(page, password = PASSWORD, user = 'alice') {
  await page.goto(`${base}/console/login`);
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}

test('no page is served without a session: the held list sends the browser to log in', async () => {
  const page = await browser.newPage();
  const response = await page.goto(`${base}/console/held`);
  assert.equal(new URL(page.url()).pathname, '/console/login');
  assert.equal(response.status(), 200);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /default-src 'none'/, `got CSP ${csp}`);
  await page.close();
});

test('a wrong password is refused and a right one logs in with a strict cookie', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page, 'not the password');
  assert.match(await page.textContent('.error'), /user name or the password is wrong/);
  await logIn(page);
  assert.equal(new URL(page.url()).pathname, '/console/held');
  const cookie = (await context.cookies()).find((c) => c.name === 'rcptguard_session');
  assert.ok(cookie, 'no session cookie');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.match(await page.textContent('main'), new RegExp(heldId));
  if (shots) await page.screenshot({ path: path.join(shots, 'console-held.png'), fullPage: true });
  await context.close();
});

test('a release without a CSRF token, or with a wrong one, is refused and changes nothing', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page);
  assert.equal(new URL(page.url()).pathname, '/console/held', 'not logged in');
  // The browser context's own request client: it sends the session cookie.
  // Every state-changing endpoint, without a token and with a wrong one.
  for (const endpoint of [`/console/held/${heldId}/release`, `/console/held/${heldId}/discard`,
    '/console/exceptions/add', '/console/exceptions/remove', '/console/logout', '/console/login']) {
    for (const form of [{ reason: 'no token', user: 'alice', password: PASSWORD },
      { reason: 'wrong token', user: 'alice', password: PASSWORD, csrf: 'A'.repeat(43) }]) {
      const response = await context.request.post(`${base}${endpoint}`, { form, maxRedirects: 0 });
      assert.equal(response.status(), 403, `POST ${endpoint} with ${JSON.stringify(form)}`);
    }
  }
  // A cross-site form post with the right token but another Origin is refused too.
  const token = await page.getAttribute('form.logout input[name=csrf]', 'value');
  const crossSite = await context.request.post(`${base}/console/held/${heldId}/discard`,
    { form: { reason: 'cross-site', csrf: token }, headers: { Origin: 'https://evil.example' },
      maxRedirects: 0 });
  assert.equal(crossSite.status(), 403, 'a post from another origin');
  // Still logged in: the refused log-out did nothing.
  await page.goto(`${base}/console/held`);
  assert.equal(new URL(page.url()).pathname, '/console/held');
  assert.ok(heldQueue().some((m) => m.queue_id === heldId), 'the message left the hold queue');
  assert.deepEqual(delivered('alice@army.ml'), []);
  await context.close();
});

test('an officer releases the held message; it reaches the sink and the audit log shows it', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page);
  await page.click(`a[href="/console/held/${heldId}"]`);
  const detail = await page.textContent('main');
  assert.match(detail, /alice@army\.ml/, 'the recipient is shown to the reviewer');
  assert.match(detail, /lookalike-domain/);
  assert.match(detail, /alice@army\.mil/, 'the suggestion is shown');
  if (shots) await page.screenshot({ path: path.join(shots, 'console-message.png'), fullPage: true });
  await page.fill('form[action$="/release"] textarea[name=reason]', 'checked with bob: army.ml is right');
  await page.click('form[action$="/release"] button');
  assert.match(await page.textContent('.notice'), new RegExp(`Released ${heldId}`));
  const arrived = await waitFor(() => delivered('alice@army.ml').length > 0);
  assert.ok(arrived, 'the released message did not reach the sink\n' + read('maillog'));
  assert.ok(!heldQueue().some((m) => m.queue_id === heldId), 'still held after release');

  await page.click('a[href="/console/audit"]');
  const row = page.locator('tbody tr', { hasText: heldId });
  assert.equal(await row.count(), 1, 'one audit entry for the message');
  const text = await row.textContent();
  assert.match(text, /alice/);
  assert.match(text, /release/);
  assert.match(text, /checked with bob: army\.ml is right/);
  if (shots) await page.screenshot({ path: path.join(shots, 'console-audit.png'), fullPage: true });

  // A second release of the same message is refused: it is never delivered twice.
  await page.goto(`${base}/console/held/${heldId}`);
  assert.match(await page.textContent('main'), /not in the hold queue/);
  await page.goto(`${base}/console/reports`);
  assert.equal(await page.locator('svg.chart').count(), 1, 'the chart is drawn on the server');
  if (shots) await page.screenshot({ path: path.join(shots, 'console-reports.png'), fullPage: true });
  await context.close();
});

test('an admin adds and removes a per-sender exception; an officer may not', async () => {
  const admin = await browser.newContext();
  const page = await admin.newPage();
  await logIn(page, PASSWORD, 'root-admin');
  await page.click('a[href="/console/exceptions"]');
  await page.fill('form[action$="/add"] input[name=sender]', 'bob@mod.uk');
  await page.fill('form[action$="/add"] input[name=recipient]', 'partner.org');
  await page.fill('form[action$="/add"] input[name=note]', 'a partner since 2024');
  await page.click('form[action$="/add"] button');
  assert.match(await page.textContent('.notice'), /Exception added/);
  const row = page.locator('tbody tr', { hasText: 'partner.org' });
  assert.equal(await row.count(), 1);
  if (shots) await page.screenshot({ path: path.join(shots, 'console-exceptions.png'), fullPage: true });

  // The officer sees it, has no form, and a POST with her valid token is refused.
  const officer = await browser.newContext();
  const officerPage = await officer.newPage();
  await logIn(officerPage);
  await officerPage.goto(`${base}/console/exceptions`);
  assert.match(await officerPage.textContent('main'), /partner\.org/);
  assert.equal(await officerPage.locator('form[action$="/add"]').count(), 0);
  const token = await officerPage.getAttribute('form.logout input[name=csrf]', 'value');
  const refused = await officer.request.post(`${base}/console/exceptions/remove`,
    { form: { csrf: token, sender: 'bob@mod.uk', recipient: 'partner.org' }, maxRedirects: 0 });
  assert.equal(refused.status(), 403, 'an officer removed an exception');
  await officer.close();

  await row.locator('button').click();
  assert.match(await page.textContent('.notice'), /Exception removed/);
  assert.equal(await page.locator('tbody tr', { hasText: 'partner.org' }).count(), 0);
  await page.click('a[href="/console/audit"]');
  const audit = await page.textContent('tbody');
  assert.match(audit, /root-admin.*except.*bob@mod\.uk -> partner\.org.*a partner since 2024/s);
  assert.match(audit, /unexcept/);
  await admin.close();
});
