// Visits (issue 5, point 5): an elder's home location, the QR code printed for it (signed token:
// not guessable, not transferable to another elder, void once the home moves), orders taking their
// place from the home, and the caregiver's check-in and check-out by scanning it: only the
// order's own caregiver, only this elder's code; the order moves 已接单 -> 服务中 -> 已完成 through
// the flow (history); time, place, distance and actual duration recorded; flagged, not refused,
// when more than 200 m from the home or when the caregiver is in two places at once (?flagged=1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId } from './lib.mjs';

let srv, c = {}, admin, G, G2, P1, CG1, item;
const HOME = { home_lat_e6: 34781234, home_lng_e6: 113701234 };
const ago = (min) => new Date(Date.now() - min * 60e3).toISOString().replace(/\.\d+Z$/, 'Z');
const ok = (r, what) => { assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`); return r.body.data; };

before(async () => {
  srv = await startServer();
  for (const u of ['district_admin', 'community_worker', 'caregiver', 'caregiver2', 'hotline_operator']) c[u] = await loginAs(srv.base, u);
  admin = c.district_admin;
  const users = ok(await admin.get('/api/v1/users?per_page=100'), 'users');
  const by = Object.fromEntries(users.map((u) => [u.username, u]));
  P1 = by.provider_admin.provider_id;
  CG1 = by.caregiver.caregiver_id;
  const cw = (await c.community_worker.get('/api/v1/auth/me')).body.data.user.org_id;
  G = ok(await admin.get(`/api/v1/org_units?parent_id=${cw}&level=grid&sort=id`), 'grid')[0].id;
  item = ok(await admin.get('/api/v1/service_items?code=ZJ01'), 'item')[0].id;
});
after(async () => { await srv.stop(); });

async function newElder(home = HOME) {
  const p = ok(await admin.post('/api/v1/persons', { name: '签到老人', id_number: freshId({ from: '1942-01-01' }), org_id: G }), 'person');
  return ok(await admin.post('/api/v1/elders', { person_id: p.id, ...home }), 'elder');
}

async function move(id, body) {
  const cur = ok(await admin.get(`/api/v1/service_orders/${id}`), 'order');
  return ok(await admin.post(`/api/v1/service_orders/${id}/transitions`, body, { headers: { 'If-Match': `"${cur.version}"` } }), body.to);
}

/* An order of the elder taken by the demo caregiver's record (CG1). */
async function takenOrder(elder, state = 'taken') {
  const o = ok(await admin.post('/api/v1/service_orders', { elder_id: elder.id, service_item_id: item, channel: 'hotline',
    window_start: ago(120), window_end: ago(60), provider_id: P1 }), 'order');
  await move(o.id, { to: 'accepted' });
  await move(o.id, { to: 'dispatched', caregiver_id: CG1 });
  if (state === 'taken') await move(o.id, { to: 'taken' });
  return o;
}

async function tokenOf(elderId) {
  const r = await admin.get(`/api/v1/elders/${elderId}/qr.svg`, { raw: true });
  assert.equal(r.status, 200, r.buf.toString());
  return r.buf.toString().match(/<text[^>]*>([^<]+)<\/text>/)[1];
}

test('an elder has a home: both coordinates or none; orders take their place from it', async () => {
  const p = ok(await admin.post('/api/v1/persons', { name: '半位置', id_number: freshId({ from: '1942-01-01' }), org_id: G }), 'person');
  const half = await admin.post('/api/v1/elders', { person_id: p.id, home_lat_e6: 34780000 });
  assert.equal(half.status, 422);
  assert.equal(half.body.error.field_codes.home_lng_e6, 'location_incomplete');
  const far = await admin.post('/api/v1/elders', { person_id: p.id, home_lat_e6: 95000000, home_lng_e6: 1 });
  assert.equal(far.status, 422);
  const e = await newElder();
  assert.equal(e.home_lat_e6, HOME.home_lat_e6);
  const o = ok(await admin.post('/api/v1/service_orders', { elder_id: e.id, service_item_id: item, channel: 'hotline',
    window_start: ago(-60), window_end: ago(-120) }), 'order');
  assert.equal(o.lat_e6, HOME.home_lat_e6);
  assert.equal(o.lng_e6, HOME.home_lng_e6);
  const elsewhere = ok(await admin.post('/api/v1/service_orders', { elder_id: e.id, service_item_id: item, channel: 'hotline',
    window_start: ago(-60), window_end: ago(-120), lat_e6: 34700000, lng_e6: 113600000 }), 'order elsewhere');
  assert.equal(elsewhere.lat_e6, 34700000, 'a place given is kept');
});

test('the home QR code: SVG for printing, signed, only for those who may change the elder', async () => {
  const e = await newElder();
  const r = await admin.get(`/api/v1/elders/${e.id}/qr.svg`, { raw: true });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^image\/svg\+xml/);
  const svg = r.buf.toString();
  assert.match(svg, /^<\?xml[^>]*>\s*<svg [^>]*width="60mm"/);
  const modules = (svg.match(/h1v1h-1z/g) || []).length;
  assert.ok(modules > 200, `a QR matrix has hundreds of dark modules: ${modules}`);
  const token = await tokenOf(e.id);
  assert.match(token, new RegExp(`^SQH1\\.${e.id}\\.[A-Za-z0-9_-]{22}$`));
  assert.equal(await tokenOf(e.id), token, 'the same home, the same code');
  const e2 = await newElder({ home_lat_e6: 34781234, home_lng_e6: 113701234 });
  assert.notEqual((await tokenOf(e2.id)).split('.')[2], token.split('.')[2], 'another elder at the same spot has another code');
  // a caregiver reads the elder but must not print codes (they could check in from anywhere)
  assert.equal((await c.caregiver.get(`/api/v1/elders/${e.id}/qr.svg`)).status, 403);
  assert.equal((await c.hotline_operator.get(`/api/v1/elders/${e.id}/qr.svg`)).status, 403);
  assert.equal((await admin.get('/api/v1/elders/999999999/qr.svg')).status, 404);
  const noHome = await newElder({});
  const nh = await admin.get(`/api/v1/elders/${noHome.id}/qr.svg`);
  assert.equal(nh.status, 409);
  assert.equal(nh.body.error.code, 'no_home_location');
});

test('check-in and check-out by the order\'s caregiver with this home\'s code: flow, history, distance, duration', async () => {
  const e = await newElder(), other = await newElder({ home_lat_e6: 34790000, home_lng_e6: 113710000 });
  const o = await takenOrder(e);
  const token = await tokenOf(e.id), otherToken = await tokenOf(other.id);
  const near = { lat_e6: HOME.home_lat_e6 + 270, lng_e6: HOME.home_lng_e6 };     // about 30 m north
  const url = `/api/v1/service_orders/${o.id}/check_in`;
  // refusals: someone else's visit, another elder's code, a forged code, a bad body
  assert.equal((await admin.post(url, { qr: token, ...near })).body.error.code, 'not_order_caregiver');
  assert.equal((await c.caregiver2.post(url, { qr: token, ...near })).status, 404);
  let r = await c.caregiver.post(url, { qr: otherToken, ...near });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.qr, 'qr_not_this_home');
  const forged = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  assert.equal((await c.caregiver.post(url, { qr: forged, ...near })).body.error.field_codes.qr, 'qr_not_this_home');
  assert.equal((await c.caregiver.post(url, { qr: `SQH1.${e.id}.` + 'A'.repeat(22), ...near })).status, 422);
  assert.equal((await c.caregiver.post(url, { qr: token, lat_e6: near.lat_e6 })).body.error.field_codes.lng_e6, 'required');
  assert.equal((await c.caregiver.post(url, { qr: token, ...near, at: '2026-02-30T10:00:00Z' })).body.error.field_codes.at, 'invalid_datetime');
  assert.equal((await c.caregiver.post(url, { qr: token, ...near, at: ago(-60) })).body.error.field_codes.at, 'date_future');
  assert.equal((await c.caregiver.post(url, { qr: token, ...near, extra: 1 })).body.error.field_codes.extra, 'unknown_field');
  assert.equal((await c.caregiver.post(url, '{"qr":')).status, 400);
  assert.equal(ok(await admin.get(`/api/v1/service_orders/${o.id}`), 'unchanged').status, 'taken', 'nothing written by a refusal');

  const cin = ok(await c.caregiver.post(url, { qr: token, ...near, at: ago(60) }), 'check in');
  assert.equal(cin.status, 'in_service');
  assert.equal(cin.check_in_at, ago(60).slice(0, 16) + cin.check_in_at.slice(16));
  assert.ok(cin.check_in_distance_m >= 25 && cin.check_in_distance_m <= 35, `${cin.check_in_distance_m} m`);
  assert.equal(cin.flagged, false);
  assert.deepEqual(cin.visit_flags, []);
  // checking in twice is no move of the flow
  assert.equal((await c.caregiver.post(url, { qr: token, ...near })).status, 409);
  const out = `/api/v1/service_orders/${o.id}/check_out`;
  assert.equal((await c.caregiver.post(out, { qr: token, ...near, at: ago(90) })).body.error.field_codes.at, 'before_check_in');
  const cout = ok(await c.caregiver.post(out, { qr: token, ...near, at: ago(15) }), 'check out');
  assert.equal(cout.status, 'completed');
  assert.equal(cout.actual_minutes, 45);
  assert.equal(cout.flagged, false);
  const hist = ok(await admin.get(`/api/v1/service_order_events?order_id=${o.id}&sort=id`), 'history');
  const last2 = hist.slice(-2);
  assert.deepEqual(last2.map((h) => h.to_status), ['in_service', 'completed']);
  assert.match(last2[0].reason, /^扫码签到，距老人家 \d+ 米$/);
  assert.match(last2[1].reason, /^扫码签退/);
});

test('flagged, not refused: more than 200 m from the home, two places at once; ?flagged=1 finds them', async () => {
  const e = await newElder(), e2 = await newElder({ home_lat_e6: 34800000, home_lng_e6: 113650000 });
  const a = await takenOrder(e), b = await takenOrder(e2);
  // (the previous test's visit by the same caregiver ended 15 minutes ago: no overlap with these)
  const token = await tokenOf(e.id), token2 = await tokenOf(e2.id);
  const farAway = { lat_e6: HOME.home_lat_e6 + 9000, lng_e6: HOME.home_lng_e6 };   // about 1 km
  const ca = ok(await c.caregiver.post(`/api/v1/service_orders/${a.id}/check_in`, { qr: token, ...farAway, at: ago(10) }), 'far in');
  assert.equal(ca.status, 'in_service');
  assert.ok(ca.check_in_distance_m > 900 && ca.check_in_distance_m < 1100, `${ca.check_in_distance_m}`);
  assert.equal(ca.flagged, true);
  assert.deepEqual(ca.visit_flags, ['far_check_in']);
  // still in A's visit, the same caregiver checks in at B's home: two places at once
  const cb = ok(await c.caregiver.post(`/api/v1/service_orders/${b.id}/check_in`,
    { qr: token2, lat_e6: 34800000, lng_e6: 113650000, at: ago(5) }), 'second in');
  assert.equal(cb.flagged, true);
  assert.deepEqual(cb.visit_flags, ['two_places']);
  assert.equal(cb.check_in_distance_m, 0);
  const hist = ok(await admin.get(`/api/v1/service_order_events?order_id=${b.id}&sort=-id&per_page=1`), 'hist')[0];
  assert.match(hist.reason, /同一时间另有 1 单在服务中/);
  const flagged = ok(await admin.get('/api/v1/service_orders?flagged=1&per_page=100'), 'flagged').map((o) => o.id);
  assert.ok(flagged.includes(a.id) && flagged.includes(b.id));
  const clean = ok(await admin.get('/api/v1/service_orders?flagged=0&per_page=100'), 'clean').map((o) => o.id);
  assert.ok(!clean.includes(a.id) && !clean.includes(b.id));
  // an order not yet taken cannot be checked in: the flow says so
  const d = await takenOrder(e, 'dispatched');
  const r = await c.caregiver.post(`/api/v1/service_orders/${d.id}/check_in`, { qr: token, lat_e6: HOME.home_lat_e6, lng_e6: HOME.home_lng_e6 });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'invalid_transition');
});

test('moving the home voids the old code', async () => {
  const e = await newElder();
  const old = await tokenOf(e.id);
  const o = await takenOrder(e);
  const cur = ok(await admin.get(`/api/v1/elders/${e.id}`), 'elder');
  ok(await admin.patch(`/api/v1/elders/${e.id}`, { home_lat_e6: 34790000, home_lng_e6: 113690000 }, { headers: { 'If-Match': `"${cur.version}"` } }), 'move');
  const r = await c.caregiver.post(`/api/v1/service_orders/${o.id}/check_in`, { qr: old, lat_e6: 34790000, lng_e6: 113690000 });
  assert.equal(r.status, 422);
  const fresh = await tokenOf(e.id);
  assert.notEqual(fresh, old);
  ok(await c.caregiver.post(`/api/v1/service_orders/${o.id}/check_in`, { qr: fresh, lat_e6: 34790000, lng_e6: 113690000 }), 'new code');
});

test('eldercare figures: caregivers on duty, elders and households served (an order not cancelled in 12 months)', async () => {
  const fig = async () => ok(await admin.get(`/api/v1/stats/eldercare?org_id=${G}`), 'stats');
  const district = ok(await admin.get('/api/v1/org_units?level=district&per_page=1'), 'district')[0].id;
  const d = ok(await admin.get(`/api/v1/stats/eldercare?org_id=${district}`), 'district stats');
  assert.equal(d.caregivers_on_duty, 138, 'the article\'s 138 caregivers');
  assert.equal(d.caregivers_on_duty, ok(await admin.get('/api/v1/caregivers?status=on_duty&per_page=1'), 'cg') && (await admin.get('/api/v1/caregivers?status=on_duty&per_page=1')).body.meta.total);
  assert.ok(d.elders_served > 0 && d.households_served > 0 && d.households_served <= d.elders_served, JSON.stringify(d));
  const before = await fig();
  // a household of two elders: one served, then the other; a cancelled order serves nobody
  const p1 = ok(await admin.post('/api/v1/persons', { name: '统计老人甲', id_number: freshId({ from: '1941-01-01' }), org_id: G }), 'p1');
  const p2 = ok(await admin.post('/api/v1/persons', { name: '统计老人乙', id_number: freshId({ from: '1941-01-01' }), org_id: G }), 'p2');
  const hh = ok(await admin.post('/api/v1/households', { org_id: G, head_person_id: p1.id, kind: 'family' }), 'household');
  ok(await admin.post('/api/v1/household_members', { household_id: hh.id, person_id: p2.id, relation: 'spouse', start_date: '2020-01-01' }), 'member');
  const e1 = ok(await admin.post('/api/v1/elders', { person_id: p1.id }), 'e1'), e2 = ok(await admin.post('/api/v1/elders', { person_id: p2.id }), 'e2');
  const order = (e, startMin) => admin.post('/api/v1/service_orders', { elder_id: e.id, service_item_id: item, channel: 'hotline',
    window_start: ago(startMin), window_end: ago(startMin - 60) });
  const cancelled = ok(await order(e1, 60), 'to cancel');
  await move(cancelled.id, { to: 'cancelled', reason: '家属取消' });
  ok(await order(e1, 400 * 1440), 'thirteen months ago');
  let f = await fig();
  assert.equal(f.elders_served, before.elders_served, 'cancelled or older than 12 months: not served');
  assert.equal(f.households_served, before.households_served);
  ok(await order(e1, 200 * 1440), 'half a year ago');
  f = await fig();
  assert.equal(f.elders_served, before.elders_served + 1);
  assert.equal(f.households_served, before.households_served + 1);
  ok(await order(e2, -1440), 'booked for tomorrow');
  f = await fig();
  assert.equal(f.elders_served, before.elders_served + 2);
  assert.equal(f.households_served, before.households_served + 1, 'the same household');
});
