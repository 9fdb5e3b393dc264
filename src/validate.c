/* validate.c: turns a JSON input into checked storage values for a declared resource - types,
 * required fields, lengths, ranges, dictionary codes, references that exist and are in the
 * caller's scope, identity and phone numbers (encrypted, hashed, masked), passwords (argon2id).
 * Every problem is collected per field with a stable code, so one answer lists them all. */
#include "resource.h"
#include "crypto.h"
#include "dict.h"
#include "idnum.h"
#include "org.h"
#include "scope.h"
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void write_error(struct write_ctx *w, const char *field, const char *code, const char *zh, const char *en) {
    if (json_object_get(w->errors, field)) return;          /* first problem per field */
    /* messages quote input cut at a byte count ("%.60s"): half a character would make json_string
     * refuse the message, and the error would vanish while its code stayed */
    char *msg = arena_strdup(&w->r->a, w->r->lang_en ? en : zh);
    utf8_scrub(msg);
    json_object_set_new(w->errors, field, json_string(msg));
    json_object_set_new(w->error_codes, field, json_string(code));
}

const char *write_ctx_str(struct write_ctx *w, const char *field) {
    json_t *v = json_object_get(w->after, field);
    if (!v && w->before) v = json_object_get(w->before, field);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

void write_ctx_set_text(struct write_ctx *w, const char *field, const char *v) {
    colvals_set(w->cols, field, sv_text(v ? arena_strdup(&w->r->a, v) : NULL));
    json_object_set_new(w->after, field, v ? json_string(v) : json_null());
}

void write_ctx_set_int(struct write_ctx *w, const char *field, int64_t v) {
    colvals_set(w->cols, field, sv_int(v));
    json_object_set_new(w->after, field, json_integer(v));
}

void write_ctx_set_unit(struct write_ctx *w, int64_t org_id, const char *org_path, const char *district_code) {
    colvals_set(w->cols, "org_id", sv_int(org_id));
    colvals_set(w->cols, "org_path", sv_text(arena_strdup(&w->r->a, org_path)));
    colvals_set(w->cols, "district_code", sv_text(district_code ? arena_strdup(&w->r->a, district_code) : NULL));
    json_object_set_new(w->after, "org_id", json_integer(org_id));
}

int respond_validation(req *r, json_t *errors, json_t *codes) {
    return resp_error_fields(r, 422, "validation_failed", "数据校验未通过，请检查标出的字段",
                             "Validation failed; see the fields marked", json_incref(errors), json_incref(codes));
}

void colvals_set(struct colvals *cv, const char *col, struct sqlv v) {
    for (int i = 0; i < cv->n; i++)
        if (cv->v[i].col == col || (cv->v[i].col[0] == col[0] && strcmp(cv->v[i].col, col) == 0)) { cv->v[i].v = v; return; }
    if (cv->n == cv->cap) {
        int cap = cv->cap ? cv->cap * 2 : 32;
        struct colval *nv = arena_alloc(cv->a, sizeof *nv * (size_t)cap);
        if (cv->n) memcpy(nv, cv->v, sizeof *nv * (size_t)cv->n);
        cv->v = nv;
        cv->cap = cap;
    }
    cv->v[cv->n].col = col;
    cv->v[cv->n].v = v;
    cv->n++;
}

static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

int date_valid(const char *s) {
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
    for (int i = 0; i < 10; i++) if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1850 || y > 2200 || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

int age_on(const char *birth, const char *today) {
    if (!birth || strlen(birth) < 10) return -1;
    int by = atoi(birth), bm = atoi(birth + 5), bd = atoi(birth + 8);
    int ty = atoi(today), tm = atoi(today + 5), td = atoi(today + 8);
    int age = ty - by;
    if (tm < bm || (tm == bm && td < bd)) age--;
    return age;
}

void date_add_months(const char *d, int months, char out[11]) {
    int y = atoi(d), m = atoi(d + 5) - 1 + months, day = atoi(d + 8);
    y += m >= 0 ? m / 12 : -((11 - m) / 12);
    m = ((m % 12) + 12) % 12 + 1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    snprintf(out, 11, "%04d-%02d-%02d", y, m, day > last ? last : day);
}

static int datetime_valid(const char *s) {
    if (!s || strlen(s) != 20 || s[10] != 'T' || s[19] != 'Z' || s[13] != ':' || s[16] != ':') return 0;
    char d[11];
    memcpy(d, s, 10);
    d[10] = 0;
    if (!date_valid(d)) return 0;
    int h = atoi(s + 11), mi = atoi(s + 14), se = atoi(s + 17);
    return h < 24 && mi < 60 && se < 61;
}

/* The storage columns of a sensitive field: <col>_enc, <col>_hash, <col>_masked. Each name is made
 * once and kept for the process: an import names them on every row, and a kept name compares
 * equal by address in colvals_set and in the import's grouping of rows by columns. */
#define SUFFIXED_MAX 64
static struct { const char *col, *suffix, *name; } suffixed[SUFFIXED_MAX];
static int nsuffixed;
static pthread_mutex_t suffixed_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *col_suffix(req *r, const char *col, const char *suffix) {
    /* this thread's recent answers first: no lock on the path of every row */
    static __thread struct { const char *col, *suffix, *name; } seen[8];
    for (int i = 0; i < 8 && seen[i].name; i++)
        if (seen[i].col == col && seen[i].suffix == suffix) return seen[i].name;
    const char *name = NULL;
    pthread_mutex_lock(&suffixed_mu);
    for (int i = 0; i < nsuffixed && !name; i++)
        if ((suffixed[i].col == col || !strcmp(suffixed[i].col, col)) && (suffixed[i].suffix == suffix || !strcmp(suffixed[i].suffix, suffix)))
            name = suffixed[i].name;
    if (!name && nsuffixed < SUFFIXED_MAX) {
        char *n = malloc(strlen(col) + strlen(suffix) + 1);
        if (n) {
            strcpy(n, col);
            strcat(n, suffix);
            suffixed[nsuffixed].col = col;          /* declarations and literals: they live as long */
            suffixed[nsuffixed].suffix = suffix;
            suffixed[nsuffixed++].name = name = n;
        }
    }
    pthread_mutex_unlock(&suffixed_mu);
    if (!name) return arena_printf(&r->a, "%s%s", col, suffix);
    memmove(&seen[1], &seen[0], sizeof seen - sizeof seen[0]);
    seen[0].col = col;
    seen[0].suffix = suffix;
    seen[0].name = name;
    return name;
}

/* hash: the value's lookup hash when the caller made it already, else NULL. */
static int store_sensitive(struct write_ctx *w, const struct field *f, const char *value, const char *masked,
                           const unsigned char *hash) {
    req *r = w->r;
    const char *col = field_column(f);
    size_t len = strlen(value);
    unsigned char *enc = arena_alloc(&r->a, len + CRYPTO_SEAL_OVERHEAD);
    size_t enclen = 0;
    if (crypto_seal(f->name, value, len, enc, &enclen) != 0) return -1;
    if (!hash) {
        unsigned char *h = arena_alloc(&r->a, CRYPTO_HASH_BYTES);
        crypto_lookup_hash(f->name, value, h);
        hash = h;
    }
    colvals_set(w->cols, col_suffix(r, col, "_enc"), sv_blob(enc, (int)enclen));
    colvals_set(w->cols, col_suffix(r, col, "_hash"), sv_blob(hash, CRYPTO_HASH_BYTES));
    colvals_set(w->cols, col_suffix(r, col, "_masked"), sv_text(arena_strdup(&r->a, masked)));
    json_object_set_new(w->after, f->name, json_string(masked));
    return 0;
}

int unique_taken_in(req *r, const struct resource *res, int64_t self, const char *col, struct sqlv v, int64_t *existing) {
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, arena_printf(&r->a, "SELECT id FROM %s WHERE %s = ", res->table, col));
    sqlb_val(&q, v);
    if (!(res->flags & R_NO_SOFT)) sqlb_sql(&q, " AND deleted_at IS NULL");
    if (self) { sqlb_sql(&q, " AND id <> "); sqlb_val(&q, sv_int(self)); }
    sqlb_sql(&q, " LIMIT 1");
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) return -1;
    int rc = db_step(s);
    if (rc == DB_ROW) *existing = db_col_int(s, 0);
    db_done(s);
    return rc == DB_ROW;
}

/* Whether another live record already holds this value; fills *existing with its id. With
 * defer_unique the check is left to the writer (0 = "not taken" for now), which sees the rows
 * written before this one; `pos` keeps where the error would go among the row's errors. */
static int unique_taken(struct write_ctx *w, const struct field *f, const char *col, struct sqlv v, int64_t *existing) {
    if (w->defer_unique && !w->deferred.f) {
        w->deferred.f = f;
        w->deferred.col = col;
        w->deferred.v = v;
        w->deferred.pos = (int)json_object_size(w->errors);
        return 0;
    }
    return unique_taken_in(w->r, w->res, w->id, col, v, existing);
}

void duplicate_message(const struct field *f, int64_t existing, int en, char *out, size_t n) {
    if (en) snprintf(out, n, "%s is already used by record %lld", f->label_en, (long long)existing);
    else snprintf(out, n, "%s已被另一条记录使用（记录 %lld）", f->label_zh, (long long)existing);
}

static void note_duplicate(struct write_ctx *w, const struct field *f, int64_t existing) {
    char zh[160], en[160];
    duplicate_message(f, existing, 0, zh, sizeof zh);
    duplicate_message(f, existing, 1, en, sizeof en);
    write_error(w, f->name, "duplicate", zh, en);
    json_object_set_new(w->after, "_duplicate_of", json_integer(existing));
}

static const char *lk_dict_code_for(struct write_ctx *w, const char *dict, const char *text) {
    if (w->lookups) return w->lookups->dict_code_for(w->lookups, dict, text);
    return dict_code_for(w->r->dbc, dict, text, &w->r->a);
}

static int lk_dict_check(struct write_ctx *w, const char *dict, const char *code) {
    return w->lookups ? w->lookups->dict_check(w->lookups, dict, code) : dict_check(w->r->dbc, dict, code);
}

/* id_type decides whether the number is checked as a GB 11643 resident ID. */
static const char *effective_id_type(struct write_ctx *w) {
    json_t *t = json_object_get(w->in, "id_type");
    if (json_is_string(t)) return json_string_value(t);
    if (w->before && json_is_string(json_object_get(w->before, "id_type")))
        return json_string_value(json_object_get(w->before, "id_type"));
    const struct field *f = resource_field(w->res, "id_type");
    return f && f->def ? f->def : "resident_id";
}

static int check_org(struct write_ctx *w, const struct field *f, int64_t id) {
    req *r = w->r;
    struct org_info org;
    int rc = w->lookups ? w->lookups->org_lookup(w->lookups, id, &org) : org_lookup_memo(r, id, &org);
    if (rc < 0) return -1;
    if (rc) {
        write_error(w, f->name, "unknown_reference", "所选组织单位不存在", "No such organisation unit");
        return 0;
    }
    const char *level = arena_strdup(&r->a, org.level);
    const char *path = arena_strdup(&r->a, org.path);
    const char *district = *org.district_code ? arena_strdup(&r->a, org.district_code) : NULL;
    /* writing into a unit requires write scope over it: out-of-scope units do not exist */
    if (!scope_allows(r->who, resource_write_perm(w->res, &r->a), path, id, r->who ? r->who->user_id : 0)) {
        write_error(w, f->name, "unknown_reference", "所选组织单位不存在", "No such organisation unit");
        return 0;
    }
    if (f->levels && *f->levels) {
        int ok = 0;
        size_t ll = strlen(level);
        for (const char *p = f->levels; *p;) {
            while (*p == ' ') p++;
            const char *e = p;
            while (*e && *e != ' ') e++;
            if ((size_t)(e - p) == ll && strncmp(p, level, ll) == 0) ok = 1;
            p = e;
        }
        if (!ok) {
            char zh[200], en[200];
            snprintf(zh, sizeof zh, "组织单位层级不符，应为：%s", dict_labels_for(f->levels, "org_level", 0, &r->a));
            snprintf(en, sizeof en, "Wrong kind of unit; expected: %s", dict_labels_for(f->levels, "org_level", 1, &r->a));
            write_error(w, f->name, "wrong_level", zh, en);
            return 0;
        }
    }
    colvals_set(w->cols, "org_id", sv_int(id));
    colvals_set(w->cols, "org_path", sv_text(path));
    colvals_set(w->cols, "district_code", sv_text(district));
    json_object_set_new(w->after, f->name, json_integer(id));
    return 0;
}

/* Whether record `id` of f's target exists (live) within the caller's scope: 1, 0 after noting
 * unknown_reference under `errfield`, or <0. */
static int ref_exists(struct write_ctx *w, const struct field *f, int64_t id, const char *errfield) {
    req *r = w->r;
    const struct resource *target = resource_find(f->ref);
    if (!target) return -1;
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, arena_printf(&r->a, "SELECT t.id FROM %s t WHERE t.id = ", target->table));
    sqlb_val(&q, sv_int(id));
    if (!(target->flags & R_NO_SOFT)) sqlb_sql(&q, " AND t.deleted_at IS NULL");
    if ((target->flags & R_SCOPED) && (f->ref_perm || !(target->flags & R_GLOBAL_READ)))
        scope_restrict_table(&q, r->who, f->ref_perm ? f->ref_perm : resource_read_perm(target, &r->a), target->table, "t");
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) return -1;
    int rc = db_step(s);
    db_done(s);
    if (rc < 0) return -1;
    if (rc != DB_ROW) {
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "引用的%s不存在", target->label_zh);
        snprintf(en, sizeof en, "No such %s", target->label_en);
        write_error(w, errfield, "unknown_reference", zh, en);
        return 0;
    }
    return 1;
}

static int check_ref(struct write_ctx *w, const struct field *f, int64_t id) {
    int rc = ref_exists(w, f, id, f->name);
    if (rc <= 0) return rc;
    if (f->flags & F_UNIQUE) {                /* one live elder per person */
        int64_t existing = 0;
        int taken = unique_taken(w, f, field_column(f), sv_int(id), &existing);
        if (taken < 0) return -1;
        if (taken) { note_duplicate(w, f, existing); return 0; }
    }
    colvals_set(w->cols, field_column(f), sv_int(id));
    json_object_set_new(w->after, f->name, json_integer(id));
    return 0;
}

/* FT_REFS: an array of distinct record ids, as many as the declaration allows, each checked as a
 * single reference is (errors name the element: "assessors[1]"). */
static int check_refs(struct write_ctx *w, const struct field *f, json_t *v) {
    req *r = w->r;
    char zh[200], en[200];
    if (!json_is_array(v)) {
        snprintf(zh, sizeof zh, "%s应为记录编号数组", f->label_zh);
        snprintf(en, sizeof en, "%s must be an array of record ids", f->label_en);
        write_error(w, f->name, "wrong_type", zh, en);
        return 0;
    }
    size_t n = json_array_size(v);
    if (f->max > 0 && (n < (size_t)f->min || n > (size_t)f->max)) {
        if (f->min == f->max) {
            snprintf(zh, sizeof zh, "%s须为 %lld 个", f->label_zh, (long long)f->min);
            snprintf(en, sizeof en, "%s needs exactly %lld", f->label_en, (long long)f->min);
        } else {
            snprintf(zh, sizeof zh, "%s须为 %lld 到 %lld 个", f->label_zh, (long long)f->min, (long long)f->max);
            snprintf(en, sizeof en, "%s needs %lld to %lld", f->label_en, (long long)f->min, (long long)f->max);
        }
        write_error(w, f->name, "wrong_count", zh, en);
        return 0;
    }
    sbuf joined;
    sbuf_init(&joined, &r->a);
    json_t *clean = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        const char *ef = arena_printf(&r->a, "%s[%zu]", f->name, i);
        if (!json_is_integer(e) || json_integer_value(e) <= 0) {
            snprintf(zh, sizeof zh, "%s应为记录编号（整数）", f->label_zh);
            snprintf(en, sizeof en, "%s must hold record ids (integers)", f->label_en);
            write_error(w, ef, "wrong_type", zh, en);
            json_decref(clean);
            return 0;
        }
        size_t j;
        json_t *x;
        json_array_foreach(clean, j, x) if (json_integer_value(x) == json_integer_value(e)) {
            snprintf(zh, sizeof zh, "%s不能重复", f->label_zh);
            snprintf(en, sizeof en, "%s must be distinct", f->label_en);
            write_error(w, ef, "duplicate_ref", zh, en);
            json_decref(clean);
            return 0;
        }
        int rc = ref_exists(w, f, json_integer_value(e), ef);
        if (rc <= 0) { json_decref(clean); return rc; }
        if (joined.len) sbuf_puts(&joined, ",");
        sbuf_printf(&joined, "%lld", (long long)json_integer_value(e));
        json_array_append(clean, e);
    }
    colvals_set(w->cols, field_column(f), sv_text(joined.len ? sbuf_str(&joined) : NULL));
    json_object_set_new(w->after, f->name, clean);
    return 0;
}

static int type_error(struct write_ctx *w, const struct field *f, const char *zh_kind, const char *en_kind) {
    char zh[160], en[160];
    snprintf(zh, sizeof zh, "%s应为%s", f->label_zh, zh_kind);
    snprintf(en, sizeof en, "%s must be %s", f->label_en, en_kind);
    write_error(w, f->name, "wrong_type", zh, en);
    return 0;
}

static int password_ok(const char *p) {
    int letters = 0, digits = 0;
    size_t n = strlen(p);
    for (const char *c = p; *c; c++) {
        if (isalpha((unsigned char)*c)) letters = 1;
        if (isdigit((unsigned char)*c)) digits = 1;
    }
    return n >= 8 && n <= 128 && letters && digits;
}

int validate_password_policy(const char *p) { return password_ok(p); }

/* One field's value (present in input, not null). Returns <0 only for storage errors. */
static int validate_value(struct write_ctx *w, const struct field *f, json_t *v) {
    req *r = w->r;
    const char *col = field_column(f);
    switch (f->type) {
    case FT_TEXT: {
        if (!json_is_string(v)) return type_error(w, f, "文本", "text");
        const char *s = json_string_value(v);
        while (*s == ' ' || *s == '\t') s++;
        size_t n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
        char *t = arena_strndup(&r->a, s, n);
        if (json_string_length(v) != strlen(json_string_value(v)))    /* jansson strings may hold NUL */
            return type_error(w, f, "不含空字符的文本", "text without NUL characters");
        int max = f->max_len ? f->max_len : 200;
        if ((int)utf8_chars(t) > max) {
            char zh[160], en[160];
            snprintf(zh, sizeof zh, "%s不能超过 %d 个字", f->label_zh, max);
            snprintf(en, sizeof en, "%s must be at most %d characters", f->label_en, max);
            write_error(w, f->name, "too_long", zh, en);
            return 0;
        }
        if (!*t) {
            if (f->flags & F_REQUIRED) {
                char zh[160], en[160];
                snprintf(zh, sizeof zh, "请填写%s", f->label_zh);
                snprintf(en, sizeof en, "%s is required", f->label_en);
                write_error(w, f->name, "required", zh, en);
                return 0;
            }
            colvals_set(w->cols, col, sv_null());
            json_object_set_new(w->after, f->name, json_null());
            return 0;
        }
        if (f->flags & F_UNIQUE) {
            int64_t existing = 0;
            int taken = unique_taken(w, f, col, sv_text(t), &existing);
            if (taken < 0) return -1;
            if (taken) { note_duplicate(w, f, existing); return 0; }
        }
        colvals_set(w->cols, col, sv_text(t));
        json_object_set_new(w->after, f->name, json_string(t));
        return 0;
    }
    case FT_INT: case FT_MONEY: {
        if (!json_is_integer(v)) return type_error(w, f, "整数", "an integer");
        json_int_t i = json_integer_value(v);
        if (f->min < f->max && (i < f->min || i > f->max)) {
            char zh[160], en[160];
            snprintf(zh, sizeof zh, "%s应在 %lld 到 %lld 之间", f->label_zh, (long long)f->min, (long long)f->max);
            snprintf(en, sizeof en, "%s must be between %lld and %lld", f->label_en, (long long)f->min, (long long)f->max);
            write_error(w, f->name, "out_of_range", zh, en);
            return 0;
        }
        colvals_set(w->cols, col, sv_int(i));
        json_object_set_new(w->after, f->name, json_integer(i));
        return 0;
    }
    case FT_BOOL:
        if (!json_is_boolean(v)) return type_error(w, f, "是/否（true/false）", "true or false");
        colvals_set(w->cols, col, sv_int(json_is_true(v)));
        json_object_set_new(w->after, f->name, json_boolean(json_is_true(v)));
        return 0;
    case FT_DATE:
        if (!json_is_string(v) || !date_valid(json_string_value(v)))
            return type_error(w, f, "有效日期（YYYY-MM-DD）", "a valid date (YYYY-MM-DD)");
        colvals_set(w->cols, col, sv_text(arena_strdup(&r->a, json_string_value(v))));
        json_object_set_new(w->after, f->name, json_string(json_string_value(v)));
        return 0;
    case FT_DATETIME:
        if (!json_is_string(v) || !datetime_valid(json_string_value(v)))
            return type_error(w, f, "有效时间（YYYY-MM-DDTHH:MM:SSZ）", "a UTC time (YYYY-MM-DDTHH:MM:SSZ)");
        colvals_set(w->cols, col, sv_text(arena_strdup(&r->a, json_string_value(v))));
        json_object_set_new(w->after, f->name, json_string(json_string_value(v)));
        return 0;
    case FT_DICT: {
        if (!json_is_string(v)) return type_error(w, f, "字典代码（文本）", "a dictionary code (text)");
        int rc = lk_dict_check(w, f->dict, json_string_value(v));
        if (rc < 0) return -1;
        json_t *label_input = NULL;
        if (!rc) {                    /* a label ("低保", "Male") names its code just as well */
            const char *code = lk_dict_code_for(w, f->dict, json_string_value(v));
            if (code) { v = label_input = json_string(code); rc = 1; }
        }
        if (!rc) {
            char zh[200], en[200];
            snprintf(zh, sizeof zh, "%s的取值“%.60s”不在字典中", f->label_zh, json_string_value(v));
            snprintf(en, sizeof en, "\"%.60s\" is not a value of %s", json_string_value(v), f->label_en);
            write_error(w, f->name, "unknown_code", zh, en);
            return 0;
        }
        colvals_set(w->cols, col, sv_text(arena_strdup(&r->a, json_string_value(v))));
        json_object_set_new(w->after, f->name, json_string(json_string_value(v)));
        if (label_input) json_decref(label_input);
        return 0;
    }
    case FT_TAGS: {
        if (!json_is_array(v)) return type_error(w, f, "代码数组", "an array of codes");
        sbuf joined;
        sbuf_init(&joined, &r->a);
        json_t *clean = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (!json_is_string(e)) { json_decref(clean); return type_error(w, f, "代码数组", "an array of codes"); }
            const char *code = json_string_value(e);
            /* no dictionary: the resource's validate hook checks the codes (users' roles) */
            int rc = f->dict ? lk_dict_check(w, f->dict, code) : 1;
            if (rc < 0) { json_decref(clean); return -1; }
            if (!rc) {                /* labels are accepted for codes, as in imports */
                const char *c2 = lk_dict_code_for(w, f->dict, code);
                if (c2) { code = c2; rc = 1; }
            }
            if (!rc) {
                char zh[200], en[200];
                snprintf(zh, sizeof zh, "标签“%.60s”不在字典中", code);
                snprintf(en, sizeof en, "Unknown tag \"%.60s\"", code);
                write_error(w, f->name, "unknown_code", zh, en);
                json_decref(clean);
                return 0;
            }
            int dup = 0;
            size_t j;
            json_t *x;
            json_array_foreach(clean, j, x) if (strcmp(json_string_value(x), code) == 0) dup = 1;
            if (dup) continue;
            if (joined.len) sbuf_puts(&joined, ",");
            sbuf_puts(&joined, code);
            json_array_append_new(clean, json_string(code));
        }
        if (json_array_size(clean) > 32) { json_decref(clean); return type_error(w, f, "不超过 32 个标签", "at most 32 tags"); }
        colvals_set(w->cols, col, sv_text(joined.len ? sbuf_str(&joined) : NULL));
        json_object_set_new(w->after, f->name, clean);
        return 0;
    }
    case FT_REF:
        if (!json_is_integer(v) || json_integer_value(v) <= 0) return type_error(w, f, "记录编号（整数）", "a record id (integer)");
        return check_ref(w, f, json_integer_value(v));
    case FT_REFS:
        return check_refs(w, f, v);
    case FT_JSON: {
        /* the shape only: what the object must hold is the resource's own rule (its validate hook) */
        if (!json_is_object(v) && !json_is_array(v)) return type_error(w, f, "JSON 对象", "a JSON object");
        char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
        if (!text) return -1;
        colvals_set(w->cols, col, sv_text(arena_strdup(&r->a, text)));
        free(text);
        json_object_set(w->after, f->name, v);
        return 0;
    }
    case FT_ORG:
        if (!json_is_integer(v) || json_integer_value(v) <= 0) return type_error(w, f, "组织单位编号（整数）", "an organisation unit id (integer)");
        return check_org(w, f, json_integer_value(v));
    case FT_ID_NUMBER: {
        if (!json_is_string(v)) return type_error(w, f, "文本", "text");
        const char *in = json_string_value(v);
        char number[64], masked[64];
        if (strcmp(effective_id_type(w), "resident_id") == 0) {
            char today[11];
            today_cn(today);
            struct idnum_info info;
            int rc = idnum_parse(in, today, &info);
            if (rc != IDNUM_OK) {
                write_error(w, f->name, idnum_error_code(rc), idnum_error_zh(rc), idnum_error_en(rc));
                return 0;
            }
            snprintf(number, sizeof number, "%s", info.number);
            json_object_set_new(w->after, "_birth_date", json_string(info.birth_date));
            json_object_set_new(w->after, "_gender", json_string(info.gender == 1 ? "1" : "2"));
        } else {
            /* passports and permits: letters, digits and dashes, 5-30 characters */
            size_t n = 0, j = 0;
            for (const char *c = in; *c && j < sizeof number - 1; c++) {
                if (*c == ' ') continue;
                if (!isalnum((unsigned char)*c) && *c != '-') { n = 0; j = 0; break; }
                number[j++] = (char)toupper((unsigned char)*c);
                n++;
            }
            number[j] = 0;
            if (n < 5 || n > 30) {
                write_error(w, f->name, "id_number_format", "证件号码格式不正确（5-30 位字母或数字）",
                            "Document number must be 5-30 letters or digits");
                return 0;
            }
        }
        mask_id_number(number, masked, sizeof masked);
        unsigned char *h = NULL;
        if (f->flags & F_UNIQUE) {
            h = arena_alloc(&r->a, CRYPTO_HASH_BYTES);
            crypto_lookup_hash(f->name, number, h);
            int64_t existing = 0;
            int taken = unique_taken(w, f, col_suffix(r, col, "_hash"), sv_blob(h, CRYPTO_HASH_BYTES), &existing);
            if (taken < 0) return -1;
            if (taken) { note_duplicate(w, f, existing); return 0; }
        }
        return store_sensitive(w, f, number, masked, h);
    }
    case FT_PHONE: {
        if (!json_is_string(v)) return type_error(w, f, "文本", "text");
        if (!*json_string_value(v)) {
            colvals_set(w->cols, col_suffix(r, col, "_enc"), sv_null());
            colvals_set(w->cols, col_suffix(r, col, "_hash"), sv_null());
            colvals_set(w->cols, col_suffix(r, col, "_masked"), sv_null());
            json_object_set_new(w->after, f->name, json_null());
            return 0;
        }
        char phone[32], masked[32];
        if (phone_normalize(json_string_value(v), phone, sizeof phone) != 0) {
            write_error(w, f->name, "phone_format", "电话号码格式不正确（11 位手机号或带区号的固定电话）",
                        "Not a valid phone number (11-digit mobile or landline with area code)");
            return 0;
        }
        mask_phone(phone, masked, sizeof masked);
        return store_sensitive(w, f, phone, masked, NULL);
    }
    case FT_PASSWORD: {
        if (!json_is_string(v)) return type_error(w, f, "文本", "text");
        if (!password_ok(json_string_value(v))) {
            write_error(w, f->name, "weak_password", "密码至少 8 位，且须同时包含字母和数字",
                        "Password needs at least 8 characters with both letters and digits");
            return 0;
        }
        char hash[160];
        if (crypto_password_hash(json_string_value(v), hash, sizeof hash) != 0) return -1;
        colvals_set(w->cols, col, sv_text(arena_strdup(&r->a, hash)));
        return 0;
    }
    }
    return 0;
}

static int is_system_key(const char *k) {
    static const char *sys[] = {"id", "version", "created_at", "updated_at", "created_by", "updated_by",
                                "org_path", "district_code", "org_name", "deleted_at", NULL};
    for (int i = 0; sys[i]; i++) if (strcmp(k, sys[i]) == 0) return 1;
    return k[0] == '_';
}

int validate_unique_again(struct write_ctx *w) {
    req *r = w->r;
    for (int i = 0; i < w->res->nfields; i++) {
        const struct field *f = &w->res->fields[i];
        if (!(f->flags & F_UNIQUE)) continue;
        const char *col = field_column(f);
        if (f->type == FT_ID_NUMBER || f->type == FT_PHONE) col = col_suffix(r, col, "_hash");
        for (int k = 0; k < w->cols->n; k++) {
            if (strcmp(w->cols->v[k].col, col) != 0 || w->cols->v[k].v.k == SV_NULL) continue;
            int64_t existing = 0;
            int taken = unique_taken_in(r, w->res, w->id, col, w->cols->v[k].v, &existing);
            if (taken < 0) return taken;
            if (taken) { note_duplicate(w, f, existing); return 1; }
        }
    }
    return 0;
}

int validate_record(struct write_ctx *w) {
    const struct resource *res = w->res;
    req *r = w->r;
    const char *k;
    json_t *v;
    json_object_foreach(w->in, k, v) {
        const struct field *f = resource_field(res, k);
        if (!f && !is_system_key(k)) {
            char zh[160], en[160];
            snprintf(zh, sizeof zh, "未知字段“%.60s”", k);
            snprintf(en, sizeof en, "Unknown field \"%.60s\"", k);
            write_error(w, k, "unknown_field", zh, en);
        }
    }
    /* id_type first: it decides how id_number is checked */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < res->nfields; i++) {
            const struct field *f = &res->fields[i];
            if ((pass == 0) != (strcmp(f->name, "id_type") == 0)) continue;
            if (f->flags & (F_READONLY | F_COMPUTED)) continue;
            json_t *val = json_object_get(w->in, f->name);
            if (!w->creating && val && (f->flags & F_IMMUTABLE) && w->before) {
                json_t *old = json_object_get(w->before, f->name);
                if (old && !json_equal(old, val) && !(json_is_null(old) && json_is_null(val))) {
                    char zh[160], en[160];
                    snprintf(zh, sizeof zh, "%s创建后不能修改", f->label_zh);
                    snprintf(en, sizeof en, "%s cannot be changed after creation", f->label_en);
                    write_error(w, f->name, "immutable", zh, en);
                    continue;
                }
            }
            json_t *owned = NULL;
            if (!val && w->creating && f->def) {
                if (f->type == FT_INT || f->type == FT_MONEY) owned = json_integer(atoll(f->def));
                else if (f->type == FT_BOOL) owned = json_boolean(strcmp(f->def, "true") == 0);
                else if (f->type == FT_TAGS) owned = json_array();
                else owned = json_string(f->def);
                val = owned;
            }
            if (!val || json_is_null(val)) {
                if ((f->flags & F_REQUIRED) && (w->creating || val)) {
                    char zh[160], en[160];
                    snprintf(zh, sizeof zh, "请填写%s", f->label_zh);
                    snprintf(en, sizeof en, "%s is required", f->label_en);
                    write_error(w, f->name, "required", zh, en);
                } else if (val && json_is_null(val) && f->type != FT_PASSWORD) {
                    if (f->type == FT_ID_NUMBER || f->type == FT_PHONE) {
                        const char *col = field_column(f);
                        colvals_set(w->cols, col_suffix(r, col, "_enc"), sv_null());
                        colvals_set(w->cols, col_suffix(r, col, "_hash"), sv_null());
                        colvals_set(w->cols, col_suffix(r, col, "_masked"), sv_null());
                    } else if (f->type != FT_ORG) {
                        colvals_set(w->cols, field_column(f), sv_null());
                    }
                    json_object_set_new(w->after, f->name, json_null());
                }
                continue;
            }
            int rc = validate_value(w, f, val);
            if (owned) json_decref(owned);
            if (rc < 0) return rc;
        }
    /* a change of id_type alone re-checks the stored number under the new type */
    if (!w->creating && json_object_get(w->in, "id_type") && !json_object_get(w->in, "id_number") &&
        resource_field(res, "id_number") && json_object_size(w->errors) == 0) {
        json_t *tnew = json_object_get(w->in, "id_type");
        json_t *told = w->before ? json_object_get(w->before, "id_type") : NULL;
        if (told && !json_equal(tnew, told))
            write_error(w, "id_number", "id_number_required_with_type", "修改证件类型时须重新填写证件号码",
                        "Give the document number again when changing the document type");
    }
    /* ranges: an end no earlier than its start (a date) or after it (a time: a window has a length) */
    for (int i = 0; i < res->nfields && json_object_size(w->errors) == 0; i++) {
        const struct field *f = &res->fields[i];
        const struct field *start = f->after ? resource_field(res, f->after) : NULL;
        const char *from = start ? write_ctx_str(w, start->name) : NULL, *to = start ? write_ctx_str(w, f->name) : NULL;
        if (!from || !to || (f->type == FT_DATETIME ? strcmp(to, from) > 0 : strcmp(to, from) >= 0)) continue;
        char zh[200], en[200];
        snprintf(zh, sizeof zh, f->type == FT_DATETIME ? "%s须晚于%s" : "%s不能早于%s", f->label_zh, start->label_zh);
        snprintf(en, sizeof en, f->type == FT_DATETIME ? "%s must be after %s" : "%s cannot precede %s", f->label_en, start->label_en);
        write_error(w, f->name, "end_before_start", zh, en);
    }
    w->field_errors = (int)json_object_size(w->errors);
    if (res->validate && json_object_size(w->errors) == 0) {
        int rc = res->validate(w);
        if (rc < 0) return rc;
    }
    return 0;
}
