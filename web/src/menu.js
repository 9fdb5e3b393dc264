// menu.js: how the side menu groups the declared record kinds. Kinds not named here still get a
// menu entry (under 其他 / Other), so a record kind added on the server shows up by itself; the
// user sees only what /api/v1/meta says they may read. A group may also list workflow screens
// (`screens`: a path, shown to those who may do what `needs` names: a record kind and an action,
// and when `perm` is given, who hold that permission too).
import { store } from './store.js';
export const MENU_GROUPS = [
  { key: 'people', zh: '人口管理', en: 'Residents', icon: 'User', resources: ['persons', 'households', 'household_members'] },
  { key: 'eldercare', zh: '养老服务', en: 'Elderly care', icon: 'FirstAidKit', resources: ['elders', 'assessments', 'subsidy_rules', 'service_items',
    'service_orders', 'service_order_events', 'providers', 'caregivers',
    'institutions', 'placements', 'attendance', 'inspections', 'allowance_rates', 'allowance_cycles', 'allowance_lines',
    'centenarian_verifications'],
    screens: [
      { key: 'intake', path: '/eldercare/intake', zh: '12349热线受理', en: '12349 hotline intake', needs: ['service_orders', 'create'] },
      { key: 'dispatch', path: '/eldercare/dispatch', zh: '派单看板', en: 'Dispatch board', needs: ['service_orders', 'read'], perm: 'service_orders.dispatch' },
      { key: 'my-visits', path: '/eldercare/my-visits', zh: '我的服务', en: 'My visits', needs: ['service_orders', 'read'], perm: 'service_orders.serve' },
      { key: 'assess', path: '/eldercare/assess', zh: '能力评估工作台', en: 'Assessment workbench', needs: ['elders', 'update'] },
      { key: 'allowances', path: '/eldercare/allowances', zh: '敬老补助发放', en: 'Allowance payments', needs: ['allowance_cycles', 'read'] },
    ] },
  { key: 'places', zh: '组织与房屋', en: 'Units and buildings', icon: 'OfficeBuilding', resources: ['org_units', 'buildings'] },
  { key: 'admin', zh: '系统管理', en: 'Administration', icon: 'Setting', resources: ['users', 'roles', 'dict_items', 'audit_log'] },
];
export const OTHER_GROUP = { key: 'other', zh: '其他', en: 'Other', icon: 'Menu' };

export function menuGroups(readable) {
  const named = new Set(MENU_GROUPS.flatMap((g) => g.resources));
  const screen = (s) => ({ name: `screen-${s.key}`, path: s.path, label_zh: s.zh, label_en: s.en, screen: true });
  const holds = (perm) => !perm || !!(store.user && store.user.permissions && store.user.permissions[perm]);
  const allowed = (s) => { const r = readable.find((x) => x.name === s.needs[0]); return !!(r && r.can[s.needs[1]]) && holds(s.perm); };
  const groups = MENU_GROUPS.map((g) => ({ ...g, items: [...(g.screens || []).filter(allowed).map(screen),
    ...g.resources.map((n) => readable.find((r) => r.name === n)).filter(Boolean)] }));
  const others = readable.filter((r) => !named.has(r.name));
  if (others.length) groups.push({ ...OTHER_GROUP, items: others });
  return groups.filter((g) => g.items.length);
}
