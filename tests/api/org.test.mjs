// The organisation tree and buildings through the generic endpoints: a street administrator
// creates a community under their street and a grid under it; division codes nest; units in use
// cannot be deleted; buildings belong to grids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, stopAndCollect } from './lib.mjs';

let srv, sa, cw, gw, admin;
let street, streetCode, otherStreet, community, grid;

before(async () => {
  srv = await startServer();
  sa = await loginAs(srv.base, 'street_admin');
  cw = await loginAs(srv.base, 'community_worker');
  gw = await loginAs(srv.base, 'grid_worker');
  admin = await loginAs(srv.base, 'district_admin');
  street = (await sa.get('/api/v1/auth/me')).body.data.user.org_id;
  streetCode = (await sa.get(`/api/v1/org_units/${street}`)).body.data.code;
  const streets = (await admin.get('/api/v1/org_units?level=street&per_page=100')).body.data;
  otherStreet = streets.find((s) => s.id !== street);
  community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
});
after(async () => { await srv.stop(); });

test('a street administrator creates a community under their street and a grid under it', async () => {
  const code = `${streetCode}150`;
  const c = await sa.post('/api/v1/org_units', { name: '测试新社区', level: 'community', parent_id: street, code, community_class: '2', service_area_m2: 800 });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal(c.body.data.level, 'community');
  assert.equal(c.body.data.parent_id, street);
  assert.equal(c.body.data.code, code);
  assert.equal(c.body.data.community_class, '2');
  const g = await sa.post('/api/v1/org_units', { name: '测试新社区第1网格', level: 'grid', parent_id: c.body.data.id, code: `${code}001` });
  assert.equal(g.status, 201, JSON.stringify(g.body));
  assert.equal(g.body.data.parent_id, c.body.data.id);
  // both are in the street's subtree: listed under their parent, and usable at once
  const kids = await sa.get(`/api/v1/org_units?parent_id=${c.body.data.id}`);
  assert.deepEqual(kids.body.data.map((k) => k.id), [g.body.data.id]);
  const p = await sa.post('/api/v1/persons', { name: '新网格居民', id_number: freshId(), org_id: g.body.data.id });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  // and a person at the new grid is seen through the new community's filter
  const viaCommunity = await sa.get(`/api/v1/persons?org_id=${c.body.data.id}`);
  assert.deepEqual(viaCommunity.body.data.map((x) => x.id), [p.body.data.id]);
});

test('codes nest: a community code is the street code plus 3 digits, a grid code the community code plus 3', async () => {
  const cases = [
    { name: '错码一', level: 'community', parent_id: street, code: '410105999150' },      // wrong prefix
    { name: '错码二', level: 'community', parent_id: street, code: `${streetCode}15` },   // too short
    { name: '错码三', level: 'community', parent_id: street, code: `${streetCode}1500` }, // too long
    { name: '错码四', level: 'community', parent_id: street, code: `${streetCode}1a5` },  // not digits
  ];
  for (const body of cases) {
    const r = await sa.post('/api/v1/org_units', body);
    assert.equal(r.status, 422, body.code);
    assert.equal(r.body.error.field_codes.code, 'code_format', `${body.code}: ${JSON.stringify(r.body.error)}`);
  }
  const communityCode = (await sa.get(`/api/v1/org_units/${community}`)).body.data.code;
  const wrongPrefix = `${communityCode.slice(0, 9)}999001`;
  const g = await sa.post('/api/v1/org_units', { name: '错网格', level: 'grid', parent_id: community, code: wrongPrefix });
  assert.equal(g.status, 422);
  assert.equal(g.body.error.field_codes.code, 'code_format');
});

test('levels nest one below the parent: a grid directly under a street is wrong_level', async () => {
  const r = await sa.post('/api/v1/org_units', { name: '跳级网格', level: 'grid', parent_id: street, code: `${streetCode}160001` });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.level, 'wrong_level');
  const noParent = await sa.post('/api/v1/org_units', { name: '无上级', level: 'community', code: `${streetCode}161` });
  assert.equal(noParent.status, 422);
  assert.equal(noParent.body.error.field_codes.parent_id, 'required');
  const badLevel = await sa.post('/api/v1/org_units', { name: '怪层级', level: 'province', parent_id: street, code: `${streetCode}162` });
  assert.equal(badLevel.status, 422);
  assert.equal(badLevel.body.error.field_codes.level, 'unknown_code');
  const city = await sa.post('/api/v1/org_units', { name: '新市', level: 'city', code: '4199' });
  assert.equal(city.status, 422, 'only a system administrator creates cities');
});

test('a street administrator cannot create under another street (unknown_reference)', async () => {
  const r = await sa.post('/api/v1/org_units', { name: '越权社区', level: 'community', parent_id: otherStreet.id, code: `${otherStreet.code}150` });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.parent_id, 'unknown_reference');
  const missing = await sa.post('/api/v1/org_units', { name: '无此上级', level: 'community', parent_id: 99999999, code: `${streetCode}163` });
  assert.equal(missing.status, 422);
  assert.equal(missing.body.error.field_codes.parent_id, 'unknown_reference');
});

test('a unit code is unique: a second unit with the same code is 409 duplicate', async () => {
  const code = `${streetCode}170`;
  const a = await sa.post('/api/v1/org_units', { name: '唯一甲', level: 'community', parent_id: street, code });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  const b = await sa.post('/api/v1/org_units', { name: '唯一乙', level: 'community', parent_id: street, code });
  assert.equal(b.status, 409);
  assert.equal(b.body.error.code, 'duplicate');
  assert.equal(b.body.error.existing_id, a.body.data.id);
});

test('community class and service area apply only to communities', async () => {
  const c = (await sa.post('/api/v1/org_units', { name: '类别社区', level: 'community', parent_id: street, code: `${streetCode}171` })).body.data;
  const r = await sa.post('/api/v1/org_units', { name: '类别网格', level: 'grid', parent_id: c.id, code: `${c.code}001`, community_class: '1' });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.community_class, 'not_applicable');
  const area = await sa.post('/api/v1/org_units', { name: '面积社区', level: 'community', parent_id: street, code: `${streetCode}172`, service_area_m2: 100001 });
  assert.equal(area.status, 422);
  assert.equal(area.body.error.field_codes.service_area_m2, 'out_of_range');
});

test('workers without org_units.write cannot create units (403)', async () => {
  const r = await cw.post('/api/v1/org_units', { name: '工作者网格', level: 'grid', parent_id: community, code: '410105001001009' });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'forbidden');
});

test('units: PATCH with If-Match renames; level, parent and code are immutable; history records both', async () => {
  const c = (await sa.post('/api/v1/org_units', { name: '改名社区', level: 'community', parent_id: street, code: `${streetCode}173` })).body.data;
  const r = await sa.patch(`/api/v1/org_units/${c.id}`, { name: '已改名社区', address: '经八路9号' }, { headers: { 'If-Match': `"${c.version}"` } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.name, '已改名社区');
  for (const [k, v] of [['code', `${streetCode}174`], ['level', 'grid'], ['parent_id', community]]) {
    const imm = await sa.patchFresh(`/api/v1/org_units/${c.id}`, { [k]: v });
    assert.equal(imm.status, 422, k);
    assert.equal(imm.body.error.field_codes[k], 'immutable', k);
  }
  const hist = await sa.get(`/api/v1/org_units/${c.id}/history`);
  assert.deepEqual(hist.body.data.map((h) => h.action), ['update', 'create']);
  assert.deepEqual(hist.body.data[0].detail.diff.name, ['改名社区', '已改名社区']);
});

test('a unit in use cannot be deleted (unit_in_use); emptied from the bottom up it can, with a reason', async () => {
  const c = (await sa.post('/api/v1/org_units', { name: '待删社区', level: 'community', parent_id: street, code: `${streetCode}175` })).body.data;
  const g = (await sa.post('/api/v1/org_units', { name: '待删网格', level: 'grid', parent_id: c.id, code: `${c.code}001` })).body.data;
  const b = (await sa.post('/api/v1/buildings', { name: '待删楼', org_id: g.id })).body.data;
  const r1 = await sa.del(`/api/v1/org_units/${c.id}?reason=test`);
  assert.equal(r1.status, 409);
  assert.equal(r1.body.error.code, 'unit_in_use');
  const r2 = await sa.del(`/api/v1/org_units/${g.id}?reason=test`);
  assert.equal(r2.status, 409, 'the grid still has a building');
  const noReason = await sa.del(`/api/v1/buildings/${b.id}`);
  assert.equal(noReason.status, 422);
  assert.equal((await sa.del(`/api/v1/buildings/${b.id}?reason=${encodeURIComponent('已拆除')}`)).status, 200);
  assert.equal((await sa.del(`/api/v1/org_units/${g.id}?reason=test`)).status, 200);
  assert.equal((await sa.del(`/api/v1/org_units/${c.id}?reason=test`)).status, 200);
  assert.equal((await sa.get(`/api/v1/org_units/${c.id}`)).status, 404);
  // a deleted unit is no longer a valid reference
  const p = await sa.post('/api/v1/persons', { name: '无处', id_number: freshId(), org_id: g.id });
  assert.equal(p.status, 422);
  assert.equal(p.body.error.field_codes.org_id, 'unknown_reference');
});

test('workers see only their part of the tree', async () => {
  const mine = await cw.get('/api/v1/org_units?per_page=500');
  assert.ok(mine.body.data.every((u) => u.id === community || u.parent_id === community));
  assert.ok(mine.body.data.some((u) => u.id === grid));
  const g = await gw.get('/api/v1/org_units?per_page=500');
  assert.deepEqual(g.body.data.map((u) => u.id), [grid]);
  assert.equal((await cw.get(`/api/v1/org_units/${street}`)).status, 404);
});

test('buildings: create in a grid, read, PATCH with If-Match, DELETE with reason, history', async () => {
  const r = await cw.post('/api/v1/buildings', { name: '幸福小区1号楼', org_id: grid, floors: 18, unit_count: 3, address: '经八路10号' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const b = r.body.data;
  assert.equal(b.kind, 'residential', 'default kind');
  assert.equal(b.org_id, grid);
  assert.equal(typeof b.org_name, 'string');
  const got = await cw.get(`/api/v1/buildings/${b.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('etag'), '"1"');
  const up = await cw.patch(`/api/v1/buildings/${b.id}`, { floors: 20, kind: 'mixed' }, { headers: { 'If-Match': '"1"' } });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  assert.equal(up.body.data.floors, 20);
  assert.equal(up.body.data.version, 2);
  const stale = await cw.patch(`/api/v1/buildings/${b.id}`, { floors: 21 }, { headers: { 'If-Match': '"1"' } });
  assert.equal(stale.status, 412);
  assert.equal((await cw.get(`/api/v1/buildings/${b.id}`)).body.data.floors, 20);
  const badKind = await cw.patchFresh(`/api/v1/buildings/${b.id}`, { kind: 'castle' });
  assert.equal(badKind.body.error.field_codes.kind, 'unknown_code');
  const list = await cw.get(`/api/v1/buildings?q=${encodeURIComponent('幸福小区')}`);
  assert.deepEqual(list.body.data.map((x) => x.id), [b.id]);
  const del = await cw.del(`/api/v1/buildings/${b.id}`, { body: { reason: '录入错误' } });
  assert.equal(del.status, 200);
  assert.equal((await cw.get(`/api/v1/buildings/${b.id}`)).status, 404);
  const hist = await admin.get(`/api/v1/audit?resource=buildings&record_id=${b.id}`);
  assert.deepEqual(hist.body.data.map((h) => h.action), ['delete', 'update', 'create']);
});

test('DELETE with If-Match: a stale version is 412 and the record stays', async () => {
  const b = (await cw.post('/api/v1/buildings', { name: '版本楼', org_id: grid })).body.data;
  await cw.patchFresh(`/api/v1/buildings/${b.id}`, { floors: 3 });
  const stale = await cw.del(`/api/v1/buildings/${b.id}?reason=x`, { headers: { 'If-Match': '"1"' } });
  assert.equal(stale.status, 412);
  assert.equal((await cw.get(`/api/v1/buildings/${b.id}`)).status, 200);
  const ok = await cw.del(`/api/v1/buildings/${b.id}?reason=x`, { headers: { 'If-Match': '"2"' } });
  assert.equal(ok.status, 200);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
