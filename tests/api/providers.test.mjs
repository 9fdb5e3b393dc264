// Providers and caregivers (issue 5, point 4): the demo's roster as the article gives it (138
// caregivers on duty in 金水区), the unified social credit code and contract checks, caregivers'
// phones encrypted and masked, weekly hours and home location checked, the roles of a provider's
// people (provider_admin, caregiver) bound to their records and held to them by scope.c - by URL,
// filter, reference and export - and the 12349 operator's district-wide reading.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, stopAndCollect, maskPhone, sql } from './lib.mjs';

let srv, c = {}, admin, P1, P2, CG1;
const ok = (r, what) => { assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`); return r.body.data; };

/* A unified social credit code with its GB 32100-2015 check character. */
function creditCode(body17) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...body17].reduce((s, ch, i) => s + chars.indexOf(ch) * w[i], 0);
  return body17 + chars[(31 - (sum % 31)) % 31];
}
let seq = 0;
const newCode = () => creditCode(`91410105MA${String(4000000 + process.pid % 100000 * 10 + ++seq).slice(-7)}`);

before(async () => {
  srv = await startServer();
  for (const u of ['district_admin', 'street_admin', 'community_worker', 'grid_worker', 'auditor', 'hotline_operator', 'provider_admin',
    'provider_admin2', 'caregiver', 'caregiver2']) c[u] = await loginAs(srv.base, u);
  admin = c.district_admin;
  const users = Object.fromEntries(ok(await admin.get('/api/v1/users?per_page=100'), 'users').map((u) => [u.username, u]));
  P1 = users.provider_admin.provider_id;
  P2 = users.provider_admin2.provider_id;
  CG1 = users.caregiver.caregiver_id;
});
after(async () => { await srv.stop(); });

test('the demo roster: six providers contracted by 金水区 and 138 caregivers on duty among them', async () => {
  const providers = ok(await c.hotline_operator.get('/api/v1/providers?per_page=50'), 'providers');
  assert.equal(providers.length, 6);
  for (const p of providers) {
    assert.equal(p.org_name, '金水区');
    assert.equal(p.status, 'active');
    assert.match(p.credit_code, /^[0-9A-HJ-NPQRTUWXY]{18}$/);
    assert.ok(p.service_area.length >= 2, 'serves streets');
  }
  assert.equal((await admin.get('/api/v1/caregivers?status=on_duty&per_page=1')).body.meta.total, 138);
  assert.ok((await admin.get('/api/v1/caregivers?status=on_leave,left&per_page=1')).body.meta.total > 0);
  // every caregiver's phone is masked in lists, their skills come from the dictionary
  const cgs = ok(await admin.get('/api/v1/caregivers?per_page=200'), 'caregivers');
  assert.ok(cgs.every((x) => /^1\d\d\*\*\*\*\d{4}$/.test(x.phone)), 'masked phones');
  assert.ok(cgs.every((x) => x.skills.length >= 1 && x.availability && x.home_lat_e6));
  // the phones are stored encrypted, never in clear
  const stored = sql(srv.db, `SELECT phone_masked FROM caregivers WHERE id = ${CG1}`);
  assert.match(stored, /\*\*\*\*/);
});

test('a provider: the unified social credit code is checked, unique, and the contract ends after it starts', async () => {
  const body = { name: '测试养老服务中心', credit_code: newCode(), contract_start: '2025-01-01', contract_end: '2026-12-31',
    org_id: (await admin.get('/api/v1/auth/me')).body.data.user.org_id, contact_name: '王经理', phone: '0371-12345678' };
  const p = ok(await admin.post('/api/v1/providers', body), 'provider');
  assert.equal(p.status, 'active');
  const dup = await admin.post('/api/v1/providers', { ...body, name: '另一家' });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.existing_id, p.id);
  const wrongCheck = body.credit_code.slice(0, 17) + (body.credit_code[17] === '0' ? '1' : '0');
  for (const [code, why] of [[wrongCheck, 'check character'], ['91410105MA1234567', 'short'], ['91410105MA12345I7X', 'letter I']]) {
    const r = await admin.post('/api/v1/providers', { ...body, credit_code: code });
    assert.equal(r.status, 422, why);
    assert.equal(r.body.error.field_codes.credit_code, 'invalid_credit_code', `${why}: ${JSON.stringify(r.body)}`);
  }
  const late = await admin.post('/api/v1/providers', { ...body, credit_code: newCode(), contract_end: '2024-12-31' });
  assert.equal(late.status, 422);
  assert.equal(late.body.error.field_codes.contract_end, 'end_before_start');
  // a contract of one day is a contract
  ok(await admin.post('/api/v1/providers', { ...body, credit_code: newCode(), contract_end: body.contract_start }), 'one day');
  // a change of one end is checked against the stored other
  const moved = await admin.patchFresh(`/api/v1/providers/${p.id}`, { contract_start: '2027-01-01' });
  assert.equal(moved.status, 422);
  assert.equal(moved.body.error.field_codes.contract_end, 'end_before_start');
  // everyone reads the providers; only the district writes them
  assert.equal((await c.caregiver.get(`/api/v1/providers/${p.id}`)).status, 200);
  for (const who of ['street_admin', 'hotline_operator', 'provider_admin', 'caregiver'])
    assert.equal((await c[who].post('/api/v1/providers', { ...body, credit_code: newCode() })).status, 403, who);
  assert.equal((await c.provider_admin.patchFresh(`/api/v1/providers/${P1}`, { phone: '0371-1' })).status, 403);
});

test('a caregiver: phone encrypted and masked, unmasked with an audit entry; weekly hours and home checked; unit of the provider', async () => {
  const week = { mon: ['08:00-12:00', '14:00-18:00'], sat: ['09:00-17:00'] };
  const cg = ok(await admin.post('/api/v1/caregivers', { name: '测试护理员', phone: '13812345678', provider_id: P2, cert_level: '4',
    cert_expiry: '2027-06-30', skills: ['bathing', 'nursing'], home_lat_e6: 34790000, home_lng_e6: 113700000, availability: week }), 'caregiver');
  assert.equal(cg.phone, maskPhone('13812345678'));
  assert.equal(cg.org_name, '金水区', 'filed under the provider\'s unit');
  assert.deepEqual(cg.availability, week);
  assert.equal(cg.status, 'on_duty');
  const full = ok(await admin.get(`/api/v1/caregivers/${cg.id}?unmask=1`), 'unmask');
  assert.equal(full.phone, '13812345678');
  const audit = ok(await admin.get(`/api/v1/audit?resource=caregivers&record_id=${cg.id}&action=unmask`), 'audit');
  assert.equal(audit.length, 1);
  assert.equal((await c.hotline_operator.get(`/api/v1/caregivers/${cg.id}?unmask=1`)).status, 403, 'the hotline sees masked phones only');
  // found by phone through its keyed hash
  assert.equal((await admin.get('/api/v1/caregivers?phone=13812345678')).body.meta.total, 1);
  const bad = async (extra, field, code) => {
    const r = await admin.post('/api/v1/caregivers', { name: '坏数据', provider_id: P2, ...extra });
    assert.equal(r.status, 422, JSON.stringify(extra));
    assert.equal(r.body.error.field_codes[field], code, JSON.stringify(r.body));
  };
  await bad({ availability: { mon: ['18:00-08:00'] } }, 'availability', 'invalid_availability');
  await bad({ availability: { monday: ['08:00-12:00'] } }, 'availability', 'invalid_availability');
  await bad({ availability: { mon: '08:00-12:00' } }, 'availability', 'invalid_availability');
  await bad({ availability: ['mon'] }, 'availability', 'invalid_availability');
  await bad({ home_lat_e6: 34790000 }, 'home_lng_e6', 'location_incomplete');
  await bad({ home_lat_e6: 91000000, home_lng_e6: 0 }, 'home_lat_e6', 'out_of_range');
  await bad({ skills: ['flying'] }, 'skills', 'unknown_code');
  await bad({ cert_level: '6' }, 'cert_level', 'unknown_code');
  await bad({ phone: '12345' }, 'phone', 'phone_format');
  await bad({ provider_id: 99999999 }, 'provider_id', 'unknown_reference');
  // the unit is the provider's, whatever is given
  assert.equal(ok(await admin.post('/api/v1/caregivers', { name: '换单位', provider_id: P2, org_id: 1 }), 'org given').org_name, '金水区');
  // a caregiver stays with their provider
  const moved = await admin.patchFresh(`/api/v1/caregivers/${cg.id}`, { provider_id: P1 });
  assert.equal(moved.status, 422);
  assert.equal(moved.body.error.field_codes.provider_id, 'immutable');
});

test('a provider\'s administrator manages their own caregivers only: by URL, filter, reference and write', async () => {
  const pa = c.provider_admin;
  const mine = ok(await pa.get('/api/v1/caregivers?per_page=200'), 'mine');
  assert.ok(mine.length >= 30);
  assert.ok(mine.every((x) => x.provider_id === P1));
  const theirs = ok(await admin.get(`/api/v1/caregivers?provider_id=${P2}&per_page=1`), 'theirs')[0];
  assert.equal((await pa.get(`/api/v1/caregivers/${theirs.id}`)).status, 404);
  assert.equal((await pa.get(`/api/v1/caregivers?provider_id=${P2}`)).body.meta.total, 0);
  assert.equal((await pa.get(`/api/v1/caregivers?id=${theirs.id}`)).body.meta.total, 0);
  assert.equal((await pa.get(`/api/v1/caregivers/${theirs.id}/history`)).status, 404);
  assert.equal((await pa.patch(`/api/v1/caregivers/${theirs.id}`, { note: 'x' }, { headers: { 'If-Match': `"${theirs.version}"` } })).status, 404);
  // a new caregiver for their own provider, not for another
  const made = ok(await pa.post('/api/v1/caregivers', { name: '新护理员', provider_id: P1, skills: ['general_care'] }), 'own');
  assert.equal(made.provider_id, P1);
  const other = await pa.post('/api/v1/caregivers', { name: '越界护理员', provider_id: P2 });
  assert.equal(other.status, 422);
  assert.equal(other.body.error.field_codes.provider_id, 'unknown_reference');
  ok(await pa.patchFresh(`/api/v1/caregivers/${made.id}`, { status: 'on_leave' }), 'own change');
  // their own caregiver's phone in full, with an audit entry; no exports or imports
  ok(await pa.get(`/api/v1/caregivers/${CG1}?unmask=1`), 'unmask own');
  assert.equal((await pa.get('/api/v1/caregivers.csv', { raw: true })).status, 403);
  assert.equal((await pa.post('/api/v1/caregivers/import', 'name\nx\n', { headers: { 'Content-Type': 'text/csv' } })).status, 403);
  // the other provider's administrator sees none of these
  assert.equal((await c.provider_admin2.get(`/api/v1/caregivers/${made.id}`)).status, 404);
  assert.ok(ok(await c.provider_admin2.get('/api/v1/caregivers?per_page=200'), 'p2').every((x) => x.provider_id === P2));
  // nothing of the registry
  for (const path of ['/api/v1/persons', '/api/v1/households', '/api/v1/users', '/api/v1/org_units'])
    assert.equal((await pa.get(path)).status, 403, path);
});

test('a caregiver sees their own record only', async () => {
  const list = ok(await c.caregiver.get('/api/v1/caregivers'), 'own');
  assert.deepEqual(list.map((x) => x.id), [CG1]);
  const other = ok(await admin.get(`/api/v1/caregivers?provider_id=${P1}&per_page=3&sort=id`), 'others').find((x) => x.id !== CG1);
  assert.equal((await c.caregiver.get(`/api/v1/caregivers/${other.id}`)).status, 404);
  assert.equal((await c.caregiver.patchFresh(`/api/v1/caregivers/${CG1}`, { note: 'x' })).status, 403, 'reads, does not write');
  assert.equal((await c.caregiver.get(`/api/v1/caregivers/${CG1}?unmask=1`)).status, 403);
});

test('accounts of a provider\'s people are bound to their records; a caregiver account works for the record\'s provider', async () => {
  const me = (await admin.get('/api/v1/auth/me')).body.data.user;
  const u = (extra) => admin.post('/api/v1/users', { username: `pa${process.pid % 1000}${++seq}`, password: 'Provider2026pw', name: '机构账号',
    org_id: me.org_id, ...extra });
  const noProvider = await u({ roles: ['provider_admin'] });
  assert.equal(noProvider.status, 422);
  assert.equal(noProvider.body.error.field_codes.provider_id, 'required');
  const noRecord = await u({ roles: ['caregiver'] });
  assert.equal(noRecord.status, 422);
  assert.equal(noRecord.body.error.field_codes.caregiver_id, 'required');
  assert.equal((await u({ roles: ['provider_admin'], provider_id: 99999999 })).body.error.field_codes.provider_id, 'unknown_reference');
  const made = ok(await u({ roles: ['provider_admin'], provider_id: P2 }), 'provider account');
  const pc = await loginAs(srv.base, made.username, 'Provider2026pw');
  assert.ok(ok(await pc.get('/api/v1/caregivers?per_page=200'), 'theirs').every((x) => x.provider_id === P2));
  // moving the account to another provider ends its sessions and changes what it sees
  ok(await admin.patchFresh(`/api/v1/users/${made.id}`, { provider_id: P1 }), 'rebind');
  assert.equal((await pc.get('/api/v1/caregivers')).status, 401);
  const pc2 = await loginAs(srv.base, made.username, 'Provider2026pw');
  assert.ok(ok(await pc2.get('/api/v1/caregivers?per_page=200'), 'now P1').every((x) => x.provider_id === P1));
  // who may grant these roles: not a street administrator, who holds none of the order permissions they need
  const street = await c.street_admin.post('/api/v1/users', { username: `pb${process.pid % 1000}${++seq}`, password: 'Provider2026pw',
    name: '越权', org_id: (await c.street_admin.get('/api/v1/auth/me')).body.data.user.org_id, roles: ['provider_admin'], provider_id: P1 });
  assert.equal(street.status, 422);
  assert.equal(street.body.error.field_codes.roles, 'cannot_grant');
});

test('the 12349 operator reads elders and caregivers district-wide, and writes neither', async () => {
  const h = c.hotline_operator;
  assert.equal((await h.get('/api/v1/elders')).body.meta.total, (await admin.get('/api/v1/elders')).body.meta.total);
  assert.equal((await h.get('/api/v1/caregivers')).body.meta.total, (await admin.get('/api/v1/caregivers')).body.meta.total);
  assert.equal((await h.post('/api/v1/caregivers', { name: 'x', provider_id: P1 })).status, 403);
  const e = ok(await h.get('/api/v1/elders?per_page=1'), 'elder')[0];
  assert.equal((await h.patchFresh(`/api/v1/elders/${e.id}`, { note: 'x' })).status, 403);
  // found by name, as the intake screen does
  assert.equal(ok(await h.get(`/api/v1/elders?q=${encodeURIComponent(e.name)}`), 'by name')[0].id, e.id);
  // a role's permissions are what auth.c declares
  const perms = (await h.get('/api/v1/auth/me')).body.data.user.permissions;
  assert.equal(perms['service_orders.dispatch'], 'subtree');
  assert.equal(perms['service_orders.serve'], undefined);
  assert.equal((await c.provider_admin.get('/api/v1/auth/me')).body.data.user.permissions['service_orders.read'], 'provider');
  assert.equal((await c.caregiver.get('/api/v1/auth/me')).body.data.user.permissions['service_orders.read'], 'caregiver');
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
