// Browser-test harness: Debian's chromium driven by playwright-core against a real `shequ serve`
// (started by the API tests' startServer: a fresh demo database, password PASSWORD, the console
// from build/web). Pages collect their script errors and Vue warnings so a test can insist on a
// clean console; screenshots of the main pages go to test-results/screenshots/ (not committed).
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ROOT, PASSWORD, loginAs } from '../api/lib.mjs';

export { startServer, loginAs, run, parseCsv, freshId, idNumber, PASSWORD, ROOT } from '../api/lib.mjs';

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
