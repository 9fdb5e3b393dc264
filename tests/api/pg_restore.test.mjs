// Restoring a PostgreSQL backup (make test-pg only): `shequ backup` takes a pg_dump archive while
// the server runs, pg_restore puts it into a fresh database as docs/OPERATIONS.md says, and the
// restore holds every row of every table as the live database had it when the backup was taken
// (counts and a checksum of every column), its audit chain verifies, and a server on it serves
// the district and numbers new rows after the restored ones. Writes after the backup are not in it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ENGINE, run, sql, startServer, loginAs, freshId, newPgDatabase, dropPgDatabase, tableDigests } from './lib.mjs';

const skip = ENGINE !== 'postgresql' && 'needs make test-pg';
let srv, cw, grid, restored, atBackup, afterBackupId;

before(async () => {
  if (skip) return;
  srv = await startServer();
  cw = await loginAs(srv.base, 'community_worker');
  const community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
  const p = (await cw.post('/api/v1/persons', { name: '备份前', id_number: freshId({ from: '1958-11-11' }), phone: '13912345678', org_id: grid })).body.data;
  assert.equal((await cw.patchFresh(`/api/v1/persons/${p.id}`, { note: '备份前改过' })).status, 200);
  atBackup = tableDigests(srv.db, srv.db);
  const file = join(srv.dir, 'shequ.dump');
  const b = run(['backup', file, '--db', srv.db]);
  assert.equal(b.code, 0, b.stderr);
  // a write after the backup: the live database moves on, the archive does not
  afterBackupId = (await cw.post('/api/v1/persons', { name: '备份后', id_number: freshId({ from: '1958-11-11' }), org_id: grid })).body.data.id;
  restored = newPgDatabase();
  const r = spawnSync('pg_restore', ['--no-owner', '--exit-on-error', '-d', restored, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
after(async () => {
  if (skip) return;
  dropPgDatabase(restored);
  await srv.stop();
});

test('the restored database holds every table as it was at the backup', { skip }, () => {
  assert.deepEqual(tableDigests(restored, restored), atBackup);
  assert.equal(sql(restored, `SELECT count(*) FROM persons WHERE id = ${afterBackupId}`), '0');
  assert.notDeepEqual(tableDigests(srv.db, srv.db).persons, atBackup.persons, 'the live database moved on');
});

test('the restored audit chain verifies with every entry of the backup', { skip }, () => {
  const v = run(['audit', 'verify', '--db', restored]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, new RegExp(`intact: ${atBackup.audit_log.count} entries`));
});

test('a server on the restore serves the district, the same sessions included, and numbers new rows after the restored ones', { skip }, async () => {
  const s2 = await startServer({ db: restored });
  try {
    const me = await fetch(`${s2.base}/api/v1/auth/me`, { headers: { Cookie: cw.cookie } });
    assert.equal(me.status, 200, 'a session of the backup is a session of the restore');
    const c = await loginAs(s2.base, 'community_worker');
    const found = (await c.get('/api/v1/persons?q=13912345678')).body.data;
    assert.equal(found.length, 1);
    assert.equal(found[0].note, '备份前改过');
    const maxId = Number(sql(restored, 'SELECT max(id) FROM persons'));
    const made = await c.post('/api/v1/persons', { name: '恢复后', id_number: freshId({ from: '1959-12-12' }), org_id: grid });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.ok(made.body.data.id > maxId);
    assert.equal(run(['audit', 'verify', '--db', restored]).code, 0);
  } finally {
    await s2.stop();
  }
});
