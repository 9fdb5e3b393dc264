// The audit log: every create, update and delete leaves an entry with its diff (never a full ID
// number); only auditors and administrators read it; `shequ audit verify` checks the hash chain
// and names the first entry that was altered or removed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, run, copyDb, sql, stopAndCollect } from './lib.mjs';

let srv, cw, auditor, admin;
let grid;

before(async () => {
  srv = await startServer();
  cw = await loginAs(srv.base, 'community_worker');
  auditor = await loginAs(srv.base, 'auditor');
  admin = await loginAs(srv.base, 'district_admin');
  const community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
});
after(async () => { await srv.stop(); });

test('create, update and delete of a person each leave an audit entry with the change', async () => {
  const id = freshId();
  const p = (await cw.post('/api/v1/persons', { name: '审计甲', id_number: id, org_id: grid, phone: '13733334444' })).body.data;
  await cw.patch(`/api/v1/persons/${p.id}`, { name: '审计乙', tags: ['student'] }, { headers: { 'If-Match': '"1"' } });
  await cw.del(`/api/v1/persons/${p.id}?reason=${encodeURIComponent('测试删除')}`);
  const r = await auditor.get(`/api/v1/audit?resource=persons&record_id=${p.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.meta.total, 3);
  const [del, upd, cre] = r.body.data;          // newest first
  assert.deepEqual([del.action, upd.action, cre.action], ['delete', 'update', 'create']);
  for (const e of r.body.data) {
    assert.equal(e.username, 'community_worker');
    assert.equal(e.resource, 'persons');
    assert.equal(e.record_id, p.id);
    assert.match(e.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(e.ip, '127.0.0.1');
  }
  const c = JSON.parse(cre.detail);
  assert.equal(c.after.name, '审计甲');
  assert.equal(c.after.id_number, `${id.slice(0, 4)}**********${id.slice(-4)}`);
  const u = JSON.parse(upd.detail);
  assert.deepEqual(u.diff.name, ['审计甲', '审计乙']);
  assert.deepEqual(u.diff.tags, [[], ['student']]);
  assert.ok(!('id_number' in u.diff), 'unchanged fields are not in the diff');
  const d = JSON.parse(del.detail);
  assert.equal(d.reason, '测试删除');
  assert.equal(d.before.name, '审计乙');
  // sensitive values never enter the log
  const all = JSON.stringify(r.body);
  assert.ok(!all.includes(id));
  assert.ok(!all.includes('13733334444'));
});

test('an update that changes nothing leaves no audit entry', async () => {
  const p = (await cw.post('/api/v1/persons', { name: '不变', id_number: freshId(), org_id: grid })).body.data;
  const r = await cw.patch(`/api/v1/persons/${p.id}`, { name: '不变' }, { headers: { 'If-Match': '"1"' } });
  assert.equal(r.status, 200);
  const log = await auditor.get(`/api/v1/audit?resource=persons&record_id=${p.id}`);
  assert.deepEqual(log.body.data.map((e) => e.action), ['create']);
});

test('the record\'s history endpoint shows the same entries, newest first, with parsed details', async () => {
  const p = (await cw.post('/api/v1/persons', { name: '历史', id_number: freshId(), org_id: grid })).body.data;
  await cw.patchFresh(`/api/v1/persons/${p.id}`, { note: '一' });
  await cw.patchFresh(`/api/v1/persons/${p.id}`, { note: '二' });
  const h = await cw.get(`/api/v1/persons/${p.id}/history`);
  assert.equal(h.status, 200);
  assert.deepEqual(h.body.data.map((e) => e.action), ['update', 'update', 'create']);
  assert.deepEqual(h.body.data[0].detail.diff.note, ['一', '二']);
  assert.deepEqual(h.body.data[1].detail.diff.note, [null, '一']);
  const ids = h.body.data.map((e) => e.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
});

test('community workers cannot read the audit log (403); auditors and administrators can', async () => {
  const r = await cw.get('/api/v1/audit');
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'forbidden');
  assert.equal((await cw.get('/api/v1/audit_log')).status, 403);
  assert.equal((await auditor.get('/api/v1/audit?per_page=5')).status, 200);
  assert.equal((await admin.get('/api/v1/audit?per_page=5')).status, 200);
  // the log is read-only
  assert.equal((await admin.post('/api/v1/audit_log', { action: 'x' })).status, 405);
  const first = (await admin.get('/api/v1/audit?sort=id&per_page=1')).body.data[0];
  assert.equal((await admin.patch(`/api/v1/audit_log/${first.id}`, { summary: 'x' }, { headers: { 'If-Match': '"1"' } })).status, 405);
  assert.equal((await admin.del(`/api/v1/audit_log/${first.id}?reason=x`)).status, 405);
});

test('audit filters: by action, user and time', async () => {
  const since = new Date(Date.now() - 60000).toISOString().slice(0, 19) + 'Z';
  const r = await auditor.get(`/api/v1/audit?action=create&username=community_worker&at__gte=${since}&per_page=100`);
  assert.equal(r.status, 200);
  assert.ok(r.body.meta.total >= 3);
  for (const e of r.body.data) {
    assert.equal(e.action, 'create');
    assert.equal(e.username, 'community_worker');
    assert.ok(e.at >= since);
  }
});

test('the audit viewer\'s action and record-kind filters are dictionaries covering every action and every record kind', async () => {
  const meta = (await auditor.get('/api/v1/meta')).body.data;
  const fields = meta.resources.find((r) => r.name === 'audit_log').fields;
  assert.equal(fields.find((f) => f.name === 'action').dict, 'audit_action');
  assert.equal(fields.find((f) => f.name === 'resource').dict, 'record_kind');
  const kinds = meta.dicts.record_kind.map((i) => i.code);
  for (const r of meta.resources) assert.ok(kinds.includes(r.name), `record_kind names ${r.name}`);
  assert.equal(meta.dicts.record_kind.find((i) => i.code === 'persons').label_zh, '居民');
  // every action the log holds has a label
  const actions = new Set(meta.dicts.audit_action.map((i) => i.code));
  const all = (await auditor.get('/api/v1/audit?per_page=500')).body.data;
  for (const e of all) assert.ok(actions.has(e.action), `audit_action labels ${e.action}`);
});

test('`shequ audit verify` on the live database exits 0 and says intact', async () => {
  const r = run(['audit', 'verify', '--db', srv.db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /intact/);
  const n = Number(r.stdout.match(/(\d+) entries/)[1]);
  const total = (await admin.get('/api/v1/audit?per_page=1')).body.meta.total;
  assert.ok(n >= total, `${n} entries verified, ${total} visible to the district`);
});

test('an edited entry breaks the chain: verify exits 3 and names that entry', async () => {
  const url = copyDb(srv, 'tampered-edit.db');
  assert.equal(run(['audit', 'verify', '--db', url]).code, 0, 'the copy verifies before tampering');
  sql(url, "UPDATE audit_log SET summary = 'x' WHERE id = 3");
  const r = run(['audit', 'verify', '--db', url]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /BROKEN at entry 3\b/);
});

test('a recomputed entry does not hide an edit: the next entry no longer follows it', async () => {
  const copy = copyDb(srv, 'tampered-rehash.db');
  // change entry 2 and also its stored hash: entry 3's prev_hash still names the old one
  sql(copy, "UPDATE audit_log SET hash = 'ffff' || substr(hash, 5), summary = 'y' WHERE id = 2");
  const r = run(['audit', 'verify', '--db', copy]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /BROKEN at entry 2\b/);
});

test('a deleted last entry is detected: verify exits 3 and names it', async () => {
  const copy = copyDb(srv, 'tampered-tail.db');
  const last = Number(sql(copy, 'SELECT max(id) FROM audit_log'));
  assert.ok(last > 3);
  sql(copy, `DELETE FROM audit_log WHERE id = ${last}`);
  const r = run(['audit', 'verify', '--db', copy]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`BROKEN at entry ${last}\\b`));
});

test('a deleted entry in the middle is detected as missing', async () => {
  const copy = copyDb(srv, 'tampered-middle.db');
  sql(copy, 'DELETE FROM audit_log WHERE id = 5');
  const r = run(['audit', 'verify', '--db', copy]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /BROKEN at entry 5\b/);
  assert.match(r.stdout, /missing/);
});

test('the live log still verifies after the copies were tampered with, and after more writes', async () => {
  await cw.post('/api/v1/persons', { name: '之后', id_number: freshId(), org_id: grid });
  const r = run(['audit', 'verify', '--db', srv.db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
  // and the log verifies with the server stopped
  const r = run(['audit', 'verify', '--db', srv.db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
