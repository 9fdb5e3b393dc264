// What the fuzzers (tests/fuzz/) found in the request path, checked again over a real socket: each
// test sends the input as a client could and asserts the answer the API gives for it now, and that
// the server lives on. The inputs themselves are also in tests/fuzz/corpus/, replayed by make test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, loginAs, freshId, stopAndCollect } from './lib.mjs';

let srv, cw;
before(async () => {
  srv = await startServer({ scale: 100 });
  cw = await loginAs(srv.base, 'community_worker');
});
after(async () => { await srv.stop(); });

/* Sends raw bytes on one connection and answers the status line and body of the reply. */
function raw(base, text) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), hostname, () => s.end(text));
    let d = Buffer.alloc(0);
    s.on('data', (x) => { d = Buffer.concat([d, x]); });
    s.on('close', () => {
      const t = d.toString('utf8');
      const [head, ...rest] = t.split('\r\n\r\n');
      resolve({ status: Number((head.match(/^HTTP\/1\.1 (\d{3})/) || [])[1] || 0), body: rest.join('\r\n\r\n') });
    });
    s.on('error', reject);
  });
}

test('a request target without a leading slash answers 404 instead of crashing the server', async () => {
  for (const target of ['abc', 'district_admin', '*', 'x.js']) {
    const r = await raw(srv.base, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.equal(r.status, 404, target);
    assert.equal(JSON.parse(r.body).error.code, 'not_found');
  }
  // and the server still answers
  assert.equal((await fetch(`${srv.base}/api/v1/health`)).status, 200);
  assert.equal((await cw.get('/api/v1/auth/me')).status, 200);
});

test('malformed JSON with broken UTF-8 near the error gets a JSON error body, not an empty 400', async () => {
  // an invalid escape followed by the first byte of a three-byte character: jansson quotes the
  // bytes near the error, which are not valid UTF-8 on their own
  const body = Buffer.concat([Buffer.from('{"note": "\\'), Buffer.from([0xe5, 0xbe, 0x80]), Buffer.from('"}')]);
  for (const lang of ['zh', 'en']) {
    const r = await cw.request('POST', `/api/v1/persons?lang=${lang}`, { body, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'malformed_json');
    assert.match(r.body.error.message, lang === 'en' ? /^Malformed JSON at line 1/ : /^JSON 格式错误/);
  }
  // a truncated multi-byte character at the very end too
  const cut = Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xe5, 0xbe])]);
  const r = await cw.request('POST', '/api/v1/persons', { body: cut, headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'malformed_json');
});

test('an unknown field whose name is cut mid-character in the message is still refused (422 unknown_field)', async () => {
  // "a" and 21 three-byte characters: the message quotes the first 60 bytes, which end inside
  // the 20th character; that message used to vanish, and the record was created without a word
  const key = `a${'张'.repeat(21)}`;
  const grid = (await cw.get('/api/v1/org_units?level=grid&per_page=1')).body.data[0].id;
  const before = (await cw.get('/api/v1/persons?per_page=1')).body.meta.total;
  const r = await cw.post('/api/v1/persons', { name: '截断', id_number: freshId(), org_id: grid, [key]: 1 });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.field_codes[key], 'unknown_field');
  assert.match(r.body.error.fields[key], /^未知字段“a张{19}/);
  assert.equal((await cw.get('/api/v1/persons?per_page=1')).body.meta.total, before, 'nothing was created');
});

test('a filter whose name is not UTF-8 is refused with its field named, like any unknown filter', async () => {
  for (const q of ['%FF%FE=1', `${encodeURIComponent(`x${'张'.repeat(21)}`)}=1`, 'name__%E5%BE=1']) {
    const r = await cw.get(`/api/v1/persons?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.code, 'invalid_filter');
    const keys = Object.keys(r.body.error.field_codes);
    assert.equal(keys.length, 1, q);
    assert.deepEqual(Object.keys(r.body.error.fields), keys);
    assert.equal(r.body.error.field_codes[keys[0]], 'invalid_filter');
  }
});

test('the audit log refuses filters and sorts by time stamps it does not have, instead of an internal error', async () => {
  const admin = await loginAs(srv.base, 'district_admin');
  for (const q of ['created_at=2026-01-01', 'updated_at__gte=2020-01-01T00:00:00Z', 'sort=-created_at', 'sort=updated_at']) {
    for (const path of ['/api/v1/audit', '/api/v1/audit_log', '/api/v1/audit.csv']) {
      const r = await admin.get(`${path}?${q}`);
      assert.equal(r.status, 400, `${path}?${q}`);
      assert.equal(r.body.error.code, 'invalid_filter');
    }
  }
  // its own time field filters and sorts, and the records with versions keep their stamps
  assert.equal((await admin.get('/api/v1/audit?at__gte=2020-01-01T00:00:00Z&sort=-at')).status, 200);
  const p = await admin.get('/api/v1/persons?created_at__gte=2020-01-01T00:00:00Z&sort=-updated_at&per_page=1');
  assert.equal(p.status, 200);
  assert.ok(p.body.meta.total > 0);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
