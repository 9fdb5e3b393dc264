// Emergencies (助急, issue 5 point 6): an SOS raised by the hotline or a community worker (a grid
// worker has no eldercare access and calls the hotline) is a priority order of the catalogue's 助急 item with a clock (take within 5 minutes, on
// site within 30); the escalation level rises as the deadlines pass (computed when read); the list
// of open ones is sorted by urgency; one read gives the screen (order, clock, elder masked,
// contacts, recent orders, assessments, history); closing needs an outcome and a note, cancels an
// order not yet served through the flow, waits for a visit to be checked out, and is recorded in
// the order's history and the audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, sql } from './lib.mjs';

let srv, c = {}, admin, G, elder, P1, CG1;
const ok = (r, what) => { assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`); return r.body.data; };
const ago = (min) => new Date(Date.now() - min * 60e3).toISOString().replace(/\.\d+Z$/, 'Z');

before(async () => {
  srv = await startServer();
  for (const u of ['district_admin', 'community_worker', 'grid_worker', 'hotline_operator', 'auditor', 'caregiver', 'provider_admin']) {
    c[u] = await loginAs(srv.base, u);
  }
  admin = c.district_admin;
  G = (await c.grid_worker.get('/api/v1/auth/me')).body.data.user.org_id;
  const users = ok(await admin.get('/api/v1/users?per_page=100'), 'users');
  const by = Object.fromEntries(users.map((u) => [u.username, u]));
  P1 = by.provider_admin.provider_id;
  CG1 = by.caregiver.caregiver_id;
  const p = ok(await admin.post('/api/v1/persons', { name: '呼救老人', id_number: freshId({ from: '1938-05-01' }), org_id: G }), 'person');
  elder = ok(await admin.post('/api/v1/elders', { person_id: p.id, home_lat_e6: 34781000, home_lng_e6: 113702000,
    contact1_name: '呼救儿子', contact1_relation: 'child', contact1_phone: '13912345678' }), 'elder');
});
after(async () => { await srv.stop(); });

async function move(id, body) {
  const cur = ok(await admin.get(`/api/v1/service_orders/${id}`), 'order');
  return ok(await admin.post(`/api/v1/service_orders/${id}/transitions`, body, { headers: { 'If-Match': `"${cur.version}"` } }), body.to);
}

test('raising an SOS: a priority 助急 order with its clock, for the hotline and community workers', async () => {
  for (const who of ['hotline_operator', 'community_worker']) {
    const t0 = Date.now();
    const r = await c[who].post('/api/v1/sos', { elder_id: elder.id, channel: 'device', note: `${who}：老人按了呼叫器` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const d = r.body.data;
    assert.equal(d.order.priority, 'emergency');
    assert.equal(d.order.sos_channel, 'device');
    assert.equal(d.order.channel, 'sos_device');
    assert.equal(d.order.status, 'pending');
    assert.equal(d.order.lat_e6, 34781000, 'the place is the home');
    const item = ok(await admin.get(`/api/v1/service_items/${d.order.service_item_id}`), 'item');
    assert.equal(item.category, 'emergency');
    const take = Date.parse(d.clock.take_due) - t0, site = Date.parse(d.clock.on_site_due) - t0;
    assert.ok(take > 4 * 60e3 && take <= 5 * 60e3 + 1000, `take due in ${take} ms`);
    assert.ok(site > 29 * 60e3 && site <= 30 * 60e3 + 1000, `on site due in ${site} ms`);
    assert.equal(d.clock.escalation_level, 0);
    assert.equal(d.clock.open, true);
  }
  // bad input: a clear 422 each, nothing written
  const before = ok(await admin.get('/api/v1/sos'), 'list').length;
  for (const [body, field] of [[{ elder_id: elder.id, channel: 'pigeon' }, 'channel'], [{ channel: 'hotline' }, 'elder_id'],
    [{ elder_id: 99999999, channel: 'hotline' }, 'elder_id'], [{ elder_id: elder.id, channel: 'hotline', x: 1 }, 'x'],
    [{ elder_id: elder.id, channel: 'hotline', note: 'x'.repeat(501) }, 'note']]) {
    const r = await c.hotline_operator.post('/api/v1/sos', body);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.ok(r.body.error.fields[field], `${field}: ${JSON.stringify(r.body)}`);
  }
  assert.equal((await c.hotline_operator.post('/api/v1/sos', '{"elder_id":')).status, 400);
  assert.equal(ok(await admin.get('/api/v1/sos'), 'list').length, before);
  // those who take no orders raise none
  assert.equal((await c.auditor.post('/api/v1/sos', { elder_id: elder.id, channel: 'hotline' })).status, 403);
  assert.equal((await c.caregiver.post('/api/v1/sos', { elder_id: elder.id, channel: 'hotline' })).status, 403);
  // grid workers have no eldercare access (auth.c): they call the hotline
  assert.equal((await c.grid_worker.post('/api/v1/sos', { elder_id: elder.id, channel: 'hotline' })).status, 403);
});

test('the escalation clock: levels rise as deadlines pass, the open list is sorted by urgency', async () => {
  const mk = async () => ok(await c.hotline_operator.post('/api/v1/sos', { elder_id: elder.id, channel: 'hotline' }), 'sos').order.id;
  const calm = await mk(), late = await mk(), later = await mk(), worst = await mk();
  // time passes: move the deadlines into the past
  sql(srv.db, `UPDATE service_orders SET sos_accept_due = '${ago(1)}' WHERE id = ${late}`);
  sql(srv.db, `UPDATE service_orders SET sos_accept_due = '${ago(30)}', sos_on_site_due = '${ago(2)}' WHERE id = ${later}`);
  sql(srv.db, `UPDATE service_orders SET sos_accept_due = '${ago(60)}', sos_on_site_due = '${ago(40)}' WHERE id = ${worst}`);
  const lv = async (id) => ok(await admin.get(`/api/v1/sos/${id}`), 'sos').clock;
  assert.equal((await lv(calm)).escalation_level, 0);
  assert.deepEqual((await lv(late)).overdue, ['take']);
  assert.equal((await lv(late)).escalation_level, 1);
  assert.equal((await lv(later)).escalation_level, 2);
  assert.equal((await lv(worst)).escalation_level, 3);
  assert.match((await lv(worst)).escalation_label, /三级/);
  const list = ok(await c.hotline_operator.get('/api/v1/sos?open=1'), 'open');
  const ids = list.map((o) => o.id);
  assert.ok(ids.indexOf(worst) < ids.indexOf(later) && ids.indexOf(later) < ids.indexOf(late) && ids.indexOf(late) < ids.indexOf(calm), ids.join(','));
  const levels = list.map((o) => o.clock.escalation_level);
  assert.deepEqual(levels, [...levels].sort((a, b) => b - a), 'most urgent first');
  assert.equal((await admin.get('/api/v1/sos?open=maybe')).status, 400);
  // taken in time stops the first clock: a caregiver took the late one
  await move(late, { to: 'accepted', provider_id: P1 });
  await move(late, { to: 'dispatched', caregiver_id: CG1 });
  await move(late, { to: 'taken' });
  const cl = await lv(late);
  assert.equal(cl.escalation_level, 0);
  assert.ok(cl.taken_at);
});

test('one screen: order, clock, elder masked, contacts, recent orders, assessments, history', async () => {
  const id = ok(await c.hotline_operator.post('/api/v1/sos', { elder_id: elder.id, channel: 'family', note: '家属来电：老人摔倒' }), 'sos').order.id;
  const d = ok(await c.hotline_operator.get(`/api/v1/sos/${id}`), 'screen');
  assert.equal(d.order.id, id);
  assert.equal(d.order.note, '家属来电：老人摔倒');
  assert.equal(d.elder.id, elder.id);
  assert.equal(d.contacts.length, 1);
  assert.equal(d.contacts[0].name, '呼救儿子');
  assert.equal(d.contacts[0].phone, '139****5678', 'masked as usual');
  assert.ok(d.recent_orders.some((o) => o.id === id) && d.recent_orders.length >= 2);
  assert.ok(Array.isArray(d.assessments));
  assert.deepEqual(d.history.map((h) => h.to_status), ['pending']);
  assert.ok(d.history[0].by_name);
  assert.deepEqual(d.assessments, []);
  // once assessed (a Barthel index here), the screen shows it
  const users = ok(await admin.get('/api/v1/users?per_page=100'), 'users');
  const assessors = ['district_admin', 'grid_worker'].map((u) => users.find((x) => x.username === u).id);
  ok(await admin.post(`/api/v1/elders/${elder.id}/assessments`, { standard: 'Barthel', reason: 'immediate', assessors,
    items: { feeding: 10, bathing: 5, grooming: 5, dressing: 10, bowels: 10, bladder: 10, toilet: 10, transfers: 15, mobility: 15, stairs: 0 } }), 'assess');
  const d2 = ok(await admin.get(`/api/v1/sos/${id}`), 'screen2');
  assert.equal(d2.assessments.length, 1);
  assert.equal(d2.assessments[0].standard, 'Barthel');
  assert.equal(d2.assessments[0].total, 90);
  // an ordinary order is no emergency
  const plain = ok(await admin.get('/api/v1/service_orders?priority=normal&per_page=1'), 'plain')[0].id;
  assert.equal((await admin.get(`/api/v1/sos/${plain}`)).status, 404);
});

test('closing the loop: an outcome and a note; not served is cancelled by the flow; on site waits for check-out', async () => {
  const id = ok(await c.hotline_operator.post('/api/v1/sos', { elder_id: elder.id, channel: 'hotline' }), 'sos').order.id;
  const url = `/api/v1/sos/${id}/close`;
  assert.equal((await c.hotline_operator.post(url, { note: '误报' })).body.error.field_codes.outcome, 'required');
  assert.equal((await c.hotline_operator.post(url, { outcome: 'gone', note: '误报' })).body.error.field_codes.outcome, 'required');
  assert.equal((await c.hotline_operator.post(url, { outcome: 'false_alarm' })).body.error.field_codes.note, 'required');
  assert.equal((await c.hotline_operator.post(url, { outcome: 'false_alarm', note: 'x', y: 1 })).body.error.field_codes.y, 'unknown_field');
  assert.equal((await c.auditor.post(url, { outcome: 'false_alarm', note: '误报' })).status, 403);
  const d = ok(await c.hotline_operator.post(url, { outcome: 'false_alarm', note: '老人误触呼叫器，电话确认平安' }), 'close');
  assert.equal(d.order.status, 'cancelled');
  assert.equal(d.order.sos_outcome, 'false_alarm');
  assert.ok(d.order.sos_closed_at);
  assert.equal(d.clock.open, false);
  const last = d.history.at(-1), cancel = d.history.at(-2);
  assert.equal(cancel.to_status, 'cancelled');
  assert.match(cancel.reason, /^助急结案：误报；老人误触呼叫器/);
  assert.equal(last.from_status, 'cancelled');
  assert.equal(last.to_status, 'cancelled');
  assert.match(last.reason, /误报/);
  assert.equal((await c.hotline_operator.post(url, { outcome: 'other', note: '再次' })).body.error.code, 'sos_closed');
  const audit = ok(await admin.get(`/api/v1/audit?resource=service_orders&record_id=${id}&per_page=20`), 'audit');
  assert.ok(audit.some((a) => a.action === 'sos_close'), JSON.stringify(audit.map((a) => a.action)));
  const open = ok(await admin.get('/api/v1/sos?open=1'), 'open').map((o) => o.id);
  assert.ok(!open.includes(id));

  // served: on site it waits for the check-out, then closes as it is (completed)
  const s2 = ok(await c.hotline_operator.post('/api/v1/sos', { elder_id: elder.id, channel: 'hotline' }), 'sos2').order.id;
  await move(s2, { to: 'accepted', provider_id: P1 });
  await move(s2, { to: 'dispatched', caregiver_id: CG1 });
  await move(s2, { to: 'taken' });
  const token = (await admin.get(`/api/v1/elders/${elder.id}/qr.svg`, { raw: true })).buf.toString().match(/<text[^>]*>([^<]+)<\/text>/)[1];
  const cin = ok(await c.caregiver.post(`/api/v1/service_orders/${s2}/check_in`, { qr: token, lat_e6: 34781000, lng_e6: 113702000 }), 'in');
  assert.equal(cin.status, 'in_service');
  const onSite = ok(await admin.get(`/api/v1/sos/${s2}`), 'on site').clock;
  assert.ok(onSite.on_site_at && onSite.escalation_level === 0);
  assert.equal((await admin.post(`/api/v1/sos/${s2}/close`, { outcome: 'resolved_on_site', note: '已处置' })).body.error.code, 'sos_in_service');
  ok(await c.caregiver.post(`/api/v1/service_orders/${s2}/check_out`, { qr: token, lat_e6: 34781000, lng_e6: 113702000 }), 'out');
  const done = ok(await admin.post(`/api/v1/sos/${s2}/close`, { outcome: 'resolved_on_site', note: '扶起老人，检查无外伤，已告知家属' }), 'close2');
  assert.equal(done.order.status, 'completed');
  assert.equal(done.order.sos_outcome, 'resolved_on_site');
  assert.deepEqual(done.history.map((h) => h.to_status), ['pending', 'accepted', 'dispatched', 'taken', 'in_service', 'completed', 'completed']);
});
