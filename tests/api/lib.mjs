// Test harness: a real `shequ serve` on 127.0.0.1 with a fresh demo database per test file,
// and a small client that keeps the session cookie and sends the CSRF header.
//
// The engine: an SQLite file in a temporary directory, or, when SHEQU_TEST_PG holds the URL of a
// PostgreSQL database to connect to for administration (make test-pg sets it), a new database
// created for each server and dropped afterwards. Tests that reach into the database itself use
// sql(), copyDb() and schemaOf() below, which speak to either engine.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

export const BIN = process.env.SHEQU_BIN || new URL('../../build/release/shequ', import.meta.url).pathname;
export const ROOT = new URL('../..', import.meta.url).pathname;
export const PASSWORD = 'Test2026pass';
const PG_ADMIN = process.env.SHEQU_TEST_PG || '';
export const ENGINE = PG_ADMIN ? 'postgresql' : 'sqlite';
// Every request of the tests comes from 127.0.0.1: the servers they start (here, and any a test
// spawns itself) get request rate limits no test reaches. hardening.test.mjs checks the limits on
// servers it starts with low ones, through startServer's `env`.
export const RAISED_LIMITS = ['RATE_LIMIT_RPS', 'RATE_LIMIT_BURST', 'AUTH_RATE_PER_MIN', 'AUTH_RATE_BURST'].map((k) => `SHEQU_${k}`);
for (const k of RAISED_LIMITS) process.env[k] ??= '1000000';
// A PostgreSQL database has no file to keep its key beside: every command of a run gets this one.
if (PG_ADMIN && !process.env.SHEQU_SECRET_KEY) process.env.SHEQU_SECRET_KEY = randomBytes(32).toString('hex');

function psql(url, sqlText) {
  const r = spawnSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sqlText], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}

/* The URL of database `name` on the test PostgreSQL. */
function pgUrl(name) {
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
}

let pgSeq = 0;
function pgCreate() {
  const name = `shequ_t${process.pid}_${++pgSeq}_${randomBytes(3).toString('hex')}`;
  psql(PG_ADMIN, `CREATE DATABASE ${name}`);
  return pgUrl(name);
}
function pgDrop(url) {
  const name = new URL(url).pathname.slice(1);
  psql(PG_ADMIN, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
/* An empty database on the test PostgreSQL (make test-pg only) and its removal, for tests that
 * fill one themselves (migrate-data). */
export const newPgDatabase = () => pgCreate();
export const dropPgDatabase = (url) => pgDrop(url);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

export function run(args, opts = {}) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', ...opts });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/* Starts a server on a new demo database of `scale` residents, or, given `db` (another server's
 * srv.db), a second server on that same database, which it leaves to its first server. */
export async function startServer({ scale = 2000, extraArgs = [], db: shared = null, env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'shequ-test-'));
  const db = shared || (PG_ADMIN ? pgCreate() : `sqlite:${join(dir, 'test.db')}`);
  const databases = PG_ADMIN && !shared ? [db] : [];
  if (!shared) {
    const demo = run(['demo', '--db', db, '--password', PASSWORD, '--scale', String(scale)]);
    if (demo.code !== 0) throw new Error(`demo failed: ${demo.stderr}`);
  }
  const port = await freePort();
  const proc = spawn(BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--web', join(ROOT, 'build', 'web'), ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SHEQU_QUIET_ACCESS: '1', ...env } });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try { const r = await fetch(`${base}/api/v1/health`); if (r.ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base, db, dir, proc, databases,
    log: () => log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const done = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
      for (const d of databases) pgDrop(d);
    },
  };
}

export class Client {
  constructor(base) { this.base = base; this.cookie = null; this.csrf = null; this.bearer = null; }
  async request(method, path, { body, headers = {}, raw = false } = {}) {
    const h = { ...headers };
    if (this.cookie) h.Cookie = this.cookie;
    if (this.bearer) h.Authorization = `Bearer ${this.bearer}`;
    if (this.csrf && method !== 'GET' && !('X-CSRF-Token' in h)) h['X-CSRF-Token'] = this.csrf;
    let payload = body;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array) && !Buffer.isBuffer(body)) {
      payload = JSON.stringify(body);
      h['Content-Type'] = 'application/json';
    }
    const r = await fetch(this.base + path, { method, headers: h, body: payload });
    const setCookie = r.headers.get('set-cookie');
    if (setCookie && setCookie.startsWith('shequ_session=')) {
      const v = setCookie.split(';')[0];
      this.cookie = v === 'shequ_session=' ? null : v;
    }
    const buf = Buffer.from(await r.arrayBuffer());
    let json = null;
    if (!raw && method !== 'HEAD' && buf.length && (r.headers.get('content-type') || '').includes('json')) json = JSON.parse(buf.toString('utf8'));
    return { status: r.status, headers: r.headers, body: json, buf };
  }
  get(p, o) { return this.request('GET', p, o); }
  post(p, body, o = {}) { return this.request('POST', p, { ...o, body }); }
  patch(p, body, o = {}) { return this.request('PATCH', p, { ...o, body }); }
  del(p, o = {}) { return this.request('DELETE', p, o); }
  /* PATCH with If-Match taken from a fresh GET of the record (for tests not about versions). */
  async patchFresh(p, body, o = {}) {
    const cur = await this.get(p);
    if (cur.status !== 200) return cur;
    return this.patch(p, body, { ...o, headers: { 'If-Match': `"${cur.body.data.version}"`, ...(o.headers || {}) } });
  }
  delWithReason(p, reason = 'test cleanup') { return this.del(`${p}${p.includes('?') ? '&' : '?'}reason=${encodeURIComponent(reason)}`); }
  async login(username, password = PASSWORD) {
    const r = await this.post('/api/v1/auth/login', { username, password });
    if (r.status === 200) this.csrf = r.body.data.csrf_token;
    return r;
  }
}

export async function loginAs(base, username, password = PASSWORD) {
  const c = new Client(base);
  const r = await c.login(username, password);
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return c;
}

/* A valid GB 11643 number for a birth date and sequence (odd = male). */
export function idNumber(address = '410105', birth = '19800101', seq = 1) {
  const first17 = `${address}${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/* A valid ID number no demo resident holds: the demo uses sequence numbers 001-998 only, so
 * 999 (male) and 000 (female) are free. The first call with a given `from` is born on that
 * day, each later one a day after the previous. */
const freshDays = new Map();
export function freshId({ female = false, address = '410105', from = '1950-01-01' } = {}) {
  const key = `${from}/${female}/${address}`;
  const n = freshDays.get(key) || 0;
  freshDays.set(key, n + 1);
  const d = new Date(Date.parse(`${from}T00:00:00Z`) + n * 86400000);
  const birth = d.toISOString().slice(0, 10).replaceAll('-', '');
  return idNumber(address, birth, female ? 0 : 999);
}

/* The 15-digit form of an 18-digit number born in the 1900s. */
export function to15(id18) { return id18.slice(0, 6) + id18.slice(8, 17); }

/* Masked forms as the server shows them. */
export const maskId = (id) => `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
export const maskPhone = (p) => `${p.slice(0, 3)}****${p.slice(-4)}`;

/* RFC 4180 CSV (quotes, doubled quotes, CRLF); a leading BOM is kept in the first cell. */
export function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/* Copies a live database with `shequ backup` (safe while the server runs). */
export function backupDb(srv, name) {
  const dest = join(srv.dir, name);
  const r = run(['backup', dest, '--db', srv.db]);
  if (r.code !== 0) throw new Error(`backup failed: ${r.stdout} ${r.stderr}`);
  return dest;
}

/* Runs the sqlite3 command-line shell on a database file. SQLite only: a test that must also pass
 * under make test-pg reaches the database through sql(srv.db, ...) below. */
export function sqlite(file, sql) {
  const r = spawnSync('sqlite3', [file, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout.trim();
}

/* Runs SQL on a database given by its --db URL, through the engine's own shell (sqlite3 or
 * psql); the rows come back one a line, columns separated by '|'. */
export function sql(db, text) {
  return db.startsWith('sqlite:') ? sqlite(db.slice(7), text) : psql(db, text);
}

/* A copy of the server's live database to tamper with or inspect, as a --db URL: `shequ backup`
 * while the server runs, then for PostgreSQL its archive restored into a new database. */
export function copyDb(srv, name) {
  const file = backupDb(srv, name);
  if (!PG_ADMIN) return `sqlite:${file}`;
  const url = pgCreate();
  srv.databases.push(url);
  const r = spawnSync('pg_restore', ['--no-owner', '--exit-on-error', '-d', url, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pg_restore failed: ${r.stderr}`);
  return url;
}

/* Every table's rows, each as its columns in text (bytes as upper-case hex, NULL as \N; SQLite's
 * hex(NULL) is '') joined by U+001F, sorted as bytes: the same text from either engine when the
 * rows are the same. The tables and their columns are read from schemaDb, a PostgreSQL database
 * (information_schema). change_counters is left out: migrate-data moves it on purpose. */
export function tableDigests(db, schemaDb) {
  const tables = sql(schemaDb, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
    AND table_type = 'BASE TABLE' AND table_name NOT IN ('schema_migrations', 'change_counters') ORDER BY 1`).split('\n');
  const out = {};
  for (const t of tables) {
    const cols = sql(schemaDb, `SELECT column_name || ' ' || data_type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = '${t}' ORDER BY column_name`).split('\n').map((l) => l.split(' '));
    const onSqlite = db.startsWith('sqlite:');
    const expr = cols.map(([c, type]) => (type === 'bytea'
      ? (onSqlite ? `CASE WHEN "${c}" IS NULL THEN '\\N' ELSE hex("${c}") END` : `COALESCE(upper(encode("${c}", 'hex')), '\\N')`)
      : `COALESCE(CAST("${c}" AS TEXT), '\\N')`)).join(onSqlite ? ' || char(31) || ' : ' || chr(31) || ');
    const rows = onSqlite ? sqlite(db.slice(7), `SELECT ${expr} AS r FROM "${t}" ORDER BY r`)
      : sql(db, `SELECT r FROM (SELECT ${expr} AS r FROM "${t}") q ORDER BY r COLLATE "C"`);
    const count = Number(onSqlite ? sqlite(db.slice(7), `SELECT count(*) FROM "${t}"`) : sql(db, `SELECT count(*) FROM "${t}"`));
    out[t] = { count, sha256: createHash('sha256').update(rows).digest('hex') };
  }
  return out;
}

/* The indexes and triggers of some tables with the statements that make them, one a line. */
export function schemaOf(db, tables) {
  const list = tables.map((t) => `'${t}'`).join(', ');
  if (db.startsWith('sqlite:'))
    return sql(db, `SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE tbl_name IN (${list}) ORDER BY name`);
  return sql(db, `SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE tablename IN (${list})
    UNION ALL SELECT 'trigger ' || tgname || ': ' || pg_get_triggerdef(oid) FROM pg_trigger
    WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relname IN (${list})) AND NOT tgisinternal ORDER BY 1`);
}

/* Stops the server and answers its exit code and log: a test can then assert the shutdown was
 * clean (exit 0, no sanitizer report). Safe to call before srv.stop(). */
export async function stopAndCollect(srv) {
  if (srv.proc.exitCode === null && srv.proc.signalCode === null) {
    const done = new Promise((r) => srv.proc.on('exit', r));
    srv.proc.kill('SIGTERM');
    await done;
  }
  return { code: srv.proc.exitCode, signal: srv.proc.signalCode, log: srv.log() };
}
