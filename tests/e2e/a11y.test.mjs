// Browser: the console is usable with a keyboard and a screen reader - axe-core (the accessibility
// engine, from npm) finds no input without a label, no button or link without a name, no broken
// ARIA on the main pages, the person form and the eldercare workflow screens; the sign-in form
// works with the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launch, openPage, openSignedIn, waitForDashboard, waitForPath, finish, apiAs, freshId, PASSWORD, PHONE } from './lib.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// what "labelled inputs" and "keyboard navigation" mean here, as axe-core's rules
const RULES = ['label', 'button-name', 'link-name', 'select-name', 'input-button-name', 'aria-allowed-attr',
  'aria-required-attr', 'aria-valid-attr', 'aria-valid-attr-value', 'aria-roles', 'duplicate-id-aria',
  'image-alt', 'document-title', 'html-has-lang', 'tabindex'];

let srv, browser;
before(async () => {
  srv = await startServer();
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

// Runs axe in the page (evaluated through the debugging protocol, so the page's CSP stays as it
// is) and returns the violations as "rule: target" lines.
async function violations(page) {
  await page.evaluate(AXE);
  const found = await page.evaluate(async (rules) => {
    const r = await window.axe.run(document, { runOnly: { type: 'rule', values: rules } });
    return r.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${n.failureSummary.split('\n')[1] || ''})`));
  }, RULES);
  return found;
}

test('the sign-in page has labelled fields and signs in with the keyboard alone', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/login');
  await page.locator('#login-username').waitFor();
  assert.deepEqual(await violations(page), []);
  await page.locator('#login-username').focus();
  await page.keyboard.type('community_worker');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login-password', 'Tab goes from the username to the password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await waitForPath(page, (p) => !p.startsWith('/login'));
  await finish(page);
});

for (const [name, path, ready, who, opts] of [
  ['home dashboard', '/', '[data-test=stat-persons] [data-test=value]'],
  ['residents list', '/r/persons', '[data-test=list-persons] .el-table__row'],
  ['households list', '/r/households', '[data-test=list-households] .el-table__row'],
  ['audit log', '/r/audit_log', '[data-test=list-audit_log] .el-table__row'],
  ['assessment workbench', '/eldercare/assess', '[data-test=due-table] .el-table__header'],
  ['allowance cycles', '/eldercare/allowances', '[data-test=cycle-table] .el-table__header'],
  ['hotline intake', '/eldercare/intake', 'input[data-test=intake-search]', 'hotline_operator'],
  ['dispatch board', '/eldercare/dispatch', '[data-test=dispatch-board] [data-column=todo]', 'provider_admin'],
  ['caregiver\'s visits (phone)', '/eldercare/my-visits', '[data-test=my-visits] .el-tabs', 'caregiver', { viewport: PHONE }],
]) {
  test(`${name}: no unlabelled input, nameless button or link, or broken ARIA (axe-core)`, async () => {
    const page = await openSignedIn(browser, srv, who || 'district_admin', opts);
    await page.goto(path);
    await page.locator(ready).first().waitFor();
    assert.deepEqual(await violations(page), []);
    await finish(page);
  });
}

test('the person form: every field labelled, and Tab moves through the fields in order', async () => {
  const page = await openSignedIn(browser, srv, 'community_worker');
  await page.goto('/r/persons');
  await page.locator('[data-test=create]').click();
  const form = page.locator('[data-test=form-persons]');
  await form.locator('[data-test=field-name] input').waitFor();
  assert.deepEqual(await violations(page), []);
  await form.locator('[data-test=field-name] input').focus();
  await page.keyboard.press('Tab');
  const next = await page.evaluate(() => document.activeElement.closest('[data-test^=field-]')?.dataset.test);
  assert.ok(next && next !== 'field-name', `Tab leaves the name for the next field (${next})`);
  await finish(page);
});

// the eldercare workflow screens with their data: an elder's assessment form (every score a
// labelled radio), and a run allowance cycle with its lines and the centenarian check dialog
test('the assessment form and an allowance cycle: no unlabelled input, nameless button or broken ARIA (axe-core)', async () => {
  const worker = await apiAs(srv, 'community_worker');
  const grid = (await worker.get(`/api/v1/org_units?parent_id=${worker.me.org_id}&level=grid`)).body.data[0].id;
  const person = await worker.post('/api/v1/persons', { name: '无障碍老人', id_number: freshId({ from: '1930-01-01' }), org_id: grid });
  const enrolled = await worker.post('/api/v1/elders', { person_id: person.body.data.id });
  assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
  const elder = enrolled.body.data;
  const page = await openSignedIn(browser, srv, 'community_worker');
  await page.goto(`/eldercare/assess/${elder.id}`);
  await page.locator('[data-item="B4.5"]').waitFor();
  assert.deepEqual(await violations(page), []);
  await page.getByRole('tab', { name: '巴氏指数（Barthel）' }).click();
  await page.locator('[data-item="stairs"]').waitFor();
  assert.deepEqual(await violations(page), []);
  await finish(page);

  const sa = await apiAs(srv, 'street_admin');
  const c = await sa.post('/api/v1/allowance_cycles', { org_id: sa.me.org_id, month: '2025-06' });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal((await sa.post(`/api/v1/allowance_cycles/${c.body.data.id}/run`)).status, 200);
  const street = await openSignedIn(browser, srv, 'street_admin');
  await street.goto(`/eldercare/allowances/${c.body.data.id}`);
  await street.locator('[data-test=cycle-lines] .el-table__row').first().waitFor();
  assert.deepEqual(await violations(street), []);
  await finish(street);
});

// the order screens with their data: an elder's card and the order form on the intake screen, an
// order's panel with its suggested caregivers on the dispatch board
test('the intake with an elder picked, and the dispatch board with an order open: no unlabelled input or nameless button (axe-core)', async () => {
  const page = await openSignedIn(browser, srv, 'hotline_operator');
  await page.goto('/eldercare/intake');
  await page.locator('input[data-test=intake-search]').fill('苏振江');
  await page.locator('[data-test=intake-hits] li[data-elder]').first().waitFor();
  await page.locator('input[data-test=intake-search]').press('Enter');
  await page.locator('[data-test=intake-form] [data-test=field-window]').waitFor();
  assert.deepEqual(await violations(page), []);
  await page.goto('/eldercare/dispatch');
  const tickets = page.locator('[data-test=dispatch-board] .ticket');
  await page.locator('[data-test=dispatch-board] [data-column=todo]').waitFor();
  // the demo's orders start within the coming week: the first day with one to dispatch
  for (let i = 0; i < 7 && !(await page.locator('[data-column=todo] .ticket').count()); i++) {
    await page.getByRole('button', { name: '后一天' }).click();
    await page.waitForTimeout(300);
  }
  await page.locator('[data-column=todo] .ticket').first().click();
  await page.locator('[data-test=order-panel] [data-test=panel-history]').waitFor();
  assert.ok(await tickets.count() > 0);
  assert.deepEqual(await violations(page), []);
  await finish(page);
});
