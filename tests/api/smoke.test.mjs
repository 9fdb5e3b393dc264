// The basic path a new user takes: sign in, list residents of their community, add one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, idNumber, Client } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('health answers without signing in', async () => {
  const r = await new Client(srv.base).get('/api/v1/health');
  assert.equal(r.status, 200);
  assert.equal(r.body.data.status, 'ok');
});

test('a community worker lists and creates residents', async () => {
  const c = await loginAs(srv.base, 'community_worker');
  const me = await c.get('/api/v1/auth/me');
  const list = await c.get('/api/v1/persons?per_page=5');
  assert.equal(list.status, 200);
  assert.ok(list.body.meta.total > 0);
  assert.equal(list.body.data.length, Math.min(5, list.body.meta.total));
  for (const p of list.body.data) assert.match(p.id_number, /^\d{4}\*{10}[\dX]{4}$/);
  const grid = (await c.get(`/api/v1/org_units?parent_id=${me.body.data.user.org_id}&level=grid`)).body.data[0];
  const r = await c.post('/api/v1/persons', { name: '王小明', id_number: idNumber('410105', '19900315', 13), org_id: grid.id });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.data.gender, '1');
  assert.equal(r.body.data.birth_date, '1990-03-15');
});
