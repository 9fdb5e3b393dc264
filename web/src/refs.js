// refs.js: titles of referenced records, and names of users' roles. Ref fields travel as bare ids (a household's head, a
// member's person); forms, the detail drawer and the change history show them by the target's
// title_field, fetched in one list call per kind (GET /<res>?id__in=...) and kept for the session.
import { reactive } from 'vue';
import { api } from './api.js';
import { resourceMeta } from './store.js';
import { formatValue, dictLabel } from './fields.js';
import { label } from './i18n.js';

const cache = new Map();          // "res/id" -> title

// The words a record is known by: its title field as shown on screen, else "#id".
export function recordTitle(meta, rec) {
  if (!rec) return '';
  const f = meta && meta.fields.find((x) => x.name === meta.title_field);
  const text = f ? formatValue(f, rec) : '';
  return text || `#${rec.id}`;
}

export function rememberTitle(res, rec) {
  if (rec && rec.id != null) cache.set(`${res}/${rec.id}`, recordTitle(resourceMeta(res), rec));
}

export function knownTitle(res, id) {
  return cache.get(`${res}/${id}`);
}

// Resolves ids of one kind to titles: { id: title }. Unknown or unreadable ids come back as "#id".
export async function refTitles(res, ids) {
  const want = [...new Set(ids.filter((id) => id != null && id !== ''))];
  const missing = want.filter((id) => !cache.has(`${res}/${id}`));
  const meta = resourceMeta(res);
  for (let i = 0; meta && meta.can.read && i < missing.length; i += 500) {
    const chunk = missing.slice(i, i + 500);
    try {
      const page = await api.get(`/${res}`, { id__in: chunk.join(','), per_page: 500 });
      for (const rec of page.data) rememberTitle(res, rec);
    } catch { /* shown as #id: the list may be out of the user's scope */ }
  }
  const out = {};
  for (const id of want) out[id] = cache.get(`${res}/${id}`) || `#${id}`;
  return out;
}

// Users' roles are tags without a dictionary: their names come from the roles records.
const roleNames = reactive({});
let rolesLoading = null;
export function loadRoleNames() {
  if (!rolesLoading) {
    rolesLoading = api.get('/roles', { per_page: 200, sort: 'code' })
      .then((page) => { for (const r of page.data) roleNames[r.code] = { code: r.code, label_zh: r.name_zh, label_en: r.name_en }; })
      .catch(() => { rolesLoading = null; });
  }
  return rolesLoading;
}
export { roleNames };

// The words for one code of a tags field: its dictionary label, or a role's name.
export function tagLabel(field, code) {
  if (field.dict) return dictLabel(field.dict, code);
  return roleNames[code] ? label(roleNames[code]) : code;
}
