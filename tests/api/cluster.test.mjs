// Two `shequ serve` processes behind haproxy, as make cluster-demo runs them (the same
// configuration, scripts/haproxy-config.sh): requests are spread over both with no stickiness,
// a session works whichever server answers, a race of PATCHes through the balancer has one
// winner, and stopping one server loses no request of a signed-in user. PostgreSQL under
// make test-pg; two processes on one SQLite file under make test. The finer cross-server cases
// (caches, imports, the audit chain under concurrent writers) are in two_servers.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { startServer, loginAs, freshId, run, ROOT } from './lib.mjs';

let a, b, haproxy, front;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

before(async () => {
  a = await startServer();
  b = await startServer({ db: a.db });
  const port = await freePort();
  front = `http://127.0.0.1:${port}`;
  const cfg = spawnSync('bash', [join(ROOT, 'scripts/haproxy-config.sh'), String(port), new URL(a.base).port, new URL(b.base).port],
    { encoding: 'utf8' });
  assert.equal(cfg.status, 0, cfg.stderr);
  const file = join(a.dir, 'haproxy.cfg');
  writeFileSync(file, cfg.stdout);
  haproxy = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  haproxy.on('error', () => {});           // missing binary: the first request below says so
  let log = '';
  haproxy.stderr.on('data', (d) => { log += d; });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${front}/api/v1/health`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  const up = await fetch(`${front}/api/v1/health`).catch((e) => ({ ok: false, e }));
  assert.ok(up.ok, `haproxy did not come up (Debian package haproxy; scripts/deps.sh): ${log}`);
});
after(async () => {
  if (haproxy && haproxy.exitCode === null) {
    const done = new Promise((r) => haproxy.on('exit', r));
    haproxy.kill('SIGTERM');
    await done;
  }
  await b.stop();
  await a.stop();
});

const servedBy = (r) => r.headers.get('x-served-by');

test('through haproxy: a session made on one server is good on both, and requests reach both', async () => {
  const c = await loginAs(front, 'community_worker');
  const seen = new Set();
  for (let i = 0; i < 8; i++) {
    const me = await c.get('/api/v1/auth/me');
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.data.user.username, 'community_worker');
    seen.add(servedBy(me));
  }
  assert.deepEqual([...seen].sort(), ['s1', 's2']);
});

test('through haproxy: concurrent PATCHes with the same If-Match have exactly one winner', async () => {
  const c = await loginAs(front, 'community_worker');
  const community = (await c.get('/api/v1/auth/me')).body.data.user.org_id;
  const grid = (await c.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
  const p = (await c.post('/api/v1/persons', { name: '均衡', id_number: freshId({ from: '1954-07-07' }), org_id: grid })).body.data;
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    c.patch(`/api/v1/persons/${p.id}`, { note: `via balancer ${i}` }, { headers: { 'If-Match': '"1"' } })));
  assert.deepEqual(rs.map((r) => r.status).sort(), [200, 412, 412, 412, 412, 412, 412, 412]);
  assert.deepEqual([...new Set(rs.map(servedBy))].sort(), ['s1', 's2']);
  const winner = rs.find((r) => r.status === 200).body.data.note;
  const cur = (await c.get(`/api/v1/persons/${p.id}`)).body.data;
  assert.equal(cur.version, 2);
  assert.equal(cur.note, winner);
  const v = run(['audit', 'verify', '--db', a.db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

test('through haproxy: one server stopped, a signed-in user goes on through the other', async () => {
  const c = await loginAs(front, 'grid_worker');
  await b.stop();
  for (let i = 0; i < 6; i++) {
    const me = await c.get('/api/v1/auth/me');
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(servedBy(me), 's1');
  }
});
