// Browser-test harness: Debian's chromium driven by playwright-core against a real `shequ serve`
// (started by the API tests' startServer: a fresh demo database, password PASSWORD, the console
// from build/web). Pages collect their script errors and Vue warnings so a test can insist on a
// clean console; screenshots of the main pages go to test-results/screenshots/ (not committed).
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, cpSync, rmSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ROOT, PASSWORD, loginAs, startServer as startApiServer } from '../api/lib.mjs';

export { loginAs, run, parseCsv, freshId, idNumber, PASSWORD, ROOT } from '../api/lib.mjs';

// The console the servers serve: a copy of build/web taken once per test file, so that a
// `make web` run meanwhile (which empties build/web first) cannot pull files from under a page.
let consoleCopy = null;
function consoleFiles() {
  if (consoleCopy) return consoleCopy;
  const built = join(ROOT, 'build', 'web');
  // make writes build/web/.built last: wait for a build in progress to finish
  for (let i = 0; i < 200 && !existsSync(join(built, '.built')); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  if (!existsSync(join(built, 'index.html'))) throw new Error(`${built} is empty: run make web`);
  consoleCopy = mkdtempSync(join(tmpdir(), 'shequ-web-'));
  cpSync(built, consoleCopy, { recursive: true });
  process.on('exit', () => rmSync(consoleCopy, { recursive: true, force: true }));
  return consoleCopy;
}

// A real `shequ serve` on a fresh demo database (see tests/api/lib.mjs), serving the console.
export function startServer(opts = {}) {
  return startApiServer({ ...opts, extraArgs: ['--web', consoleFiles(), ...(opts.extraArgs || [])] });
}

export const CHROMIUM = process.env.SHEQU_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run'];
export const LAPTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };
export const SHOTS = join(ROOT, 'test-results', 'screenshots');

// Never skipped: scripts/deps.sh installs chromium, so a missing browser is a failure to report.
export async function launch() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run scripts/deps.sh (installs chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

// A page in its own browser context (own cookies and storage), on the server's origin.
// page.problems collects uncaught errors, console errors and Vue warnings; failed requests are
// left out (a 401 or 422 is often what a test provokes on purpose).
export async function openPage(browser, srv, { viewport = LAPTOP, locale = 'zh-CN' } = {}) {
  const context = await browser.newContext({ viewport, baseURL: srv.base, locale, acceptDownloads: true });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    if (/Failed to load resource/.test(text)) return;
    if (m.type() === 'error' || (m.type() === 'warning' && /\[Vue warn\]/.test(text))) page.problems.push(`${m.type()}: ${text}`);
  });
  return page;
}

export function assertCleanConsole(page) {
  assert.deepEqual(page.problems, [], 'the browser console has errors or Vue warnings');
}

// A new page signed in as `username` (see openPage for the options).
export async function openSignedIn(browser, srv, username, opts) {
  const page = await openPage(browser, srv, opts);
  await signIn(page, username);
  return page;
}

// The end of a test's page: its console must be clean (unless told otherwise), then it closes.
export async function finish(page, { clean = true } = {}) {
  if (clean) assertCleanConsole(page);
  await page.context().close();
}

// Signs in through the login page and waits until the console has left it.
export async function signIn(page, username, password = PASSWORD) {
  await page.goto('/login');
  await fillLogin(page, username, password);
  await waitForPath(page, (path) => !path.startsWith('/login'));
}

// Waits until the page's path satisfies `want` (a path or a predicate). Polls location instead of
// page.waitForURL, which can miss a router redirect made while the page is still loading.
export async function waitForPath(page, want) {
  const ok = typeof want === 'function' ? want : (path) => path === want;
  for (let i = 0; i < 300; i++) {
    if (ok(new URL(page.url()).pathname)) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`still at ${page.url()}`);
}

export async function fillLogin(page, username, password) {
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.locator('button[type=submit]').click();
}

// The dashboard is ready when its figures have arrived.
export async function waitForDashboard(page) {
  await page.locator('[data-test=stat-persons] [data-test=value]').waitFor();
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

// "12,345" as shown -> 12345
export const count = (text) => Number(String(text).replace(/[^\d]/g, ''));

// An API client signed in as `username`, and that user's own unit.
export async function apiAs(srv, username) {
  const c = await loginAs(srv.base, username);
  const me = (await c.get('/api/v1/auth/me')).body.data.user;
  return Object.assign(c, { me });
}

// meta.total of the list a console route shows: /r/<res>?<filters> -> GET /api/v1/<res>?<filters>.
export async function listTotal(client, href) {
  const u = new URL(href, 'http://x');
  const res = u.pathname.replace(/^\/r\//, '');
  u.searchParams.set('per_page', '1');
  const r = await client.get(`/api/v1/${res}?${u.searchParams}`);
  assert.equal(r.status, 200, `${href}: ${JSON.stringify(r.body)}`);
  return r.body.meta.total;
}

// ---- files the console downloads

// The members of a ZIP archive (an XLSX file is one): name -> Buffer. Reads the central directory;
// stored and deflated members only, which is all an XLSX writer uses.
export function unzip(buf) {
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a ZIP archive');
  const files = {};
  let p = buf.readUInt32LE(end + 16);
  for (let n = buf.readUInt16LE(end + 10); n > 0; n--) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad ZIP central directory');
    const method = buf.readUInt16LE(p + 10), size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    files[name] = method === 0 ? data : inflateRawSync(data);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

const xmlText = (s) => s.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
  .replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d))).replace(/&amp;/g, '&');

// The first worksheet of an XLSX file as rows of cell texts (shared and inline strings, numbers).
export function xlsxRows(buf) {
  const files = unzip(buf);
  const shared = files['xl/sharedStrings.xml']
    ? [...files['xl/sharedStrings.xml'].toString('utf8').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => xmlText(m[1].replace(/<rPh[\s\S]*?<\/rPh>/g, '')))
    : [];
  const sheet = files['xl/worksheets/sheet1.xml'];
  if (!sheet) throw new Error(`no first worksheet in ${Object.keys(files).join(', ')}`);
  const col = (ref) => [...ref.replace(/\d+$/, '')].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  return [...sheet.toString('utf8').matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)].map((row) => {
    const cells = [];
    for (const c of row[1].matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[1], body = c[2] || '';
      const ref = /\br="([A-Z]+\d+)"/.exec(attrs);
      const type = (/\bt="(\w+)"/.exec(attrs) || [])[1];
      const v = (/<v>([\s\S]*?)<\/v>/.exec(body) || [])[1];
      let text = '';
      if (type === 's') text = shared[Number(v)] ?? '';
      else if (type === 'inlineStr') text = xmlText((/<is>([\s\S]*?)<\/is>/.exec(body) || [])[1] || '');
      else if (v !== undefined) text = xmlText(v);
      cells[ref ? col(ref[1]) : cells.length] = text;
    }
    return Array.from(cells, (x) => x ?? '');
  });
}

// Saves a download the page starts while `action` runs; answers its file name and contents.
export async function downloadOf(page, action) {
  const [dl] = await Promise.all([page.waitForEvent('download'), action()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), buf: readFileSync(path) };
}

// Picks a unit in an org-unit tree picker (OrgPicker): opens it, unfolds the path of unit names
// from the top and clicks the last one.
export async function pickUnit(page, picker, names) {
  await picker.locator('.el-select__wrapper').click();
  const node = (name) => page.locator('.el-tree-node__content:visible', { has: page.getByText(name, { exact: true }) }).first();
  for (const [i, name] of names.entries()) {
    await node(name).waitFor();
    if (i === names.length - 1) await node(name).locator('.el-tree-node__label, span').filter({ hasText: name }).first().click();
    else if (!(await node(name).locator('.el-tree-node__expand-icon.expanded').count())) await node(name).locator('.el-tree-node__expand-icon').click();
  }
}
