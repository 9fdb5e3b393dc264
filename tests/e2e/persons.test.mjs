// Browser: a day's work on the residents list - filter by community and tag; add a resident whose
// ID number is wrong, see the error at the field, correct it and save; find them by search; export
// the current filter and read the files (CSV parsed, XLSX unzipped); import a file with one bad row
// and see that row reported, then import the corrected file. And a community worker never sees
// another community's residents anywhere in the console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launch, shot, apiAs, count, freshId, parseCsv, xlsxRows, unzip, downloadOf, pickUnit, PHONE, openSignedIn, finish,
} from './lib.mjs';

let srv, browser, admin, worker, worker2;
let labels;            // persons field name -> Chinese label, from /meta

before(async () => {
  srv = await startServer();
  browser = await launch();
  admin = await apiAs(srv, 'district_admin');
  worker = await apiAs(srv, 'community_worker');
  worker2 = await apiAs(srv, 'community_worker2');
  const meta = (await admin.get('/api/v1/meta')).body.data.resources.find((r) => r.name === 'persons');
  labels = Object.fromEntries(meta.fields.map((f) => [f.name, f.label_zh]));
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const ROWS = '[data-test=list-persons] .el-table__body tr.el-table__row';
const rows = (page) => page.locator(ROWS);
const shownTotal = async (page) => count(await page.locator('[data-test=list-total]').textContent());

// Waits until the list shows `n` in all (after a filter or search has been applied).
async function waitForTotal(page, n) {
  await page.waitForFunction((want) => {
    const el = document.querySelector('[data-test=list-total]');
    return el && el.textContent.replace(/\D/g, '') === String(want);
  }, n);
}
async function openList(page, query = '') {
  await page.goto(`/r/persons${query}`);
  await page.locator('[data-test=list-total]').waitFor();
}
async function search(page, text) {
  const box = page.locator('input[data-test=list-search], [data-test=list-search] input').first();
  await box.fill(text);
  await box.press('Enter');
  await page.waitForFunction((q) => new URLSearchParams(location.search).get('q') === q, text);
}
const apiTotal = async (client, query) => (await client.get(`/api/v1/persons?${query}&per_page=1`)).body.meta.total;

test('filter residents by community (unit tree) and tag: the list holds exactly those people', async () => {
  const community = worker.me;
  const street = (await admin.get(`/api/v1/org_units/${(await admin.get(`/api/v1/org_units/${community.org_id}`)).body.data.parent_id}`)).body.data;
  const tags = (await admin.get(`/api/v1/stats/summary?org_id=${community.org_id}`)).body.data.tags;
  const tag = tags.reduce((a, b) => (b.persons > a.persons ? b : a));
  const page = await openSignedIn(browser, srv, 'district_admin');
  await openList(page);
  await shot(page, 'persons-list');

  await pickUnit(page, page.locator('[data-test=filter-org_id]'), [admin.me.org_name, street.name, community.org_name]);
  await page.waitForFunction((id) => new URLSearchParams(location.search).get('org_id') === String(id), community.org_id);
  await page.locator('[data-test=filter-tags] .el-select__wrapper').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: tag.label_zh }).first().click();
  await page.keyboard.press('Escape');
  await page.waitForFunction((code) => new URLSearchParams(location.search).get('tags') === code, tag.code);

  const want = await apiTotal(admin, `org_id=${community.org_id}&tags=${tag.code}`);
  assert.ok(want > 0, 'the demo community has people with that tag');
  await waitForTotal(page, want);
  const texts = await rows(page).allTextContents();
  assert.equal(texts.length, Math.min(want, 20));
  for (const t of texts) {
    assert.ok(t.includes(tag.label_zh), `a row without the tag: ${t}`);
    assert.ok(t.includes(community.org_name), `a row of another unit: ${t}`);
  }
  await shot(page, 'persons-filtered');
  await finish(page);
});

test('a new resident with a wrong ID number: the error shows at the field; corrected, saved, then found by search', async () => {
  const page = await openSignedIn(browser, srv, 'community_worker');
  await openList(page);
  const before = await shownTotal(page);
  await page.locator('[data-test=create]').click();
  const form = page.locator('[data-test=form-persons]');
  await form.locator('[data-test=field-name] input').waitFor();
  const good = freshId({ from: '1948-07-01' });
  const wrong = good.slice(0, 17) + (good[17] === '3' ? '4' : '3');
  await form.locator('[data-test=field-name] input').fill('检索测试人');
  await form.locator('[data-test=field-id_number] input').fill(wrong);
  await pickUnit(page, form.locator('[data-test=field-org_id]'), [worker.me.org_name]);
  await form.locator('[data-test=form-save]').click();
  const error = form.locator('[data-test=field-id_number] .el-form-item__error');
  await error.waitFor();
  assert.match(await error.textContent(), /校验位/);
  await shot(page, 'person-form-error');

  await form.locator('[data-test=field-id_number] input').fill(good);
  await form.locator('[data-test=form-save]').click();
  await form.waitFor({ state: 'hidden' });
  await waitForTotal(page, before + 1);

  // found by name, and by the full ID number (the list shows it masked)
  await search(page, '检索测试人');
  await waitForTotal(page, 1);
  assert.match(await rows(page).first().textContent(), /检索测试人/);
  await search(page, good);
  await waitForTotal(page, 1);
  const row = await rows(page).first().textContent();
  assert.match(row, /检索测试人/);
  assert.ok(!row.includes(good), 'the ID number is masked in the list');
  await rows(page).first().locator('[data-test=row-view]').click();
  await page.locator('[data-test=drawer-persons]').getByText('检索测试人').first().waitFor();
  assert.equal(await apiTotal(worker, `q=${good}`), 1);
  await finish(page);
});

test('export of the current filter: the CSV parses to the list\'s rows, the XLSX holds the same sheet', async () => {
  const tag = 'party_member';
  const want = await apiTotal(worker, `tags=${tag}`);
  assert.ok(want > 0);
  const page = await openSignedIn(browser, srv, 'community_worker');
  await openList(page, `?tags=${tag}`);
  await waitForTotal(page, want);

  const exportAs = async (format) => downloadOf(page, async () => {
    await page.locator('[data-test=export]').click();
    await page.locator(`[data-test=export-${format}]:visible`).click();
  });
  const csv = await exportAs('csv');
  assert.match(csv.name, /\.csv$/);
  const table = parseCsv(csv.buf.toString('utf8').replace(/^\ufeff/, '')).filter((r) => r.some((c) => c !== ''));
  const head = table[0];
  assert.ok(head.includes(labels.name) && head.includes(labels.id_number), `header: ${head}`);
  assert.equal(table.length - 1, want, 'one line per resident of the filter');
  const nameCol = head.indexOf(labels.name);
  const apiNames = (await worker.get(`/api/v1/persons?tags=${tag}&per_page=500`)).body.data.map((p) => p.name).sort();
  assert.deepEqual(table.slice(1).map((r) => r[nameCol]).sort(), apiNames);
  const tagCol = head.indexOf(labels.tags);
  for (const r of table.slice(1)) assert.match(r[tagCol], /党员/);

  const xlsx = await exportAs('xlsx');
  assert.match(xlsx.name, /\.xlsx$/);
  assert.ok(unzip(xlsx.buf)['[Content_Types].xml'], 'an Office Open XML package');
  const sheet = xlsxRows(xlsx.buf).filter((r) => r.some((c) => c !== ''));
  assert.deepEqual(sheet[0], head);
  assert.equal(sheet.length, table.length);
  assert.deepEqual(sheet.slice(1).map((r) => r[nameCol]).sort(), apiNames);
  await finish(page, { clean: false });
});

test('an import file with one bad row: the check reports that row and field and imports nothing; the corrected file imports', async () => {
  const grid = (await worker.get(`/api/v1/org_units?parent_id=${worker.me.org_id}&level=grid&per_page=1`)).body.data[0];
  const ids = [freshId({ from: '1955-02-01' }), freshId({ from: '1955-02-01' }), freshId({ from: '1955-02-01' })];
  const bad = ids[1].slice(0, 17) + (ids[1][17] === '5' ? '6' : '5');
  const file = (second) => Buffer.from('\ufeff' + [
    [labels.name, labels.id_number, labels.org_id].join(','),
    ['导入甲', ids[0], grid.code].join(','),
    ['导入乙', second, grid.code].join(','),
    ['导入丙', ids[2], grid.code].join(','),
  ].join('\r\n') + '\r\n');
  const before = await apiTotal(worker, 'q=导入');

  const page = await openSignedIn(browser, srv, 'community_worker');
  await openList(page);
  await page.locator('[data-test=import]').click();
  const dialog = page.locator('.import-dialog');
  await dialog.locator('[data-test=import-file] input[type=file]').setInputFiles({ name: '居民导入.csv', mimeType: 'text/csv', buffer: file(bad) });
  await dialog.locator('[data-test=import-check]').click();
  const result = dialog.locator('[data-test=import-result]');
  await result.waitFor();
  const errors = dialog.locator('[data-test=import-errors] .el-table__body tr');
  await errors.first().waitFor();
  assert.equal(await errors.count(), 1, 'exactly one error reported');
  const line = await errors.first().textContent();
  assert.equal((await errors.first().locator('td').first().textContent()).trim(), '3', 'the bad row: line 3 of the file');
  assert.ok(line.includes(labels.id_number), `the field named: ${line}`);
  assert.ok(await dialog.locator('[data-test=import-commit]').isDisabled(), 'nothing to commit while a row is bad');
  await shot(page, 'import-bad-row');
  assert.equal(await apiTotal(worker, 'q=导入'), before, 'the check imported nothing');

  await dialog.locator('[data-test=import-file] input[type=file]').setInputFiles({ name: '居民导入.csv', mimeType: 'text/csv', buffer: file(ids[1]) });
  await dialog.locator('[data-test=import-check]').click();
  await page.waitForFunction(() => {
    const b = document.querySelector('.import-dialog [data-test=import-commit]');
    return b && !b.disabled;
  });
  await dialog.locator('[data-test=import-commit]').click();
  for (let i = 0; i < 100 && (await apiTotal(worker, 'q=导入')) !== before + 3; i++) await page.waitForTimeout(100);
  assert.equal(await apiTotal(worker, 'q=导入'), before + 3);
  for (const id of ids) assert.equal(await apiTotal(worker, `q=${id}`), 1);
  await finish(page, { clean: false });
});

test('a community worker never sees another community\'s residents: list, search by ID number, links naming that community', async () => {
  const other = worker2.me;
  const stranger = (await worker2.get('/api/v1/persons?per_page=1')).body.data[0];
  const strangerId = (await worker2.get(`/api/v1/persons/${stranger.id}?unmask=1`)).body.data.id_number;
  const mine = await apiTotal(worker, `org_id=${worker.me.org_id}`);

  const page = await openSignedIn(browser, srv, 'community_worker', { viewport: PHONE });
  await openList(page);
  await waitForTotal(page, mine);
  await shot(page, 'persons-list-phone');
  assert.ok(mine < await apiTotal(admin, 'status=active'), 'the district has more people than the community');
  assert.doesNotMatch(await page.locator('#app').innerText(), new RegExp(other.org_name));

  await search(page, strangerId);
  await waitForTotal(page, 0);
  assert.equal(await rows(page).count(), 0);
  assert.doesNotMatch(await page.locator('#app').innerText(), new RegExp(stranger.name));

  await page.goto(`/r/persons?org_id=${other.org_id}`);
  await page.waitForTimeout(500);
  assert.equal(await rows(page).count(), 0, 'a link naming another community shows nobody');
  const text = await page.locator('#app').innerText();
  assert.doesNotMatch(text, new RegExp(stranger.name));

  // nor their households, by the same kind of link
  await page.goto(`/r/households?org_id=${other.org_id}`);
  await page.locator('[data-test=list-total]').waitFor();
  await page.waitForTimeout(500);
  assert.equal(await page.locator('[data-test=list-households] .el-table__body tr.el-table__row').count(), 0);

  // nor by opening their record's drawer by id (?view=<id>)
  await page.goto(`/r/persons?view=${stranger.id}`);
  await page.locator('[data-test=drawer-persons]').waitFor();
  await page.waitForTimeout(500);
  const drawer = await page.locator('[data-test=drawer-persons]').innerText();
  assert.doesNotMatch(drawer, new RegExp(stranger.name), 'the drawer shows nothing of a person outside the unit');
  assert.match(drawer, /不存在|无权|not found/i, drawer.slice(0, 200));
  const own = (await worker.get('/api/v1/persons?per_page=1')).body.data[0];
  await page.goto(`/r/persons?view=${own.id}`);
  await page.locator('[data-test=drawer-persons]', { hasText: own.name }).waitFor();

  // the same through the API the console uses
  assert.equal((await worker.get(`/api/v1/persons/${stranger.id}`)).status, 404);
  await finish(page, { clean: false });
});
