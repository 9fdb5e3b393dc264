// shequ migrate-data: a district moved from its SQLite file to PostgreSQL. The source is a demo
// district that a server has worked on (creates, updates, a delete, an import, unmasked reads,
// a failed sign-in), so every table has rows of every kind. Afterwards every table holds the same
// rows - compared by count and by a checksum of every column, computed by each engine's own shell
// - the audit chain verifies on the target, a server on the target serves the same data with the
// same key, and new rows get ids past the moved ones. The usage errors run under make test too;
// the move itself needs the PostgreSQL of make test-pg.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, PASSWORD, run, sql, sqlite, startServer, loginAs, freshId, newPgDatabase, dropPgDatabase, tableDigests } from './lib.mjs';

const PG = ENGINE === 'postgresql';
let dir, src, target, moved;
const created = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shequ-migrate-'));
  if (!PG) return;
  src = `sqlite:${join(dir, 'district.db')}`;
  const demo = run(['demo', '--db', src, '--password', PASSWORD, '--scale', '1500']);
  assert.equal(demo.code, 0, demo.stderr);
  // a working day on the source, so that sessions, the audit log and every kind of write have rows
  const srv = await startServer({ db: src });
  const cw = await loginAs(srv.base, 'community_worker');
  assert.equal((await cw.login('community_worker', 'wrong-password-1')).status, 401);
  await cw.login('community_worker');
  const community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  const grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0];
  for (let i = 0; i < 3; i++) {
    const id = freshId({ from: '1955-08-08' });
    const r = await cw.post('/api/v1/persons', { name: `迁移${i}`, id_number: id, phone: `1390000000${i}`, org_id: grid.id, tags: ['dibao'] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    created.push({ id: r.body.data.id, id_number: id });
  }
  assert.equal((await cw.patchFresh(`/api/v1/persons/${created[0].id}`, { note: '搬家前\t一行\n两行 \\ 反斜杠' })).status, 200);
  assert.equal((await cw.delWithReason(`/api/v1/persons/${created[2].id}`, '迁出')).status, 200);
  assert.equal((await cw.get(`/api/v1/persons/${created[1].id}?unmask=1`)).status, 200);
  const csv = ['姓名,证件号码,所属社区/网格', ...[0, 1].map((i) => `导入迁移${i},${freshId({ from: '1956-09-09' })},${grid.code}`)].join('\r\n');
  assert.equal((await cw.post('/api/v1/persons/import', Buffer.from(csv), { headers: { 'Content-Type': 'text/csv' } })).status, 200);
  assert.equal((await cw.post('/api/v1/buildings', { name: '迁移楼', org_id: grid.id })).status, 201);
  await srv.stop();

  target = newPgDatabase();
  moved = run(['migrate-data', '--from', src, '--to', target]);
});
after(() => {
  if (target) dropPgDatabase(target);
  rmSync(dir, { recursive: true, force: true });
});

test('migrate-data --help, and usage errors with their codes', () => {
  const h = run(['migrate-data', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--from sqlite:PATH --to postgresql:\/\//);
  assert.match(h.stdout, /--replace/);
  assert.equal(run(['migrate-data']).code, 2);
  assert.equal(run(['migrate-data', '--from', 'sqlite:x.db']).code, 2);
  const badFrom = run(['migrate-data', '--from', 'postgresql://a@127.0.0.1/b', '--to', 'postgresql://a@127.0.0.1/c']);
  assert.equal(badFrom.code, 2);
  assert.match(badFrom.stderr, /usage: --from takes sqlite:PATH/);
  const badTo = run(['migrate-data', '--from', 'sqlite:x.db', '--to', 'sqlite:y.db']);
  assert.equal(badTo.code, 2);
  assert.match(badTo.stderr, /usage: --to takes a PostgreSQL URL/);
  const missing = run(['migrate-data', '--from', `sqlite:${join(dir, 'none.db')}`, '--to', 'postgresql://shequ:secret@127.0.0.1:1/x']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /source_missing/);
  assert.ok(!existsSync(join(dir, 'none.db')), 'a missing source is not created');
});

test('every table arrives with the same rows: counts and checksums of every column match', { skip: !PG && 'needs make test-pg' }, () => {
  assert.equal(moved.code, 0, moved.stdout + moved.stderr);
  assert.match(moved.stdout, /audit chain intact/);
  const want = tableDigests(src, target), got = tableDigests(target, target);
  assert.ok(want.persons.count > 1500 && want.audit_log.count > 5 && want.sessions.count > 0 && want.login_attempts.count > 0,
    JSON.stringify(want));
  assert.deepEqual(got, want);
});

test('the audit chain verifies on the target, and change counters moved past the source\'s', { skip: !PG && 'needs make test-pg' }, () => {
  const v = run(['audit', 'verify', '--db', target]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const n = sqlite(src.slice(7), 'SELECT count(*) FROM audit_log');
  assert.match(v.stdout, new RegExp(`${n} entries verified`));
  const from = Object.fromEntries(sqlite(src.slice(7), 'SELECT tbl, n FROM change_counters').split('\n').map((l) => l.split('|')));
  const to = Object.fromEntries(sql(target, 'SELECT tbl, n FROM change_counters').split('\n').map((l) => l.split('|')));
  assert.deepEqual(Object.keys(to).sort(), Object.keys(from).sort());
  for (const t of Object.keys(from)) assert.ok(Number(to[t]) > Number(from[t]), `${t}: ${to[t]} after ${from[t]}`);
});

test('a server on the target serves the district with the same key; new rows get ids past the moved ones', { skip: !PG && 'needs make test-pg' }, async () => {
  const srv = await startServer({ db: target });
  try {
    const cw = await loginAs(srv.base, 'community_worker');
    const p = await cw.get(`/api/v1/persons/${created[1].id}?unmask=1`);
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.data.id_number, created[1].id_number);
    assert.equal(p.body.data.phone, '13900000001');
    assert.equal((await cw.get(`/api/v1/persons/${created[0].id}`)).body.data.note, '搬家前\t一行\n两行 \\ 反斜杠');
    assert.equal((await cw.get(`/api/v1/persons/${created[2].id}`)).status, 404, 'a deleted resident stays deleted');
    const maxId = Number(sql(target, 'SELECT max(id) FROM persons'));
    const community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
    const grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
    const made = await cw.post('/api/v1/persons', { name: '迁后', id_number: freshId({ from: '1957-10-10' }), org_id: grid });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.ok(made.body.data.id > maxId, `${made.body.data.id} > ${maxId}`);
    const b = await cw.post('/api/v1/buildings', { name: '迁后楼', org_id: grid });
    assert.equal(b.status, 201, JSON.stringify(b.body));
    const v = run(['audit', 'verify', '--db', target]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  } finally {
    await srv.stop();
  }
});

test('a target that holds data is refused (exit 3) and left as it was; --replace moves the district again', { skip: !PG && 'needs make test-pg' }, () => {
  const before = sql(target, 'SELECT count(*) FROM persons');
  const again = run(['migrate-data', '--from', src, '--to', target]);
  assert.equal(again.code, 3, again.stdout + again.stderr);
  assert.match(again.stderr, /target_not_empty: .*persons \d+ rows/);
  assert.equal(sql(target, 'SELECT count(*) FROM persons'), before);
  const replaced = run(['migrate-data', '--from', src, '--to', target, '--replace']);
  assert.equal(replaced.code, 0, replaced.stdout + replaced.stderr);
  assert.deepEqual(tableDigests(target, target), tableDigests(src, target));
  assert.equal(run(['audit', 'verify', '--db', target]).code, 0);
});

test('a source that is not a shequ database is refused as schema_mismatch (exit 4)', { skip: !PG && 'needs make test-pg' }, () => {
  const other = join(dir, 'other.db');
  sqlite(other, 'CREATE TABLE t (a TEXT)');
  const db = newPgDatabase();
  try {
    const r = run(['migrate-data', '--from', `sqlite:${other}`, '--to', db]);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /schema_mismatch/);
  } finally {
    dropPgDatabase(db);
  }
});
