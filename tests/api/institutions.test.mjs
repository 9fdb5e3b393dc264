// Care institutions (issue 5, point 8): day-care centres, nursing homes and private institutions in
// a community, who sees them (a community worker only their community's), placements (one active
// placement per elder, never past the beds), occupancy computed from the placements, a day's
// attendance recorded at once (all entries or none, sent again to correct), the eldercare figures
// of the demo district (39 / 1 / 3 / residents) and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, stopAndCollect } from './lib.mjs';

let srv, cw, cw2, admin, sa, gw, auditor;
let community, community2, grid, district;

const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
const shift = (days) => new Date(Date.parse(`${today}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer();
  [cw, cw2, admin, sa, gw, auditor] = await Promise.all(['community_worker', 'community_worker2', 'district_admin', 'street_admin',
    'grid_worker', 'auditor'].map((u) => loginAs(srv.base, u)));
  community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  community2 = (await cw2.get('/api/v1/auth/me')).body.data.user.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid&sort=id`)).body.data[0].id;
  district = (await admin.get('/api/v1/org_units?code=410105')).body.data[0].id;
});
after(async () => { await srv.stop(); });

let seq = 0;
async function elder(who = cw, unit = grid) {
  const p = await who.post('/api/v1/persons', { name: `入住老人${++seq}`, id_number: freshId({ from: '1938-03-01' }), org_id: unit });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const e = await who.post('/api/v1/elders', { person_id: p.body.data.id });
  assert.equal(e.status, 201, JSON.stringify(e.body));
  return e.body.data.id;
}

async function institution(body, who = cw) {
  const r = await who.post('/api/v1/institutions', { name: `测试机构${++seq}`, kind: 'day_care', org_id: community, beds: 20, ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data;
}

const place = (inst, e, extra = {}, who = cw) => who.post('/api/v1/placements', { institution_id: inst, elder_id: e, placed_on: shift(-10), ...extra });

test('the demo district has the article\'s 39 day-care centres, 1 nursing home, 3 private institutions and their residents', async () => {
  const r = await admin.get(`/api/v1/stats/eldercare?org_id=${district}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const f = r.body.data;
  assert.equal(f.day_care_centres, 39);
  assert.equal(f.nursing_homes, 1);
  assert.equal(f.private_institutions, 3);
  // every figure is what the lists count: residents are the active placements of residential homes
  const homes = (await admin.get('/api/v1/institutions?kind=nursing_home,private&per_page=10')).body.data;
  assert.equal(homes.length, 4);
  const residents = homes.reduce((s, h) => s + h.residents, 0);
  assert.ok(residents >= 4, `${residents} residents at the test scale (426 at the article's)`);
  assert.equal(f.institution_residents, residents);
  assert.equal(f.elders, (await admin.get('/api/v1/elders?status=active&per_page=1')).body.meta.total);
  for (const h of homes) assert.equal(h.occupancy, Math.round((h.residents * 100) / h.beds), h.name);
  // a bad unit id is refused; a unit out of scope does not exist; a grid worker has no eldercare view
  assert.equal((await admin.get('/api/v1/stats/eldercare?org_id=abc')).status, 400);
  assert.equal((await cw.get(`/api/v1/stats/eldercare?org_id=${community2}`)).status, 404);
  assert.equal((await gw.get('/api/v1/stats/eldercare')).status, 403);
});

test('the figures follow a unit and what is under it, for whoever asks', async () => {
  const before = (await cw.get(`/api/v1/stats/eldercare?org_id=${community}`)).body.data;
  const inst = await institution({ kind: 'private', beds: 5 });
  const e = await elder();
  assert.equal((await place(inst.id, e)).status, 201);
  const mine = (await cw.get('/api/v1/stats/eldercare')).body.data;
  assert.equal(mine.org_id, community, 'a caller\'s own unit by default');
  assert.equal(mine.private_institutions, before.private_institutions + 1);
  assert.equal(mine.institution_residents, before.institution_residents + 1);
  assert.equal(mine.elders, before.elders + 1);
  const other = (await cw2.get(`/api/v1/stats/eldercare?org_id=${community2}`)).body.data;
  const district2 = (await admin.get(`/api/v1/stats/eldercare?org_id=${district}`)).body.data;
  assert.equal(district2.private_institutions, 4);
  assert.ok(other.private_institutions < district2.private_institutions);
  // a closed institution is no longer counted; its residents must leave first
  const closing = await cw.patchFresh(`/api/v1/institutions/${inst.id}`, { status: 'closed' });
  assert.equal(closing.status, 422);
  assert.equal(closing.body.error.field_codes.status, 'has_residents');
  assert.equal((await cw.delWithReason(`/api/v1/institutions/${inst.id}`)).status, 409);
});

test('a community worker sees and changes only their community\'s institutions and placements', async () => {
  const inst = await institution({ name: '本社区日间照料中心' });
  const e = await elder();
  const p = await place(inst.id, e);
  assert.equal(p.status, 201, JSON.stringify(p.body));
  assert.equal(p.body.data.org_id, community, 'a placement lives in its institution\'s unit');
  for (const path of [`/api/v1/institutions/${inst.id}`, `/api/v1/placements/${p.body.data.id}`]) {
    assert.equal((await cw.get(path)).status, 200);
    assert.equal((await cw2.get(path)).status, 404, `${path} out of scope`);
    assert.equal((await sa.get(path)).status, 200, 'the street sees its communities');
    assert.equal((await auditor.get(path)).status, 200);
  }
  assert.equal((await cw2.get(`/api/v1/institutions?id=${inst.id}`)).body.meta.total, 0);
  assert.equal((await cw2.get(`/api/v1/placements?institution_id=${inst.id}`)).body.meta.total, 0);
  // writing into another community: its unit, its institution and its elders do not exist
  const r = await cw.post('/api/v1/institutions', { name: '越界机构', kind: 'day_care', org_id: community2, beds: 10 });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.org_id, 'unknown_reference');
  const theirs = await institution({ org_id: community2 }, cw2);
  const x = await place(theirs.id, await elder());
  assert.equal(x.status, 422);
  assert.equal(x.body.error.field_codes.institution_id, 'unknown_reference');
  const y = await place(inst.id, await elder(cw2, (await cw2.get(`/api/v1/org_units?parent_id=${community2}&level=grid`)).body.data[0].id), {}, cw);
  assert.equal(y.status, 422);
  assert.equal(y.body.error.field_codes.elder_id, 'unknown_reference');
  assert.equal((await cw2.patchFresh(`/api/v1/institutions/${inst.id}`, { beds: 30 })).status, 404);
  // the auditor reads, never writes
  assert.equal((await auditor.post('/api/v1/institutions', { name: '审计', kind: 'day_care', org_id: community, beds: 5 })).status, 403);
});

test('one active placement per elder, never past the beds; occupancy is counted, not typed', async () => {
  const a = await institution({ kind: 'private', beds: 2 });
  const b = await institution({ kind: 'nursing_home', beds: 10 });
  const [e1, e2, e3] = [await elder(), await elder(), await elder()];
  const p1 = (await place(a.id, e1)).body.data;
  assert.equal((await place(a.id, e2)).status, 201);
  const full = await place(a.id, e3);
  assert.equal(full.status, 422);
  assert.equal(full.body.error.field_codes.institution_id, 'institution_full');
  const twice = await place(b.id, e1);
  assert.equal(twice.status, 422);
  assert.equal(twice.body.error.field_codes.elder_id, 'already_placed');
  let got = (await cw.get(`/api/v1/institutions/${a.id}`)).body.data;
  assert.equal(got.residents, 2);
  assert.equal(got.occupancy, 100);
  // typed figures are refused or ignored: they stay what the placements say
  await cw.patchFresh(`/api/v1/institutions/${a.id}`, { residents: 99 });
  assert.equal((await cw.get(`/api/v1/institutions/${a.id}`)).body.data.residents, 2);
  const shrink = await cw.patchFresh(`/api/v1/institutions/${a.id}`, { beds: 1 });
  assert.equal(shrink.status, 422);
  assert.equal(shrink.body.error.field_codes.beds, 'beds_below_residents');
  // leaving needs a reason and a date not before the placement
  const noReason = await cw.patchFresh(`/api/v1/placements/${p1.id}`, { ended_on: today });
  assert.equal(noReason.status, 422);
  assert.equal(noReason.body.error.field_codes.end_reason, 'required');
  const early = await cw.patchFresh(`/api/v1/placements/${p1.id}`, { ended_on: shift(-30), end_reason: 'returned_home' });
  assert.equal(early.body.error.field_codes.ended_on, 'end_before_start');
  assert.equal((await cw.patchFresh(`/api/v1/placements/${p1.id}`, { ended_on: today, end_reason: 'transferred' })).status, 200);
  // the elder moves on; the bed is free again
  assert.equal((await place(b.id, e1)).status, 201);
  assert.equal((await place(a.id, e3)).status, 201);
  got = (await cw.get(`/api/v1/institutions/${a.id}`)).body.data;
  assert.equal(got.residents, 2);
  assert.equal((await cw.get(`/api/v1/placements?elder_id=${e1}&ended_on__null=1`)).body.data[0].institution_id, b.id);
  // a placement in the future, or of an elder whose services ended, is refused
  const fut = await place(b.id, await elder(), { placed_on: shift(3) });
  assert.equal(fut.body.error.field_codes.placed_on, 'date_future');
});

test('a day\'s attendance is recorded at once, corrected by sending it again, and refused whole on one bad entry', async () => {
  const centre = await institution({ kind: 'day_care', beds: 10 });
  const [e1, e2, e3] = [await elder(), await elder(), await elder()];
  for (const e of [e1, e2]) assert.equal((await place(centre.id, e)).status, 201);
  const day = shift(-1);
  let r = await cw.post(`/api/v1/institutions/${centre.id}/attendance`, { day, entries: [{ elder_id: e1, present: true }, { elder_id: e2, present: false, note: '感冒' }] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual([r.body.data.recorded, r.body.data.created, r.body.data.present, r.body.data.absent], [2, 2, 1, 1]);
  // corrected: the same day again changes the records, never doubles them
  r = await cw.post(`/api/v1/institutions/${centre.id}/attendance`, { day, entries: [{ elder_id: e2, present: true }] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.changed, 1);
  let list = (await cw.get(`/api/v1/attendance?institution_id=${centre.id}&day=${day}`)).body;
  assert.equal(list.meta.total, 2);
  assert.ok(list.data.every((a) => a.present), 'both present after the correction');
  // one elder not placed here: nothing of the day is written
  r = await cw.post(`/api/v1/institutions/${centre.id}/attendance`, { day: today, entries: [{ elder_id: e1, present: true }, { elder_id: e3, present: true }] });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes['entries[1].elder_id'], 'not_placed');
  assert.equal((await cw.get(`/api/v1/attendance?institution_id=${centre.id}&day=${today}`)).body.meta.total, 0);
  // bad input, each with its field
  const bad = [
    [{ day: '2026-13-01', entries: [{ elder_id: e1, present: true }] }, 'day', 'invalid_date'],
    [{ day: shift(2), entries: [{ elder_id: e1, present: true }] }, 'entries[0].day', 'date_future'],
    [{ day, entries: [] }, 'entries', 'required'],
    [{ day, entries: [{ elder_id: e1, present: 'yes' }] }, 'entries[0].present', 'wrong_type'],
    [{ day, entries: [{ elder_id: e1, present: true }, { elder_id: e1, present: false }] }, 'entries[1].elder_id', 'duplicate_entry'],
    [{ day, entries: [{ elder_id: 99999999, present: true }] }, 'entries[0].elder_id', 'unknown_reference'],
    [{ day, entries: ['x'] }, 'entries[0]', 'wrong_type'],
    [{ day, entries: [{ elder_id: e1, present: true }], extra: 1 }, 'extra', 'unknown_field'],
  ];
  for (const [body, field, code] of bad) {
    const x = await cw.post(`/api/v1/institutions/${centre.id}/attendance`, body);
    assert.equal(x.status, 422, JSON.stringify(body));
    assert.equal(x.body.error.field_codes[field], code, `${JSON.stringify(body)}: ${JSON.stringify(x.body)}`);
  }
  const malformed = await cw.request('POST', `/api/v1/institutions/${centre.id}/attendance`, { body: '{"day": ', headers: { 'Content-Type': 'application/json' } });
  assert.equal(malformed.status, 400);
  // a residential home keeps no day-care attendance; someone else's centre does not exist
  const home = await institution({ kind: 'nursing_home' });
  await place(home.id, e3);
  r = await cw.post(`/api/v1/institutions/${home.id}/attendance`, { day, entries: [{ elder_id: e3, present: true }] });
  assert.equal(r.body.error.field_codes['entries[0].institution_id'], 'not_day_care');
  assert.equal((await cw2.post(`/api/v1/institutions/${centre.id}/attendance`, { day, entries: [{ elder_id: e1, present: true }] })).status, 404);
  assert.equal((await auditor.post(`/api/v1/institutions/${centre.id}/attendance`, { day, entries: [{ elder_id: e1, present: true }] })).status, 403);
  list = (await cw.get(`/api/v1/attendance?institution_id=${centre.id}`)).body;
  assert.equal(list.meta.total, 2, 'nothing refused was written');
});

test('bad institution input is refused with the field named', async () => {
  const cases = [
    [{ beds: 'many' }, 'beds', 'wrong_type'],
    [{ beds: 0 }, 'beds', 'out_of_range'],
    [{ kind: 'hotel' }, 'kind', 'invalid_code'],
    [{ opened_on: shift(5) }, 'opened_on', 'date_future'],
    [{ org_id: grid }, 'org_id', 'invalid_level'],
  ];
  for (const [extra, field, code] of cases) {
    const r = await cw.post('/api/v1/institutions', { name: '坏数据', kind: 'day_care', org_id: community, beds: 10, ...extra });
    assert.equal(r.status, 422, JSON.stringify(extra));
    assert.ok(r.body.error.field_codes[field], `${field}: ${JSON.stringify(r.body)}`);
    if (code !== 'invalid_code' && code !== 'invalid_level') assert.equal(r.body.error.field_codes[field], code);
  }
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
