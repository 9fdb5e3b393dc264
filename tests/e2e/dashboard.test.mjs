// Browser: the home dashboard. Every number on it equals GET /api/v1/stats/summary for the unit in
// the top bar and the total of the list it links to; the charts' bars lead on (a sub-unit becomes
// the current unit, a pyramid bar opens that band's residents); a community worker sees only
// their own community, whatever unit the browser remembers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launch, waitForDashboard, shot, apiAs, listTotal, count, PHONE, openSignedIn, finish,
} from './lib.mjs';

let srv, browser, admin, worker, worker2;

before(async () => {
  srv = await startServer();
  browser = await launch();
  admin = await apiAs(srv, 'district_admin');
  worker = await apiAs(srv, 'community_worker');
  worker2 = await apiAs(srv, 'community_worker2');
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const summary = async (client, orgId) => (await client.get(`/api/v1/stats/summary?org_id=${orgId}`)).body.data;

// The cards shown: data-test name -> { value, href }.
async function cards(page) {
  return page.locator('[data-test^="stat-"], [data-test^="tag-"]').evaluateAll((els) => Object.fromEntries(els.map((e) => [
    e.dataset.test, { value: e.querySelector('[data-test=value]').textContent, href: e.getAttribute('href') }])));
}

// Each card against the summary, and against the total of the list behind its link.
async function checkCards(page, client, s) {
  const shown = await cards(page);
  const expected = {
    'stat-households': s.households, 'stat-persons': s.persons,
    'stat-aged-60': s.aged_60, 'stat-aged-80': s.aged_80, 'stat-aged-100': s.aged_100,
  };
  for (const [level, n] of Object.entries(s.units)) if (level !== 'district' && level !== 'city') expected[`stat-${level}`] = n;
  for (const g of s.tags) expected[`tag-${g.code}`] = g.persons;
  assert.deepEqual(Object.keys(shown).sort(), Object.keys(expected).sort(), 'the cards shown');
  for (const [name, n] of Object.entries(expected)) {
    assert.equal(count(shown[name].value), n, `${name} shows the summary's number`);
    assert.equal(await listTotal(client, shown[name].href), n, `${name} links to ${shown[name].href}, a list of as many`);
  }
}

// Clicks a bar of an ECharts chart at [value, category index] (a horizontal bar), at the spot
// the chart itself computes for that value; the locator scrolls the chart into view first.
const ANIMATION_MS = 600;   // the charts animate for 300 ms
async function clickBar(page, selector, seriesIndex, value, index) {
  await page.waitForFunction(async (sel) => {
    const echarts = await import('/lib/echarts.js');
    const el = document.querySelector(sel);
    return !!(el && echarts.getInstanceByDom(el));
  }, selector);
  await page.waitForTimeout(ANIMATION_MS);   // a bar just redrawn grows into place: click it once it is there
  const [x, y] = await page.evaluate(async ({ sel, seriesIndex, point }) => {
    const echarts = await import('/lib/echarts.js');
    return echarts.getInstanceByDom(document.querySelector(sel)).convertToPixel({ seriesIndex }, point);
  }, { sel: selector, seriesIndex, point: [value, index] });
  await page.locator(selector).click({ position: { x, y } });
}

test('district: every card equals the summary and the list it links to', async () => {
  const page = await openSignedIn(browser, srv, 'district_admin');
  await waitForDashboard(page);
  await shot(page, 'dashboard');
  await checkCards(page, admin, await summary(admin, admin.me.org_id));
  await finish(page);
});

test('a card opens its list; clicking a sub-unit bar makes it the current unit; a pyramid bar opens that band', async () => {
  const page = await openSignedIn(browser, srv, 'district_admin');
  await waitForDashboard(page);
  const district = await summary(admin, admin.me.org_id);

  // a sub-unit bar: the second street, clicked in the middle of its bar
  const street = district.children[1];
  await clickBar(page, '[data-test=children-chart]', 0, street.persons / 2, 1);
  await page.locator('h1.page-title', { hasText: street.name }).waitFor();
  await page.locator('[data-test=org-picker].el-select', { hasText: street.name }).waitFor();
  await page.waitForFunction((n) => document.querySelector('[data-test=stat-persons] [data-test=value]').textContent.replace(/\D/g, '') === String(n), street.persons);
  const s = await summary(admin, street.id);
  await checkCards(page, admin, s);

  // the same through the table view, keyboard-reachable: a community of this street
  await page.locator('[data-test=children-table]').click();
  const community = s.children[0];
  await page.getByRole('button', { name: community.name, exact: true }).click();
  await page.locator('h1.page-title', { hasText: community.name }).waitFor();
  await page.waitForFunction((n) => document.querySelector('[data-test=stat-persons] [data-test=value]').textContent.replace(/\D/g, '') === String(n), community.persons);

  // a pyramid bar: women of the fullest band
  const c = await summary(admin, community.id);
  const band = c.pyramid.bands.reduce((best, b, i) => (b['2'] > c.pyramid.bands[best]['2'] ? i : best), 0);
  await clickBar(page, '[data-test=pyramid]', 1, c.pyramid.bands[band]['2'] / 2, band);
  await page.waitForFunction(() => location.pathname === '/r/persons');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('gender'), '2');
  assert.equal(url.searchParams.get('org_id'), String(community.id));
  assert.equal(await listTotal(admin, url.pathname + url.search), c.pyramid.bands[band]['2']);

  // back home, a card opens its list
  await page.goBack();
  await waitForDashboard(page);
  await page.locator('[data-test=stat-aged-80]').click();
  await page.waitForFunction(() => location.pathname === '/r/persons');
  const aged = new URL(page.url());
  assert.equal(aged.searchParams.get('birth_date__lte'), c.cutoffs.aged_80);
  assert.equal(await listTotal(admin, aged.pathname + aged.search), c.aged_80);
  await finish(page);
});

test('community worker: numbers equal the API\'s, the unit picker holds only their community, nothing of another community shows', async () => {
  const mine = await summary(worker, worker.me.org_id);
  const other = worker2.me;
  const page = await openSignedIn(browser, srv, 'community_worker');
  await waitForDashboard(page);
  await shot(page, 'dashboard-community');
  await checkCards(page, worker, mine);
  assert.doesNotMatch(await page.locator('#app').innerText(), new RegExp(other.org_name));

  // the picker's tree: their community and its grids, nothing else
  await page.locator('[data-test=org-picker].el-select').click();
  const tree = page.locator('.el-tree[data-test=org-picker]');
  await tree.locator('.el-tree-node__content', { hasText: worker.me.org_name }).waitFor();
  await tree.locator('.el-tree-node__expand-icon').first().click();
  const grids = (await worker.get(`/api/v1/org_units?parent_id=${worker.me.org_id}&per_page=100`)).body.data.map((u) => u.name);
  await tree.locator('.el-tree-node__content', { hasText: grids[0] }).waitFor();
  const names = (await tree.locator('.el-tree-node__content').allTextContents()).map((t) => t.trim());
  assert.deepEqual(names.sort(), [worker.me.org_name, ...grids].sort());
  await page.keyboard.press('Escape');

  // a unit remembered in the browser (here: planted) that they may not see falls back to their own
  await page.evaluate(({ user, org }) => sessionStorage.setItem('shequ.org', JSON.stringify({ user, org })),
    { user: worker.me.id, org: { id: other.org_id, name: other.org_name, level: 'community' } });
  await page.reload();
  await waitForDashboard(page);
  await page.locator('h1.page-title', { hasText: worker.me.org_name }).waitFor();
  assert.equal(count(await page.locator('[data-test=stat-persons] [data-test=value]').textContent()), mine.persons);
  await page.waitForTimeout(300);
  assert.doesNotMatch(await page.locator('h1.page-title').textContent(), new RegExp(other.org_name));
  await finish(page, { clean: false });
});

test('the dashboard fits a 390-pixel phone: cards two abreast, charts full width', async () => {
  const page = await openSignedIn(browser, srv, 'street_admin', { viewport: PHONE });
  await waitForDashboard(page);
  await page.locator('[data-test=pyramid] canvas').waitFor();
  await shot(page, 'dashboard-phone');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `no sideways scrolling (page is ${width}px wide)`);
  const a = await page.locator('[data-test=stat-households]').boundingBox();
  const b = await page.locator('[data-test=stat-persons]').boundingBox();
  assert.equal(Math.round(a.y), Math.round(b.y), 'two cards in a row');
  const chart = await page.locator('[data-test=pyramid]').boundingBox();
  assert.ok(chart.width > PHONE.width - 60, `the pyramid spans the screen (${chart.width}px)`);
  await finish(page);
});
