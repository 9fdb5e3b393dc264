// `shequ import` into an SQLite file that nothing else has open writes its rows once, with a
// rollback journal, and leaves the file in WAL mode (src/import_solo.c); with the file open in a
// server it runs in WAL mode as always. Either way all rows or none, also when the import is
// killed halfway. On PostgreSQL nothing of this applies: the same imports, no journal switch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, run, sql, copyDb, freshId, ENGINE, BIN } from './lib.mjs';

let srv, grid;
before(async () => {
  srv = await startServer({ scale: 200 });
  grid = sql(srv.db, "SELECT code FROM org_units WHERE level = 'grid' ORDER BY id LIMIT 1").trim();
});
after(async () => { await srv.stop(); });

const SOLO = /rows are written once, with a rollback journal/;
const SQLITE = ENGINE === 'sqlite';
const count = (db) => Number(sql(db, 'SELECT count(*) FROM persons WHERE deleted_at IS NULL'));
const fileOf = (db) => db.slice('sqlite:'.length);
let nfile = 0;

/* A CSV of n fresh residents (then one with a bad ID number if bad), or of the given lines. */
const HEADER = '姓名,证件号码,联系电话,所属社区/网格,人员标签';
let lastLines = [];
function csvFile(n, { bad = false, from = '1951-01-01', lines: given = null } = {}) {
  const lines = given ? [HEADER, ...given] : [HEADER];
  for (let i = 0; i < n; i++) lines.push(`独${i},${freshId({ from })},139${String(i).padStart(8, '0')},${grid},${i % 2 ? '低保' : ''}`);
  if (bad) lines.push(`坏,123,13900000000,${grid},`);
  const file = join(srv.dir, `solo-${nfile++}.csv`);
  writeFileSync(file, lines.join('\n') + '\n');
  lastLines = lines.slice(1);
  return file;
}

/* The file is whole, in WAL mode, without a journal left beside it, and its audit chain verifies. */
function assertSettled(db) {
  const v = run(['audit', 'verify', '--db', db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  if (!SQLITE) return;
  assert.equal(sql(db, 'PRAGMA journal_mode'), 'wal');
  assert.equal(sql(db, 'PRAGMA integrity_check'), 'ok');
  assert.ok(!existsSync(`${fileOf(db)}-journal`), 'no rollback journal left');
}

test('into a file nobody else has open, the rows are written once and the file is back in WAL mode', () => {
  const db = copyDb(srv, 'solo-ok.db');            // a copy no process holds open
  const before = count(db);
  const r = run(['import', 'persons', csvFile(300), '--db', db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).data.imported, 300);
  if (SQLITE) assert.match(r.stderr, SOLO);
  else assert.doesNotMatch(r.stderr, SOLO);
  assert.equal(count(db), before + 300);
  assertSettled(db);
  // the indexes answer for the new rows: a second import of a resident already there is refused
  const dup = run(['import', 'persons', csvFile(0, { lines: [lastLines[123]] }), '--db', db]);
  assert.notEqual(dup.code, 0);
  assert.match(dup.stdout, /duplicate/);
  assert.equal(count(db), before + 300);
  assertSettled(db);
});

test('a file with a bad row imports nothing and leaves the file as it was, in WAL mode', () => {
  const db = copyDb(srv, 'solo-bad.db');
  const before = count(db);
  const r = run(['import', 'persons', csvFile(200, { bad: true, from: '1952-01-01' }), '--db', db]);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /import_failed/);
  assert.equal(count(db), before);
  assertSettled(db);
});

test('with the file open in a running server, the import runs in WAL mode and the server sees its rows', async () => {
  const before = count(srv.db);
  const r = run(['import', 'persons', csvFile(50, { from: '1953-01-01' }), '--db', srv.db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stderr, SOLO);
  assert.equal(count(srv.db), before + 50);
  const h = await fetch(`${srv.base}/api/v1/health`);
  assert.equal(h.status, 200);
  if (SQLITE) assert.equal(sql(srv.db, 'PRAGMA journal_mode'), 'wal');
});

test('killed halfway, the import leaves nothing: the next open rolls its journal back', async () => {
  const db = copyDb(srv, 'solo-kill.db');
  const before = count(db);
  const proc = spawn(BIN, ['import', 'persons', csvFile(6000, { from: '1920-01-01' }), '--db', db], { stdio: 'ignore' });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  // SQLite: once the rollback journal exists, rows are being written; PostgreSQL: a moment in
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline && proc.exitCode === null) {
    if (SQLITE ? existsSync(`${fileOf(db)}-journal`) : Date.now() > deadline - 19700) break;
    await new Promise((res) => setTimeout(res, 2));
  }
  proc.kill('SIGKILL');
  const end = await exited;
  assert.equal(end.signal, 'SIGKILL', 'killed before it finished');
  if (SQLITE) assert.ok(existsSync(`${fileOf(db)}-journal`), 'a hot journal is left');
  assertSettled(db);                               // audit verify opens the file first
  assert.equal(count(db), before);
});
