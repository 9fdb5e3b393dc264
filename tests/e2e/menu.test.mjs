// Browser: the side menu shows exactly the record kinds the signed-in user may read (as
// /api/v1/meta declares them from the roles in src/auth.c): the auditor gets the audit log, a
// community worker gets neither the audit log nor user accounts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openSignedIn, waitForDashboard, shot, apiAs, finish } from './lib.mjs';

let srv, browser;

before(async () => {
  srv = await startServer();
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

// The record kinds in the side menu, by their data-test names (menu-<resource>).
async function menuOf(username) {
  const page = await openSignedIn(browser, srv, username);
  await waitForDashboard(page);
  const items = await page.locator('aside [data-test^="menu-"]').evaluateAll((els) => els.map((e) => e.dataset.test.slice(5)));
  const texts = await page.locator('aside nav').innerText();
  return { page, items, texts };
}

async function readable(username) {
  const c = await apiAs(srv, username);
  return (await c.get('/api/v1/meta')).body.data.resources.filter((r) => r.can.read).map((r) => r.name);
}

for (const username of ['district_admin', 'street_admin', 'community_worker', 'grid_worker', 'auditor']) {
  test(`${username}: the menu lists exactly what /meta says may be read`, async () => {
    const { page, items } = await menuOf(username);
    assert.deepEqual([...items].sort(), (await readable(username)).sort());
    await finish(page);
  });
}

test('the auditor sees the audit log (审计日志); a community worker sees neither it nor user accounts', async () => {
  const auditor = await menuOf('auditor');
  assert.ok(auditor.items.includes('audit_log'));
  assert.match(auditor.texts, /审计日志/);
  assert.equal(await auditor.page.locator('aside [data-test="menu-users"]').count(), auditor.items.includes('users') ? 1 : 0);
  await shot(auditor.page, 'menu-auditor');
  await finish(auditor.page, { clean: false });

  const worker = await menuOf('community_worker');
  assert.ok(!worker.items.includes('audit_log'));
  assert.ok(!worker.items.includes('users'));
  assert.doesNotMatch(worker.texts, /审计日志/);
  assert.doesNotMatch(worker.texts, /用户账号/);
  assert.ok(worker.items.includes('persons'), 'residents are in the menu');
  await finish(worker.page, { clean: false });
});

test('a menu entry opens its list page', async () => {
  const { page } = await menuOf('community_worker');
  await page.locator('aside [data-test="menu-households"]').click();
  await page.waitForFunction(() => location.pathname === '/r/households');
  await page.locator('aside [data-test="menu-persons"]').click();
  await page.waitForFunction(() => location.pathname === '/r/persons');
  await finish(page, { clean: false });
});
