// Browser: the record form and detail drawer. The console's own checks (web/src/validate.js) give
// the server's answer for ID numbers and phones; a wrong ID number is marked under 证件号码 before
// anything is sent, and what only the server knows (address codes) comes back under the same
// field; a stale edit is explained and reloaded; masked numbers are shown only to those permitted,
// and each showing is in the audit log; a household drawer lists its members with the head marked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, signIn, shot, assertCleanConsole, apiAs, freshId, idNumber, PHONE } from './lib.mjs';

let srv, browser, admin, worker;

before(async () => {
  srv = await startServer();
  browser = await launch();
  admin = await apiAs(srv, 'district_admin');
  worker = await apiAs(srv, 'community_worker');
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const fieldError = (page, name) => page.locator(`[data-test=form-persons] [data-test=field-${name}] .el-form-item__error`);

async function openCreateForm(page) {
  await page.goto('/r/persons');
  await page.locator('[data-test=create]').click();
  await page.locator('[data-test=form-persons] [data-test=field-name] input').waitFor();
}

async function openDrawer(page, res, q) {
  await page.goto(`/r/${res}?q=${encodeURIComponent(q)}`);
  await page.locator('[data-test=row-view]').first().click();
  await page.locator(`[data-test=drawer-${res}] .el-tabs`).waitFor();
}

test('the console checks ID numbers and phones exactly as the server does', async () => {
  const page = await openPage(browser, srv);
  await signIn(page, 'district_admin');
  const good = idNumber('410105', '19800101', 7);
  const ids = [good, good.slice(0, 17) + (good[17] === '0' ? '1' : '0'), good.toLowerCase(), idNumber('410105', '19800101', 8).replace('X', 'x'),
    '41010580010107' + '1', '4101051980010', '41010519800101007A', '4101051980023000' + '12', idNumber('410105', '20991231', 1),
    idNumber('410105', '18491231', 1), idNumber('410171', '19800101', 1), `  ${good}  `, 'abcdefghijklmnopqr', ''];
  const phones = ['13812345678', '138 1234 5678', '+86 138-1234-5678', '008613812345678', '0371-6712345', '(0371)67123456',
    '010-12345678', '12345678901', '0211234567', '+1 2025550100', '0371-671234', '1381234567', '019-12345678', 'abc'];
  const client = await page.evaluate(async ({ ids, phones }) => {
    const v = await import('/src/validate.js');
    return {
      ids: ids.map((s) => (s.trim() ? v.parseIdNumber(s).code || null : 'empty')),
      phones: phones.map((s) => (v.normalizePhone(s) ? null : 'phone_format')),
    };
  }, { ids, phones });
  // the server's verdict per value: a create that fails anyway (no name) still checks each field
  for (const [i, s] of ids.entries()) {
    if (!s.trim()) continue;
    const r = await admin.post('/api/v1/persons', { id_number: s });
    assert.equal(r.status, 422);
    assert.equal(client.ids[i], r.body.error.field_codes.id_number || null, `ID number "${s}"`);
  }
  for (const [i, s] of phones.entries()) {
    const r = await admin.post('/api/v1/persons', { phone: s });
    assert.equal(client.phones[i], r.body.error.field_codes.phone || null, `phone "${s}"`);
  }
  assertCleanConsole(page);
  await page.context().close();
});

test('a wrong ID number is marked under 证件号码 before sending; the server\'s refusal lands there too; corrected, the person is saved', async () => {
  const page = await openPage(browser, srv);
  await signIn(page, 'community_worker');
  await openCreateForm(page);
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/persons')) posts.push(r); });
  const good = freshId({ female: true, from: '1961-03-02' });
  const form = page.locator('[data-test=form-persons]');
  await form.locator('[data-test=field-name] input').fill('表单测试');
  await form.locator('[data-test=field-id_number] input').fill(good.slice(0, 17) + (good[17] === '1' ? '2' : '1'));
  await form.locator('[data-test=field-org_id] .el-select__wrapper').click();
  await page.locator('.el-tree-node__content:visible').first().click();
  await form.locator('[data-test=form-save]').click();
  await fieldError(page, 'id_number').waitFor();
  assert.equal(await fieldError(page, 'id_number').textContent(), '身份证号校验位错误');
  assert.equal(posts.length, 0, 'nothing is sent while the form has errors');
  await shot(page, 'form-person-invalid-id');

  // a well-formed number with an address code that never existed: only the server knows
  const unknownPlace = idNumber('990105', '19610302', 0);
  await form.locator('[data-test=field-id_number] input').fill(unknownPlace);
  const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/persons') && r.status() === 422);
  await form.locator('[data-test=form-save]').click();
  await refused;
  await fieldError(page, 'id_number').waitFor();
  assert.equal(await fieldError(page, 'id_number').textContent(), '身份证号中的地址码不存在');

  // corrected: birth date and gender follow from the number, Enter saves
  await form.locator('[data-test=field-id_number] input').fill(good.toLowerCase());
  assert.equal(await form.locator('[data-test=field-birth_date] input').inputValue(), '1961-03-02');
  await form.locator('[data-test=field-name] input').press('Enter');
  await page.locator('.el-message--success', { hasText: '已新建' }).waitFor();
  await form.waitFor({ state: 'hidden' });
  const found = await worker.get(`/api/v1/persons?q=${good}`);
  assert.equal(found.body.meta.total, 1);
  assert.equal(found.body.data[0].name, '表单测试');
  assert.equal(found.body.data[0].gender, '2');
  assertCleanConsole(page);
  await page.context().close();
});

test('an edit over a version someone else saved meanwhile is explained, and 重新加载 brings the new version into the form', async () => {
  const id = freshId({ from: '1972-05-06' });
  const org = (await worker.get('/api/v1/org_units?level=grid&per_page=1')).body.data[0].id;
  const created = await worker.post('/api/v1/persons', { name: '冲突测试', id_number: id, org_id: org });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const page = await openPage(browser, srv);
  await signIn(page, 'community_worker');
  await openDrawer(page, 'persons', id);
  await page.locator('[data-test=drawer-edit]').click();
  const form = page.locator('[data-test=form-persons]');
  await form.locator('[data-test=field-address] textarea').fill('我填写的地址');
  const other = await admin.patchFresh(`/api/v1/persons/${created.body.data.id}`, { note: '别人的修改' });
  assert.equal(other.status, 200);
  await form.locator('[data-test=form-save]').click();
  await form.locator('[data-test=form-stale]').waitFor();
  await shot(page, 'form-person-stale');
  await form.locator('[data-test=form-reload]').click();
  await form.locator('[data-test=form-stale]').waitFor({ state: 'detached' });
  assert.equal(await form.locator('[data-test=field-note] textarea').inputValue(), '别人的修改');
  assert.equal(await form.locator('[data-test=field-address] textarea').inputValue(), '', 'nothing typed on the old version survives');
  await form.locator('[data-test=field-address] textarea').fill('我填写的地址');
  await form.locator('[data-test=form-save]').click();
  await page.locator('.el-message--success', { hasText: '已保存' }).waitFor();
  const now = (await worker.get(`/api/v1/persons/${created.body.data.id}`)).body.data;
  assert.equal(now.address, '我填写的地址');
  assert.equal(now.note, '别人的修改');
  // the drawer shows the saved state and its history names both changes
  await page.locator('[data-test=drawer-persons] .el-tabs__item', { hasText: '变更记录' }).click();
  const history = page.locator('[data-test=history-persons]');
  await history.getByText('我填写的地址').waitFor();
  await history.getByText('别人的修改').waitFor();
  assertCleanConsole(page);
  await page.context().close();
});

test('显示 reveals a masked number for those permitted and is audited; a grid worker without the permission has no such button', async () => {
  const page = await openPage(browser, srv);
  await signIn(page, 'district_admin');
  const person = (await admin.get('/api/v1/persons?per_page=1&phone__null=0')).body.data[0];
  await openDrawer(page, 'persons', person.name);
  const value = page.locator('[data-test=value-id_number]');
  const masked = await value.textContent();
  assert.match(masked, /\*{4,}/);
  const before = (await admin.get(`/api/v1/audit_log?action=unmask&record_id=${person.id}`)).body.meta.total;
  await page.locator('[data-test=unmask-id_number]').click();
  await page.waitForFunction((m) => !document.querySelector('[data-test=value-id_number]').textContent.includes('*'), masked);
  const full = (await admin.get(`/api/v1/persons/${person.id}?unmask=1`)).body.data;
  assert.equal((await value.textContent()).length, full.id_number.length);
  await page.locator('[data-test=unmask-phone]').click();      // same record: one audited read serves both
  await page.waitForFunction(() => !document.querySelector('[data-test=value-phone]').textContent.includes('*'));
  const after = (await admin.get(`/api/v1/audit_log?action=unmask&record_id=${person.id}`)).body.meta.total;
  assert.equal(after - before, 2, 'the page\'s read and this test\'s read are both audited');
  await shot(page, 'drawer-person-unmasked');
  await page.context().close();

  const grid = await openPage(browser, srv, { viewport: PHONE });
  await signIn(grid, 'grid_worker');
  await grid.goto('/r/persons');
  await grid.locator('[data-test=row-view]').first().click();
  await grid.locator('[data-test=drawer-persons] [data-test=value-id_number]').waitFor();
  assert.equal(await grid.locator('[data-test^=unmask-]').count(), 0);
  assert.match(await grid.locator('[data-test=value-id_number]').textContent(), /\*{4,}/);
  await shot(grid, 'drawer-person-phone');
  assertCleanConsole(grid);
  await grid.context().close();
});

test('a household drawer lists the members by name with the head marked, and a member is added through the form', async () => {
  const hh = (await worker.get('/api/v1/households?per_page=50')).body.data.find((h) => h.member_count >= 2);
  const head = (await worker.get(`/api/v1/persons/${hh.head_person_id}`)).body.data;
  const org = hh.org_id;
  const newcomer = await worker.post('/api/v1/persons', { name: '新成员测试', id_number: freshId({ from: '1990-01-01' }), org_id: org });
  assert.equal(newcomer.status, 201);
  const page = await openPage(browser, srv);
  await signIn(page, 'community_worker');
  await openDrawer(page, 'households', hh.hh_number);
  await page.locator('[data-test=drawer-households] .el-tabs__item', { hasText: '成员' }).click();
  const members = page.locator('[data-test=household-members]');
  await members.locator(`[data-test=member-${head.id}]`).waitFor();
  const headRow = members.locator('.el-table__row', { has: page.locator(`[data-test=member-${head.id}]`) });
  assert.match(await headRow.textContent(), /户主/);
  assert.equal(await members.locator('.el-table__row').count(), hh.member_count);

  await members.locator('[data-test=member-add]').click();
  const form = page.locator('[data-test=form-household_members]');
  await form.locator('[data-test=field-person_id] .el-select__wrapper').click();
  await page.keyboard.type('新成员测试');
  await page.locator('.el-select-dropdown__item:visible', { hasText: '新成员测试' }).click();
  await form.locator('[data-test=field-relation] .el-select__wrapper').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '其他' }).click();
  await form.locator('[data-test=form-save]').click();
  await members.locator(`[data-test=member-${newcomer.body.data.id}]`).waitFor();
  assert.equal(await members.locator('.el-table__row').count(), hh.member_count + 1);
  await shot(page, 'drawer-household-members');
  assertCleanConsole(page);
  await page.context().close();
});
