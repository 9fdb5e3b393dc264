/* crud.c: the generic handlers of the declared-record engine - list (filters, q search, sort,
 * paging), get, create, update with If-Match, soft delete with reason, change history - and the
 * record <-> JSON mapping they share with import/export (io.c) and domain code. */
#include "resource.h"
#include "audit.h"
#include "crypto.h"
#include "dict.h"
#include "idnum.h"
#include "log.h"
#include "scope.h"
#include "org.h"
#include "query_cache.h"
#include "crud_internal.h"
#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- registry ---------- */

const struct resource *resource_find(const char *name) {
    if (!name) return NULL;
    for (int i = 0; i < resources_count; i++)
        if (strcmp(resources[i]->name, name) == 0) return resources[i];
    return NULL;
}

const struct field *resource_field(const struct resource *res, const char *name) {
    for (int i = 0; i < res->nfields; i++)
        if (strcmp(res->fields[i].name, name) == 0) return &res->fields[i];
    return NULL;
}

const char *field_column(const struct field *f) {
    if (f->type == FT_ORG) return "org_id";
    return f->column ? f->column : f->name;
}

/* "<perm>.read" and "<perm>.write", made once per resource: asked several times per request. */
static const char *perm_names[64][2];
static pthread_once_t perm_names_once = PTHREAD_ONCE_INIT;

static void make_perm_names(void) {
    for (int i = 0; i < resources_count && i < 64; i++) {
        const char *base = resources[i]->perm ? resources[i]->perm : resources[i]->name;
        char buf[128];
        snprintf(buf, sizeof buf, "%s.read", base);
        perm_names[i][0] = strdup(buf);
        snprintf(buf, sizeof buf, "%s.write", base);
        perm_names[i][1] = strdup(buf);
    }
}

static const char *perm_name(const struct resource *res, int write, arena *a) {
    pthread_once(&perm_names_once, make_perm_names);
    for (int i = 0; i < resources_count && i < 64; i++)
        if (resources[i] == res) return perm_names[i][write];
    return arena_printf(a, write ? "%s.write" : "%s.read", res->perm ? res->perm : res->name);
}

const char *resource_read_perm(const struct resource *res, arena *a) { return perm_name(res, 0, a); }
const char *resource_write_perm(const struct resource *res, arena *a) { return perm_name(res, 1, a); }

static int is_sensitive(const struct field *f) { return f->type == FT_ID_NUMBER || f->type == FT_PHONE; }

/* Whether a field is read back from a column: passwords are never answered, computed fields have none. */
static int has_column(const struct field *f) { return f->type != FT_PASSWORD && !(f->flags & F_COMPUTED); }

/* "12,15" (an FT_REFS column) as a JSON array of integers. */
static json_t *refs_json(const char *t) {
    json_t *arr = json_array();
    while (t && *t) {
        char *end;
        long long v = strtoll(t, &end, 10);
        if (end != t) json_array_append_new(arr, json_integer(v));
        t = *end ? end + 1 : NULL;
    }
    return arr;
}

int resource_has_org(const struct resource *res) {
    for (int i = 0; i < res->nfields; i++) if (res->fields[i].type == FT_ORG) return 1;
    return 0;
}

/* ---------- record <-> JSON ---------- */

/* Built once per resource: declarations never change while the server runs. */
static const char *select_cols_cache[64];
static pthread_mutex_t select_cols_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *build_select_cols(const struct resource *res, arena *a);

const char *resource_select_cols(const struct resource *res, arena *a) {
    int i = 0;
    while (i < resources_count && resources[i] != res) i++;
    if (i >= resources_count || i >= 64) return build_select_cols(res, a);
    const char *cached = __atomic_load_n(&select_cols_cache[i], __ATOMIC_ACQUIRE);
    if (cached) return cached;
    pthread_mutex_lock(&select_cols_mu);
    if (!select_cols_cache[i]) {
        arena tmp;
        arena_init(&tmp);
        char *cols = strdup(build_select_cols(res, &tmp));
        arena_free(&tmp);
        __atomic_store_n(&select_cols_cache[i], cols, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&select_cols_mu);
    return select_cols_cache[i];
}

static const char *build_select_cols(const struct resource *res, arena *a) {
    sbuf b;
    sbuf_init(&b, a);
    sbuf_puts(&b, "t.id");
    if (!(res->flags & R_NO_VERSION)) sbuf_puts(&b, ", t.version, t.created_at, t.updated_at, t.created_by, t.updated_by");
    if (res->flags & R_SCOPED)
        sbuf_puts(&b, resource_has_org(res) ? ", t.org_path, t.org_id, (SELECT o.name FROM org_units o WHERE o.id = t.org_id)"
                                            : ", t.org_path, t.org_id, NULL");
    for (int i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        const char *col = field_column(f);
        if (!has_column(f)) continue;
        if (is_sensitive(f)) sbuf_printf(&b, ", t.%s_masked, t.%s_enc", col, col);
        else sbuf_printf(&b, ", t.%s", col);
    }
    return sbuf_str(&b);
}

int record_row_json(req *r, const struct resource *res, db_stmt *s, json_t **out) {
    return record_row_json_unmask(r, res, s, out, 0);
}

int record_row_json_unmask(req *r, const struct resource *res, db_stmt *s, json_t **out, int unmask) {
    json_t *o = json_object();
    int c = 0;
    json_object_set_new(o, "id", json_integer(db_col_int(s, c++)));
    if (!(res->flags & R_NO_VERSION)) {
        json_object_set_new(o, "version", json_integer(db_col_int(s, c++)));
        json_object_set_new(o, "created_at", json_string(db_col_text(s, c++)));
        json_object_set_new(o, "updated_at", json_string(db_col_text(s, c++)));
        json_object_set_new(o, "created_by", db_col_type(s, c) == DBT_NULL ? json_null() : json_integer(db_col_int(s, c)));
        c++;
        json_object_set_new(o, "updated_by", db_col_type(s, c) == DBT_NULL ? json_null() : json_integer(db_col_int(s, c)));
        c++;
    }
    if (res->flags & R_SCOPED) {
        const char *path = db_col_text(s, c++);
        json_object_set_new(o, "_org_path", json_string(path ? path : "/"));
        json_object_set_new(o, "_org_id", json_integer(db_col_int(s, c++)));
        const char *oname = db_col_text(s, c++);
        if (resource_has_org(res)) json_object_set_new(o, "org_name", oname ? json_string(oname) : json_null());
    }
    for (int i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (!has_column(f)) continue;
        int col = c++;
        if (is_sensitive(f)) {
            int enc_col = c++;
            if (unmask && db_col_type(s, enc_col) == DBT_BLOB) {
                int len = 0;
                const void *blob = db_col_blob(s, enc_col, &len);
                char plain[128];
                if (crypto_open(f->name, blob, (size_t)len, plain, sizeof plain) == 0) {
                    json_object_set_new(o, f->name, json_string(plain));
                    continue;
                }
                log_error("msg=\"cannot decrypt a stored value (wrong key or tampered)\" resource=%s field=%s", res->name, f->name);
            }
            const char *m = db_col_text(s, col);
            json_object_set_new(o, f->name, m ? json_string(m) : json_null());
            continue;
        }
        if (db_col_type(s, col) == DBT_NULL) {
            json_object_set_new(o, f->name, f->type == FT_TAGS || f->type == FT_REFS ? json_array() : json_null());
            continue;
        }
        switch (f->type) {
        case FT_INT: case FT_MONEY: case FT_REF: case FT_ORG:
            json_object_set_new(o, f->name, json_integer(db_col_int(s, col)));
            break;
        case FT_BOOL:
            json_object_set_new(o, f->name, json_boolean(db_col_int(s, col)));
            break;
        case FT_TAGS: {
            json_t *arr = json_array();
            const char *t = db_col_text(s, col);
            while (t && *t) {
                const char *e = strchr(t, ',');
                size_t n = e ? (size_t)(e - t) : strlen(t);
                if (n) json_array_append_new(arr, json_stringn(t, n));
                t = e ? e + 1 : NULL;
            }
            json_object_set_new(o, f->name, arr);
            break;
        }
        case FT_REFS:
            json_object_set_new(o, f->name, refs_json(db_col_text(s, col)));
            break;
        case FT_JSON: {
            json_t *v = json_loads(db_col_text(s, col), JSON_DECODE_ANY, NULL);
            json_object_set_new(o, f->name, v ? v : json_null());
            break;
        }
        default:
            json_object_set_new(o, f->name, json_string(db_col_text(s, col)));
        }
        if (f->flags & F_AGE) {
            char today[11];
            today_cn(today);
            int age = age_on(db_col_text(s, col), today);
            json_object_set_new(o, "age", age >= 0 ? json_integer(age) : json_null());
        }
    }
    *out = o;
    return 0;
}

/* JSON string literal of UTF-8 text (valid: everything stored came through jansson or our
 * validation): quotes, backslashes and control characters escaped. */
static void json_str(sbuf *b, const char *s) {
    static const char hex[] = "0123456789abcdef";
    sbuf_add(b, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        sbuf_add(b, run, (size_t)(s - run));
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (c == '"') sbuf_add(b, "\\\"", 2);
        else if (c == '\\') sbuf_add(b, "\\\\", 2);
        else if (c == '\n') sbuf_add(b, "\\n", 2);
        else if (c == '\t') sbuf_add(b, "\\t", 2);
        else if (c == '\r') sbuf_add(b, "\\r", 2);
        else sbuf_add(b, esc, 6);
        run = s + 1;
    }
    sbuf_add(b, run, (size_t)(s - run));
    sbuf_add(b, "\"", 1);
}

static void json_key(sbuf *b, const char *k, int *first) {
    if (!*first) sbuf_add(b, ",", 1);
    *first = 0;
    json_str(b, k);
    sbuf_add(b, ":", 1);
}

static void json_int_or_null(sbuf *b, db_stmt *s, int col) {
    if (db_col_type(s, col) == DBT_NULL) sbuf_add(b, "null", 4);
    else sbuf_printf(b, "%lld", (long long)db_col_int(s, col));
}

static void json_text_or_null(sbuf *b, const char *t) {
    if (t) json_str(b, t);
    else sbuf_add(b, "null", 4);
}

/* Mirrors record_row_json_unmask (masked, public keys only); a test compares the two. */
int64_t record_row_write(req *r, const struct resource *res, db_stmt *s, sbuf *b) {
    int c = 0, first = 1;
    int64_t version = 0;
    sbuf_add(b, "{", 1);
    json_key(b, "id", &first);
    json_int_or_null(b, s, c++);
    if (!(res->flags & R_NO_VERSION)) {
        version = db_col_int(s, c);
        json_key(b, "version", &first);
        json_int_or_null(b, s, c++);
        json_key(b, "created_at", &first);
        json_text_or_null(b, db_col_text(s, c++));
        json_key(b, "updated_at", &first);
        json_text_or_null(b, db_col_text(s, c++));
        json_key(b, "created_by", &first);
        json_int_or_null(b, s, c++);
        json_key(b, "updated_by", &first);
        json_int_or_null(b, s, c++);
    }
    if (res->flags & R_SCOPED) {
        c += 2;                                        /* org_path, org_id: internal */
        if (resource_has_org(res)) {
            json_key(b, "org_name", &first);
            json_text_or_null(b, db_col_text(s, c));
        }
        c++;
    }
    for (int i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (!has_column(f)) continue;
        int col = c++;
        json_key(b, f->name, &first);
        if (is_sensitive(f)) {
            c++;                                       /* the encrypted column stays unread */
            json_text_or_null(b, db_col_text(s, col));
            continue;
        }
        if (db_col_type(s, col) == DBT_NULL) {
            sbuf_puts(b, f->type == FT_TAGS || f->type == FT_REFS ? "[]" : "null");
        } else {
            switch (f->type) {
            case FT_INT: case FT_MONEY: case FT_REF: case FT_ORG:
                sbuf_printf(b, "%lld", (long long)db_col_int(s, col));
                break;
            case FT_BOOL:
                sbuf_puts(b, db_col_int(s, col) ? "true" : "false");
                break;
            case FT_TAGS: {
                sbuf_add(b, "[", 1);
                char *copy = arena_strdup(&r->a, db_col_text(s, col)), *save = NULL;
                int n = 0;
                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                    if (n++) sbuf_add(b, ",", 1);
                    json_str(b, t);
                }
                sbuf_add(b, "]", 1);
                break;
            }
            case FT_REFS: {
                /* stored by validation as digits and commas only */
                sbuf_add(b, "[", 1);
                sbuf_puts(b, db_col_text(s, col));
                sbuf_add(b, "]", 1);
                break;
            }
            case FT_JSON:
                /* stored by validation as jansson's compact text: already JSON */
                sbuf_puts(b, db_col_text(s, col));
                break;
            default:
                json_str(b, db_col_text(s, col));
            }
        }
        if (f->flags & F_AGE) {
            char today[11];
            today_cn(today);
            int age = age_on(db_col_text(s, col), today);
            json_key(b, "age", &first);
            if (age >= 0) sbuf_printf(b, "%d", age);
            else sbuf_add(b, "null", 4);
        }
    }
    sbuf_add(b, "}", 1);
    return version;
}

/* Removes internal keys ("_org_path") before a record leaves the server. */
json_t *record_public(json_t *rec) {
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(rec, tmp, k, v) if (k[0] == '_') json_object_del(rec, k);
    return rec;
}

static int load_where(req *r, const struct resource *res, sqlb *q, int64_t id) {
    sqlb_sql(q, "SELECT ");
    sqlb_sql(q, resource_select_cols(res, &r->a));
    sqlb_sql(q, " FROM ");
    sqlb_sql(q, res->table);
    sqlb_sql(q, " t WHERE t.id = ");
    sqlb_val(q, sv_int(id));
    if (!(res->flags & R_NO_SOFT)) sqlb_sql(q, " AND t.deleted_at IS NULL");
    if ((res->flags & R_SCOPED) && !(res->flags & R_GLOBAL_READ))
        scope_restrict_table(q, r->who, resource_read_perm(res, &r->a), res->table, "t");
    return 0;
}

json_t *record_load(req *r, const struct resource *res, int64_t id, int unmask) {
    if (id <= 0) return NULL;
    sqlb q;
    sqlb_init(&q, &r->a);
    load_where(r, res, &q, id);
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) return NULL;
    json_t *out = NULL;
    if (db_step(s) == DB_ROW) record_row_json_unmask(r, res, s, &out, unmask);
    db_done(s);
    return out;
}

/* ---------- list ---------- */

struct qarg { const char *k, *v; };
struct qargs { struct qarg *a; int n, cap; arena *ar; };

static void collect_arg(void *ctx, const char *k, const char *v) {
    struct qargs *qa = ctx;
    if (qa->n == qa->cap) {
        int cap = qa->cap ? qa->cap * 2 : 16;
        struct qarg *na = arena_alloc(qa->ar, sizeof *na * (size_t)cap);
        if (qa->n) memcpy(na, qa->a, sizeof *na * (size_t)qa->n);
        qa->a = na;
        qa->cap = cap;
    }
    qa->a[qa->n].k = arena_strdup(qa->ar, k);
    qa->a[qa->n].v = arena_strdup(qa->ar, v);
    qa->n++;
}

/* Answers 400 invalid_filter and returns 1 ("responded"), so `return bad_filter(...)` stops
 * crud_where / crud_order callers. */
static int bad_filter(req *r, const char *name, const char *zh, const char *en) {
    /* the name comes from the query string, which need not be UTF-8, and the message quotes it:
     * json_pack refuses both unless made valid, and the answer would lose its fields */
    char *key = arena_strdup(&r->a, name), *msg = arena_strdup(&r->a, r->lang_en ? en : zh);
    utf8_scrub(key);
    utf8_scrub(msg);
    json_t *fields = json_pack("{s:s}", key, msg);
    json_t *codes = json_pack("{s:s}", key, "invalid_filter");
    resp_error_fields(r, 400, "invalid_filter", "查询条件有误", "Invalid query parameter", fields, codes);
    return 1;
}

static int parse_int(const char *s, int64_t *out) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno) return -1;
    *out = v;
    return 0;
}

static const char *like_escape(arena *a, const char *s) {
    sbuf b;
    sbuf_init(&b, a);
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\') sbuf_add(&b, "\\", 1);
        sbuf_add(&b, s, 1);
    }
    return sbuf_str(&b);
}

/* Appends the condition for one sensitive value: exact match through the lookup hash. */
static void sensitive_match(req *r, sqlb *q, const struct field *f, const char *value) {
    char norm[64];
    struct idnum_info info;
    const char *v = value;
    if (f->type == FT_PHONE && phone_normalize(value, norm, sizeof norm) == 0) v = norm;
    if (f->type == FT_ID_NUMBER) {
        if (idnum_parse(value, "2999-12-31", &info) == IDNUM_OK) v = info.number;
        else {
            size_t j = 0;
            for (const char *c = value; *c && j < sizeof norm - 1; c++) if (*c != ' ') norm[j++] = (char)toupper((unsigned char)*c);
            norm[j] = 0;
            v = norm;
        }
    }
    unsigned char *h = arena_alloc(&r->a, CRYPTO_HASH_BYTES);
    crypto_lookup_hash(f->name, v, h);
    sqlb_sql(q, arena_printf(&r->a, "t.%s_hash = ", field_column(f)));
    sqlb_val(q, sv_blob(h, CRYPTO_HASH_BYTES));
}

static int add_filter(req *r, const struct resource *res, sqlb *q, const char *key, const char *val) {
    char name[64];
    const char *op = "";
    const char *dunder = strstr(key, "__");
    size_t nl = dunder ? (size_t)(dunder - key) : strlen(key);
    if (nl >= sizeof name) return bad_filter(r, key, "未知的查询条件", "Unknown filter");
    memcpy(name, key, nl);
    name[nl] = 0;
    if (dunder) op = dunder + 2;
    const struct field *f = resource_field(res, name);
    int is_id = strcmp(name, "id") == 0;
    /* the time stamps are columns of every kind with versions, not of the audit log */
    int is_time = !(res->flags & R_NO_VERSION) && (strcmp(name, "created_at") == 0 || strcmp(name, "updated_at") == 0);
    if (!is_id && !is_time && (!f || !(f->flags & F_FILTER))) {
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "不支持按“%.60s”筛选", name);
        snprintf(en, sizeof en, "Cannot filter by \"%.60s\"", name);
        return bad_filter(r, key, zh, en);
    }
    const char *cmp = NULL;
    if (!*op) cmp = "=";
    else if (strcmp(op, "gte") == 0) cmp = ">=";
    else if (strcmp(op, "lte") == 0) cmp = "<=";
    else if (strcmp(op, "gt") == 0) cmp = ">";
    else if (strcmp(op, "lt") == 0) cmp = "<";
    else if (strcmp(op, "ne") == 0) cmp = "<>";
    else if (strcmp(op, "in") == 0) cmp = "in";
    else if (strcmp(op, "null") == 0) cmp = "null";
    if (!cmp) return bad_filter(r, key, "不支持的比较方式（可用 gte、lte、gt、lt、ne、in、null）",
                                "Unknown operator (gte, lte, gt, lt, ne, in, null)");
    const char *col = is_id ? "id" : is_time ? name : field_column(f);
    enum ftype type = is_id ? FT_INT : is_time ? FT_DATETIME : f->type;

    if (strcmp(op, "null") == 0) {
        int want = strcmp(val, "1") == 0 || strcmp(val, "true") == 0;
        if (f && is_sensitive(f)) col = arena_printf(&r->a, "%s_hash", col);
        sqlb_sql(q, arena_printf(&r->a, " AND t.%s IS %sNULL", col, want ? "" : "NOT "));
        return 0;
    }
    if (f && f->type == FT_ORG) {
        int64_t oid;
        if (parse_int(val, &oid)) return bad_filter(r, key, "组织单位编号应为整数", "Unit id must be an integer");
        /* a unit filter means the unit and everything below it */
        sqlb_sql(q, " AND t.org_path >= (SELECT org_path FROM org_units WHERE id = ");
        sqlb_val(q, sv_int(oid));
        sqlb_sql(q, ") AND t.org_path < (SELECT substr(org_path, 1, length(org_path) - 1) || '0' FROM org_units WHERE id = ");
        sqlb_val(q, sv_int(oid));
        sqlb_sql(q, ")");
        return 0;
    }
    if (f && f->type == FT_TAGS) {
        /* tags=a,b: records carrying every listed tag */
        char *copy = arena_strdup(&r->a, val), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            sqlb_sql(q, " AND EXISTS (SELECT 1 FROM record_tags rt WHERE rt.res = ");
            sqlb_val(q, sv_text(res->name));
            sqlb_sql(q, " AND rt.tag = ");
            sqlb_val(q, sv_text(t));
            sqlb_sql(q, " AND rt.record_id = t.id)");
        }
        return 0;
    }
    if (f && is_sensitive(f)) {
        sqlb_sql(q, " AND ");
        sensitive_match(r, q, f, val);
        return 0;
    }
    /* comma lists for "in" and for plain equality on dictionary fields */
    int list = strcmp(op, "in") == 0 || (!*op && type == FT_DICT && strchr(val, ','));
    char *copy = arena_strdup(&r->a, val), *save = NULL;
    sqlb_sql(q, arena_printf(&r->a, " AND t.%s %s ", col, list ? "IN (" : cmp));
    int k = 0;
    for (char *item = list ? strtok_r(copy, ",", &save) : copy; item; item = list ? strtok_r(NULL, ",", &save) : NULL) {
        if (k++) sqlb_sql(q, ", ");
        switch (type) {
        case FT_INT: case FT_MONEY: case FT_REF: {
            int64_t iv;
            if (parse_int(item, &iv)) return bad_filter(r, key, "应为整数", "Must be an integer");
            sqlb_val(q, sv_int(iv));
            break;
        }
        case FT_BOOL:
            sqlb_val(q, sv_int(strcmp(item, "1") == 0 || strcmp(item, "true") == 0));
            break;
        case FT_DATE:
            if (!date_valid(item)) return bad_filter(r, key, "日期格式应为 YYYY-MM-DD", "Dates are YYYY-MM-DD");
            sqlb_val(q, sv_text(item));
            break;
        default:
            sqlb_val(q, sv_text(item));
        }
        if (!list) break;
    }
    if (!k) sqlb_val(q, sv_null());
    if (list) sqlb_sql(q, ")");
    return 0;
}

static void add_search(req *r, const struct resource *res, sqlb *q, const char *text) {
    while (*text == ' ') text++;
    if (!*text) return;
    int n = 0;
    sqlb_sql(q, " AND (");
    for (int i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (!(f->flags & F_SEARCH)) continue;
        if (n++) sqlb_sql(q, " OR ");
        if (is_sensitive(f)) {
            sensitive_match(r, q, f, text);
        } else if (f->flags & F_PREFIX) {
            /* prefix as a range: uses the index where LIKE would scan */
            sqlb_sql(q, arena_printf(&r->a, "(t.%s >= ", field_column(f)));
            sqlb_val(q, sv_text(arena_strdup(&r->a, text)));
            sqlb_sql(q, arena_printf(&r->a, " AND t.%s < ", field_column(f)));
            sqlb_val(q, sv_text(arena_printf(&r->a, "%s\xf4\x8f\xbf\xbf", text)));
            sqlb_sql(q, ")");
        } else {
            sqlb_sql(q, arena_printf(&r->a, "t.%s LIKE ", field_column(f)));
            sqlb_val(q, sv_text(arena_printf(&r->a, "%%%s%%", like_escape(&r->a, text))));
            sqlb_sql(q, " ESCAPE '\\'");
        }
    }
    if (!n) sqlb_sql(q, "1=1");
    sqlb_sql(q, ")");
}

static int is_reserved(const char *k) {
    static const char *reserved[] = {"q", "sort", "page", "per_page", "lang", "unmask", "dry_run", "reason", "_", NULL};
    for (int i = 0; reserved[i]; i++) if (strcmp(k, reserved[i]) == 0) return 1;
    return 0;
}

/* FROM + WHERE for a list or export: soft-delete, scope, filters, q. Responds 400 on bad input. */
int crud_where(req *r, const struct resource *res, sqlb *q) {
    sqlb_sql(q, arena_printf(&r->a, " FROM %s t WHERE 1=1", res->table));
    if (!(res->flags & R_NO_SOFT)) sqlb_sql(q, " AND t.deleted_at IS NULL");
    struct qargs qa = {0};
    qa.ar = &r->a;
    req_query_each(r, collect_arg, &qa);
    /* a filter by unit narrows the scope range itself (see scope_restrict_within) */
    const char *org_filter = NULL;
    for (int i = 0; i < res->nfields; i++)
        if (res->fields[i].type == FT_ORG) org_filter = res->fields[i].name;
    /* ?within=<unit>: the same narrowing for scoped records without a unit field of their own
     * (household members, the audit log), so the console's unit picker narrows every list */
    int scoped = (res->flags & R_SCOPED) && !(res->flags & R_GLOBAL_READ);
    const char *within = NULL;
    for (int i = 0; i < qa.n; i++)
        if ((org_filter && !strcmp(qa.a[i].k, org_filter)) || (scoped && !strcmp(qa.a[i].k, "within"))) {
            int64_t oid;
            struct org_info org;
            if (parse_int(qa.a[i].v, &oid)) return bad_filter(r, qa.a[i].k, "组织单位编号应为整数", "Unit id must be an integer");
            int rc = org_lookup_memo(r, oid, &org);
            if (rc < 0) return -1;
            within = rc ? "/none/" : arena_strdup(&r->a, org.path);
            qa.a[i].k = "";                               /* consumed */
        }
    if (scoped) {
        if (within) scope_restrict_table_within(q, r->who, resource_read_perm(res, &r->a), res->table, "t", within);
        else scope_restrict_table(q, r->who, resource_read_perm(res, &r->a), res->table, "t");
    }
    for (int i = 0; i < qa.n; i++) {
        if (!*qa.a[i].k || is_reserved(qa.a[i].k)) continue;
        if (res->list_filter) {
            int handled = res->list_filter(r, q, qa.a[i].k, qa.a[i].v);
            if (r->status) return 1;
            if (handled == 0) continue;
        }
        if (add_filter(r, res, q, qa.a[i].k, qa.a[i].v)) return 1;
        if (r->status) return 1;
    }
    const char *text = req_query(r, "q");
    if (text && *text) {
        if (strlen(text) > 100) return bad_filter(r, "q", "搜索词过长", "Search text too long");
        add_search(r, res, q, text);
    }
    return 0;
}

int crud_order(req *r, const struct resource *res, sqlb *q) {
    const char *sort = req_query(r, "sort");
    if (!sort || !*sort) sort = res->default_sort ? res->default_sort : "-id";
    char *copy = arena_strdup(&r->a, sort), *save = NULL;
    int n = 0, has_id = 0, last_desc = 1;
    sqlb_sql(q, " ORDER BY ");
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        int desc = item[0] == '-';
        const char *name = desc || item[0] == '+' ? item + 1 : item;
        const struct field *f = resource_field(res, name);
        int stamp = !(res->flags & R_NO_VERSION) && (strcmp(name, "created_at") == 0 || strcmp(name, "updated_at") == 0);
        int sys = strcmp(name, "id") == 0 || stamp;
        if (!sys && (!f || !(f->flags & F_SORT))) {
            char zh[160], en[160];
            snprintf(zh, sizeof zh, "不支持按“%.60s”排序", name);
            snprintf(en, sizeof en, "Cannot sort by \"%.60s\"", name);
            return bad_filter(r, "sort", zh, en);
        }
        if (strcmp(name, "id") == 0) has_id = 1;
        if (n++) sqlb_sql(q, ", ");
        /* by unit means tree order: the path, which the (org_path, id) indexes also follow */
        const char *col = sys ? name : f->type == FT_ORG ? "org_path" : field_column(f);
        /* empty values sort as the smallest, SQLite's own order, spelled out so that PostgreSQL
         * (largest) agrees; columns that are never empty keep the plain form its indexes serve */
        int nullable = !sys && f->type != FT_ORG && !(f->flags & F_REQUIRED);
        sqlb_sql(q, arena_printf(&r->a, "t.%s %s%s", col, desc ? "DESC" : "ASC",
                                 !nullable ? "" : desc ? " NULLS LAST" : " NULLS FIRST"));
        last_desc = desc;
    }
    if (!has_id) sqlb_sql(q, last_desc ? ", t.id DESC" : ", t.id ASC");
    return 0;
}

int crud_select(req *r, const struct resource *res, sqlb *q, sqlb *where) {
    sqlb_init(where, &r->a);
    sqlb_init(q, &r->a);
    if (crud_where(r, res, where)) return 1;
    sqlb_sql(q, "SELECT ");
    sqlb_sql(q, resource_select_cols(res, &r->a));
    sqlb_append(q, where);
    return crud_order(r, res, q) ? 1 : 0;
}

static int read_allowed(req *r, const struct resource *res) {
    if (res->flags & R_GLOBAL_READ) return 1;
    return principal_can(r->who, resource_read_perm(res, &r->a));
}

/* ?unmask=1: 1 if asked and permitted, 0 if not asked, -1 after answering 403. */
int wants_unmask(req *r, const struct resource *res) {
    const char *um = req_query(r, "unmask");
    if (!um || (strcmp(um, "1") != 0 && strcmp(um, "true") != 0)) return 0;
    const char *perm = arena_printf(&r->a, "%s.unmask", res->perm ? res->perm : res->name);
    if (!principal_can(r->who, perm)) {
        resp_error(r, 403, "unmask_forbidden", "没有查看完整证件号码和电话的权限",
                   "Not permitted to see full ID numbers and phones");
        return -1;
    }
    return 1;
}

/* The audit entry of an unmasked read: which fields, how many records, which ones. */
int audit_unmask(req *r, const struct resource *res, int64_t id, const char *org_path, json_t *ids, json_t *extra) {
    json_t *fields = json_array();
    for (int i = 0; i < res->nfields; i++)
        if (is_sensitive(&res->fields[i])) json_array_append_new(fields, json_string(res->fields[i].name));
    json_t *detail = json_pack("{s:o}", "fields", fields);
    if (ids) {
        json_object_set_new(detail, "count", json_integer((json_int_t)json_array_size(ids)));
        json_object_set(detail, "ids", ids);
    }
    if (extra) json_object_update(detail, extra);
    int rc = audit_log(r, "unmask", res->name, id, org_path ? org_path : r->who->org_path, "查看完整敏感信息", detail);
    json_decref(detail);
    return rc;
}

int crud_list(req *r) {
    const struct resource *res = r->res;
    if (!read_allowed(r, res)) return resp_error(r, 403, "forbidden", "没有权限查看", "Not permitted");
    int unmask = wants_unmask(r, res);
    if (unmask < 0) return 0;
    int64_t page = 1, per_page = 20;
    const char *p = req_query(r, "page"), *pp = req_query(r, "per_page");
    if (p && (parse_int(p, &page) || page < 1 || page > 1000000)) { bad_filter(r, "page", "页码应为正整数", "page must be a positive integer"); return 0; }
    if (pp && (parse_int(pp, &per_page) || per_page < 1 || per_page > 500)) {
        bad_filter(r, "per_page", "每页条数应在 1 到 500 之间", "per_page must be between 1 and 500");
        return 0;
    }
    sqlb where, q;
    if (crud_select(r, res, &q, &where)) return 0;
    sqlb_sql(&q, " LIMIT ");
    sqlb_val(&q, sv_int(per_page));
    sqlb_sql(&q, " OFFSET ");
    sqlb_val(&q, sv_int((page - 1) * per_page));

    /* The page depends on this table and on unit names (org_name); decorations may depend on the
     * date (ages). All three are part of what the cached page is filed under. */
    char today[11];
    today_cn(today);
    /* this table, org_units, then the tables the decorate hook reads (an elder's entitlement
     * comes from the subsidy rules): their counters in one statement */
    const char *tables[16] = {res->table, "org_units"};
    int64_t versions[16];
    int ntables = 2;
    char *deps = arena_strdup(&r->a, res->cache_deps ? res->cache_deps : ""), *dsave = NULL;
    for (char *t = strtok_r(deps, " ", &dsave); t && ntables < 16; t = strtok_r(NULL, " ", &dsave)) tables[ntables++] = t;
    int deps_known = query_cache_versions(r->dbc, tables, ntables, versions) == 0;
    int64_t version = versions[0];
    sqlb key;
    sqlb_init(&key, &r->a);
    sqlb_append(&key, &q);
    sqlb_sql(&key, " -- ");
    sqlb_val(&key, sv_text(today));
    for (int i = 1; i < ntables; i++) {
        if (versions[i] < 0) deps_known = 0;
        sqlb_val(&key, sv_int(versions[i]));
    }
    /* a provider's people see elders through their orders: the scope reads another table, whose
     * changes the counters above do not follow, so such answers are not kept */
    int scope_fixed = !(res->flags & R_SCOPED) || !scope_reads(r->who, resource_read_perm(res, &r->a), res->table);
    int cacheable = !unmask && deps_known && version >= 0 && scope_fixed;
    char *cached;
    size_t cached_len;
    if (cacheable && query_cache_get(&key, version, &cached, &cached_len)) {
        r->status = 200;
        r->content_type = "application/json; charset=utf-8";
        free(r->resp_body);
        r->resp_body = cached;
        r->resp_len = cached_len;
        return 0;
    }

    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) return -1;
    json_t *data = res->decorate || unmask ? json_array() : NULL;
    json_t *ids = unmask ? json_array() : NULL;
    sbuf body;
    sbuf_init(&body, &r->a);
    sbuf_puts(&body, "{\"data\":[");
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (data) {
            json_t *rec;
            record_row_json_unmask(r, res, s, &rec, unmask);
            if (res->decorate) res->decorate(r, rec, 0);
            if (ids) json_array_append(ids, json_object_get(rec, "id"));
            json_array_append_new(data, record_public(rec));
        } else {
            if (n++) sbuf_add(&body, ",", 1);
            record_row_write(r, res, s, &body);
        }
    }
    db_done(s);
    if (rc < 0) { if (data) json_decref(data); if (ids) json_decref(ids); return rc; }
    if (ids) {
        rc = audit_unmask(r, res, 0, NULL, ids, NULL);
        json_decref(ids);
        if (rc) { json_decref(data); return rc; }
    }

    sqlb cq;
    sqlb_init(&cq, &r->a);
    sqlb_sql(&cq, "SELECT count(*)");
    sqlb_append(&cq, &where);
    int64_t total = 0;
    if (!scope_fixed || !query_cache_get_int(&cq, version, &total)) {
        s = sqlb_prepare(&cq, r->dbc);
        if (!s) { if (data) json_decref(data); return -1; }
        if (db_step(s) == DB_ROW) total = db_col_int(s, 0);
        db_done(s);
        if (scope_fixed) query_cache_put_int(&cq, version, total);
    }
    if (data) {
        json_t *out = json_pack("{s:o,s:{s:I,s:I,s:I}}", "data", data, "meta", "total", (json_int_t)total, "page",
                                (json_int_t)page, "per_page", (json_int_t)per_page);
        resp_json(r, 200, out);
    } else {
        sbuf_printf(&body, "],\"meta\":{\"total\":%lld,\"page\":%lld,\"per_page\":%lld}}", (long long)total,
                    (long long)page, (long long)per_page);
        resp_text(r, 200, "application/json; charset=utf-8", sbuf_str(&body), body.len);
    }
    if (cacheable && r->resp_body) query_cache_put(&key, version, r->resp_body, r->resp_len);
    return 0;
}

/* Whether the caller may change this (readable) record: write permission with a scope covering it. */
int record_writable(req *r, const struct resource *res, json_t *rec) {
    const char *perm = resource_write_perm(res, &r->a);
    if (!(res->flags & R_SCOPED)) return principal_can(r->who, perm);
    return scope_allows_record(r->who, perm, res->table, rec);
}

/* ---------- get ---------- */

static void set_etag(req *r, json_t *rec) {
    json_t *v = json_object_get(rec, "version");
    if (v) resp_header(r, "ETag", arena_printf(&r->a, "\"%lld\"", (long long)json_integer_value(v)));
}

int crud_get(req *r) {
    const struct resource *res = r->res;
    if (!read_allowed(r, res)) return resp_error(r, 403, "forbidden", "没有权限查看", "Not permitted");
    int64_t id = req_param_id(r, 0);
    int unmask = wants_unmask(r, res);
    if (unmask < 0) return 0;
    if (!unmask && !res->decorate) {                 /* the common read: straight from the row to text */
        if (id <= 0) return resp_error(r, 404, "not_found", "记录不存在", "No such record");
        sqlb q;
        sqlb_init(&q, &r->a);
        load_where(r, res, &q, id);
        db_stmt *s = sqlb_prepare(&q, r->dbc);
        if (!s) return -1;
        int rc = db_step(s);
        if (rc != DB_ROW) { db_done(s); return rc < 0 ? rc : resp_error(r, 404, "not_found", "记录不存在", "No such record"); }
        sbuf body;
        sbuf_init(&body, &r->a);
        sbuf_puts(&body, "{\"data\":");
        int64_t version = record_row_write(r, res, s, &body);
        db_done(s);
        sbuf_add(&body, "}", 1);
        if (version) resp_header(r, "ETag", arena_printf(&r->a, "\"%lld\"", (long long)version));
        return resp_text(r, 200, "application/json; charset=utf-8", sbuf_str(&body), body.len);
    }
    json_t *rec = record_load(r, res, id, unmask);
    if (!rec) return resp_error(r, 404, "not_found", "记录不存在", "No such record");
    if (unmask) {
        /* every unmasked read is recorded, with which fields were shown */
        int rc = audit_unmask(r, res, id, json_string_value(json_object_get(rec, "_org_path")), NULL, NULL);
        if (rc) { json_decref(rec); return rc; }
    }
    if (res->decorate) res->decorate(r, rec, 1);
    set_etag(r, rec);
    return resp_data(r, 200, record_public(rec));
}

/* ---------- write ---------- */

static int resp_stale(req *r) {
    return resp_error(r, 412, "stale_version", "记录已被他人修改，请刷新后重试",
                      "The record was changed by someone else; reload and try again");
}

static json_t *public_copy(json_t *rec) {
    if (!rec) return NULL;
    return record_public(json_deep_copy(rec));
}

/* Values of `after` that the audit may hold: sensitive fields are kept masked already. */
static json_t *audit_view(json_t *rec) {
    json_t *c = public_copy(rec);
    if (c) { json_object_del(c, "version"); json_object_del(c, "updated_at"); json_object_del(c, "updated_by"); }
    return c;
}

/* One record's rows in record_tags for one tags field (codes already checked and de-duplicated). */
int record_tags_add(req *r, const struct resource *res, int64_t id, const char *const *codes, int n) {
    for (int k = 0; k < n; k++) {
        db_stmt *s = db_prepare(r->dbc, "INSERT INTO record_tags (res, tag, record_id) VALUES (?, ?, ?)");
        if (!s) return -1;
        db_bind_text(s, 1, res->name, -1);
        db_bind_text(s, 2, codes[k], -1);
        db_bind_int(s, 3, id);
        int rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) return rc;
    }
    return 0;
}

static int sync_tags(req *r, const struct resource *res, int64_t id, json_t *after, int creating) {
    for (int i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (f->type != FT_TAGS) continue;
        json_t *tags = json_object_get(after, f->name);
        if (!tags) continue;                                /* unchanged in a PATCH */
        db_stmt *s;
        int rc;
        if (!creating) {
            s = db_prepare(r->dbc, "DELETE FROM record_tags WHERE res = ? AND record_id = ?");
            if (!s) return -1;
            db_bind_text(s, 1, res->name, -1);
            db_bind_int(s, 2, id);
            rc = db_step(s);
            db_done(s);
            if (rc != DB_DONE) return rc;
        }
        size_t n = json_array_size(tags);
        const char **codes = arena_alloc(&r->a, sizeof *codes * (n ? n : 1));
        for (size_t k = 0; k < n; k++) codes[k] = json_string_value(json_array_get(tags, k));
        rc = record_tags_add(r, res, id, codes, (int)n);
        if (rc) return rc;
    }
    return 0;
}

int colvals_same_columns(const struct colvals *a, const struct colvals *b) {
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (a->v[i].col != b->v[i].col && strcmp(a->v[i].col, b->v[i].col) != 0) return 0;
    return 1;
}

/* INSERT INTO t ([id, ]cols..., stamps) VALUES (?, ...)[, (...)] for n rows. */
static const char *insert_text(const struct resource *res, const struct colvals *cols, int n, int with_id, arena *a) {
    int stamps = !(res->flags & R_NO_VERSION);
    sbuf b;
    sbuf_init(&b, a);
    sbuf_printf(&b, "INSERT INTO %s (", res->table);
    int k = 0;
    if (with_id) { sbuf_puts(&b, "id"); k++; }
    for (int i = 0; i < cols->n; i++, k++) { if (k) sbuf_puts(&b, ", "); sbuf_puts(&b, cols->v[i].col); }
    if (stamps) sbuf_puts(&b, k ? ", created_at, updated_at, created_by, updated_by" : "created_at, updated_at, created_by, updated_by");
    int per = with_id + cols->n + 4 * stamps;
    sbuf_puts(&b, ") VALUES ");
    for (int row = 0; row < n; row++) {
        sbuf_puts(&b, row ? ", (" : "(");
        for (int i = 0; i < per; i++) sbuf_puts(&b, i ? ", ?" : "?");
        sbuf_puts(&b, ")");
    }
    return sbuf_str(&b);
}

/* The statement text for n rows shaped like cols, from the cache when it holds it: a file's rows
 * mostly share one set of columns, and building the text costs as much as binding a row. */
static const char *insert_sql(const struct resource *res, const struct colvals *cols, int n, int with_id,
                              struct insert_cache *ic, arena *a) {
    if (!ic || cols->n > (int)(sizeof ic->cols / sizeof ic->cols[0])) return insert_text(res, cols, n, with_id, a);
    int fits = ic->n == cols->n && ic->with_id == with_id && ic->valid;
    for (int i = 0; fits && i < cols->n; i++)
        if (ic->cols[i] != cols->v[i].col && strcmp(ic->cols[i], cols->v[i].col) != 0) fits = 0;
    if (!fits) {                    /* another shape: the texts of the last one go */
        arena_reset(&ic->a);
        memset(ic->sql, 0, sizeof ic->sql);
        for (int i = 0; i < cols->n; i++) ic->cols[i] = arena_strdup(&ic->a, cols->v[i].col);
        ic->n = cols->n;
        ic->with_id = with_id;
        ic->valid = 1;
    }
    if (!ic->sql[n]) ic->sql[n] = insert_text(res, cols, n, with_id, &ic->a);
    return ic->sql[n];
}

int record_insert_rows(req *r, const struct resource *res, const struct colvals *const *rows, int n, const int64_t *ids,
                       struct insert_cache *ic, int64_t *id) {
    if (n < 1 || n > INSERT_ROWS_MAX) return -1;
    db_stmt *s = db_prepare(r->dbc, insert_sql(res, rows[0], n, ids != NULL, ic, &r->a));
    if (!s) return -1;
    char now[32];
    now_utc_iso(now);
    int64_t uid = r->who ? r->who->user_id : 0;
    int k = 1;
    for (int row = 0; row < n; row++) {
        const struct colvals *cols = rows[row];
        if (ids && db_bind_int(s, k++, ids[row]) != 0) { db_done(s); return -1; }
        for (int i = 0; i < cols->n; i++)
            if (sqlv_bind(s, k++, cols->v[i].v) != 0) { db_done(s); return -1; }
        if (!(res->flags & R_NO_VERSION)) {
            db_bind_text_ref(s, k++, now, -1);        /* `now` outlives the statement's use */
            db_bind_text_ref(s, k++, now, -1);
            if (uid) { db_bind_int(s, k++, uid); db_bind_int(s, k++, uid); }
            else { db_bind_null(s, k++); db_bind_null(s, k++); }
        }
    }
    /* the rowid of this connection's insert, rather than RETURNING: a RETURNING clause makes SQLite
     * stage every inserted row in a temporary table, which costs as much as the insert in a bulk load */
    int rc = db_step(s);
    if (rc == DB_DONE && id) *id = db_last_insert_id(r->dbc);
    db_done(s);
    return rc == DB_DONE ? 0 : rc == DB_ROW ? -1 : rc;
}

int record_insert(req *r, const struct resource *res, const struct colvals *cols, struct insert_cache *ic, int64_t *id) {
    return record_insert_rows(r, res, &cols, 1, NULL, ic, id);
}

/* The write of record_save failed with rc: undone, and a duplicate reported as validation would. */
static int unique_lost(struct write_ctx *w, int rc) {
    int sp = db_savepoint_end(w->r->dbc, 1);
    if (rc != DB_ERR_UNIQUE || sp) return sp ? sp : rc;
    int found = validate_unique_again(w);
    return found > 0 ? SAVE_INVALID : found < 0 ? found : rc;
}

/* Validates and stores one record. Returns 0 (w->id set), SAVE_INVALID (w->errors),
 * SAVE_STALE, SAVE_NOT_FOUND, or <0 for a storage error. */
int record_save(struct write_ctx *w, int64_t expect_version) {
    req *r = w->r;
    const struct resource *res = w->res;
    int rc = validate_record(w);
    if (rc < 0) return rc;
    if (json_object_size(w->errors)) return SAVE_INVALID;
    char now[32];
    now_utc_iso(now);
    sqlb q;
    sqlb_init(&q, &r->a);
    int64_t uid = r->who ? r->who->user_id : 0;
    /* A unique value taken by a concurrent writer after validation looked (possible only with
     * several servers: SQLite runs one writer at a time) fails the write; the savepoint keeps the
     * transaction alive (PostgreSQL) so the check can run again and answer as validation would. */
    if ((rc = db_savepoint(r->dbc))) return rc;
    if (w->creating) {
        rc = record_insert(r, res, w->cols, NULL, &w->id);
        if (rc) return unique_lost(w, rc);
    } else {
        sqlb_sql(&q, arena_printf(&r->a, "UPDATE %s SET ", res->table));
        for (int i = 0; i < w->cols->n; i++) {
            sqlb_sql(&q, w->cols->v[i].col);
            sqlb_sql(&q, " = ");
            sqlb_val(&q, w->cols->v[i].v);
            sqlb_sql(&q, ", ");
        }
        sqlb_sql(&q, "version = version + 1, updated_at = ");
        sqlb_val(&q, sv_text(arena_strdup(&r->a, now)));
        sqlb_sql(&q, ", updated_by = ");
        sqlb_val(&q, uid ? sv_int(uid) : sv_null());
        sqlb_sql(&q, " WHERE id = ");
        sqlb_val(&q, sv_int(w->id));
        if (expect_version > 0) { sqlb_sql(&q, " AND version = "); sqlb_val(&q, sv_int(expect_version)); }
        if (!(res->flags & R_NO_SOFT)) sqlb_sql(&q, " AND deleted_at IS NULL");
        db_stmt *s = sqlb_prepare(&q, r->dbc);
        if (!s) return -1;
        rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) return unique_lost(w, rc);
        if (db_changes(r->dbc) == 0) { db_savepoint_end(r->dbc, 0); return SAVE_STALE; }
    }
    if ((rc = db_savepoint_end(r->dbc, 0))) return rc;
    rc = sync_tags(r, res, w->id, w->after, w->creating);
    if (rc) return rc;
    if (res->after_write) {
        rc = res->after_write(w);
        if (rc) return rc;
        if (json_object_size(w->errors)) return SAVE_INVALID;
    }
    return 0;
}

void write_ctx_init(struct write_ctx *w, req *r, const struct resource *res, struct colvals *cols) {
    memset(w, 0, sizeof *w);
    memset(cols, 0, sizeof *cols);
    cols->a = &r->a;
    w->r = r;
    w->res = res;
    w->cols = cols;
    w->after = json_object();
    w->errors = json_object();
    w->error_codes = json_object();
}

void write_ctx_free(struct write_ctx *w) {
    json_decref(w->after);
    json_decref(w->errors);
    json_decref(w->error_codes);
    if (w->before) json_decref(w->before);
}

static int respond_save_error(req *r, struct write_ctx *w, int rc) {
    if (rc == SAVE_INVALID) {
        json_t *dup = json_object_get(w->after, "_duplicate_of");
        if (dup) {
            json_t *e = json_pack("{s:s,s:s,s:O,s:O,s:O}", "code", "duplicate", "message",
                                  r->lang_en ? "A live record with the same value exists" : "已存在相同的在册记录",
                                  "existing_id", dup, "fields", w->errors, "field_codes", w->error_codes);
            r->error_code = "duplicate";
            return resp_json(r, 409, json_pack("{s:o}", "error", e));
        }
        return respond_validation(r, w->errors, w->error_codes);
    }
    if (rc == SAVE_STALE) return resp_stale(r);
    if (rc == SAVE_NOT_FOUND) return resp_error(r, 404, "not_found", "记录不存在", "No such record");
    return resp_db_error(r, rc);
}

int crud_create(req *r) {
    const struct resource *res = r->res;
    if (res->flags & R_NO_CREATE) return resp_error(r, 405, "method_not_allowed", "该类记录不能直接新建", "Records of this kind cannot be created here");
    if (!principal_can(r->who, resource_write_perm(res, &r->a)))
        return resp_error(r, 403, "forbidden", "没有权限新建此类记录", "Not permitted to create these records");
    json_t *in = req_json(r);
    if (!in) return 0;
    return record_create_respond(r, res, in);
}

int record_create_respond(req *r, const struct resource *res, json_t *in) {
    struct colvals cols;
    struct write_ctx w;
    write_ctx_init(&w, r, res, &cols);
    w.creating = 1;
    w.in = in;
    int rc = record_save(&w, 0);
    if (rc) { rc = respond_save_error(r, &w, rc); write_ctx_free(&w); return rc; }
    json_t *rec = record_load(r, res, w.id, 0);
    if (!rec) { write_ctx_free(&w); return -1; }
    json_t *detail = json_pack("{s:o}", "after", audit_view(rec));
    rc = audit_log(r, "create", res->name, w.id, json_string_value(json_object_get(rec, "_org_path")),
                   json_string_value(json_object_get(rec, res->title_field ? res->title_field : "name")), detail);
    json_decref(detail);
    write_ctx_free(&w);
    if (rc) { json_decref(rec); return rc; }
    if (res->decorate) res->decorate(r, rec, 1);
    set_etag(r, rec);
    resp_header(r, "Location", arena_printf(&r->a, "/api/v1/%s/%lld", res->name, (long long)json_integer_value(json_object_get(rec, "id"))));
    return resp_data(r, 201, record_public(rec));
}

int record_put(req *r, const struct resource *res, int64_t id, json_t *in, json_t **out, json_t **errors, json_t **codes) {
    json_t *before = NULL;
    if (out) *out = NULL;
    if (id > 0 && !(before = record_load(r, res, id, 0))) return SAVE_NOT_FOUND;
    struct colvals cols;
    struct write_ctx w;
    write_ctx_init(&w, r, res, &cols);
    w.creating = id == 0;
    w.id = id;
    w.in = in;
    w.before = before;
    int rc = record_save(&w, 0);
    if (rc) {
        if (rc == SAVE_INVALID) { *errors = json_incref(w.errors); *codes = json_incref(w.error_codes); }
        write_ctx_free(&w);
        return rc;
    }
    json_t *rec = record_load(r, res, w.id, 0);
    if (!rec) { write_ctx_free(&w); return -1; }
    json_t *detail = NULL;
    if (before) {
        json_t *a = audit_view(before), *b = audit_view(rec);
        json_t *diff = audit_diff(a, b);
        json_decref(a);
        json_decref(b);
        if (diff) detail = json_pack("{s:o}", "diff", diff);
    } else {
        detail = json_pack("{s:o}", "after", audit_view(rec));
    }
    if (detail) {
        rc = audit_log(r, before ? "update" : "create", res->name, w.id, json_string_value(json_object_get(rec, "_org_path")),
                       json_string_value(json_object_get(rec, res->title_field ? res->title_field : "name")), detail);
        json_decref(detail);
    }
    write_ctx_free(&w);
    if (rc || !out) { json_decref(rec); return rc; }
    *out = rec;
    return 0;
}

/* If-Match: "3", W/"3" or 3. Returns the version, 0 when absent, -1 when malformed. */
int64_t if_match_version(req *r) {
    const char *h = req_header(r, "If-Match");
    if (!h) return 0;
    while (*h == ' ') h++;
    if (h[0] == 'W' && h[1] == '/') h += 2;
    if (*h == '"') h++;
    char *end;
    long long v = strtoll(h, &end, 10);
    if (end == h || v <= 0 || (*end && *end != '"')) return -1;
    return v;
}

/* The record the caller is about to change: NULL after answering 404 (absent or out of scope)
 * or 403 (readable but not writable). */
static json_t *load_for_write(req *r, const struct resource *res, int64_t id, const char *zh, const char *en) {
    json_t *before = record_load(r, res, id, 0);
    if (!before) { resp_error(r, 404, "not_found", "记录不存在", "No such record"); return NULL; }
    if (!record_writable(r, res, before)) {
        json_decref(before);
        resp_error(r, 403, "forbidden", zh, en);
        return NULL;
    }
    return before;
}

int crud_update(req *r) {
    const struct resource *res = r->res;
    if (res->flags & R_NO_UPDATE) return resp_error(r, 405, "method_not_allowed", "该类记录不能修改", "Records of this kind cannot be changed");
    int64_t id = req_param_id(r, 0);
    json_t *before = load_for_write(r, res, id, "没有权限修改此记录", "Not permitted to change this record");
    if (!before) return 0;
    int64_t ver = if_match_version(r);
    if (ver == 0) { json_decref(before); return resp_error(r, 428, "precondition_required", "修改记录须带 If-Match 请求头（记录版本号）", "Send If-Match with the record's version"); }
    if (ver < 0) { json_decref(before); return resp_error(r, 400, "bad_if_match", "If-Match 格式不正确", "Malformed If-Match header"); }
    json_t *in = req_json(r);
    if (!in) { json_decref(before); return 0; }
    if (ver != json_integer_value(json_object_get(before, "version"))) {
        json_decref(before);
        return resp_stale(r);
    }
    struct colvals cols;
    struct write_ctx w;
    write_ctx_init(&w, r, res, &cols);
    w.id = id;
    w.in = in;
    w.before = before;
    int rc = record_save(&w, ver);
    if (rc) { rc = respond_save_error(r, &w, rc); write_ctx_free(&w); return rc; }
    json_t *rec = record_load(r, res, id, 0);
    if (!rec) { write_ctx_free(&w); return -1; }
    json_t *a = audit_view(before), *b = audit_view(rec);
    json_t *diff = audit_diff(a, b);
    json_decref(a);
    json_decref(b);
    if (diff) {
        json_t *detail = json_pack("{s:o}", "diff", diff);
        rc = audit_log(r, "update", res->name, id, json_string_value(json_object_get(rec, "_org_path")),
                       json_string_value(json_object_get(rec, res->title_field ? res->title_field : "name")), detail);
        json_decref(detail);
    }
    write_ctx_free(&w);
    if (rc) { json_decref(rec); return rc; }
    if (res->decorate) res->decorate(r, rec, 1);
    set_etag(r, rec);
    return resp_data(r, 200, record_public(rec));
}

int crud_delete(req *r) {
    const struct resource *res = r->res;
    if (res->flags & R_NO_DELETE) return resp_error(r, 405, "method_not_allowed", "该类记录不能删除", "Records of this kind cannot be deleted");
    int64_t id = req_param_id(r, 0);
    json_t *before = load_for_write(r, res, id, "没有权限删除此记录", "Not permitted to delete this record");
    if (!before) return 0;
    const char *reason = req_query(r, "reason");
    if (r->body_len) {
        json_t *in = req_json(r);
        if (!in) { json_decref(before); return 0; }
        json_t *jr = json_object_get(in, "reason");
        if (jr && !json_is_string(jr)) { json_decref(before); return resp_error(r, 422, "validation_failed", "删除原因应为文本", "reason must be text"); }
        if (jr) reason = json_string_value(jr);
    }
    while (reason && *reason == ' ') reason++;
    if (!reason || !*reason || strlen(reason) > 500) {
        json_decref(before);
        return resp_error_fields(r, 422, "validation_failed", "删除须填写原因", "A reason is required to delete",
                                 json_pack("{s:s}", "reason", r->lang_en ? "A reason is required" : "请填写删除原因"),
                                 json_pack("{s:s}", "reason", "required"));
    }
    int64_t ver = if_match_version(r);
    if (ver < 0) { json_decref(before); return resp_error(r, 400, "bad_if_match", "If-Match 格式不正确", "Malformed If-Match header"); }
    if (ver > 0 && ver != json_integer_value(json_object_get(before, "version"))) {
        json_decref(before);
        return resp_stale(r);
    }
    struct colvals cols;
    struct write_ctx w;
    write_ctx_init(&w, r, res, &cols);
    w.id = id;
    w.before = before;
    if (res->before_delete) {
        int rc = res->before_delete(&w);
        if (rc || r->status) { write_ctx_free(&w); return rc; }
    }
    char now[32];
    now_utc_iso(now);
    db_stmt *s = db_prepare(r->dbc, arena_printf(&r->a,
        "UPDATE %s SET deleted_at = ?, deleted_by = ?, delete_reason = ?, version = version + 1 "
        "WHERE id = ? AND deleted_at IS NULL", res->table));
    if (!s) { write_ctx_free(&w); return -1; }
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, r->who->user_id);
    db_bind_text(s, 3, reason, -1);
    db_bind_int(s, 4, id);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { write_ctx_free(&w); return rc; }
    json_t *detail = json_pack("{s:s,s:o}", "reason", reason, "before", audit_view(before));
    rc = audit_log(r, "delete", res->name, id, json_string_value(json_object_get(before, "_org_path")),
                   json_string_value(json_object_get(before, res->title_field ? res->title_field : "name")), detail);
    json_decref(detail);
    write_ctx_free(&w);
    if (rc) return rc;
    return resp_data(r, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "deleted", 1));
}

/* GET /api/v1/{res}/{id}/history: the record's entries in the audit log. */
int crud_history(req *r) {
    const struct resource *res = r->res;
    if (!read_allowed(r, res)) return resp_error(r, 403, "forbidden", "没有权限查看", "Not permitted");
    int64_t id = req_param_id(r, 0);
    json_t *rec = record_load(r, res, id, 0);
    if (!rec) return resp_error(r, 404, "not_found", "记录不存在", "No such record");
    json_decref(rec);
    db_stmt *s = db_prepare(r->dbc,
        "SELECT id, at, username, action, summary, detail FROM audit_log WHERE resource = ? AND record_id = ? "
        "ORDER BY id DESC LIMIT 200");
    if (!s) return -1;
    db_bind_text(s, 1, res->name, -1);
    db_bind_int(s, 2, id);
    json_t *out = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *detail = db_col_text(s, 5) ? json_loads(db_col_text(s, 5), 0, NULL) : NULL;
        json_array_append_new(out, json_pack("{s:I,s:s,s:s?,s:s,s:s?,s:o}", "id", (json_int_t)db_col_int(s, 0),
                                             "at", db_col_text(s, 1), "username", db_col_text(s, 2), "action",
                                             db_col_text(s, 3), "summary", db_col_text(s, 4), "detail",
                                             detail ? detail : json_null()));
    }
    db_done(s);
    return resp_data(r, 200, out);
}
