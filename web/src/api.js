// api.js: every call the console makes to /api/v1. Sends the session's CSRF token on writes and
// the chosen language; turns error answers into ApiError (code, message, per-field messages);
// a 401 on anything but sign-in means the session ended, and onSessionEnded decides what next.
import { lang } from './i18n.js';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'http_' + status;
    this.fields = e.fields || {};
    this.fieldCodes = e.field_codes || {};
    this.body = body;
  }
}

let csrfToken = '';
let sessionEnded = () => {};
export function setCsrf(token) { csrfToken = token || ''; }
export function onSessionEnded(fn) { sessionEnded = fn; }

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

export async function request(method, path, { body, params, headers = {}, raw = false } = {}) {
  const h = { 'Accept-Language': lang.value === 'en' ? 'en' : 'zh-CN', ...headers };
  let payload;
  if (body instanceof FormData || body instanceof Blob) payload = body;
  else if (body !== undefined) { h['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  if (method !== 'GET' && csrfToken) h['X-CSRF-Token'] = csrfToken;
  const res = await fetch('/api/v1' + path + query(params), { method, headers: h, body: payload, credentials: 'same-origin' });
  if (raw && res.ok) return res;
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !path.startsWith('/auth/login')) sessionEnded(err);
    throw err;
  }
  return data;
}

export const api = {
  get: (path, params) => request('GET', path, { params }),
  post: (path, body, params) => request('POST', path, { body, params }),
  patch: (path, body, version) => request('PATCH', path, { body, headers: version != null ? { 'If-Match': `"${version}"` } : {} }),
  del: (path, body, version) => request('DELETE', path, { body, headers: version != null ? { 'If-Match': `"${version}"` } : {} }),
};

// Downloads an export through fetch (so a 401 or 403 shows as a message, not a broken file).
export async function download(path, params, fallbackName) {
  const res = await request('GET', path, { params, raw: true });
  const blob = await res.blob();
  const cd = res.headers.get('Content-Disposition') || '';
  const m = /filename\*=UTF-8''([^;]+)/.exec(cd);
  const name = m ? decodeURIComponent(m[1]) : fallbackName;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}
