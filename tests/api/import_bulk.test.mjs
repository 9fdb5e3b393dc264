// Large imports: past 20,000 rows into a small table, an import sets the table's indexes and
// change-counter triggers aside and builds them again at the end (src/import_bulk.c). Every rule
// must hold exactly as for a small import: a duplicate in a late batch is still reported on its
// row and nothing is written, dry runs store nothing, and afterwards the schema, the change
// counters, the cached lists and the uniqueness checks are as if each row had been inserted alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, copyDb, sql, schemaOf, ENGINE, stopAndCollect } from './lib.mjs';

let srv, cw, grid, gridCode, snap = 0;

before(async () => {
  srv = await startServer();
  cw = await loginAs(srv.base, 'community_worker');
  const community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  const g = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0];
  grid = g.id;
  gridCode = g.code;
});
after(async () => { await srv.stop(); });

const ROWS = 22000;
const HEADER = ['姓名', '证件号码', '联系电话', '所属社区/网格', '人员标签'];
const TAGS = ['', '低保', '党员、退役军人'];        // rows with and without tags differ in columns
const csv = (rows) => rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
const upload = (path, text) => cw.post(path, Buffer.from(text, 'utf8'), { headers: { 'Content-Type': 'text/csv' } });
const total = async (q = '') => (await cw.get(`/api/v1/persons?per_page=1${q}`)).body.meta.total;

/* n valid rows of fresh residents in the community's first grid, born a day apart from `from`. */
function rows(n, from, female = false) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push([`批${i}`, freshId({ female, from }), `139${String(i).padStart(8, '0')}`, gridCode, TAGS[i % 3]]);
  }
  return out;
}

/* What a copy of the live database says (shequ backup, then the engine's own shell). */
function inspect() {
  const db = copyDb(srv, `inspect-${snap++}.db`);
  return {
    schema: schemaOf(db, ['persons', 'record_tags']),
    counters: Object.fromEntries(sql(db, "SELECT tbl, n FROM change_counters WHERE tbl IN ('persons', 'record_tags')")
      .split('\n').map((l) => l.split('|')).map(([t, n]) => [t, Number(n)])),
    persons: Number(sql(db, 'SELECT count(*) FROM persons')),
    audit: Number(sql(db, 'SELECT count(*) FROM audit_log')),
    tags: Number(sql(db, 'SELECT count(*) FROM record_tags')),
  };
}

test('a large file with duplicates in late batches is refused whole, each reported on its row as a small import would', async () => {
  // one resident already stored: a late row repeating them names their record
  const stored = freshId({ from: '1960-06-01' });
  const first = await upload('/api/v1/persons/import', csv([HEADER, ['已存', stored, '', gridCode, '']]));
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const storedId = (await cw.get(`/api/v1/persons?q=${stored}`)).body.data[0].id;

  const data = rows(ROWS, '1900-01-01');
  const late = ROWS - 500;                           // well past the switch to bulk mode
  data[late] = ['重复', data[10][1], '', gridCode, '低保'];
  data[late + 100] = ['已存重复', stored, '', gridCode, ''];
  data[late + 200] = ['重复坏号', data[20][1], '12345', gridCode, ''];   // a duplicate and another error
  const was = inspect();
  const r = await upload('/api/v1/persons/import', csv([HEADER, ...data]));
  assert.equal(r.status, 422, JSON.stringify(r.body).slice(0, 500));
  assert.equal(r.body.error.code, 'import_failed');
  assert.equal(r.body.error.summary.rows, ROWS);
  assert.equal(r.body.error.summary.valid_rows, ROWS - 3);
  const errs = r.body.error.rows.map((e) => [e.row, e.field, e.code]);
  // row numbers count the header as row 1; validation order: the number, then the phone
  assert.deepEqual(errs, [
    [late + 2, 'id_number', 'duplicate'],
    [late + 102, 'id_number', 'duplicate'],
    [late + 202, 'id_number', 'duplicate'],
    [late + 202, 'phone', 'phone_format'],
  ]);
  assert.match(r.body.error.rows[1].message, new RegExp(`记录 ${storedId}）`), 'the stored resident is named');
  const now = inspect();
  assert.deepEqual(now, was, 'nothing written: rows, tags, audit, counters, indexes and triggers as before');
});

test('a large dry run reports every row valid and stores nothing', async () => {
  const was = inspect();
  const r = await upload('/api/v1/persons/import?dry_run=1', csv([HEADER, ...rows(ROWS, '1900-01-01', true)]));
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 500));
  assert.equal(r.body.data.summary.dry_run, true);
  assert.equal(r.body.data.summary.valid_rows, ROWS);
  assert.deepEqual(r.body.data.rows, []);
  assert.deepEqual(inspect(), was);
});

test('a large valid file imports every row; lists, counts, search and uniqueness are fresh afterwards', async () => {
  const listBefore = await total(`&org_id=${grid}`);       // cached under the persons counter now
  const taggedBefore = await total(`&org_id=${grid}&tags=veteran`);
  const allBefore = await total();
  const was = inspect();
  const data = rows(ROWS, '1961-01-01');
  const r = await upload('/api/v1/persons/import', csv([HEADER, ...data]));
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 500));
  assert.equal(r.body.data.imported, ROWS);
  assert.equal(await total(`&org_id=${grid}`), listBefore + ROWS, 'the cached list total moved');
  assert.equal(await total(), allBefore + ROWS);

  const now = inspect();
  assert.equal(now.schema, was.schema, 'every index and trigger is back, as declared');
  assert.equal(now.persons, was.persons + ROWS);
  assert.equal(now.audit, was.audit + 1, 'one summary entry for the whole import');
  const tagRows = data.reduce((n, d) => n + (d[4] ? d[4].split('、').length : 0), 0);
  assert.equal(now.tags, was.tags + tagRows);
  if (ENGINE === 'sqlite') {
    assert.equal(now.counters.persons, was.counters.persons + ROWS, 'the counter moved as the triggers would have');
    assert.equal(now.counters.record_tags, was.counters.record_tags + tagRows);
  } else {
    // PostgreSQL moves a counter once per transaction that changed the table (migration pg/0002)
    assert.ok(now.counters.persons > was.counters.persons, 'the persons counter moved');
    assert.ok(now.counters.record_tags > was.counters.record_tags, 'the record_tags counter moved');
  }

  // rows from the end of the file: found through the rebuilt hash indexes, in file order
  const k = ROWS - 2;                                 // tagged 党员、退役军人
  const late = (await cw.get(`/api/v1/persons?q=${data[k][1]}`)).body.data;
  assert.equal(late.length, 1);
  assert.equal(late[0].name, `批${k}`);
  assert.deepEqual(late[0].tags.sort(), ['party_member', 'veteran']);
  const firstRow = (await cw.get(`/api/v1/persons?q=${data[0][1]}`)).body.data[0];
  assert.equal(late[0].id - firstRow.id, k, 'ids follow the file');
  assert.equal((await cw.get(`/api/v1/persons?q=${data[ROWS - 1][2]}`)).body.data[0].name, `批${ROWS - 1}`, 'phone search');
  const veterans = data.filter((d) => d[4].includes('退役军人')).length;
  assert.equal(await total(`&org_id=${grid}&tags=veteran`), taggedBefore + veterans, 'tag filters see the imported tags');

  // the unique index is back: the API refuses a late row's number
  const dup = await cw.post('/api/v1/persons', { name: '再来', id_number: data[ROWS - 3][1], org_id: grid });
  assert.equal(dup.status, 409, JSON.stringify(dup.body));
  const again = await upload('/api/v1/persons/import', csv([HEADER, data[5]]));
  assert.equal(again.status, 422);
  assert.equal(again.body.error.rows[0].code, 'duplicate');
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
