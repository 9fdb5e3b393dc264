// check.mjs — independent feasibility checker for VRPTW solutions in the
// CVRPLIB format.  Shares no code with the C solver: it re-reads the Solomon
// file and re-simulates every route.
// usage: node check.mjs INSTANCE SOLUTION distance|hierarchical
// prints one JSON line {ok, vehicles, cost, printed, errors[]}; exit 1 if infeasible.
import { readFileSync } from 'node:fs';

const [inst, solf, conv] = process.argv.slice(2);
if (!inst || !solf || !['distance', 'hierarchical'].includes(conv)) {
  console.error('usage: node check.mjs INSTANCE SOLUTION distance|hierarchical');
  process.exit(2);
}
const lines = readFileSync(inst, 'utf8').split(/\r?\n/);
let cap = 0;
const cust = new Map(); // id -> {x,y,q,e,l,s}
let depot = null;
for (let i = 0; i < lines.length; i++) {
  if (/^\s*NUMBER/.test(lines[i])) {
    let j = i + 1;
    while (!lines[j].trim()) j++;
    cap = Number(lines[j].trim().split(/\s+/)[1]);
  }
  const f = lines[i].trim().split(/\s+/);
  if (f.length === 7 && f.every((t) => /^-?[0-9.]+$/.test(t))) {
    const [id, x, y, q, e, l, s] = f.map(Number);
    const c = { x, y, q, e, l, s };
    if (depot === null) depot = c; else cust.set(id, c);
  }
}
const errors = [];
// distance convention: floor(10 d) / 10 in integer tenths; hierarchical: doubles.
const scale = conv === 'distance' ? 10 : 1;
const d = (a, b) => {
  const e = Math.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2);
  return conv === 'distance' ? Math.floor(e * 10) : e;
};
const tol = conv === 'distance' ? 0 : 1e-6;
const sol = readFileSync(solf, 'utf8').split(/\r?\n/);
const seen = new Set();
let total = 0, vehicles = 0, printed = null;
for (const ln of sol) {
  const m = ln.match(/^Route\s*#\d+\s*:(.*)$/);
  if (m) {
    const ids = m[1].trim().split(/\s+/).filter(Boolean).map(Number);
    if (!ids.length) continue;
    vehicles++;
    let t = depot.e * scale, load = 0, prev = depot;
    for (const id of ids) {
      const c = cust.get(id);
      if (!c) { errors.push(`unknown customer ${id}`); continue; }
      if (seen.has(id)) errors.push(`customer ${id} visited twice`);
      seen.add(id);
      const dd = d(prev, c);
      total += dd;
      t = Math.max(t + dd, c.e * scale);
      if (t > c.l * scale + tol) errors.push(`customer ${id} reached at ${t / scale} after due ${c.l}`);
      t += c.s * scale;
      load += c.q;
      prev = c;
    }
    const back = d(prev, depot);
    total += back;
    t += back;
    if (t > depot.l * scale + tol) errors.push(`route ${vehicles} returns at ${t / scale} after ${depot.l}`);
    if (load > cap) errors.push(`route ${vehicles} load ${load} > ${cap}`);
  }
  const c = ln.match(/^Cost\s+([0-9.]+)/);
  if (c) printed = Number(c[1]);
}
for (const id of cust.keys()) if (!seen.has(id)) errors.push(`customer ${id} not visited`);
const cost = total / scale;
if (printed === null) errors.push('no Cost line');
else if (Math.abs(printed - cost) > (conv === 'distance' ? 1e-6 : 0.006))
  errors.push(`printed cost ${printed} differs from recomputed ${cost.toFixed(4)}`);
console.log(JSON.stringify({ ok: errors.length === 0, vehicles, cost: Number(cost.toFixed(conv === 'distance' ? 1 : 4)), printed, errors: errors.slice(0, 5) }));
process.exit(errors.length ? 1 : 0);
