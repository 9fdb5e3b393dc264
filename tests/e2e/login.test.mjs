// Browser: signing in and out - errors in place under the password field, the account lock with
// the minutes left, an ended session returning to the login page and then back to the same page,
// and the language switch that stays after a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, run, launch, openPage, fillLogin, waitForPath, waitForDashboard, shot, apiAs, PASSWORD, PHONE, openSignedIn, finish,
} from './lib.mjs';

let srv, browser, admin;

before(async () => {
  srv = await startServer();
  browser = await launch();
  admin = await apiAs(srv, 'district_admin');
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const passwordError = (page) => page.locator('.el-form-item', { has: page.locator('#login-password') }).locator('.el-form-item__error');

test('empty fields and a wrong password are explained under the field, and the user stays on the login page', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/login');
  await shot(page, 'login');
  await page.locator('button[type=submit]').click();
  const userError = page.locator('.el-form-item', { has: page.locator('#login-username') }).locator('.el-form-item__error');
  await assert.doesNotReject(userError.waitFor());
  assert.equal(await userError.textContent(), '请输入用户名');

  // its own account, so the failure counts against no one else's sign-in
  await fillLogin(page, 'auditor', 'not-the-password');
  await passwordError(page).waitFor();
  assert.match(await passwordError(page).textContent(), /用户名或密码/);
  assert.equal(new URL(page.url()).pathname, '/login');
  // typing again clears the message
  await page.locator('#login-password').fill(PASSWORD);
  await passwordError(page).waitFor({ state: 'detached' });
  await page.locator('button[type=submit]').click();
  await waitForPath(page, '/');
  await finish(page, { clean: false });
});

test('five failed sign-ins lock the account; the next attempt shows the minutes left, even with the right password', async () => {
  const r = run(['user', 'add', '--db', srv.db, '--username', 'lock_probe', '--name', '锁定测试', '--org', String(admin.me.org_id),
    '--roles', 'auditor', '--password', PASSWORD]);
  assert.equal(r.code, 0, r.stderr);
  const page = await openPage(browser, srv);
  await page.goto('/login');
  for (let i = 1; i <= 5; i++) {
    await fillLogin(page, 'lock_probe', `wrong-${i}`);
    await passwordError(page).waitFor();
    assert.equal(await page.locator('[data-test=locked]').count(), 0, `attempt ${i} is not locked yet`);
  }
  await fillLogin(page, 'lock_probe', PASSWORD);
  const locked = page.locator('[data-test=locked]');
  await locked.waitFor();
  const minutes = Number(/(\d+)\s*分钟/.exec(await locked.textContent())[1]);
  assert.ok(minutes >= 1 && minutes <= 15, `minutes left: ${minutes}`);
  assert.equal(new URL(page.url()).pathname, '/login');
  await shot(page, 'login-locked');
  await finish(page, { clean: false });
});

test('a session gone while away (cookie deleted) returns to the login page, then back to the page asked for', async () => {
  const page = await openSignedIn(browser, srv, 'district_admin');
  await waitForDashboard(page);
  await page.context().clearCookies();
  const asked = `/r/households?org_id=${admin.me.org_id}`;
  await page.goto(asked);
  await waitForPath(page, '/login');
  assert.equal(new URL(page.url()).searchParams.get('redirect'), asked);
  await fillLogin(page, 'district_admin', PASSWORD);
  await waitForPath(page, (p) => p !== '/login');
  const back = new URL(page.url());
  assert.equal(back.pathname + back.search, asked);
  await finish(page);
});

test('a session revoked on the server while the page is open: the next request leads to sign-in and back', async () => {
  const page = await openSignedIn(browser, srv, 'district_admin');
  await waitForDashboard(page);
  // sign the browser's session out from outside, as an expiry or an administrator would
  const cookie = (await page.context().cookies()).find((c) => c.name === 'shequ_session');
  const headers = { Cookie: `${cookie.name}=${cookie.value}` };
  const me = await (await fetch(`${srv.base}/api/v1/auth/me`, { headers })).json();
  const out = await fetch(`${srv.base}/api/v1/auth/logout`, { method: 'POST', headers: { ...headers, 'X-CSRF-Token': me.data.csrf_token } });
  assert.ok(out.ok, `logout: ${out.status}`);

  await page.getByRole('button', { name: '刷新' }).click();
  await waitForPath(page, '/login');
  assert.equal(new URL(page.url()).searchParams.get('redirect'), '/');
  await page.getByText('登录已过期').waitFor();
  await fillLogin(page, 'district_admin', PASSWORD);
  await waitForPath(page, '/');
  await waitForDashboard(page);
  await finish(page, { clean: false });
});

test('switching to English changes the texts, and the choice stays after a reload; back to Chinese the same way', async () => {
  const page = await openSignedIn(browser, srv, 'district_admin');
  await waitForDashboard(page);
  const title = page.locator('h1.page-title');
  assert.match(await title.textContent(), /首页/);
  await page.locator('header [data-test=lang]').click();
  await page.getByText('Residents by sub-unit').waitFor();
  assert.match(await title.textContent(), /Home/);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.ok(await page.locator('nav').getByText('Residents', { exact: true }).first().isVisible(), 'the menu is in English');

  await page.reload();
  await waitForDashboard(page);
  assert.match(await page.locator('h1.page-title').textContent(), /Home/);
  assert.match(await page.locator('[data-test=stat-aged-60]').textContent(), /Aged 60\+/);
  await shot(page, 'dashboard-en');

  await page.locator('header [data-test=lang]').click();
  await page.getByText('下级单位居民').waitFor();
  await page.reload();
  await waitForDashboard(page);
  assert.match(await page.locator('h1.page-title').textContent(), /首页/);
  await finish(page);
});

test('the login page works on a phone', async () => {
  const page = await openPage(browser, srv, { viewport: PHONE });
  await page.goto('/login');
  await shot(page, 'login-phone');
  const box = await page.locator('.login-card').boundingBox();
  assert.ok(box.width <= PHONE.width, 'the card fits the screen');
  await fillLogin(page, 'grid_worker', PASSWORD);
  await waitForPath(page, '/');
  await waitForDashboard(page);
  await finish(page, { clean: false });
});
