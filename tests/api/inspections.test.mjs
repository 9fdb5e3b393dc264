// Safety inspections of care institutions (issue 5 point 10): checklist results, findings and a
// rectification deadline, re-inspection of what failed, closure, the overdue list (?overdue=1),
// scope (a community worker only their community's institutions) and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, stopAndCollect } from './lib.mjs';

let srv, cw, cw2, admin, gw, auditor, community, community2, inst, inspectors;

const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
const shift = (days) => new Date(Date.parse(`${today}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
const ALL_PASS = { fire_exits: 'pass', extinguishers: 'pass', electrical: 'pass', gas: 'na' };

before(async () => {
  srv = await startServer();
  [cw, cw2, admin, gw, auditor] = await Promise.all(['community_worker', 'community_worker2', 'district_admin', 'grid_worker', 'auditor']
    .map((u) => loginAs(srv.base, u)));
  community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  community2 = (await cw2.get('/api/v1/auth/me')).body.data.user.org_id;
  const r = await cw.post('/api/v1/institutions', { name: '安全检查测试院', kind: 'private', org_id: community, beds: 50 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  inst = r.body.data.id;
  inspectors = [(await cw.get('/api/v1/auth/me')).body.data.user.id, (await gw.get('/api/v1/auth/me')).body.data.user.id];
});
after(async () => { await srv.stop(); });

const inspect = (body, who = cw) => who.post('/api/v1/inspections', { institution_id: inst, inspectors, ...body });

test('nothing failing passes; a failure needs findings and a deadline and stays open until re-inspected', async () => {
  const ok = await inspect({ items: ALL_PASS });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.data.status, 'passed');
  assert.deepEqual(ok.body.data.failed_items, []);
  assert.equal(ok.body.data.org_id, community);
  const r = await inspect({ inspected_on: shift(-20), items: { ...ALL_PASS, fire_exits: 'fail', extinguishers: 'fail' },
    findings: '消防通道堆物；灭火器过期', rectify_by: shift(10) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const first = r.body.data;
  assert.equal(first.status, 'rectifying');
  assert.deepEqual(first.failed_items.sort(), ['extinguishers', 'fire_exits']);
  // the status is never typed, except closure, and only of a rectified inspection
  const early = await cw.patchFresh(`/api/v1/inspections/${first.id}`, { status: 'closed' });
  assert.equal(early.status, 422);
  assert.equal(early.body.error.field_codes.status, 'invalid_transition');
  // a re-inspection must look at every failing item; one item still failing keeps it open
  const partial = await inspect({ reinspection_of: first.id, items: { fire_exits: 'pass' } });
  assert.equal(partial.status, 422);
  assert.equal(partial.body.error.field_codes['items.extinguishers'], 'required');
  const still = await inspect({ reinspection_of: first.id, inspected_on: shift(-5), items: { fire_exits: 'pass', extinguishers: 'fail' },
    findings: '灭火器仍未更换', rectify_by: shift(-1) });
  assert.equal(still.status, 201, JSON.stringify(still.body));
  assert.equal(still.body.data.status, 'recorded');
  let now = (await cw.get(`/api/v1/inspections/${first.id}`)).body.data;
  assert.equal(now.status, 'rectifying');
  assert.deepEqual(now.failed_items, ['extinguishers']);
  assert.equal(now.rectify_by, shift(-1), 'the re-inspection\'s deadline');
  // past the deadline: on the overdue list, and the tag filter follows what still fails
  let overdue = (await cw.get('/api/v1/inspections?overdue=1&per_page=100')).body.data.map((x) => x.id);
  assert.ok(overdue.includes(first.id));
  assert.equal((await cw.get(`/api/v1/inspections?failed_items=fire_exits&id=${first.id}`)).body.meta.total, 0);
  assert.equal((await cw.get(`/api/v1/inspections?failed_items=extinguishers&id=${first.id}`)).body.meta.total, 1);
  // fixed: rectified, off the overdue list, then closed
  const fixed = await inspect({ reinspection_of: first.id, items: { extinguishers: 'pass' } });
  assert.equal(fixed.status, 201, JSON.stringify(fixed.body));
  now = (await cw.get(`/api/v1/inspections/${first.id}`)).body.data;
  assert.equal(now.status, 'rectified');
  assert.deepEqual(now.failed_items, []);
  overdue = (await cw.get('/api/v1/inspections?overdue=1&per_page=100')).body.data.map((x) => x.id);
  assert.ok(!overdue.includes(first.id));
  assert.equal((await inspect({ reinspection_of: first.id, items: { extinguishers: 'pass' } })).body.error.field_codes.reinspection_of, 'not_rectifying');
  const closed = await cw.patchFresh(`/api/v1/inspections/${first.id}`, { status: 'closed' });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  assert.equal(closed.body.data.closed_on, today);
  // the history shows each step
  const hist = (await cw.get(`/api/v1/inspections/${first.id}/history`)).body.data;
  assert.ok(hist.length >= 4, `${hist.length} entries`);
  assert.equal((await cw.delWithReason(`/api/v1/inspections/${first.id}`)).status, 405, 'inspections are kept');
});

test('the overdue list: the demo district has one, and ?overdue=0 is the rest', async () => {
  const all = (await admin.get('/api/v1/inspections?per_page=1')).body.meta.total;
  const od = (await admin.get('/api/v1/inspections?overdue=1')).body;
  const rest = (await admin.get('/api/v1/inspections?overdue=0&per_page=1')).body.meta.total;
  assert.ok(od.meta.total >= 1);
  assert.equal(od.meta.total + rest, all);
  for (const x of od.data) { assert.equal(x.status, 'rectifying'); assert.ok(x.rectify_by < today); }
  const bad = await admin.get('/api/v1/inspections?overdue=maybe');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field_codes.overdue, 'invalid_filter');
});

test('a community worker inspects and sees only their community\'s institutions', async () => {
  const r = await inspect({ items: ALL_PASS });
  assert.equal((await cw2.get(`/api/v1/inspections/${r.body.data.id}`)).status, 404);
  assert.equal((await cw2.get(`/api/v1/inspections?institution_id=${inst}`)).body.meta.total, 0);
  assert.equal((await cw2.get(`/api/v1/inspections?overdue=1&institution_id=${inst}`)).body.meta.total, 0);
  const x = await inspect({ items: ALL_PASS, inspectors: [(await cw2.get('/api/v1/auth/me')).body.data.user.id] }, cw2);
  assert.equal(x.status, 422);
  assert.equal(x.body.error.field_codes.institution_id, 'unknown_reference');
  assert.equal((await auditor.get(`/api/v1/inspections/${r.body.data.id}`)).status, 200);
  assert.equal((await auditor.post('/api/v1/inspections', { institution_id: inst, inspectors, items: ALL_PASS })).status, 403);
  assert.equal((await gw.get('/api/v1/inspections')).status, 403);
  void community2;
});

test('bad inspections are refused with the field named', async () => {
  const cases = [
    [{ items: {} }, 'items', 'wrong_type'],
    [{ items: [1] }, 'items', 'wrong_type'],
    [{ items: { roof: 'pass' } }, 'items.roof', 'unknown_item'],
    [{ items: { fire_exits: 'maybe' } }, 'items.fire_exits', 'invalid_result'],
    [{ items: { fire_exits: 'fail' }, findings: '堆物' }, 'rectify_by', 'required'],
    [{ items: { fire_exits: 'fail' }, rectify_by: shift(5) }, 'findings', 'required'],
    [{ items: { fire_exits: 'fail' }, findings: '堆物', rectify_by: shift(-400) }, 'rectify_by', 'before_inspection'],
    [{ items: ALL_PASS, rectify_by: shift(5) }, 'rectify_by', 'not_applicable'],
    [{ items: ALL_PASS, status: 'closed' }, 'status', 'not_allowed'],
    [{ items: ALL_PASS, inspected_on: shift(3) }, 'inspected_on', 'date_future'],
    [{ items: ALL_PASS, inspectors: [] }, 'inspectors', 'wrong_count'],
    [{ items: ALL_PASS, institution_id: 99999999 }, 'institution_id', 'unknown_reference'],
  ];
  for (const [body, field, code] of cases) {
    const r = await inspect(body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.body.error.field_codes[field], code, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
  }
  const malformed = await cw.request('POST', '/api/v1/inspections', { body: '{"items": {', headers: { 'Content-Type': 'application/json' } });
  assert.equal(malformed.status, 400);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
