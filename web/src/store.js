// store.js: what the whole console shares - the signed-in user, the declarations from
// /api/v1/meta (records, fields, dictionaries, what the user may do) and the org unit chosen in
// the top bar, which scopes every list and the dashboard. Plain reactive state, no library.
import { reactive, computed } from 'vue';
import { api, setCsrf } from './api.js';
import { forgetUnits } from './units.js';
import { takeEarlySession } from './early.js';

export const store = reactive({
  user: null,          // /auth/me: id, username, name, org_id, org_name, org_level, roles, permissions
  meta: null,          // /meta: { resources: [...], dicts: { name: [{code,label_zh,label_en}] } }
  org: null,           // selected unit { id, name, level }; null until signed in
});

const ORG_KEY = 'shequ.org';

export async function loadSession() {
  // both at once: a page load waits for one round trip, not two
  const [me, meta] = await (takeEarlySession() || Promise.all([api.get('/auth/me'), api.get('/meta')]));
  applySession(me.data);
  store.meta = meta.data;
}

export function applySession(data) {
  store.user = data.user;
  setCsrf(data.csrf_token);
  const saved = JSON.parse(sessionStorage.getItem(ORG_KEY) || 'null');
  store.org = saved && saved.user === data.user.id ? saved.org
    : { id: data.user.org_id, name: data.user.org_name, level: data.user.org_level };
}

export async function loadMeta() {
  store.meta = (await api.get('/meta')).data;
}

export function clearSession() {
  store.user = null;
  store.meta = null;
  store.org = null;
  setCsrf('');
  forgetUnits();
}

export function selectOrg(org) {
  store.org = { id: org.id, name: org.name, level: org.level };
  sessionStorage.setItem(ORG_KEY, JSON.stringify({ user: store.user && store.user.id, org: store.org }));
}

export function can(perm) {
  return !!(store.user && store.user.permissions && store.user.permissions[perm]);
}

export function resourceMeta(name) {
  return store.meta && store.meta.resources.find((r) => r.name === name);
}

export function dictItems(name) {
  return (store.meta && store.meta.dicts && store.meta.dicts[name]) || [];
}

export const readableResources = computed(() => (store.meta ? store.meta.resources.filter((r) => r.can.read) : []));

// Bumped whenever the console saves or deletes a record, so an open detail drawer or list of
// that kind can load it again: watch changes.seq, then look at changes.res and changes.id.
export const changes = reactive({ seq: 0, res: '', id: null });
export function noteChange(res, id) {
  changes.res = res;
  changes.id = id;
  changes.seq++;
}
