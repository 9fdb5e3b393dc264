// The command line: every command's --help, accounts from the shell, import and export files,
// migrate run twice, backups. Runs the real binary against a fresh demo database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, run, Client, freshId, sql, copyDb } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { if (srv) await srv.stop(); });

test('every command answers --help with its usage and exit code 0', () => {
  for (const cmd of [[], ['serve'], ['migrate'], ['demo'], ['user'], ['import'], ['export'], ['audit'], ['backup'], ['plan']]) {
    const r = run([...cmd, '--help']);
    assert.equal(r.code, 0, `${cmd.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /usage/i, cmd.join(' '));
  }
  const bad = run(['frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command/);
});

test('migrate is idempotent on a live database', () => {
  const a = run(['migrate', '--db', srv.db]);
  assert.equal(a.code, 0, a.stderr);
  const b = run(['migrate', '--db', srv.db]);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /migrated/);
});

test('user add creates an account that can sign in; bad roles and weak passwords are refused', async () => {
  const street = sql(srv.db, "SELECT code FROM org_units WHERE level='street' AND code LIKE '410105%' ORDER BY code LIMIT 1").trim();
  const ok = run(['user', 'add', '--db', srv.db, '--username', 'cli_worker', '--name', '赵六', '--org', street,
    '--roles', 'street_admin', '--password', 'CliPass2026']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const c = new Client(srv.base);
  assert.equal((await c.login('cli_worker', 'CliPass2026')).status, 200);
  const badRole = run(['user', 'add', '--db', srv.db, '--username', 'cli_x', '--name', 'X', '--org', street,
    '--roles', 'no_such_role', '--password', 'CliPass2026']);
  assert.notEqual(badRole.code, 0);
  assert.match(badRole.stdout, /roles/);
  const weak = run(['user', 'add', '--db', srv.db, '--username', 'cli_y', '--name', 'Y', '--org', street,
    '--roles', 'auditor', '--password', 'short']);
  assert.notEqual(weak.code, 0);
  assert.match(weak.stdout, /weak_password/);
  const list = run(['user', 'list', '--db', srv.db]);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /cli_worker/);
  assert.doesNotMatch(list.stdout, /cli_x|cli_y/);
});

test('user passwd changes the password and ends the old sessions', async () => {
  const c = new Client(srv.base);
  assert.equal((await c.login('auditor')).status, 200);
  const r = run(['user', 'passwd', 'auditor', '--db', srv.db, '--password', 'NewAudit2026']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await c.get('/api/v1/auth/me')).status, 401, 'the old session must end');
  assert.equal((await new Client(srv.base).login('auditor', 'NewAudit2026')).status, 200);
  assert.notEqual(run(['user', 'passwd', 'nobody_here', '--db', srv.db, '--password', 'Whatever2026']).code, 0);
});

test('export writes CSV and XLSX; import --dry-run checks a file and stores nothing', () => {
  const csv = join(srv.dir, 'persons.csv');
  const ex = run(['export', 'persons', csv, '--db', srv.db, '--filter', 'gender=2']);
  assert.equal(ex.code, 0, ex.stderr);
  const text = readFileSync(csv, 'utf8');
  assert.ok(text.startsWith('\uFEFF编号,姓名'), text.slice(0, 40));
  assert.doesNotMatch(text, /,男,/);
  const xlsx = join(srv.dir, 'persons.xlsx');
  assert.equal(run(['export', 'persons', xlsx, '--db', srv.db]).code, 0);
  assert.equal(readFileSync(xlsx).subarray(0, 4).toString('hex'), '504b0304');
  assert.equal(run(['export', 'persons', join(srv.dir, 'x.txt'), '--db', srv.db]).code, 2);

  const grid = sql(srv.db, "SELECT code FROM org_units WHERE level='grid' LIMIT 1").trim();
  const file = join(srv.dir, 'in.csv');
  writeFileSync(file, `姓名,证件号码,所属社区/网格\n钱七,${freshId()},${grid}\n孙八,123,${grid}\n`);
  const before = sql(srv.db, 'SELECT count(*) FROM persons').trim();
  const dry = run(['import', 'persons', file, '--db', srv.db, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  const out = JSON.parse(dry.stdout);
  assert.equal(out.data.summary.rows, 2);
  assert.equal(out.data.rows[0].row, 3);
  assert.equal(out.data.rows[0].code, 'id_number_length');
  const real = run(['import', 'persons', file, '--db', srv.db]);
  assert.notEqual(real.code, 0);
  assert.equal(sql(srv.db, 'SELECT count(*) FROM persons').trim(), before);
});

test('backup copies the live database while the server runs, and the copy verifies', () => {
  const file = join(srv.dir, 'backup.db');
  const r = run(['backup', file, '--db', srv.db]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(file));
  const copy = copyDb(srv, 'backup-restored.db');          // the same, restored where it takes a restore
  const v = run(['audit', 'verify', '--db', copy]);
  assert.equal(v.code, 0, v.stdout);
  assert.match(v.stdout, /intact/);
});
