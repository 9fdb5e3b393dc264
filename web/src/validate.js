// validate.js: the console's copy of the server's input checks, so a form marks a mistake before
// it is sent. Mirrors src/validate.c (types, required, lengths counted in characters, ranges,
// dates), src/idnum.c (GB 11643 resident ID numbers, mainland phone numbers) and the record
// hooks (person.c, household.c, user.c, admin.c), with the same messages. The server stays the
// judge: what only it can know (address codes, duplicates, scope) comes back as a 422 or 409.
import { t } from './i18n.js';

// The server's "today" is China's date (UTC+8, no daylight saving), whatever the browser's zone.
export function todayCn() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

// Characters as the server counts them: UTF-8 code points, after trimming as validate.c does.
export function charCount(s) {
  return [...String(s)].length;
}
function trimServer(s) {
  return String(s).replace(/^[ \t]+/, '').replace(/[ \t\r\n]+$/, '');
}

function isLeap(y) { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; }
function validYmd(y, m, d) {
  const mdays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] + (m === 2 && isLeap(y) ? 1 : 0);
}

// validate.c date_valid: YYYY-MM-DD, a real calendar day in 1850-2200.
export function dateValid(s) {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const y = +s.slice(0, 4), m = +s.slice(5, 7), d = +s.slice(8, 10);
  return y >= 1850 && y <= 2200 && validYmd(y, m, d);
}

function datetimeValid(s) {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(s)) return false;
  return dateValid(s.slice(0, 10)) && +s.slice(11, 13) < 24 && +s.slice(14, 16) < 60 && +s.slice(17, 19) < 61;
}

// ---- resident ID numbers (idnum.c) ----

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
export function idCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i];
  return '10X98765432'[sum % 11];
}

const ID_ERRORS = {
  id_number_empty: ['请填写身份证号', 'ID number is missing'],
  id_number_length: ['身份证号应为18位（旧版为15位）', 'ID number must have 18 characters (15 for old cards)'],
  id_number_chars: ['身份证号只能由数字组成，最后一位可以是X', 'ID number may contain only digits, with X allowed as the last character'],
  id_number_check: ['身份证号校验位错误', 'ID number check character is wrong'],
  id_number_birth_date: ['身份证号中的出生日期无效', 'ID number contains an invalid birth date'],
  id_number_future: ['身份证号中的出生日期晚于今天', 'ID number contains a birth date in the future'],
  id_number_functional_zone: ['身份证号中的地址码是统计用功能区代码，不能作为户籍地址',
    'ID number address code is a statistical functional zone, never a registration address'],
};

// idnum_parse without the address-code list (GB/T 2260 stays on the server): returns
// { number, birthDate, gender } or { code } naming the problem.
export function parseIdNumber(input, today = todayCn()) {
  const s = String(input ?? '').trim();
  if (!s) return { code: 'id_number_empty' };
  if (s.length !== 15 && s.length !== 18) return { code: 'id_number_length' };
  let num;
  if (s.length === 18) {
    const last = s[17] === 'x' ? 'X' : s[17];
    if (!/^\d{17}$/.test(s.slice(0, 17)) || !/[\dX]/.test(last)) return { code: 'id_number_chars' };
    num = s.slice(0, 17) + last;
    if (idCheckChar(num) !== last) return { code: 'id_number_check' };
  } else {
    if (!/^\d{15}$/.test(s)) return { code: 'id_number_chars' };
    // 15-digit numbers were issued 1984-1999 to people born in the 1900s
    const first17 = s.slice(0, 6) + '19' + s.slice(6);
    num = first17 + idCheckChar(first17);
  }
  const y = +num.slice(6, 10), m = +num.slice(10, 12), d = +num.slice(12, 14);
  const birth = y * 10000 + m * 100 + d;
  if (!validYmd(y, m, d) || y < 1 || birth < 18500101) return { code: 'id_number_birth_date' };
  if (birth > +today.replace(/-/g, '')) return { code: 'id_number_future' };
  const addr = +num.slice(0, 6);
  if (addr >= 410171 && addr <= 410173) return { code: 'id_number_functional_zone' };
  return {
    number: num,
    birthDate: `${num.slice(6, 10)}-${num.slice(10, 12)}-${num.slice(12, 14)}`,
    gender: (num.charCodeAt(16) - 48) % 2 ? '1' : '2',
  };
}

export function idNumberMessage(code) {
  const m = ID_ERRORS[code];
  return m ? t(m[0], m[1]) : t('身份证号无效', 'ID number is invalid');
}

// Passports and permits (validate.c): letters, digits and dashes, 5-30 characters, spaces ignored.
function documentNumberOk(s) {
  const c = String(s).replace(/ /g, '');
  return /^[A-Za-z0-9-]{5,30}$/.test(c);
}

// ---- phone numbers (idnum.c phone_normalize) ----

export function normalizePhone(input) {
  const s = String(input ?? '').trim();
  let digits = '', intl = false, open = false, closed = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c >= '0' && c <= '9') { if (digits.length + 1 >= 24) return null; digits += c; }
    else if (c === ' ' || c === '-') continue;
    else if (c === '+' && i === 0) intl = true;
    else if (c === '(' && !open) open = true;
    else if (c === ')' && open && !closed) closed = true;
    else return null;
  }
  if (open !== closed) return null;
  let rest = digits;
  if (intl) {
    if (!digits.startsWith('86')) return null;
    rest = digits.slice(2);
  } else if (digits.startsWith('0086')) { rest = digits.slice(4); intl = true; }
  else if (digits.startsWith('86')) { rest = digits.slice(2); intl = true; }
  if (rest.length === 11 && rest[0] === '1' && rest[1] >= '3' && rest[1] <= '9') return rest;
  const nat = intl && rest[0] !== '0' ? '0' + rest : rest;
  if (nat.length < 2 || nat[0] !== '0') return null;
  let area = 0;
  if (nat[1] === '1') area = nat[2] === '0' ? 3 : 0;
  else if (nat[1] === '2') area = 3;
  else if (nat[1] >= '3' && nat[1] <= '9') area = 4;
  if (area === 0 || nat.length < area + 7 || nat.length > area + 8) return null;
  return nat.slice(0, area) + '-' + nat.slice(area);
}

// validate.c password_ok: 8-128 characters with letters and digits.
export function passwordOk(p) {
  const s = String(p);
  return s.length >= 8 && s.length <= 128 && /[A-Za-z]/.test(s) && /\d/.test(s);
}

function isEmpty(v) {
  return v === null || v === undefined || (typeof v === 'string' && trimServer(v) === '') || (Array.isArray(v) && v.length === 0);
}

// Date fields that may not lie after today (the record hooks say so).
const NOT_IN_FUTURE = { persons: ['birth_date', 'status_date'], household_members: ['end_date'] };
export function futureForbidden(res, field) {
  return (NOT_IN_FUTURE[res] || []).includes(field.name);
}

// One field's problem, or '' - the type checks of validate.c. `ctx.values` is the whole form
// (id_type decides how id_number is checked); `ctx.creating` says whether this is a new record.
export function checkField(field, value, ctx = {}) {
  const L = [field.label_zh, field.label_en || field.label_zh];
  if (isEmpty(value)) {
    if (field.required && (ctx.creating || ctx.touched)) return t(`请填写${L[0]}`, `${L[1]} is required`);
    return '';
  }
  switch (field.type) {
    case 'text': {
      const max = field.max_len || 200;
      if (charCount(trimServer(value)) > max) return t(`${L[0]}不能超过 ${max} 个字`, `${L[1]} must be at most ${max} characters`);
      if (String(value).includes('\0')) return t(`${L[0]}应为不含空字符的文本`, `${L[1]} must be text without NUL characters`);
      return '';
    }
    case 'int': case 'money': {
      const n = Number(value);
      if (!Number.isInteger(n)) return t(`${L[0]}应为整数`, `${L[1]} must be an integer`);
      if (field.min != null && field.max != null && field.min < field.max && (n < field.min || n > field.max)) {
        const [lo, hi] = field.type === 'money' ? [field.min / 100, field.max / 100] : [field.min, field.max];
        return t(`${L[0]}应在 ${lo} 到 ${hi} 之间`, `${L[1]} must be between ${lo} and ${hi}`);
      }
      return '';
    }
    case 'date':
      if (!dateValid(value)) return t(`${L[0]}应为有效日期（YYYY-MM-DD）`, `${L[1]} must be a valid date (YYYY-MM-DD)`);
      if (ctx.res && futureForbidden(ctx.res, field) && value > todayCn())
        return field.name === 'birth_date' ? t('出生日期不能晚于今天', 'Date of birth cannot be in the future')
          : t(`${L[0]}不能晚于今天`, `${L[1]} cannot be in the future`);
      return '';
    case 'datetime':
      return datetimeValid(value) ? '' : t(`${L[0]}应为有效时间（YYYY-MM-DDTHH:MM:SSZ）`, `${L[1]} must be a UTC time (YYYY-MM-DDTHH:MM:SSZ)`);
    case 'tags':
      return value.length > 32 ? t(`${L[0]}应为不超过 32 个标签`, `${L[1]} must be at most 32 tags`) : '';
    case 'id_number': {
      const type = (ctx.values && ctx.values.id_type) || 'resident_id';
      if (type === 'resident_id') {
        const r = parseIdNumber(value);
        return r.code ? idNumberMessage(r.code) : '';
      }
      return documentNumberOk(value) ? '' : t('证件号码格式不正确（5-30 位字母或数字）', 'Document number must be 5-30 letters or digits');
    }
    case 'phone':
      return normalizePhone(value) ? '' : t('电话号码格式不正确（11 位手机号或带区号的固定电话）',
        'Not a valid phone number (11-digit mobile or landline with area code)');
    case 'password':
      return passwordOk(value) ? '' : t('密码至少 8 位，且须同时包含字母和数字', 'Password needs at least 8 characters with both letters and digits');
    default:
      return '';
  }
}

// Checks across fields that the record hooks make (person.c, household.c, user.c, admin.c).
// `values` is the form, `before` the stored record when editing (null when creating).
const RECORD_RULES = {
  persons(values, before, errors) {
    const today = todayCn();
    const type = values.id_type || (before && before.id_type) || 'resident_id';
    if (before && values.id_type !== undefined && values.id_type !== before.id_type && isEmpty(values.id_number))
      errors.id_number = t('修改证件类型时须重新填写证件号码', 'Give the document number again when changing the document type');
    if (type === 'resident_id' && !isEmpty(values.id_number)) {
      const id = parseIdNumber(values.id_number, today);
      if (!id.code) {
        if (!isEmpty(values.birth_date) && values.birth_date !== id.birthDate)
          errors.birth_date = t('出生日期与身份证号不一致', 'Date of birth does not match the ID number');
        if (!isEmpty(values.gender) && values.gender !== id.gender)
          errors.gender = t('性别与身份证号不一致', 'Gender does not match the ID number');
      }
    }
    const status = values.status, oldStatus = before && before.status;
    if (status && status !== 'active' && status !== oldStatus) {
      const d = values.status_date, birth = values.birth_date;
      if (isEmpty(d)) errors.status_date = t('迁出或死亡须填写变更日期', 'Moving out or death needs its date');
      else if (d > today) errors.status_date = t('变更日期不能晚于今天', 'The date cannot be in the future');
      else if (birth && d < birth) errors.status_date = t('变更日期不能早于出生日期', 'The date cannot precede the date of birth');
    }
  },
  household_members(values, before, errors) {
    const end = values.end_date;
    if (isEmpty(end)) return;
    const start = values.start_date || (before && before.start_date);
    if (start && end < start) errors.end_date = t('离户日期不能早于入户日期', 'The end date cannot precede the start date');
    if (end > todayCn()) errors.end_date = t('离户日期不能晚于今天', 'The end date cannot be in the future');
    if (isEmpty(values.end_reason)) errors.end_reason = t('请选择离户原因', 'Choose the reason for leaving');
  },
  users(values, before, errors) {
    const u = values.username;
    if (!isEmpty(u) && (String(u).length < 3 || !/^[A-Za-z0-9_.-]+$/.test(u)))
      errors.username = t('用户名为 3-32 位字母、数字、下划线、点或连字符', 'Usernames are 3-32 letters, digits, _ . or -');
    if (Array.isArray(values.roles) && values.roles.length === 0)
      errors.roles = t('请至少选择一个角色', 'Choose at least one role');
  },
  dict_items(values, before, errors) {
    if (!isEmpty(values.code) && !/^[A-Za-z0-9_]+$/.test(values.code))
      errors.code = t('代码只能包含字母、数字和下划线', 'Codes are letters, digits and _');
  },
};

// Every problem of a form: { field: message }. `fields` are the fields shown, `skip` names
// those left out on purpose (an unchanged masked number, a password not being changed).
export function validateRecord(res, fields, values, { before = null, skip = [] } = {}) {
  const errors = {};
  const ctx = { res, values, creating: !before, touched: !!before };
  for (const f of fields) {
    if (skip.includes(f.name)) continue;
    const msg = checkField(f, values[f.name], ctx);
    if (msg) errors[f.name] = msg;
  }
  const rule = RECORD_RULES[res];
  if (rule) {
    const extra = {};
    rule(values, before, extra);
    for (const [k, v] of Object.entries(extra)) if (!errors[k] && fields.some((f) => f.name === k)) errors[k] = v;
  }
  return errors;
}
