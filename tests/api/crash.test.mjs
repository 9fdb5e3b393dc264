// Crash safety: `shequ serve` killed with SIGKILL in the middle of a stream of writes and of a large
// import, then started again on the same database. Every write answered 2xx is there, the import
// is there whole or not at all, SQLite's integrity check says ok and the audit chain verifies.
// (A killed process loses nothing SQLite has committed in WAL mode with synchronous=NORMAL: the
// log is in the operating system's cache; only a power cut could lose the last commits.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, idNumber, run, sqlite, sql } from './lib.mjs';
import { serveExisting } from './serve_existing.mjs';

const IMPORT_ROWS = 100000;     // seconds of work under the sanitizers, and past bulk mode's 20,000
const MARK = '崩溃导入';

let srv, again;
before(async () => { srv = await startServer(); });
after(async () => {
  if (again && again.proc.exitCode === null) { const done = new Promise((r) => again.proc.on('exit', r)); again.proc.kill('SIGTERM'); await done; }
  await srv.stop();
});

/* A CSV of IMPORT_ROWS new residents: ID numbers with sequence 999 or 000, which the demo never
 * uses, in four of Zhengzhou's districts, born from 1940 on. */
function importFile(grid) {
  const lines = ['姓名,证件号码,所属社区/网格'];
  const day0 = Date.parse('1940-01-01T00:00:00Z'), areas = ['410102', '410103', '410104', '410105'];
  for (let i = 0; i < IMPORT_ROWS; i++) {
    const birth = new Date(day0 + Math.floor(i / 8) * 86400000).toISOString().slice(0, 10).replaceAll('-', '');
    lines.push(`${MARK}${i},${idNumber(areas[i % 4], birth, (i >> 2) % 2 ? 999 : 0)},${grid}`);
  }
  return `${lines.join('\n')}\n`;
}

test('SIGKILL during writes and an import: acknowledged writes survive, the import is all or nothing, the files are sound', async () => {
  const admin = await loginAs(srv.base, 'district_admin');
  const cw = await loginAs(srv.base, 'community_worker');
  const community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  const grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
  const csv = importFile(grid);

  // writers: create residents and rename some of them, remembering what was acknowledged
  const acked = new Map();        // id -> name the server confirmed
  const inFlight = new Set();     // ids with a rename sent and not answered: either name may be stored
  let stop = false, failures = 0, seq = 0;
  const writer = async (k) => {
    while (!stop) {
      const n = seq++;
      // ID numbers born in 2001-2004, sequence 999/000: apart from the import's and the demo's
      const birth = new Date(Date.parse('2001-01-01T00:00:00Z') + (n >> 1) * 86400000).toISOString().slice(0, 10).replaceAll('-', '');
      const name = `写入${k}_${n}`;
      try {
        const r = await cw.post('/api/v1/persons', { name, id_number: idNumber('410105', birth, n % 2 ? 999 : 0), org_id: grid });
        if (r.status === 201) acked.set(r.body.data.id, name);
        if (r.status === 201 && n % 3 === 0) {
          const id = r.body.data.id;
          inFlight.add(id);
          const p = await cw.patch(`/api/v1/persons/${id}`, { name: `${name}改` }, { headers: { 'If-Match': '"1"' } });
          if (p.status === 200) acked.set(id, `${name}改`);
          inFlight.delete(id);
        }
      } catch { failures++; await new Promise((r) => setTimeout(r, 20)); }
    }
  };
  const writers = [0, 1, 2].map(writer);
  while (acked.size < 100) await new Promise((r) => setTimeout(r, 20));

  // the import, then the kill while it and the writers are under way
  let importAnswer = null;
  const imp = admin.post('/api/v1/persons/import', csv, { headers: { 'Content-Type': 'text/csv' } })
    .then((r) => { importAnswer = r; }, () => { importAnswer = 'connection lost'; });
  await new Promise((r) => setTimeout(r, 1000));
  const killedDuringImport = importAnswer === null;
  const died = new Promise((r) => srv.proc.on('exit', r));
  srv.proc.kill('SIGKILL');
  await died;
  const ackedAtKill = acked.size;
  await imp;
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await Promise.all(writers);
  assert.equal(srv.proc.signalCode, 'SIGKILL');
  assert.ok(failures > 0, 'the writers were still writing when the server died');
  console.log(`crash: ${ackedAtKill} writes acknowledged, import ${killedDuringImport ? 'under way' : `answered ${importAnswer.status}`} at the kill`);

  // the database as the kill left it: on SQLite the log is recovered and the indexes match the
  // tables; on PostgreSQL (a separate server the kill did not touch) no half-written import left
  // two live residents with one ID number or a member pointing nowhere
  if (srv.db.startsWith('sqlite:')) {
    const file = srv.db.slice('sqlite:'.length);
    assert.equal(sqlite(file, 'PRAGMA integrity_check'), 'ok');
    assert.equal(sqlite(file, 'PRAGMA foreign_key_check'), '');
  } else {
    assert.equal(sql(srv.db, 'SELECT count(*) FROM (SELECT id_number_hash FROM persons WHERE deleted_at IS NULL GROUP BY 1 HAVING count(*) > 1) d'), '0');
    assert.equal(sql(srv.db, 'SELECT count(*) FROM household_members m LEFT JOIN persons p ON p.id = m.person_id WHERE p.id IS NULL'), '0');
  }
  const verify = run(['audit', 'verify', '--db', srv.db]);
  assert.equal(verify.code, 0, `${verify.stdout} ${verify.stderr}`);

  // and served again: every acknowledged write is there as acknowledged
  again = await serveExisting(srv);
  const a2 = await loginAs(again.base, 'district_admin');
  const missing = [];
  for (const [id, name] of acked) {
    const r = await a2.get(`/api/v1/persons/${id}`);
    if (r.status !== 200) { missing.push(`${id}: ${r.status}`); continue; }
    const same = r.body.data.name === name || (inFlight.has(id) && r.body.data.name === `${name}改`);
    if (!same) missing.push(`${id}: ${r.body.data.name}, acknowledged ${name}`);
  }
  assert.deepEqual(missing, []);

  // the import: every row or none (name prefix search), and every row if it was answered 2xx
  const imported = (await a2.get(`/api/v1/persons?q=${encodeURIComponent(MARK)}&per_page=1`)).body.meta.total;
  assert.ok(imported === 0 || imported === IMPORT_ROWS, `${imported} of ${IMPORT_ROWS} imported rows`);
  if (importAnswer && importAnswer.status >= 200 && importAnswer.status < 300) assert.equal(imported, IMPORT_ROWS);
  // the restarted server writes and audits on top of what survived
  const after = await a2.post('/api/v1/persons', { name: '重启后', id_number: idNumber('410105', '20050101', 999), org_id: grid });
  assert.equal(after.status, 201, JSON.stringify(after.body));
  assert.equal(run(['audit', 'verify', '--db', srv.db]).code, 0);
  // and stops cleanly, with no sanitizer report from the recovered database
  const done = new Promise((r) => again.proc.on('exit', r));
  again.proc.kill('SIGTERM');
  await done;
  assert.doesNotMatch(again.log(), /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(again.proc.exitCode, 0, again.log().slice(-2000));
});
