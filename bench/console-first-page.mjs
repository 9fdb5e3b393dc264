// console-first-page.mjs: how long the console takes to show the first page of the persons list,
// measured inside chromium with the Performance API, on a running `shequ serve --web` (make bench
// starts one on the 1,000,000-resident demo district).
//
//   warm: signed in, on the home page; a click on 居民 in the side menu (client-side navigation)
//         until the first table row is painted: performance.now() at the click -> a
//         MutationObserver sees the row -> the next animation frame.
//   cold: a full page load of /r/persons in a fresh browser context (empty HTTP cache, the
//         session cookie only): navigation start (performance time origin) -> first row painted.
// References measured in the same run, on the same server:
//   api:  the very request the page made for that list (captured from the page), fetched by node.
//   load: a full load of the sign-in page in a fresh context, navigation start -> load event
//         (the console's own files and start-up, without any data).
// Each figure is the median of RUNS (default 5). Prints what it measures on stderr and, last on
// stdout, one line: "warm_ms=.. cold_ms=.. api_ms=.. load_ms=.. total=.."
//
// usage: node bench/console-first-page.mjs BASE_URL [USERNAME=district_admin] [PASSWORD] [RUNS=5]
import { chromium } from 'playwright-core';

const [base, username = 'district_admin', password = process.env.SHEQU_BENCH_PASSWORD || 'Bench2026pass', runsArg = '5'] = process.argv.slice(2);
if (!base || !/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) {
  console.error('usage: node bench/console-first-page.mjs http://127.0.0.1:PORT [USERNAME] [PASSWORD] [RUNS]');
  process.exit(2);
}
const RUNS = Number(runsArg);
const ROW = '[data-test="list-persons"] .el-table__body tr.el-table__row';
const MENU_PERSONS = 'aside [data-test="menu-persons"]';
const MENU_HOME = "aside .el-menu > li.el-menu-item";
const log = (...a) => console.error(...a);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const ms = (x) => Math.round(x);

const browser = await chromium.launch({
  executablePath: process.env.SHEQU_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const VIEWPORT = { width: 1366, height: 768 };

// In every page: the time the first persons row is in the DOM and then painted, as
// performance.now() (milliseconds since navigation start). Reset by window.__armFirstRow().
const WATCH_ROWS = `(() => {
  const ROW = ${JSON.stringify(ROW)};
  window.__firstRow = null;
  let obs = null;
  window.__armFirstRow = () => {
    window.__firstRow = null;
    if (obs) obs.disconnect();
    obs = new MutationObserver(() => {
      if (window.__firstRow === null && document.querySelector(ROW)) {
        obs.disconnect();
        window.__firstRow = -1;
        requestAnimationFrame(() => { window.__firstRow = performance.now(); });
      }
    });
    obs.observe(document, { childList: true, subtree: true });
  };
  window.__armFirstRow();
})();`;

try {
  // ---- sign in once; the cold runs reuse the session cookie in fresh contexts
  const ctx = await browser.newContext({ viewport: VIEWPORT, baseURL: base });
  await ctx.addInitScript(WATCH_ROWS);
  const page = await ctx.newPage();
  await page.goto('/login');
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.locator('button[type=submit]').click();
  await page.locator(MENU_PERSONS).waitFor({ timeout: 60000 });
  const cookies = await ctx.cookies();

  // the list request the page makes, for the reference fetch
  let listUrl = null;
  page.on('request', (r) => { if (!listUrl && /\/api\/v1\/persons\?/.test(r.url())) listUrl = r.url(); });

  // ---- warm: client-side navigation from the home page
  const warm = [];
  for (let i = 0; i <= RUNS; i++) {
    await page.locator(MENU_HOME).first().click();
    await page.waitForFunction(() => location.pathname === '/');
    await page.locator('[data-test=stat-persons]').waitFor({ timeout: 60000 });
    const took = await page.evaluate(({ menu, row }) => new Promise((resolve, reject) => {
      const link = document.querySelector(menu);
      if (!link) { reject(new Error('no persons menu entry')); return; }
      let t0 = 0;
      const obs = new MutationObserver(() => {
        if (document.querySelector(row)) {
          obs.disconnect();
          requestAnimationFrame(() => resolve(performance.now() - t0));
        }
      });
      obs.observe(document, { childList: true, subtree: true });
      setTimeout(() => { obs.disconnect(); reject(new Error('no row within 30 s')); }, 30000);
      t0 = performance.now();
      link.click();
    }), { menu: MENU_PERSONS, row: ROW });
    if (i > 0) warm.push(took);              // the first one also loads the list's refs and dictionaries
    log(`  warm ${i === 0 ? '(first, not counted)' : i}: ${ms(took)} ms`);
  }

  // ---- cold: full page load of /r/persons in a fresh context
  const cold = [];
  for (let i = 0; i < RUNS; i++) {
    const c = await browser.newContext({ viewport: VIEWPORT, baseURL: base });
    await c.addCookies(cookies);
    await c.addInitScript(WATCH_ROWS);
    const p = await c.newPage();
    await p.goto('/r/persons', { waitUntil: 'commit' });
    await p.waitForFunction(() => window.__firstRow > 0, null, { timeout: 60000, polling: 50 }).catch(async (e) => {
      throw new Error(`cold load ${i + 1}: no row at ${p.url()}: ${(await p.locator('body').innerText()).slice(0, 300)}`, { cause: e });
    });
    const took = await p.evaluate(() => window.__firstRow);
    cold.push(took);
    log(`  cold ${i + 1}: ${ms(took)} ms`);
    await c.close();
  }

  // ---- reference 1: the same list request without the browser
  if (!listUrl) throw new Error('the page made no /api/v1/persons request');
  const cookieHeader = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const api = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = await fetch(listUrl, { headers: { Cookie: cookieHeader, 'Accept-Language': 'zh-CN' } });
    const body = await r.json();
    api.push(performance.now() - t0);
    if (!r.ok) throw new Error(`${listUrl}: ${r.status}`);
    if (i === 0) log(`  list request: ${listUrl.replace(base, '')} -> total ${body.meta && body.meta.total}`);
  }
  log(`  api: ${api.map(ms).join(', ')} ms`);

  // ---- reference 2: a cold load of the sign-in page to its load event
  const load = [];
  for (let i = 0; i < RUNS; i++) {
    const c = await browser.newContext({ viewport: VIEWPORT, baseURL: base });
    const p = await c.newPage();
    await p.goto('/login', { waitUntil: 'load' });
    load.push(await p.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventStart));
    await c.close();
  }
  log(`  sign-in page load event: ${load.map(ms).join(', ')} ms`);
  const total = await page.evaluate(() => (document.querySelector('[data-test="list-total"]') || {}).textContent || '');
  console.log(`warm_ms=${ms(median(warm))} cold_ms=${ms(median(cold))} api_ms=${median(api).toFixed(1)} load_ms=${ms(median(load))} total=${total.replace(/\D/g, '')}`);
} finally {
  await browser.close();
}
