// Sign-in, sessions and tokens: the session cookie's attributes, failed sign-ins and the lockout,
// CSRF on state-changing calls, sign-out, password change, bearer tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, Client, freshId, PASSWORD, stopAndCollect } from './lib.mjs';

let srv, sa, admin, community, grid;

before(async () => {
  srv = await startServer();
  sa = await loginAs(srv.base, 'street_admin');
  admin = await loginAs(srv.base, 'district_admin');
  const cw = await loginAs(srv.base, 'community_worker');
  community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
});
after(async () => { await srv.stop(); });

/* A fresh account for tests that lock or change it, so the demo users stay usable. */
async function account(username, password = 'Start2026pw') {
  const r = await sa.post('/api/v1/users', { username, password, name: '测试账号', org_id: community, roles: ['community_worker'] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { ...r.body.data, password };
}

test('sign-in answers 200 with the user, a CSRF token and an HttpOnly SameSite=Strict session cookie', async () => {
  const r = await fetch(`${srv.base}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'community_worker', password: PASSWORD }) });
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^shequ_session=[^;]{20,};/);
  assert.match(cookie, /;\s*HttpOnly/i);
  assert.match(cookie, /;\s*SameSite=Strict/i);
  assert.match(cookie, /;\s*Path=\//);
  const body = await r.json();
  assert.equal(typeof body.data.csrf_token, 'string');
  assert.ok(body.data.csrf_token.length >= 20);
  assert.equal(body.data.user.username, 'community_worker');
  assert.equal(body.data.user.permissions['persons.read'], 'subtree');
  assert.deepEqual(body.data.user.roles, ['community_worker']);
  assert.equal(body.data.user.role_names[0].code, 'community_worker');
  assert.match(body.data.user.role_names[0].name_zh, /社区/, 'role names for the console\'s top bar');
  assert.ok(!cookie.includes(body.data.csrf_token), 'the CSRF token is not the session token');
});

test('without a session the API answers 401 unauthenticated; health and OpenAPI are public', async () => {
  const anon = new Client(srv.base);
  for (const p of ['/api/v1/persons', '/api/v1/auth/me', '/api/v1/meta', '/api/v1/persons/1']) {
    const r = await anon.get(p);
    assert.equal(r.status, 401, p);
    assert.equal(r.body.error.code, 'unauthenticated');
  }
  assert.equal((await anon.post('/api/v1/persons', { name: 'x' })).status, 401);
  assert.equal((await anon.get('/api/v1/health')).status, 200);
  assert.equal((await anon.get('/api/v1/openapi.json')).status, 200);
  const garbage = new Client(srv.base);
  garbage.cookie = 'shequ_session=notavalidtoken';
  assert.equal((await garbage.get('/api/v1/auth/me')).status, 401);
});

test('a wrong password is 401 invalid_credentials with attempts_left; an unknown user looks the same', async () => {
  const u = await account('wrong_pw_user');
  const r = await new Client(srv.base).login(u.username, 'Wrong2026pw');
  assert.equal(r.status, 401);
  assert.equal(r.body.error.code, 'invalid_credentials');
  assert.equal(r.body.error.attempts_left, 4);
  const r2 = await new Client(srv.base).login(u.username, 'Wrong2026pw');
  assert.equal(r2.body.error.attempts_left, 3);
  const ghost = await new Client(srv.base).login('no_such_user_at_all', 'Wrong2026pw');
  assert.equal(ghost.status, 401);
  assert.equal(ghost.body.error.code, 'invalid_credentials');
  assert.equal(ghost.body.error.message, r.body.error.message);
  // a successful sign-in clears the count
  assert.equal((await new Client(srv.base).login(u.username, u.password)).status, 200);
  const r3 = await new Client(srv.base).login(u.username, 'Wrong2026pw');
  assert.equal(r3.body.error.attempts_left, 4);
  const missing = await new Client(srv.base).post('/api/v1/auth/login', { username: u.username });
  assert.equal(missing.status, 422);
  assert.equal(missing.body.error.field_codes.password, 'required');
});

test('five failures from one address lock the account there: the 6th attempt, even with the right password, is 423', async () => {
  const u = await account('lock_me');
  for (let i = 0; i < 5; i++) {
    const r = await new Client(srv.base).login(u.username, `Wrong${i}pass`);
    assert.equal(r.status, 401, `attempt ${i + 1}`);
    assert.equal(r.body.error.attempts_left, 4 - i);
  }
  const locked = await new Client(srv.base).login(u.username, u.password);
  assert.equal(locked.status, 423);
  assert.equal(locked.body.error.code, 'account_locked');
  assert.ok(locked.body.error.retry_after_min >= 14 && locked.body.error.retry_after_min <= 15, JSON.stringify(locked.body));
  assert.ok(Number(locked.headers.get('retry-after')) > 0);
  assert.equal(locked.headers.get('set-cookie'), null, 'no session while locked');
  // other accounts from the same address are not affected
  assert.equal((await new Client(srv.base).login('auditor')).status, 200);
  // the failures and the locked attempt are in the audit log
  const log = await admin.get(`/api/v1/audit?username=lock_me&per_page=50`);
  const actions = log.body.data.map((e) => e.action);
  assert.equal(actions.filter((a) => a === 'login_failed').length, 5);
  assert.ok(actions.includes('login_locked'));
});

test('a state-changing call without X-CSRF-Token (or with a wrong one) is 403 csrf_failed and changes nothing', async () => {
  const c = await loginAs(srv.base, 'community_worker');
  const id = freshId();
  const raw = await fetch(`${srv.base}/api/v1/persons`, { method: 'POST', headers: { Cookie: c.cookie, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: '无令牌', id_number: id, org_id: grid }) });
  assert.equal(raw.status, 403);
  assert.equal((await raw.json()).error.code, 'csrf_failed');
  const wrong = await c.post('/api/v1/persons', { name: '错令牌', id_number: id, org_id: grid }, { headers: { 'X-CSRF-Token': 'x'.repeat(43) } });
  assert.equal(wrong.status, 403);
  assert.equal(wrong.body.error.code, 'csrf_failed');
  const logout = await fetch(`${srv.base}/api/v1/auth/logout`, { method: 'POST', headers: { Cookie: c.cookie } });
  assert.equal(logout.status, 403, 'sign-out is state-changing too');
  assert.equal((await c.get(`/api/v1/persons?q=${id}`)).body.meta.total, 0);
  // reads need no token, and with it the same call works
  const ok = await c.post('/api/v1/persons', { name: '有令牌', id_number: id, org_id: grid });
  assert.equal(ok.status, 201);
});

test('sign-out ends the session: the same cookie is 401 afterwards and the cookie is cleared', async () => {
  const c = await loginAs(srv.base, 'community_worker');
  const cookie = c.cookie;
  const r = await c.post('/api/v1/auth/logout', {});
  assert.equal(r.status, 200);
  assert.match(r.headers.get('set-cookie'), /^shequ_session=;.*Max-Age=0/);
  const again = new Client(srv.base);
  again.cookie = cookie;
  assert.equal((await again.get('/api/v1/auth/me')).status, 401);
  assert.equal((await again.get('/api/v1/persons')).status, 401);
});

test('signing in again replaces the old session (no fixation)', async () => {
  const c = await loginAs(srv.base, 'community_worker');
  const first = c.cookie;
  const r = await c.login('community_worker');
  assert.equal(r.status, 200);
  assert.notEqual(c.cookie, first);
  const old = new Client(srv.base);
  old.cookie = first;
  assert.equal((await old.get('/api/v1/auth/me')).status, 401);
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
});

test('password change: a wrong old password or a weak new one is 422; success ends the other sessions only', async () => {
  const u = await account('pw_changer');
  const a = await loginAs(srv.base, u.username, u.password);
  const b = await loginAs(srv.base, u.username, u.password);
  const wrongOld = await a.post('/api/v1/auth/password', { old_password: 'Nope2026pw', new_password: 'Better2026pw' });
  assert.equal(wrongOld.status, 422);
  assert.equal(wrongOld.body.error.field_codes.old_password, 'wrong_password');
  const weak = await a.post('/api/v1/auth/password', { old_password: u.password, new_password: 'short' });
  assert.equal(weak.status, 422);
  assert.equal(weak.body.error.field_codes.new_password, 'weak_password');
  assert.equal((await b.get('/api/v1/auth/me')).status, 200, 'failed attempts end nothing');

  const ok = await a.post('/api/v1/auth/password', { old_password: u.password, new_password: 'Better2026pw' });
  assert.equal(ok.status, 200);
  assert.equal((await a.get('/api/v1/auth/me')).status, 200, 'the session that changed it continues');
  assert.equal((await b.get('/api/v1/auth/me')).status, 401, 'other sessions are revoked');
  assert.equal((await new Client(srv.base).login(u.username, u.password)).status, 401, 'the old password no longer works');
  assert.equal((await new Client(srv.base).login(u.username, 'Better2026pw')).status, 200);
});

test('a password change also revokes the user\'s API tokens', async () => {
  const c = await loginAs(srv.base, 'street_admin');
  const token = (await c.post('/api/v1/auth/tokens', { label: 'before change' })).body.data.token;
  const t = new Client(srv.base);
  t.bearer = token;
  assert.equal((await t.get('/api/v1/auth/me')).status, 200);
  assert.equal((await c.post('/api/v1/auth/password', { old_password: PASSWORD, new_password: 'Changed2026pw' })).status, 200);
  assert.equal((await t.get('/api/v1/auth/me')).status, 401);
  assert.equal((await c.post('/api/v1/auth/password', { old_password: 'Changed2026pw', new_password: PASSWORD })).status, 200);
  sa = c;                                   // the other street_admin sessions of this file ended
});

test('a bearer token from POST /api/v1/auth/tokens works with Authorization: Bearer and needs no CSRF token', async () => {
  const r = await sa.post('/api/v1/auth/tokens', { label: '数据对接', days: 30 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.data.days, 30);
  const t = new Client(srv.base);
  t.bearer = r.body.data.token;
  const me = await t.get('/api/v1/auth/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.data.user.username, 'street_admin');
  const p = await t.post('/api/v1/persons', { name: '令牌建档', id_number: freshId(), org_id: grid });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  assert.equal(p.headers.get('set-cookie'), null, 'bearer calls get no cookie');
  const noLabel = await sa.post('/api/v1/auth/tokens', {});
  assert.equal(noLabel.status, 422);
  const badDays = await sa.post('/api/v1/auth/tokens', { label: 'x', days: 1000 });
  assert.equal(badDays.status, 422);
  const cw = await loginAs(srv.base, 'community_worker');
  assert.equal((await cw.post('/api/v1/auth/tokens', { label: 'mine' })).status, 403, 'tokens need users.write');
});

test('a session cookie sent as a bearer token, or a bearer token sent as the cookie, is refused', async () => {
  const c = await loginAs(srv.base, 'street_admin');
  const cookieValue = c.cookie.split('=')[1];
  const asBearer = new Client(srv.base);
  asBearer.bearer = cookieValue;
  assert.equal((await asBearer.get('/api/v1/auth/me')).status, 401);
  const token = (await c.post('/api/v1/auth/tokens', { label: 'swap' })).body.data.token;
  const asCookie = new Client(srv.base);
  asCookie.cookie = `shequ_session=${token}`;
  assert.equal((await asCookie.get('/api/v1/auth/me')).status, 401);
  // and both still work the right way round
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
  const right = new Client(srv.base);
  right.bearer = token;
  assert.equal((await right.get('/api/v1/auth/me')).status, 200);
});

test('sign-ins and sign-outs are audited', async () => {
  const c = await loginAs(srv.base, 'grid_worker');
  await c.post('/api/v1/auth/logout', {});
  const log = await admin.get('/api/v1/audit?username=grid_worker&per_page=10');
  const actions = log.body.data.map((e) => e.action);
  assert.ok(actions.includes('login'));
  assert.ok(actions.includes('logout'));
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
