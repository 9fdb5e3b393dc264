// Full ID numbers and phones in lists and exports: only for callers holding persons.unmask, and
// every such read is in the audit log with the records it showed. Also: dictionary labels are
// accepted wherever codes are.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, stopAndCollect } from './lib.mjs';

let srv, cw, gw, admin, person, grid;
before(async () => {
  srv = await startServer();
  [cw, gw, admin] = await Promise.all(['community_worker', 'grid_worker', 'district_admin'].map((u) => loginAs(srv.base, u)));
  const me = (await gw.get('/api/v1/auth/me')).body.data.user;
  grid = me.org_id;
  const id = freshId();
  const r = await cw.post('/api/v1/persons', { name: '冯十', id_number: id, phone: '13800138000', org_id: grid, tags: ['低保', 'Disability'], gender: '男' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  person = { ...r.body.data, full_id: id };
});
after(async () => { if (srv) await srv.stop(); });

test('dictionary labels in zh or en are stored as their codes', () => {
  assert.deepEqual(person.tags, ['dibao', 'disabled']);
  assert.equal(person.gender, '1');
});

test('a list with unmask=1 shows full values to a permitted caller and is audited with the ids', async () => {
  const r = await cw.get(`/api/v1/persons?org_id=${grid}&unmask=1&per_page=500`);
  assert.equal(r.status, 200);
  const row = r.body.data.find((p) => p.id === person.id);
  assert.equal(row.id_number, person.full_id);
  assert.equal(row.phone, '13800138000');
  const masked = await cw.get(`/api/v1/persons?org_id=${grid}&per_page=500`);
  assert.match(masked.body.data.find((p) => p.id === person.id).id_number, /\*{10}/);
  const audit = await admin.get('/api/v1/audit?action=unmask&resource=persons&sort=-id&per_page=1');
  const entry = audit.body.data[0];
  assert.equal(entry.username, 'community_worker');
  const detail = JSON.parse(entry.detail);
  assert.ok(detail.ids.includes(person.id));
  assert.equal(detail.count, r.body.data.length);
});

test('a caller without persons.unmask gets 403 for unmask=1 on lists and exports', async () => {
  assert.equal((await gw.get(`/api/v1/persons?unmask=1`)).status, 403);
  assert.equal((await gw.get(`/api/v1/persons/${person.id}?unmask=1`)).status, 403);
  const ex = await admin.get('/api/v1/persons.csv?unmask=1&per_page=1', { raw: true });
  assert.equal(ex.status, 200, 'district_admin holds persons.unmask');
});

test('an export with unmask=1 carries full ID numbers and is audited as such', async () => {
  const r = await cw.get(`/api/v1/persons.csv?org_id=${grid}&unmask=1`, { raw: true });
  assert.equal(r.status, 200);
  const text = r.buf.toString('utf8');
  assert.ok(text.includes(person.full_id));
  const plain = (await cw.get(`/api/v1/persons.csv?org_id=${grid}`, { raw: true })).buf.toString('utf8');
  assert.ok(!plain.includes(person.full_id));
  const audit = await admin.get('/api/v1/audit?action=export&resource=persons&sort=-id&per_page=2');
  const details = audit.body.data.map((e) => JSON.parse(e.detail));
  assert.ok(details.some((d) => d.unmasked === false));
  assert.ok(details.some((d) => d.unmasked === true));
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  await srv.stop();
  srv = null;
  assert.equal(code, 0);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
});
