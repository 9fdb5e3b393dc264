// Households and their dated memberships: creating a household makes its head's membership,
// members join and leave with a date and a reason, the head leaves last, change_head moves the
// role, and member_count follows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, stopAndCollect } from './lib.mjs';

let srv, cw, cw2;
let community, grid;

before(async () => {
  srv = await startServer();
  cw = await loginAs(srv.base, 'community_worker');
  cw2 = await loginAs(srv.base, 'community_worker2');
  community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
});
after(async () => { await srv.stop(); });

async function person(name, opts = {}) {
  const r = await cw.post('/api/v1/persons', { name, id_number: freshId(opts), org_id: grid });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data;
}

async function household(headId, extra = {}) {
  const r = await cw.post('/api/v1/households', { org_id: grid, head_person_id: headId, address: '经八路3号', ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data;
}

async function addMember(hh, personId, relation = 'child', start = '2022-01-01') {
  const r = await cw.post('/api/v1/household_members', { household_id: hh, person_id: personId, relation, start_date: start });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data;
}

/* today in Asia/Shanghai, as the server counts dates */
const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);

const members = async (hh) => (await cw.get(`/api/v1/household_members?household_id=${hh}&sort=id`)).body.data;
const hhGet = async (hh) => (await cw.get(`/api/v1/households/${hh}`)).body.data;

test('creating a household with head_person_id creates the head\'s membership and member_count 1', async () => {
  const head = await person('户主一');
  const hh = await household(head.id, { hh_number: 'T0001' });
  assert.equal(hh.head_person_id, head.id);
  assert.equal(hh.member_count, 1);
  assert.equal(hh.kind, 'family', 'the default kind');
  const ms = await members(hh.id);
  assert.equal(ms.length, 1);
  assert.equal(ms[0].person_id, head.id);
  assert.equal(ms[0].relation, 'self');
  assert.match(ms[0].start_date, /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(ms[0].end_date, null);
  assert.equal(ms[0].start_date, today, 'the head\'s membership starts on the day the household is registered');
  // the household is found by its number and by its head
  assert.equal((await cw.get('/api/v1/households?q=T0001')).body.data[0]?.id, hh.id);
  assert.equal((await cw.get(`/api/v1/households?head_person_id=${head.id}`)).body.meta.total, 1);
});

test('a household needs a head; a person who is already a live member cannot head another one', async () => {
  const r = await cw.post('/api/v1/households', { org_id: grid });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.head_person_id, 'required');
  const head = await person('户主二');
  await household(head.id);
  const again = await cw.post('/api/v1/households', { org_id: grid, head_person_id: head.id });
  assert.equal(again.status, 422);
  assert.equal(again.body.error.field_codes.head_person_id, 'already_member');
});

test('adding a member creates a dated membership and raises member_count', async () => {
  const head = await person('户主三');
  const child = await person('子女三', { female: true });
  const hh = await household(head.id);
  const m = await addMember(hh.id, child.id, 'child', '2023-05-01');
  assert.equal(m.household_id, hh.id);
  assert.equal(m.person_id, child.id);
  assert.equal(m.relation, 'child');
  assert.equal(m.start_date, '2023-05-01');
  assert.equal(m.end_date, null);
  assert.equal((await hhGet(hh.id)).member_count, 2);
  assert.equal((await cw.get(`/api/v1/household_members?person_id=${child.id}`)).body.meta.total, 1);
});

test('a live member cannot join a second household, nor can a second head be added', async () => {
  const h1 = await person('户主四');
  const h2 = await person('户主五');
  const m = await person('成员四');
  const other = await person('成员五');
  const a = await household(h1.id);
  const b = await household(h2.id);
  await addMember(a.id, m.id);
  const twice = await cw.post('/api/v1/household_members', { household_id: b.id, person_id: m.id, relation: 'child', start_date: '2022-01-01' });
  assert.equal(twice.status, 422);
  assert.equal(twice.body.error.field_codes.person_id, 'already_member');
  const head2 = await cw.post('/api/v1/household_members', { household_id: a.id, person_id: other.id, relation: 'self', start_date: '2022-01-01' });
  assert.equal(head2.status, 422);
  assert.equal(head2.body.error.field_codes.relation, 'head_exists');
  assert.equal((await hhGet(a.id)).member_count, 2);
  assert.equal((await hhGet(b.id)).member_count, 1);
});

test('membership references must exist: unknown household or person is unknown_reference', async () => {
  const p = await person('无户');
  const r1 = await cw.post('/api/v1/household_members', { household_id: 99999999, person_id: p.id, relation: 'child', start_date: '2022-01-01' });
  assert.equal(r1.status, 422);
  assert.equal(r1.body.error.field_codes.household_id, 'unknown_reference');
  const head = await person('户主六');
  const hh = await household(head.id);
  const r2 = await cw.post('/api/v1/household_members', { household_id: hh.id, person_id: 99999999, relation: 'child', start_date: '2022-01-01' });
  assert.equal(r2.status, 422);
  assert.equal(r2.body.error.field_codes.person_id, 'unknown_reference');
  const r3 = await cw.post('/api/v1/household_members', { household_id: hh.id, person_id: p.id, relation: 'cousin', start_date: '2022-01-01' });
  assert.equal(r3.status, 422);
  assert.equal(r3.body.error.field_codes.relation, 'unknown_code');
});

test('ending a membership needs end_date and end_reason; afterwards member_count drops and history stays', async () => {
  const head = await person('户主七');
  const child = await person('子女七');
  const hh = await household(head.id);
  const m = await addMember(hh.id, child.id, 'child', '2020-01-01');
  const path = `/api/v1/household_members/${m.id}`;

  const noReason = await cw.patchFresh(path, { end_date: '2024-06-30' });
  assert.equal(noReason.status, 422);
  assert.equal(noReason.body.error.field_codes.end_reason, 'required');
  const early = await cw.patchFresh(path, { end_date: '2019-12-31', end_reason: 'moved_out' });
  assert.equal(early.status, 422);
  assert.equal(early.body.error.field_codes.end_date, 'end_before_start');
  const future = await cw.patchFresh(path, { end_date: '2199-01-01', end_reason: 'moved_out' });
  assert.equal(future.status, 422);
  assert.equal(future.body.error.field_codes.end_date, 'date_future');

  const ended = await cw.patchFresh(path, { end_date: '2024-06-30', end_reason: 'moved_out' });
  assert.equal(ended.status, 200, JSON.stringify(ended.body));
  assert.equal(ended.body.data.end_date, '2024-06-30');
  assert.equal(ended.body.data.end_reason, 'moved_out');
  assert.equal((await hhGet(hh.id)).member_count, 1);
  const hist = await cw.get(`/api/v1/household_members?person_id=${child.id}`);
  assert.equal(hist.body.meta.total, 1);
  assert.equal(hist.body.data[0].end_date, '2024-06-30');
  // with the old membership ended the person may join another household
  const head2 = await person('户主七乙');
  const hh2 = await household(head2.id);
  await addMember(hh2.id, child.id, 'other', '2024-07-01');
  assert.equal((await cw.get(`/api/v1/household_members?person_id=${child.id}`)).body.meta.total, 2);
  const history = await cw.get(`${path}/history`);
  assert.deepEqual(history.body.data.map((h) => h.action), ['update', 'create']);
});

test('the head cannot leave while others remain: head_must_change', async () => {
  const head = await person('户主八');
  const spouse = await person('配偶八', { female: true });
  const hh = await household(head.id);
  await addMember(hh.id, spouse.id, 'spouse');
  const headMembership = (await members(hh.id)).find((m) => m.relation === 'self');
  const r = await cw.patchFresh(`/api/v1/household_members/${headMembership.id}`, { end_date: today, end_reason: 'moved_out' });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.end_date, 'head_must_change');
  assert.equal((await hhGet(hh.id)).member_count, 2);
  // nor may the head's relation be edited away from self
  const rel = await cw.patchFresh(`/api/v1/household_members/${headMembership.id}`, { relation: 'spouse' });
  assert.equal(rel.status, 422);
  assert.equal(rel.body.error.field_codes.relation, 'head_change');
});

test('change_head makes a live member the head and the former head takes the given relation', async () => {
  const head = await person('户主九');
  const spouse = await person('配偶九', { female: true });
  const outsider = await person('外人九');
  const hh = await household(head.id);
  await addMember(hh.id, spouse.id, 'spouse');

  const notMember = await cw.post(`/api/v1/households/${hh.id}/change_head`, { person_id: outsider.id });
  assert.equal(notMember.status, 422);
  assert.equal(notMember.body.error.field_codes.person_id, 'not_member');
  const noPerson = await cw.post(`/api/v1/households/${hh.id}/change_head`, {});
  assert.equal(noPerson.status, 422);
  assert.equal(noPerson.body.error.field_codes.person_id, 'required');
  const badRel = await cw.post(`/api/v1/households/${hh.id}/change_head`, { person_id: spouse.id, former_head_relation: 'self' });
  assert.equal(badRel.status, 422);
  assert.equal(badRel.body.error.field_codes.former_head_relation, 'unknown_code');

  const r = await cw.post(`/api/v1/households/${hh.id}/change_head`, { person_id: spouse.id, former_head_relation: 'spouse' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.head_person_id, spouse.id);
  assert.equal(r.body.data.member_count, 2);
  const ms = await members(hh.id);
  assert.equal(ms.find((m) => m.person_id === spouse.id).relation, 'self');
  assert.equal(ms.find((m) => m.person_id === head.id).relation, 'spouse');

  // now the former head may leave
  const former = ms.find((m) => m.person_id === head.id);
  const leave = await cw.patchFresh(`/api/v1/household_members/${former.id}`, { end_date: today, end_reason: 'moved_household' });
  assert.equal(leave.status, 200, JSON.stringify(leave.body));
  const after = await hhGet(hh.id);
  assert.equal(after.member_count, 1);
  assert.equal(after.head_person_id, spouse.id);
  const hist = await cw.get(`/api/v1/households/${hh.id}/history`);
  assert.ok(hist.body.data.some((h) => h.action === 'change_head'));
  // asking for the current head again changes nothing
  const same = await cw.post(`/api/v1/households/${hh.id}/change_head`, { person_id: spouse.id });
  assert.equal(same.status, 200);
  assert.equal(same.body.data.changed, false);
});

test('the last member, the head, may leave; then the empty household can be deleted', async () => {
  const head = await person('户主十');
  const hh = await household(head.id);
  const del1 = await cw.del(`/api/v1/households/${hh.id}?reason=test`);
  assert.equal(del1.status, 409);
  assert.equal(del1.body.error.code, 'household_not_empty');
  const m = (await members(hh.id))[0];
  const early = await cw.patchFresh(`/api/v1/household_members/${m.id}`, { end_date: '2024-01-01', end_reason: 'other' });
  assert.equal(early.status, 422, 'the head joined today, so cannot have left earlier');
  assert.equal(early.body.error.field_codes.end_date, 'end_before_start');
  const leave = await cw.patchFresh(`/api/v1/household_members/${m.id}`, { end_date: today, end_reason: 'other' });
  assert.equal(leave.status, 200, JSON.stringify(leave.body));
  assert.equal((await hhGet(hh.id)).member_count, 0);
  const del2 = await cw.del(`/api/v1/households/${hh.id}?reason=${encodeURIComponent('户已注销')}`);
  assert.equal(del2.status, 200, JSON.stringify(del2.body));
  assert.equal((await cw.get(`/api/v1/households/${hh.id}`)).status, 404);
});

test('households: PATCH with If-Match updates; the head is immutable; history lists the changes', async () => {
  const head = await person('户主十一');
  const other = await person('他人十一');
  const hh = await household(head.id);
  const noIfMatch = await cw.patch(`/api/v1/households/${hh.id}`, { address: '新地址' });
  assert.equal(noIfMatch.status, 428);
  const ok = await cw.patch(`/api/v1/households/${hh.id}`, { address: '新地址', kind: 'collective' }, { headers: { 'If-Match': `"${hh.version}"` } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.data.address, '新地址');
  assert.equal(ok.body.data.kind, 'collective');
  assert.equal(ok.body.data.version, hh.version + 1);
  const imm = await cw.patchFresh(`/api/v1/households/${hh.id}`, { head_person_id: other.id });
  assert.equal(imm.status, 422);
  assert.equal(imm.body.error.field_codes.head_person_id, 'immutable');
  const hist = await cw.get(`/api/v1/households/${hh.id}/history`);
  assert.equal(hist.status, 200);
  assert.deepEqual(hist.body.data.map((h) => h.action), ['update', 'create']);
  assert.deepEqual(hist.body.data[0].detail.diff.address, ['经八路3号', '新地址']);
});

test('memberships are never deleted: DELETE is 405; person and household are immutable on a membership', async () => {
  const head = await person('户主十二');
  const hh = await household(head.id);
  const m = (await members(hh.id))[0];
  const del = await cw.del(`/api/v1/household_members/${m.id}?reason=x`);
  assert.equal(del.status, 405);
  assert.equal(del.body.error.code, 'method_not_allowed');
  const other = await person('他人十二');
  const imm = await cw.patchFresh(`/api/v1/household_members/${m.id}`, { person_id: other.id });
  assert.equal(imm.status, 422);
  assert.equal(imm.body.error.field_codes.person_id, 'immutable');
});

test('a household in a building: the building reference is checked and filterable', async () => {
  const b = await cw.post('/api/v1/buildings', { name: '测试楼', org_id: grid, floors: 6 });
  assert.equal(b.status, 201, JSON.stringify(b.body));
  const head = await person('户主十三');
  const hh = await household(head.id, { building_id: b.body.data.id });
  assert.equal(hh.building_id, b.body.data.id);
  const list = await cw.get(`/api/v1/households?building_id=${b.body.data.id}`);
  assert.deepEqual(list.body.data.map((x) => x.id), [hh.id]);
});

test('another community cannot see or change these households and memberships', async () => {
  const head = await person('户主十四');
  const hh = await household(head.id);
  const m = (await members(hh.id))[0];
  assert.equal((await cw2.get(`/api/v1/households/${hh.id}`)).status, 404);
  assert.equal((await cw2.get(`/api/v1/household_members/${m.id}`)).status, 404);
  assert.equal((await cw2.post(`/api/v1/households/${hh.id}/change_head`, { person_id: head.id })).status, 404);
  assert.equal((await cw2.patch(`/api/v1/households/${hh.id}`, { note: 'x' }, { headers: { 'If-Match': '"1"' } })).status, 404);
  const add = await cw2.post('/api/v1/household_members', { household_id: hh.id, person_id: head.id, relation: 'child', start_date: '2022-01-01' });
  assert.equal(add.status, 422);
  assert.equal(add.body.error.field_codes.household_id, 'unknown_reference');
  assert.equal((await cw2.get(`/api/v1/household_members?household_id=${hh.id}`)).body.meta.total, 0);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
