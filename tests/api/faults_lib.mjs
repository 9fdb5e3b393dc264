// What the fault tests share (faults.test.mjs: the disk under SQLite; faults_pg.test.mjs: a
// stopped PostgreSQL): waiting for the server to get somewhere, and the shape of a fault's 503.
import assert from 'node:assert/strict';
import { loginAs } from './lib.mjs';

export const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/* fn's first truthy answer, asked every 100 ms; fails the test after ms. */
export async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await wait(100);
  }
}

/* 503 with the fault's stable code, a message and a whole number of seconds in Retry-After. */
export function assert503(r, what, code) {
  assert.equal(r.status, 503, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error.code, code, what);
  assert.ok(r.body.error.message, `${what}: a message`);
  assert.match(r.headers.get('retry-after') || '', /^[1-9][0-9]*$/, `${what}: Retry-After`);
}

/* The server log's "storage unavailable" lines after offset `from`. */
export const faultLines = (srv, from) => srv.log().slice(from).split('\n').filter((l) => l.includes('storage unavailable'));

/* A community worker and a district admin signed in, and the worker's first grid (id and code). */
export async function signIn(base) {
  const cw = await loginAs(base, 'community_worker');
  const admin = await loginAs(base, 'district_admin');
  const community = (await cw.get('/api/v1/auth/me')).body.data.user.org_id;
  const g = (await cw.get(`/api/v1/org_units?parent_id=${community}&level=grid`)).body.data[0];
  return { cw, admin, grid: g.id, gridCode: g.code };
}
