// listquery.js: a list page's state and the API parameters it becomes. Filters, search, sort and
// paging live in the URL query under exactly the API's own names (org_id=12&tags=a,b&
// birth_date__lte=1966-11-24&sort=-birth_date&page=2), so any link - from the dashboard, a
// colleague, the browser's history - opens the same list. The unit chosen in the top bar is added
// here as the list's scope; the columns a user picked are remembered per record kind.
import { unitById } from './units.js';

export const DEFAULT_PER_PAGE = 20;
export const PAGE_SIZES = [20, 50, 100];
const PAGING_KEYS = ['q', 'sort', 'page', 'per_page'];
const SYSTEM_FILTERS = ['id', 'created_at', 'updated_at'];     // filterable on every record (see crud.c)

function baseName(key) {
  const i = key.indexOf('__');
  return i < 0 ? key : key.slice(0, i);
}

// The declared field a query key filters on (org_id, birth_date__lte -> birth_date), or null.
export function fieldOfKey(meta, key) {
  const name = baseName(key);
  return meta.fields.find((f) => f.name === name && f.filter) || null;
}

// The query keys a field's filter control sets: a from/to pair for dates and numbers, else the
// field itself. Other keys (birth_date__gt from a chart, code__gte from the dashboard) are still
// applied; the filter bar lists them as conditions that can be removed.
export function controlKeys(field) {
  return ['date', 'datetime', 'int', 'money'].includes(field.type) ? [`${field.name}__gte`, `${field.name}__lte`] : [field.name];
}

// Whether a URL query key is part of this list's state (anything else in the URL is ignored).
export function isListKey(meta, key) {
  return PAGING_KEYS.includes(key) || SYSTEM_FILTERS.includes(baseName(key)) || !!fieldOfKey(meta, key);
}

// The filters in a query (no search, sort or paging), as plain strings.
export function filtersOf(meta, query) {
  const out = {};
  for (const [k, v] of Object.entries(query || {})) {
    if (PAGING_KEYS.includes(k) || !isListKey(meta, k)) continue;
    const s = single(v);
    if (s !== '') out[k] = s;
  }
  return out;
}

function single(v) {
  if (Array.isArray(v)) v = v[v.length - 1];
  return v === undefined || v === null ? '' : String(v);
}

// The query with some keys changed (undefined or '' removes a key). A change of anything but the
// page goes back to page 1, as people expect after narrowing a list.
export function queryWith(query, changes) {
  const next = { ...query };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) delete next[k];
    else next[k] = Array.isArray(v) ? v.join(',') : String(v);
  }
  if (!('page' in changes)) delete next.page;
  if (next.per_page === String(DEFAULT_PER_PAGE)) delete next.per_page;
  if (next.page === '1') delete next.page;
  return next;
}

export function pageOf(query) { return Math.max(1, parseInt(single(query.page), 10) || 1); }
export function perPageOf(query) {
  const n = parseInt(single(query.per_page), 10);
  return n >= 1 && n <= 500 ? n : DEFAULT_PER_PAGE;
}

// The record kind's unit field, through which a list is limited to a unit and everything below.
export function orgField(meta) {
  return meta.fields.find((f) => f.type === 'org' && f.filter) || null;
}

// Division codes nest (district 6 digits, street 9, community 12, grid 15, each starting with its
// parent's - see org.c), and org_units declares no unit field of its own: the units below a unit
// are those whose code extends its code. ':' is the character after '9'. Codes are fetched once.
async function unitCode(id) {
  return (await unitById(id)).code;
}

// Parameters that limit a list to the top-bar unit (org = store.org) unless the query already
// names a unit of its own (a link to one community, the list's own unit filter).
// Returns the parameters, or a promise of them when a unit's code must be fetched first.
export function scopeParams(meta, query, org) {
  if (!org || !org.id) return {};
  const of = orgField(meta);
  if (of) return single(query[of.name]) ? {} : { [of.name]: org.id };
  if (meta.name === 'org_units') {
    return unitCode(org.id).then((code) => ({ code__gt: code, code__lt: code + ':' }));
  }
  // Scoped records without a unit field of their own (household members, the audit log) are
  // narrowed with ?within=<unit>; the rest (roles, dictionaries) are not kept per unit.
  if (meta.within) return single(query.within) ? {} : { within: org.id };
  return {};
}

// The API parameters of a list page: its filters, search, sort and page, within the top-bar unit.
// Plain parameters when nothing has to be fetched first (every list but org_units), so the page
// can send its request in the same task it is created in, before the rest of the page renders.
export function listParams(meta, query, org) {
  const build = (scope) => {
    const p = { ...filtersOf(meta, query), ...scope };
    const q = single(query.q).trim();
    if (q) p.q = q;
    const sort = single(query.sort);
    if (sort) p.sort = sort;
    p.page = pageOf(query);
    p.per_page = perPageOf(query);
    return p;
  };
  const scope = scopeParams(meta, query, org);
  return scope instanceof Promise ? scope.then(build) : build(scope);
}

// The same without paging: what an export of "the current list" sends.
export async function exportParams(meta, query, org) {
  const p = await listParams(meta, query, org);
  delete p.page;
  delete p.per_page;
  return p;
}

// Sort in the query ("-birth_date") as el-table's {prop, order}, and back.
export function sortOf(query) {
  const s = single(query.sort);
  if (!s || s.includes(',')) return { prop: null, order: null };
  return s.startsWith('-') ? { prop: s.slice(1), order: 'descending' } : { prop: s, order: 'ascending' };
}
export function sortParam(prop, order) {
  if (!prop || !order) return undefined;
  return order === 'descending' ? '-' + prop : prop;
}

// Columns a user chose for a record kind, remembered in this browser.
const COLUMNS_KEY = (res) => `shequ.columns.${res}`;
export function storedColumns(meta, defaults) {
  try {
    const saved = JSON.parse(localStorage.getItem(COLUMNS_KEY(meta.name)) || 'null');
    if (Array.isArray(saved)) {
      const known = saved.filter((n) => meta.fields.some((f) => f.name === n));
      if (known.length) return known;
    }
  } catch { /* a damaged entry falls back to the defaults */ }
  return defaults;
}
export function storeColumns(meta, names) {
  if (names) localStorage.setItem(COLUMNS_KEY(meta.name), JSON.stringify(names));
  else localStorage.removeItem(COLUMNS_KEY(meta.name));
}
