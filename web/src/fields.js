// fields.js: how a declared field's value reads on screen - dictionary codes as their labels,
// tags as label lists, org units by name, booleans as 是/否 - the same in lists, the detail
// drawer and exports' previews. Field declarations come from /api/v1/meta (see meta.c).
import { dictItems } from './store.js';
import { t, label } from './i18n.js';

export function dictLabel(dict, code) {
  if (code === null || code === undefined || code === '') return '';
  const item = dictItems(dict).find((i) => i.code === code);
  return item ? label(item) : code;
}

// Text of one field of a record, for display.
export function formatValue(field, rec) {
  const v = rec[field.name];
  if (v === null || v === undefined || v === '') return '';
  switch (field.type) {
    case 'dict': return dictLabel(field.dict, v);
    case 'tags': return (Array.isArray(v) ? v : String(v).split(',')).map((c) => dictLabel(field.dict, c)).join('、');
    case 'bool': return v ? t('是', 'Yes') : t('否', 'No');
    case 'org': return rec.org_name || String(v);
    case 'datetime': return localDateTime(v);
    case 'money': return (Number(v) / 100).toFixed(2);
    case 'refs': return (Array.isArray(v) ? v : [v]).map((id) => `#${id}`).join('、');
    // a structured value (an assessment's item scores): "B1.1: 4, B1.2: 3" rather than raw JSON
    case 'json': return v && typeof v === 'object' && !Array.isArray(v)
      ? Object.entries(v).map(([k, x]) => `${k}: ${typeof x === 'object' ? JSON.stringify(x) : x}`).join(', ')
      : JSON.stringify(v);
    case 'date': return field.name === 'birth_date' && rec.age != null ? `${v}（${rec.age}${t('岁', '')}）` : v;
    default: return String(v);
  }
}

// Fields a list shows by default: those the server marks "list".
export function listFields(meta) {
  return meta.fields.filter((f) => f.list && f.type !== 'password');
}

// Fields a form shows: all but read-only ones; immutable ones are shown disabled when editing.
export function formFields(meta) {
  return meta.fields.filter((f) => !f.readonly);
}

// A stored UTC time ("2026-03-01T02:03:04Z") in the reader's own clock, "2026-03-01 10:03:04" in China.
export function localDateTime(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return iso ? String(iso) : '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
