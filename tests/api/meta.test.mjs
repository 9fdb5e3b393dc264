// Metadata for the console (/api/v1/meta: every record kind with its fields, labels and what the
// caller may do), the OpenAPI document, the route table, and HTTP basics: 404/405, HEAD, and the
// security headers on every answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, Client, stopAndCollect } from './lib.mjs';

let srv, cw, gw, auditor, admin;
const RESOURCES = ['org_units', 'buildings', 'persons', 'households', 'household_members', 'users', 'roles', 'dict_items', 'audit_log',
  'elders', 'assessments', 'subsidy_rules', 'service_items'];
RESOURCES.push('providers', 'caregivers', 'service_orders', 'service_order_events');
RESOURCES.push('institutions', 'placements', 'attendance', 'allowance_rates', 'allowance_cycles', 'allowance_lines',
  'centenarian_verifications', 'inspections');
RESOURCES.push('care_plans', 'settlements', 'settlement_lines');

before(async () => {
  srv = await startServer();
  cw = await loginAs(srv.base, 'community_worker');
  gw = await loginAs(srv.base, 'grid_worker');
  auditor = await loginAs(srv.base, 'auditor');
  admin = await loginAs(srv.base, 'district_admin');
});
after(async () => { await srv.stop(); });

/* GET with the path exactly as written (no URL normalisation). */
async function rawGet(path) {
  const { request } = await import('node:http');
  const u = new URL(srv.base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

const meta = async (c) => {
  const r = await c.get('/api/v1/meta');
  assert.equal(r.status, 200);
  return Object.fromEntries(r.body.data.resources.map((x) => [x.name, x]));
};

test('/api/v1/meta lists every resource with its fields and labels', async () => {
  const m = await meta(cw);
  assert.deepEqual(Object.keys(m).sort(), [...RESOURCES].sort());
  for (const name of RESOURCES) {
    const res = m[name];
    assert.equal(typeof res.label_zh, 'string');
    assert.equal(typeof res.label_en, 'string');
    assert.ok(res.fields.length > 0, name);
    for (const f of res.fields) {
      assert.equal(typeof f.name, 'string');
      assert.equal(typeof f.label_zh, 'string');
      assert.equal(typeof f.label_en, 'string');
      assert.equal(typeof f.type, 'string');
      assert.equal(typeof f.required, 'boolean');
    }
  }
  const idn = m.persons.fields.find((f) => f.name === 'id_number');
  assert.equal(idn.label_zh, '证件号码');
  assert.equal(idn.type, 'id_number');
  assert.equal(idn.sensitive, true);
  assert.equal(idn.required, true);
  const org = m.persons.fields.find((f) => f.name === 'org_id');
  assert.equal(org.levels, 'community grid');
  const tags = m.persons.fields.find((f) => f.name === 'tags');
  assert.equal(tags.dict, 'person_tag');
  const name = m.persons.fields.find((f) => f.name === 'name');
  assert.equal(name.max_len, 50);
  assert.ok(!m.users.fields.some((f) => f.name === 'password' && f.type !== 'password'));
  const r = await cw.get('/api/v1/meta');
  assert.ok(r.body.data.dicts.gender.some((d) => d.code === '1' && d.label_zh === '男'));
  assert.ok(r.body.data.dicts.person_tag.some((d) => d.code === 'dibao' && d.label_zh === '低保'));
});

test('meta\'s can flags follow the caller: community worker', async () => {
  const m = await meta(cw);
  assert.deepEqual(m.persons.can, { read: true, create: true, update: true, delete: true, import: true, export: true, unmask: true });
  assert.equal(m.users.can.read, false);
  assert.equal(m.users.can.create, false);
  assert.equal(m.audit_log.can.read, false);
  assert.equal(m.org_units.can.read, true);
  assert.equal(m.org_units.can.create, false);
  assert.equal(m.roles.can.read, true);
  assert.equal(m.roles.can.create, false);
  assert.equal(m.roles.can.update, false);
  assert.equal(m.household_members.can.delete, false, 'memberships end, they are not deleted');
  assert.equal(m.dict_items.can.read, true);
  assert.equal(m.dict_items.can.create, false);
});

test('meta\'s can flags follow the caller: grid worker, auditor, district administrator', async () => {
  const g = await meta(gw);
  assert.equal(g.persons.can.create, true);
  assert.equal(g.persons.can.unmask, false);
  assert.equal(g.persons.can.export, false);
  assert.equal(g.persons.can.import, false);
  const a = await meta(auditor);
  assert.equal(a.persons.can.read, true);
  assert.equal(a.persons.can.create, false);
  assert.equal(a.persons.can.export, true);
  assert.equal(a.persons.can.unmask, false);
  assert.equal(a.audit_log.can.read, true);
  assert.equal(a.users.can.read, true);
  assert.equal(a.users.can.create, false);
  const d = await meta(admin);
  assert.equal(d.dict_items.can.create, true);
  assert.equal(d.users.can.create, true);
  assert.equal(d.org_units.can.create, true);
  assert.equal(d.roles.can.create, false);
  // the flags agree with what the server does
  assert.equal((await gw.get('/api/v1/persons.csv')).status, 403);
  assert.equal((await auditor.get('/api/v1/persons.csv?per_page=1', { raw: true })).status, 200);
  assert.equal((await auditor.post('/api/v1/persons', { name: 'x' })).status, 403);
});

test('/api/v1/openapi.json is OpenAPI 3.0.3 with a path for every resource', async () => {
  const r = await new Client(srv.base).get('/api/v1/openapi.json');
  assert.equal(r.status, 200);
  const doc = r.body;
  assert.equal(doc.openapi, '3.0.3');
  assert.equal(typeof doc.info.title, 'string');
  for (const name of RESOURCES) {
    assert.ok(doc.paths[`/api/v1/${name}`], `collection path of ${name}`);
    assert.ok(doc.paths[`/api/v1/${name}`].get, `list of ${name}`);
    assert.ok(doc.paths[`/api/v1/${name}/{id}`], `item path of ${name}`);
    assert.ok(doc.components.schemas[name], `schema of ${name}`);
  }
  assert.ok(doc.paths['/api/v1/persons'].post, 'persons can be created');
  assert.ok(!doc.paths['/api/v1/roles'].post, 'roles cannot');
  assert.ok(doc.paths['/api/v1/persons/{id}'].patch.parameters.some((p) => p.name === 'If-Match' && p.in === 'header'));
  assert.ok(doc.components.schemas.persons.required.includes('id_number'));
  assert.equal(doc.components.schemas.persons.properties.tags.type, 'array');
  // every $ref resolves
  const refs = JSON.stringify(doc).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) || [];
  assert.ok(refs.length > 0);
  for (const ref of refs) {
    const name = ref.split('/').pop().replace('"', '');
    assert.ok(doc.components.schemas[name], ref);
  }
});

test('/api/v1/meta/routes lists the route table, with permissions', async () => {
  const r = await cw.get('/api/v1/meta/routes');
  assert.equal(r.status, 200);
  const routes = r.body.data.routes;
  assert.ok(routes.some((x) => x.method === 'POST' && x.pattern === '/api/v1/auth/login' && x.public));
  assert.ok(routes.some((x) => x.pattern === '/api/v1/audit' && x.perm === 'audit.read'));
  assert.ok(routes.some((x) => x.pattern === '/api/v1/{res}/import' && x.upload));
  assert.deepEqual([...r.body.data.resources].sort(), [...RESOURCES].sort());
});

test('an unknown API path is 404 not_found, also for unknown resources and non-numeric ids', async () => {
  for (const p of ['/api/v1/nosuch', '/api/v1/persons/abc', '/api/v1/persons/1/nothing', '/api/v2/persons', '/api/v1/nosuch.csv']) {
    const r = await cw.get(p);
    assert.equal(r.status, 404, p);
    assert.equal(r.body.error.code, 'not_found', p);
  }
  const missing = await cw.get('/api/v1/persons/99999999');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
});

test('a known path with the wrong method is 405 method_not_allowed', async () => {
  for (const [m, p] of [['PUT', '/api/v1/persons'], ['DELETE', '/api/v1/persons'], ['PUT', '/api/v1/persons/1'], ['POST', '/api/v1/persons/1'], ['GET', '/api/v1/auth/login'], ['DELETE', '/api/v1/health']]) {
    const r = await cw.request(m, p);
    assert.equal(r.status, 405, `${m} ${p}`);
    assert.equal(r.body.error.code, 'method_not_allowed', `${m} ${p}`);
  }
});

test('HEAD works like GET without a body', async () => {
  const anon = new Client(srv.base);
  const h = await anon.request('HEAD', '/api/v1/health');
  assert.equal(h.status, 200);
  assert.equal(h.buf.length, 0);
  assert.match(h.headers.get('content-type'), /json/);
  const g = await anon.get('/api/v1/health');
  assert.equal(h.headers.get('content-length'), g.headers.get('content-length'));
  const list = await cw.request('HEAD', '/api/v1/persons?per_page=1');
  assert.equal(list.status, 200);
  assert.equal(list.buf.length, 0);
  assert.equal((await anon.request('HEAD', '/api/v1/persons')).status, 401);
});

test('every answer carries X-Content-Type-Options: nosniff and the other security headers', async () => {
  const anon = new Client(srv.base);
  const answers = [
    await anon.get('/api/v1/health'),
    await anon.get('/api/v1/persons'),                      // 401
    await cw.get('/api/v1/nosuch'),                         // 404
    await cw.request('PUT', '/api/v1/persons'),             // 405
    await cw.post('/api/v1/persons', {}),                   // 422
    await cw.get('/api/v1/persons.csv?per_page=1', { raw: true }),
    await anon.get('/', { raw: true }),                     // the console
  ];
  for (const r of answers) {
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', String(r.status));
    assert.match(r.headers.get('content-security-policy') || '', /frame-ancestors 'none'/, String(r.status));
  }
  for (const r of answers.slice(0, -1)) {                     // API answers: data, never rendered or cached
    assert.match(r.headers.get('content-security-policy'), /default-src 'none'/);
    assert.equal(r.headers.get('cache-control'), 'no-store', 'API answers are not cached');
  }
  const page = answers[answers.length - 1];                  // console pages: the full policy
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.match(page.headers.get('content-security-policy'), /default-src 'self'/);
  assert.equal(page.headers.get('referrer-policy'), 'same-origin');
  assert.match(answers[0].headers.get('content-type'), /^application\/json/);
});

test('the console is served for non-API paths and never for path traversal', async () => {
  const anon = new Client(srv.base);
  const index = await anon.get('/', { raw: true });
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /text\/html/);
  const deep = await anon.get('/persons/12', { raw: true });
  assert.equal(deep.status, 200, 'client-side routes fall back to index.html');
  const { readFileSync } = await import('node:fs');
  const secretFile = readFileSync('/etc/ld.so.conf', 'utf8');
  for (const p of ['/../../../../etc/ld.so.conf', '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/ld.so.conf',
    '/vendor/../../../../../etc/ld.so.conf', '/..%2f..%2f..%2f..%2fetc%2fld.so.conf']) {
    const r = await rawGet(p);                // sent as written: fetch would normalise the dots away
    const text = r.text;
    assert.equal(r.status, 404, p);
    assert.ok(!text.includes(secretFile.trim()), p);
  }
});

test('the console\'s modules and libraries are served with validators; node_modules is not', async () => {
  const anon = new Client(srv.base);
  const lib = await anon.get('/lib/vue.js', { raw: true });
  assert.equal(lib.status, 200);
  assert.match(lib.headers.get('content-type'), /text\/javascript/);
  const etag = lib.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal(lib.headers.get('cache-control'), 'no-cache', 'revalidated, so a rebuilt console shows at once');
  const again = await anon.get('/lib/vue.js', { raw: true, headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304, 'unchanged files are not sent again');
  const other = await anon.get('/lib/vue.js', { raw: true, headers: { 'If-None-Match': '"0-0"' } });
  assert.equal(other.status, 200);
  const main = await anon.get('/src/main.js', { raw: true });
  assert.equal(main.status, 200);
  const code = main.buf.toString('utf8');
  assert.doesNotMatch(code, /from ['"]vue['"]/, 'bare imports are rewritten at build time (no inline import map under the CSP)');
  const sfc = await anon.get('/src/App.vue.js', { raw: true });
  assert.equal(sfc.status, 200, 'single-file components are served compiled');
  assert.equal((await anon.get('/vendor/vue/package.json', { raw: true })).status, 404);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
