// Browser: the 12349 hotline intake (pages/IntakePage.vue) through a real server - the hotline
// operator opens it from the menu with the focus in the search box, finds an elder by name (Enter
// picks the first hit, arrows move) and by ID number (the server's keyed-hash search of persons),
// sees the card (age, categories, entitlement, emergency contact, open orders), makes an order
// with the keyboard (service by type-ahead, a window preset, Ctrl+Enter): created and accepted,
// its number shown, exactly as stored; the provider's administrator and the district see it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openSignedIn, waitForPath, shot, finish, apiAs, freshId } from './lib.mjs';

let srv, browser, worker, admin, elder, person, idNumber, phone;

before(async () => {
  srv = await startServer();
  browser = await launch();
  worker = await apiAs(srv, 'community_worker');
  admin = await apiAs(srv, 'district_admin');
  const grid = (await worker.get(`/api/v1/org_units?parent_id=${worker.me.org_id}&level=grid&sort=id`)).body.data[0].id;
  idNumber = freshId({ from: '1938-05-12' });
  phone = `139${String(Date.now()).slice(-8)}`;
  const p = await worker.post('/api/v1/persons', { name: '热线测试老人', id_number: idNumber, phone, org_id: grid, address: '花园路88号3单元501室' });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  person = p.body.data;
  const e = await worker.post('/api/v1/elders', { person_id: person.id, categories: ['dibao', 'living_alone'], living_situation: 'alone',
    contact1_name: '李热线', contact1_relation: 'child', contact1_phone: '13700001111' });
  assert.equal(e.status, 201, JSON.stringify(e.body));
  elder = e.body.data;
  // a namesake, so that the arrows have somewhere to go
  const p2 = await worker.post('/api/v1/persons', { name: '热线测试老人乙', id_number: freshId({ from: '1945-01-01' }), org_id: grid });
  assert.equal((await worker.post('/api/v1/elders', { person_id: p2.body.data.id })).status, 201);
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const hits = (page) => page.locator('[data-test=intake-hits] li[data-elder]');
async function search(page, text) {
  const box = page.locator('input[data-test=intake-search]');
  await box.fill(text);
}

test('find by name and by ID number from the keyboard, see the card, make an order: created, accepted and shown by number', async () => {
  const page = await openSignedIn(browser, srv, 'hotline_operator');
  await page.locator('aside [data-test=screen-intake]').click();
  await waitForPath(page, '/eldercare/intake');
  await page.waitForFunction(() => document.activeElement?.matches('input[data-test=intake-search]'));

  // by name: two hits; the arrows move, Enter picks the one highlighted
  await page.keyboard.type('热线测试');
  await page.waitForFunction(() => document.querySelectorAll('[data-test=intake-hits] li[data-elder]').length === 2);
  assert.match(await hits(page).first().innerText(), /热线测试老人/);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.locator('[data-test=intake-hits] li[aria-selected=true]').getAttribute('data-elder'), String(elder.id));
  await page.keyboard.press('Enter');
  const card = page.locator('[data-test=elder-card]');
  await card.waitFor();
  assert.equal(await card.locator('[data-test=card-name]').innerText(), '热线测试老人');
  assert.equal(await card.locator('[data-test=card-age]').innerText(), String(elder.age));
  assert.match(await card.locator('[data-test=card-categories]').innerText(), /低保[\s\S]*独居/);
  assert.match(await card.locator('[data-test=card-contacts]').innerText(), /李热线[\s\S]*137\*{4}1111/);
  assert.match(await card.locator('[data-test=card-id]').innerText(), /\*{6}/, 'the ID number is masked');
  assert.match(await card.locator('[data-test=card-address]').innerText(), /花园路88号/);
  const stored = (await admin.get(`/api/v1/elders/${elder.id}`)).body.data;
  if (stored.subsidy_amount) assert.match(await card.locator('[data-test=card-entitlement]').innerText(), new RegExp(String(stored.subsidy_amount / 100)));
  assert.match(await card.locator('[data-test=card-open]').innerText(), /没有进行中的工单/);
  // the focus went on to the service, so the order can be typed straight away
  await page.waitForFunction(() => document.activeElement?.closest('[data-test=field-service_item_id]'));

  // by ID number: typed and Enter at once (the search runs first, then its hit is picked)
  await page.locator('input[data-test=intake-search]').focus();
  await page.locator('input[data-test=intake-search]').fill('');
  await page.keyboard.type(idNumber);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.closest('[data-test=field-service_item_id]'));
  assert.equal(await hits(page).count(), 1);
  assert.match(await hits(page).first().innerText(), /证件号匹配/);
  assert.equal(await card.locator('[data-test=card-name]').innerText(), '热线测试老人');
  // by the elder's own phone too
  await search(page, phone);
  await page.waitForFunction(() => document.querySelector('[data-test=intake-hits] li[data-elder]')?.innerText.includes('本人电话'));
  // and a name nobody has says so
  await search(page, '查无此人甲乙');
  await page.locator('[data-test=intake-none]').waitFor();
  await search(page, idNumber);
  await hits(page).first().waitFor();
  await page.locator('input[data-test=intake-search]').press('Enter');
  await page.waitForFunction(() => document.activeElement?.closest('[data-test=field-service_item_id]'));

  // the order: type-ahead on the service, a window preset, urgent, a note; Ctrl+Enter
  await page.keyboard.type('助洁');
  await page.locator('.el-select-dropdown__item:visible', { hasText: '居家保洁' }).first().waitFor();
  assert.equal(await page.locator('.el-select-dropdown__item:visible').count(), 1, 'the category\'s name finds its one service');
  await page.keyboard.press('Enter');
  const preset = await page.locator('[data-test=field-window] label.is-active').innerText();
  await page.locator('[data-test=field-priority] label', { hasText: '加急' }).click();
  await page.locator('[data-test=field-note] input').fill('老人独居，请提前电话联系');
  assert.equal(await page.locator('[data-test=field-channel] .el-select__selected-item:not(.is-hidden)').first().innerText(), '12349热线');
  await page.waitForTimeout(400);                         // the radio buttons' transition
  await shot(page, 'intake-form');
  const posted = page.waitForResponse((r) => r.url().endsWith('/api/v1/service_orders') && r.request().method() === 'POST');
  const accepted = page.waitForResponse((r) => /\/service_orders\/\d+\/transitions$/.test(r.url()));
  await page.locator('[data-test=field-note] input').press('Control+Enter');
  const created = (await (await posted).json()).data;
  assert.equal((await accepted).status(), 200);
  const done = page.locator('[data-test=intake-done]');
  await done.waitFor();
  assert.equal(await done.locator('[data-test=intake-order-no]').innerText(), `#${created.id}`);
  assert.match(await done.innerText(), /已受理/);

  // as stored: the elder, the service picked, the window preset, the hotline channel, accepted
  const o = (await admin.get(`/api/v1/service_orders/${created.id}`)).body.data;
  const items = (await admin.get('/api/v1/service_items?per_page=100')).body.data;
  assert.equal(o.elder_id, elder.id);
  assert.equal(items.find((i) => i.id === o.service_item_id).code, 'ZJ01');
  assert.deepEqual([o.status, o.channel, o.priority, o.note, o.address], ['accepted', 'hotline', 'urgent', '老人独居，请提前电话联系', '花园路88号3单元501室']);
  assert.ok(new Date(o.window_end) > new Date(o.window_start));
  assert.match(preset, /今天|明天|后天/);
  assert.ok(o.provider_id, 'a provider whose service area holds the elder was chosen');
  const ev = (await admin.get(`/api/v1/service_order_events?order_id=${o.id}&sort=id`)).body.data;
  assert.deepEqual(ev.map((e) => e.to_status), ['pending', 'accepted']);
  // the card lists it among the open orders at once
  await page.waitForFunction((id) => document.querySelector(`[data-test=card-open] [data-order="${id}"]`), o.id);
  assert.match(await page.locator(`[data-test=card-open] [data-order="${o.id}"]`).innerText(), /已受理/);
  await page.waitForTimeout(400);
  await shot(page, 'intake-created');

  // the provider's administrator sees it (when it is theirs) and the district sees it in the orders list
  const users = (await admin.get('/api/v1/users?per_page=100')).body.data;
  const pa = users.find((u) => u.username === 'provider_admin');
  const owner = pa.provider_id === o.provider_id ? await apiAs(srv, 'provider_admin')
    : null;
  if (owner) assert.equal((await owner.get(`/api/v1/service_orders/${o.id}`)).status, 200);
  const district = await openSignedIn(browser, srv, 'district_admin');
  await district.goto(`/r/service_orders?id=${o.id}`);
  const row = district.locator('[data-test=list-service_orders] .el-table__row').first();
  await row.waitFor();
  assert.match(await row.innerText(), /热线测试老人[\s\S]*已受理/);
  await finish(district);
  await finish(page);
});

test('a community worker takes a walk-in order on the same screen; a suspended elder is refused with the server\'s reason', async () => {
  const page = await openSignedIn(browser, srv, 'community_worker');
  await page.goto('/eldercare/intake');
  await page.waitForFunction(() => document.activeElement?.matches('input[data-test=intake-search]'));
  await page.keyboard.type('热线测试老人乙');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.closest('[data-test=field-service_item_id]'));
  await page.keyboard.type('助餐');
  await page.locator('.el-select-dropdown__item:visible', { hasText: '上门送餐' }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('[data-test=field-channel] .el-select__wrapper').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '上门登记' }).click();
  // the elder is suspended meanwhile: the server refuses, the screen says why and nothing is stored
  const e2 = (await worker.get('/api/v1/elders?q=热线测试老人乙')).body.data[0];
  const before = (await worker.get(`/api/v1/service_orders?elder_id=${e2.id}`)).body.meta.total;
  assert.equal((await worker.patchFresh(`/api/v1/elders/${e2.id}`, { status: 'suspended' })).status, 200);
  await page.locator('[data-test=intake-submit]').click();
  await page.locator('[data-test=intake-error]').waitFor();
  assert.match(await page.locator('[data-test=intake-error]').innerText(), /暂停或终止服务/);
  assert.equal((await worker.get(`/api/v1/service_orders?elder_id=${e2.id}`)).body.meta.total, before);
  // resumed: the same form goes through, as a walk-in
  assert.equal((await worker.patchFresh(`/api/v1/elders/${e2.id}`, { status: 'active' })).status, 200);
  const posted = page.waitForResponse((r) => r.url().endsWith('/api/v1/service_orders') && r.request().method() === 'POST' && r.status() === 201);
  await page.locator('[data-test=intake-submit]').click();
  const o = (await (await posted).json()).data;
  await page.locator('[data-test=intake-done]').waitFor();
  assert.equal(await page.locator('[data-test=intake-order-no]').innerText(), `#${o.id}`);
  assert.equal((await worker.get(`/api/v1/service_orders/${o.id}`)).body.data.channel, 'walk_in');
  await finish(page, { clean: false });       // the refusal is logged as a failed request
});
