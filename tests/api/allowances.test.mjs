// Elder allowances (敬老补助, issue 5 point 9): rates by age band set as configuration (the most local
// one applies), a street's monthly cycle run from the registry, approved by someone else and then
// frozen (later registry edits never change it, in the list or its export), death and moving out
// suspending the allowance in the next run, centenarians suspended until a proof of life reviewed by
// two different people and resumed after it, who sees which lines, and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, parseCsv, stopAndCollect } from './lib.mjs';

let srv, cw, cw2, admin, sa, gw, auditor;
let community, grid, street, district, reviewer2;

const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
const year = Number(today.slice(0, 4));
const thisMonth = today.slice(0, 7);
const lastMonth = (() => { const [y, m] = thisMonth.split('-').map(Number); return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`; })();
const monthsAgo = (n) => { const [y, m] = thisMonth.split('-').map(Number); const t = new Date(Date.UTC(y, m - 1 - n, 1)); return t.toISOString().slice(0, 7); };

const P = {};
before(async () => {
  srv = await startServer();
  [cw, cw2, admin, sa, gw, auditor] = await Promise.all(['community_worker', 'community_worker2', 'district_admin', 'street_admin',
    'grid_worker', 'auditor'].map((u) => loginAs(srv.base, u)));
  community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  street = (await sa.get('/api/v1/auth/me')).body.data.user.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid&sort=id`)).body.data[0].id;
  district = (await admin.get('/api/v1/org_units?code=410105')).body.data[0].id;
  const person = async (name, born) => {
    const r = await cw.post('/api/v1/persons', { name, id_number: freshId({ from: born }), org_id: grid });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.data.id;
  };
  P.a85 = await person('补助八五', `${year - 85}-01-15`);
  P.a95 = await person('补助九五', `${year - 95}-02-10`);
  P.c102 = await person('补助百岁', `${year - 102}-03-03`);
  P.mover = await person('补助迁出', `${year - 88}-04-04`);
  P.young = await person('补助七十', `${year - 70}-05-05`);
  const hh = await cw.post('/api/v1/households', { org_id: grid, head_person_id: P.mover, kind: 'family' });
  assert.equal(hh.status, 201, JSON.stringify(hh.body));
  P.moverHousehold = hh.body.data.id;
  // a second reviewer in the community besides the grid worker
  const u = await admin.post('/api/v1/users', { username: 'reviewer2', password: 'Review2026pw', name: '复核员', org_id: community, roles: ['community_worker'] });
  assert.equal(u.status, 201, JSON.stringify(u.body));
  reviewer2 = u.body.data.id;
  // the street pays more to those aged 80-89 than the district does
  const rate = await sa.post('/api/v1/allowance_rates', { org_id: street, band: '80_89', amount: 6000, valid_from: '2020-01-01' });
  assert.equal(rate.status, 201, JSON.stringify(rate.body));
  P.streetRate = rate.body.data.id;
});
after(async () => { await srv.stop(); });

const gwId = async () => (await gw.get('/api/v1/auth/me')).body.data.user.id;
async function cycle(month, who = sa, org = street) {
  const r = await who.post('/api/v1/allowance_cycles', { org_id: org, month });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data;
}
const lineOf = async (cycleId, pid, who = sa) => {
  const r = await who.get(`/api/v1/allowance_lines?cycle_id=${cycleId}&person_id=${pid}`);
  assert.equal(r.status, 200);
  return r.body.data[0];
};

let first;
test('a run lists every resident 80 or over of the unit at the most local rate; centenarians wait for a proof of life', async () => {
  first = await cycle(monthsAgo(2));
  assert.equal(first.status, 'draft');
  const run = await sa.post(`/api/v1/allowance_cycles/${first.id}/run`);
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const c = run.body.data;
  assert.ok(c.line_count >= 4 && c.payable_count + c.suspended_count === c.line_count, JSON.stringify(c));
  const a85 = await lineOf(first.id, P.a85);
  assert.deepEqual([a85.band, a85.amount, a85.status, a85.change_kind], ['80_89', 6000, 'payable', 'new'], 'the street\'s rate');
  const a95 = await lineOf(first.id, P.a95);
  assert.deepEqual([a95.band, a95.amount, a95.status], ['90_99', 10000, 'payable'], 'the district\'s rate');
  const c102 = await lineOf(first.id, P.c102);
  assert.deepEqual([c102.band, c102.amount, c102.status, c102.reason], ['100_plus', 0, 'suspended', 'verification_due']);
  assert.equal(await lineOf(first.id, P.young), undefined, 'under 80: not listed');
  assert.match(a85.id_number, /^\d{4}\*+\d{3}[\dX]$/, 'ID numbers masked');
  // the total is the sum of the lines
  const all = (await sa.get(`/api/v1/allowance_lines?cycle_id=${first.id}&per_page=500`)).body.data;
  assert.equal(all.length, c.line_count);
  assert.equal(all.reduce((s, l) => s + l.amount, 0), c.total_amount);
  // running a draft again replaces its list, never doubles it
  const again = await sa.post(`/api/v1/allowance_cycles/${first.id}/run`);
  assert.equal(again.body.data.line_count, c.line_count);
  assert.equal((await sa.get(`/api/v1/allowance_lines?cycle_id=${first.id}&per_page=1`)).body.meta.total, c.line_count);
});

test('approval is someone else\'s; an approved cycle is frozen against runs, edits and deletion', async () => {
  const self = await sa.post(`/api/v1/allowance_cycles/${first.id}/approve`);
  assert.equal(self.status, 409);
  assert.equal(self.body.error.code, 'same_person');
  const unrun = await cycle(monthsAgo(3));
  assert.equal((await admin.post(`/api/v1/allowance_cycles/${unrun.id}/approve`)).body.error.code, 'cycle_not_run');
  const ok = await admin.post(`/api/v1/allowance_cycles/${first.id}/approve`);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.data.status, 'approved');
  assert.ok(ok.body.data.approved_at);
  for (const who of [sa, admin]) {
    assert.equal((await who.post(`/api/v1/allowance_cycles/${first.id}/run`)).body.error.code, 'cycle_frozen');
    assert.equal((await who.post(`/api/v1/allowance_cycles/${first.id}/approve`)).body.error.code, 'cycle_frozen');
  }
  const edit = await sa.patchFresh(`/api/v1/allowance_cycles/${first.id}`, { note: '改' });
  assert.equal(edit.status, 422);
  assert.equal(edit.body.error.field_codes.status, 'cycle_frozen');
  assert.equal((await sa.delWithReason(`/api/v1/allowance_cycles/${first.id}`)).status, 409);
  // lines have no way to change at all
  const line = await lineOf(first.id, P.a85);
  assert.equal((await sa.patchFresh(`/api/v1/allowance_lines/${line.id}`, { amount: 1 })).status, 405);
  assert.equal((await sa.post('/api/v1/allowance_lines', { cycle_id: first.id })).status, 405);
  assert.equal((await sa.delWithReason(`/api/v1/allowance_lines/${line.id}`)).status, 405);
});

let frozen;
test('later registry edits never change a past cycle, in its list or its export', async () => {
  frozen = (await sa.get(`/api/v1/allowance_lines?cycle_id=${first.id}&per_page=500&sort=id`)).body.data;
  const csvBefore = (await sa.get(`/api/v1/allowance_lines.csv?cycle_id=${first.id}`, { raw: true })).buf.toString('utf8');
  // rename, change the rate, a death, a move out of the household
  assert.equal((await cw.patchFresh(`/api/v1/persons/${P.a85}`, { name: '改名八五' })).status, 200);
  assert.equal((await sa.patchFresh(`/api/v1/allowance_rates/${P.streetRate}`, { amount: 7000 })).status, 200);
  const died = await cw.patchFresh(`/api/v1/persons/${P.a95}`, { status: 'deceased', status_date: today });
  assert.equal(died.status, 200, JSON.stringify(died.body));
  const m = (await cw.get(`/api/v1/household_members?household_id=${P.moverHousehold}`)).body.data[0];
  const left = await cw.patchFresh(`/api/v1/household_members/${m.id}`, { end_date: today, end_reason: 'moved_out' });
  assert.equal(left.status, 200, JSON.stringify(left.body));
  const after = (await sa.get(`/api/v1/allowance_lines?cycle_id=${first.id}&per_page=500&sort=id`)).body.data;
  assert.deepEqual(after, frozen);
  assert.equal((await sa.get(`/api/v1/allowance_lines.csv?cycle_id=${first.id}`, { raw: true })).buf.toString('utf8'), csvBefore);
  assert.ok(parseCsv(csvBefore).some((row) => row.includes('补助八五')), 'the export is the payment list as approved');
  const xlsx = await sa.get(`/api/v1/allowance_lines.xlsx?cycle_id=${first.id}`, { raw: true });
  assert.equal(xlsx.status, 200);
  assert.equal(xlsx.headers.get('x-total-count'), String(frozen.length));
  assert.equal(xlsx.buf.subarray(0, 2).toString(), 'PK');
});

test('the next run suspends the dead and the departed, resumes a verified centenarian, and records what changed', async () => {
  // the proof of life: two distinct reviewers, neither the recorder, with evidence
  const g = await gwId();
  const base = { person_id: P.c102, method: 'home_visit', result: 'alive', evidence: '入户见到本人，精神良好', attachment: 'IMG-2026-001' };
  const bad = [
    [{ ...base, reviewers: [g] }, 'reviewers', 'wrong_count'],
    [{ ...base, reviewers: [g, g] }, 'reviewers[1]', 'duplicate_ref'],
    [{ ...base, reviewers: [g, (await cw.get('/api/v1/auth/me')).body.data.user.id] }, 'reviewers[1]', 'self_review'],
    [{ ...base, evidence: undefined, reviewers: [g, reviewer2] }, 'evidence', 'required'],
    [{ ...base, person_id: P.a85, reviewers: [g, reviewer2] }, 'person_id', 'not_centenarian'],
    [{ ...base, result: 'asleep', reviewers: [g, reviewer2] }, 'result', null],
  ];
  for (const [body, field, code] of bad) {
    const r = await cw.post('/api/v1/centenarian_verifications', body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.ok(r.body.error.field_codes[field], `${field}: ${JSON.stringify(r.body)}`);
    if (code) assert.equal(r.body.error.field_codes[field], code, JSON.stringify(r.body));
  }
  const v = await cw.post('/api/v1/centenarian_verifications', { ...base, reviewers: [g, reviewer2] });
  assert.equal(v.status, 201, JSON.stringify(v.body));
  assert.equal(v.body.data.org_id, grid);
  assert.equal((await cw.patchFresh(`/api/v1/centenarian_verifications/${v.body.data.id}`, { result: 'deceased' })).status, 405, 'never edited');
  assert.equal((await cw2.get(`/api/v1/centenarian_verifications/${v.body.data.id}`)).status, 404);

  const next = await cycle(thisMonth);
  const run = await sa.post(`/api/v1/allowance_cycles/${next.id}/run`);
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const a85 = await lineOf(next.id, P.a85);
  assert.deepEqual([a85.name, a85.amount, a85.change_kind], ['改名八五', 7000, 'continued']);
  const a95 = await lineOf(next.id, P.a95);
  assert.deepEqual([a95.status, a95.reason, a95.amount, a95.change_kind], ['suspended', 'deceased', 0, 'suspended']);
  const mover = await lineOf(next.id, P.mover);
  assert.deepEqual([mover.status, mover.reason, mover.change_kind], ['suspended', 'moved_out', 'suspended']);
  const c102 = await lineOf(next.id, P.c102);
  assert.deepEqual([c102.status, c102.amount, c102.change_kind], ['payable', 30000, 'resumed']);
  assert.equal((await sa.get(`/api/v1/allowance_lines?cycle_id=${next.id}&change_kind=resumed`)).body.meta.total >= 1, true);
  assert.equal((await admin.post(`/api/v1/allowance_cycles/${next.id}/approve`)).status, 200);
  // and the cycle after that leaves out those already suspended for death or departure
  const third = await cycle(monthsAgo(-1));
  await sa.post(`/api/v1/allowance_cycles/${third.id}/run`);
  assert.equal(await lineOf(third.id, P.a95), undefined);
  assert.equal(await lineOf(third.id, P.mover), undefined);
  // the first cycle still says what it said
  assert.deepEqual((await sa.get(`/api/v1/allowance_lines?cycle_id=${first.id}&per_page=500&sort=id`)).body.data, frozen);
});

test('a community worker sees their community\'s lines only; cycles stay with the paying unit', async () => {
  const mine = (await cw.get(`/api/v1/allowance_lines?cycle_id=${first.id}&per_page=500`)).body;
  const theirs = (await cw2.get(`/api/v1/allowance_lines?cycle_id=${first.id}&per_page=500`)).body;
  const all = (await sa.get(`/api/v1/allowance_lines?cycle_id=${first.id}&per_page=1`)).body.meta.total;
  assert.ok(mine.meta.total >= 4);
  assert.ok(mine.data.every((l) => l.org_id === grid || l.org_name), 'their own units');
  assert.ok(!theirs.data.some((l) => mine.data.some((x) => x.id === l.id)), 'no line seen by both');
  assert.ok(mine.meta.total + theirs.meta.total <= all);
  assert.equal((await cw2.get(`/api/v1/allowance_lines/${mine.data[0].id}`)).status, 404);
  assert.equal((await cw.get(`/api/v1/allowance_cycles/${first.id}`)).status, 404, 'the street\'s cycle is above a community');
  assert.equal((await auditor.get(`/api/v1/allowance_cycles/${first.id}`)).status, 200);
  assert.equal((await auditor.post(`/api/v1/allowance_cycles/${first.id}/run`)).status, 403);
  assert.equal((await gw.get('/api/v1/allowance_lines')).status, 403);
  // a community cannot run its own: cycles belong to a street or the district
  const r = await cw.post('/api/v1/allowance_cycles', { org_id: community, month: monthsAgo(5) });
  assert.equal(r.status, 422);
  assert.ok(r.body.error.field_codes.org_id);
  // the unmasked payment list needs elders.unmask, and is audited
  const un = await sa.get(`/api/v1/allowance_lines?cycle_id=${first.id}&person_id=${P.c102}&unmask=1`);
  assert.equal(un.status, 200);
  assert.match(un.body.data[0].id_number, /^\d{17}[\dX]$/);
  assert.equal((await gw.get(`/api/v1/allowance_lines?unmask=1`)).status, 403);
});

test('bad cycles and rates are refused with the field named', async () => {
  const cases = [
    [{ org_id: street, month: '2026-13' }, 'month', 'invalid_month'],
    [{ org_id: street, month: '26-01' }, 'month', 'invalid_month'],
    [{ org_id: street, month: `${year + 2}-01` }, 'month', 'invalid_month'],
    [{ org_id: street, month: monthsAgo(2) }, 'month', 'cycle_exists'],
    [{ org_id: district, month: monthsAgo(2) }, 'month', 'cycle_exists'],
    [{ org_id: street }, 'month', 'required'],
    [{ org_id: 'x', month: monthsAgo(7) }, 'org_id', 'wrong_type'],
  ];
  for (const [body, field, code] of cases) {
    const r = await admin.post('/api/v1/allowance_cycles', body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.body.error.field_codes[field], code, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
  }
  const rates = [
    [{ org_id: street, band: '80_89', amount: -5, valid_from: '2020-01-01' }, 'amount'],
    [{ org_id: street, band: '70_79', amount: 100, valid_from: '2020-01-01' }, 'band'],
    [{ org_id: street, band: '80_89', amount: 100, valid_from: '2020-01-01', valid_to: '2019-01-01' }, 'valid_to'],
    [{ org_id: community, band: '80_89', amount: 100, valid_from: '2020-01-01' }, 'org_id'],
  ];
  for (const [body, field] of rates) {
    const r = await sa.post('/api/v1/allowance_rates', body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.ok(r.body.error.field_codes[field], `${field}: ${JSON.stringify(r.body)}`);
  }
  assert.equal((await cw.post('/api/v1/allowance_rates', { org_id: street, band: '80_89', amount: 100, valid_from: '2020-01-01' })).status, 403);
  // no rate for a band: the run says which, and writes nothing
  for (const r of (await admin.get('/api/v1/allowance_rates?band=90_99')).body.data)
    assert.equal((await admin.delWithReason(`/api/v1/allowance_rates/${r.id}`)).status, 200);
  const c = await cycle(monthsAgo(4));
  const run = await sa.post(`/api/v1/allowance_cycles/${c.id}/run`);
  assert.equal(run.status, 409);
  assert.equal(run.body.error.code, 'rate_missing');
  assert.equal((await sa.get(`/api/v1/allowance_lines?cycle_id=${c.id}`)).body.meta.total, 0);
  assert.equal((await sa.get(`/api/v1/allowance_cycles/${c.id}`)).body.data.run_at, null);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
