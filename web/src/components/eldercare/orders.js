// orders.js: what the three service-order screens (intake, dispatch board, caregiver's visits)
// share - the states' colours and button words, requested windows read and written in China's
// clock (UTC+8: the orders are served in Zhengzhou whatever the browser's zone), the window
// presets of the intake form, the catalogue of services kept for the session, and a move of an
// order through POST /service_orders/{id}/transitions with its version as If-Match.
import { api, request } from '../../api.js';
import { t } from '../../i18n.js';

// el-tag types by state: waiting grey/amber, moving blue, done green, stopped red
export const STATUS_TYPE = {
  pending: 'warning', accepted: 'warning', rejected: 'danger', dispatched: 'primary', taken: 'primary',
  in_service: 'success', completed: 'success', followed_up: 'info', settled: 'info', cancelled: 'info', exception: 'danger',
};
export const OPEN_STATES = ['pending', 'accepted', 'rejected', 'dispatched', 'taken', 'in_service', 'exception'];

// the words on the button that moves an order to a state, and its colour
export function moveLabel(to) {
  const words = {
    accepted: [t('受理', 'Accept'), 'primary'], dispatched: [t('派单', 'Dispatch'), 'primary'],
    taken: [t('接单', 'Take'), 'primary'], in_service: [t('开始服务', 'Start'), 'success'],
    completed: [t('完成服务', 'Complete'), 'success'], followed_up: [t('回访', 'Follow up'), 'primary'],
    settled: [t('结算', 'Settle'), 'primary'], rejected: [t('拒单', 'Reject'), 'warning'],
    cancelled: [t('取消工单', 'Cancel'), 'danger'], exception: [t('上报异常', 'Report a problem'), 'danger'],
  };
  return words[to] || [to, 'default'];
}
// moves that ask the user why
export const NEEDS_REASON = ['cancelled', 'rejected', 'exception'];

const CN = 8 * 3600 * 1000;
const pad = (n) => String(n).padStart(2, '0');
// "2026-11-26T01:00:00Z" -> { date: '2026-11-26', hm: '09:00' } in China's clock
export function cnParts(iso) {
  const d = new Date(new Date(iso).getTime() + CN);
  if (Number.isNaN(d.getTime())) return { date: '', hm: '' };
  return { date: d.toISOString().slice(0, 10), hm: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` };
}
export function cnDate(offsetDays = 0) {
  return new Date(Date.now() + CN + offsetDays * 86400e3).toISOString().slice(0, 10);
}
// China's wall clock "2026-11-26", "09:00" -> "2026-11-26T01:00:00Z"
export function utcOf(date, hm) {
  return new Date(`${date}T${hm}:00+08:00`).toISOString().replace(/\.\d+Z$/, 'Z');
}
// "今天 09:00–10:00", "明天 14:00–18:00", "11-29 09:00–10:00"
export function dayWord(date) {
  if (date === cnDate(0)) return t('今天', 'Today');
  if (date === cnDate(1)) return t('明天', 'Tomorrow');
  if (date === cnDate(-1)) return t('昨天', 'Yesterday');
  return date.slice(5);
}
export function windowText(o) {
  const a = cnParts(o.window_start), b = cnParts(o.window_end);
  return `${dayWord(a.date)} ${a.hm}–${b.date === a.date ? '' : dayWord(b.date) + ' '}${b.hm}`;
}

// The intake form's windows: morning and afternoon of today and the next two days; a window
// already over is offered no more, one under way starts now (rounded to the quarter hour).
export function windowPresets(now = Date.now()) {
  const out = [];
  const days = [[0, '今天', 'Today'], [1, '明天', 'Tomorrow'], [2, '后天', 'In 2 days']];
  const halves = [['am', '上午', ' morning', '08:00', '12:00'], ['pm', '下午', ' afternoon', '14:00', '18:00']];
  for (const [off, zh, en] of days) {
    const date = cnDate(off);
    for (const [k, hz, he, from, to] of halves) {
      let start = utcOf(date, from);
      const end = utcOf(date, to);
      if (new Date(end).getTime() - now < 30 * 60e3) continue;
      if (new Date(start).getTime() < now) start = new Date(Math.ceil(now / 900e3) * 900e3).toISOString().replace(/\.\d+Z$/, 'Z');
      out.push({ key: `d${off}${k}`, label: t(zh + hz, en + he), start, end });
    }
  }
  return out;
}

// The catalogue of services, once a session (every signed-in user may read it).
let itemsOnce = null;
export function serviceItems() {
  if (!itemsOnce) itemsOnce = api.get('/service_items', { per_page: 100, sort: 'code' }).then((r) => r.data).catch((e) => { itemsOnce = null; throw e; });
  return itemsOnce;
}
export function itemName(items, id) {
  const it = items.find((x) => x.id === id);
  return it ? it.name : `#${id}`;
}

// Moves an order: the caller's version goes as If-Match, so a move on a stale view answers 412
// (stale_version) instead of overwriting someone else's.
export function moveOrder(order, body) {
  return request('POST', `/service_orders/${order.id}/transitions`, { body, headers: { 'If-Match': `"${order.version}"` } });
}

// Whether the server offers a route, e.g. 'POST /api/v1/service_orders/{id}/check_in' (the route
// table at GET /meta/routes, read once a session): the caregiver's view signs in through it when
// it is there, and through the plain transitions when it is not.
let routesOnce = null;
export async function hasRoute(method, pattern) {
  if (!routesOnce) routesOnce = api.get('/meta/routes').then((r) => r.data.routes).catch(() => { routesOnce = null; return []; });
  return (await routesOnce).some((r) => r.method === method && r.pattern === pattern);
}
