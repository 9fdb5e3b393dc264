// Starting `shequ serve` again on a database that already exists (after a kill, for instance):
// lib.mjs's startServer always makes a new demo database. Same shape as what startServer answers.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import net from 'node:net';
import { BIN, ROOT } from './lib.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/* Serves srv.db (from startServer) on a new port; waits until /api/v1/health answers 200. */
export async function serveExisting(srv) {
  const port = await freePort();
  const proc = spawn(BIN, ['serve', '--db', srv.db, '--listen', `127.0.0.1:${port}`, '--web', join(ROOT, 'build', 'web')],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SHEQU_QUIET_ACCESS: '1' } });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  let up = false;
  for (let i = 0; i < 400 && !up && proc.exitCode === null; i++) {
    try { up = (await fetch(`${base}/api/v1/health`)).ok; } catch { /* not yet */ }
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  if (!up) throw new Error(`shequ serve did not come up: ${log.slice(-2000)}`);
  return { ...srv, base, proc, log: () => log };
}
