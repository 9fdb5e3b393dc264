// Two `shequ serve` processes on one database, as behind a load balancer (PostgreSQL under
// make test-pg; two processes on one SQLite file under make test): a session made through one
// works through the other; concurrent PATCHes with the same If-Match through both - exactly one
// wins, the rest get 412, nothing is lost; a create or an import through one is seen through the
// other at once, even by a list the other had cached; and the audit hash chain stays valid under
// concurrent writers on both. tests/api/cluster.test.mjs puts haproxy in front of two servers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, run, Client, stopAndCollect, sql } from './lib.mjs';

let a, b, cwA, cwB, grid;

before(async () => {
  a = await startServer();
  b = await startServer({ db: a.db });
  cwA = await loginAs(a.base, 'community_worker');
  cwB = await loginAs(b.base, 'community_worker');
  const community = (await cwA.get('/api/v1/auth/me')).body.data.user.org_id;
  grid = (await cwA.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
});
after(async () => { await b.stop(); await a.stop(); });

test('a session made through one server works through the other, and signing out there ends it', async () => {
  const c = await loginAs(a.base, 'grid_worker');
  const viaB = new Client(b.base);
  viaB.cookie = c.cookie;
  viaB.csrf = c.csrf;
  const me = await viaB.get('/api/v1/auth/me');
  assert.equal(me.status, 200, JSON.stringify(me.body));
  assert.equal(me.body.data.user.username, 'grid_worker');
  assert.equal((await viaB.post('/api/v1/auth/logout', {})).status, 200);
  // server A may remember the principal for up to 2 s (session.c)
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal((await c.get('/api/v1/auth/me')).status, 401);
});

test('concurrent PATCHes with the same If-Match through both servers: exactly one wins, nothing is lost', async () => {
  for (let round = 0; round < 5; round++) {
    const p = (await cwA.post('/api/v1/persons', { name: `两端${round}`, id_number: freshId({ from: '1947-01-01' }), org_id: grid })).body.data;
    const rs = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => (i % 2 ? cwA : cwB).patch(`/api/v1/persons/${p.id}`,
      { note: `writer ${i}` }, { headers: { 'If-Match': '"1"' } })));
    const statuses = rs.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 412, 412, 412, 412, 412], JSON.stringify(rs.map((r) => r.body)));
    const winner = rs.find((r) => r.status === 200).body.data.note;
    for (const c of [cwA, cwB]) {
      const cur = (await c.get(`/api/v1/persons/${p.id}`)).body.data;
      assert.equal(cur.version, 2);
      assert.equal(cur.note, winner);
    }
    const history = (await cwB.get(`/api/v1/persons/${p.id}/history`)).body.data;
    assert.equal(history.filter((h) => h.action === 'update').length, 1, 'one update in the log');
  }
});

test('a record created through one server is listed and found through the other at once', async () => {
  const before = (await cwB.get(`/api/v1/persons?org_id=${grid}&per_page=1`)).body.meta.total;
  const id = freshId({ from: '1948-02-02' });
  assert.equal((await cwA.post('/api/v1/persons', { name: '即见', id_number: id, org_id: grid })).status, 201);
  assert.equal((await cwB.get(`/api/v1/persons?org_id=${grid}&per_page=1`)).body.meta.total, before + 1);
  assert.equal((await cwB.get(`/api/v1/persons?q=${id}`)).body.data[0].name, '即见');
  // the same number through the other server is a duplicate naming the first
  const dup = await cwB.post('/api/v1/persons', { name: '重号', id_number: id, org_id: grid });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, 'duplicate');
});

test('an import through one server is seen through the other at once, past the list it had cached', async () => {
  const gridCode = (await cwB.get(`/api/v1/org_units/${grid}`)).body.data.code;
  const listPath = `/api/v1/persons?org_id=${grid}&per_page=5`;
  const before = (await cwB.get(listPath)).body.meta.total;
  assert.equal((await cwB.get(listPath)).body.meta.total, before);       // B now answers this from its cache
  const ids = Array.from({ length: 300 }, (_, i) => freshId({ female: i % 2 === 1, from: '1951-04-04' }));
  const csv = ['姓名,证件号码,所属社区/网格', ...ids.map((id, i) => `导入${i},${id},${gridCode}`)].join('\r\n') + '\r\n';
  const r = await cwA.post('/api/v1/persons/import', Buffer.from(csv, 'utf8'), { headers: { 'Content-Type': 'text/csv' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.imported, 300);
  assert.equal((await cwB.get(listPath)).body.meta.total, before + 300);
  for (const i of [0, 149, 299]) {
    const found = (await cwB.get(`/api/v1/persons?q=${ids[i]}`)).body.data;
    assert.equal(found.length, 1);
    assert.equal(found[0].name, `导入${i}`);
  }
  // a create through B after the import gets an id past the imported ones (the sequence moved)
  const made = await cwB.post('/api/v1/persons', { name: '导后', id_number: freshId({ from: '1952-05-05' }), org_id: grid });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.ok(made.body.data.id > Number(sql(a.db, "SELECT max(id) FROM persons WHERE name = '导入299'")));
  // and the same file through B finds every row a duplicate now
  const again = await cwB.post('/api/v1/persons/import?dry_run=1', Buffer.from(csv, 'utf8'), { headers: { 'Content-Type': 'text/csv' } });
  assert.equal(again.body.data.summary.error_count, 300, JSON.stringify(again.body).slice(0, 500));
});

test('an import through one server while the other creates residents: nothing lost, the chain holds', async () => {
  const gridCode = (await cwB.get(`/api/v1/org_units/${grid}`)).body.data.code;
  const before = (await cwA.get(`/api/v1/persons?org_id=${grid}&per_page=1`)).body.meta.total;
  const ids = Array.from({ length: 500 }, () => freshId({ from: '1953-06-06' }));
  const csv = ['姓名,证件号码,所属社区/网格', ...ids.map((id, i) => `并入${i},${id},${gridCode}`)].join('\r\n') + '\r\n';
  const creates = Array.from({ length: 20 }, (_, i) =>
    cwB.post('/api/v1/persons', { name: `并建${i}`, id_number: freshId({ female: true, from: '1953-06-06' }), org_id: grid }));
  const [imp, ...made] = await Promise.all([
    cwA.post('/api/v1/persons/import', Buffer.from(csv, 'utf8'), { headers: { 'Content-Type': 'text/csv' } }), ...creates]);
  assert.equal(imp.status, 200, JSON.stringify(imp.body).slice(0, 500));
  assert.equal(imp.body.data.imported, 500);
  assert.deepEqual([...new Set(made.map((m) => m.status))], [201]);
  assert.equal(new Set(made.map((m) => m.body.data.id)).size, 20);
  for (const c of [cwA, cwB]) assert.equal((await c.get(`/api/v1/persons?org_id=${grid}&per_page=1`)).body.meta.total, before + 520);
  const v = run(['audit', 'verify', '--db', a.db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

test('concurrent writes of different tables through both servers keep the audit hash chain valid', async () => {
  // writers of one table already take turns at its change counter; writers of different tables
  // (residents on one server, buildings on the other) meet only at the audit log's head
  const writes = [];
  for (let i = 0; i < 40; i++) {
    writes.push(i % 2
      ? cwA.post('/api/v1/persons', { name: `链${i}`, id_number: freshId({ from: '1949-03-03' }), org_id: grid })
      : cwB.post('/api/v1/buildings', { name: `链楼${i}`, org_id: grid }));
  }
  const rs = await Promise.all(writes);
  assert.deepEqual([...new Set(rs.map((r) => r.status))], [201], JSON.stringify(rs.find((r) => r.status !== 201)?.body));
  const v = run(['audit', 'verify', '--db', a.db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /intact/);
});

test('both servers shut down cleanly with no sanitizer report', async () => {
  for (const srv of [b, a]) {
    const { code, log } = await stopAndCollect(srv);
    assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
    assert.equal(code, 0, log.slice(-2000));
  }
});
