// Browser: the elder allowance screens (pages/AllowanceCycles.vue, AllowanceCycle.vue) through a real
// server - a street's monthly cycle made and run by the street administrator, the counts by change
// equal to the lines, a centenarian's suspended line verified by two reviewers from the line itself
// and resumed by running again, approval refused to the same person with the reason explained,
// approved by the district administrator, then frozen on the page, and the payment list downloaded
// as XLSX and CSV with the lines the API lists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openSignedIn, waitForPath, shot, finish, apiAs, freshId, downloadOf, xlsxRows, parseCsv } from './lib.mjs';

let srv, browser, sa, admin, cw, cycleId;
const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
const year = Number(today.slice(0, 4));
const month = today.slice(0, 7);

before(async () => {
  srv = await startServer();
  browser = await launch();
  [sa, admin, cw] = await Promise.all(['street_admin', 'district_admin', 'community_worker'].map((u) => apiAs(srv, u)));
  const grid = (await cw.get(`/api/v1/org_units?parent_id=${cw.me.org_id}&level=grid&sort=id`)).body.data[0].id;
  for (const [name, born] of [['百岁页面老人', `${year - 102}-02-02`], ['八五页面老人', `${year - 85}-03-03`]]) {
    const p = await cw.post('/api/v1/persons', { name, id_number: freshId({ from: born }), org_id: grid });
    assert.equal(p.status, 201, JSON.stringify(p.body));
  }
  assert.equal((await sa.get(`/api/v1/allowance_cycles?month=${month}`)).body.meta.total, 0, 'no cycle of this month yet');
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const confirmBox = (page) => page.locator('.el-message-box:visible .el-message-box__btns .el-button--primary');
const lineRow = (page, name) => page.locator('[data-test=cycle-lines] .el-table__body-wrapper .el-table__row', { hasText: name });

test('the street makes this month\'s cycle from the menu, runs it; the counts by change add up to the lines', async () => {
  const page = await openSignedIn(browser, srv, 'street_admin');
  await page.locator('aside [data-test=screen-allowances]').click();
  await waitForPath(page, '/eldercare/allowances');
  await page.locator('[data-test=cycle-create]').click();
  const form = page.locator('[data-test=cycle-form]');
  await form.getByText('经八路街道').waitFor();               // the administrator's own street, chosen already
  const made = page.waitForResponse((r) => r.url().endsWith('/api/v1/allowance_cycles') && r.status() === 201);
  await form.locator('[data-test=cycle-create-save]').click();
  cycleId = (await (await made).json()).data.id;
  await waitForPath(page, `/eldercare/allowances/${cycleId}`);
  assert.match(await page.locator('[data-test=cycle-status]').innerText(), /未生成名单/);

  const ran = page.waitForResponse((r) => r.url().endsWith(`/allowance_cycles/${cycleId}/run`));
  await page.locator('[data-test=cycle-run]').click();
  assert.equal((await ran).status(), 200);
  await page.locator('[data-test=cycle-lines] .el-table__row').first().waitFor();
  const c = (await sa.get(`/api/v1/allowance_cycles/${cycleId}`)).body.data;
  assert.ok(c.line_count >= 2, JSON.stringify(c));
  assert.equal(await page.locator('[data-test=stat-lines]').innerText(), String(c.line_count));
  assert.equal(await page.locator('[data-test=stat-suspended]').innerText(), String(c.suspended_count));
  assert.equal(await page.locator('[data-test=stat-total]').innerText(), (c.total_amount / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 }));
  await page.waitForFunction(() => !document.querySelector('[data-test=change-counts]').innerText.includes('…'));
  const counts = {};
  for (const k of ['new', 'continued', 'resumed', 'suspended', 'still_suspended'])
    counts[k] = Number((await page.locator(`[data-test=change-${k}] b`).innerText()).trim());
  assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), c.line_count, JSON.stringify(counts));
  assert.equal(counts.new + counts.suspended, c.line_count, 'a first cycle: every line is new or suspended');
  // a click on a count filters the list by it
  await page.locator('[data-test=change-suspended]').click();
  await page.waitForFunction((n) => document.querySelector('[data-test=allowance-cycle]').innerText.includes(`共 ${n} 人`), counts.suspended);
  await page.locator('[data-test=change-suspended]').click();
  await page.waitForFunction((n) => document.querySelector('[data-test=allowance-cycle]').innerText.includes(`共 ${n} 人`), c.line_count);
  await page.waitForTimeout(3500);             // the run's messages fade
  await shot(page, 'allowance-cycle-run');
  await finish(page);
});

test('a suspended centenarian is verified from the line by two reviewers; running again resumes the allowance', async () => {
  const page = await openSignedIn(browser, srv, 'street_admin');
  await page.goto(`/eldercare/allowances/${cycleId}`);
  await page.locator('input[aria-label="查找"]').fill('百岁页面老人');
  const row = lineRow(page, '百岁页面老人');
  await row.waitFor();
  assert.match(await row.innerText(), /暂停发放 · 百岁老人未按期复核/);
  await row.locator('[data-test^=verify-]').click();
  const dlg = page.locator('[data-test=verify-dialog]');
  await dlg.locator('#cv-evidence').fill('入户见到本人，精神良好，与身份证照片一致');
  await dlg.locator('#cv-attachment').fill('IMG-2026-009');
  // the recorder cannot be a reviewer: offered, but not choosable
  await dlg.locator('[data-test=field-reviewers] .el-select__wrapper').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '张丽' }).waitFor();
  assert.equal(await page.locator('.el-select-dropdown__item.is-disabled:visible', { hasText: '李秀英' }).count(), 1);
  for (const name of ['张丽', '陈志强']) await page.locator('.el-select-dropdown__item:visible', { hasText: name }).click();
  await page.keyboard.press('Escape');
  await shot(page, 'centenarian-verify');
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/centenarian_verifications') && r.request().method() === 'POST');
  await dlg.locator('[data-test=verify-save]').click();
  const v = await saved;
  assert.equal(v.status(), 201, await v.text());
  assert.equal((await v.json()).data.reviewers.length, 2);
  // the console offers to run again; it does, and the line is paid
  const ran = page.waitForResponse((r) => r.url().endsWith(`/allowance_cycles/${cycleId}/run`));
  await confirmBox(page).click();
  assert.equal((await ran).status(), 200);
  await page.waitForFunction(() => /发放/.test(document.querySelector('[data-test=cycle-lines] .el-table__body-wrapper')?.innerText || '')
    && !/暂停发放/.test(document.querySelector('[data-test=cycle-lines] .el-table__body-wrapper')?.innerText || ''));
  const line = (await sa.get(`/api/v1/allowance_lines?cycle_id=${cycleId}&q=百岁页面老人`)).body.data[0];
  assert.deepEqual([line.status, line.amount > 0], ['payable', true]);
  await finish(page);
});

test('approval: refused to whoever ran it (explained), done by another, then frozen; the payment list downloads', async () => {
  const page = await openSignedIn(browser, srv, 'street_admin');
  await page.goto(`/eldercare/allowances/${cycleId}`);
  await page.locator('[data-test=cycle-approve]').click();
  const refused = page.waitForResponse((r) => r.url().endsWith(`/allowance_cycles/${cycleId}/approve`));
  await confirmBox(page).click();
  const r = await refused;
  assert.equal(r.status(), 409);
  assert.equal((await r.json()).error.code, 'same_person');
  const box = page.locator('.el-message-box:visible', { hasText: '不能审核自己生成的名单' });
  await box.waitFor();
  assert.match(await box.innerText(), /不能审核自己生成的名单/);
  assert.match(await box.innerText(), /李秀英/);
  await page.waitForTimeout(500);               // the confirmation has faded out
  await shot(page, 'allowance-same-person');
  await box.locator('.el-button--primary').click();
  assert.equal((await sa.get(`/api/v1/allowance_cycles/${cycleId}`)).body.data.status, 'draft');
  await finish(page, { clean: false });          // the 409 is logged as a failed request

  const other = await openSignedIn(browser, srv, 'district_admin');
  await other.goto(`/eldercare/allowances/${cycleId}`);
  await other.locator('[data-test=cycle-approve]').click();
  const approved = other.waitForResponse((r) => r.url().endsWith(`/allowance_cycles/${cycleId}/approve`));
  await confirmBox(other).click();
  assert.equal((await approved).status(), 200);
  await other.locator('[data-test=frozen-note]').waitFor();
  assert.match(await other.locator('[data-test=cycle-status]').innerText(), /已审核（冻结）/);
  assert.match(await other.locator('[data-test=frozen-note]').innerText(), /不会改变本期名单/);
  assert.equal(await other.locator('[data-test=cycle-run]').count(), 0, 'no more runs');
  assert.equal(await other.locator('[data-test=cycle-approve]').count(), 0);
  const c = (await admin.get(`/api/v1/allowance_cycles/${cycleId}`)).body.data;
  assert.equal(c.status, 'approved');
  assert.equal(c.approved_by, admin.me.id);

  // the payment list: XLSX and CSV, a header and every line, the centenarian among them
  const xlsx = await downloadOf(other, () => other.locator('[data-test=export-xlsx]').click());
  assert.match(xlsx.name, /\.xlsx$/);
  const rows = xlsxRows(xlsx.buf);
  assert.equal(rows.length, c.line_count + 1);
  assert.ok(rows[0].includes('姓名') && rows[0].includes('发放金额（元）'), rows[0].join(','));
  assert.ok(rows.some((row) => row.includes('百岁页面老人')));
  const csv = await downloadOf(other, () => other.locator('[data-test=export-csv]').click());
  const table = parseCsv(csv.buf.toString('utf8').replace(/^\uFEFF/, ''));
  assert.equal(table.filter((row) => row.length > 1).length, c.line_count + 1);
  await shot(other, 'allowance-frozen');
  await finish(other);

  // the list of cycles shows it frozen
  const list = await openSignedIn(browser, srv, 'street_admin');
  await list.goto('/eldercare/allowances');
  const row = list.locator('[data-test=cycle-table] .el-table__row', { hasText: month });
  await row.waitFor();
  assert.match(await row.innerText(), /已审核（冻结）/);
  await shot(list, 'allowance-cycles');
  await finish(list);
});
