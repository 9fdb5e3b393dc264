// Elders enrolled for home care: who may be enrolled (60 or over today, registered, in scope, once),
// what the record takes from the person and keeps in step with them, categories and their age
// rules, emergency contacts (phones masked, unmasked only with elders.unmask and audited), the
// subsidy entitlement computed from the rules of the elder's unit and the units above it, and who
// may see and change what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, stopAndCollect } from './lib.mjs';

let srv, cw, cw2, admin, sa, gw, auditor;
let community, grid, grid2, district;

/* today in Asia/Shanghai, as the server counts dates, and a date `years` before it */
const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
const yearsAgo = (years, plusDays = 0) => {
  const [y, m, d] = today.split('-').map(Number);
  const t = new Date(Date.UTC(y - years, m - 1, d));
  // 29 February in a common year: the birthday falls on 1 March, as the server's age_on counts
  if (t.getUTCMonth() !== m - 1) t.setUTCDate(0);
  t.setUTCDate(t.getUTCDate() + plusDays);
  return t.toISOString().slice(0, 10);
};

before(async () => {
  srv = await startServer();
  [cw, cw2, admin, sa, gw, auditor] = await Promise.all(['community_worker', 'community_worker2', 'district_admin', 'street_admin',
    'grid_worker', 'auditor'].map((u) => loginAs(srv.base, u)));
  community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  const grids = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid&sort=id`)).body.data;
  grid = grids[0].id;
  grid2 = (await cw2.get(`/api/v1/org_units?parent_id=${(await cw2.get('/api/v1/auth/me')).body.data.user.org_id}&level=grid`)).body.data[0].id;
  district = (await admin.get('/api/v1/org_units?code=410105')).body.data[0].id;
});
after(async () => { await srv.stop(); });

let seq = 0;
async function person(born = '1950-01-01', extra = {}, who = cw, unit = grid) {
  const r = await who.post('/api/v1/persons', { name: `老人${++seq}`, id_number: freshId({ from: born, female: extra.gender === '2' }), org_id: unit, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data;
}

async function enrol(p, extra = {}, who = cw) {
  const r = await who.post('/api/v1/elders', { person_id: p.id, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data;
}

test('enrolling a resident of 60 or over copies their name, gender, birth date and unit; the first assessment is due at once', async () => {
  const p = await person('1948-05-06', { gender: '2' });
  const e = await enrol(p, { living_situation: 'alone' });
  assert.equal(e.person_id, p.id);
  assert.equal(e.name, p.name);
  assert.equal(e.birth_date, '1948-05-06');
  assert.equal(e.age, p.age);
  assert.equal(e.org_id, grid, 'the elder lives in the person\'s unit');
  assert.equal(e.status, 'active');
  assert.equal(e.enrolled_on, today);
  assert.equal(e.status_date, today);
  assert.equal(e.next_assessment_due, today, 'never assessed: due on enrolment');
  assert.equal(e.care_level, null);
  assert.deepEqual(e.categories, []);
  assert.equal(e.subsidy_amount, 0, 'no category, no entitlement');
  assert.equal(e.subsidy_hours, 0);
  const got = await cw.get(`/api/v1/elders/${e.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('etag'), '"1"');
  assert.equal((await cw.get(`/api/v1/elders?person_id=${p.id}`)).body.meta.total, 1);
  assert.equal((await cw.get(`/api/v1/elders?q=${encodeURIComponent(p.name)}`)).body.data[0]?.id, e.id, 'found by name');
});

test('60 today is old enough; a day short of 60 is refused with the age in the message', async () => {
  const sixty = await person(yearsAgo(60));
  await enrol(sixty);
  const young = await person(yearsAgo(60, 1));
  const r = await cw.post('/api/v1/elders', { person_id: young.id });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.code, 'validation_failed');
  assert.equal(r.body.error.field_codes.person_id, 'under_60');
  assert.match(r.body.error.fields.person_id, /未满60周岁（现年 59 岁）/);
  const en = await cw.post('/api/v1/elders?lang=en', { person_id: young.id });
  assert.match(en.body.error.fields.person_id, /Under 60 \(aged 59\)/);
});

test('a person is enrolled once: a second enrolment is 409 naming the first', async () => {
  const p = await person('1945-03-03');
  const e = await enrol(p);
  const r = await cw.post('/api/v1/elders', { person_id: p.id });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'duplicate');
  assert.equal(r.body.error.existing_id, e.id);
  assert.equal(r.body.error.field_codes.person_id, 'duplicate');
  // a deleted enrolment no longer counts
  assert.equal((await cw.delWithReason(`/api/v1/elders/${e.id}`, '登记有误')).status, 200);
  await enrol(p);
});

test('persons out of scope, moved out or unknown cannot be enrolled; required and unknown fields are named', async () => {
  const mine = await person('1944-01-01');
  const r = await cw2.post('/api/v1/elders', { person_id: mine.id });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.person_id, 'unknown_reference');
  assert.equal((await cw.post('/api/v1/elders', { person_id: 99999999 })).body.error.field_codes.person_id, 'unknown_reference');
  const gone = await person('1944-02-02');
  assert.equal((await cw.patchFresh(`/api/v1/persons/${gone.id}`, { status: 'moved_out', status_date: today })).status, 200);
  const moved = await cw.post('/api/v1/elders', { person_id: gone.id });
  assert.equal(moved.body.error.field_codes.person_id, 'person_not_active');
  const empty = await cw.post('/api/v1/elders', {});
  assert.equal(empty.status, 422);
  assert.equal(empty.body.error.field_codes.person_id, 'required');
  const odd = await cw.post('/api/v1/elders', { person_id: mine.id, care_level: '0', favourite: 'tea', categories: ['nope'] });
  assert.equal(odd.status, 422);
  assert.equal(odd.body.error.field_codes.favourite, 'unknown_field');
  assert.equal(odd.body.error.field_codes.categories, 'unknown_code');
});

test('bad JSON and wrong types answer 400 and 422, never 500', async () => {
  const p = await person('1943-01-01');
  assert.equal((await cw.post('/api/v1/elders', '{"person_id":')).status, 400);
  assert.equal((await cw.post('/api/v1/elders', '[1,2]')).status, 400);
  const r = await cw.post('/api/v1/elders', { person_id: String(p.id), categories: 'dibao', enrolled_on: '2025-02-30', contact1_phone: 12,
    status: 7, note: { a: 1 } });
  assert.equal(r.status, 422);
  const codes = r.body.error.field_codes;
  for (const f of ['person_id', 'categories', 'enrolled_on', 'contact1_phone', 'status', 'note']) assert.equal(codes[f], 'wrong_type', f);
  const future = await cw.post('/api/v1/elders', { person_id: p.id, enrolled_on: '2199-01-01' });
  assert.equal(future.body.error.field_codes.enrolled_on, 'date_future');
});

test('高龄 and 百岁 need the age; an elder of 80 or over gets 高龄 without asking', async () => {
  const seventy = await person('1955-06-01');
  const r = await cw.post('/api/v1/elders', { person_id: seventy.id, categories: ['aged_80'] });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.categories, 'age_category');
  const hundred = await cw.post('/api/v1/elders', { person_id: seventy.id, categories: ['centenarian'] });
  assert.equal(hundred.body.error.field_codes.categories, 'age_category');
  const eightyFive = await person(yearsAgo(85));
  const e = await enrol(eightyFive, { categories: ['低保'] });
  assert.deepEqual(e.categories, ['dibao', 'aged_80'], 'labels are taken for codes; the age category is added');
  assert.equal((await cw.get(`/api/v1/elders?categories=aged_80&person_id=${eightyFive.id}`)).body.meta.total, 1);
});

test('emergency contacts: name, relation and phone together; the phone is masked, found by search, unmasked only when permitted and audited', async () => {
  const p = await person('1942-02-02');
  const half = await cw.post('/api/v1/elders', { person_id: p.id, contact1_name: '张大', contact1_phone: '13912345678' });
  assert.equal(half.status, 422);
  assert.equal(half.body.error.field_codes.contact1_relation, 'contact_incomplete');
  const bad = await cw.post('/api/v1/elders', { person_id: p.id, contact1_name: '张大', contact1_relation: 'child', contact1_phone: '12345' });
  assert.equal(bad.body.error.field_codes.contact1_phone, 'phone_format');
  const e = await enrol(p, { contact1_name: '张大', contact1_relation: 'child', contact1_phone: '13912345678',
    contact2_name: '李邻', contact2_relation: 'neighbour', contact2_phone: '0371-65551234' });
  assert.equal(e.contact1_phone, '139****5678');
  assert.notEqual(e.contact2_phone, '0371-65551234');
  const found = await cw.get('/api/v1/elders?q=13912345678');
  assert.deepEqual(found.body.data.map((x) => x.id), [e.id], 'a caller\'s number finds the elder it belongs to');
  const full = await cw.get(`/api/v1/elders/${e.id}?unmask=1`);
  assert.equal(full.body.data.contact1_phone, '13912345678');
  const audit = await admin.get(`/api/v1/audit?action=unmask&resource=elders&record_id=${e.id}`);
  assert.equal(audit.body.meta.total, 1);
  assert.deepEqual(JSON.parse(audit.body.data[0].detail).fields, ['contact1_phone', 'contact2_phone']);
  assert.equal((await auditor.get(`/api/v1/elders/${e.id}?unmask=1`)).status, 403, 'the auditor reads but does not unmask');
  // removing a contact takes all three away
  const cleared = await cw.patchFresh(`/api/v1/elders/${e.id}`, { contact2_name: null, contact2_relation: null, contact2_phone: null });
  assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
  assert.equal(cleared.body.data.contact2_phone, null);
});

test('the entitlement comes from the rules of the elder\'s unit and the units above it: the highest, plus those that add', async () => {
  const rule = async (body, who = admin) => {
    const r = await who.post('/api/v1/subsidy_rules', { org_id: district, valid_from: '2024-01-01', ...body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.data;
  };
  await rule({ category: 'tekun', kind: 'amount', value: 30000 });
  await rule({ category: 'sanwu', kind: 'amount', value: 25000 });
  const hours = await rule({ category: 'sanwu', kind: 'hours', value: 10, combine: 'add' });
  await rule({ category: 'tekun', kind: 'hours', value: 6, combine: 'add' });
  await rule({ category: 'tekun', kind: 'amount', value: 99900, valid_from: '2020-01-01', valid_to: '2020-12-31' });
  await rule({ category: 'tekun', kind: 'amount', value: 88800, valid_from: '2199-01-01' });
  // under 80: the demo district's own rules (demo_eldercare.c) give 高龄 hours, which would blur these sums
  const p = await person('1950-01-01');
  const e = await enrol(p, { categories: ['tekun', 'sanwu'] });
  assert.equal(e.subsidy_amount, 30000, 'the higher of 300 and 250 yuan; past and future rules do not count');
  assert.equal(e.subsidy_hours, 16, '10 + 6 hours: both add');
  // a street office adds its own on top, for its streets only
  const street = (await sa.get('/api/v1/auth/me')).body.data.user.org_id;
  await rule({ org_id: street, category: 'tekun', kind: 'hours', value: 4, combine: 'add' }, sa);
  const list = await cw.get(`/api/v1/elders?person_id=${p.id}`);
  assert.equal(list.body.data[0].subsidy_hours, 20, 'the street\'s rule counts; the list is not an old cached page');
  const streets = (await admin.get(`/api/v1/org_units?parent_id=${district}&level=street&sort=id`)).body.data;
  const otherCommunity = (await admin.get(`/api/v1/org_units?parent_id=${streets.find((s) => s.id !== street).id}&level=community`)).body.data[0];
  const otherGrid = (await admin.get(`/api/v1/org_units?parent_id=${otherCommunity.id}&level=grid`)).body.data[0];
  const e2 = await enrol(await person('1950-01-01', {}, admin, otherGrid.id), { categories: ['tekun'] }, admin);
  assert.equal(e2.subsidy_hours, 6, 'another street\'s elder does not get this street\'s hours');
  // ending a rule ends what it gives
  assert.equal((await admin.patchFresh(`/api/v1/subsidy_rules/${hours.id}`, { valid_to: '2024-12-31' })).status, 200);
  assert.equal((await cw.get(`/api/v1/elders/${e.id}`)).body.data.subsidy_hours, 10);
  // services ended: nothing
  const ended = await cw.patchFresh(`/api/v1/elders/${e.id}`, { status: 'ended' });
  assert.equal(ended.status, 200, JSON.stringify(ended.body));
  assert.equal(ended.body.data.status_date, today);
  assert.equal(ended.body.data.subsidy_amount, 0);
});

test('subsidy rules: everyone reads them; only a writer whose scope covers the unit changes them', async () => {
  const r = await cw.get('/api/v1/subsidy_rules?category=tekun');
  assert.equal(r.status, 200);
  assert.ok(r.body.meta.total >= 1, 'a community worker sees the district\'s rules');
  assert.equal((await gw.get('/api/v1/subsidy_rules')).status, 200);
  const body = { org_id: district, category: 'dibao', kind: 'amount', value: 100, valid_from: '2024-01-01' };
  assert.equal((await cw.post('/api/v1/subsidy_rules', body)).status, 403);
  const street = await sa.post('/api/v1/subsidy_rules', body);
  assert.equal(street.status, 422);
  assert.equal(street.body.error.field_codes.org_id, 'unknown_reference');
  const rule = r.body.data[0];
  assert.equal((await sa.patch(`/api/v1/subsidy_rules/${rule.id}`, { value: 1 }, { headers: { 'If-Match': `"${rule.version}"` } })).status, 403);
  const bad = await admin.post('/api/v1/subsidy_rules', { ...body, kind: 'hours', value: 800, valid_to: '2023-01-01' });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.field_codes.valid_to, 'end_before_start');
  const communityRule = await admin.post('/api/v1/subsidy_rules', { ...body, org_id: community });
  assert.equal(communityRule.body.error.field_codes.org_id, 'wrong_level', 'rules belong to the city, a district or a street');
});

test('the elder follows the person: a new name, a move to another community, and death ends the services', async () => {
  const p = await person('1941-04-04');
  const e = await enrol(p);
  assert.equal((await cw.patchFresh(`/api/v1/persons/${p.id}`, { name: '改名老人' })).status, 200);
  assert.equal((await cw.get(`/api/v1/elders/${e.id}`)).body.data.name, '改名老人');
  // the street administrator moves the person to the other community: the elder goes along
  const moved = await sa.patchFresh(`/api/v1/persons/${p.id}`, { org_id: grid2 });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal((await cw.get(`/api/v1/elders/${e.id}`)).status, 404, 'no longer in the first community');
  const there = await cw2.get(`/api/v1/elders/${e.id}`);
  assert.equal(there.status, 200);
  assert.equal(there.body.data.org_id, grid2);
  const died = await cw2.patchFresh(`/api/v1/persons/${p.id}`, { status: 'deceased', status_date: yearsAgo(0, -3) });
  assert.equal(died.status, 200, JSON.stringify(died.body));
  const after = (await cw2.get(`/api/v1/elders/${e.id}`)).body.data;
  assert.equal(after.status, 'ended');
  assert.equal(after.status_date, yearsAgo(0, -3), 'ended on the day of death');
  const hist = (await cw2.get(`/api/v1/elders/${e.id}/history`)).body.data;
  assert.ok(hist.some((h) => h.action === 'update' && h.detail.diff.status), JSON.stringify(hist));
  const resume = await cw2.patchFresh(`/api/v1/elders/${e.id}`, { status: 'active' });
  assert.equal(resume.status, 422);
  assert.equal(resume.body.error.field_codes.status, 'person_not_active');
});

test('an enrolled person is not deleted; care level and assessment dates cannot be typed; the person cannot be swapped', async () => {
  const p = await person('1939-09-09');
  const e = await enrol(p);
  const del = await cw.delWithReason(`/api/v1/persons/${p.id}`);
  assert.equal(del.status, 409);
  assert.equal(del.body.error.code, 'person_is_elder');
  const other = await person('1939-09-10');
  const swap = await cw.patchFresh(`/api/v1/elders/${e.id}`, { person_id: other.id });
  assert.equal(swap.status, 422);
  assert.equal(swap.body.error.field_codes.person_id, 'immutable');
  const typed = await cw.patchFresh(`/api/v1/elders/${e.id}`, { care_level: '4', next_assessment_due: '2199-01-01', note: '改备注' });
  assert.equal(typed.status, 200);
  assert.equal(typed.body.data.care_level, null);
  assert.equal(typed.body.data.next_assessment_due, today);
  assert.equal(typed.body.data.note, '改备注');
});

test('scope: another community neither sees nor changes these elders; the grid worker has no access; the auditor only reads', async () => {
  const p = await person('1938-08-08');
  const e = await enrol(p);
  assert.equal((await cw2.get(`/api/v1/elders/${e.id}`)).status, 404);
  assert.equal((await cw2.get(`/api/v1/elders?person_id=${p.id}`)).body.meta.total, 0);
  assert.equal((await cw2.patch(`/api/v1/elders/${e.id}`, { note: 'x' }, { headers: { 'If-Match': '"1"' } })).status, 404);
  assert.equal((await cw2.delWithReason(`/api/v1/elders/${e.id}`)).status, 404);
  assert.equal((await gw.get('/api/v1/elders')).status, 403);
  assert.equal((await auditor.get(`/api/v1/elders/${e.id}`)).status, 200);
  assert.equal((await auditor.post('/api/v1/elders', { person_id: p.id })).status, 403);
  const csv = await cw2.get(`/api/v1/elders.csv?person_id=${p.id}`, { raw: true });
  assert.equal(csv.status, 200);
  assert.ok(!csv.buf.toString('utf8').includes(p.name), 'an export of nobody');
});

test('the console\'s metadata declares elders with the computed entitlement and the eldercare dictionaries', async () => {
  const meta = (await cw.get('/api/v1/meta')).body.data;
  const elders = meta.resources.find((r) => r.name === 'elders');
  assert.ok(elders.can.read && elders.can.create && elders.can.unmask);
  const amount = elders.fields.find((f) => f.name === 'subsidy_amount');
  assert.equal(amount.computed, true);
  assert.equal(amount.readonly, true);
  for (const d of ['elder_category', 'elder_status', 'living_situation', 'contact_relation', 'care_level'])
    assert.ok(meta.dicts[d]?.length, d);
  assert.deepEqual(meta.dicts.elder_category.map((i) => i.label_zh).slice(0, 4), ['三无老人', '低保', '低保边缘', '特困供养']);
  const gwMeta = (await gw.get('/api/v1/meta')).body.data.resources.find((r) => r.name === 'elders');
  assert.equal(gwMeta.can.read, false);
});

test('the service catalogue (GB/T 43153-2023): seeded, read by everyone, priced in fen, written by the district', async () => {
  const all = await gw.get('/api/v1/service_items?per_page=100&sort=code');
  assert.equal(all.status, 200);
  const cats = new Set(all.body.data.map((i) => i.category));
  for (const c of ['meal', 'bathing', 'cleaning', 'mobility', 'medical_escort', 'emergency', 'basic_care', 'health', 'visiting',
    'emotional', 'errands', 'adaptation']) assert.ok(cats.has(c), c);
  const meal = all.body.data.find((i) => i.code === 'ZC01');
  assert.deepEqual([meal.name, meal.unit, meal.price, meal.subsidy_kind, meal.required_skill, meal.standard_minutes],
    ['上门送餐', 'visit', 1500, 'amount', 'cooking', 30]);
  assert.equal((await cw.post('/api/v1/service_items', { code: 'X1', name: '理发', category: 'errands', price: 1000, standard_minutes: 30 })).status, 403);
  const made = await admin.post('/api/v1/service_items', { code: 'LF01', name: '上门理发', category: 'errands', unit: 'visit', price: 1000,
    standard_minutes: 30, required_skill: 'general_care' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const dup = await admin.post('/api/v1/service_items', { code: 'LF01', name: '又一个', category: 'errands', price: 1, standard_minutes: 30 });
  assert.equal(dup.status, 409);
  const bad = await admin.post('/api/v1/service_items', { code: 'LF02', name: '坏', category: 'haircut', price: -1, standard_minutes: 1 });
  assert.equal(bad.status, 422);
  assert.deepEqual(Object.values(bad.body.error.field_codes).sort(), ['out_of_range', 'out_of_range', 'unknown_code']);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
