// Residents (persons) through the generic record endpoints: create, read, If-Match updates,
// soft delete with a reason, history; ID-number normalisation, masking and unmasking, duplicate
// detection; q search and filters; dated status changes that end a household membership.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, to15, maskId, maskPhone, idNumber, stopAndCollect } from './lib.mjs';

let srv, cw, gw, auditor;
let community, grid;

before(async () => {
  srv = await startServer();
  cw = await loginAs(srv.base, 'community_worker');
  gw = await loginAs(srv.base, 'grid_worker');
  auditor = await loginAs(srv.base, 'auditor');
  const me = (await cw.get('/api/v1/auth/me')).body.data.user;
  community = me.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
});
after(async () => { await srv.stop(); });

async function create(body, client = cw) {
  const r = await client.post('/api/v1/persons', { org_id: grid, ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data;
}

test('creating a person answers 201 with Location, ETag, derived gender and birth date', async () => {
  const id = freshId({ female: true, from: '1985-06-01' });
  const r = await cw.post('/api/v1/persons', { name: '林静', id_number: id, org_id: grid, phone: '13812345678' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const p = r.body.data;
  assert.equal(r.headers.get('location'), `/api/v1/persons/${p.id}`);
  assert.equal(r.headers.get('etag'), '"1"');
  assert.equal(p.version, 1);
  assert.equal(p.gender, '2');
  assert.equal(p.birth_date, '1985-06-01');
  assert.equal(p.status, 'active');
  assert.equal(p.id_type, 'resident_id');
  assert.equal(p.org_id, grid);
  assert.equal(typeof p.age, 'number');
  assert.equal(p.id_number, maskId(id));
  assert.equal(p.phone, '138****5678');
  for (const k of Object.keys(p)) assert.ok(!k.startsWith('_'), `internal key ${k} leaked`);
});

test('GET of one person carries an ETag equal to its version and masked sensitive fields', async () => {
  const id = freshId();
  const p = await create({ name: '郭强', id_number: id, phone: '13912345678' });
  const r = await cw.get(`/api/v1/persons/${p.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('etag'), `"${r.body.data.version}"`);
  assert.match(r.body.data.id_number, /^4101\*{10}\d{3}[\dX]$/);
  assert.equal(r.body.data.id_number, maskId(id));
  assert.equal(r.body.data.phone, maskPhone('13912345678'));
  assert.ok(!JSON.stringify(r.body).includes(id), 'full ID number must not appear');
});

test('the list shows masked ID numbers and phones in the documented form', async () => {
  const id = idNumber('410105', '19770303', 999);
  assert.ok(id.endsWith(id.slice(-4)));
  const p = await create({ name: '韩梅', id_number: id, phone: '13800005678' });
  const list = await cw.get(`/api/v1/persons?q=${id}`);
  assert.equal(list.status, 200);
  assert.equal(list.body.meta.total, 1);
  const row = list.body.data[0];
  assert.equal(row.id, p.id);
  assert.equal(row.id_number, `4101**********${id.slice(-4)}`);
  assert.equal(row.phone, '138****5678');
});

test('PATCH without If-Match is refused with 428 precondition_required', async () => {
  const p = await create({ name: '周一', id_number: freshId() });
  const r = await cw.patch(`/api/v1/persons/${p.id}`, { note: 'x' });
  assert.equal(r.status, 428);
  assert.equal(r.body.error.code, 'precondition_required');
  const again = await cw.get(`/api/v1/persons/${p.id}`);
  assert.equal(again.body.data.note, null);
  assert.equal(again.body.data.version, 1);
});

test('PATCH with a stale version is refused with 412 and changes nothing', async () => {
  const p = await create({ name: '周二', id_number: freshId() });
  const ok = await cw.patch(`/api/v1/persons/${p.id}`, { note: 'first' }, { headers: { 'If-Match': '"1"' } });
  assert.equal(ok.status, 200);
  const stale = await cw.patch(`/api/v1/persons/${p.id}`, { note: 'second' }, { headers: { 'If-Match': '"1"' } });
  assert.equal(stale.status, 412);
  assert.equal(stale.body.error.code, 'stale_version');
  const cur = await cw.get(`/api/v1/persons/${p.id}`);
  assert.equal(cur.body.data.note, 'first');
  assert.equal(cur.body.data.version, 2);
});

test('PATCH with the current version answers 200, bumps the version and the ETag', async () => {
  const p = await create({ name: '周三', id_number: freshId() });
  const r = await cw.patch(`/api/v1/persons/${p.id}`, { name: '周叁', address: '经八路1号' }, { headers: { 'If-Match': '"1"' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.version, 2);
  assert.equal(r.body.data.name, '周叁');
  assert.equal(r.body.data.address, '经八路1号');
  assert.equal(r.headers.get('etag'), '"2"');
  // a weak or bare version is accepted too
  const r2 = await cw.patch(`/api/v1/persons/${p.id}`, { note: 'w' }, { headers: { 'If-Match': 'W/"2"' } });
  assert.equal(r2.status, 200);
  assert.equal(r2.body.data.version, 3);
  const bad = await cw.patch(`/api/v1/persons/${p.id}`, { note: 'w' }, { headers: { 'If-Match': 'abc' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'bad_if_match');
});

test('DELETE needs a reason; with one the person is gone (404) and history keeps create, update and delete', async () => {
  const p = await create({ name: '吴删', id_number: freshId() });
  await cw.patchFresh(`/api/v1/persons/${p.id}`, { note: 'before delete' });
  const noReason = await cw.del(`/api/v1/persons/${p.id}`);
  assert.equal(noReason.status, 422);
  assert.equal(noReason.body.error.field_codes.reason, 'required');
  assert.equal((await cw.get(`/api/v1/persons/${p.id}`)).status, 200);
  const hist0 = await cw.get(`/api/v1/persons/${p.id}/history`);
  assert.equal(hist0.status, 200);
  assert.deepEqual(hist0.body.data.map((h) => h.action), ['update', 'create']);
  assert.deepEqual(hist0.body.data[0].detail.diff.note, [null, 'before delete']);

  const del = await cw.del(`/api/v1/persons/${p.id}`, { body: { reason: '重复登记' } });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.equal(del.body.data.deleted, true);
  assert.equal((await cw.get(`/api/v1/persons/${p.id}`)).status, 404);
  assert.equal((await cw.patchFresh(`/api/v1/persons/${p.id}`, { note: 'x' })).status, 404);
  assert.equal((await cw.del(`/api/v1/persons/${p.id}?reason=again`)).status, 404);
  const list = await cw.get(`/api/v1/persons?name=${encodeURIComponent('吴删')}`);
  assert.equal(list.body.meta.total, 0);
  // the history of a deleted record is not readable through the record any more (it is gone) -
  // the audit log keeps it; see audit.test.mjs
  const hist = await auditor.get(`/api/v1/audit?resource=persons&record_id=${p.id}`);
  assert.deepEqual(hist.body.data.map((h) => h.action), ['delete', 'update', 'create']);
  assert.equal(JSON.parse(hist.body.data[0].detail).reason, '重复登记');
});

test('a 15-digit ID number is stored as 18 digits: ?unmask=1 shows it in full and the read is audited as unmask', async () => {
  const id18 = freshId({ from: '1962-02-02' });
  const p = await create({ name: '老卡', id_number: to15(id18), phone: '13612345678' });
  assert.equal(p.birth_date, '1962-02-02');
  assert.equal(p.id_number, maskId(id18));
  const full = await cw.get(`/api/v1/persons/${p.id}?unmask=1`);
  assert.equal(full.status, 200);
  assert.equal(full.body.data.id_number, id18);
  assert.equal(full.body.data.phone, '13612345678');
  const log = await auditor.get(`/api/v1/audit?action=unmask&resource=persons&record_id=${p.id}`);
  assert.equal(log.status, 200);
  assert.equal(log.body.meta.total, 1);
  assert.equal(log.body.data[0].username, 'community_worker');
  assert.deepEqual(JSON.parse(log.body.data[0].detail).fields, ['id_number', 'phone']);
  // a masked read is not an unmask
  await cw.get(`/api/v1/persons/${p.id}`);
  assert.equal((await auditor.get(`/api/v1/audit?action=unmask&resource=persons&record_id=${p.id}`)).body.meta.total, 1);
});

test('a lower-case x check character is accepted and stored upper-case', async () => {
  let id;
  for (let i = 0; i < 400 && !id; i++) { const c = freshId(); if (c.endsWith('X')) id = c; }
  assert.ok(id, 'found an ID number ending in X');
  const p = await create({ name: '艾克斯', id_number: id.toLowerCase() });
  const full = await cw.get(`/api/v1/persons/${p.id}?unmask=1`);
  assert.equal(full.body.data.id_number, id);
  assert.ok(full.body.data.id_number.endsWith('X'));
});

test('grid workers lack persons.unmask: ?unmask=1 is 403 and nothing is audited', async () => {
  const p = await create({ name: '网格内', id_number: freshId() });
  const r = await gw.get(`/api/v1/persons/${p.id}?unmask=1`);
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'unmask_forbidden');
  const masked = await gw.get(`/api/v1/persons/${p.id}`);
  assert.equal(masked.status, 200);
  const log = await auditor.get(`/api/v1/audit?action=unmask&record_id=${p.id}`);
  assert.equal(log.body.meta.total, 0);
});

test('a second live person with the same ID number is 409 duplicate with existing_id, also in its 15-digit form', async () => {
  const id = freshId({ from: '1971-04-04' });
  const first = await create({ name: '甲', id_number: id });
  const dup = await cw.post('/api/v1/persons', { name: '乙', id_number: id, org_id: grid });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, 'duplicate');
  assert.equal(dup.body.error.existing_id, first.id);
  assert.equal(dup.body.error.field_codes.id_number, 'duplicate');
  const dup15 = await cw.post('/api/v1/persons', { name: '丙', id_number: to15(id), org_id: grid });
  assert.equal(dup15.status, 409);
  assert.equal(dup15.body.error.existing_id, first.id);
});

test('after the first holder is soft-deleted (with a reason) the ID number can be used again', async () => {
  const id = freshId({ from: '1972-05-05' });
  const first = await create({ name: '先', id_number: id });
  assert.equal((await cw.post('/api/v1/persons', { name: '后', id_number: id, org_id: grid })).status, 409);
  assert.equal((await cw.del(`/api/v1/persons/${first.id}?reason=${encodeURIComponent('录入错误')}`)).status, 200);
  const again = await cw.post('/api/v1/persons', { name: '后', id_number: id, org_id: grid });
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.notEqual(again.body.data.id, first.id);
});

test('changing a person\'s ID number to one another person holds is 409 duplicate', async () => {
  const a = await create({ name: '改甲', id_number: freshId() });
  const b = await create({ name: '改乙', id_number: freshId() });
  const full = (await cw.get(`/api/v1/persons/${a.id}?unmask=1`)).body.data.id_number;
  const r = await cw.patchFresh(`/api/v1/persons/${b.id}`, { id_number: full });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.existing_id, a.id);
  // patching a person with their own number is not a duplicate
  const same = await cw.patchFresh(`/api/v1/persons/${a.id}`, { id_number: full });
  assert.equal(same.status, 200, JSON.stringify(same.body));
});

test('q finds a person by name prefix', async () => {
  const p = await create({ name: '诸葛测试亮', id_number: freshId() });
  const r = await cw.get(`/api/v1/persons?q=${encodeURIComponent('诸葛测')}`);
  assert.equal(r.status, 200);
  assert.ok(r.body.data.some((x) => x.id === p.id));
  for (const x of r.body.data) assert.ok(x.name.startsWith('诸葛测'), x.name);
  const none = await cw.get(`/api/v1/persons?q=${encodeURIComponent('测试亮')}`);
  assert.ok(!none.body.data.some((x) => x.id === p.id), 'name search is by prefix');
});

test('q finds a person by full ID number in any case and in its 15-digit form', async () => {
  let id;
  for (let i = 0; i < 400 && !id; i++) { const c = freshId({ from: '1966-01-01' }); if (c.endsWith('X')) id = c; }
  const p = await create({ name: '查号', id_number: id });
  for (const q of [id, id.toLowerCase(), to15(id), ` ${id} `]) {
    const r = await cw.get(`/api/v1/persons?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.meta.total, 1, `q=${q}`);
    assert.equal(r.body.data[0].id, p.id);
  }
  // a partial number finds nobody (only the hash of a whole number is stored)
  const part = await cw.get(`/api/v1/persons?q=${id.slice(0, 10)}`);
  assert.equal(part.body.meta.total, 0);
});

test('q finds a person by phone, written with or without separators', async () => {
  const p = await create({ name: '电话', id_number: freshId(), phone: '13598765432' });
  for (const q of ['13598765432', '135-9876-5432', '+86 135 9876 5432']) {
    const r = await cw.get(`/api/v1/persons?q=${encodeURIComponent(q)}`);
    assert.ok(r.body.data.some((x) => x.id === p.id), `q=${q}`);
    for (const x of r.body.data) assert.equal(x.phone, '135****5432');
  }
});

test('org_id filter on a community includes its grids; on a grid only that grid', async () => {
  const atCommunity = await create({ name: '社区级', id_number: freshId(), org_id: community });
  const atGrid = await create({ name: '网格级', id_number: freshId(), org_id: grid });
  const byCommunity = await cw.get(`/api/v1/persons?org_id=${community}&per_page=500`);
  const byGrid = await cw.get(`/api/v1/persons?org_id=${grid}&per_page=500`);
  const all = await cw.get('/api/v1/persons?per_page=500');
  const ids = (r) => r.body.data.map((x) => x.id);
  assert.ok(ids(byCommunity).includes(atCommunity.id));
  assert.ok(ids(byCommunity).includes(atGrid.id));
  assert.ok(!ids(byGrid).includes(atCommunity.id));
  assert.ok(ids(byGrid).includes(atGrid.id));
  for (const x of byGrid.body.data) assert.equal(x.org_id, grid);
  for (const x of byCommunity.body.data) assert.ok([community, grid].includes(x.org_id));
  assert.equal(byCommunity.body.meta.total, all.body.meta.total);
  assert.equal(byCommunity.body.meta.total, byGrid.body.meta.total + byCommunity.body.data.filter((x) => x.org_id === community).length);
  assert.equal((await cw.get('/api/v1/persons?org_id=abc')).status, 400);
});

test('tags filter returns only people carrying every listed tag', async () => {
  const both = await create({ name: '双标', id_number: freshId(), tags: ['dibao', 'disabled'] });
  const one = await create({ name: '单标', id_number: freshId(), tags: ['dibao'] });
  const r1 = await cw.get('/api/v1/persons?tags=dibao&per_page=500');
  assert.ok(r1.body.data.some((x) => x.id === both.id));
  assert.ok(r1.body.data.some((x) => x.id === one.id));
  for (const x of r1.body.data) assert.ok(x.tags.includes('dibao'));
  const r2 = await cw.get('/api/v1/persons?tags=dibao,disabled&per_page=500');
  assert.ok(r2.body.data.some((x) => x.id === both.id));
  assert.ok(!r2.body.data.some((x) => x.id === one.id));
  for (const x of r2.body.data) assert.ok(x.tags.includes('dibao') && x.tags.includes('disabled'));
  // tags changed by PATCH are re-indexed
  await cw.patchFresh(`/api/v1/persons/${both.id}`, { tags: ['veteran'] });
  const r3 = await cw.get('/api/v1/persons?tags=dibao,disabled&per_page=500');
  assert.ok(!r3.body.data.some((x) => x.id === both.id));
  const r4 = await cw.get('/api/v1/persons?tags=veteran&per_page=500');
  assert.ok(r4.body.data.some((x) => x.id === both.id));
});

test('gender, birth_date__lte and sort filters select and order correctly', async () => {
  await create({ name: '老太', id_number: freshId({ female: true, from: '1931-01-01' }) });
  const women = await cw.get('/api/v1/persons?gender=2&per_page=500');
  assert.ok(women.body.meta.total > 0);
  for (const x of women.body.data) assert.equal(x.gender, '2');
  const men = await cw.get('/api/v1/persons?gender=1&per_page=500');
  const all = await cw.get('/api/v1/persons?per_page=1');
  assert.ok(women.body.meta.total + men.body.meta.total <= all.body.meta.total);
  const old = await cw.get('/api/v1/persons?birth_date__lte=1950-01-01&sort=birth_date&per_page=500');
  assert.ok(old.body.meta.total > 0);
  for (const x of old.body.data) assert.ok(x.birth_date <= '1950-01-01', x.birth_date);
  const dates = old.body.data.map((x) => x.birth_date);
  assert.deepEqual(dates, [...dates].sort());
  const desc = await cw.get('/api/v1/persons?birth_date__lte=1950-01-01&sort=-birth_date&per_page=500');
  assert.deepEqual(desc.body.data.map((x) => x.birth_date), [...dates].sort().reverse());
  assert.equal(old.body.meta.total, desc.body.meta.total);
});

test('paging: per_page and page slice the list without overlap and meta.total stays the same', async () => {
  const p1 = await cw.get('/api/v1/persons?per_page=3&page=1&sort=id');
  const p2 = await cw.get('/api/v1/persons?per_page=3&page=2&sort=id');
  assert.equal(p1.body.data.length, 3);
  assert.equal(p1.body.meta.total, p2.body.meta.total);
  assert.equal(p2.body.meta.page, 2);
  assert.ok(p1.body.data[2].id < p2.body.data[0].id);
});

test('status moved_out needs status_date, then ends the household membership on that date and keeps the history', async () => {
  const head = await create({ name: '户主甲', id_number: freshId() });
  const member = await create({ name: '成员乙', id_number: freshId({ female: true }) });
  const hh = await cw.post('/api/v1/households', { org_id: grid, head_person_id: head.id, address: '经八路2号' });
  assert.equal(hh.status, 201, JSON.stringify(hh.body));
  const m = await cw.post('/api/v1/household_members', { household_id: hh.body.data.id, person_id: member.id, relation: 'spouse', start_date: '2020-01-01' });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  assert.equal((await cw.get(`/api/v1/households/${hh.body.data.id}`)).body.data.member_count, 2);

  const noDate = await cw.patchFresh(`/api/v1/persons/${member.id}`, { status: 'moved_out' });
  assert.equal(noDate.status, 422);
  assert.equal(noDate.body.error.field_codes.status_date, 'required');
  assert.equal((await cw.get(`/api/v1/persons/${member.id}`)).body.data.status, 'active');

  const future = await cw.patchFresh(`/api/v1/persons/${member.id}`, { status: 'moved_out', status_date: '2999-01-01' });
  assert.equal(future.status, 422);

  const moved = await cw.patchFresh(`/api/v1/persons/${member.id}`, { status: 'moved_out', status_date: '2024-03-15' });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.data.status, 'moved_out');
  assert.equal(moved.body.data.status_date, '2024-03-15');
  const hist = await cw.get(`/api/v1/household_members?person_id=${member.id}`);
  assert.equal(hist.body.meta.total, 1);
  assert.equal(hist.body.data[0].end_date, '2024-03-15');
  assert.equal(hist.body.data[0].end_reason, 'moved_out');
  assert.equal((await cw.get(`/api/v1/households/${hh.body.data.id}`)).body.data.member_count, 1);
  const moved2 = await cw.get('/api/v1/persons?status=moved_out&per_page=500');
  assert.ok(moved2.body.data.some((x) => x.id === member.id));
  for (const x of moved2.body.data) assert.equal(x.status, 'moved_out');
});

test('a head whose household has other members cannot move out (head_must_change)', async () => {
  const head = await create({ name: '户主丙', id_number: freshId() });
  const member = await create({ name: '成员丁', id_number: freshId() });
  const hh = (await cw.post('/api/v1/households', { org_id: grid, head_person_id: head.id })).body.data;
  assert.equal((await cw.post('/api/v1/household_members', { household_id: hh.id, person_id: member.id, relation: 'child', start_date: '2021-01-01' })).status, 201);
  const r = await cw.patchFresh(`/api/v1/persons/${head.id}`, { status: 'deceased', status_date: '2024-01-01' });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.status, 'head_must_change');
  const p = (await cw.get(`/api/v1/persons/${head.id}`)).body.data;
  assert.equal(p.status, 'active', 'nothing was stored');
  assert.equal(p.version, 1);
});

test('a status date before the person joined their household is refused (end_before_start)', async () => {
  const head = await create({ name: '新户主', id_number: freshId() });
  const hh = (await cw.post('/api/v1/households', { org_id: grid, head_person_id: head.id })).body.data;
  const joined = (await cw.get(`/api/v1/household_members?person_id=${head.id}`)).body.data[0].start_date;
  const r = await cw.patchFresh(`/api/v1/persons/${head.id}`, { status: 'moved_out', status_date: '2024-01-01' });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.field_codes.status_date, 'end_before_start');
  assert.equal((await cw.get(`/api/v1/persons/${head.id}`)).body.data.status, 'active');
  const m = (await cw.get(`/api/v1/household_members?person_id=${head.id}`)).body.data[0];
  assert.equal(m.end_date, null, 'the membership is untouched');
  // on the day they joined (or later) it works, and the household is left empty
  const ok = await cw.patchFresh(`/api/v1/persons/${head.id}`, { status: 'moved_out', status_date: joined });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await cw.get(`/api/v1/households/${hh.id}`)).body.data.member_count, 0);
  // the membership's ending is in the audit log where the district's auditors see it
  const log = await auditor.get(`/api/v1/audit?resource=household_members&record_id=${m.id}`);
  assert.deepEqual(log.body.data.map((e) => e.action), ['update', 'create']);
});

test('a live household member cannot be deleted (person_in_household); once they left, they can', async () => {
  const head = await create({ name: '删户主', id_number: freshId() });
  const member = await create({ name: '删成员', id_number: freshId() });
  const hh = (await cw.post('/api/v1/households', { org_id: grid, head_person_id: head.id })).body.data;
  assert.equal((await cw.post('/api/v1/household_members', { household_id: hh.id, person_id: member.id, relation: 'child', start_date: '2020-01-01' })).status, 201);
  for (const p of [member, head]) {
    const r = await cw.del(`/api/v1/persons/${p.id}?reason=test`);
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'person_in_household');
    assert.equal((await cw.get(`/api/v1/persons/${p.id}`)).status, 200);
  }
  assert.equal((await cw.get(`/api/v1/households/${hh.id}`)).body.data.member_count, 2);
  await cw.patchFresh(`/api/v1/persons/${member.id}`, { status: 'moved_out', status_date: '2024-05-05' });
  assert.equal((await cw.del(`/api/v1/persons/${member.id}?reason=test`)).status, 200);
});

test('concurrent PATCHes with the same If-Match: exactly one wins, the rest are 412', async () => {
  const p = await create({ name: '并发', id_number: freshId() });
  const rs = await Promise.all([1, 2, 3, 4, 5].map((i) =>
    cw.patch(`/api/v1/persons/${p.id}`, { note: `writer ${i}` }, { headers: { 'If-Match': '"1"' } })));
  const statuses = rs.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 412, 412, 412, 412]);
  const winner = rs.find((r) => r.status === 200).body.data.note;
  const cur = (await cw.get(`/api/v1/persons/${p.id}`)).body.data;
  assert.equal(cur.version, 2);
  assert.equal(cur.note, winner);
});

test('concurrent creates with the same ID number: exactly one is stored, the rest are 409', async () => {
  const id = freshId({ from: '1944-04-04' });
  const rs = await Promise.all([1, 2, 3, 4].map((i) => cw.post('/api/v1/persons', { name: `并发${i}`, id_number: id, org_id: grid })));
  assert.deepEqual(rs.map((r) => r.status).sort(), [201, 409, 409, 409]);
  const created = rs.find((r) => r.status === 201).body.data.id;
  for (const r of rs.filter((x) => x.status === 409)) assert.equal(r.body.error.existing_id, created);
  assert.equal((await cw.get(`/api/v1/persons?q=${id}`)).body.meta.total, 1);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
