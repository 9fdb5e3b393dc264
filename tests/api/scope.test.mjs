// Data scope: a worker of one community never sees, finds, counts, exports or changes the
// residents of another - they answer 404 as if they did not exist - and a grid worker sees only
// their grid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, to15, parseCsv, stopAndCollect } from './lib.mjs';

let srv, cw, cw2, gw, admin, sa;
let community, grid, community2, grid2;
let secret;   // a resident of community_worker's community, with their full ID number
let atCommunity;

before(async () => {
  srv = await startServer();
  cw = await loginAs(srv.base, 'community_worker');
  cw2 = await loginAs(srv.base, 'community_worker2');
  gw = await loginAs(srv.base, 'grid_worker');
  admin = await loginAs(srv.base, 'district_admin');
  sa = await loginAs(srv.base, 'street_admin');
  community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
  community2 = (await cw2.get('/api/v1/auth/me')).body.data.user.org_id;
  grid2 = (await cw2.get(`/api/v1/org_units?parent_id=${community2}&level=grid`)).body.data[0].id;
  const id = freshId({ from: '1979-09-09' });
  const r = await cw.post('/api/v1/persons', { name: '隔离测试', id_number: id, org_id: grid, phone: '13711112222' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  secret = { ...r.body.data, full: id };
  atCommunity = (await cw.post('/api/v1/persons', { name: '社区直属', id_number: freshId(), org_id: community })).body.data;
});
after(async () => { await srv.stop(); });

test('another community\'s worker gets 404 for the person: GET, unmask, PATCH, DELETE and history', async () => {
  const p = `/api/v1/persons/${secret.id}`;
  for (const r of [
    await cw2.get(p),
    await cw2.get(`${p}?unmask=1`),
    await cw2.patch(p, { name: '改' }, { headers: { 'If-Match': `"${secret.version}"` } }),
    await cw2.del(`${p}?reason=test`),
    await cw2.get(`${p}/history`),
  ]) {
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'not_found');
  }
  // ... exactly what a record that does not exist answers
  const none = await cw2.get('/api/v1/persons/99999999');
  assert.deepEqual(none.body, (await cw2.get(p)).body);
  // and nothing was changed or deleted
  const still = await cw.get(p);
  assert.equal(still.status, 200);
  assert.equal(still.body.data.name, '隔离测试');
  assert.equal(still.body.data.version, 1);
  // and the unmask attempt did not reach the audit log
  assert.equal((await admin.get(`/api/v1/audit?action=unmask&record_id=${secret.id}`)).body.meta.total, 0);
});

test('another community\'s worker never finds the person: not by ID number, phone or name, nor through an org filter', async () => {
  for (const q of [secret.full, to15(secret.full), secret.full.toLowerCase(), '13711112222', '隔离测试']) {
    const r = await cw2.get(`/api/v1/persons?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.meta.total, 0, q);
    assert.deepEqual(r.body.data, []);
    // while the owning community finds them
    assert.equal((await cw.get(`/api/v1/persons?q=${encodeURIComponent(q)}`)).body.meta.total, 1, q);
  }
  const byOrg = await cw2.get(`/api/v1/persons?org_id=${community}`);
  assert.equal(byOrg.body.meta.total, 0);
  const byId = await cw2.get(`/api/v1/persons?id=${secret.id}`);
  assert.equal(byId.body.meta.total, 0);
});

test('list counts are per scope: each community\'s meta.total is what the district sees under that community', async () => {
  const mine = await cw.get('/api/v1/persons?per_page=500');
  const theirs = await cw2.get('/api/v1/persons?per_page=500');
  const districtMine = await admin.get(`/api/v1/persons?org_id=${community}&per_page=1`);
  const districtTheirs = await admin.get(`/api/v1/persons?org_id=${community2}&per_page=1`);
  assert.equal(mine.body.meta.total, districtMine.body.meta.total);
  assert.equal(theirs.body.meta.total, districtTheirs.body.meta.total);
  assert.equal(mine.body.data.length, mine.body.meta.total);
  const ids2 = new Set(theirs.body.data.map((x) => x.id));
  for (const x of mine.body.data) assert.ok(!ids2.has(x.id), 'no resident is in both lists');
  assert.ok(!ids2.has(secret.id));
  for (const x of theirs.body.data) assert.ok([community2, grid2].includes(x.org_id));
  const all = await admin.get('/api/v1/persons?per_page=1');
  assert.ok(all.body.meta.total > mine.body.meta.total + theirs.body.meta.total);
  // the street administrator sees both communities (they share a street)
  const street = await sa.get(`/api/v1/persons?q=${secret.full}`);
  assert.equal(street.body.meta.total, 1);
});

test('another community\'s worker does not get the person in exports, whatever the filter', async () => {
  const csv = await cw2.get('/api/v1/persons.csv', { raw: true });
  assert.equal(csv.status, 200);
  const text = csv.buf.toString('utf8');
  assert.ok(!text.includes('隔离测试'));
  assert.ok(!text.includes(secret.id_number));
  const rows = parseCsv(text.replace(/^\uFEFF/, '')).filter((r) => r.length > 1);
  assert.equal(rows.length - 1, (await cw2.get('/api/v1/persons?per_page=1')).body.meta.total);
  const q = await cw2.get(`/api/v1/persons.csv?q=${secret.full}`, { raw: true });
  assert.equal(q.headers.get('x-total-count'), '0');
  const byOrg = await cw2.get(`/api/v1/persons.xlsx?org_id=${community}`, { raw: true });
  assert.equal(byOrg.status, 200);
  assert.equal(byOrg.headers.get('x-total-count'), '0');
});

test('another community\'s worker cannot create a person in this community (unknown_reference)', async () => {
  for (const org of [grid, community]) {
    const r = await cw2.post('/api/v1/persons', { name: '越界', id_number: freshId(), org_id: org });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.field_codes.org_id, 'unknown_reference');
  }
  // nor move their own resident into it
  const own = (await cw2.post('/api/v1/persons', { name: '本社区', id_number: freshId(), org_id: grid2 })).body.data;
  const mv = await cw2.patchFresh(`/api/v1/persons/${own.id}`, { org_id: grid });
  assert.equal(mv.status, 422);
  assert.equal(mv.body.error.field_codes.org_id, 'unknown_reference');
  // a duplicate check does not reveal where the other holder lives
  const dup = await cw2.post('/api/v1/persons', { name: '重号', id_number: secret.full, org_id: grid2 });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, 'duplicate');
  assert.equal((await cw2.get(`/api/v1/persons/${dup.body.error.existing_id}`)).status, 404);
});

test('a grid worker sees only their grid: not the residents filed at community level', async () => {
  const list = await gw.get('/api/v1/persons?per_page=500');
  assert.ok(list.body.meta.total > 0);
  for (const x of list.body.data) assert.equal(x.org_id, grid);
  assert.ok(list.body.data.some((x) => x.id === secret.id));
  assert.ok(!list.body.data.some((x) => x.id === atCommunity.id));
  assert.equal((await gw.get(`/api/v1/persons/${atCommunity.id}`)).status, 404);
  assert.equal((await gw.get(`/api/v1/persons/${secret.id}`)).status, 200);
  // the grid worker may write in their grid, not at the community level
  const here = await gw.post('/api/v1/persons', { name: '网格员录入', id_number: freshId(), org_id: grid });
  assert.equal(here.status, 201, JSON.stringify(here.body));
  const up = await gw.post('/api/v1/persons', { name: '网格员越级', id_number: freshId(), org_id: community });
  assert.equal(up.status, 422);
  assert.equal(up.body.error.field_codes.org_id, 'unknown_reference');
  assert.equal((await gw.get('/api/v1/persons?per_page=1')).body.meta.total,
    (await cw.get(`/api/v1/persons?org_id=${grid}&per_page=1`)).body.meta.total);
});

test('a grid worker cannot export, import, unmask or read the audit log', async () => {
  assert.equal((await gw.get('/api/v1/persons.csv')).status, 403);
  assert.equal((await gw.post('/api/v1/persons/import?dry_run=1', '姓名\n张三\n', { headers: { 'Content-Type': 'text/csv' } })).status, 403);
  assert.equal((await gw.get(`/api/v1/persons/${secret.id}?unmask=1`)).status, 403);
  assert.equal((await gw.get('/api/v1/audit')).status, 403);
});

test('buildings and households of another community are out of reach too', async () => {
  const hh = await cw.post('/api/v1/households', { org_id: grid, head_person_id: secret.id });
  assert.equal(hh.status, 201, JSON.stringify(hh.body));
  assert.equal((await cw2.get(`/api/v1/households/${hh.body.data.id}`)).status, 404);
  assert.equal((await cw2.get(`/api/v1/households?head_person_id=${secret.id}`)).body.meta.total, 0);
  const b = (await admin.get(`/api/v1/buildings?org_id=${grid}`)).body.data[0];
  assert.equal((await cw2.get(`/api/v1/buildings/${b.id}`)).status, 404);
  // a household of community 2 cannot be headed by this community's resident
  const cross = await cw2.post('/api/v1/households', { org_id: grid2, head_person_id: atCommunity.id });
  assert.equal(cross.status, 422);
  assert.equal(cross.body.error.field_codes.head_person_id, 'unknown_reference');
});

test('?within=<unit> narrows records without a unit field (household members, audit log) like a unit filter, never past scope', async () => {
  const all = (await admin.get('/api/v1/household_members?per_page=1')).body.meta.total;
  const mine = (await admin.get(`/api/v1/household_members?within=${community}&per_page=500`)).body;
  assert.ok(mine.meta.total > 0 && mine.meta.total < all, `${mine.meta.total} of ${all}`);
  assert.equal(mine.meta.total, (await cw.get('/api/v1/household_members?per_page=1')).body.meta.total,
    'the district admin narrowed to the community sees what its worker sees');
  // a worker asking for another community's unit sees nothing, not the other community
  const other = await cw.get(`/api/v1/household_members?within=${community2}`);
  assert.equal(other.status, 200);
  assert.equal(other.body.meta.total, 0);
  // the audit log the same way: entries filed under the community only
  const auditMine = (await admin.get(`/api/v1/audit?within=${community}&resource=persons&action=create&per_page=500`)).body;
  assert.ok(auditMine.data.some((e) => e.record_id === secret.id));
  const auditOther = (await admin.get(`/api/v1/audit?within=${community2}&resource=persons&action=create&per_page=500`)).body;
  assert.ok(!auditOther.data.some((e) => e.record_id === secret.id));
  // bad values and records that are not scoped
  const bad = await admin.get('/api/v1/household_members?within=abc');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field_codes.within, 'invalid_filter');
  assert.equal((await admin.get(`/api/v1/dict_items?within=${community}`)).status, 400, 'dictionaries are not scoped');
  const meta = (await admin.get('/api/v1/meta')).body.data.resources;
  assert.equal(meta.find((r) => r.name === 'household_members').within, true);
  assert.equal(meta.find((r) => r.name === 'dict_items').within, false);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
