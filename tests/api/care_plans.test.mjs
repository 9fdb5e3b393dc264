// Recurring care plans (issue 5, point 5): a plan's checks (recurrence, weekdays, time, the
// caregiver's provider), POST /api/v1/care_plans/generate making a day's orders once (a second run
// makes none: the unique plan+day key), the entry state from the flow's table (accepted, or
// dispatched to the preferred caregiver), the skipping rules (paused, outside the dates, elder no
// longer served, not due by the recurrence), the CLI for a daily cron, provider scope, bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, run } from './lib.mjs';

let srv, admin, prov1, prov2, P1, P2, CG1, U, item;
const ok = (r, what) => { assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`); return r.body.data; };

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.base, 'district_admin');
  prov1 = await loginAs(srv.base, 'provider_admin');
  prov2 = await loginAs(srv.base, 'provider_admin2');
  const users = ok(await admin.get('/api/v1/users?per_page=100'), 'users');
  const by = Object.fromEntries(users.map((u) => [u.username, u]));
  P1 = by.provider_admin.provider_id; P2 = by.provider_admin2.provider_id; CG1 = by.caregiver.caregiver_id;
  const cw = await loginAs(srv.base, 'community_worker');
  const C = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  U = ok(await admin.get(`/api/v1/org_units?parent_id=${C}&level=grid&sort=id`), 'grid')[0].id;
  item = ok(await admin.get('/api/v1/service_items?code=ZC01'), 'item')[0];
});
after(async () => { await srv.stop(); });

async function newElder() {
  const p = ok(await admin.post('/api/v1/persons', { name: '计划老人', id_number: freshId({ from: '1940-01-01' }), org_id: U }), 'person');
  return ok(await admin.post('/api/v1/elders', { person_id: p.id }), 'elder').id;
}
const plan = async (extra) => ok(await admin.post('/api/v1/care_plans', { elder_id: await newElder(), service_item_id: item.id,
  provider_id: P1, recurrence: 'daily', time_of_day: '11:30', duration_minutes: 30, start_date: '2030-03-01', ...extra }), 'plan');
const generate = async (date) => ok(await admin.post('/api/v1/care_plans/generate', { date }), `generate ${date}`);
const madeFor = (g, id) => g.orders.find((o) => o.plan_id === id);
const skipped = (g, id) => (g.skipped_plans.find((s) => s.plan_id === id) || {}).reason;

test('a daily plan with a preferred caregiver: one order, dispatched to them, at 11:30 Beijing time; a second run makes none', async () => {
  const p = await plan({ caregiver_id: CG1 });
  assert.equal(p.elder_name, '计划老人');
  const g1 = await generate('2030-03-04');
  const made = madeFor(g1, p.id);
  assert.ok(made, 'an order for the plan');
  assert.equal(made.status, 'dispatched');
  const o = ok(await admin.get(`/api/v1/service_orders/${made.order_id}`), 'order');
  assert.equal(o.channel, 'care_plan');
  assert.equal(o.status, 'dispatched');
  assert.equal(o.caregiver_id, CG1);
  assert.equal(o.provider_id, P1);
  assert.equal(o.window_start, '2030-03-04T03:30:00Z');
  assert.equal(o.window_end, '2030-03-04T04:00:00Z');
  const hist = ok(await admin.get(`/api/v1/service_order_events?order_id=${o.id}&sort=id`), 'history');
  assert.deepEqual(hist.map((e) => e.to_status), ['pending', 'accepted', 'dispatched']);
  const g2 = await generate('2030-03-04');
  assert.equal(madeFor(g2, p.id), undefined, 'nothing made twice');
  assert.equal(skipped(g2, p.id), 'existing');
  assert.equal(g2.created, 0);
  const all = ok(await admin.get(`/api/v1/service_orders?elder_id=${p.elder_id}`), 'orders');
  assert.equal(all.length, 1, 'one order for the plan and day');
});

test('a plan without a caregiver (or with one off duty) enters accepted', async () => {
  const p = await plan({});
  const g = await generate('2030-03-05');
  assert.equal(madeFor(g, p.id).status, 'accepted');
  const o = ok(await admin.get(`/api/v1/service_orders/${madeFor(g, p.id).order_id}`), 'order');
  assert.equal(o.caregiver_id, null);
});

test('weekly and every-N-days recurrences', async () => {
  const w = await plan({ recurrence: 'weekly', weekdays: '1,3' });       // 2030-03-04 is a Monday
  const n = await plan({ recurrence: 'interval', interval_days: 3 });   // from 2030-03-01: 03-04, 03-07 ...
  const mon = await generate('2030-03-11');
  assert.ok(madeFor(mon, w.id), 'Monday');
  assert.equal(madeFor(mon, n.id), undefined, '03-11 is 10 days after the start');
  const tue = await generate('2030-03-12');
  assert.equal(madeFor(tue, w.id), undefined, 'not on Tuesday');
  const wed = await generate('2030-03-13');
  assert.ok(madeFor(wed, w.id), 'Wednesday');
  assert.ok(madeFor(wed, n.id), '03-13 is 12 days after the start');
});

test('skipped: paused plans, dates outside the plan, elders no longer served', async () => {
  const paused = await plan({ status: 'paused' });
  const ended = await plan({ end_date: '2030-03-10' });
  const gone = await plan({});
  const elder = ok(await admin.get(`/api/v1/elders/${gone.elder_id}`), 'elder');
  ok(await admin.patchFresh(`/api/v1/elders/${gone.elder_id}`, { status: 'ended' }), 'end the elder');
  const early = await generate('2030-02-28');
  assert.equal(skipped(early, ended.id), 'out_of_range', 'before the start');
  const g = await generate('2030-03-20');
  assert.equal(skipped(g, paused.id), 'paused');
  assert.equal(skipped(g, ended.id), 'out_of_range', 'after the end');
  assert.equal(skipped(g, gone.id), 'elder_inactive');
  assert.ok(g.skipped.paused >= 1 && g.skipped.out_of_range >= 1 && g.skipped.elder_inactive >= 1);
  for (const p of [paused, ended, gone]) assert.equal(madeFor(g, p.id), undefined);
  assert.ok(elder.id);
});

test('the CLI makes the day once, as the API does', async () => {
  const p = await plan({ start_date: '2030-04-01' });
  const r1 = run(['care-plans', 'generate', '--date', '2030-04-02', '--db', srv.db]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.ok(JSON.parse(r1.stdout).data.orders.some((o) => o.plan_id === p.id));
  const r2 = run(['care-plans', 'generate', '--date', '2030-04-02', '--db', srv.db]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.ok(!JSON.parse(r2.stdout).data.orders.some((o) => o.plan_id === p.id));
  assert.equal(ok(await admin.get(`/api/v1/service_orders?elder_id=${p.elder_id}`), 'orders').length, 1);
  assert.equal(run(['care-plans', 'generate', '--db', srv.db]).code, 2, 'no date: usage');
});

test('bad input: recurrence details, time, caregiver of another provider, generate body', async () => {
  const elder = await newElder();
  const base = { elder_id: elder, service_item_id: item.id, provider_id: P1, recurrence: 'daily', time_of_day: '11:30', duration_minutes: 30, start_date: '2030-03-01' };
  const cases = [
    [{ recurrence: 'weekly' }, 'weekdays', 'invalid_weekdays'],
    [{ recurrence: 'weekly', weekdays: '1,8' }, 'weekdays', 'invalid_weekdays'],
    [{ recurrence: 'weekly', weekdays: '1,1' }, 'weekdays', 'invalid_weekdays'],
    [{ recurrence: 'interval' }, 'interval_days', 'required'],
    [{ time_of_day: '24:00' }, 'time_of_day', 'invalid_time'],
    [{ time_of_day: '7:30' }, 'time_of_day', 'invalid_time'],
    [{ end_date: '2030-02-01' }, 'end_date', 'end_before_start'],
    [{ recurrence: 'monthly' }, 'recurrence', null],
    [{ caregiver_id: CG1, provider_id: P2 }, 'caregiver_id', 'other_provider'],
    [{ elder_id: 99999999 }, 'elder_id', null],
  ];
  for (const [extra, field, code] of cases) {
    const r = await admin.post('/api/v1/care_plans', { ...base, ...extra });
    assert.equal(r.status, 422, `${JSON.stringify(extra)}: ${JSON.stringify(r.body)}`);
    assert.ok(r.body.error.fields[field], `${field} named`);
    if (code) assert.equal(r.body.error.field_codes[field], code);
  }
  for (const body of [{ date: '2030-02-30' }, { date: '20300301' }, { date: 5 }, {}, { date: '2030-03-01', extra: 1 }]) {
    const r = await admin.post('/api/v1/care_plans/generate', body);
    assert.equal(r.status, 422, JSON.stringify(body));
  }
  const raw = await admin.post('/api/v1/care_plans/generate', '{"date":', { headers: { 'Content-Type': 'application/json' } });
  assert.equal(raw.status, 400);
});

test('provider scope: a provider sees its own plans only; caregivers and providers may not generate', async () => {
  const p = await plan({});
  assert.equal((await prov1.get(`/api/v1/care_plans/${p.id}`)).status, 200);
  assert.equal((await prov2.get(`/api/v1/care_plans/${p.id}`)).status, 404);
  assert.ok(!ok(await prov2.get('/api/v1/care_plans?per_page=100'), 'list').some((x) => x.id === p.id));
  assert.equal((await prov1.post('/api/v1/care_plans/generate', { date: '2030-03-01' })).status, 403);
  assert.equal((await prov1.post('/api/v1/care_plans', { elder_id: p.elder_id, service_item_id: item.id, provider_id: P1, recurrence: 'daily',
    time_of_day: '08:00', duration_minutes: 30, start_date: '2030-03-01' })).status, 403);
});
