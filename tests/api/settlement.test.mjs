// Monthly settlement per provider (issue 5, point 7): the split of each order's amount into
// government subsidy, vouchers and self-pay checked against hand-computed figures (the elder's
// entitlement drawn down by every provider's orders in the order they were followed up; hourly
// items billed by the minute, rounded half up to the fen), totals equal to the sum of the lines,
// recomputing a draft and refusing to approve a stale one, approval by someone other than who
// computed it moving the orders to settled through the flow, the frozen settlement refusing
// edits and deletes, corrections as new lines, the finance office's export, provider scope, bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, parseCsv, PASSWORD } from './lib.mjs';

let srv, admin, admin2, prov1, prov2, P1, P2, CG1, CG_P2, U, D, items = {}, elder, month, st;
const ok = (r, what) => { assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`); return r.body.data; };
const inMin = (m) => new Date(Date.now() + 86400e3 + m * 60e3).toISOString().replace(/\.\d+Z$/, 'Z');

async function move(id, body) {
  const cur = ok(await admin.get(`/api/v1/service_orders/${id}`), 'order');
  return ok(await admin.post(`/api/v1/service_orders/${id}/transitions`, body, { headers: { 'If-Match': `"${cur.version}"` } }), `${id} -> ${body.to}`);
}
/* An order of the elder for `code`, taken through to followed_up by provider p's caregiver cg. */
async function followedUp(code, minutes, p = P1, cg = CG1, e = elder) {
  const o = ok(await admin.post('/api/v1/service_orders', { elder_id: e, service_item_id: items[code].id, channel: 'hotline', provider_id: p,
    window_start: inMin(0), window_end: inMin(minutes) }), 'order');
  for (const step of [{ to: 'accepted' }, { to: 'dispatched', caregiver_id: cg }, { to: 'taken' }, { to: 'in_service' }, { to: 'completed' },
    { to: 'followed_up', rating: 5, follow_up_result: '满意' }]) await move(o.id, step);
  return o.id;
}

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.base, 'district_admin');
  prov1 = await loginAs(srv.base, 'provider_admin');
  prov2 = await loginAs(srv.base, 'provider_admin2');
  const users = ok(await admin.get('/api/v1/users?per_page=100'), 'users');
  const by = Object.fromEntries(users.map((u) => [u.username, u]));
  P1 = by.provider_admin.provider_id; P2 = by.provider_admin2.provider_id; CG1 = by.caregiver.caregiver_id;
  D = by.district_admin.org_id;
  CG_P2 = ok(await admin.get(`/api/v1/caregivers?provider_id=${P2}&status=on_duty&per_page=1`), 'cg p2')[0].id;
  ok(await admin.post('/api/v1/users', { username: 'finance_admin', password: PASSWORD, name: '复核人', org_id: D, roles: ['district_admin'] }), 'second admin');
  admin2 = await loginAs(srv.base, 'finance_admin');
  const cw = await loginAs(srv.base, 'community_worker');
  const C = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  U = ok(await admin.get(`/api/v1/org_units?parent_id=${C}&level=grid&sort=id`), 'grid')[0].id;
  for (const i of ok(await admin.get('/api/v1/service_items?per_page=50'), 'items')) items[i.code] = i;
  // a category of its own, so that only these rules make the elder's entitlement
  ok(await admin.post('/api/v1/dict_items', { dict: 'elder_category', code: 'settle_test', label_zh: '结算测试', label_en: 'Settlement test' }), 'category');
  for (const [kind, value] of [['amount', 5000], ['hours', 1], ['voucher', 2000]])
    ok(await admin.post('/api/v1/subsidy_rules', { org_id: D, category: 'settle_test', kind, value, combine: 'max', valid_from: '2020-01-01' }), `rule ${kind}`);
  const p = ok(await admin.post('/api/v1/persons', { name: '结算老人', id_number: freshId({ from: '1955-06-01' }), org_id: U }), 'person');
  elder = ok(await admin.post('/api/v1/elders', { person_id: p.id, categories: ['settle_test'] }), 'elder').id;
  month = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7);
  const e = ok(await admin.get(`/api/v1/elders/${elder}`), 'elder');
  assert.deepEqual([e.subsidy_amount, e.subsidy_hours, e.categories], [5000, 1, ['settle_test']], 'the entitlement of the rules above alone');
});
after(async () => { await srv.stop(); });

const linesOf = async (sid, who = admin) => ok(await who.get(`/api/v1/settlement_lines?settlement_id=${sid}&per_page=500`), 'lines');

test('the split, by hand: entitlement 50.00 yuan + 1 hour + 20.00 in vouchers, drawn down by both providers in follow-up order', async () => {
  // another provider's meal first: 1500 of the 5000 subsidy
  const other = await followedUp('ZC01', 30, P2, CG_P2);
  const o1 = await followedUp('ZC01', 30);      // meal 1500, amount: subsidy 1500 (3500 -> 2000 left)
  const o2 = await followedUp('WT01', 30);      // errand 2000, amount: subsidy 2000 (0 left)
  const o3 = await followedUp('SL01', 240);     // adaptation 150000: subsidy 0, vouchers 2000, self 148000
  const o4 = await followedUp('ZJ01', 90);      // cleaning 40.00/h x 90 min = 6000; hours: 60 of 90 min -> 4000; self 2000
  const o5 = await followedUp('JC01', 50);      // care 50.00/h x 50 min = 4166.67 -> 4167; no hours left: self 4167
  st = ok(await admin.post('/api/v1/settlements', { provider_id: P1, month }), 'settle');
  assert.equal(st.status, 'draft');
  const lines = await linesOf(st.id);
  const mine = Object.fromEntries(lines.filter((l) => l.elder_id === elder).map((l) => [l.order_id, l]));
  assert.equal(mine[other], undefined, "the other provider's order is not this provider's line");
  const want = {
    [o1]: [1500, 1500, 0, 0, 1, 0], [o2]: [2000, 2000, 0, 0, 1, 0], [o3]: [150000, 0, 2000, 148000, 1, 0],
    [o4]: [6000, 4000, 0, 2000, 0, 90], [o5]: [4167, 0, 0, 4167, 0, 50],
  };
  for (const [id, [amount, subsidy, vouchers, self, visits, minutes]] of Object.entries(want)) {
    const l = mine[id];
    assert.ok(l, `line of order ${id}`);
    assert.deepEqual([l.amount, l.subsidy_amount, l.voucher_amount, l.self_pay_amount, l.visits, l.minutes],
      [amount, subsidy, vouchers, self, visits, minutes], `order ${id}`);
  }
  // totals: the sum of the lines, exactly, and each line's parts its amount
  const sum = (k) => lines.reduce((a, l) => a + l[k], 0);
  for (const l of lines) assert.equal(l.subsidy_amount + l.voucher_amount + l.self_pay_amount, l.amount);
  assert.equal(st.order_count, lines.length);
  assert.equal(st.total_amount, sum('amount'));
  assert.equal(st.subsidy_amount, sum('subsidy_amount'));
  assert.equal(st.voucher_amount, sum('voucher_amount'));
  assert.equal(st.self_pay_amount, sum('self_pay_amount'));
  assert.equal(st.visits, sum('visits'));
  assert.equal(st.minutes, sum('minutes'));
  assert.equal(st.total_amount, st.subsidy_amount + st.voucher_amount + st.self_pay_amount);
  const mineSum = Object.values(mine).reduce((a, l) => a + l.amount, 0);
  assert.equal(mineSum, 163667);
  // the finance office's file
  const csv = await admin.get(`/api/v1/settlement_lines.csv?settlement_id=${st.id}`);
  assert.equal(csv.status, 200);
  const rows = parseCsv(csv.buf.toString('utf8'));
  assert.equal(rows.length - 1, lines.length);
  const x = await admin.get(`/api/v1/settlement_lines.xlsx?settlement_id=${st.id}`);
  assert.equal(x.status, 200);
  assert.equal(x.buf.subarray(0, 2).toString(), 'PK');
});

test('a draft is computed again; an order followed up since makes approval refuse until then', async () => {
  const late = await followedUp('ZC01', 30);
  const stale = await admin2.post(`/api/v1/settlements/${st.id}/approve`);
  assert.equal(stale.status, 409);
  assert.equal(stale.body.error.code, 'settlement_stale');
  const again = ok(await admin.post(`/api/v1/settlements/${st.id}/compute`), 'compute');
  assert.equal(again.order_count, st.order_count + 1);
  assert.ok((await linesOf(st.id)).some((l) => l.order_id === late));
  st = again;
});

test('approval: not by who computed it; freezes; its orders move to settled through the flow', async () => {
  const same = await admin.post(`/api/v1/settlements/${st.id}/approve`);
  assert.equal(same.status, 409);
  assert.equal(same.body.error.code, 'same_person');
  const a = ok(await admin2.post(`/api/v1/settlements/${st.id}/approve`), 'approve');
  assert.equal(a.status, 'approved');
  assert.equal(a.total_amount, st.total_amount, 'approval changes no figure');
  for (const l of (await linesOf(st.id)).slice(0, 5)) {
    assert.equal(ok(await admin.get(`/api/v1/service_orders/${l.order_id}`), 'order').status, 'settled');
    const ev = ok(await admin.get(`/api/v1/service_order_events?order_id=${l.order_id}&sort=-id`), 'history')[0];
    assert.deepEqual([ev.from_status, ev.to_status], ['followed_up', 'settled']);
  }
});

test('a frozen settlement refuses computing, approving, edits and deletes with settlement_frozen', async () => {
  for (const step of ['compute', 'approve']) {
    const r = await admin2.post(`/api/v1/settlements/${st.id}/${step}`);
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'settlement_frozen');
  }
  const p = await admin.patchFresh(`/api/v1/settlements/${st.id}`, { note: '改一改' });
  assert.equal(p.status, 422);
  assert.equal(p.body.error.field_codes.status, 'settlement_frozen');
  const d = await admin.delWithReason(`/api/v1/settlements/${st.id}`);
  assert.equal(d.status, 409);
  assert.equal(d.body.error.code, 'settlement_frozen');
  assert.equal((await admin.patchFresh(`/api/v1/settlement_lines/${(await linesOf(st.id))[0].id}`, { amount: 1 })).status, 405);
  assert.equal(ok(await admin.get(`/api/v1/settlements/${st.id}`), 'still').status, 'approved');
});

test('corrections are new lines referencing the original, with deltas and a reason; the original stays', async () => {
  const lines = await linesOf(st.id);
  const orig = lines.find((l) => l.elder_id === elder && l.amount === 150000);
  const c1 = await admin.post(`/api/v1/settlements/${st.id}/corrections`, { line_id: orig.id, subsidy_delta: 1000, self_pay_delta: -1000, reason: '补贴标准调整' });
  assert.equal(c1.status, 201, JSON.stringify(c1.body));
  assert.equal(c1.body.data.kind, 'correction');
  assert.equal(c1.body.data.corrects_line_id, orig.id);
  assert.equal(c1.body.data.order_id, orig.order_id);
  assert.equal(c1.body.data.amount, 0);
  ok(await admin.post(`/api/v1/settlements/${st.id}/corrections`, { line_id: orig.id, self_pay_delta: -250, reason: '少收' }), 'c2');
  const after = ok(await admin.get(`/api/v1/settlements/${st.id}`), 'after');
  assert.equal(after.total_amount, st.total_amount, 'the frozen figures stay');
  assert.equal(after.correction_amount, -250);
  assert.equal(after.final_amount, st.total_amount - 250);
  const again = (await linesOf(st.id)).find((l) => l.id === orig.id);
  assert.deepEqual(again, orig, 'the original line is untouched');
  // bad corrections
  const bad = [
    [{ line_id: orig.id, subsidy_delta: 5 }, 'reason'], [{ line_id: orig.id, reason: 'x' }, 'subsidy_delta'],
    [{ line_id: orig.id, subsidy_delta: 1.5, reason: 'x' }, 'subsidy_delta'], [{ line_id: 99999999, subsidy_delta: 5, reason: 'x' }, 'line_id'],
    [{ line_id: c1.body.data.id, subsidy_delta: 5, reason: 'x' }, 'line_id'], [{ subsidy_delta: 5, reason: 'x', extra: 1 }, 'extra'],
  ];
  for (const [body, field] of bad) {
    const r = await admin.post(`/api/v1/settlements/${st.id}/corrections`, body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.ok(r.body.error.fields[field], `${JSON.stringify(body)} names ${field}`);
  }
});

test('provider scope: a provider administrator sees their own settlements and lines only, and settles none', async () => {
  assert.equal((await prov1.get(`/api/v1/settlements/${st.id}`)).status, 200);
  assert.equal((await prov2.get(`/api/v1/settlements/${st.id}`)).status, 404);
  assert.ok(ok(await prov1.get('/api/v1/settlements'), 'list').some((s) => s.id === st.id));
  assert.ok(!ok(await prov2.get('/api/v1/settlements'), 'list2').some((s) => s.id === st.id));
  assert.ok((await linesOf(st.id, prov1)).length > 0);
  assert.equal((await linesOf(st.id, prov2)).length, 0);
  assert.equal((await prov1.post('/api/v1/settlements', { provider_id: P1, month: '2020-01' })).status, 403);
  assert.equal((await prov1.post(`/api/v1/settlements/${st.id}/corrections`, { line_id: 1, subsidy_delta: 1, reason: 'x' })).status, 403);
});

test('bad input: months, providers, a second settlement of a month, malformed bodies', async () => {
  for (const [body, field] of [[{ provider_id: P1, month: '2026-13' }, 'month'], [{ provider_id: P1, month: '2999-01' }, 'month'],
    [{ provider_id: P1, month: '202601' }, 'month'], [{ provider_id: 99999999, month: '2020-01' }, 'provider_id'],
    [{ provider_id: 'x', month: '2020-01' }, 'provider_id'], [{ month: '2020-01' }, 'provider_id']]) {
    const r = await admin.post('/api/v1/settlements', body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.ok(r.body.error.fields[field], `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
  }
  const dup = await admin.post('/api/v1/settlements', { provider_id: P1, month });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, 'settlement_exists');
  assert.equal((await admin.post('/api/v1/settlements', '{"provider_id":', { headers: { 'Content-Type': 'application/json' } })).status, 400);
  // an empty month settles nothing, exactly
  const empty = ok(await admin.post('/api/v1/settlements', { provider_id: P1, month: '2020-01' }), 'empty');
  assert.deepEqual([empty.order_count, empty.total_amount, empty.subsidy_amount, empty.voucher_amount, empty.self_pay_amount], [0, 0, 0, 0, 0]);
  const corr = await admin.post(`/api/v1/settlements/${empty.id}/corrections`, { line_id: 1, subsidy_delta: 1, reason: 'x' });
  assert.equal(corr.status, 409);
  assert.equal(corr.body.error.code, 'settlement_not_approved');
  // a draft may be deleted, and then made again
  assert.equal((await admin.delWithReason(`/api/v1/settlements/${empty.id}`)).status, 200);
  ok(await admin.post('/api/v1/settlements', { provider_id: P1, month: '2020-01' }), 'again');
});
