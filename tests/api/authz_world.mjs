// The world the authorization matrix (authz_matrix.test.mjs) runs in: a demo district on a real
// server, a session for every built-in role, and for each role a unit and records inside its
// scope and the nearest unit and records just outside it:
//
//   grid_worker       in: its grid G            out: a second grid of the same community (Gsib)
//   community_worker  in: G (its community C)   out: the grid of the next community of the street (G2)
//   street_admin      in: G (its street)        out: a grid of another street of the district (G3)
//   district_admin,   in: G (金水区)            out: a grid of another district (中原区), made with
//   auditor,                                         the command line, which no role can reach
//   hotline_operator
//   provider_admin,   hold none of the registry's permissions: every registry route is theirs to be
//   caregiver         refused (403), with the district's out records as targets
//
// Each out unit holds a resident, a building, a household (with its head as member) and a user;
// the audit log holds the entries of their creation, filed under their unit.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loginAs, freshId, run, sql, Client } from './lib.mjs';

export const ROLES = ['district_admin', 'street_admin', 'community_worker', 'grid_worker', 'auditor',
  'hotline_operator', 'provider_admin', 'caregiver'];

let seq = 0;
export const uniq = (p) => `${p}${process.pid % 1000}${String(++seq).padStart(3, '0')}`;

function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data;
}

/* Runs `shequ import` (the command line acts with scope over everything) on a CSV. */
function cliImport(srv, resource, csv) {
  const file = join(srv.dir, `${uniq(resource)}.csv`);
  writeFileSync(file, csv);
  const r = run(['import', resource, file, '--db', srv.db]);
  assert.equal(r.code, 0, `shequ import ${resource}: ${r.stdout} ${r.stderr}`);
}

export async function buildWorld(srv) {
  const c = {};
  for (const u of [...ROLES, 'community_worker2']) c[u] = await loginAs(srv.base, u);
  c.anonymous = new Client(srv.base);
  const admin = c.district_admin;
  const unitOf = async (u) => (await c[u].get('/api/v1/auth/me')).body.data.user.org_id;
  const unit = async (id) => ok(await admin.get(`/api/v1/org_units/${id}`), `unit ${id}`);
  const U = { D: await unitOf('district_admin'), S: await unitOf('street_admin'), C: await unitOf('community_worker'),
    G: await unitOf('grid_worker'), C2: await unitOf('community_worker2') };
  U.G2 = (await admin.get(`/api/v1/org_units?parent_id=${U.C2}&level=grid`)).body.data[0].id;
  const otherStreet = (await admin.get(`/api/v1/org_units?parent_id=${U.D}&level=street&per_page=50`)).body.data
    .find((s) => s.id !== U.S);
  U.S2 = otherStreet.id;
  U.C3 = (await admin.get(`/api/v1/org_units?parent_id=${U.S2}&level=community`)).body.data[0].id;
  U.G3 = (await admin.get(`/api/v1/org_units?parent_id=${U.C3}&level=grid`)).body.data[0].id;
  const gridC = await unit(U.G);
  const community = await unit(U.C);
  // a second grid in the grid worker's community
  U.Gsib = ok(await admin.post('/api/v1/org_units', { name: '第二网格', level: 'grid', parent_id: U.C,
    code: `${community.code}098` }), 'second grid').id;
  assert.notEqual(gridC.code, `${community.code}098`);
  // another district: a community and a grid under one of its streets, by the command line
  // (no role sees it, so it is looked up in the database)
  const q = (text) => sql(srv.db, text);
  U.D2 = Number(q(`SELECT id FROM org_units WHERE level = 'district' AND id <> ${U.D} ORDER BY id LIMIT 1`));
  const [streetId, streetCode] = q(`SELECT id, code FROM org_units WHERE parent_id = ${U.D2} AND level = 'street' ORDER BY id LIMIT 1`).split('|');
  const street = { id: Number(streetId), code: streetCode };
  cliImport(srv, 'org_units', `名称,层级,上级单位,区划/统计代码\n外区社区,community,${street.id},${street.code}001\n`);
  U.C_D2 = Number(q(`SELECT id FROM org_units WHERE code = '${street.code}001'`));
  cliImport(srv, 'org_units', `名称,层级,上级单位,区划/统计代码\n外区网格,grid,${U.C_D2},${street.code}001001\n`);
  U.G_D2 = Number(q(`SELECT id FROM org_units WHERE code = '${street.code}001001'`));

  // records in a unit: through the API (the district administrator) or the command line
  const records = async (g, parent) => {
    const rec = { unit: g, parent };
    if (g === U.G_D2) {
      const id = freshId({ from: '1961-01-01' });
      cliImport(srv, 'persons', `姓名,证件号码,所属社区/网格\n外区居民,${id},${g}\n`);
      const n = (sql) => Number(q(sql));
      rec.persons = n(`SELECT max(id) FROM persons WHERE org_id = ${g}`);
      cliImport(srv, 'buildings', `楼宇名称,楼宇类型,所属网格\n外区楼,residential,${g}\n`);
      rec.buildings = n(`SELECT max(id) FROM buildings WHERE org_id = ${g}`);
      cliImport(srv, 'households', `所属社区/网格,户主,户别\n${g},${rec.persons},family\n`);
      rec.households = n(`SELECT max(id) FROM households WHERE org_id = ${g}`);
      rec.household_members = n(`SELECT max(id) FROM household_members WHERE household_id = ${rec.households}`);
      const username = uniq('out_user');
      const u = run(['user', 'add', '--username', username, '--name', '外区用户', '--org', String(g), '--roles', 'grid_worker',
        '--password', 'Outside2026pw', '--db', srv.db]);
      assert.equal(u.code, 0, u.stderr);
      rec.users = n(`SELECT id FROM users WHERE username = '${username}'`);
    } else {
      const p = ok(await admin.post('/api/v1/persons', { name: '范围测试', id_number: freshId({ from: '1962-01-01' }), org_id: g }), 'person');
      rec.persons = p.id;
      rec.buildings = ok(await admin.post('/api/v1/buildings', { name: uniq('楼'), kind: 'residential', org_id: g }), 'building').id;
      const hh = ok(await admin.post('/api/v1/households', { org_id: g, head_person_id: p.id, kind: 'family' }), 'household');
      rec.households = hh.id;
      rec.household_members = (await admin.get(`/api/v1/household_members?household_id=${hh.id}`)).body.data[0].id;
      rec.users = ok(await admin.post('/api/v1/users', { username: uniq('u'), password: 'Inside2026pw', name: '范围用户',
        org_id: g, roles: ['grid_worker'] }), 'user').id;
    }
    rec.org_units = g;
    // the entry of the household's creation, filed under the unit
    rec.audit_log = Number(q(
      `SELECT max(id) FROM audit_log WHERE org_id = ${g} OR org_path LIKE (SELECT org_path FROM org_units WHERE id = ${g}) || '%'`));
    assert.ok(rec.audit_log > 0, `an audit entry under unit ${g}`);
    return rec;
  };
  const inRec = await records(U.G, U.C);
  const outRec = {
    grid_worker: await records(U.Gsib, U.C),
    community_worker: await records(U.G2, U.C2),
    street_admin: await records(U.G3, U.C3),
  };
  outRec.district_admin = outRec.auditor = outRec.anonymous = await records(U.G_D2, U.C_D2);
  // the 12349 operator works at the district; a provider's people reach no unit at all
  outRec.hotline_operator = outRec.provider_admin = outRec.caregiver = outRec.district_admin;
  // kinds without scope: a dictionary item and a role readable by all; "absent" is an id no record has
  inRec.dict_items = (await admin.get('/api/v1/dict_items?dict=person_tag&per_page=1')).body.data[0].id;
  inRec.roles = (await admin.get('/api/v1/roles?per_page=1')).body.data[0].id;

  return { c, U, inRec, outRec, admin, community };
}

/* Disposable in-scope records (for deletes and changes of head), made by the district administrator. */
export function makers(w) {
  const { admin, U } = w;
  const person = async (g = U.G) => ok(await admin.post('/api/v1/persons', { name: '临时', id_number: freshId({ from: '1963-01-01' }), org_id: g }), 'person');
  return {
    person,
    persons: async () => (await person()).id,
    buildings: async () => ok(await admin.post('/api/v1/buildings', { name: uniq('临时楼'), kind: 'residential', org_id: U.G }), 'building').id,
    households: async () => ok(await admin.post('/api/v1/households', { org_id: U.G, head_person_id: (await person()).id, kind: 'family' }), 'household').id,
    /* a household may only be deleted once nobody lives in it: its head has left */
    emptyHousehold: async () => {
      const hh = ok(await admin.post('/api/v1/households', { org_id: U.G, head_person_id: (await person()).id, kind: 'family' }), 'household').id;
      const m = (await admin.get(`/api/v1/household_members?household_id=${hh}`)).body.data[0];
      ok(await admin.patchFresh(`/api/v1/household_members/${m.id}`, { end_date: m.start_date, end_reason: 'moved_out' }), 'head leaves');
      return hh;
    },
    org_units: async () => ok(await admin.post('/api/v1/org_units', { name: uniq('临时网格'), level: 'grid', parent_id: U.C,
      code: `${w.community.code}${String(100 + (++seq % 800)).padStart(3, '0')}` }), 'grid').id,
    users: async () => ok(await admin.post('/api/v1/users', { username: uniq('tmp'), password: 'Temp2026pass', name: '临时用户',
      org_id: U.G, roles: ['grid_worker'] }), 'user').id,
    dict_items: async () => ok(await admin.post('/api/v1/dict_items', { dict: 'person_tag', code: uniq('t'), label_zh: '临时', label_en: 'Temp' }), 'dict').id,
  };
}
