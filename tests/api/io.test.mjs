// Import and export: CSV and XLSX files with Chinese column labels. Imports check every row as
// the API does and store all rows or none (dry_run=1 only reports); exports follow the list's
// filters and scope, mask ID numbers and phones, write dictionary labels, and are audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, to15, maskId, parseCsv, stopAndCollect } from './lib.mjs';

let srv, cw, cw2, auditor;
let community, grid, gridCode, grid2Code;

before(async () => {
  srv = await startServer();
  cw = await loginAs(srv.base, 'community_worker');
  cw2 = await loginAs(srv.base, 'community_worker2');
  auditor = await loginAs(srv.base, 'auditor');
  community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  const g = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0];
  grid = g.id;
  gridCode = g.code;
  const c2 = (await cw2.get('/api/v1/auth/me')).body.data.user.org_id;
  grid2Code = (await cw2.get(`/api/v1/org_units?parent_id=${c2}&level=grid`)).body.data[0].code;
});
after(async () => { await srv.stop(); });

const csvFile = (rows) => rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
const upload = (client, path, body, type = 'text/csv') => client.post(path, typeof body === 'string' ? Buffer.from(body, 'utf8') : body, { headers: { 'Content-Type': type } });
const count = async () => (await cw.get('/api/v1/persons?per_page=1')).body.meta.total;
const findById = async (id) => (await cw.get(`/api/v1/persons?q=${id}`)).body.data;

const HEADER = ['姓名', '证件号码', '联系电话', '所属社区/网格', '人员标签'];

test('import dry_run with one bad row: 200 listing its row, field and code, and nothing is stored', async () => {
  const ids = [freshId(), freshId({ female: true }), freshId()];
  const file = csvFile([HEADER,
    ['赵一', ids[0], '13800001111', gridCode, '低保、残疾'],
    ['钱二', ids[1].slice(0, 17) + (ids[1][17] === '1' ? '2' : '1'), '13800002222', gridCode, ''],
    ['孙三', ids[2], '', String(grid), '党员']]);
  const before = await count();
  const r = await upload(cw, '/api/v1/persons/import?dry_run=1', file);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.summary.dry_run, true);
  assert.equal(r.body.data.summary.rows, 3);
  assert.equal(r.body.data.summary.valid_rows, 2);
  assert.equal(r.body.data.summary.error_count, 1);
  assert.equal(r.body.data.rows.length, 1);
  const e = r.body.data.rows[0];
  assert.equal(e.row, 3, 'row numbers count the header as row 1');
  assert.equal(e.field, 'id_number');
  assert.equal(e.code, 'id_number_check');
  assert.equal(typeof e.message, 'string');
  assert.equal(await count(), before, 'a dry run stores nothing');
  assert.deepEqual(await findById(ids[0]), []);
  assert.deepEqual(await findById(ids[2]), []);
});

test('the same file without dry_run is 422 import_failed and stores nothing', async () => {
  const ids = [freshId(), freshId()];
  const file = csvFile([HEADER,
    ['周四', ids[0], '13800003333', gridCode, '低保'],
    ['吴五', ids[1], '12345', gridCode, '不存在的标签']]);
  const before = await count();
  const r = await upload(cw, '/api/v1/persons/import', file);
  assert.equal(r.status, 422);
  assert.equal(r.body.error.code, 'import_failed');
  assert.equal(r.body.error.summary.valid_rows, 1);
  const byField = Object.fromEntries(r.body.error.rows.map((e) => [e.field, e]));
  assert.equal(byField.phone.code, 'phone_format');
  assert.equal(byField.phone.row, 3);
  assert.equal(byField.tags.code, 'unknown_code');
  assert.equal(await count(), before, 'not even the good row is stored');
  assert.deepEqual(await findById(ids[0]), []);
  const imports = await auditor.get('/api/v1/audit?action=import');
  assert.equal(imports.body.meta.total, 0, 'a failed import leaves no import entry');
});

test('a fully valid file imports every row: 200 imported N, and the rows are findable with their values', async () => {
  const ids = [freshId(), freshId({ female: true }), freshId()];
  const file = '\uFEFF' + csvFile([HEADER,
    ['郑六', ids[0], '138-0000-4444', gridCode, '低保、残疾'],
    ['王七', to15(ids[1]), '', String(grid), ''],
    ['"冯, 八"', ids[2].toLowerCase(), '0371-65550000', gridCode, '"退役军人,党员"']]);
  const before = await count();
  const r = await upload(cw, '/api/v1/persons/import', file);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.imported, 3);
  assert.equal(r.body.data.summary.error_count, 0);
  assert.equal(await count(), before + 3);
  const [a] = await findById(ids[0]);
  assert.equal(a.name, '郑六');
  assert.equal(a.org_id, grid);
  assert.deepEqual(a.tags.sort(), ['dibao', 'disabled']);
  assert.equal(a.phone, '138****4444');
  const [b] = await findById(ids[1]);
  assert.equal(b.name, '王七');
  assert.equal(b.gender, '2');
  assert.equal(b.id_number, maskId(ids[1]), 'the 15-digit number was stored as 18');
  const [c] = await findById(ids[2]);
  assert.equal(c.name, '冯, 八');
  assert.deepEqual(c.tags.sort(), ['party_member', 'veteran']);
  const audit = await auditor.get('/api/v1/audit?action=import&resource=persons');
  assert.equal(audit.body.meta.total, 1);
  assert.equal(JSON.parse(audit.body.data[0].detail).rows, 3);
  // importing the same file again finds every row a duplicate, and stores nothing
  const again = await upload(cw, '/api/v1/persons/import', file);
  assert.equal(again.status, 422);
  assert.deepEqual(again.body.error.rows.map((e) => e.code), ['duplicate', 'duplicate', 'duplicate']);
  assert.equal(await count(), before + 3);
});

test('a file with the same ID number twice is refused whole', async () => {
  const id = freshId();
  const file = csvFile([HEADER, ['重一', id, '', gridCode, ''], ['重二', id, '', gridCode, '']]);
  const before = await count();
  const r = await upload(cw, '/api/v1/persons/import', file);
  assert.equal(r.status, 422);
  assert.equal(r.body.error.rows.length, 1);
  assert.equal(r.body.error.rows[0].row, 3);
  assert.equal(r.body.error.rows[0].code, 'duplicate');
  assert.equal(await count(), before);
});

test('a row with more cells than the header is an error (extra_cells), never silently cut', async () => {
  const id = freshId();
  const file = csvFile([HEADER, ['多列', id, '', gridCode, '退役军人', '党员'], ['空尾', freshId(), '', gridCode, '', '']]);
  const r = await upload(cw, '/api/v1/persons/import?dry_run=1', file);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.summary.rows, 2);
  assert.equal(r.body.data.summary.valid_rows, 1, 'empty extra cells are harmless');
  assert.equal(r.body.data.rows.length, 1);
  assert.equal(r.body.data.rows[0].row, 2);
  assert.equal(r.body.data.rows[0].code, 'extra_cells');
  const many = csvFile([['姓名'], ['甲', ...Array(300).fill('x')]]);
  const r2 = await upload(cw, '/api/v1/persons/import?dry_run=1', many);
  assert.equal(r2.status, 200, JSON.stringify(r2.body));
  assert.equal(r2.body.data.rows[0].code, 'extra_cells');
});

test('imports respect scope: a unit of another community is unknown_reference', async () => {
  const file = csvFile([HEADER, ['越界', freshId(), '', grid2Code, '']]);
  const r = await upload(cw, '/api/v1/persons/import?dry_run=1', file);
  assert.equal(r.status, 200);
  assert.equal(r.body.data.rows[0].field, 'org_id');
  assert.equal(r.body.data.rows[0].code, 'unknown_reference');
});

test('an unknown header column is 400 unknown_columns naming it', async () => {
  const r = await upload(cw, '/api/v1/persons/import?dry_run=1', csvFile([['姓名', '证件号码', '所属社区/网格', '血型'], ['甲', freshId(), gridCode, 'A']]));
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'unknown_columns');
  assert.deepEqual(r.body.error.columns, ['血型']);
});

test('garbage bytes are 400 bad_file; an empty upload is 400', async () => {
  const junk = Buffer.alloc(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) % 256;
  const r = await upload(cw, '/api/v1/persons/import', junk, 'application/octet-stream');
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'bad_file');
  const fakeZip = Buffer.concat([Buffer.from('PK\x03\x04'), junk]);
  const z = await upload(cw, '/api/v1/persons/import', fakeZip, 'application/octet-stream');
  assert.equal(z.status, 400);
  assert.equal(z.body.error.code, 'bad_file');
  const empty = await upload(cw, '/api/v1/persons/import', Buffer.alloc(0));
  assert.equal(empty.status, 400);
  assert.equal((await upload(cw, '/api/v1/roles/import', csvFile([['代码'], ['x']]))).status, 405, 'roles cannot be imported');
});

test('a GBK-encoded CSV (as Excel saves it) is read', async () => {
  // 姓名 / 证件号码 / 所属社区/网格 in GB18030, written out byte by byte
  const gbk = { '姓名': [0xd0, 0xd5, 0xc3, 0xfb], '证件号码': [0xd6, 0xa4, 0xbc, 0xfe, 0xba, 0xc5, 0xc2, 0xeb], '张三': [0xd5, 0xc5, 0xc8, 0xfd] };
  const id = freshId();
  const bytes = Buffer.concat([
    Buffer.from(gbk['姓名']), Buffer.from(','), Buffer.from(gbk['证件号码']), Buffer.from(',org_id\r\n'),
    Buffer.from(gbk['张三']), Buffer.from(`,${id},${gridCode}\r\n`)]);
  const r = await upload(cw, '/api/v1/persons/import', bytes);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await findById(id))[0].name, '张三');
});

test('XLSX: a buildings.xlsx export imports back (dry run) with every row valid', async () => {
  const exp = await cw.get(`/api/v1/buildings.xlsx?org_id=${grid}`, { raw: true });
  assert.equal(exp.status, 200);
  assert.equal(exp.buf.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  const n = Number(exp.headers.get('x-total-count'));
  assert.ok(n > 0);
  const before = (await cw.get('/api/v1/buildings?per_page=1')).body.meta.total;
  const r = await upload(cw, '/api/v1/buildings/import?dry_run=1', exp.buf, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.summary.rows, n);
  assert.equal(r.body.data.summary.valid_rows, n);
  assert.deepEqual(r.body.data.rows, []);
  assert.equal((await cw.get('/api/v1/buildings?per_page=1')).body.meta.total, before, 'a dry run stores nothing');
  // and for real: the copies are stored
  const real = await upload(cw, '/api/v1/buildings/import', exp.buf, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.equal(real.status, 200, JSON.stringify(real.body));
  assert.equal(real.body.data.imported, n);
  assert.equal((await cw.get('/api/v1/buildings?per_page=1')).body.meta.total, before + n);
});

test('XLSX: a persons export imported back fails on the masked ID numbers, with clear row errors', async () => {
  const exp = await cw.get(`/api/v1/persons.xlsx?org_id=${grid}&per_page=5`, { raw: true });
  const n = Number(exp.headers.get('x-total-count'));
  const r = await upload(cw, '/api/v1/persons/import?dry_run=1', exp.buf, 'application/octet-stream');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.summary.rows, n);
  assert.equal(r.body.data.summary.valid_rows, 0);
  const idErrors = r.body.data.rows.filter((e) => e.field === 'id_number');
  assert.equal(idErrors.length, n, 'every row: the masked number is not a number');
  for (const e of idErrors) assert.equal(e.code, 'id_number_chars');
  const rows = new Set(idErrors.map((e) => e.row));
  assert.equal(rows.size, n);
  assert.ok(Math.min(...rows) === 2 && Math.max(...rows) === n + 1);
});

test('CSV export: BOM, Chinese header labels, exactly meta.total rows for the filter, masked IDs, dictionary labels', async () => {
  const list = await cw.get(`/api/v1/persons?org_id=${grid}&per_page=500`);
  const r = await cw.get(`/api/v1/persons.csv?org_id=${grid}`, { raw: true });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  assert.match(r.headers.get('content-disposition'), /attachment/);
  assert.deepEqual([...r.buf.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel');
  const rows = parseCsv(r.buf.toString('utf8').slice(1)).filter((x) => x.length > 1);
  const header = rows[0];
  assert.deepEqual(header.slice(0, 5), ['编号', '姓名', '证件类型', '证件号码', '联系电话']);
  assert.ok(header.includes('所属社区/网格') && header.includes('人员标签') && header.includes('性别'));
  assert.equal(rows.length - 1, list.body.meta.total);
  assert.equal(r.headers.get('x-total-count'), String(list.body.meta.total));
  const col = (name) => header.indexOf(name);
  const byId = new Map(list.body.data.map((p) => [String(p.id), p]));
  for (const row of rows.slice(1)) {
    const p = byId.get(row[col('编号')]);
    assert.ok(p, `row ${row[0]} is in the list`);
    assert.match(row[col('证件号码')], /^\d{4}\*+[\dX]{4}$/);
    assert.equal(row[col('证件号码')], p.id_number);
    assert.ok(['男', '女'].includes(row[col('性别')]), row[col('性别')]);
    assert.equal(row[col('性别')], p.gender === '1' ? '男' : '女');
    assert.equal(row[col('证件类型')], '居民身份证');
  }
  assert.doesNotMatch(r.buf.toString('utf8'), /\d{17}[\dX]/, 'no full ID number anywhere');
  const en = await cw.get(`/api/v1/persons.csv?org_id=${grid}&lang=en`, { raw: true });
  assert.match(en.buf.toString('utf8'), /^\uFEFF?ID,Name,Document type/);
});

test('CSV export guards cells that Excel would run as formulas', async () => {
  const p = await cw.post('/api/v1/persons', { name: '=HYPERLINK("http://x","点")', id_number: freshId(), org_id: grid, address: '@SUM(1)' });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const r = await cw.get(`/api/v1/persons.csv?id=${p.body.data.id}`, { raw: true });
  const rows = parseCsv(r.buf.toString('utf8').replace(/^\uFEFF/, ''));
  const header = rows[0];
  const row = rows[1];
  assert.equal(row[header.indexOf('姓名')], '\'=HYPERLINK("http://x","点")');
  assert.equal(row[header.indexOf('居住地址')], "'@SUM(1)");
});

test('XLSX export is a zip and X-Total-Count matches meta.total', async () => {
  const list = await cw.get('/api/v1/persons?gender=2&per_page=1');
  const r = await cw.get('/api/v1/persons.xlsx?gender=2', { raw: true });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /spreadsheetml/);
  assert.equal(r.buf.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  assert.equal(r.headers.get('x-total-count'), String(list.body.meta.total));
});

test('exports are audited with the format, the row count and the filters', async () => {
  const r = await cw.get(`/api/v1/persons.csv?org_id=${grid}&gender=1`, { raw: true });
  const n = Number(r.headers.get('x-total-count'));
  const log = await auditor.get('/api/v1/audit?action=export&resource=persons&username=community_worker');
  assert.ok(log.body.meta.total >= 1);
  const d = JSON.parse(log.body.data[0].detail);
  assert.equal(d.format, 'csv');
  assert.equal(d.rows, n);
  assert.deepEqual(d.filters, { org_id: String(grid), gender: '1' });
});

test('the audit log itself exports to CSV for auditors', async () => {
  const r = await auditor.get('/api/v1/audit.csv?action=export', { raw: true });
  assert.equal(r.status, 200);
  const rows = parseCsv(r.buf.toString('utf8').replace(/^\uFEFF/, '')).filter((x) => x.length > 1);
  assert.equal(rows.length - 1, Number(r.headers.get('x-total-count')));
  assert.equal((await cw.get('/api/v1/audit.csv')).status, 403);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
