// Large exports stream their rows: 120,000 residents more than the demo's go out as one CSV whose
// rows are exactly the database's (every id once, each with its name), while the server's memory
// grows by far less than the rows would take held at once. On PostgreSQL this is the
// cursor of db_stream (db_pg.c); libpq would otherwise hold the whole result (about 0.9 kB a
// resident) before the first row is written. SQLite steps through its B-tree anyway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, loginAs, parseCsv, sql } from './lib.mjs';

const EXTRA = 120000;
let srv, admin;

// Resident anonymous memory of the server process, in kB: what it allocated, without the pages of
// files it maps (SQLite maps its database, and reading a table maps more of it).
const anonKb = () => Number(readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8').match(/RssAnon:\s+(\d+)/)[1]);

before(async () => {
  // under AddressSanitizer freed memory is held back for a while (quarantine), which would count
  // every row's short-lived allocations; without it what is resident is what is live
  const asan = [process.env.ASAN_OPTIONS, 'quarantine_size_mb=0'].filter(Boolean).join(':');
  srv = await startServer({ env: { ASAN_OPTIONS: asan } });
  admin = await loginAs(srv.base, 'district_admin');
  // copies of one resident under new names, written straight into the table (both engines)
  sql(srv.db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${EXTRA})
    INSERT INTO persons (name, id_type, gender, birth_date, address, status, org_id, org_path, district_code,
                         version, created_at, updated_at)
    SELECT 'STREAM-' || n.i, p.id_type, p.gender, p.birth_date, p.address, p.status, p.org_id, p.org_path,
           p.district_code, 1, p.created_at, p.updated_at
      FROM n, (SELECT * FROM persons WHERE deleted_at IS NULL ORDER BY id LIMIT 1) p`);
});
after(async () => { await srv.stop(); });

test(`a CSV export of ${EXTRA} residents more streams: every row exactly once, memory bounded`, async () => {
  const want = new Map();
  for (let page = 0; ; page++) {        // in pages: the shell's output is read into a bounded buffer
    const out = sql(srv.db, `SELECT id, name FROM persons WHERE deleted_at IS NULL ORDER BY id LIMIT 30000 OFFSET ${page * 30000}`);
    if (!out) break;
    for (const line of out.split('\n')) { const k = line.indexOf('|'); want.set(line.slice(0, k), line.slice(k + 1)); }
  }
  assert.ok(want.size > EXTRA, `${want.size} residents in the database`);
  await admin.get('/api/v1/persons.csv?org_id=1&per_page=1', { raw: true });    // caches warm, first statements prepared
  const before = anonKb();
  let peak = before, done = false;
  const req = admin.get('/api/v1/persons.csv', { raw: true }).finally(() => { done = true; });
  while (!done) {                       // sampled while the export runs (several seconds)
    peak = Math.max(peak, anonKb());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const r = await req;
  const grownMb = (peak - before) / 1024;
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-total-count'), String(want.size));
  const rows = parseCsv(r.buf.toString('utf8').slice(1)).filter((x) => x.length > 1);
  const header = rows[0];
  const idCol = header.indexOf('编号'), nameCol = header.indexOf('姓名');
  assert.equal(rows.length - 1, want.size);
  const seen = new Set();
  let streamed = 0;
  for (const row of rows.slice(1)) {
    const id = row[idCol];
    assert.ok(!seen.has(id), `id ${id} exported once`);
    seen.add(id);
    assert.equal(row[nameCol], want.get(id), `id ${id}: the name stored`);
    if (row[nameCol].startsWith('STREAM-')) streamed++;
  }
  assert.equal(streamed, EXTRA);
  // held at once, the rows would take about 100 MB (more under the sanitizer)
  assert.ok(grownMb < 40, `memory grew by ${grownMb.toFixed(1)} MB during the export`);
});
