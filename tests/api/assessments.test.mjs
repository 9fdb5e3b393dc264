// Capability assessments through the API: POST /api/v1/elders/{id}/assessments scores GB/T
// 42195-2022 (bands, coma / mental-disorder / care-risk adjustments; the unit tests cover every
// boundary, these check a few through the whole path) and the Barthel index; every item is checked
// with the field named; two distinct assessors in scope; the elder's care level and next due date
// follow in the same transaction; assessments are never edited; who is due is one date filter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, stopAndCollect } from './lib.mjs';

let srv, cw, cw2, admin, auditor;
let grid, me, gridWorker, otherWorker;

const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
/* d + months, the day kept where the month has it, else its last day (as the server counts) */
function addMonths(d, months) {
  let [y, m, day] = d.split('-').map(Number);
  m += months;
  y += Math.floor((m - 1) / 12);
  m = ((m - 1) % 12 + 12) % 12 + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${y}-${String(m).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
}

const MAX = { 'B1.1': 4, 'B1.2': 4, 'B1.3': 4, 'B1.4': 4, 'B1.5': 4, 'B1.6': 4, 'B1.7': 4, 'B1.8': 4, 'B2.1': 4, 'B2.2': 4,
  'B2.3': 4, 'B2.4': 3, 'B3.1': 4, 'B3.2': 4, 'B3.3': 4, 'B3.4': 4, 'B3.5': 4, 'B3.6': 4, 'B3.7': 1, 'B3.8': 1, 'B3.9': 2,
  'B4.1': 2, 'B4.2': 2, 'B4.3': 4, 'B4.4': 3, 'B4.5': 4 };
/* Item scores adding up to `total`: full marks, lowered item by item from the first. */
function items(total) {
  const out = { ...MAX };
  let deficit = 90 - total;
  for (const k of Object.keys(out)) {
    const cut = Math.min(out[k], deficit);
    out[k] -= cut;
    deficit -= cut;
  }
  return out;
}
const BARTHEL_MAX = { feeding: 10, bathing: 5, grooming: 5, dressing: 10, bowels: 10, bladder: 10, toilet: 10, transfers: 15, mobility: 15, stairs: 10 };

before(async () => {
  srv = await startServer();
  [cw, cw2, admin, auditor] = await Promise.all(['community_worker', 'community_worker2', 'district_admin', 'auditor']
    .map((u) => loginAs(srv.base, u)));
  const user = (await cw.get('/api/v1/auth/me')).body.data.user;
  me = user.id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${user.org_id}&level=grid&sort=id`)).body.data[0].id;
  const users = (await admin.get('/api/v1/users?per_page=50')).body.data;
  gridWorker = users.find((u) => u.username === 'grid_worker').id;
  otherWorker = users.find((u) => u.username === 'community_worker2').id;
});
after(async () => { await srv.stop(); });

let n = 0;
async function elder(born = '1945-01-01', who = cw) {
  const unit = who === cw ? grid : (await who.get(`/api/v1/org_units?parent_id=${(await who.get('/api/v1/auth/me')).body.data.user.org_id}&level=grid`)).body.data[0].id;
  const p = await who.post('/api/v1/persons', { name: `评估${++n}`, id_number: freshId({ from: born }), org_id: unit });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const e = await who.post('/api/v1/elders', { person_id: p.body.data.id });
  assert.equal(e.status, 201, JSON.stringify(e.body));
  return e.body.data;
}

const gbt = (extra = {}) => ({ standard: 'GB/T 42195-2022', reason: 'routine', assessors: [me, gridWorker], items: items(90), ...extra });
const assess = (e, body, who = cw) => who.post(`/api/v1/elders/${e.id}/assessments`, body);
async function ok(e, body, who = cw) {
  const r = await assess(e, body, who);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data;
}

test('full marks: 90, level 0 能力完好, domain totals, no adjustment, next due six months on', async () => {
  const e = await elder();
  const a = await ok(e, gbt({ reason: 'first', coma: false, diagnoses: [], risk_events_30d: 0 }));
  assert.equal(a.total, 90);
  assert.equal(a.level, 0);
  assert.equal(a.base_level, 0);
  assert.equal(a.level_label, '能力完好');
  assert.equal(a.level_label_en, 'Intact');
  assert.deepEqual(a.group_totals, { B1: 32, B2: 15, B3: 28, B4: 15 });
  assert.deepEqual(a.adjustments, []);
  assert.equal(a.assessed_on, today);
  assert.equal(a.next_due, addMonths(today, 6));
  assert.deepEqual(a.assessors, [me, gridWorker]);
  assert.equal(a.elder_id, e.id);
  assert.equal(a.org_id, grid, 'the assessment lives where the elder does');
});

test('the bands on their boundaries: 89 and 66 mild, 65 and 46 moderate, 45 and 30 severe, 29 total', async () => {
  const e = await elder();
  const want = { 89: [1, '轻度失能'], 66: [1, '轻度失能'], 65: [2, '中度失能'], 46: [2, '中度失能'], 45: [3, '重度失能'], 30: [3, '重度失能'], 29: [4, '完全失能'], 0: [4, '完全失能'] };
  for (const [total, [level, label]] of Object.entries(want)) {
    const a = await ok(e, gbt({ items: items(Number(total)) }));
    assert.equal(a.total, Number(total));
    assert.equal(a.level, level, `total ${total}`);
    assert.equal(a.level_label, label);
  }
});

test('adjustments: coma is total impairment; an F diagnosis and 2+ risk events each worsen by one, never past 4', async () => {
  const e = await elder();
  const coma = await ok(e, gbt({ coma: true }));
  assert.equal(coma.level, 4);
  assert.equal(coma.base_level, 0);
  assert.deepEqual(coma.adjustments, ['coma']);
  const dementia = await ok(e, gbt({ diagnoses: ['F01'] }));
  assert.equal(dementia.level, 1);
  assert.deepEqual(dementia.adjustments, ['mental_disorder']);
  const risk = await ok(e, gbt({ items: items(66), risk_events_30d: 2 }));
  assert.equal(risk.level, 2);
  assert.deepEqual(risk.adjustments, ['care_risk']);
  const one = await ok(e, gbt({ risk_events_30d: 1, diagnoses: ['I10'] }));
  assert.equal(one.level, 0, 'one event and a diagnosis outside chapter V change nothing');
  const both = await ok(e, gbt({ items: items(46), diagnoses: ['I10', 'F03.9'], risk_events_30d: 3 }));
  assert.equal(both.level, 4);
  assert.deepEqual(both.adjustments, ['mental_disorder', 'care_risk']);
  const capped = await ok(e, gbt({ items: items(29), diagnoses: ['F20'] }));
  assert.equal(capped.level, 4);
  assert.deepEqual((await cw.get(`/api/v1/assessments?elder_id=${e.id}&adjustments=care_risk`)).body.data.map((a) => a.id).sort(),
    [risk.id, both.id].sort(), 'adjustments are a filter');
  assert.equal((await cw.get(`/api/v1/assessments?elder_id=${e.id}&diagnoses=F01`)).body.data[0]?.id, dementia.id);
});

test('every item is checked against its own range, with the field named and a stable code', async () => {
  const e = await elder();
  const cases = [
    [{ ...items(90), 'B1.4': 5 }, 'items.B1.4', 'out_of_range'],
    [{ ...items(90), 'B2.4': 4 }, 'items.B2.4', 'out_of_range'],
    [{ ...items(90), 'B3.7': -1 }, 'items.B3.7', 'out_of_range'],
    [{ ...items(90), 'B3.9': 4294967298 }, 'items.B3.9', 'out_of_range'],
    [{ ...items(90), 'B9.9': 1 }, 'items.B9.9', 'unknown_item'],
    [{ ...items(90), 'B1.1': '4' }, 'items.B1.1', 'wrong_type'],
    [{ ...items(90), 'B1.1': 2.5 }, 'items.B1.1', 'wrong_type'],
    [(({ 'B4.5': _, ...rest }) => rest)(items(90)), 'items.B4.5', 'required'],
  ];
  for (const [its, field, code] of cases) {
    const r = await assess(e, gbt({ items: its }));
    assert.equal(r.status, 422, `${field} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'validation_failed');
    assert.equal(r.body.error.field_codes[field], code, JSON.stringify(r.body));
  }
  const icd = await assess(e, gbt({ diagnoses: ['F01', 'dementia'] }));
  assert.equal(icd.body.error.field_codes['diagnoses[1]'], 'invalid_icd10');
  const en = await cw.post(`/api/v1/elders/${e.id}/assessments?lang=en`, gbt({ items: { ...items(90), 'B1.4': 5 } }));
  assert.match(en.body.error.fields['items.B1.4'], /outside the item's range/);
  assert.equal((await cw.get(`/api/v1/assessments?elder_id=${e.id}`)).body.meta.total, 0, 'nothing was stored');
});

test('two assessors, distinct, existing, in the caller\'s scope and with accounts in use', async () => {
  const e = await elder();
  const cases = [
    [[me], 'assessors', 'wrong_count'],
    [[me, gridWorker, 1], 'assessors', 'wrong_count'],
    [[me, me], 'assessors[1]', 'duplicate_ref'],
    [[me, otherWorker], 'assessors[1]', 'unknown_reference'],
    [[99999999, me], 'assessors[0]', 'unknown_reference'],
    [[me, 'x'], 'assessors[1]', 'wrong_type'],
    ['3,5', 'assessors', 'wrong_type'],
  ];
  for (const [assessors, field, code] of cases) {
    const r = await assess(e, gbt({ assessors }));
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.error.field_codes[field], code, `${JSON.stringify(assessors)}: ${JSON.stringify(r.body)}`);
  }
  const missing = await assess(e, (({ assessors, ...rest }) => rest)(gbt()));
  assert.equal(missing.body.error.field_codes.assessors, 'required');
  // an account that was disabled cannot sign an assessment
  const u = await admin.post('/api/v1/users', { username: 'assessor_gone', password: 'Assess2026pw', name: '停用评估员',
    org_id: grid, roles: ['grid_worker'] });
  assert.equal(u.status, 201, JSON.stringify(u.body));
  assert.equal((await admin.patchFresh(`/api/v1/users/${u.body.data.id}`, { status: 'disabled' })).status, 200);
  const gone = await assess(e, gbt({ assessors: [me, u.body.data.id] }));
  assert.equal(gone.body.error.field_codes['assessors[1]'], 'inactive_user');
});

test('the elder\'s care level, latest assessment and next due date follow, in the same request, and are audited', async () => {
  const e = await elder();
  const a = await ok(e, gbt({ reason: 'first', items: items(50) }));
  const got = (await cw.get(`/api/v1/elders/${e.id}`)).body.data;
  assert.equal(got.care_level, '2');
  assert.equal(got.last_assessment_id, a.id);
  assert.equal(got.last_assessed_on, today);
  assert.equal(got.next_assessment_due, addMonths(today, 6));
  assert.equal(got.version, 2);
  const hist = (await cw.get(`/api/v1/elders/${e.id}/history`)).body.data;
  assert.equal(hist[0].action, 'update');
  assert.equal(hist[0].detail.assessment_id, a.id);
  assert.deepEqual(hist[0].detail.diff.care_level, [null, '2']);
  const ahist = (await cw.get(`/api/v1/assessments/${a.id}/history`)).body.data;
  assert.equal(ahist.length, 1);
  assert.equal(ahist[0].action, 'create');
  // an older paper assessment entered late is history, not the current state
  const old = await ok(e, gbt({ items: items(20), assessed_on: addMonths(today, -3) }));
  assert.equal(old.next_due, addMonths(today, 3));
  const still = (await cw.get(`/api/v1/elders/${e.id}`)).body.data;
  assert.equal(still.care_level, '2');
  assert.equal(still.last_assessment_id, a.id);
  // the Barthel index is recorded and dates the latest assessment, but sets no GB/T care level
  const b = await ok(e, { standard: 'Barthel', reason: 'immediate', assessors: [gridWorker, me], items: { ...BARTHEL_MAX, stairs: 5 } });
  assert.equal(b.total, 95);
  assert.equal(b.level, 1);
  assert.equal(b.level_label, '轻度依赖');
  assert.equal(b.group_totals, null);
  const now = (await cw.get(`/api/v1/elders/${e.id}`)).body.data;
  assert.equal(now.care_level, '2');
  assert.equal(now.last_assessment_id, b.id);
  // the history, newest first
  const list = (await cw.get(`/api/v1/assessments?elder_id=${e.id}`)).body.data;
  assert.deepEqual(list.map((x) => x.id), [b.id, a.id, old.id]);
});

test('the Barthel index: steps of 5, its own items, no coma or diagnoses', async () => {
  const e = await elder();
  const full = await ok(e, { standard: 'Barthel', reason: 'first', assessors: [me, gridWorker], items: BARTHEL_MAX });
  assert.equal(full.total, 100);
  assert.equal(full.level, 0);
  assert.equal(full.level_label_en, 'Independent');
  const low = await ok(e, { standard: 'Barthel', reason: 'routine', assessors: [me, gridWorker], items: { ...BARTHEL_MAX, transfers: 0, mobility: 0, stairs: 0, feeding: 5, dressing: 5 } });
  assert.equal(low.total, 50);
  assert.equal(low.level, 2);
  const step = await assess(e, { standard: 'Barthel', reason: 'routine', assessors: [me, gridWorker], items: { ...BARTHEL_MAX, feeding: 7 } });
  assert.equal(step.body.error.field_codes['items.feeding'], 'out_of_range');
  const gbtItem = await assess(e, { standard: 'Barthel', reason: 'routine', assessors: [me, gridWorker], items: { ...BARTHEL_MAX, 'B1.1': 4 } });
  assert.equal(gbtItem.body.error.field_codes['items.B1.1'], 'unknown_item');
  const coma = await assess(e, { standard: 'Barthel', reason: 'routine', assessors: [me, gridWorker], items: BARTHEL_MAX, coma: true, diagnoses: ['F01'] });
  assert.equal(coma.body.error.field_codes.coma, 'not_applicable');
  assert.equal(coma.body.error.field_codes.diagnoses, 'not_applicable');
});

test('the request itself: reasons, dates, standards, bad JSON and wrong types are 400/422, never 500', async () => {
  const e = await elder();
  await ok(e, gbt({ reason: 'first' }));
  const again = await assess(e, gbt({ reason: 'first' }));
  assert.equal(again.body.error.field_codes.reason, 'not_first');
  assert.equal((await assess(e, gbt({ reason: 'whenever' }))).body.error.field_codes.reason, 'unknown_code');
  assert.equal((await assess(e, gbt({ standard: 'ISO 9999' }))).body.error.field_codes.standard, 'unknown_code');
  assert.equal((await assess(e, gbt({ assessed_on: '2199-01-01' }))).body.error.field_codes.assessed_on, 'date_future');
  assert.equal((await assess(e, gbt({ assessed_on: '1900-01-01' }))).body.error.field_codes.assessed_on, 'date_before_birth');
  assert.equal((await assess(e, gbt({ elder_id: e.id + 1 }))).body.error.field_codes.elder_id, 'mismatch');
  assert.equal((await cw.post(`/api/v1/elders/${e.id}/assessments`, '{"standard":')).status, 400);
  assert.equal((await cw.post(`/api/v1/elders/${e.id}/assessments`, '[]')).status, 400);
  assert.equal((await cw.post(`/api/v1/elders/${e.id}/assessments`, '')).status, 400);
  const types = await assess(e, { standard: 1, reason: [], assessors: {}, items: 3, coma: 'no', diagnoses: 'F01', risk_events_30d: '2' });
  assert.equal(types.status, 422);
  for (const f of ['standard', 'reason', 'assessors', 'items', 'coma', 'diagnoses', 'risk_events_30d'])
    assert.equal(types.body.error.field_codes[f], 'wrong_type', f);
  assert.equal((await assess(e, gbt({ items: [1, 2] }))).body.error.field_codes.items, 'wrong_type');
  assert.equal((await assess(e, gbt({ risk_events_30d: -1 }))).body.error.field_codes.risk_events_30d, 'out_of_range');
  assert.equal((await cw.post('/api/v1/elders/99999999/assessments', gbt())).status, 404);
  assert.equal((await cw.post('/api/v1/elders/abc/assessments', gbt())).status, 404);
  // a client-given result is ignored: the server computes it
  const typed = await ok(e, gbt({ total: 90, level: 0, items: items(10) }));
  assert.equal(typed.total, 10);
  assert.equal(typed.level, 4);
});

test('assessments are never edited or deleted, nor created past the elder\'s route; an ended elder is not assessed', async () => {
  const e = await elder();
  const a = await ok(e, gbt());
  assert.equal((await cw.patch(`/api/v1/assessments/${a.id}`, { note: 'x' }, { headers: { 'If-Match': '"1"' } })).status, 405);
  assert.equal((await cw.delWithReason(`/api/v1/assessments/${a.id}`)).status, 405);
  assert.equal((await cw.post('/api/v1/assessments', { ...gbt(), elder_id: e.id })).status, 405);
  const meta = (await cw.get('/api/v1/meta')).body.data.resources.find((r) => r.name === 'assessments');
  assert.deepEqual([meta.can.read, meta.can.create, meta.can.update, meta.can.delete], [true, false, false, false]);
  assert.equal(meta.fields.find((f) => f.name === 'assessors').type, 'refs');
  assert.equal(meta.fields.find((f) => f.name === 'items').type, 'json');
  assert.equal((await cw.patchFresh(`/api/v1/elders/${e.id}`, { status: 'ended' })).status, 200);
  const ended = await assess(e, gbt());
  assert.equal(ended.body.error.field_codes.elder_id, 'elder_ended');
});

test('who is due: never assessed (due on enrolment) or past the six months; assessed recently is not', async () => {
  const fresh = await elder();
  const late = await elder();
  await ok(late, gbt({ reason: 'first', assessed_on: addMonths(today, -7) }));
  const recent = await elder();
  await ok(recent, gbt({ reason: 'first' }));
  const due = (await cw.get(`/api/v1/elders?next_assessment_due__lte=${today}&status=active&per_page=500&sort=next_assessment_due`)).body.data.map((x) => x.id);
  assert.ok(due.includes(fresh.id));
  assert.ok(due.includes(late.id));
  assert.ok(!due.includes(recent.id));
  assert.ok(due.indexOf(late.id) < due.indexOf(fresh.id), 'longest overdue first');
  const overdue = (await cw.get(`/api/v1/elders?next_assessment_due__lt=${today}&per_page=500`)).body.data.map((x) => x.id);
  assert.ok(overdue.includes(late.id) && !overdue.includes(fresh.id), '__lt: strictly past due');
});

test('scope: another community neither sees nor assesses this elder; the auditor reads but does not assess', async () => {
  const e = await elder();
  const a = await ok(e, gbt());
  assert.equal((await cw2.post(`/api/v1/elders/${e.id}/assessments`, gbt())).status, 404);
  assert.equal((await cw2.get(`/api/v1/assessments/${a.id}`)).status, 404);
  assert.equal((await cw2.get(`/api/v1/assessments?elder_id=${e.id}`)).body.meta.total, 0);
  assert.equal((await cw2.get(`/api/v1/assessments/${a.id}/history`)).status, 404);
  // their own elder, with assessors from this community: not in their scope
  const theirs = await elder('1946-01-01', cw2);
  const r = await cw2.post(`/api/v1/elders/${theirs.id}/assessments`, gbt({ assessors: [otherWorker, gridWorker] }));
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes['assessors[1]'], 'unknown_reference');
  assert.equal((await auditor.get(`/api/v1/assessments/${a.id}`)).status, 200);
  assert.equal((await auditor.post(`/api/v1/elders/${e.id}/assessments`, gbt())).status, 403);
  const csv = await cw.get(`/api/v1/assessments.csv?elder_id=${e.id}`, { raw: true });
  assert.equal(csv.status, 200);
  assert.match(csv.buf.toString('utf8'), /"?\{""B1\.1"":4/, 'item scores export as their JSON text');
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
