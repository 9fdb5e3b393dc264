// Web hardening, issue 7 point 6, item by item against a real `shequ serve`: Content-Security-Policy
// without inline scripts, X-Content-Type-Options, frame-ancestors 'none', Referrer-Policy, the
// session cookie's flags, a new session at every sign-in, expiry after inactivity, the password
// policy, and request rate limits per client address (src/ratelimit.c). Some of these are also
// asserted where their feature is tested (auth, meta, admin): this file is the checklist.
//
// Three servers: one with the defaults (limits raised as for every test, lib.mjs), one with
// cookie_secure = 1 and session_idle_minutes = 1, and one with low limits and a trusted proxy.
// The limit tests send from several loopback addresses (127.0.0.2 and up are all this machine).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, Client, loginAs, sql, stopAndCollect, PASSWORD, RAISED_LIMITS } from './lib.mjs';

let srv, idle, limited;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SESSION_RE = /^shequ_session=([^;]*)/;

/* A server started with `lines` as its config file, and the raised limits taken away. */
async function withConfig(lines) {
  const s = await startServer({ scale: 200, env: Object.fromEntries(RAISED_LIMITS.map((k) => [k, undefined])),
    extraArgs: ['--config', await configFile(lines)] });
  return s;
}
let cfgSeq = 0;
async function configFile(lines) {
  const file = join(srv.dir, `hardening-${++cfgSeq}.conf`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/* One request from a chosen local address (node's fetch cannot pick one). */
function from(base, localAddress, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(path, base);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, localAddress,
      agent: false, headers: { ...headers, ...(body ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: json });
      });
    });
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

before(async () => {
  srv = await startServer({ scale: 200 });
  idle = await withConfig(['cookie_secure = 1', 'session_idle_minutes = 1']);
  // 1 a second with bursts of 10; sign-in and token creation 1 a minute with bursts of 3 (slow
  // rates, so that a slow run - sanitizers, busy cores - cannot refill a bucket between two
  // requests of a test); 127.0.0.3 stands for a balancer in front. Every test uses addresses of
  // its own, so none waits for a bucket to refill.
  limited = await withConfig(['rate_limit_rps = 1', 'rate_limit_burst = 10', 'auth_rate_per_min = 1', 'auth_rate_burst = 3',
    'trusted_proxies = 127.0.0.3']);
});
after(async () => {
  for (const s of [limited, idle, srv]) if (s) await s.stop();
});

test('1. Content-Security-Policy: scripts only from the server itself, no unsafe-inline or eval, and no inline script in the console', async () => {
  for (const path of ['/', '/r/persons', '/src/main.js']) {
    const r = await fetch(srv.base + path);
    assert.equal(r.status, 200, path);
    const csp = r.headers.get('content-security-policy') || '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    const scripts = directives['script-src'] || directives['default-src'];
    assert.deepEqual(scripts, ["'self'"], `${path}: ${csp}`);
    assert.deepEqual(directives['default-src'], ["'self'"], path);
    assert.ok(!/unsafe-inline[^;]*/.test(directives['script-src'].join(' ')) && !csp.includes('unsafe-eval'), csp);
    if (path !== '/src/main.js') {
      const html = await r.text();
      const tags = html.match(/<script\b[^>]*>/g) || [];
      assert.ok(tags.length > 0, 'the page loads its scripts');
      for (const tag of tags) assert.match(tag, /\ssrc="\/[^"]+"/, `every script is a file of the server: ${tag}`);
      assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handlers');
    }
  }
  // API answers are data: nothing at all may run from them
  const api = await fetch(`${srv.base}/api/v1/health`);
  assert.match(api.headers.get('content-security-policy'), /^default-src 'none'/);
});

test('2. X-Content-Type-Options: nosniff on pages, scripts, JSON and errors', async () => {
  const c = await loginAs(srv.base, 'district_admin');
  const answers = [
    await fetch(`${srv.base}/`), await fetch(`${srv.base}/src/main.js`), await fetch(`${srv.base}/no-such-file.js`),
    await fetch(`${srv.base}/api/v1/health`), await fetch(`${srv.base}/api/v1/persons`), await fetch(`${srv.base}/api/v1/nope`),
  ];
  const statuses = answers.map((r) => r.status);
  assert.deepEqual(statuses, [200, 200, 404, 200, 401, 404]);
  for (const r of answers) assert.equal(r.headers.get('x-content-type-options'), 'nosniff', r.url);
  const list = await c.get('/api/v1/persons?per_page=1');
  assert.equal(list.status, 200);
  assert.equal(list.headers.get('x-content-type-options'), 'nosniff');
  assert.match(list.headers.get('content-type'), /^application\/json/);
});

test('3. frame-ancestors \'none\' (and X-Frame-Options DENY for older browsers) on pages and API', async () => {
  for (const path of ['/', '/r/persons', '/api/v1/health', '/api/v1/persons']) {
    const r = await fetch(srv.base + path);
    assert.match(r.headers.get('content-security-policy') || '', /(^|;)\s*frame-ancestors 'none'\s*(;|$)/, path);
    if (!path.startsWith('/api/')) assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
  }
});

test('4. Referrer-Policy: the console\'s addresses never leave the site', async () => {
  for (const path of ['/', '/r/persons', '/src/main.js', '/style.css']) {
    const r = await fetch(srv.base + path);
    assert.ok(['same-origin', 'no-referrer', 'strict-origin'].includes(r.headers.get('referrer-policy')), `${path}: ${r.headers.get('referrer-policy')}`);
  }
});

test('5. the session cookie: HttpOnly, SameSite=Strict, Path=/, no lifetime; Secure with cookie_secure = 1; cleared at sign-out', async () => {
  const c = new Client(srv.base);
  const r = await c.login('community_worker');
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, SESSION_RE);
  assert.equal(cookie.match(SESSION_RE)[1].length, 43, 'a random token (32 bytes)');
  assert.match(cookie, /;\s*HttpOnly/i);
  assert.match(cookie, /;\s*SameSite=Strict/i);
  assert.match(cookie, /;\s*Path=\//);
  assert.doesNotMatch(cookie, /Expires|Max-Age/i, 'a session cookie, gone with the browser');
  assert.doesNotMatch(cookie, /;\s*Secure/i, 'plain HTTP by default');
  const out = await c.post('/api/v1/auth/logout');
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie'), /^shequ_session=;.*Max-Age=0/);

  const s = await new Client(idle.base).login('community_worker');
  assert.equal(s.status, 200);
  assert.match(s.headers.get('set-cookie'), /;\s*Secure/i, 'cookie_secure = 1');
  assert.match(s.headers.get('set-cookie'), /;\s*HttpOnly/i);
});

test('6. session rotation: every sign-in gets a new token and revokes the one the browser had (no fixation)', async () => {
  const c = new Client(srv.base);
  assert.equal((await c.login('community_worker')).status, 200);
  const first = c.cookie;
  const stale = new Client(srv.base);
  stale.cookie = first;
  assert.equal((await stale.get('/api/v1/auth/me')).status, 200);
  assert.equal((await c.login('community_worker')).status, 200, 'signing in again with the cookie sent along');
  assert.notEqual(c.cookie, first);
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
  assert.equal((await stale.get('/api/v1/auth/me')).status, 401, 'the token from before the sign-in no longer works');
  // a token planted before sign-in (one the attacker knows) is never the one the session gets
  const planted = `shequ_session=${'A'.repeat(43)}`;
  const victim = new Client(srv.base);
  victim.cookie = planted;
  assert.equal((await victim.login('community_worker')).status, 200);
  assert.notEqual(victim.cookie, planted);
  const attacker = new Client(srv.base);
  attacker.cookie = planted;
  assert.equal((await attacker.get('/api/v1/auth/me')).status, 401);
});

test('7. expiry after inactivity: with session_idle_minutes = 1 a session quiet for 2 minutes is over, one quiet for 30 s is not', async () => {
  const quiet = await loginAs(idle.base, 'community_worker');
  const recent = await loginAs(idle.base, 'grid_worker');
  assert.equal((await quiet.get('/api/v1/auth/me')).status, 200);
  // back-date the sessions' last requests instead of waiting (the server keeps a session in memory
  // for 2 s at most, then reads it again)
  const ago = (s) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const users = (name) => `(SELECT id FROM users WHERE username = '${name}')`;
  sql(idle.db, `UPDATE sessions SET last_seen_at = '${ago(120)}' WHERE user_id = ${users('community_worker')} AND revoked_at IS NULL`);
  sql(idle.db, `UPDATE sessions SET last_seen_at = '${ago(30)}' WHERE user_id = ${users('grid_worker')} AND revoked_at IS NULL`);
  await sleep(2200);
  const gone = await quiet.get('/api/v1/auth/me');
  assert.equal(gone.status, 401);
  assert.equal(gone.body.error.code, 'unauthenticated');
  assert.equal((await recent.get('/api/v1/auth/me')).status, 200, 'inside the minute it goes on');
  // an API token is not a browser session: inactivity does not end it (its own expiry does)
  const admin = await loginAs(idle.base, 'district_admin');
  const tok = await admin.post('/api/v1/auth/tokens', { label: 'idle check', days: 1 });
  assert.equal(tok.status, 201);
  sql(idle.db, `UPDATE sessions SET last_seen_at = '${ago(600)}' WHERE kind = 'token'`);
  await sleep(2200);
  const t = new Client(idle.base);
  t.bearer = tok.body.data.token;
  assert.equal((await t.get('/api/v1/auth/me')).status, 200);
});

test('8. password policy: at least 8 characters with a letter and a digit, for new users and for password changes', async () => {
  const admin = await loginAs(srv.base, 'district_admin');
  const org = (await admin.get('/api/v1/auth/me')).body.data.user.org_id;
  for (const password of ['Ab1', 'abcdefgh', '12345678', 'ABCDEFGHIJ', 'a1'.repeat(65)]) {
    const r = await admin.post('/api/v1/users', { username: 'policy_probe', password, name: '测试', org_id: org, roles: ['auditor'] });
    assert.equal(r.status, 422, password);
    assert.equal(r.body.error.field_codes.password, 'weak_password', password);
  }
  const ok = await admin.post('/api/v1/users', { username: 'policy_probe', password: 'Good2026pw', name: '测试', org_id: org, roles: ['auditor'] });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  const u = await loginAs(srv.base, 'policy_probe', 'Good2026pw');
  const weak = await u.post('/api/v1/auth/password', { old_password: 'Good2026pw', new_password: 'password' });
  assert.equal(weak.status, 422);
  assert.equal(weak.body.error.field_codes.new_password, 'weak_password');
  assert.equal((await u.post('/api/v1/auth/password', { old_password: 'Good2026pw', new_password: 'Better2026pw' })).status, 200);
});

/* Requests from ip until one is refused (at most `max`): the statuses and the seconds it took. */
async function untilRefused(ip, max = 40, opts = {}) {
  const t0 = Date.now(), statuses = [];
  while (statuses.length < max && statuses.at(-1) !== 429)
    statuses.push((await from(limited.base, ip, 'GET', '/api/v1/health', opts)).status);
  return { statuses, seconds: (Date.now() - t0) / 1000 };
}

test('9a. rate limit per client: past the burst a 429 rate_limited with Retry-After and a message in Chinese or English; the bucket refills', async () => {
  const { statuses, seconds } = await untilRefused('127.0.0.2');
  const allowed = statuses.filter((s) => s === 200).length;
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200), 'a burst of 10');
  assert.equal(statuses.at(-1), 429, String(statuses));
  assert.ok(allowed <= 10 + Math.ceil(seconds) + 1, `no more than the burst and 1 a second after it: ${allowed} in ${seconds} s`);
  const zh = await from(limited.base, '127.0.0.2', 'GET', '/api/v1/persons');
  assert.equal(zh.status, 429, 'refused before authentication: the route does not matter');
  assert.equal(zh.body.error.code, 'rate_limited');
  assert.equal(zh.headers['retry-after'], '1');
  assert.equal(zh.body.error.retry_after_s, 1);
  assert.match(zh.body.error.message, /请求过于频繁.*1 秒/);
  const en = await from(limited.base, '127.0.0.2', 'GET', '/', { headers: { 'Accept-Language': 'en-US' } });
  assert.equal(en.status, 429, 'console files count too');
  assert.match(en.body.error.message, /Too many requests.*1 s/);
  assert.equal(en.headers['x-content-type-options'], 'nosniff');
  await sleep(1100);
  assert.equal((await from(limited.base, '127.0.0.2', 'GET', '/api/v1/health')).status, 200, 'after Retry-After the client is served again');
  // the server's own log says once that the address reached its limit
  assert.match(limited.log(), /level=warn msg="rate limit reached" ip=127\.0\.0\.2 class=general/);
});

test('9b. each client address has its own bucket', async () => {
  assert.equal((await untilRefused('127.0.0.4')).statuses.at(-1), 429);
  assert.equal((await from(limited.base, '127.0.0.5', 'GET', '/api/v1/health')).status, 200, 'another address is not held back');
  assert.equal((await from(limited.base, '127.0.0.1', 'GET', '/api/v1/health')).status, 200);
});

test('9c. sign-in and token creation have a stricter limit of their own: 3 at once, then 1 a minute', async () => {
  const ip = '127.0.0.6';
  const login = (password) => from(limited.base, ip, 'POST', '/api/v1/auth/login', { body: { username: 'district_admin', password } });
  const t0 = Date.now();
  const ok = await login(PASSWORD);
  assert.equal(ok.status, 200);
  const cookie = ok.headers['set-cookie'][0].split(';')[0];
  const csrf = ok.body.data.csrf_token;
  assert.equal((await login('Wrong2026pw')).status, 401);
  assert.equal((await login('Wrong2026pw')).status, 401);
  const fourth = await login(PASSWORD);
  assert.equal(fourth.status, 429, 'the fourth sign-in in a burst, right password or not');
  assert.equal(fourth.body.error.code, 'rate_limited');
  const wait = Number(fourth.headers['retry-after']);
  const spent = (Date.now() - t0) / 1000;
  assert.ok(wait >= 60 - Math.ceil(spent) - 1 && wait <= 60, `1 a minute: Retry-After ${wait} after ${spent} s`);
  const token = await from(limited.base, ip, 'POST', '/api/v1/auth/tokens',
    { headers: { Cookie: cookie, 'X-CSRF-Token': csrf }, body: { label: 'limited', days: 1 } });
  assert.equal(token.status, 429, 'creating an API token draws on the same bucket');
  const me = await from(limited.base, ip, 'GET', '/api/v1/auth/me', { headers: { Cookie: cookie } });
  assert.equal(me.status, 200, 'other requests of the same address go on');
  assert.equal((await from(limited.base, '127.0.0.7', 'POST', '/api/v1/auth/login',
    { body: { username: 'district_admin', password: PASSWORD } })).status, 200, 'sign-in from another address');
  assert.match(limited.log(), /msg="rate limit reached" ip=127\.0\.0\.6 class=auth/);
  // nothing of the refused attempts reached the database: no failed-login record for them
  const failures = sql(limited.db, "SELECT count(*) FROM login_attempts WHERE ip = '127.0.0.6' AND ok = 0");
  assert.equal(failures, '2');
});

test('9d. behind a trusted balancer the client is the address it appends to X-Forwarded-For; elsewhere the header is ignored', async () => {
  const via = (xff, ip = '127.0.0.3') => from(limited.base, ip, 'GET', '/api/v1/health', { headers: { 'X-Forwarded-For': xff } });
  assert.equal((await untilRefused('127.0.0.3', 40, { headers: { 'X-Forwarded-For': '10.1.0.1' } })).statuses.at(-1), 429);
  assert.equal((await via('10.1.0.2, 10.1.0.1')).status, 429, 'only the last address, the one the balancer wrote, counts');
  assert.equal((await via('10.1.0.2')).status, 200, 'another client behind the same balancer');
  assert.equal((await via('2001:db8:1:2::7')).status, 200, 'IPv6 clients too');
  // from an address not listed in trusted_proxies the header changes nothing
  assert.equal((await untilRefused('127.0.0.8', 40, { headers: { 'X-Forwarded-For': '10.2.0.1' } })).statuses.at(-1), 429);
  assert.equal((await via('10.2.0.99', '127.0.0.8')).status, 429);
});

test('the three servers shut down cleanly with no sanitizer report', async () => {
  for (const s of [limited, idle, srv]) {
    const { code, log } = await stopAndCollect(s);
    assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
    assert.equal(code, 0, log.slice(-2000));
  }
});
