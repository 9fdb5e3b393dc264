// Administration records: user accounts (created within the creator's scope, with roles they
// may grant), dictionary items (local items join the built-in ones; built-ins stay), and the
// read-only roles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, Client, freshId, stopAndCollect } from './lib.mjs';

let srv, sa, admin, cw;
let street, community, grid, otherStreetUnit;

before(async () => {
  srv = await startServer();
  sa = await loginAs(srv.base, 'street_admin');
  admin = await loginAs(srv.base, 'district_admin');
  cw = await loginAs(srv.base, 'community_worker');
  street = (await sa.get('/api/v1/auth/me')).body.data.user.org_id;
  community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
  otherStreetUnit = (await admin.get('/api/v1/org_units?level=street&per_page=100')).body.data.find((s) => s.id !== street).id;
});
after(async () => { await srv.stop(); });

const newUser = (over = {}) => ({ username: 'worker_new', password: 'Welcome2026', name: '新同事', org_id: community, roles: ['community_worker'], ...over });

test('a street administrator creates a user within their scope; the password is never returned; the user can sign in', async () => {
  const r = await sa.post('/api/v1/users', newUser());
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const u = r.body.data;
  assert.equal(u.username, 'worker_new');
  assert.deepEqual(u.roles, ['community_worker']);
  assert.equal(u.status, 'active');
  assert.equal(u.org_id, community);
  assert.ok(!('password' in u) && !('password_hash' in u));
  assert.ok(!JSON.stringify(r.body).includes('Welcome2026'));
  const c = new Client(srv.base);
  const login = await c.login('worker_new', 'Welcome2026');
  assert.equal(login.status, 200);
  assert.deepEqual(login.body.data.user.roles, ['community_worker']);
  assert.equal(login.body.data.user.org_id, community);
  // the new worker sees their community's residents
  assert.equal((await c.get('/api/v1/persons?per_page=1')).status, 200);
  // the audit entry of the creation does not hold the password or its hash
  const log = await admin.get(`/api/v1/audit?resource=users&record_id=${u.id}&action=create`);
  assert.equal(log.body.meta.total, 1);
  assert.doesNotMatch(log.body.data[0].detail, /Welcome2026|argon2/);
});

test('nobody can grant a role with permissions they do not hold: cannot_grant', async () => {
  const r = await sa.post('/api/v1/users', newUser({ username: 'would_be_admin', roles: ['district_admin'] }));
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.roles, 'cannot_grant');
  const unknown = await sa.post('/api/v1/users', newUser({ username: 'role_typo', roles: ['superuser'] }));
  assert.equal(unknown.status, 422);
  assert.equal(unknown.body.error.field_codes.roles, 'unknown_code');
  const none = await sa.post('/api/v1/users', newUser({ username: 'no_roles', roles: [] }));
  assert.equal(none.status, 422);
  assert.equal(none.body.error.field_codes.roles, 'required');
  assert.equal((await admin.get('/api/v1/users?q=would_be_admin')).body.meta.total, 0);
});

test('a weak password is refused with weak_password', async () => {
  for (const password of ['short1', 'onlyletters', '1234567890']) {
    const r = await sa.post('/api/v1/users', newUser({ username: 'weak_pw', password }));
    assert.equal(r.status, 422, password);
    assert.equal(r.body.error.field_codes.password, 'weak_password', password);
  }
  const missing = await sa.post('/api/v1/users', newUser({ username: 'no_pw', password: undefined }));
  assert.equal(missing.body.error.field_codes.password, 'required');
});

test('a duplicate username is 409 duplicate with the existing account\'s id', async () => {
  const existing = (await admin.get('/api/v1/users?q=community_worker2')).body.data.find((u) => u.username === 'community_worker2');
  const r = await admin.post('/api/v1/users', newUser({ username: 'community_worker2' }));
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'duplicate');
  assert.equal(r.body.error.existing_id, existing.id);
  const bad = await sa.post('/api/v1/users', newUser({ username: 'x y!' }));
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.field_codes.username, 'username_format');
});

test('a street administrator cannot place a user outside their street, and workers cannot create users', async () => {
  const r = await sa.post('/api/v1/users', newUser({ username: 'elsewhere', org_id: otherStreetUnit }));
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.org_id, 'unknown_reference');
  const w = await cw.post('/api/v1/users', newUser({ username: 'by_worker' }));
  assert.equal(w.status, 403);
  assert.equal((await cw.get('/api/v1/users')).status, 403, 'workers cannot list accounts');
});

test('users: a role change ends that user\'s sessions; nobody changes their own roles', async () => {
  const u = (await sa.post('/api/v1/users', newUser({ username: 'role_change' }))).body.data;
  const c = await loginAs(srv.base, 'role_change', 'Welcome2026');
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
  const up = await sa.patch(`/api/v1/users/${u.id}`, { roles: ['grid_worker'] }, { headers: { 'If-Match': `"${u.version}"` } });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  assert.deepEqual(up.body.data.roles, ['grid_worker']);
  assert.equal((await c.get('/api/v1/auth/me')).status, 401, 'the old session ended');
  const me = (await sa.get('/api/v1/auth/me')).body.data.user;
  const self = await sa.patchFresh(`/api/v1/users/${me.id}`, { roles: ['street_admin', 'auditor'] });
  assert.equal(self.status, 422);
  assert.equal(self.body.error.field_codes.roles, 'self_change');
  const imm = await sa.patchFresh(`/api/v1/users/${u.id}`, { username: 'renamed' });
  assert.equal(imm.body.error.field_codes.username, 'immutable');
});

test('users: a disabled account cannot sign in', async () => {
  const u = (await sa.post('/api/v1/users', newUser({ username: 'to_disable' }))).body.data;
  const up = await sa.patchFresh(`/api/v1/users/${u.id}`, { status: 'disabled' });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  const r = await new Client(srv.base).login('to_disable', 'Welcome2026');
  assert.equal(r.status, 401);
  assert.equal(r.body.error.code, 'invalid_credentials');
});

test('users: deleting an account needs a reason and ends its sessions at once; nobody deletes themselves', async () => {
  const u = (await sa.post('/api/v1/users', newUser({ username: 'leaving_user' }))).body.data;
  const c = await loginAs(srv.base, 'leaving_user', 'Welcome2026');
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
  assert.equal((await sa.del(`/api/v1/users/${u.id}`)).status, 422);
  const del = await sa.del(`/api/v1/users/${u.id}?reason=${encodeURIComponent('调离')}`);
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.equal((await c.get('/api/v1/auth/me')).status, 401);
  assert.equal((await c.get('/api/v1/persons')).status, 401);
  assert.equal((await new Client(srv.base).login('leaving_user', 'Welcome2026')).status, 401);
  assert.equal((await sa.get(`/api/v1/users/${u.id}`)).status, 404);
  const hist = await admin.get(`/api/v1/audit?resource=users&record_id=${u.id}&action=delete`);
  assert.equal(JSON.parse(hist.body.data[0].detail).reason, '调离');
  const me = (await sa.get('/api/v1/auth/me')).body.data.user;
  const self = await sa.del(`/api/v1/users/${me.id}?reason=x`);
  assert.equal(self.status, 409);
  assert.equal((await sa.get('/api/v1/auth/me')).status, 200);
});

test('users: GET one account and its history; the list is scoped to the administrator\'s street', async () => {
  const u = (await sa.post('/api/v1/users', newUser({ username: 'history_user' }))).body.data;
  const one = await sa.get(`/api/v1/users/${u.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.data.username, 'history_user');
  assert.equal(one.headers.get('etag'), `"${u.version}"`);
  await sa.patchFresh(`/api/v1/users/${u.id}`, { name: '改名同事' });
  const h = await sa.get(`/api/v1/users/${u.id}/history`);
  assert.deepEqual(h.body.data.map((e) => e.action), ['update', 'create']);
  assert.deepEqual(h.body.data[0].detail.diff.name, ['新同事', '改名同事']);
  const list = await sa.get('/api/v1/users?per_page=500');
  const names = list.body.data.map((x) => x.username);
  assert.ok(names.includes('community_worker') && names.includes('street_admin'));
  assert.ok(!names.includes('district_admin') && !names.includes('auditor'), 'district-level accounts are outside the street');
  for (const x of list.body.data) assert.ok(!('password' in x) && !('password_hash' in x));
  // accounts above the street are out of reach
  const auditorId = (await admin.get('/api/v1/users?q=auditor')).body.data.find((x) => x.username === 'auditor').id;
  assert.equal((await sa.get(`/api/v1/users/${auditorId}`)).status, 404);
  assert.equal((await sa.patch(`/api/v1/users/${auditorId}`, { name: 'x' }, { headers: { 'If-Match': '"1"' } })).status, 404);
  // and the export of accounts never holds a password hash
  const csv = await admin.get('/api/v1/users.csv', { raw: true });
  assert.equal(csv.status, 200);
  assert.doesNotMatch(csv.buf.toString('utf8'), /argon2|密码/);
  assert.equal((await admin.post('/api/v1/users/import', 'username\nx\n', { headers: { 'Content-Type': 'text/csv' } })).status, 405, 'accounts are not imported');
});

test('dict_items: a local person_tag added by the district administrator is then accepted in a person\'s tags', async () => {
  const before = await cw.post('/api/v1/persons', { name: '新标签', id_number: freshId(), org_id: grid, tags: ['key_youth'] });
  assert.equal(before.status, 422);
  assert.equal(before.body.error.field_codes.tags, 'unknown_code');
  const item = await admin.post('/api/v1/dict_items', { dict: 'person_tag', code: 'key_youth', label_zh: '重点青少年', label_en: 'Youth at risk' });
  assert.equal(item.status, 201, JSON.stringify(item.body));
  assert.equal(item.body.data.builtin, false);
  assert.equal(item.body.data.active, true);
  const p = await cw.post('/api/v1/persons', { name: '新标签', id_number: freshId(), org_id: grid, tags: ['key_youth', 'student'] });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  assert.deepEqual(p.body.data.tags, ['key_youth', 'student']);
  const meta = await cw.get('/api/v1/meta');
  assert.ok(meta.body.data.dicts.person_tag.some((d) => d.code === 'key_youth' && d.label_zh === '重点青少年'));
  // the export writes the local label
  const csv = (await cw.get(`/api/v1/persons.csv?tags=key_youth`, { raw: true })).buf.toString('utf8');
  assert.match(csv, /重点青少年/);
});

test('dict_items: codes are unique per dictionary, the dictionary must exist, codes are plain', async () => {
  const dup = await admin.post('/api/v1/dict_items', { dict: 'person_tag', code: 'dibao', label_zh: '低保2', label_en: 'Dibao 2' });
  assert.equal(dup.status, 422);
  assert.equal(dup.body.error.field_codes.code, 'duplicate');
  const noDict = await admin.post('/api/v1/dict_items', { dict: 'no_such_dict', code: 'a', label_zh: '甲', label_en: 'A' });
  assert.equal(noDict.status, 422);
  assert.equal(noDict.body.error.field_codes.dict, 'unknown_dict');
  const badCode = await admin.post('/api/v1/dict_items', { dict: 'person_tag', code: 'has space', label_zh: '甲', label_en: 'A' });
  assert.equal(badCode.status, 422);
  assert.equal(badCode.body.error.field_codes.code, 'code_format');
  const byWorker = await cw.post('/api/v1/dict_items', { dict: 'person_tag', code: 'w1', label_zh: '甲', label_en: 'A' });
  assert.equal(byWorker.status, 403);
  assert.ok((await cw.get('/api/v1/dict_items?dict=person_tag&per_page=100')).body.meta.total >= 11, 'everyone reads dictionaries');
});

test('dict_items: a built-in item cannot be deleted (409), a local one can and is then refused', async () => {
  const builtin = (await admin.get('/api/v1/dict_items?dict=person_tag&code=dibao')).body.data[0];
  assert.equal(builtin.builtin, true);
  const r = await admin.del(`/api/v1/dict_items/${builtin.id}?reason=test`);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'builtin_item');
  assert.equal((await admin.get(`/api/v1/dict_items/${builtin.id}`)).status, 200);

  const local = (await admin.post('/api/v1/dict_items', { dict: 'person_tag', code: 'temp_tag', label_zh: '临时', label_en: 'Temporary' })).body.data;
  assert.equal((await cw.post('/api/v1/persons', { name: '临时甲', id_number: freshId(), org_id: grid, tags: ['temp_tag'] })).status, 201);
  const del = await admin.del(`/api/v1/dict_items/${local.id}?reason=${encodeURIComponent('不再使用')}`);
  assert.equal(del.status, 200);
  const after = await cw.post('/api/v1/persons', { name: '临时乙', id_number: freshId(), org_id: grid, tags: ['temp_tag'] });
  assert.equal(after.status, 422);
  assert.equal(after.body.error.field_codes.tags, 'unknown_code');
});

test('dict_items: a deactivated item is no longer accepted for new values', async () => {
  const item = (await admin.post('/api/v1/dict_items', { dict: 'person_tag', code: 'soon_off', label_zh: '将停用', label_en: 'Soon off' })).body.data;
  const off = await admin.patch(`/api/v1/dict_items/${item.id}`, { active: false }, { headers: { 'If-Match': `"${item.version}"` } });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  const r = await cw.post('/api/v1/persons', { name: '停用', id_number: freshId(), org_id: grid, tags: ['soon_off'] });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.tags, 'unknown_code');
});

test('roles are read-only: listed and readable, but POST, PATCH and DELETE are 405', async () => {
  const list = await cw.get('/api/v1/roles');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.data.map((r) => r.code).sort(), ['auditor', 'caregiver', 'community_worker', 'district_admin', 'grid_worker',
    'hotline_operator', 'provider_admin', 'street_admin']);
  const gw = list.body.data.find((r) => r.code === 'grid_worker');
  assert.equal(gw.scope, 'unit');
  assert.doesNotMatch(gw.permissions, /persons\.unmask/);
  const one = await cw.get(`/api/v1/roles/${gw.id}`);
  assert.equal(one.status, 200);
  const post = await admin.post('/api/v1/roles', { code: 'x', name_zh: '甲', name_en: 'X', scope: 'all', permissions: 'persons.read' });
  assert.equal(post.status, 405);
  assert.equal(post.body.error.code, 'method_not_allowed');
  const patch = await admin.patch(`/api/v1/roles/${gw.id}`, { permissions: 'persons.read persons.unmask' }, { headers: { 'If-Match': '"1"' } });
  assert.equal(patch.status, 405);
  const del = await admin.del(`/api/v1/roles/${gw.id}?reason=x`);
  assert.equal(del.status, 405);
  assert.equal((await cw.get(`/api/v1/roles/${gw.id}`)).body.data.permissions, gw.permissions);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
