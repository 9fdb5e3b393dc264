// Browser: home elderly care through the console's generic record pages - the 养老服务 menu group,
// the elders list with care level and monthly subsidy, an elder's drawer (categories, masked
// contact phone, history), the assessments list (read-only: assessments come through their own
// route), and enrolment through the form, where the server's under-60 refusal lands under 居民.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, signIn, waitForDashboard, shot, assertCleanConsole, apiAs, freshId } from './lib.mjs';

let srv, browser, admin, worker, elder, grid;

const MAX = { 'B1.1': 4, 'B1.2': 4, 'B1.3': 4, 'B1.4': 4, 'B1.5': 4, 'B1.6': 4, 'B1.7': 4, 'B1.8': 4, 'B2.1': 4, 'B2.2': 4,
  'B2.3': 4, 'B2.4': 3, 'B3.1': 4, 'B3.2': 4, 'B3.3': 4, 'B3.4': 4, 'B3.5': 4, 'B3.6': 4, 'B3.7': 1, 'B3.8': 1, 'B3.9': 2,
  'B4.1': 2, 'B4.2': 2, 'B4.3': 4, 'B4.4': 3, 'B4.5': 4 };

before(async () => {
  srv = await startServer();
  browser = await launch();
  admin = await apiAs(srv, 'district_admin');
  worker = await apiAs(srv, 'community_worker');
  const me = (await worker.get('/api/v1/auth/me')).body.data.user;
  grid = (await worker.get(`/api/v1/org_units?parent_id=${me.org_id}&level=grid`)).body.data[0].id;
  const district = (await admin.get('/api/v1/org_units?code=410105')).body.data[0].id;
  assert.equal((await admin.post('/api/v1/subsidy_rules', { org_id: district, category: 'dibao', kind: 'amount', value: 20000,
    valid_from: '2024-01-01' })).status, 201);
  const p = await worker.post('/api/v1/persons', { name: '页面老人', id_number: freshId({ from: '1946-06-06' }), org_id: grid });
  const e = await worker.post('/api/v1/elders', { person_id: p.body.data.id, categories: ['dibao'], living_situation: 'alone',
    contact1_name: '页面子女', contact1_relation: 'child', contact1_phone: '13912345678' });
  assert.equal(e.status, 201, JSON.stringify(e.body));
  const gw = (await admin.get('/api/v1/users?per_page=50')).body.data.find((u) => u.username === 'grid_worker').id;
  const items = { ...MAX, 'B1.1': 0, 'B1.2': 0, 'B1.3': 0, 'B1.4': 0, 'B1.5': 0, 'B1.6': 0, 'B1.7': 0, 'B1.8': 0, 'B2.1': 0, 'B2.2': 0 };
  const a = await worker.post(`/api/v1/elders/${e.body.data.id}/assessments`, { standard: 'GB/T 42195-2022', reason: 'first',
    assessors: [me.id, gw], items });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  elder = (await worker.get(`/api/v1/elders/${e.body.data.id}`)).body.data;
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('养老服务 in the menu; the elders list shows care level and monthly subsidy; the drawer shows categories, a masked phone and the history', async () => {
  assert.equal(elder.care_level, '2');
  const page = await openPage(browser, srv);
  await signIn(page, 'community_worker');
  await waitForDashboard(page);
  assert.match(await page.locator('aside nav').innerText(), /养老服务/);
  await page.locator('aside [data-test="menu-elders"]').click();
  await page.waitForFunction(() => location.pathname === '/r/elders');
  const row = page.locator('.el-table__row', { hasText: '页面老人' });
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /中度失能/);
  assert.match(text, /200\.00/, 'the subsidy in yuan');
  assert.match(text, /低保/);
  await shot(page, 'elders-list');
  await row.locator('[data-test=row-view]').click();
  const drawer = page.locator('[data-test=drawer-elders]');
  await drawer.locator('.el-tabs').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-test=drawer-elders]')?.innerText.includes('139****5678'));
  const detail = await drawer.innerText();
  assert.match(detail, /页面子女/);
  assert.doesNotMatch(detail, /13912345678/, 'masked until shown');
  assert.match(detail, /独居/);
  assert.match(detail, /低保/);
  assert.match(detail, /高龄（80周岁以上）/, 'the age category came by itself');
  await page.waitForTimeout(400);                 // the chips fade in
  await shot(page, 'elder-drawer');
  assertCleanConsole(page);
  await page.context().close();
});

test('the assessments list shows the level; it has no 新建 button, and another community sees none of it', async () => {
  const page = await openPage(browser, srv);
  await signIn(page, 'community_worker');
  await page.goto(`/r/assessments?elder_id=${elder.id}`);
  const row = page.locator('.el-table__row', { hasText: '中度失能' });
  await row.waitFor();
  assert.equal(await page.locator('[data-test=create]').count(), 0);
  await shot(page, 'assessments-list');
  assertCleanConsole(page);
  await page.context().close();
  const other = await openPage(browser, srv);
  await signIn(other, 'community_worker2');
  await other.goto(`/r/assessments?elder_id=${elder.id}`);
  await other.locator('.el-table__empty-text').waitFor();
  await other.context().close();
});

test('enrolling through the form: an under-60 resident is refused under 居民 with the age; a 60+ resident is enrolled', async () => {
  const young = await worker.post('/api/v1/persons', { name: '年轻居民甲', id_number: freshId({ from: '1980-03-03' }), org_id: grid });
  const old = await worker.post('/api/v1/persons', { name: '年长居民乙', id_number: freshId({ from: '1950-03-03' }), org_id: grid });
  assert.equal(young.status, 201);
  assert.equal(old.status, 201);
  const page = await openPage(browser, srv);
  await signIn(page, 'community_worker');
  await page.goto('/r/elders');
  await page.locator('[data-test=create]').click();
  const form = page.locator('[data-test=form-elders]');
  const pick = async (name) => {
    await form.locator('[data-test=field-person_id] .el-select__wrapper').click();
    await page.keyboard.type(name);
    await page.locator('.el-select-dropdown__item:visible', { hasText: name }).click();
  };
  await pick('年轻居民甲');
  const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/elders') && r.status() === 422);
  await form.locator('[data-test=form-save]').click();
  await refused;
  const err = form.locator('[data-test=field-person_id] .el-form-item__error');
  await err.waitFor();
  assert.match(await err.innerText(), /未满60周岁（现年 \d+ 岁）/);
  await shot(page, 'elder-form-under-60');
  await pick('年长居民乙');
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/elders') && r.status() === 201);
  await form.locator('[data-test=form-save]').click();
  await saved;
  const list = await worker.get(`/api/v1/elders?person_id=${old.body.data.id}`);
  assert.equal(list.body.meta.total, 1);
  assertCleanConsole(page);
  await page.context().close();
});
