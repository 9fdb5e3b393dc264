/* org.c: the organisation tree - city -> district -> street office / town -> community / village
 * -> grid - with GB/T 2260 and 12-digit statistical codes. A unit's path ("/1/5/23/") is what
 * scope is computed from; it is set here when a unit is created and never changes. */
#include "org.h"
#include "crud_internal.h"
#include "scope.h"
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static const struct field org_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_SORT | F_LIST, "名称", "Name", .max_len = 100},
    {"level", FT_DICT, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_SORT | F_LIST, "层级", "Level", .dict = "org_level"},
    {"parent_id", FT_REF, F_IMMUTABLE | F_FILTER | F_LIST, "上级单位", "Parent unit", .ref = "org_units"},
    {"code", FT_TEXT, F_REQUIRED | F_UNIQUE | F_IMMUTABLE | F_SEARCH | F_FILTER | F_SORT | F_LIST, "区划/统计代码", "Division code", .max_len = 15},
    {"code12", FT_TEXT, F_FILTER, "12位统计用区划代码", "12-digit statistical code", .max_len = 12},
    {"unit_type", FT_TEXT, F_FILTER | F_LIST, "单位类型", "Unit type", .max_len = 20},
    {"community_class", FT_DICT, F_FILTER | F_LIST, "社区类别", "Community class", .dict = "community_class"},
    {"service_area_m2", FT_INT, F_FILTER | F_SORT | F_LIST, "综合服务用房面积(㎡)", "Service floor area (m²)", .min = 0, .max = 100000},
    {"service_centre", FT_DICT, F_FILTER, "社区服务中心级别", "Service centre", .dict = "service_centre"},
    {"address", FT_TEXT, 0, "办公地址", "Address", .max_len = 200},
    {"phone", FT_TEXT, 0, "联系电话", "Phone", .max_len = 30},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static const char *levels[] = {"city", "district", "street", "community", "grid", NULL};

int org_level_rank(const char *level) {
    for (int i = 0; levels[i]; i++) if (level && strcmp(levels[i], level) == 0) return i;
    return -1;
}

static int all_digits(const char *s, size_t n) {
    if (strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++) if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

int org_lookup(db_conn *c, int64_t id, struct org_info *out) {
    db_stmt *s = db_prepare(c, "SELECT id, parent_id, level, code, name, org_path, district_code FROM org_units "
                               "WHERE id = ? AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        out->id = db_col_int(s, 0);
        out->parent_id = db_col_int(s, 1);
        snprintf(out->level, sizeof out->level, "%s", db_col_text(s, 2));
        snprintf(out->code, sizeof out->code, "%s", db_col_text(s, 3));
        snprintf(out->name, sizeof out->name, "%s", db_col_text(s, 4));
        snprintf(out->path, sizeof out->path, "%s", db_col_text(s, 5));
        snprintf(out->district_code, sizeof out->district_code, "%s", db_col_text(s, 6) ? db_col_text(s, 6) : "");
    }
    db_done(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* Open addressing, starting small (most requests look up one or two units) and doubling when
 * half full; an import of a million rows ends up with a table of its few hundred grids. */
struct org_memo {
    int cap, n;
    int64_t *ids;                  /* 0 = empty */
    struct org_info *infos;
    int ccap, cn;
    char (*codes)[20];             /* "" = empty */
    int64_t *code_ids;
};

static struct org_memo *memo_of(req *r) {
    if (!r->org_memo) r->org_memo = calloc(1, sizeof(struct org_memo));
    return r->org_memo;
}

static unsigned id_slot(int64_t id, int cap) { return (unsigned)((uint64_t)id * 11400714819323198485ull >> 40) & (unsigned)(cap - 1); }
static unsigned code_slot(const char *code, int cap) {
    unsigned h = 2166136261u;
    for (const char *p = code; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    return h & (unsigned)(cap - 1);
}

static void memo_put_id(struct org_memo *m, const struct org_info *info) {
    if ((m->n + 1) * 2 > m->cap) {
        int cap = m->cap ? m->cap * 2 : 16;
        int64_t *ids = calloc((size_t)cap, sizeof *ids);
        struct org_info *infos = malloc(sizeof *infos * (size_t)cap);
        if (!ids || !infos) { free(ids); free(infos); return; }
        for (int i = 0; i < m->cap; i++)
            if (m->ids[i]) {
                unsigned h = id_slot(m->ids[i], cap);
                while (ids[h]) h = (h + 1) & (unsigned)(cap - 1);
                ids[h] = m->ids[i];
                infos[h] = m->infos[i];
            }
        free(m->ids);
        free(m->infos);
        m->ids = ids;
        m->infos = infos;
        m->cap = cap;
    }
    unsigned h = id_slot(info->id, m->cap);
    while (m->ids[h] && m->ids[h] != info->id) h = (h + 1) & (unsigned)(m->cap - 1);
    if (!m->ids[h]) m->n++;
    m->ids[h] = info->id;
    m->infos[h] = *info;
}

int org_lookup_memo(req *r, int64_t id, struct org_info *out) {
    struct org_memo *m = memo_of(r);
    if (m && m->cap) {
        unsigned h = id_slot(id, m->cap);
        while (m->ids[h]) {
            if (m->ids[h] == id) { *out = m->infos[h]; return 0; }
            h = (h + 1) & (unsigned)(m->cap - 1);
        }
    }
    int rc = org_lookup(r->dbc, id, out);
    if (rc == 0 && m) memo_put_id(m, out);
    return rc;
}

int64_t org_id_by_code_memo(req *r, const char *code) {
    struct org_memo *m = memo_of(r);
    if (strlen(code) >= 20) return 0;
    if (m && m->ccap) {
        unsigned h = code_slot(code, m->ccap);
        while (m->codes[h][0]) {
            if (!strcmp(m->codes[h], code)) return m->code_ids[h];
            h = (h + 1) & (unsigned)(m->ccap - 1);
        }
    }
    int64_t id = 0;
    if (db_query_int(r->dbc, "SELECT id FROM org_units WHERE code = ? AND deleted_at IS NULL", &id, "s", code) != 0) return 0;
    if (!m) return id;
    if ((m->cn + 1) * 2 > m->ccap) {
        int cap = m->ccap ? m->ccap * 2 : 16;
        char (*codes)[20] = calloc((size_t)cap, sizeof *codes);
        int64_t *ids = malloc(sizeof *ids * (size_t)cap);
        if (!codes || !ids) { free(codes); free(ids); return id; }
        for (int i = 0; i < m->ccap; i++)
            if (m->codes[i][0]) {
                unsigned h = code_slot(m->codes[i], cap);
                while (codes[h][0]) h = (h + 1) & (unsigned)(cap - 1);
                memcpy(codes[h], m->codes[i], 20);
                ids[h] = m->code_ids[i];
            }
        free(m->codes);
        free(m->code_ids);
        m->codes = codes;
        m->code_ids = ids;
        m->ccap = cap;
    }
    unsigned h = code_slot(code, m->ccap);
    while (m->codes[h][0]) h = (h + 1) & (unsigned)(m->ccap - 1);
    snprintf(m->codes[h], 20, "%s", code);
    m->code_ids[h] = id;
    m->cn++;
    return id;
}

void org_memo_free(req *r) {
    struct org_memo *m = r->org_memo;
    if (m) { free(m->ids); free(m->infos); free(m->codes); free(m->code_ids); free(m); }
    r->org_memo = NULL;
}

static int org_validate(struct write_ctx *w) {
    if (!w->creating) return 0;
    req *r = w->r;
    const char *level = json_string_value(json_object_get(w->after, "level"));
    const char *code = json_string_value(json_object_get(w->after, "code"));
    json_t *pid = json_object_get(w->after, "parent_id");
    int rank = org_level_rank(level);
    if (rank == 0) {
        if (pid && !json_is_null(pid)) write_error(w, "parent_id", "no_parent_allowed", "市级单位没有上级", "A city has no parent");
        if (!r->who || principal_scope(r->who, "org_units.write") != SCOPE_ALL)
            write_error(w, "level", "forbidden", "只有系统管理员可以新建市级单位", "Only a system administrator creates cities");
        if (code && !all_digits(code, 4)) write_error(w, "code", "code_format", "市级代码应为 4 位数字", "A city code has 4 digits");
        if (json_object_size(w->errors)) return 0;
        colvals_set(w->cols, "org_path", sv_text("/"));
        colvals_set(w->cols, "district_code", sv_null());
        return 0;
    }
    if (!pid || json_is_null(pid)) {
        write_error(w, "parent_id", "required", "请选择上级单位", "Choose the parent unit");
        return 0;
    }
    struct org_info parent;
    int rc = org_lookup(r->dbc, json_integer_value(pid), &parent);
    if (rc < 0) return -1;
    if (rc || !scope_allows(r->who, "org_units.write", parent.path, parent.id, 0)) {
        write_error(w, "parent_id", "unknown_reference", "上级单位不存在", "No such parent unit");
        return 0;
    }
    if (org_level_rank(parent.level) != rank - 1) {
        write_error(w, "level", "wrong_level", "层级与上级单位不符（市→区→街道→社区→网格）",
                    "Level must be one below the parent's (city > district > street > community > grid)");
        return 0;
    }
    /* codes nest: district 6 digits under the city's 4, street 9 under the district's 6, community
     * 12 under the street's 9 (001-199 residents' committee, 200-399 village), grid 15 */
    static const size_t code_len[] = {4, 6, 9, 12, 15};
    if (code && (!all_digits(code, code_len[rank]) || strncmp(code, parent.code, strlen(parent.code)) != 0)) {
        char zh[200], en[200];
        snprintf(zh, sizeof zh, "代码应为 %zu 位数字，并以上级代码 %s 开头", code_len[rank], parent.code);
        snprintf(en, sizeof en, "The code must have %zu digits and start with the parent's code %s", code_len[rank], parent.code);
        write_error(w, "code", "code_format", zh, en);
    }
    if (rank != 3) {
        if (json_object_get(w->in, "community_class")) write_error(w, "community_class", "not_applicable", "只有社区有类别", "Only communities have a class");
        if (json_object_get(w->in, "service_area_m2")) write_error(w, "service_area_m2", "not_applicable", "只有社区填写服务用房面积", "Only communities have a service floor area");
    }
    /* the path needs the new id: stored by after_write; until then the parent's */
    colvals_set(w->cols, "org_path", sv_text(arena_strdup(&r->a, parent.path)));
    colvals_set(w->cols, "district_code", rank == 1 ? sv_text(code) : sv_text(arena_strdup(&r->a, parent.district_code)));
    return 0;
}

static int org_after_write(struct write_ctx *w) {
    if (!w->creating) return 0;
    req *r = w->r;
    db_stmt *s = db_prepare(r->dbc, "UPDATE org_units SET org_path = org_path || ? || '/', org_id = id WHERE id = ?");
    if (!s) return -1;
    db_bind_text(s, 1, arena_printf(&r->a, "%lld", (long long)w->id), -1);
    db_bind_int(s, 2, w->id);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : rc;
}

static int org_before_delete(struct write_ctx *w) {
    req *r = w->r;
    static const char *tables[] = {"org_units", "persons", "households", "buildings", "users", NULL};
    for (int i = 0; tables[i]; i++) {
        int64_t n = 0;
        const char *sql = arena_printf(&r->a, "SELECT count(*) FROM %s WHERE %s = ? AND deleted_at IS NULL",
                                       tables[i], i == 0 ? "parent_id" : "org_id");
        if (db_query_int(r->dbc, sql, &n, "i", w->id) < 0) return -1;
        if (n > 0) {
            resp_error(r, 409, "unit_in_use", "该单位下仍有下级单位、居民、住户、楼宇或账号，不能删除",
                       "The unit still has sub-units, residents, households, buildings or accounts");
            return 0;
        }
    }
    return 0;
}

const struct resource res_org_units = {
    .name = "org_units", .table = "org_units", .label_zh = "组织单位", .label_en = "Organisation units",
    .fields = org_fields, .nfields = sizeof org_fields / sizeof org_fields[0],
    .flags = R_SCOPED | R_IMPORT | R_EXPORT, .default_sort = "code", .title_field = "name",
    .validate = org_validate, .after_write = org_after_write, .before_delete = org_before_delete,
};
