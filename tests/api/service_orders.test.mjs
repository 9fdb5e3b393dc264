// Service orders (issue 5, point 5): creation and its checks, the declared flow driven through
// every allowed and forbidden transition for every role that may touch orders, what each move
// needs (reason, caregiver, rating and follow-up result), If-Match and two concurrent moves (one
// wins, the other 412), the history appended by each move, the scope of a provider's and a
// caregiver's people by URL, filter, history and export, and the dispatch suggestions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, stopAndCollect } from './lib.mjs';

let srv, c = {}, admin, U = {}, P1, P2, CG1, CG2, CG_P2, elderG, elderC2, itemBath, itemClean;
const ROLES = ['district_admin', 'street_admin', 'community_worker', 'community_worker2', 'grid_worker', 'auditor',
  'hotline_operator', 'provider_admin', 'provider_admin2', 'caregiver', 'caregiver2'];

const inHours = (h) => new Date(Date.now() + h * 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
const ok = (r, what) => { assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`); return r.body.data; };

before(async () => {
  srv = await startServer();
  for (const u of ROLES) c[u] = await loginAs(srv.base, u);
  admin = c.district_admin;
  const users = ok(await admin.get('/api/v1/users?per_page=100'), 'users');
  const byName = Object.fromEntries(users.map((u) => [u.username, u]));
  P1 = byName.provider_admin.provider_id;
  P2 = byName.provider_admin2.provider_id;
  CG1 = byName.caregiver.caregiver_id;
  CG2 = byName.caregiver2.caregiver_id;
  assert.ok(P1 && P2 && CG1 && CG2 && P1 !== P2);
  assert.equal(ok(await admin.get(`/api/v1/caregivers/${CG2}`), 'cg2').provider_id, P1, 'both demo caregivers work for the first provider');
  CG_P2 = ok(await admin.get(`/api/v1/caregivers?provider_id=${P2}&status=on_duty&per_page=1`), 'p2 caregiver')[0].id;
  U.C = (await c.community_worker.get('/api/v1/auth/me')).body.data.user.org_id;
  U.C2 = (await c.community_worker2.get('/api/v1/auth/me')).body.data.user.org_id;
  U.G = ok(await admin.get(`/api/v1/org_units?parent_id=${U.C}&level=grid&sort=id`), 'grid')[0].id;
  U.G2 = ok(await admin.get(`/api/v1/org_units?parent_id=${U.C2}&level=grid&sort=id`), 'grid2')[0].id;
  elderG = await newElder(U.G);
  elderC2 = await newElder(U.G2);
  const items = ok(await admin.get('/api/v1/service_items?per_page=50'), 'items');
  itemBath = items.find((i) => i.code === 'ZY01');
  itemClean = items.find((i) => i.code === 'ZJ01');
});
after(async () => { await srv.stop(); });

async function newElder(unit) {
  const p = ok(await admin.post('/api/v1/persons', { name: '工单老人', id_number: freshId({ from: '1941-03-01' }), org_id: unit }), 'person');
  return ok(await admin.post('/api/v1/elders', { person_id: p.id }), 'elder').id;
}

async function newOrder(extra = {}, who = admin) {
  return ok(await who.post('/api/v1/service_orders', { elder_id: elderG, service_item_id: itemClean.id, channel: 'hotline',
    window_start: inHours(24), window_end: inHours(25), lat_e6: 34800000, lng_e6: 113680000, ...extra }), 'order');
}

/* A move with the order's current version as If-Match. */
async function move(who, id, body) {
  const cur = await admin.get(`/api/v1/service_orders/${id}`);
  return who.post(`/api/v1/service_orders/${id}/transitions`, body, { headers: { 'If-Match': `"${cur.body.data.version}"` } });
}

/* The path to each state, moved by the district administrator (who holds every step), with the
 * first provider's first demo caregiver. */
const PATHS = {
  pending: [],
  accepted: [{ to: 'accepted' }],
  dispatched: [{ to: 'accepted' }, { to: 'dispatched', caregiver_id: () => CG1 }],
  rejected: [{ to: 'accepted' }, { to: 'dispatched', caregiver_id: () => CG1 }, { to: 'rejected', reason: '时间冲突' }],
  taken: [{ to: 'accepted' }, { to: 'dispatched', caregiver_id: () => CG1 }, { to: 'taken' }],
  in_service: [{ to: 'accepted' }, { to: 'dispatched', caregiver_id: () => CG1 }, { to: 'taken' }, { to: 'in_service' }],
  completed: [{ to: 'accepted' }, { to: 'dispatched', caregiver_id: () => CG1 }, { to: 'taken' }, { to: 'in_service' }, { to: 'completed' }],
  followed_up: [{ to: 'accepted' }, { to: 'dispatched', caregiver_id: () => CG1 }, { to: 'taken' }, { to: 'in_service' }, { to: 'completed' },
    { to: 'followed_up', rating: 5, follow_up_result: '满意' }],
  exception: [{ to: 'accepted' }, { to: 'dispatched', caregiver_id: () => CG1 }, { to: 'exception', reason: '老人不在家' }],
};

async function orderIn(state, extra = { provider_id: P1 }) {
  const o = await newOrder(extra);
  for (const step of PATHS[state]) {
    const body = Object.fromEntries(Object.entries(step).map(([k, v]) => [k, typeof v === 'function' ? v() : v]));
    ok(await move(admin, o.id, body), `${o.id} -> ${step.to}`);
  }
  return o.id;
}

/* The flow as the server declares it (service_order_flow.c), what each move needs, and which
 * permission allows it; the roles below hold these (auth.c). */
const I = 'intake', D = 'dispatch', S = 'serve', F = 'follow_up', ST = 'settle';
const FLOW = [
  ['pending', 'accepted', [I], {}], ['pending', 'cancelled', [I], { reason: '家属取消' }],
  ['accepted', 'dispatched', [D], { caregiver_id: () => CG1 }], ['accepted', 'cancelled', [I], { reason: '重复下单' }],
  ['rejected', 'dispatched', [D], { caregiver_id: () => CG1 }], ['rejected', 'cancelled', [I], { reason: '无人可派' }],
  ['dispatched', 'taken', [S], {}], ['dispatched', 'rejected', [S], { reason: '时间冲突' }],
  ['dispatched', 'cancelled', [I], { reason: '老人住院' }], ['dispatched', 'exception', [S, D, I], { reason: '联系不上' }],
  ['taken', 'in_service', [S], {}], ['taken', 'cancelled', [I], { reason: '老人住院' }],
  ['taken', 'exception', [S, D, I], { reason: '联系不上' }],
  ['in_service', 'completed', [S], {}], ['in_service', 'exception', [S, D, I], { reason: '突发不适' }],
  ['completed', 'followed_up', [F], { rating: 4, follow_up_result: '基本满意' }], ['followed_up', 'settled', [ST], {}],
  ['exception', 'accepted', [I, D], { reason: '重新派单' }], ['exception', 'cancelled', [I], { reason: '家属取消' }],
];
const HOLDS = {
  district_admin: [I, D, S, F, ST], street_admin: [I], community_worker: [I], community_worker2: [I], grid_worker: [], auditor: [],
  hotline_operator: [I, D, F], provider_admin: [D], provider_admin2: [D], caregiver: [S], caregiver2: [S],
};
/* Whether the role sees an order of elderG's grid, with provider P1 and (once dispatched) caregiver CG1. */
const SEES = {
  district_admin: () => true, street_admin: () => true, community_worker: () => true, community_worker2: () => false,
  grid_worker: () => false, auditor: () => true, hotline_operator: () => true, provider_admin: () => true, provider_admin2: () => false,
  caregiver: (from) => !['pending', 'accepted', 'rejected'].includes(from), caregiver2: () => false,
};

function expected(who, from, perms) {
  if (!HOLDS[who].length) return 403;                 // moves no order at all
  if (!SEES[who](from)) return 404;                   // the order does not exist for them
  return perms.some((p) => HOLDS[who].includes(p)) ? 200 : 403;
}

test('every allowed and forbidden transition, for every role that reaches orders', async () => {
  const failures = [];
  let cells = 0;
  for (const [from, to, perms, needs] of FLOW) {
    for (const who of ROLES) {
      const id = await orderIn(from);
      const body = { to, ...Object.fromEntries(Object.entries(needs).map(([k, v]) => [k, typeof v === 'function' ? v() : v])) };
      const r = await move(c[who], id, body);
      const want = expected(who, from, perms);
      cells++;
      if (r.status !== want) { failures.push(`${from} -> ${to} as ${who}: ${r.status}, expected ${want} ${JSON.stringify(r.body)}`); continue; }
      if (want === 200) {
        const now = ok(await admin.get(`/api/v1/service_orders/${id}`), 'after');
        if (now.status !== to) failures.push(`${from} -> ${to} as ${who}: now ${now.status}`);
        const ev = ok(await admin.get(`/api/v1/service_order_events?order_id=${id}&sort=-id&per_page=1`), 'events')[0];
        if (ev.from_status !== from || ev.to_status !== to) failures.push(`${from} -> ${to} as ${who}: history ${JSON.stringify(ev)}`);
      } else if (want === 403 && HOLDS[who].length) {
        assert.equal(r.body.error.code, 'transition_forbidden');
        const now = ok(await admin.get(`/api/v1/service_orders/${id}`), 'unchanged');
        if (now.status !== from) failures.push(`${from} -> ${to} as ${who}: refused but moved to ${now.status}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.equal(cells, FLOW.length * ROLES.length);
});

test('moves the flow does not list are refused with invalid_transition, whoever asks', async () => {
  const states = ['pending', 'accepted', 'dispatched', 'taken', 'in_service', 'completed', 'followed_up', 'rejected', 'exception'];
  const all = [...states, 'settled', 'cancelled'];
  let n = 0;
  for (const from of states) {
    const id = await orderIn(from);
    for (const to of all) {
      if (FLOW.some(([f, t]) => f === from && t === to)) continue;
      const r = await move(admin, id, { to, reason: 'x', caregiver_id: CG1, rating: 5, follow_up_result: 'x' });
      assert.equal(r.status, 409, `${from} -> ${to}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'invalid_transition');
      n++;
    }
    assert.equal(ok(await admin.get(`/api/v1/service_orders/${id}`), 'o').status, from);
  }
  // a settled or cancelled order goes nowhere
  for (const end of ['settled', 'cancelled']) {
    const id = await orderIn('pending');
    if (end === 'cancelled') ok(await move(admin, id, { to: 'cancelled', reason: '测试' }), 'cancel');
    else for (const s of [...PATHS.followed_up.slice(0), { to: 'settled' }]) ok(await move(admin, id, { ...s, caregiver_id: s.caregiver_id ? CG1 : undefined }), s.to);
    const r = await move(admin, id, { to: 'accepted', reason: 'x' });
    assert.equal(r.status, 409);
    n++;
  }
  assert.ok(n > 80, `${n} refused moves`);
});

test('a full order from the hotline call to settlement, each step by its role, with its history', async () => {
  const created = await newOrder({}, c.hotline_operator);
  assert.equal(created.status, 'pending');
  assert.equal(created.elder_name, '工单老人');
  assert.equal(created.org_id, U.G, 'the order lives in the elder\'s unit');
  assert.equal(created.provider_id, null);
  const steps = [
    ['hotline_operator', { to: 'accepted', provider_id: P1 }],
    ['provider_admin', { to: 'dispatched', caregiver_id: CG1 }],
    ['caregiver', { to: 'taken' }],
    ['caregiver', { to: 'in_service' }],
    ['caregiver', { to: 'completed' }],
    ['hotline_operator', { to: 'followed_up', rating: 5, follow_up_result: '老人很满意' }],
    ['district_admin', { to: 'settled' }],
  ];
  for (const [who, body] of steps) {
    const r = await move(c[who], created.id, body);
    assert.equal(r.status, 200, `${who} ${body.to}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.data.status, body.to);
    assert.equal(r.headers.get('etag'), `"${r.body.data.version}"`);
  }
  const done = ok(await admin.get(`/api/v1/service_orders/${created.id}`), 'done');
  assert.equal(done.provider_id, P1);
  assert.equal(done.caregiver_id, CG1);
  assert.equal(done.rating, 5);
  assert.equal(done.follow_up_result, '老人很满意');
  assert.deepEqual(done.next_states, []);
  const ev = ok(await admin.get(`/api/v1/service_order_events?order_id=${created.id}&sort=id`), 'events');
  assert.deepEqual(ev.map((e) => [e.from_status, e.to_status]), [[null, 'pending'], ['pending', 'accepted'], ['accepted', 'dispatched'],
    ['dispatched', 'taken'], ['taken', 'in_service'], ['in_service', 'completed'], ['completed', 'followed_up'], ['followed_up', 'settled']]);
  assert.equal(ev[2].caregiver_id, CG1);
  // who made each move is recorded, and the audit log has the moves
  const users = Object.fromEntries(ok(await admin.get('/api/v1/users?per_page=100'), 'users').map((u) => [u.id, u.username]));
  assert.deepEqual(ev.slice(1).map((e) => users[e.created_by]), steps.map(([who]) => who));
  const hist = ok(await admin.get(`/api/v1/service_orders/${created.id}/history`), 'audit');
  assert.equal(hist.filter((h) => h.action === 'transition').length, 7);
});

test('a caregiver\'s rejection sends the order back to dispatch and out of their sight; the next dispatch reaches another', async () => {
  const id = await orderIn('dispatched');
  assert.equal((await c.caregiver.get(`/api/v1/service_orders/${id}`)).status, 200);
  const r = await move(c.caregiver, id, { to: 'rejected', reason: '该时段已排满' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.data, { id, status: 'rejected', version: r.body.data.version }, 'only what they may still know');
  assert.equal((await c.caregiver.get(`/api/v1/service_orders/${id}`)).status, 404);
  const o = ok(await admin.get(`/api/v1/service_orders/${id}`), 'o');
  assert.equal(o.caregiver_id, null);
  assert.ok(o.next_states.includes('dispatched'));
  const ev = ok(await admin.get(`/api/v1/service_order_events?order_id=${id}&sort=-id&per_page=1`), 'ev')[0];
  assert.equal(ev.reason, '该时段已排满');
  assert.equal(ev.caregiver_id, CG1, 'the history keeps who rejected it');
  ok(await move(c.provider_admin, id, { to: 'dispatched', caregiver_id: CG2 }), 'redispatch');
  assert.equal((await c.caregiver2.get(`/api/v1/service_orders/${id}`)).status, 200);
  assert.equal((await c.caregiver.get(`/api/v1/service_orders/${id}`)).status, 404);
});

test('what a move needs: reason, caregiver, rating and result; nothing else is taken', async () => {
  const bad = async (id, body, field, code, status = 422) => {
    const r = await move(admin, id, body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    if (field) assert.equal(r.body.error.field_codes[field], code, JSON.stringify(r.body));
  };
  const p = await orderIn('pending');
  await bad(p, { to: 'cancelled' }, 'reason', 'required');
  await bad(p, { to: 'cancelled', reason: '   ' }, 'reason', 'required');
  await bad(p, { to: 'cancelled', reason: 12 }, 'reason', 'required');
  await bad(p, { to: 'flying' }, 'to', 'invalid_state');
  await bad(p, {}, 'to', 'invalid_state');
  await bad(p, { to: 'accepted', colour: 'red' }, 'colour', 'unknown_field');
  await bad(p, { to: 'accepted', caregiver_id: CG1 }, 'caregiver_id', 'not_allowed');
  await bad(p, { to: 'accepted', rating: 5 }, 'rating', 'not_allowed');
  await bad(p, { to: 'accepted', provider_id: 99999999 }, 'provider_id', 'unknown_reference');
  await bad(p, { to: 'accepted', provider_id: 'P1' }, 'provider_id', 'wrong_type');
  const a = await orderIn('accepted');
  await bad(a, { to: 'dispatched' }, 'caregiver_id', 'required');
  await bad(a, { to: 'dispatched', caregiver_id: '7' }, 'caregiver_id', 'required');
  await bad(a, { to: 'dispatched', caregiver_id: 99999999 }, 'caregiver_id', 'unknown_reference');
  await bad(a, { to: 'dispatched', caregiver_id: CG_P2 }, 'caregiver_id', 'other_provider');
  // a caregiver on leave is not dispatched to
  const leave = ok(await admin.get(`/api/v1/caregivers?status=on_leave&provider_id=${P1}&per_page=1`), 'on leave')[0];
  await bad(a, { to: 'dispatched', caregiver_id: leave.id }, 'caregiver_id', 'caregiver_not_on_duty');
  // the provider administrator reaches only their own caregivers
  const r = await move(c.provider_admin, a, { to: 'dispatched', caregiver_id: CG_P2 });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.caregiver_id, 'unknown_reference');
  const comp = await orderIn('completed');
  await bad(comp, { to: 'followed_up', follow_up_result: '好' }, 'rating', 'out_of_range');
  await bad(comp, { to: 'followed_up', rating: 6, follow_up_result: '好' }, 'rating', 'out_of_range');
  await bad(comp, { to: 'followed_up', rating: 0, follow_up_result: '好' }, 'rating', 'out_of_range');
  await bad(comp, { to: 'followed_up', rating: 4.5, follow_up_result: '好' }, 'rating', 'out_of_range');
  await bad(comp, { to: 'followed_up', rating: 4 }, 'follow_up_result', 'required');
  // malformed bodies and headers
  const raw = await admin.post(`/api/v1/service_orders/${p}/transitions`, '{"to": "accepted"', { headers: { 'If-Match': '"1"', 'Content-Type': 'application/json' } });
  assert.equal(raw.status, 400);
  assert.equal((await admin.post(`/api/v1/service_orders/${p}/transitions`, ['accepted'], { headers: { 'If-Match': '"1"' } })).status, 400);
  assert.equal((await admin.post(`/api/v1/service_orders/${p}/transitions`, { to: 'accepted' })).status, 428);
  assert.equal((await admin.post(`/api/v1/service_orders/${p}/transitions`, { to: 'accepted' }, { headers: { 'If-Match': 'abc' } })).status, 400);
  const stale = await admin.post(`/api/v1/service_orders/${p}/transitions`, { to: 'accepted' }, { headers: { 'If-Match': '"99"' } });
  assert.equal(stale.status, 412);
  assert.equal(stale.body.error.code, 'stale_version');
  assert.equal((await admin.post('/api/v1/service_orders/99999999/transitions', { to: 'accepted' }, { headers: { 'If-Match': '"1"' } })).status, 404);
  assert.equal((await admin.post('/api/v1/service_orders/abc/transitions', { to: 'accepted' }, { headers: { 'If-Match': '"1"' } })).status, 404);
  // nothing moved, nothing appended
  for (const id of [p, a, comp]) {
    const ev = ok(await admin.get(`/api/v1/service_order_events?order_id=${id}`), 'ev');
    assert.equal(ev.length, { [p]: 1, [a]: 2, [comp]: 6 }[id], `order ${id}`);
  }
});

test('two moves of one order at once: exactly one wins, the other is 412, and the history has one entry', async () => {
  for (let round = 0; round < 8; round++) {
    const id = await orderIn('accepted');
    const v = ok(await admin.get(`/api/v1/service_orders/${id}`), 'v').version;
    const h = { headers: { 'If-Match': `"${v}"` } };
    const bodies = round % 2 ? [{ to: 'dispatched', caregiver_id: CG1 }, { to: 'cancelled', reason: '并发取消' }]
      : [{ to: 'dispatched', caregiver_id: CG1 }, { to: 'dispatched', caregiver_id: CG2 }];
    const who = round % 2 ? [c.provider_admin, c.hotline_operator] : [c.hotline_operator, c.provider_admin];
    const rs = await Promise.all(bodies.map((b, i) => who[i].post(`/api/v1/service_orders/${id}/transitions`, b, h)));
    const codes = rs.map((r) => r.status).sort();
    assert.deepEqual(codes, [200, 412], JSON.stringify(rs.map((r) => r.body)));
    const winner = rs.find((r) => r.status === 200).body.data;
    const now = ok(await admin.get(`/api/v1/service_orders/${id}`), 'now');
    assert.equal(now.status, winner.status);
    assert.equal(now.version, v + 1);
    const ev = ok(await admin.get(`/api/v1/service_order_events?order_id=${id}`), 'ev');
    assert.equal(ev.length, 3, 'created, accepted, and the one move that won');
  }
});

test('creating orders: checks and scope', async () => {
  const bad = async (who, body, field, code) => {
    const r = await who.post('/api/v1/service_orders', { elder_id: elderG, service_item_id: itemClean.id, channel: 'hotline',
      window_start: inHours(5), window_end: inHours(6), ...body });
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.field_codes[field], code, JSON.stringify(r.body));
  };
  await bad(admin, { window_end: inHours(4) }, 'window_end', 'end_before_start');
  await bad(admin, { window_start: '2030-01-01T01:00:00Z', window_end: '2030-01-01T01:00:00Z' }, 'window_end', 'end_before_start');
  await bad(admin, { elder_id: 99999999 }, 'elder_id', 'unknown_reference');
  await bad(admin, { channel: 'telegram' }, 'channel', 'unknown_code');
  await bad(admin, { lat_e6: 34800000 }, 'lng_e6', 'location_incomplete');
  await bad(admin, { lat_e6: 95000000, lng_e6: 1 }, 'lat_e6', 'out_of_range');
  await bad(admin, { provider_id: 99999999 }, 'provider_id', 'unknown_reference');
  // an elder of another community does not exist for this community worker
  await bad(c.community_worker, { elder_id: elderC2 }, 'elder_id', 'unknown_reference');
  // those who may not create orders
  for (const who of ['grid_worker', 'auditor', 'provider_admin', 'caregiver']) {
    const r = await c[who].post('/api/v1/service_orders', { elder_id: elderG, service_item_id: itemClean.id, channel: 'hotline',
      window_start: inHours(5), window_end: inHours(6) });
    assert.equal(r.status, 403, who);
  }
  // a suspended elder gets no new orders
  const eid = await newElder(U.G);
  ok(await admin.patchFresh(`/api/v1/elders/${eid}`, { status: 'suspended' }), 'suspend');
  await bad(admin, { elder_id: eid }, 'elder_id', 'elder_not_active');
  // a community worker takes a walk-in order for their own elder
  const o = ok(await c.community_worker.post('/api/v1/service_orders', { elder_id: elderG, service_item_id: itemClean.id,
    channel: 'walk_in', window_start: inHours(5), window_end: inHours(6) }), 'walk-in');
  assert.equal(o.channel, 'walk_in');
  // state, caregiver and rating are the flow's: given here, they are not taken
  const sneaky = ok(await admin.post('/api/v1/service_orders', { elder_id: elderG, service_item_id: itemClean.id, channel: 'hotline',
    window_start: inHours(5), window_end: inHours(6), status: 'settled', caregiver_id: CG1, rating: 5 }), 'sneaky');
  assert.equal(sneaky.status, 'pending');
  assert.equal(sneaky.caregiver_id, null);
  assert.equal(sneaky.rating, null);
  const malformed = await admin.post('/api/v1/service_orders', '{"elder_id":', { headers: { 'Content-Type': 'application/json' } });
  assert.equal(malformed.status, 400);
});

test('what was asked may be corrected until a caregiver takes the order; state fields only move by transitions; no deletes', async () => {
  const id = await orderIn('accepted');
  ok(await c.hotline_operator.patchFresh(`/api/v1/service_orders/${id}`, { note: '请带防滑垫', priority: 'urgent' }), 'correct');
  const st = ok(await admin.patchFresh(`/api/v1/service_orders/${id}`, { status: 'settled', caregiver_id: CG1 }), 'patch state');
  assert.equal(st.status, 'accepted', 'the state moves only by a transition');
  assert.equal(st.caregiver_id, null);
  assert.equal(st.priority, 'urgent');
  const taken = await orderIn('taken');
  const r = await c.hotline_operator.patchFresh(`/api/v1/service_orders/${taken}`, { note: '改时间' });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.status, 'order_in_progress');
  assert.equal((await admin.del(`/api/v1/service_orders/${id}?reason=x`)).status, 405);
  // the caregiver cannot edit their order, only move it
  assert.equal((await c.caregiver.patchFresh(`/api/v1/service_orders/${taken}`, { note: 'x' })).status, 403);
});

test('a provider\'s administrator and a caregiver see their own orders, histories and elders only, by URL, filter and list', async () => {
  const mine = await orderIn('dispatched');
  const p2 = await orderIn('accepted', { provider_id: P2 }), other = p2;
  ok(await move(admin, p2, { to: 'dispatched', caregiver_id: CG_P2 }), 'p2 dispatch');
  const pa = c.provider_admin, cg = c.caregiver;
  // by URL
  assert.equal((await pa.get(`/api/v1/service_orders/${mine}`)).status, 200);
  assert.equal((await pa.get(`/api/v1/service_orders/${p2}`)).status, 404);
  assert.equal((await cg.get(`/api/v1/service_orders/${mine}`)).status, 200);
  assert.equal((await cg.get(`/api/v1/service_orders/${p2}`)).status, 404);
  assert.equal((await c.caregiver2.get(`/api/v1/service_orders/${mine}`)).status, 404);
  assert.equal((await pa.get(`/api/v1/service_orders/${p2}/history`)).status, 404);
  // lists hold only their own
  const list = async (who, q) => ok(await who.get(`/api/v1/service_orders?per_page=500${q}`), 'list');
  assert.ok((await list(pa, '')).every((o) => o.provider_id === P1));
  assert.ok((await list(cg, '')).every((o) => o.caregiver_id === CG1));
  assert.ok((await list(cg, '')).length >= 3, 'the demo caregiver has orders');
  // filters naming another provider's orders find nothing
  assert.equal((await pa.get(`/api/v1/service_orders?provider_id=${P2}`)).body.meta.total, 0);
  assert.equal((await pa.get(`/api/v1/service_orders?id=${p2}`)).body.meta.total, 0);
  assert.equal((await cg.get(`/api/v1/service_orders?caregiver_id=${CG_P2}`)).body.meta.total, 0);
  assert.equal((await pa.get(`/api/v1/service_order_events?order_id=${p2}`)).body.meta.total, 0);
  assert.ok((await pa.get(`/api/v1/service_order_events?order_id=${mine}`)).body.meta.total >= 3);
  // elders: exactly those of their orders
  const eldersOf = (orders) => [...new Set(orders.map((o) => o.elder_id))].sort((a, b) => a - b);
  for (const [who, q] of [[pa, ''], [cg, '']]) {
    const seen = ok(await who.get('/api/v1/elders?per_page=500&sort=id'), 'elders').map((e) => e.id);
    assert.deepEqual(seen, eldersOf(await list(who, q)));
  }
  assert.equal((await c.provider_admin2.get(`/api/v1/elders/${elderC2}`)).status, 404);
  // an order for a new elder makes the elder theirs at once (no stale cached list)
  const before = (await pa.get('/api/v1/elders')).body.meta.total;
  const eid = await newElder(U.G2);
  assert.equal((await pa.get(`/api/v1/elders/${eid}`)).status, 404);
  ok(await admin.post('/api/v1/service_orders', { elder_id: eid, service_item_id: itemClean.id, channel: 'family',
    window_start: inHours(30), window_end: inHours(31), provider_id: P1 }), 'order for the new elder');
  assert.equal((await pa.get('/api/v1/elders')).body.meta.total, before + 1);
  assert.equal((await pa.get(`/api/v1/elders/${eid}`)).status, 200);
  // no exports for them; no other provider's records reachable through unmask either
  assert.equal((await pa.get('/api/v1/service_orders.csv', { raw: true })).status, 403);
  assert.equal((await pa.get(`/api/v1/elders/${elderC2}?unmask=1`)).status, 403);
  // the community worker's export holds their community's orders only
  const csv = await c.community_worker.get(`/api/v1/service_orders.csv?id=${other}`, { raw: true });
  assert.equal(csv.status, 200);
  assert.equal(csv.headers.get('x-total-count'), '1');
  const csv2 = await c.community_worker2.get(`/api/v1/service_orders.csv?id=${other}`, { raw: true });
  assert.equal(csv2.headers.get('x-total-count'), '0');
});

test('dispatch suggestions: skill first, then free in the window, then near and idle', async () => {
  // a caregiver of P1 living at the place of service, bathing, free all week
  const week = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]));
  const near = ok(await admin.post('/api/v1/caregivers', { name: '就近护理员', provider_id: P1, skills: ['bathing', 'general_care'],
    home_lat_e6: 34812345, home_lng_e6: 113654321, availability: week }), 'near caregiver');
  const id = (await newOrder({ provider_id: P1, service_item_id: itemBath.id, lat_e6: 34812345, lng_e6: 113654321,
    window_start: inHours(50), window_end: inHours(51) })).id;
  ok(await move(admin, id, { to: 'accepted' }), 'accept');
  const r = await c.hotline_operator.get(`/api/v1/service_orders/${id}/suggestions?limit=50`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const s = r.body.data;
  assert.equal(r.body.meta.required_skill, 'bathing');
  assert.ok(s.length > 5);
  assert.equal(s[0].caregiver_id, near.id, JSON.stringify(s.slice(0, 3)));
  assert.equal(s[0].distance_m, 0);
  assert.equal(s[0].skill_match, true);
  assert.equal(s[0].available, true);
  assert.ok(s.every((x) => x.provider_id === P1), 'the order\'s provider\'s caregivers only');
  // the ranking: skill, then available, then cost, never out of order
  for (let i = 1; i < s.length; i++) {
    const a = s[i - 1], b = s[i];
    const key = (x) => [x.skill_match ? 0 : 1, x.available ? 0 : 1, x.cost];
    const [ka, kb] = [key(a), key(b)];
    assert.ok(ka[0] < kb[0] || (ka[0] === kb[0] && (ka[1] < kb[1] || (ka[1] === kb[1] && ka[2] <= kb[2]))), `rank ${i}`);
    assert.equal(b.rank, i + 1);
  }
  // one degree of latitude is about 111 km: the great-circle distance of a caregiver set 0.1 degree north
  const far = ok(await admin.post('/api/v1/caregivers', { name: '远处护理员', provider_id: P1, skills: ['bathing'],
    home_lat_e6: 34912345, home_lng_e6: 113654321, availability: week }), 'far caregiver');
  const far1 = (await c.hotline_operator.get(`/api/v1/service_orders/${id}/suggestions?limit=50`)).body.data.find((x) => x.caregiver_id === far.id);
  assert.ok(Math.abs(far1.distance_m - 11119) < 20, `${far1.distance_m}`);
  // a caregiver busy in the window is not available, and their open orders count as load
  const busy = (await newOrder({ provider_id: P1, service_item_id: itemBath.id, window_start: inHours(50), window_end: inHours(51) })).id;
  ok(await move(admin, busy, { to: 'accepted' }), 'accept busy');
  ok(await move(admin, busy, { to: 'dispatched', caregiver_id: near.id }), 'dispatch busy');
  const again = (await c.provider_admin.get(`/api/v1/service_orders/${id}/suggestions?limit=50`)).body.data;
  const n2 = again.find((x) => x.caregiver_id === near.id);
  assert.equal(n2.clashes, 1);
  assert.equal(n2.available, false);
  assert.equal(n2.load, 1);
  assert.notEqual(again[0].caregiver_id, near.id);
  // who may ask, and bad input
  assert.equal((await c.caregiver.get(`/api/v1/service_orders/${id}/suggestions`)).status, 403);
  assert.equal((await c.community_worker.get(`/api/v1/service_orders/${id}/suggestions`)).status, 403);
  assert.equal((await c.provider_admin2.get(`/api/v1/service_orders/${id}/suggestions`)).status, 404);
  assert.equal((await admin.get('/api/v1/service_orders/99999999/suggestions')).status, 404);
  assert.equal((await admin.get(`/api/v1/service_orders/${id}/suggestions?limit=0`)).status, 400);
  assert.equal((await admin.get(`/api/v1/service_orders/${id}/suggestions?limit=x`)).status, 400);
});

test('the demo orders cover every state with their histories', async () => {
  const states = ['pending', 'accepted', 'dispatched', 'taken', 'in_service', 'completed', 'followed_up', 'settled', 'cancelled', 'rejected', 'exception'];
  for (const s of states) {
    const r = ok(await c.hotline_operator.get(`/api/v1/service_orders?status=${s}&per_page=1&sort=id`), s);
    assert.ok(r.length === 1, `a demo order ${s}`);
    const ev = ok(await admin.get(`/api/v1/service_order_events?order_id=${r[0].id}&sort=-id&per_page=1`), 'ev');
    assert.equal(ev[0].to_status, s, `order ${r[0].id} history ends at its state`);
  }
  // the demo caregiver's own orders are in several states
  const mine = ok(await c.caregiver.get('/api/v1/service_orders?per_page=100'), 'mine');
  assert.ok(new Set(mine.map((o) => o.status)).size >= 5);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
