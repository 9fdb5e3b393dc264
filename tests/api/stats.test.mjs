// The dashboard summary (GET /api/v1/stats/summary): every number it gives equals the total of the
// list the console links it to (same unit, same caller, same filters), ages agree with the age a
// record shows, it follows the caller's scope like every other read, and it follows writes at once
// even though answers are kept in the cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loginAs, freshId, stopAndCollect, Client } from './lib.mjs';

let srv, admin, cw, cw2, gw;
let district, community, grid, community2, gridOfWorker;

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.base, 'district_admin');
  cw = await loginAs(srv.base, 'community_worker');
  cw2 = await loginAs(srv.base, 'community_worker2');
  gw = await loginAs(srv.base, 'grid_worker');
  const me = async (c) => (await c.get('/api/v1/auth/me')).body.data.user.org_id;
  district = await me(admin);
  community = await me(cw);
  community2 = await me(cw2);
  gridOfWorker = await me(gw);
  grid = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0].id;
});
after(async () => { await srv.stop(); });

/* today in Asia/Shanghai, as the server counts ages */
const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);

/* n years before today; 29 February falls back to the 28th in a common year (age is whole years) */
const anniversary = (n) => {
  const y = Number(today.slice(0, 4)) - n;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return `${y}${today.slice(4) === '-02-29' && !leap ? '-02-28' : today.slice(4)}`;
};

const summary = async (c, orgId) => {
  const r = await c.get(`/api/v1/stats/summary${orgId === undefined ? '' : `?org_id=${orgId}`}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.data;
};
/* meta.total of a list, the number a dashboard link leads to */
const total = async (c, path) => {
  const r = await c.get(`${path}${path.includes('?') ? '&' : '?'}per_page=1`);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body.meta.total;
};
const persons = (c, org, extra = '') => total(c, `/api/v1/persons?org_id=${org}&status=active${extra}`);
const households = (c, org) => total(c, `/api/v1/households?org_id=${org}`);

test('without org_id the summary is of the caller\'s own unit, with today\'s date and the cutoffs used', async () => {
  const s = await summary(admin);
  assert.deepEqual(Object.keys(s.unit).sort(), ['id', 'level', 'name']);
  assert.equal(s.unit.id, district);
  assert.equal(s.unit.level, 'district');
  assert.equal(s.as_of, today);
  for (const n of [60, 80, 100]) assert.equal(s.cutoffs[`aged_${n}`], anniversary(n), `aged_${n}`);
  assert.deepEqual(Object.keys(s.units).sort(), ['community', 'grid', 'street']);
  assert.equal((await summary(cw)).unit.id, community);
  assert.equal((await summary(gw)).unit.id, gridOfWorker);
});

test('residents and households equal the lists\' totals, for the unit and for each direct child', async () => {
  for (const [c, org] of [[admin, district], [cw, community]]) {
    const s = await summary(c, org);
    assert.equal(s.persons, await persons(c, org), `persons of ${org}`);
    assert.equal(s.households, await households(c, org), `households of ${org}`);
    const kids = (await c.get(`/api/v1/org_units?parent_id=${org}&per_page=500&sort=code`)).body.data;
    assert.deepEqual(s.children.map((k) => k.id), kids.map((k) => k.id), 'the direct children, in code order');
    for (const k of s.children.slice(0, 4)) {
      assert.equal(k.persons, await persons(c, k.id), `persons of child ${k.id}`);
      assert.equal(k.households, await households(c, k.id), `households of child ${k.id}`);
      assert.equal(k.aged_60, await persons(c, k.id, `&birth_date__lte=${s.cutoffs.aged_60}`), `aged 60+ of child ${k.id}`);
    }
    // what is not under a child is attached to the unit itself: the parts add up to the whole
    for (const f of ['persons', 'aged_60', 'households'])
      assert.equal(s.children.reduce((a, k) => a + k[f], 0) + s.at_unit[f], s[f], f);
  }
});

test('descendant units are counted by level', async () => {
  const s = await summary(admin, district);
  const streets = (await admin.get(`/api/v1/org_units?parent_id=${district}&level=street&per_page=500`)).body;
  assert.equal(s.units.street, streets.meta.total);
  let communities = 0;
  for (const st of streets.data) communities += await total(admin, `/api/v1/org_units?parent_id=${st.id}&level=community`);
  assert.equal(s.units.community, communities);
  const c = await summary(cw, community);
  assert.deepEqual(Object.keys(c.units), ['grid']);
  assert.equal(c.units.grid, await total(cw, `/api/v1/org_units?parent_id=${community}&level=grid`));
  assert.deepEqual((await summary(gw)).units, {}, 'a grid has nothing below it');
});

test('aged 60+/80+/100+ equal the persons list filtered with birth_date__lte=<cutoff>', async () => {
  for (const [c, org] of [[admin, district], [cw, community]]) {
    const s = await summary(c, org);
    for (const n of [60, 80, 100])
      assert.equal(s[`aged_${n}`], await persons(c, org, `&birth_date__lte=${s.cutoffs[`aged_${n}`]}`), `aged ${n}+ of ${org}`);
    assert.ok(s.aged_60 >= s.aged_80 && s.aged_80 >= s.aged_100);
  }
});

test('the cutoff agrees with the age a record shows: born on it is 60, born a day later 59; writes show at once', async () => {
  const before = await summary(cw, community);
  const cut = before.cutoffs.aged_60;
  const mk = async (from, name) => {
    const r = await cw.post('/api/v1/persons', { name, id_number: freshId({ from }), org_id: grid, tags: ['dibao'] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.data;
  };
  const on = await mk(cut, '满六十');
  const dayAfter = new Date(Date.parse(`${cut}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
  const after1 = await mk(dayAfter, '差一天');
  assert.equal(on.birth_date, cut);
  assert.equal(on.age, 60);
  assert.equal(after1.age, 59);
  const atUnit = await cw.post('/api/v1/persons', { name: '社区直属', id_number: freshId({ from: '1990-03-03' }), org_id: community });
  assert.equal(atUnit.status, 201, JSON.stringify(atUnit.body));
  const s = await summary(cw, community);
  assert.equal(s.persons, before.persons + 3, 'a kept answer is not served after a write');
  assert.equal(s.aged_60, before.aged_60 + 1);
  assert.equal(s.at_unit.persons, before.at_unit.persons + 1, 'registered at the community itself, under no grid');
  const tag = (x) => x.tags.find((t) => t.code === 'dibao').persons;
  assert.equal(tag(s), tag(before) + 2);
  // someone who moves out is no longer a registered resident
  const moved = await cw.patchFresh(`/api/v1/persons/${on.id}`, { status: 'moved_out', status_date: today });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  const s2 = await summary(cw, community);
  assert.equal(s2.persons, before.persons + 2);
  assert.equal(s2.aged_60, before.aged_60);
});

test('tag counts equal the persons list filtered by tags=<code>, with dictionary labels', async () => {
  const s = await summary(admin, district);
  assert.ok(s.tags.length >= 10);
  const dict = (await admin.get('/api/v1/dict_items?dict=person_tag&per_page=500')).body.data;
  for (const t of s.tags) {
    const d = dict.find((x) => x.code === t.code);
    assert.ok(d, t.code);
    assert.equal(t.label_zh, d.label_zh);
    assert.equal(t.label_en, d.label_en);
    assert.equal(t.persons, await persons(admin, district, `&tags=${t.code}`), `tag ${t.code}`);
  }
  assert.ok(s.tags.some((t) => t.persons > 0));
});

test('the pyramid adds up to the residents, and each band is the list between its two dates', async () => {
  const s = await summary(cw, community);
  const bands = s.pyramid.bands;
  assert.equal(bands.length, 21);
  assert.equal(bands[0].band, '0-4');
  assert.equal(bands[19].band, '95-99');
  assert.equal(bands[20].band, '100+');
  assert.equal(bands[20].max_age, null);
  assert.equal(bands[0].birth_date__lte, today);
  const sum = bands.reduce((a, b) => a + b['1'] + b['2'] + b.other, 0);
  assert.equal(sum + s.pyramid.age_unknown, s.persons);
  assert.equal(bands.filter((b) => b.min_age >= 60).reduce((a, b) => a + b['1'] + b['2'] + b.other, 0), s.aged_60);
  for (const b of bands.filter((x) => x['1'] + x['2'] > 0).slice(0, 4)) {
    const range = `&birth_date__lte=${b.birth_date__lte}${b.birth_date__gt ? `&birth_date__gt=${b.birth_date__gt}` : ''}`;
    assert.equal(b['1'] + b['2'] + b.other, await persons(cw, community, range), `band ${b.band}`);
    assert.equal(b['1'], await persons(cw, community, `${range}&gender=1`), `men ${b.band}`);
  }
});

test('scope: outside the caller\'s scope, or unknown, is 404 like everywhere else', async () => {
  for (const [c, org] of [[cw, district], [cw, community2], [cw2, community], [gw, community], [cw, 99999999], [cw, 0], [cw, -3]]) {
    const r = await c.get(`/api/v1/stats/summary?org_id=${org}`);
    assert.equal(r.status, 404, `org ${org}`);
    assert.equal(r.body.error.code, 'not_found');
  }
  // inside it: a grid of one's own community
  const g = await summary(cw, grid);
  assert.equal(g.unit.id, grid);
  assert.equal(g.persons, await persons(cw, grid));
  // a grid worker's figures are their grid's, whatever a wider caller sees there
  assert.equal((await summary(gw)).persons, await persons(gw, gridOfWorker));
});

test('a malformed org_id is 400 invalid_filter, as on the lists; signed out is 401', async () => {
  for (const v of ['abc', '1.5', '', '12x']) {
    const r = await cw.get(`/api/v1/stats/summary?org_id=${v}`);
    assert.equal(r.status, 400, `org_id=${v}`);
    assert.equal(r.body.error.code, 'invalid_filter');
    assert.equal(r.body.error.field_codes.org_id, 'invalid_filter');
  }
  assert.equal((await new Client(srv.base).get('/api/v1/stats/summary')).status, 401);
});

test('a repeated request answers the same body (kept in the cache)', async () => {
  const a = await cw.get(`/api/v1/stats/summary?org_id=${community}`);
  const b = await cw.get(`/api/v1/stats/summary?org_id=${community}`);
  assert.equal(a.buf.toString(), b.buf.toString());
  assert.match(b.headers.get('content-type'), /application\/json/);
});

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
