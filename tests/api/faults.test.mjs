// Disk faults under a running server (SQLite): the disk turns full, or read-only, while `shequ
// serve` runs, then comes back. Writes answer 503 with Retry-After and a stable code (never 500),
// reads that need no write go on, a stopped write leaves nothing half-written (an import whole or
// absent), the log says it once, /api/v1/health answers 503 while it lasts, and the same server
// takes writes again by itself when the fault clears: every acknowledged write is there, SQLite's
// integrity check says ok and the audit chain verifies.
//
// The faults are real failed system calls inside the server: it runs with libfiu's POSIX preload
// (Debian package fiu-utils, scripts/deps.sh), and `fiu-ctrl` makes its pwrite(2), ftruncate(2)
// and fsync(2) calls fail with ENOSPC or EROFS - as a full file system or one the kernel turned
// read-only does - and stop failing, without privileges or mounts. The SQLite file's own error
// handling meets them exactly as it would the real thing. (A read-only remount of a file system a
// process holds open for writing is refused by the kernel, so no mount could do this.)
// PostgreSQL's faults (the database server stopped) are in faults_pg.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ENGINE, startServer, stopAndCollect, Client, freshId, run, sqlite } from './lib.mjs';
import { wait, until, assert503, faultLines, signIn } from './faults_lib.mjs';

const skip = ENGINE !== 'sqlite' && 'disk faults of the SQLite file: make test runs them';
const ENOSPC = 28, EROFS = 30;
const CALLS = ['posix/io/rw/pwrite', 'posix/io/rw/ftruncate', 'posix/io/sync/fsync', 'posix/io/sync/fdatasync'];

let srv, fiuDir, cw, admin, grid, gridCode;
const acked = new Map();                  // person id -> name the server confirmed with 2xx

/* LD_PRELOAD for libfiu; a sanitizer build's runtime must come first in the list. */
function fiuEnv(prefix) {
  const ldd = spawnSync('ldd', [BIN], { encoding: 'utf8' }).stdout || '';
  const asan = (ldd.match(/\s(\/\S*libasan\.so\S*)/) || [])[1];
  const libs = [asan, '/usr/lib/fiu/fiu_run_preload.so', '/usr/lib/fiu/fiu_posix_preload.so'].filter(Boolean);
  return { LD_PRELOAD: libs.join(' '), FIU_CTRL_FIFO: prefix, ASAN_OPTIONS: `${process.env.ASAN_OPTIONS || ''}:verify_asan_link_order=0` };
}

/* Makes the server's file writes (the calls named) fail with errno, or work again with 0. */
function disk(errno, calls = CALLS) {
  const args = ['-f', join(fiuDir, 'ctl')];
  for (const name of calls) args.push('-c', errno ? `enable name=${name},failinfo=${errno}` : `disable name=${name}`);
  const r = spawnSync('fiu-ctrl', [...args, String(srv.proc.pid)], { encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 0, `fiu-ctrl: ${r.stderr}`);
}

async function createPerson(name) {
  const r = await cw.post('/api/v1/persons', { name, id_number: freshId({ from: '1961-03-01' }), org_id: grid });
  if (r.status === 201) acked.set(r.body.data.id, name);
  return r;
}

const storage503 = (r, what) => assert503(r, what, 'storage_unavailable');

/* A CSV of n new residents marked by a name prefix. */
function importCsv(mark, n) {
  const lines = ['姓名,证件号码,所属社区/网格'];
  for (let i = 0; i < n; i++) lines.push(`${mark}${i},${freshId({ from: '1930-01-01', female: i % 2 === 1, address: '410102' })},${gridCode}`);
  return `${lines.join('\n')}\n`;
}
const countMarked = async (mark) => (await admin.get(`/api/v1/persons?q=${encodeURIComponent(mark)}&per_page=1`)).body.meta.total;

before(async () => {
  if (skip) return;
  fiuDir = mkdtempSync(join(tmpdir(), 'shequ-fiu-'));
  srv = await startServer({ scale: 600, env: fiuEnv(join(fiuDir, 'ctl')) });
  assert.equal((await fetch(`${srv.base}/api/v1/health`)).status, 200, srv.log().slice(-2000));
  ({ cw, admin, grid, gridCode } = await signIn(srv.base));
  for (let i = 0; i < 5; i++) assert.equal((await createPerson(`故障前${i}`)).status, 201);
});

after(async () => {
  if (skip) return;
  await srv.stop();
  rmSync(fiuDir, { recursive: true, force: true });
});

for (const [kind, errno, word, zh] of [['full', ENOSPC, 'disk full', '磁盘已满'], ['read-only', EROFS, 'read-only disk', '磁盘只读']]) {
  test(`a ${kind} disk under a running server: writes 503 with Retry-After, reads go on, one log line, recovery by itself`, { skip }, async () => {
    const logFrom = srv.log().length;
    const someone = [...acked.keys()][0];
    const before = await cw.get(`/api/v1/persons/${someone}`);
    disk(errno);
    try {
      // writes of every kind: create, change, delete, import, sign-in (a session row)
      const create = await createPerson(`${kind}时写入`);
      storage503(create, 'create');
      assert.match(create.body.error.message, new RegExp(zh), 'the message names the fault');
      storage503(await cw.patch(`/api/v1/persons/${someone}`, { note: '改不了' }, { headers: { 'If-Match': `"${before.body.data.version}"` } }), 'update');
      storage503(await cw.delWithReason(`/api/v1/persons/${someone}`), 'delete');
      const mark = `${kind}导入`;
      storage503(await admin.post('/api/v1/persons/import', importCsv(mark, 50), { headers: { 'Content-Type': 'text/csv' } }), 'import');
      storage503(await new Client(srv.base).login('street_admin'), 'sign-in');
      // an export is audited: without a place to write the audit entry it is not served
      storage503(await admin.get('/api/v1/persons.csv'), 'export');
      // reads: a valid session still passes its check, records and lists are served
      const read = await cw.get(`/api/v1/persons/${someone}`);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.equal(read.body.data.version, before.body.data.version);
      assert.equal((await cw.get('/api/v1/persons?per_page=5')).status, 200);
      assert.equal((await cw.get('/api/v1/auth/me')).status, 200);
      // a load balancer sees the server cannot save
      const health = await until('health to answer 503', async () => {
        const r = await fetch(`${srv.base}/api/v1/health`);
        return r.status === 503 ? r : null;
      });
      assert.equal((await health.json()).error.code, 'storage_unavailable');
      assert.match(health.headers.get('retry-after') || '', /^[1-9][0-9]*$/);
      assert.equal(await countMarked(mark), 0, 'nothing of the import');
      // one line in the log, naming the cause; not one a request
      const lines = faultLines(srv, logFrom);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0], /level=error/);
      assert.match(lines[0], new RegExp(word));
      console.log(`the log: ${lines[0]}`);
    } finally {
      disk(0);
    }
    // the fault clears: the same server takes writes again, without a restart
    await until('health to answer 200', async () => (await fetch(`${srv.base}/api/v1/health`)).status === 200);
    assert.match(srv.log().slice(logFrom), /storage available again/);
    const r = await createPerson(`${kind}后写入`);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const mark = `${kind}后导入`;
    const imp = await admin.post('/api/v1/persons/import', importCsv(mark, 50), { headers: { 'Content-Type': 'text/csv' } });
    assert.equal(imp.status, 200, JSON.stringify(imp.body));
    assert.equal(await countMarked(mark), 50);
    assert.equal((await new Client(srv.base).login('street_admin')).status, 200);
    assert.equal((await admin.get('/api/v1/persons.csv')).status, 200);
    assert.equal(faultLines(srv, logFrom).length, 1, 'no further fault lines after recovery');
  });
}

test('the disk fills in the middle of a large import while writes stream in: 503s, no row of the import, the stream goes on after', { skip }, async () => {
  const statuses = {};
  let stop = false;
  const writer = async (k) => {
    for (let n = 0; !stop; n++) {
      const r = await createPerson(`写入流${k}_${n}`);
      statuses[r.status] = (statuses[r.status] || 0) + 1;
      if (r.status !== 201) await wait(50);
    }
  };
  const writers = [0, 1].map(writer);
  const mark = '中途满盘';
  let answer = null;
  const imp = admin.post('/api/v1/persons/import', importCsv(mark, 30000), { headers: { 'Content-Type': 'text/csv' } })
    .then((r) => { answer = r; });
  await wait(400);
  assert.equal(answer, null, 'the import was still running when the disk filled');
  disk(ENOSPC);
  try {
    await imp;
    storage503(answer, 'import cut by the fault');
    assert.equal(await countMarked(mark), 0, 'no row of the import');
    await wait(300);
  } finally {
    disk(0);
  }
  await until('health to answer 200', async () => (await fetch(`${srv.base}/api/v1/health`)).status === 200);
  const at = statuses[201] || 0;
  await until('writes to go through again', () => (statuses[201] || 0) > at + 3);
  stop = true;
  await Promise.all(writers);
  assert.equal(await countMarked(mark), 0);
  assert.ok(statuses[503] > 0, JSON.stringify(statuses));
  assert.deepEqual(Object.keys(statuses).filter((s) => s !== '201' && s !== '503'), [], JSON.stringify(statuses));
});

test('an export whose temporary file cannot be written: 503 with Retry-After, no audit entry; the next export works', { skip }, async () => {
  const audited = async () => (await admin.get('/api/v1/audit_log?action=export&per_page=1')).body.meta.total;
  const was = await audited();
  disk(ENOSPC, ['posix/stdio/rw/fwrite']);      // the export's CSV rows go through stdio
  try {
    storage503(await admin.get('/api/v1/persons.csv'), 'export');
  } finally {
    disk(0, ['posix/stdio/rw/fwrite']);
  }
  assert.equal(await audited(), was, 'no export was handed out, none audited');
  const ok = await admin.get('/api/v1/persons.csv');
  assert.equal(ok.status, 200);
  assert.ok(ok.buf.length > 1000);
  assert.equal(await audited(), was + 1);
});

test('after the faults: every acknowledged write is there, the file is sound and the audit chain verifies', { skip }, async () => {
  const missing = [];
  for (const [id, name] of acked) {
    const r = await admin.get(`/api/v1/persons/${id}`);
    if (r.status !== 200 || r.body.data.name !== name) missing.push(`${id}: ${r.status} ${r.body?.data?.name}, acknowledged ${name}`);
  }
  assert.deepEqual(missing, []);
  assert.ok(acked.size >= 7, `${acked.size} acknowledged writes`);
  const file = srv.db.slice('sqlite:'.length);
  assert.equal(sqlite(file, 'PRAGMA integrity_check'), 'ok');
  assert.equal(sqlite(file, 'PRAGMA foreign_key_check'), '');
  const verify = run(['audit', 'verify', '--db', srv.db]);
  assert.equal(verify.code, 0, `${verify.stdout} ${verify.stderr}`);
  // and it stops cleanly
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /msg="database error"|runtime error:|AddressSanitizer|LeakSanitizer/);
  assert.equal(code, 0, log.slice(-2000));
});
