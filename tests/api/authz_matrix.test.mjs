// The authorization matrix: every route of the API (GET /api/v1/meta/routes) × every built-in role
// and an anonymous caller × a target inside the caller's scope and one just outside it
// (authz_world.mjs), each with the status the API answers. Generic record routes ({res}) are run
// for every declared kind. The expectations are written here, from the permission table below,
// not read from the server: the test fails when a route or a record kind is added without its
// entry, and when any cell answers otherwise. IDs travel in URLs, bodies (references), filters,
// exports and imports; out of scope, each is a record that does not exist (404, an empty list,
// an export of nobody, unknown_reference), never a 403 that would confirm it exists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freshId, loginAs, PASSWORD, Client, sql, stopAndCollect } from './lib.mjs';
import { ROLES, buildWorld, makers, uniq } from './authz_world.mjs';

/* ---------- the policy (docs: README "The API", ARCHITECTURE "Scope") ---------- */

const READ_ALL = ['org_units.read', 'buildings.read', 'persons.read', 'households.read', 'household_members.read', 'dict_items.read', 'roles.read'];
const WRITE_REGISTRY = ['buildings.write', 'persons.write', 'households.write', 'household_members.write'];
const ELDERCARE = ['elders.read', 'elders.write', 'elders.unmask'];
const PERMS = {
  district_admin: [...READ_ALL, ...WRITE_REGISTRY, 'org_units.write', 'users.read', 'users.write', 'dict_items.write',
    'persons.unmask', 'audit.read', 'data.export', 'data.import', ...ELDERCARE, 'subsidy_rules.write', 'service_items.write'],
  street_admin: [...READ_ALL, ...WRITE_REGISTRY, 'org_units.write', 'users.read', 'users.write', 'persons.unmask',
    'audit.read', 'data.export', 'data.import', ...ELDERCARE, 'subsidy_rules.write'],
  community_worker: [...READ_ALL, ...WRITE_REGISTRY, 'persons.unmask', 'data.export', 'data.import', ...ELDERCARE],
  grid_worker: [...READ_ALL, ...WRITE_REGISTRY],
  auditor: [...READ_ALL, 'users.read', 'audit.read', 'data.export', 'elders.read'],
  anonymous: [],
};
// home care's providers, caregivers and service orders (auth.c): what the roles above gained, and
// the roles of the 12349 hotline and of the providers' people
const ORDERS_READ = ['caregivers.read', 'service_orders.read'];
const ORDERS_INTAKE = ['service_orders.read', 'service_orders.write', 'service_orders.intake'];
PERMS.district_admin.push(...ORDERS_READ, ...ORDERS_INTAKE, 'service_orders.dispatch', 'service_orders.serve', 'service_orders.follow_up',
  'service_orders.settle', 'caregivers.write', 'caregivers.unmask', 'providers.write');
PERMS.street_admin.push(...ORDERS_READ, ...ORDERS_INTAKE);
PERMS.community_worker.push(...ORDERS_INTAKE);
PERMS.auditor.push(...ORDERS_READ);
PERMS.hotline_operator = ['org_units.read', 'persons.read', 'elders.read', ...ORDERS_READ, ...ORDERS_INTAKE, 'service_orders.dispatch',
  'service_orders.follow_up'];
PERMS.provider_admin = ['elders.read', ...ORDERS_READ, 'caregivers.write', 'caregivers.unmask', 'service_orders.dispatch'];
PERMS.caregiver = ['elders.read', ...ORDERS_READ, 'service_orders.serve'];
const UNITLESS = ['provider_admin', 'caregiver'];
const FLOW_PERMS = ['intake', 'dispatch', 'serve', 'follow_up', 'settle'].map((p) => `service_orders.${p}`);
const can = (who, perm) => PERMS[who].includes(perm);

/* Every declared record kind: its permission prefix, whether rows are scoped, what it allows. */
const KINDS = {
  org_units: { scoped: true, create: true, update: true, del: true, imp: true },
  buildings: { scoped: true, create: true, update: true, del: true, imp: true },
  persons: { scoped: true, create: true, update: true, del: true, imp: true },
  households: { scoped: true, create: true, update: true, del: true, imp: true },
  household_members: { scoped: true, create: true, update: true, del: false, imp: false },
  users: { scoped: true, create: true, update: true, del: true, imp: false },
  roles: { scoped: false, create: false, update: false, del: false, imp: false },
  dict_items: { scoped: false, globalRead: true, create: true, update: true, del: true, imp: true },
  audit_log: { perm: 'audit', scoped: true, create: false, update: false, del: false, imp: false },
  elders: { scoped: true, create: true, update: true, del: true, imp: false },
  assessments: { perm: 'elders', scoped: true, create: false, update: false, del: false, imp: false },
  subsidy_rules: { scoped: true, globalRead: true, create: true, update: true, del: true, imp: false },
  service_items: { scoped: false, globalRead: true, create: true, update: true, del: true, imp: true },
  // providers, caregivers, service orders and their history: scope (including a provider's and a
  // caregiver's) tested in providers.test.mjs and service_orders.test.mjs
  providers: { scoped: true, globalRead: true, create: true, update: true, del: true, imp: false },
  caregivers: { scoped: true, create: true, update: true, del: true, imp: true },
  service_orders: { scoped: true, create: true, update: true, del: false, imp: false },
  service_order_events: { perm: 'service_orders', scoped: true, create: false, update: false, del: false, imp: false },
  // care institutions, allowances, centenarian checks and inspections: scope tested in
  // institutions.test.mjs, allowances.test.mjs and inspections.test.mjs
  institutions: { perm: 'elders', scoped: true, create: true, update: true, del: true, imp: true },
  placements: { perm: 'elders', scoped: true, create: true, update: true, del: true, imp: false },
  attendance: { perm: 'elders', scoped: true, create: true, update: true, del: true, imp: false },
  allowance_rates: { perm: 'subsidy_rules', scoped: true, globalRead: true, create: true, update: true, del: true, imp: false },
  allowance_cycles: { perm: 'elders', scoped: true, create: true, update: true, del: true, imp: false },
  allowance_lines: { perm: 'elders', scoped: true, create: false, update: false, del: false, imp: false },
  centenarian_verifications: { perm: 'elders', scoped: true, create: true, update: false, del: false, imp: false },
  inspections: { perm: 'elders', scoped: true, create: true, update: true, del: false, imp: false },
  // care plans and settlements: scope (a provider's own) tested in care_plans.test.mjs and settlement.test.mjs
  care_plans: { perm: 'service_orders', scoped: true, create: true, update: true, del: true, imp: false },
  settlements: { perm: 'service_orders', scoped: true, create: false, update: true, del: true, imp: false },
  settlement_lines: { perm: 'service_orders', scoped: true, create: false, update: false, del: false, imp: false },
};
/* The kinds the generic routes are driven through below; each needs its in- and out-of-scope
 * records in authz_world.mjs. The eldercare kinds are described above (so a new kind still fails
 * the first test) and their scope is tested in elders.test.mjs and assessments.test.mjs until
 * the world holds elders too. */
const WORLD_KINDS = ['org_units', 'buildings', 'persons', 'households', 'household_members', 'users', 'roles', 'dict_items', 'audit_log'];
const WHO = [...ROLES, 'anonymous'];
const ABSENT = 99999999;

let srv, w, mk;
before(async () => {
  srv = await startServer();
  w = await buildWorld(srv);
  mk = makers(w);
});
after(async () => { await srv.stop(); });

/* The target of a case: the in-scope record, the one just out of the caller's scope, or (kinds
 * without scope) an id no record has. */
const target = (who, kind, kase) => (kase === 'in' ? w.inRec[kind] : kase === 'absent' ? ABSENT : w.outRec[who][kind]);
const outKase = (kind) => (KINDS[kind].scoped ? 'out' : 'absent');
const outUnit = (who) => w.outRec[who]?.unit;
const client = (who) => w.c[who];
const readPerm = (kind) => `${KINDS[kind].perm || kind}.read`;
const writePerm = (kind) => `${KINDS[kind].perm || kind}.write`;
const canRead = (who, kind) => who !== 'anonymous' && (KINDS[kind].globalRead || can(who, readPerm(kind)));

/* A case: who, which target, the request, the expected status, and what else must hold. */
const kase = (who, which, call, status, check) => ({ who, which, call, status, check });
const total = (n) => (r) => assert.equal(r.body.meta.total, n);
const exported = (n) => (r) => assert.equal(r.headers.get('x-total-count'), String(n));
const refused = (field) => (r) => assert.equal(r.body.error.field_codes[field], 'unknown_reference', JSON.stringify(r.body));

/* For each kind and role: 'in' and the out (or absent) case; anonymous answers 401 everywhere. */
function perKind(fn, kinds = WORLD_KINDS) {
  const out = [];
  for (const kind of kinds)
    for (const who of WHO)
      for (const which of ['in', outKase(kind)]) {
        const c = fn(kind, who, which);
        if (c) out.push({ ...c, kind });
      }
  return out;
}

/* A resident of the unit without a household: made by the district administrator, or (in the
 * other district, which no role reaches) the one the command line made there. */
const headIn = async (unit) => (unit === w.U.G_D2 ? w.outRec.district_admin.persons : (await mk.person(unit)).id);

/* A unit's division code (units of the other district only the database shows). */
const unitCode = async (id) => {
  const r = await w.admin.get(`/api/v1/org_units/${id}`);
  return r.status === 200 ? r.body.data.code : sql(srv.db, `SELECT code FROM org_units WHERE id = ${id}`);
};

/* A day-care centre in the grid worker's community, and a street cycle of a month of its own, made
 * by the district administrator (run by the street administrator when `run`). */
let centre = null, cycleMonth = 0, settlementMonth = 0;
/* Months of 2010 onwards, one a settlement, so no two cases meet on one provider's month. */
const nextSettlementMonth = () => { const k = settlementMonth++; return `${2010 + Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`; };
const draftSettlement = async () => (await w.admin.post('/api/v1/settlements', { provider_id: w.P1, month: nextSettlementMonth() })).body.data.id;
const dayCareCentre = async () => {
  if (!centre) centre = (await w.admin.post('/api/v1/institutions', { name: uniq('矩阵日间照料'), kind: 'day_care', org_id: w.U.C, beds: 10 })).body.data.id;
  return centre;
};
const streetCycle = async (run) => {
  const k = cycleMonth++;                     // one a case: a year back every twelve
  const month = `${2025 - Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, "0")}`;
  const c = await w.admin.post('/api/v1/allowance_cycles', { org_id: w.U.S, month });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  if (run) assert.equal((await w.c.street_admin.post(`/api/v1/allowance_cycles/${c.body.data.id}/run`)).status, 200);
  return c.body.data.id;
};

/* Create bodies: in scope, and naming a unit or record just out of the caller's scope. */
async function createBody(kind, who, which) {
  const out = which === 'out';
  const unit = out ? outUnit(who) : w.U.G;
  switch (kind) {
    case 'persons': return [{ name: '矩阵', id_number: freshId({ from: '1964-01-01' }), org_id: unit }, 'org_id'];
    case 'buildings': return [{ name: uniq('矩阵楼'), kind: 'residential', org_id: unit }, 'org_id'];
    case 'households': return [{ org_id: unit, head_person_id: await headIn(unit), kind: 'family' }, 'org_id'];
    case 'household_members': {
      const p = await headIn(out ? unit : w.U.G);
      return [{ household_id: target(who, 'households', which), person_id: p, relation: 'child', start_date: '2020-01-01' }, 'household_id'];
    }
    case 'org_units': {
      const parent = out ? w.outRec[who].parent : w.U.C;
      const code = await unitCode(parent);
      return [{ name: uniq('矩阵网格'), level: 'grid', parent_id: parent, code: `${code}${String(900 + (Math.random() * 99 | 0))}` }, 'parent_id'];
    }
    case 'users': return [{ username: uniq('m'), password: 'Matrix2026pw', name: '矩阵用户', org_id: unit, roles: ['grid_worker'] }, 'org_id'];
    case 'dict_items': return [{ dict: 'person_tag', code: uniq('m'), label_zh: '矩阵', label_en: 'Matrix' }, null];
    default: return [{}, null];
  }
}

/* A small change each kind accepts from whoever may write it. */
const CHANGE = { persons: { note: '矩阵' }, buildings: { note: '矩阵' }, households: { note: '矩阵' }, household_members: { note: '矩阵' },
  org_units: { note: '矩阵' }, users: { name: '矩阵改名' }, dict_items: { label_en: 'Matrix' }, roles: { name_en: 'x' }, audit_log: { summary: 'x' } };

/* An import file of one row: in scope, or naming the unit (or head) just out of the caller's scope. */
async function importFile(kind, who, which) {
  const unit = which === 'out' ? outUnit(who) : w.U.G;
  switch (kind) {
    case 'persons': return `姓名,证件号码,所属社区/网格\n矩阵导入,${freshId({ from: '1965-01-01' })},${unit}\n`;
    case 'buildings': return `楼宇名称,楼宇类型,所属网格\n${uniq('导入楼')},residential,${unit}\n`;
    case 'households': return `所属社区/网格,户主,户别\n${unit},${await headIn(unit)},family\n`;
    case 'org_units': {
      const parent = which === 'out' ? w.outRec[who].parent : w.U.C;
      const code = await unitCode(parent);
      return `名称,层级,上级单位,区划/统计代码\n${uniq('导入网格')},grid,${parent},${code}${String(800 + (Math.random() * 99 | 0))}\n`;
    }
    case 'dict_items': return `字典,代码,中文名称,英文名称\nperson_tag,${uniq('i')},导入,Imported\n`;
    default: return 'id\n1\n';
  }
}
const IMPORT_FIELD = { persons: 'org_id', buildings: 'org_id', households: 'org_id', org_units: 'parent_id' };

const CSV = { headers: { 'Content-Type': 'text/csv' } };

function auditCases(path, holds) {
  return WHO.flatMap((who) => ['in', 'out'].map((which) => kase(who, which,
    () => client(who).get(`${path}?id=${target(who, 'audit_log', which)}`, { raw: path.includes('.') }),
    who === 'anonymous' ? 401 : can(who, 'audit.read') ? 200 : 403,
    can(who, 'audit.read') ? holds(which === 'in' ? 1 : 0) : null)));
}

/* A pending order of an elder in the grid G, for the first demo provider (w.P1). */
async function pendingOrder() {
  if (!w.P1) w.P1 = (await w.admin.get('/api/v1/users?q=provider_admin&per_page=50')).body.data.find((u) => u.username === 'provider_admin').provider_id;
  const person = await w.admin.post('/api/v1/persons', { name: '矩阵工单', id_number: freshId({ from: '1939-01-01' }), org_id: w.U.G });
  const elder = await w.admin.post('/api/v1/elders', { person_id: person.body.data.id });
  const item = (await w.admin.get('/api/v1/service_items?code=ZJ01')).body.data[0].id;
  const start = new Date(Date.now() + 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const end = new Date(Date.now() + 90000e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const o = await w.admin.post('/api/v1/service_orders', { elder_id: elder.body.data.id, service_item_id: item, channel: 'hotline',
    window_start: start, window_end: end, provider_id: w.P1 });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  return o.body.data.id;
}

/* An elder in G with a home location (for its QR code and emergencies). */
async function homeElder() {
  const person = await w.admin.post('/api/v1/persons', { name: '矩阵住址', id_number: freshId({ from: '1940-01-01' }), org_id: w.U.G });
  const e = await w.admin.post('/api/v1/elders', { person_id: person.body.data.id, home_lat_e6: 34780000, home_lng_e6: 113690000 });
  assert.equal(e.status, 201, JSON.stringify(e.body));
  return e.body.data;
}

/* An order in G taken by the demo caregiver's record. */
async function takenOrder() {
  const id = await pendingOrder();
  if (!w.CG1) w.CG1 = (await w.admin.get('/api/v1/users?q=caregiver&per_page=50')).body.data.find((u) => u.username === 'caregiver').caregiver_id;
  for (const body of [{ to: 'accepted' }, { to: 'dispatched', caregiver_id: w.CG1 }, { to: 'taken' }]) {
    const cur = await w.admin.get(`/api/v1/service_orders/${id}`);
    const r = await w.admin.post(`/api/v1/service_orders/${id}/transitions`, body, { headers: { 'If-Match': `"${cur.body.data.version}"` } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  return id;
}

/* An open emergency of an elder in G. */
async function sosIn() {
  const r = await w.admin.post('/api/v1/sos', { elder_id: (await homeElder()).id, channel: 'family' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data.order.id;
}

/* ---------- the expectation table: one entry per route, keyed by method and pattern ---------- */

const EXPECT = {
  'GET /api/v1/health': () => WHO.map((who) => kase(who, 'in', () => client(who).get('/api/v1/health'), 200)),

  'POST /api/v1/auth/login': () => ROLES.flatMap((who) => [
    kase(who, 'in', () => new Client(srv.base).post('/api/v1/auth/login', { username: who, password: PASSWORD }), 200),
    // "out": a wrong password is no way in
    kase(who, 'out', () => new Client(srv.base).post('/api/v1/auth/login', { username: who, password: 'Wrong2026pass' }), 401),
  ]),

  'POST /api/v1/auth/logout': () => [
    ...ROLES.map((who) => kase(who, 'in', async () => (await loginAs(srv.base, who)).post('/api/v1/auth/logout'), 200)),
    kase('anonymous', 'in', () => w.c.anonymous.post('/api/v1/auth/logout'), 401),
  ],

  'GET /api/v1/auth/me': () => WHO.map((who) => kase(who, 'in', () => client(who).get('/api/v1/auth/me'),
    who === 'anonymous' ? 401 : 200, who === 'anonymous' ? null : (r) => assert.equal(r.body.data.user.username, who))),

  'POST /api/v1/auth/password': () => WHO.map((who) => kase(who, 'in',
    () => client(who).post('/api/v1/auth/password', { old_password: 'Wrong2026pass', new_password: 'Another2026pw' }),
    who === 'anonymous' ? 401 : 422)),

  'POST /api/v1/auth/tokens': () => WHO.map((who) => kase(who, 'in', () => client(who).post('/api/v1/auth/tokens', { label: 'matrix', days: 1 }),
    who === 'anonymous' ? 401 : can(who, 'users.write') ? 201 : 403)),

  'GET /api/v1/meta': () => WHO.map((who) => kase(who, 'in', () => client(who).get('/api/v1/meta'), who === 'anonymous' ? 401 : 200)),
  'GET /api/v1/meta/routes': () => WHO.map((who) => kase(who, 'in', () => client(who).get('/api/v1/meta/routes'), who === 'anonymous' ? 401 : 200)),
  'GET /api/v1/openapi.json': () => WHO.map((who) => kase(who, 'in', () => client(who).get('/api/v1/openapi.json'), 200)),

  // the audit log: its own route and exports, read scope as for every scoped kind
  'GET /api/v1/audit': () => auditCases('/api/v1/audit', total),
  'GET /api/v1/audit.csv': () => auditCases('/api/v1/audit.csv', exported),
  'GET /api/v1/audit.xlsx': () => auditCases('/api/v1/audit.xlsx', exported),

  'GET /api/v1/stats/summary': () => WHO.flatMap((who) => ['in', 'out'].map((which) => kase(who, which,
    () => client(who).get(`/api/v1/stats/summary?org_id=${which === 'in' ? w.U.G : outUnit(who) || ABSENT}`),
    who === 'anonymous' ? 401 : !can(who, 'persons.read') ? 403 : which === 'in' ? 200 : 404))),

  'POST /api/v1/households/{id}/change_head': () => WHO.flatMap((who) => ['in', 'out'].map((which) => kase(who, which, async () => {
    let hh = target(who, 'households', which) || ABSENT, person = null;
    if (which === 'in') {         // a household of two, so the head can change
      hh = await mk.households();
      person = (await mk.person()).id;
      assert.equal((await w.admin.post('/api/v1/household_members', { household_id: hh, person_id: person, relation: 'spouse', start_date: '2020-01-01' })).status, 201);
    }
    return client(who).post(`/api/v1/households/${hh}/change_head`, { person_id: person || w.inRec.persons, former_head_relation: 'spouse' });
  }, who === 'anonymous' ? 401 : !can(who, 'households.write') ? 403 : which === 'in' ? 200 : 404))),

  // an assessment of an elder in scope gets past permission and scope to the item checks (422:
  // nothing scored); an elder no one has is 404, never 403 or 500
  'POST /api/v1/elders/{id}/assessments': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
    let elder = ABSENT;
    if (which === 'in') {
      const person = await w.admin.post('/api/v1/persons', { name: '矩阵老人', id_number: freshId({ from: '1940-01-01' }), org_id: w.U.G });
      assert.equal(person.status, 201, JSON.stringify(person.body));
      const e = await w.admin.post('/api/v1/elders', { person_id: person.body.data.id });
      assert.equal(e.status, 201, JSON.stringify(e.body));
      elder = e.body.data.id;
    }
    return client(who).post(`/api/v1/elders/${elder}/assessments`, { standard: 'GB/T 42195-2022', reason: 'first', assessors: [], items: {} });
  }, who === 'anonymous' ? 401 : !can(who, 'elders.write') ? 403 : which === 'in' ? 422 : 404))),

  // the assessment form's items and staff: readers get the items; the staff offered are those the
  // caller may name as assessors (the in-scope user, never the one just outside; none without elders.write)
  'GET /api/v1/assessments/form': () => WHO.flatMap((who) => ['in', 'out'].map((which) => kase(who, which,
    () => client(who).get('/api/v1/assessments/form'),
    who === 'anonymous' ? 401 : !can(who, 'elders.read') ? 403 : 200,
    (r) => {
      if (r.status !== 200) return;
      assert.equal(r.body.data.standards[0].items.length, 26);
      const ids = r.body.data.staff.map((u) => u.id);
      const user = target(who, 'users', which);
      assert.equal(ids.includes(user), which === 'in' && can(who, 'elders.write'), `${who} ${which}: ${ids}`);
    }))),

  // a day-care centre in the community: writers in scope get past scope to the body check (422: no
  // entries); a centre no one has is 404
  'POST /api/v1/institutions/{id}/attendance': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
    const id = which === 'in' ? await dayCareCentre() : ABSENT;
    return client(who).post(`/api/v1/institutions/${id}/attendance`, { day: '2026-01-05', entries: [] });
  }, who === 'anonymous' ? 401 : !can(who, 'elders.write') ? 403 : which === 'in' ? 422 : 404))),

  // allowance cycles belong to a street or the district: a community worker reaches none (404);
  // the approver must not be who ran the list (the street administrator runs these)
  'POST /api/v1/allowance_cycles/{id}/run': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
    const id = which === 'in' ? await streetCycle(false) : ABSENT;
    return client(who).post(`/api/v1/allowance_cycles/${id}/run`);
  }, who === 'anonymous' ? 401 : !can(who, 'elders.write') ? 403 : which === 'absent' || who === 'community_worker' ? 404 : 200))),

  'POST /api/v1/allowance_cycles/{id}/approve': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
    const id = which === 'in' ? await streetCycle(true) : ABSENT;
    return client(who).post(`/api/v1/allowance_cycles/${id}/approve`);
  }, who === 'anonymous' ? 401 : !can(who, 'elders.write') ? 403 : which === 'absent' || who === 'community_worker' ? 404
    : who === 'street_admin' ? 409 : 200))),

  'GET /api/v1/stats/eldercare': () => WHO.flatMap((who) => ['in', 'out'].map((which) => kase(who, which,
    () => client(who).get(`/api/v1/stats/eldercare?org_id=${which === 'in' ? w.U.G : outUnit(who) || ABSENT}`),
    // a provider's people read elders through their orders, not by unit: no unit is theirs
    who === 'anonymous' ? 401 : !can(who, 'elders.read') ? 403 : which === 'in' && !UNITLESS.includes(who) ? 200 : 404))),

  // a service order of an elder in G with the demo provider_admin's provider, pending: accepting it is
  // the intake's move (200), a provider's administrator sees it but may not (403), a caregiver has no
  // such order (404); a role that moves no order at all is refused first (403)
  'POST /api/v1/service_orders/{id}/transitions': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
    const id = which === 'in' ? await pendingOrder() : ABSENT;
    return client(who).post(`/api/v1/service_orders/${id}/transitions`, { to: 'accepted' }, { headers: { 'If-Match': '"1"' } });
  }, who === 'anonymous' ? 401 : !can(who, 'service_orders.read') || !FLOW_PERMS.some((p) => can(who, p)) ? 403
    : which === 'absent' || who === 'caregiver' ? 404 : can(who, 'service_orders.intake') ? 200 : 403))),

  'GET /api/v1/service_orders/{id}/suggestions': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
    const id = which === 'in' ? await pendingOrder() : ABSENT;
    return client(who).get(`/api/v1/service_orders/${id}/suggestions`);
  }, who === 'anonymous' ? 401 : !can(who, 'service_orders.dispatch') ? 403 : which === 'in' ? 200 : 404,
  (r) => { if (r.status === 200) assert.ok(r.body.data.length > 0 && r.body.data.every((x) => x.provider_id === w.P1)); }))),

  // care plans and settlements: generating a day is the intake's; settling is the district's
  // (service_orders.settle). A settlement of the demo provider_admin's provider for a month of its
  // own each case: computing again is 200, its computer may not approve it (409), a draft takes no
  // correction (409); a settlement no one has is 404.
  'POST /api/v1/care_plans/generate': () => WHO.flatMap((who) => ['in', 'out'].map((which) => kase(who, which,
    () => client(who).post('/api/v1/care_plans/generate', { date: '2031-01-01' }),
    who === 'anonymous' ? 401 : !can(who, 'service_orders.intake') ? 403 : 200))),
  'POST /api/v1/settlements': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which,
    () => client(who).post('/api/v1/settlements', { provider_id: which === 'in' ? w.P1 : ABSENT, month: nextSettlementMonth() }),
    who === 'anonymous' ? 401 : !can(who, 'service_orders.settle') ? 403 : which === 'in' ? 201 : 422))),
  ...Object.fromEntries([['compute', 200], ['approve', 409], ['corrections', 409]].map(([step, status]) => [`POST /api/v1/settlements/{id}/${step}`,
    () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
      const id = which === 'in' ? await draftSettlement() : ABSENT;
      return client(who).post(`/api/v1/settlements/${id}/${step}`, step === 'corrections' ? { line_id: 1, subsidy_delta: 1, reason: 'x' } : undefined);
    }, who === 'anonymous' ? 401 : !can(who, 'service_orders.settle') ? 403 : which === 'in' ? status : 404)))])),

  // the QR code of a home in G: those who may change the elder print it; a caregiver, who reads
  // the elder through an order, must not (they could check in from anywhere)
  'GET /api/v1/elders/{id}/qr.svg': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
    const id = which === 'in' ? (await homeElder()).id : ABSENT;
    return client(who).get(`/api/v1/elders/${id}/qr.svg`, { raw: true });
  }, who === 'anonymous' ? 401 : !can(who, 'elders.write') ? 403 : which === 'in' ? 200 : 404))),

  // check-in and check-out of an order taken by the demo caregiver: the caregiver gets past every
  // gate to the body (422: no location); anyone else who serves is not the order's caregiver (403)
  ...Object.fromEntries(['check_in', 'check_out'].map((act) => [`POST /api/v1/service_orders/{id}/${act}`, () => WHO.flatMap((who) =>
    ['in', 'absent'].map((which) => kase(who, which, async () => {
      const id = which === 'in' ? await takenOrder() : ABSENT;
      return client(who).post(`/api/v1/service_orders/${id}/${act}`, {});
    }, who === 'anonymous' ? 401 : !can(who, 'service_orders.serve') ? 403 : which === 'absent' ? 404
      : who === 'caregiver' ? 422 : 403)))])),

  // an emergency for an elder in G: every intake role reaching G raises it; one outside (absent) is unknown
  'POST /api/v1/sos': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
    const elder = which === 'in' ? (await homeElder()).id : ABSENT;
    return client(who).post('/api/v1/sos', { elder_id: elder, channel: 'hotline', note: '矩阵' });
  }, who === 'anonymous' ? 401 : !can(who, 'service_orders.intake') ? 403 : which === 'in' ? 201 : 422))),

  'GET /api/v1/sos': () => WHO.map((who) => kase(who, 'in', () => client(who).get('/api/v1/sos?open=1'),
    who === 'anonymous' ? 401 : !can(who, 'service_orders.read') ? 403 : 200)),

  // an emergency has no provider yet: a provider's people do not see it
  'GET /api/v1/sos/{id}': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
    const id = which === 'in' ? await sosIn() : ABSENT;
    return client(who).get(`/api/v1/sos/${id}`);
  }, who === 'anonymous' ? 401 : !can(who, 'service_orders.read') ? 403 : which === 'in' && !UNITLESS.includes(who) ? 200 : 404))),

  'POST /api/v1/sos/{id}/close': () => WHO.flatMap((who) => ['in', 'absent'].map((which) => kase(who, which, async () => {
    const id = which === 'in' ? await sosIn() : ABSENT;
    return client(who).post(`/api/v1/sos/${id}/close`, { outcome: 'false_alarm', note: '矩阵：误报' });
  }, who === 'anonymous' ? 401 : !can(who, 'service_orders.intake') ? 403 : which === 'in' ? 200 : 404))),

  // ---- the generic record routes, for every kind ----

  'POST /api/v1/{res}/import': () => perKind((kind, who, which) => (!KINDS[kind].scoped && which !== 'in' ? null : kase(who, which, async () => {
    const dry = which === 'in' ? '?dry_run=1' : '';
    return client(who).post(`/api/v1/${kind}/import${dry}`, await importFile(kind, who, which), CSV);
  }, who === 'anonymous' ? 401 : !can(who, 'data.import') ? 403 : !KINDS[kind].imp ? 405 : !can(who, writePerm(kind)) ? 403
    : which === 'in' ? 200 : 422,
  (r) => {
    if (r.status === 200) assert.equal(r.body.data.summary.error_count, 0, JSON.stringify(r.body));
    if (r.status === 422) {     // refused whole, the row naming what it may not reach
      assert.equal(r.body.error.code, 'import_failed');
      assert.equal(r.body.error.rows[0].code, 'unknown_reference', JSON.stringify(r.body));
      assert.equal(r.body.error.rows[0].field, IMPORT_FIELD[kind]);
    }
  }))),

  ...Object.fromEntries(['csv', 'xlsx'].map((ext) => [`GET /api/v1/{res}.${ext}`, () => perKind((kind, who, which) => kase(who, which,
    () => client(who).get(`/api/v1/${kind}.${ext}?id=${target(who, kind, which)}`, { raw: true }),
    who === 'anonymous' ? 401 : !can(who, 'data.export') ? 403 : !canRead(who, kind) ? 403 : 200,
    (r) => { if (r.status === 200) exported(which === 'in' ? 1 : 0)(r); }))])),

  'GET /api/v1/{res}': () => perKind((kind, who, which) => kase(who, which,
    () => client(who).get(`/api/v1/${kind}?id=${target(who, kind, which)}`),
    who === 'anonymous' ? 401 : !canRead(who, kind) ? 403 : 200,
    (r) => { if (r.status === 200) total(which === 'in' ? 1 : 0)(r); })),

  'POST /api/v1/{res}': () => perKind((kind, who, which) => {
    if (!KINDS[kind].scoped && which !== 'in') return null;     // nothing to reach outside of
    return kase(who, which, async () => {
      const [body] = await createBody(kind, who, which);
      return client(who).post(`/api/v1/${kind}`, body);
    }, who === 'anonymous' ? 401 : !KINDS[kind].create ? 405 : !can(who, writePerm(kind)) ? 403 : which === 'in' ? 201 : 422,
    async (r) => {
      if (r.status === 422) refused((await createBody(kind, who, which))[1])(r);
    });
  }),

  'GET /api/v1/{res}/{id}': () => perKind((kind, who, which) => kase(who, which,
    () => client(who).get(`/api/v1/${kind}/${target(who, kind, which)}`),
    who === 'anonymous' ? 401 : !canRead(who, kind) ? 403 : which === 'in' ? 200 : 404)),

  'PATCH /api/v1/{res}/{id}': () => perKind((kind, who, which) => kase(who, which, async () => {
    const id = target(who, kind, which);
    const cur = await w.admin.get(`/api/v1/${kind}/${id}`);
    const version = cur.status === 200 ? cur.body.data.version : 1;
    return client(who).patch(`/api/v1/${kind}/${id}`, CHANGE[kind], { headers: { 'If-Match': `"${version}"` } });
  }, who === 'anonymous' ? 401 : !KINDS[kind].update ? 405
    : which === 'in' ? (can(who, writePerm(kind)) ? 200 : canRead(who, kind) ? 403 : 404) : 404)),

  'DELETE /api/v1/{res}/{id}': () => perKind((kind, who, which) => kase(who, which, async () => {
    // a record of its own for each delete that may succeed
    const fresh = kind === 'households' ? mk.emptyHousehold : mk[kind];
    const id = which === 'in' && fresh && KINDS[kind].del && can(who, writePerm(kind)) ? await fresh() : target(who, kind, which);
    return client(who).del(`/api/v1/${kind}/${id}?reason=matrix`);
  }, who === 'anonymous' ? 401 : !KINDS[kind].del ? 405
    : which === 'in' ? (can(who, writePerm(kind)) ? 200 : canRead(who, kind) ? 403 : 404) : 404)),

  'GET /api/v1/{res}/{id}/history': () => perKind((kind, who, which) => kase(who, which,
    () => client(who).get(`/api/v1/${kind}/${target(who, kind, which)}/history`),
    who === 'anonymous' ? 401 : !canRead(who, kind) ? 403 : which === 'in' ? 200 : 404)),
};

/* ---------- the tests ---------- */

test('the expectation table covers exactly the routes the server has, and every declared record kind', async () => {
  const r = (await w.admin.get('/api/v1/meta/routes')).body.data;
  const routes = r.routes.map((x) => `${x.method} ${x.pattern}`).sort();
  assert.deepEqual(routes, Object.keys(EXPECT).sort(), 'a route was added or removed: give it its row in EXPECT');
  assert.deepEqual([...r.resources].sort(), Object.keys(KINDS).sort(), 'a record kind was added or removed: describe it in KINDS');
  // the permissions each route declares are the ones the table assumes
  for (const x of r.routes) if (x.perm) assert.ok(Object.values(PERMS).flat().includes(x.perm), `${x.method} ${x.pattern}: ${x.perm}`);
});

let cells = 0;
for (const [route, cases] of Object.entries(EXPECT)) {
  test(`matrix: ${route}`, async () => {
    const failures = [];
    for (const c of cases()) {
      const r = await c.call();
      cells++;
      const where = `${route}${c.kind ? ` [${c.kind}]` : ''} as ${c.who}, ${c.which}`;
      if (r.status !== c.status) { failures.push(`${where}: ${r.status}, expected ${c.status} ${JSON.stringify(r.body)?.slice(0, 200)}`); continue; }
      try { if (c.check) await c.check(r); } catch (e) { failures.push(`${where}: ${e.message}`); }
    }
    assert.deepEqual(failures, []);
  });
}

test('side doors: filters, exports and imports naming another community reach nobody there', async () => {
  const cw = w.c.community_worker, other = w.U.C2;
  // filters by unit, by the other community's records, and the unit picker's ?within=
  for (const q of [`org_id=${other}`, `org_id=${w.U.G2}`, `id=${w.outRec.community_worker.persons}`]) {
    const r = await cw.get(`/api/v1/persons?${q}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.meta.total, 0, q);
  }
  assert.equal((await cw.get(`/api/v1/households?head_person_id=${w.outRec.community_worker.persons}`)).body.meta.total, 0);
  assert.equal((await cw.get(`/api/v1/household_members?household_id=${w.outRec.community_worker.households}`)).body.meta.total, 0);
  // exports of the other community's filter hold nobody, in CSV and XLSX
  for (const ext of ['csv', 'xlsx']) {
    const r = await cw.get(`/api/v1/persons.${ext}?org_id=${other}`, { raw: true });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-total-count'), '0');
  }
  // and while the street administrator sees the same filter filled
  assert.ok((await w.c.street_admin.get(`/api/v1/persons?org_id=${other}`)).body.meta.total > 0);
  // a body naming the other community's records: a household headed by their resident
  const hh = await cw.post('/api/v1/households', { org_id: w.U.G, head_person_id: w.outRec.community_worker.persons });
  assert.equal(hh.status, 422);
  assert.equal(hh.body.error.field_codes.head_person_id, 'unknown_reference');
  // an import whose row names the other community's grid changes nothing
  const before = (await w.c.street_admin.get(`/api/v1/persons?org_id=${other}&per_page=1`)).body.meta.total;
  const imp = await cw.post('/api/v1/persons/import', `姓名,证件号码,所属社区/网格\n越界导入,${freshId({ from: '1966-01-01' })},${w.U.G2}\n`, CSV);
  assert.equal(imp.status, 422);
  assert.equal(imp.body.error.rows[0].code, 'unknown_reference');
  assert.equal((await w.c.street_admin.get(`/api/v1/persons?org_id=${other}&per_page=1`)).body.meta.total, before);
  // unmasking another community's resident is a 404 like any other read
  assert.equal((await cw.get(`/api/v1/persons/${w.outRec.community_worker.persons}?unmask=1`)).status, 404);
});

test('the matrix ran every cell', () => {
  // routes × roles (+ anonymous) × in/out, with each {res} route once per record kind
  assert.ok(cells > 900, `${cells} cells`);
  console.log(`authz matrix: ${cells} cells over ${Object.keys(EXPECT).length} routes, ${Object.keys(KINDS).length} record kinds, ${WHO.length} callers`);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
