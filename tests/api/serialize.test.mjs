// Reads are written straight from the row to JSON text; unmasked reads and writes go through
// jansson. Both must say the same thing about a record, escaping included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, stopAndCollect } from './lib.mjs';

let srv, cw;
before(async () => { srv = await startServer(); cw = await loginAs(srv.base, 'community_worker'); });
after(async () => { if (srv) await srv.stop(); });

test('the direct writer and the JSON-object path agree on a record with awkward text', async () => {
  const me = (await cw.get('/api/v1/auth/me')).body.data.user;
  const grid = (await cw.get(`/api/v1/org_units?parent_id=${me.org_id}&level=grid`)).body.data[0];
  const note = 'quote " backslash \\ newline \n tab \t bell \u0007 汉字 😀';
  const created = await cw.post('/api/v1/persons', {
    name: '欧阳娜娜', id_number: freshId(), phone: '13912345678', org_id: grid.id, tags: ['dibao', 'disabled'], note,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.data.id;
  const plain = await cw.get(`/api/v1/persons/${id}`);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get('etag'), '"1"');
  assert.equal(plain.body.data.note, note);
  assert.deepEqual(plain.body.data.tags, ['dibao', 'disabled']);
  assert.equal(typeof plain.body.data.age, 'number');
  const full = await cw.get(`/api/v1/persons/${id}?unmask=1`);
  assert.equal(full.status, 200);
  for (const k of ['id_number', 'phone']) { delete plain.body.data[k]; delete full.body.data[k]; }
  assert.deepEqual(plain.body.data, full.body.data);
  // the create answer (jansson) and the list row (direct) agree too
  const list = await cw.get(`/api/v1/persons?q=${encodeURIComponent('欧阳娜娜')}`);
  const row = list.body.data.find((p) => p.id === id);
  delete created.body.data.id_number; delete created.body.data.phone;
  delete row.id_number; delete row.phone;
  assert.deepEqual(row, created.body.data);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  await srv.stop();
  srv = null;
  assert.equal(code, 0);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
});
