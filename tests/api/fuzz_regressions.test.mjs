// What the fuzzers (tests/fuzz/) found in the request path, checked again over a real socket: each
// test sends the input as a client could and asserts the answer the API gives for it now, and that
// the server lives on. The inputs themselves are also in tests/fuzz/corpus/, replayed by make test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, loginAs, stopAndCollect } from './lib.mjs';

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

test('the server shuts down cleanly with no sanitizer report', async () => {
  const { code, log } = await stopAndCollect(srv);
  assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.equal(code, 0, log.slice(-2000));
});
