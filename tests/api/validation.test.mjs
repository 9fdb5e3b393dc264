// Validation: every problem comes back as 422 validation_failed with a stable code per field in
// error.field_codes; malformed bodies, oversized bodies and bad list parameters are 400/413.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, idNumber, stopAndCollect } from './lib.mjs';

let srv, cw, admin;
let community, grid, street, otherGrid;

before(async () => {
  srv = await startServer();
  cw = await loginAs(srv.base, 'community_worker');
  admin = await loginAs(srv.base, 'district_admin');
  const me = (await cw.get('/api/v1/auth/me')).body.data.user;
  community = me.org_id;
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
  street = (await cw.get(`/api/v1/org_units/${community}`)).body.data.parent_id;
  const c2 = await loginAs(srv.base, 'community_worker2');
  const c2org = (await c2.get('/api/v1/auth/me')).body.data.user.org_id;
  otherGrid = (await c2.get(`/api/v1/org_units?parent_id=${c2org}&level=grid`)).body.data[0].id;
});
after(async () => { await srv.stop(); });

/* POSTs a person (valid unless overridden) and expects 422 with `code` on `field`. */
async function expectCode(body, field, code, { client = cw, path = '/api/v1/persons', base } = {}) {
  const payload = base ?? { name: '校验', id_number: freshId(), org_id: grid };
  const r = await client.post(path, { ...payload, ...body });
  assert.equal(r.status, 422, `${field}=${code}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error.code, 'validation_failed');
  assert.equal(r.body.error.field_codes[field], code, JSON.stringify(r.body.error));
  assert.equal(typeof r.body.error.fields[field], 'string');
  assert.ok(r.body.error.fields[field].length > 0);
  return r;
}

async function personCount() {
  return (await admin.get('/api/v1/persons?per_page=1')).body.meta.total;
}

test('required: missing fields are all listed at once with code required', async () => {
  const before = await personCount();
  const r = await cw.post('/api/v1/persons', {});
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field_codes.name, 'required');
  assert.equal(r.body.error.field_codes.id_number, 'required');
  assert.equal(r.body.error.field_codes.org_id, 'required');
  await expectCode({ name: '   ' }, 'name', 'required');
  await expectCode({ name: null }, 'name', 'required');
  assert.equal(await personCount(), before, 'nothing stored');
});

test('wrong_type: text, integer, date, boolean, tags and reference fields given the wrong JSON type', async () => {
  await expectCode({ name: 123 }, 'name', 'wrong_type');
  await expectCode({ org_id: 'abc' }, 'org_id', 'wrong_type');
  await expectCode({ birth_date: '1990/01/01' }, 'birth_date', 'wrong_type');
  await expectCode({ birth_date: '1990-02-30' }, 'birth_date', 'wrong_type');
  await expectCode({ tags: 'dibao' }, 'tags', 'wrong_type');
  await expectCode({ tags: [1] }, 'tags', 'wrong_type');
  await expectCode({ id_number: 410105 }, 'id_number', 'wrong_type');
  await expectCode({ floors: '5' }, 'floors', 'wrong_type', { path: '/api/v1/buildings', base: { name: '楼', org_id: grid } });
  await expectCode({ floors: 5.5 }, 'floors', 'wrong_type', { path: '/api/v1/buildings', base: { name: '楼', org_id: grid } });
  await expectCode({ active: 'yes' }, 'active', 'wrong_type', { client: admin, path: '/api/v1/dict_items',
    base: { dict: 'person_tag', code: 'wt_x', label_zh: '甲', label_en: 'A' } });
});

test('too_long: text over its maximum length in characters', async () => {
  await expectCode({ name: '张'.repeat(51) }, 'name', 'too_long');
  const ok = await cw.post('/api/v1/persons', { name: '张'.repeat(50), id_number: freshId(), org_id: grid });
  assert.equal(ok.status, 201, 'exactly the maximum (counted in characters, not bytes) is fine');
  await expectCode({ note: 'x'.repeat(501) }, 'note', 'too_long');
});

test('unknown_field: a key that is not a field of the record', async () => {
  await expectCode({ favourite_colour: 'blue' }, 'favourite_colour', 'unknown_field');
  const r = await cw.post('/api/v1/persons', { name: '多', id_number: freshId(), org_id: grid, foo: 1, bar: 2 });
  assert.equal(r.body.error.field_codes.foo, 'unknown_field');
  assert.equal(r.body.error.field_codes.bar, 'unknown_field');
});

test('a read-only field in the input is refused, not silently stored', async () => {
  const head = (await cw.post('/api/v1/persons', { name: '只读', id_number: freshId(), org_id: grid })).body.data;
  const r = await cw.post('/api/v1/households', { org_id: grid, head_person_id: head.id, member_count: 99 });
  if (r.status === 201) {
    assert.equal(r.body.data.member_count, 1, 'member_count is derived, never taken from input');
  } else {
    assert.equal(r.status, 422);
  }
});

test('unknown_code: a value that is not in the field\'s dictionary', async () => {
  await expectCode({ gender: '7' }, 'gender', 'unknown_code');
  await expectCode({ ethnicity: 'xx' }, 'ethnicity', 'unknown_code');
  await expectCode({ tags: ['dibao', 'no_such_tag'] }, 'tags', 'unknown_code');
  await expectCode({ status: 'gone' }, 'status', 'unknown_code');
  await expectCode({ id_type: 'library_card' }, 'id_type', 'unknown_code');
});

test('unknown_reference: organisation units and records that do not exist or are out of scope', async () => {
  await expectCode({ org_id: 99999999 }, 'org_id', 'unknown_reference');
  await expectCode({ org_id: otherGrid }, 'org_id', 'unknown_reference');
  const base = { org_id: grid };
  await expectCode({ head_person_id: 99999999 }, 'head_person_id', 'unknown_reference', { path: '/api/v1/households', base });
  const p = (await cw.post('/api/v1/persons', { name: '楼宇引用', id_number: freshId(), org_id: grid })).body.data;
  await expectCode({ head_person_id: p.id, building_id: 99999999 }, 'building_id', 'unknown_reference', { path: '/api/v1/households', base });
  // a building of another community exists, but not for this caller
  const otherBuilding = (await admin.get(`/api/v1/buildings?org_id=${otherGrid}`)).body.data[0];
  assert.ok(otherBuilding, 'the other community has a building');
  await expectCode({ head_person_id: p.id, building_id: otherBuilding.id }, 'building_id', 'unknown_reference', { path: '/api/v1/households', base });
});

test('wrong_level: a unit of a level the field does not accept', async () => {
  // persons live in a community or a grid, not in a street office
  await expectCode({ org_id: street }, 'org_id', 'wrong_level', { client: admin });
  // buildings belong to a grid
  await expectCode({ org_id: community }, 'org_id', 'wrong_level', { path: '/api/v1/buildings', base: { name: '楼' } });
});

test('ID number errors each have their own code', async () => {
  const good = freshId({ from: '1980-01-01' });
  const wrongCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
  const cases = [
    [wrongCheck, 'id_number_check'],
    ['41010519800101', 'id_number_length'],
    ['4101051980010199', 'id_number_length'],
    ['41010519800101999A', 'id_number_chars'],
    ['4101051980O101999X', 'id_number_chars'],
    [idNumber('410105', '19801332', 999), 'id_number_birth_date'],
    [idNumber('410105', '19000229', 999), 'id_number_birth_date'],
    [idNumber('410105', '18000101', 999), 'id_number_birth_date'],
    [idNumber('410105', '20990101', 999), 'id_number_future'],
    [idNumber('999999', '19800101', 999), 'id_number_address'],
    [idNumber('410171', '19800101', 999), 'id_number_functional_zone'],
    [idNumber('410173', '19800101', 999), 'id_number_functional_zone'],
  ];
  for (const [id, code] of cases) await expectCode({ id_number: id }, 'id_number', code);
  // a passport is not checked as a resident ID, but still has a format
  const pass = await cw.post('/api/v1/persons', { name: 'Smith', id_type: 'passport', id_number: 'E12345678', org_id: grid });
  assert.equal(pass.status, 201, JSON.stringify(pass.body));
  await expectCode({ id_type: 'passport', id_number: '#!' }, 'id_number', 'id_number_format');
});

test('phone_format: not a mobile number nor a landline with area code', async () => {
  for (const phone of ['12345', '1381234567', '23812345678', '+1 415 555 0100', 'abc']) await expectCode({ phone }, 'phone', 'phone_format');
  const land = await cw.post('/api/v1/persons', { name: '座机', id_number: freshId(), org_id: grid, phone: '0371-65432109' });
  assert.equal(land.status, 201, JSON.stringify(land.body));
  assert.equal(land.body.data.phone, '0371****2109');
});

test('birth_date_mismatch and gender_mismatch: typed values must agree with the ID number', async () => {
  const id = freshId({ from: '1988-08-08' });
  await expectCode({ id_number: id, birth_date: '1988-08-09' }, 'birth_date', 'birth_date_mismatch');
  await expectCode({ id_number: freshId({ from: '1988-08-08' }), gender: '2' }, 'gender', 'gender_mismatch');
  const ok = await cw.post('/api/v1/persons', { name: '一致', id_number: id, birth_date: '1988-08-08', gender: '1', org_id: grid });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});

test('out_of_range: integers outside the declared bounds', async () => {
  const base = { name: '范围楼', org_id: grid };
  await expectCode({ floors: 0 }, 'floors', 'out_of_range', { path: '/api/v1/buildings', base });
  await expectCode({ floors: 201 }, 'floors', 'out_of_range', { path: '/api/v1/buildings', base });
  await expectCode({ unit_count: -1 }, 'unit_count', 'out_of_range', { path: '/api/v1/buildings', base });
  const ok = await cw.post('/api/v1/buildings', { ...base, floors: 200, unit_count: 0 });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});

test('malformed JSON is 400 malformed_json', async () => {
  const r = await cw.post('/api/v1/persons', '{"name": "x",', { headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'malformed_json');
  const dupKey = await cw.post('/api/v1/persons', '{"name":"a","name":"b"}', { headers: { 'Content-Type': 'application/json' } });
  assert.equal(dupKey.status, 400);
  assert.equal(dupKey.body.error.code, 'malformed_json');
  const nul = await cw.post('/api/v1/persons', '{"name":"a\\u0000b"}', { headers: { 'Content-Type': 'application/json' } });
  assert.equal(nul.status, 400);
  assert.equal(nul.body.error.code, 'malformed_json');
  const bad8 = await cw.post('/api/v1/persons', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { headers: { 'Content-Type': 'application/json' } });
  assert.equal(bad8.status, 400, 'invalid UTF-8 is malformed');
  assert.equal(bad8.body.error.code, 'malformed_json');
});

test('a JSON body that is not an object is 400 malformed_json; an empty body is 400 body_required', async () => {
  for (const body of ['[1,2]', '"text"', '42', 'null']) {
    const r = await cw.post('/api/v1/persons', body, { headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400, body);
    assert.equal(r.body.error.code, 'malformed_json', body);
  }
  const empty = await cw.post('/api/v1/persons', '', { headers: { 'Content-Type': 'application/json' } });
  assert.equal(empty.status, 400);
  assert.equal(empty.body.error.code, 'body_required');
});

test('a JSON body over 1 MiB is refused with 413 and nothing is stored', async () => {
  const before = await personCount();
  const big = JSON.stringify({ name: '大', id_number: freshId(), org_id: grid, note: 'a'.repeat(1024 * 1024 + 10) });
  const r = await cw.post('/api/v1/persons', big, { headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 413);
  assert.equal(r.body.error.code, 'body_too_large');
  assert.equal(await personCount(), before);
  // just under the limit is read (and then refused by validation for the note's length)
  const under = JSON.stringify({ name: '小', id_number: freshId(), org_id: grid, note: 'a'.repeat(1000 * 1000) });
  const r2 = await cw.post('/api/v1/persons', under, { headers: { 'Content-Type': 'application/json' } });
  assert.equal(r2.status, 422);
  assert.equal(r2.body.error.field_codes.note, 'too_long');
  // the server still answers after refusing a large body
  assert.equal((await cw.get('/api/v1/auth/me')).status, 200);
});

test('a body announced far over the limit is refused from its headers alone, before it is sent', async () => {
  const { request } = await import('node:http');
  const u = new URL(srv.base);
  const res = await new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: 'POST', path: '/api/v1/persons',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(200 * 1024 * 1024), Cookie: cw.cookie, 'X-CSRF-Token': cw.csrf } });
    req.on('response', (resp) => {
      let data = '';
      resp.on('data', (d) => { data += d; });
      resp.on('end', () => { resolve({ status: resp.statusCode, body: JSON.parse(data) }); req.destroy(); });
    });
    req.on('error', reject);
    req.flushHeaders();                     // headers only: not one byte of the body
  });
  assert.equal(res.status, 413);
  assert.equal(res.body.error.code, 'body_too_large');
});

test('a chunked JSON body (no Content-Length) over 1 MiB is refused with 413 too', async () => {
  const chunk = 'a'.repeat(64 * 1024);
  let sent = 0;
  const stream = new ReadableStream({
    pull(ctl) {
      if (sent === 0) ctl.enqueue(new TextEncoder().encode('{"name":"x","note":"'));
      if (sent >= 20) { ctl.enqueue(new TextEncoder().encode('"}')); ctl.close(); return; }
      ctl.enqueue(new TextEncoder().encode(chunk));
      sent++;
    },
  });
  const r = await fetch(`${srv.base}/api/v1/persons`, { method: 'POST', body: stream, duplex: 'half',
    headers: { 'Content-Type': 'application/json', Cookie: cw.cookie, 'X-CSRF-Token': cw.csrf } });
  assert.equal(r.status, 413);
  assert.equal((await r.json()).error.code, 'body_too_large');
});

test('invalid filters are 400 invalid_filter naming the parameter', async () => {
  const cases = [
    ['nosuch=1', 'nosuch'],
    ['note=x', 'note'],                       // a field that is not filterable
    ['birth_date=notadate', 'birth_date'],
    ['birth_date__gte=1990-13-01', 'birth_date__gte'],
    ['gender__like=1', 'gender__like'],
    ['id=abc', 'id'],
    [`q=${'x'.repeat(101)}`, 'q'],
  ];
  for (const [qs, key] of cases) {
    const r = await cw.get(`/api/v1/persons?${qs}`);
    assert.equal(r.status, 400, qs);
    assert.equal(r.body.error.code, 'invalid_filter', qs);
    assert.equal(r.body.error.field_codes[key], 'invalid_filter', `${qs}: ${JSON.stringify(r.body.error)}`);
  }
  const ok = await cw.get('/api/v1/persons?gender__in=1,2&birth_date__gte=1900-01-01&status__ne=deceased');
  assert.equal(ok.status, 200);
});

test('sorting by an unknown or unsortable field is 400 on sort', async () => {
  for (const s of ['nosuch', 'note', '-id_number', 'name,foo']) {
    const r = await cw.get(`/api/v1/persons?sort=${s}`);
    assert.equal(r.status, 400, s);
    assert.equal(r.body.error.code, 'invalid_filter');
    assert.equal(r.body.error.field_codes.sort, 'invalid_filter');
  }
  assert.equal((await cw.get('/api/v1/persons?sort=-birth_date,name')).status, 200);
  // the export takes the list's parameters and refuses them the same way
  const exp = await cw.get('/api/v1/persons.csv?sort=name,foo');
  assert.equal(exp.status, 400);
  assert.equal(exp.body.error.field_codes.sort, 'invalid_filter');
  const expq = await cw.get(`/api/v1/persons.csv?q=${'x'.repeat(101)}`);
  assert.equal(expq.status, 400);
});

test('per_page outside 1-500 and page below 1 are 400', async () => {
  for (const qs of ['per_page=0', 'per_page=501', 'per_page=-3', 'per_page=ten', 'page=0', 'page=x']) {
    const r = await cw.get(`/api/v1/persons?${qs}`);
    assert.equal(r.status, 400, qs);
    assert.equal(r.body.error.code, 'invalid_filter');
    assert.equal(r.body.error.field_codes[qs.split('=')[0]], 'invalid_filter');
  }
  const max = await cw.get('/api/v1/persons?per_page=500');
  assert.equal(max.status, 200);
  assert.equal(max.body.meta.per_page, 500);
});

test('the error message follows the language: ?lang=en answers in English', async () => {
  const zh = await cw.post('/api/v1/persons', { name: '语言', id_number: freshId(), org_id: grid, gender: '7' });
  const en = await cw.post('/api/v1/persons?lang=en', { name: '语言', id_number: freshId(), org_id: grid, gender: '7' });
  assert.equal(zh.body.error.field_codes.gender, en.body.error.field_codes.gender);
  assert.match(en.body.error.fields.gender, /not a value/);
  assert.doesNotMatch(zh.body.error.fields.gender, /not a value/);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
