// Browser: from an accepted order to a completed visit through a real server - the provider's
// administrator opens the day's dispatch board (pages/DispatchBoard.vue), selects the order, sees
// the server's suggestions in the server's order and dispatches to the first with one click; the
// caregiver signs in on a phone-sized screen (390x844), finds the visit among today's and takes,
// starts (签到) and completes (签退) it with the buttons the server allows; the hotline operator
// then sees it completed in the elder's card. Also: cancelling with a reason, and a stale board
// (someone else moved the order first: 412) reloading with a message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openSignedIn, waitForPath, shot, finish, apiAs, freshId, PHONE, PASSWORD } from './lib.mjs';

let srv, browser, hotline, admin, elder, P1;

const CN = 8 * 3600e3;
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const cnDay = (s) => new Date(new Date(s).getTime() + CN).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer();
  browser = await launch();
  hotline = await apiAs(srv, 'hotline_operator');
  admin = await apiAs(srv, 'district_admin');
  const worker = await apiAs(srv, 'community_worker');
  const grid = (await worker.get(`/api/v1/org_units?parent_id=${worker.me.org_id}&level=grid&sort=id`)).body.data[0].id;
  const p = await worker.post('/api/v1/persons', { name: '派单测试老人', id_number: freshId({ from: '1940-02-02' }), org_id: grid });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const e = await worker.post('/api/v1/elders', { person_id: p.body.data.id, categories: ['living_alone'] });
  assert.equal(e.status, 201, JSON.stringify(e.body));
  elder = e.body.data;
  P1 = (await admin.get('/api/v1/users?per_page=100')).body.data.find((u) => u.username === 'provider_admin').provider_id;
  assert.ok(P1);
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

// An order taken on the hotline for provider P1 and accepted, its window starting in a few minutes.
async function acceptedOrder(code = 'ZJ01', extra = {}) {
  const item = (await hotline.get(`/api/v1/service_items?code=${code}`)).body.data[0];
  const start = Date.now() + 5 * 60e3;
  const o = await hotline.post('/api/v1/service_orders', { elder_id: elder.id, service_item_id: item.id, channel: 'hotline',
    window_start: iso(start), window_end: iso(start + 60 * 60e3), address: '经八路12号院2号楼', lat_e6: 34790000, lng_e6: 113660000, provider_id: P1, ...extra });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  const a = await hotline.post(`/api/v1/service_orders/${o.body.data.id}/transitions`, { to: 'accepted' },
    { headers: { 'If-Match': `"${o.body.data.version}"` } });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return o.body.data;
}
const status = async (id) => (await admin.get(`/api/v1/service_orders/${id}`)).body.data;

test('dispatch to the first suggestion, then the caregiver takes, starts and completes it on a phone; the hotline sees it completed', async () => {
  const order = await acceptedOrder('ZJ01', { priority: 'urgent' });
  const pa = await openSignedIn(browser, srv, 'provider_admin');
  await pa.locator('aside [data-test=screen-dispatch]').click();
  await waitForPath(pa, '/eldercare/dispatch');
  await pa.goto(`/eldercare/dispatch?day=${cnDay(order.window_start)}`);
  const ticket = pa.locator(`[data-column=todo] [data-order="${order.id}"]`);
  await ticket.waitFor();
  assert.match(await ticket.innerText(), /派单测试老人[\s\S]*居家保洁/);
  await ticket.click();
  const panel = pa.locator('[data-test=order-panel]');
  await panel.locator('[data-test=suggestions] li[data-caregiver]').first().waitFor();
  // the suggestions are the server's, in its order
  const pac = await apiAs(srv, 'provider_admin');
  const sugg = (await pac.get(`/api/v1/service_orders/${order.id}/suggestions?limit=8`)).body.data;
  assert.ok(sugg.length > 0);
  assert.deepEqual(await panel.locator('[data-test=suggestions] li[data-caregiver]').evaluateAll((els) => els.map((e) => Number(e.dataset.caregiver))),
    sugg.map((s) => s.caregiver_id));
  assert.match(await panel.locator('[data-test=suggestions]').innerText(), /所需技能[\s\S]*技能匹配/);
  await pa.waitForTimeout(400);
  await shot(pa, 'dispatch-board');
  const first = sugg[0];
  const moved = pa.waitForResponse((r) => r.url().endsWith(`/service_orders/${order.id}/transitions`));
  await panel.locator(`[data-test=dispatch-to-${first.caregiver_id}]`).click();
  assert.equal((await moved).status(), 200);
  await pa.locator(`[data-column=dispatched] [data-order="${order.id}"]`).waitFor();
  const d = await status(order.id);
  assert.deepEqual([d.status, d.caregiver_id], ['dispatched', first.caregiver_id]);
  assert.match(await pa.locator(`[data-column=dispatched] [data-order="${order.id}"]`).innerText(), new RegExp(first.name));
  // the table per caregiver lists it under their name
  await pa.locator('[data-test=view-caregivers]').click();
  await pa.locator('[data-test=dispatch-caregivers]').getByText(first.name).first().waitFor();
  await finish(pa);

  // the caregiver's account, then their phone
  const cg = (await admin.get(`/api/v1/caregivers/${first.caregiver_id}`)).body.data;
  const u = await admin.post('/api/v1/users', { username: 'cg_dispatch_e2e', password: PASSWORD, name: cg.name, org_id: admin.me.org_id,
    roles: ['caregiver'], caregiver_id: cg.id });
  assert.equal(u.status, 201, JSON.stringify(u.body));
  // QR check-in and check-out, when this server has them (service_order_visit.c): the home's code
  // and the phone's place near the home; otherwise the visit starts and ends by plain transitions
  const routes = (await admin.get('/api/v1/meta/routes')).body.data.routes;
  const qr = routes.some((r) => r.pattern === '/api/v1/service_orders/{id}/check_in');
  let token = null;
  if (qr) {
    assert.equal((await admin.patchFresh(`/api/v1/elders/${elder.id}`, { home_lat_e6: 34790000, home_lng_e6: 113660000 })).status, 200);
    const svg = await admin.get(`/api/v1/elders/${elder.id}/qr.svg`, { raw: true });
    token = svg.buf.toString().match(/<text[^>]*>([^<]+)<\/text>/)[1];
  }
  const phone = await openSignedIn(browser, srv, 'cg_dispatch_e2e', { viewport: PHONE });
  await phone.context().grantPermissions(['geolocation']);
  await phone.context().setGeolocation({ latitude: 34.79003, longitude: 113.66002, accuracy: 15 });
  await waitForPath(phone, '/eldercare/my-visits');         // a caregiver's home is their visits
  const visit = phone.locator(`[data-test=my-visits] [data-order="${order.id}"]`);
  await visit.waitFor();
  assert.match(await visit.innerText(), /派单测试老人[\s\S]*居家保洁[\s\S]*经八路12号院2号楼/);
  assert.match(await visit.innerText(), /加急/);
  await phone.waitForTimeout(400);                        // the tags' fade-in
  await shot(phone, 'my-visits-phone');
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'nothing wider than the phone');
  for (const [button, want] of [['visit-taken', 'taken'], ['visit-in_service', 'in_service'], ['visit-completed', 'completed']]) {
    const b = visit.locator(`[data-test=${button}]`);
    await b.waitFor();
    const box = await b.boundingBox();
    assert.ok(box.height >= 40 && box.width >= 300, `${button} is a big button on the phone (${box.width}x${box.height})`);
    const r = phone.waitForResponse((x) => x.url().includes(`/service_orders/${order.id}/`) && x.request().method() === 'POST');
    await b.click();
    if (qr && want !== 'taken') {
      const dialog = phone.locator('[data-test=check-dialog]');
      await dialog.locator('[data-test=check-location]').getByText('定位已获取').waitFor();
      await dialog.locator('input[data-test=check-code]').fill(token);
      if (want === 'in_service') { await phone.waitForTimeout(400); await shot(phone, 'my-visits-check-in'); }   // after the dialog's fade
      await dialog.locator('[data-test=check-submit]').click();
    }
    const res = await r;
    assert.equal(res.status(), 200, `${button}: ${await res.text()}`);
    await phone.waitForFunction(([id, st]) => { const c = document.querySelector(`[data-test=my-visits] [data-order="${id}"] [data-test=visit-status]`); return !c || c.innerText === st; },
      [order.id, { taken: '已接单', in_service: '服务中', completed: '已完成' }[want]]);
    assert.equal((await status(order.id)).status, want);
    if (want === 'in_service') { await phone.waitForTimeout(400); await shot(phone, 'my-visits-in-service'); }
  }
  // done: out of today's list, in the history
  await visit.waitFor({ state: 'detached' });
  await phone.getByRole('tab', { name: '已完成' }).click();
  await phone.locator(`[data-test=my-visits] [data-order="${order.id}"]`).waitFor();
  await phone.waitForTimeout(400);
  await shot(phone, 'my-visits-done');
  const ev = (await admin.get(`/api/v1/service_order_events?order_id=${order.id}&sort=id`)).body.data;
  assert.deepEqual(ev.map((e) => e.to_status), ['pending', 'accepted', 'dispatched', 'taken', 'in_service', 'completed']);
  if (qr) {
    const visited = await status(order.id);
    assert.ok(visited.check_in_at && visited.check_out_at, `checked in and out: ${JSON.stringify(visited)}`);
  }
  await finish(phone);

  // the hotline operator finds the elder again: the order is among the recent services, completed
  const h = await openSignedIn(browser, srv, 'hotline_operator');
  await h.goto('/eldercare/intake');
  await h.locator('input[data-test=intake-search]').fill('派单测试老人');
  await h.locator('[data-test=intake-hits] li[data-elder]').first().waitFor();
  await h.locator('input[data-test=intake-search]').press('Enter');
  const done = h.locator(`[data-test=card-history] [data-order="${order.id}"]`);
  await done.waitFor();
  assert.match(await done.innerText(), /已完成/);
  await finish(h);
});

test('cancel with a reason from the board; a board gone stale answers 412 and reloads with a message', async () => {
  const a = await acceptedOrder('ZC01');
  const b = await acceptedOrder('TF01');
  const page = await openSignedIn(browser, srv, 'hotline_operator');
  await page.goto(`/eldercare/dispatch?day=${cnDay(a.window_start)}`);
  await page.locator(`[data-column=todo] [data-order="${a.id}"]`).click();
  const panel = page.locator('[data-test=order-panel]');
  await panel.locator('[data-test=move-cancelled]').click();
  const box = page.locator('.el-message-box');
  await box.locator('input').fill('家属已自行安排');
  await box.getByRole('button', { name: '确定' }).click();
  await page.locator(`[data-order="${a.id}"]`).waitFor({ state: 'detached' });
  assert.equal((await status(a.id)).status, 'cancelled');
  const ev = (await admin.get(`/api/v1/service_order_events?order_id=${a.id}&sort=-id&per_page=1`)).body.data[0];
  assert.deepEqual([ev.to_status, ev.reason], ['cancelled', '家属已自行安排']);

  // b is open on the board when the provider dispatches it elsewhere: the click meets a 412
  await page.locator(`[data-column=todo] [data-order="${b.id}"]`).click();
  await panel.locator('[data-test=suggestions] li[data-caregiver]').first().waitFor();
  const pac = await apiAs(srv, 'provider_admin');
  const s = (await pac.get(`/api/v1/service_orders/${b.id}/suggestions`)).body.data;
  const cur = await status(b.id);
  assert.equal((await pac.post(`/api/v1/service_orders/${b.id}/transitions`, { to: 'dispatched', caregiver_id: s[1].caregiver_id },
    { headers: { 'If-Match': `"${cur.version}"` } })).status, 200);
  const stale = page.waitForResponse((r) => r.url().endsWith(`/service_orders/${b.id}/transitions`));
  await panel.locator(`[data-test=dispatch-to-${s[0].caregiver_id}]`).click();
  assert.equal((await stale).status(), 412);
  await panel.locator('[data-test=panel-stale]').waitFor();
  assert.match(await panel.locator('[data-test=panel-stale]').innerText(), /刚被他人更新/);
  await page.waitForFunction(() => document.querySelector('[data-test=panel-status]')?.innerText === '已派单');
  assert.equal((await status(b.id)).caregiver_id, s[1].caregiver_id, 'the other dispatch stands');
  await page.locator(`[data-column=dispatched] [data-order="${b.id}"]`).waitFor();
  await shot(page, 'dispatch-stale');
  await finish(page, { clean: false });       // the 412 is logged as a failed request
});
