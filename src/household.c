/* household.c: households (户) and their dated memberships. A household has exactly one live head
 * (relation "self"); a person is a live member of at most one household; leaving ends the
 * membership on a date and the history stays. The database enforces both rules with partial
 * unique indexes; this file turns them into clear errors and keeps head/member_count current. */
#include "household.h"
#include "audit.h"
#include "crud_internal.h"
#include "dict.h"
#include "scope.h"
#include <stdio.h>
#include <string.h>

static const struct field household_fields[] = {
    {"hh_number", FT_TEXT, F_SEARCH | F_FILTER | F_SORT | F_LIST, "户号", "Household number", .max_len = 30},
    {"kind", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "户别", "Kind", .dict = "household_kind", .def = "family"},
    {"org_id", FT_ORG, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "所属社区/网格", "Community / grid", .levels = "community grid"},
    {"building_id", FT_REF, F_FILTER | F_LIST, "所在楼宇", "Building", .ref = "buildings"},
    {"address", FT_TEXT, F_SEARCH | F_LIST, "住址", "Address", .max_len = 200},
    {"head_person_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_LIST, "户主", "Head of household", .ref = "persons"},
    {"member_count", FT_INT, F_READONLY | F_SORT | F_LIST | F_NOIMPORT, "在册人数", "Members"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static const struct field member_fields[] = {
    {"household_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_LIST, "住户", "Household", .ref = "households"},
    {"person_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_LIST, "成员", "Member", .ref = "persons"},
    {"relation", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "与户主关系", "Relation to head", .dict = "relation"},
    {"start_date", FT_DATE, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "入户日期", "From"},
    {"end_date", FT_DATE, F_FILTER | F_SORT | F_LIST, "离户日期", "Until"},
    {"end_reason", FT_DICT, F_FILTER | F_LIST, "离户原因", "Reason for leaving", .dict = "membership_end"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static int refresh_household(req *r, int64_t hh) {
    db_stmt *s = db_prepare(r->dbc,
        "UPDATE households SET member_count = (SELECT count(*) FROM household_members m WHERE m.household_id = households.id "
        "AND m.end_date IS NULL AND m.deleted_at IS NULL), head_person_id = COALESCE((SELECT m.person_id FROM household_members m "
        "WHERE m.household_id = households.id AND m.relation = 'self' AND m.end_date IS NULL AND m.deleted_at IS NULL), head_person_id) "
        "WHERE id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, hh);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : rc;
}

static int live_membership(req *r, int64_t person_id, int64_t *member_id, int64_t *hh, int *is_head) {
    db_stmt *s = db_prepare(r->dbc, "SELECT id, household_id, relation FROM household_members "
                                    "WHERE person_id = ? AND end_date IS NULL AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, person_id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *member_id = db_col_int(s, 0);
        *hh = db_col_int(s, 1);
        *is_head = strcmp(db_col_text(s, 2), "self") == 0;
    }
    db_done(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int64_t live_members(req *r, int64_t hh) {
    int64_t n = 0;
    if (db_query_int(r->dbc, "SELECT count(*) FROM household_members WHERE household_id = ? AND end_date IS NULL "
                             "AND deleted_at IS NULL", &n, "i", hh) < 0) return -1;
    return n;
}

static int insert_member(req *r, int64_t hh, int64_t person, const char *relation, const char *start,
                         const char *org_path, int64_t org_id, const char *district) {
    char now[32];
    now_utc_iso(now);
    db_stmt *s = db_prepare(r->dbc,
        "INSERT INTO household_members (household_id, person_id, relation, start_date, org_id, org_path, district_code, "
        "created_at, updated_at, created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!s) return -1;
    db_bind_int(s, 1, hh);
    db_bind_int(s, 2, person);
    db_bind_text(s, 3, relation, -1);
    db_bind_text(s, 4, start, -1);
    db_bind_int(s, 5, org_id);
    db_bind_text(s, 6, org_path, -1);
    db_bind_text(s, 7, district, -1);
    db_bind_text(s, 8, now, -1);
    db_bind_text(s, 9, now, -1);
    if (r->who && r->who->user_id) { db_bind_int(s, 10, r->who->user_id); db_bind_int(s, 11, r->who->user_id); }
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_done(s);
    if (rc != DB_ROW) return rc == DB_DONE ? -1 : rc;
    json_t *detail = json_pack("{s:{s:I,s:I,s:s,s:s}}", "after", "household_id", (json_int_t)hh, "person_id",
                               (json_int_t)person, "relation", relation, "start_date", start);
    rc = audit_log(r, "create", "household_members", id, org_path, "入户", detail);
    json_decref(detail);
    return rc;
}

/* ---- households ---- */

static int household_validate(struct write_ctx *w) {
    if (!w->creating) return 0;
    json_t *head = json_object_get(w->after, "head_person_id");
    if (!head) return 0;
    int64_t mid, hh;
    int is_head;
    int rc = live_membership(w->r, json_integer_value(head), &mid, &hh, &is_head);
    if (rc < 0) return -1;
    if (rc) {
        char zh[200], en[200];
        snprintf(zh, sizeof zh, "该居民已是住户 %lld 的在册成员，请先办理离户", (long long)hh);
        snprintf(en, sizeof en, "This person is a live member of household %lld; end that membership first", (long long)hh);
        write_error(w, "head_person_id", "already_member", zh, en);
    }
    return 0;
}

static int household_after_write(struct write_ctx *w) {
    if (!w->creating) return 0;
    req *r = w->r;
    json_t *rec = record_load(r, &res_households, w->id, 0);
    if (!rec) return -1;
    char today[11];
    today_cn(today);
    const char *path = json_string_value(json_object_get(rec, "_org_path"));
    int64_t org = json_integer_value(json_object_get(rec, "org_id"));
    const char *district = NULL;
    for (int i = 0; i < w->cols->n; i++)
        if (strcmp(w->cols->v[i].col, "district_code") == 0) district = w->cols->v[i].v.s;
    int rc = insert_member(r, w->id, json_integer_value(json_object_get(rec, "head_person_id")), "self", today, path, org, district);
    json_decref(rec);
    if (rc) return rc;
    return refresh_household(r, w->id);
}

static int household_before_delete(struct write_ctx *w) {
    int64_t n = live_members(w->r, w->id);
    if (n < 0) return -1;
    if (n > 0)
        resp_error(w->r, 409, "household_not_empty", "该户仍有在册成员，请先办理离户", "The household still has live members");
    return 0;
}

const struct resource res_households = {
    .name = "households", .table = "households", .label_zh = "住户", .label_en = "Households",
    .fields = household_fields, .nfields = sizeof household_fields / sizeof household_fields[0],
    .flags = R_SCOPED | R_IMPORT | R_EXPORT, .default_sort = "org_id", .title_field = "address",
    .validate = household_validate, .after_write = household_after_write, .before_delete = household_before_delete,
};

/* ---- memberships ---- */

static int member_validate(struct write_ctx *w) {
    req *r = w->r;
    json_t *hhj = json_object_get(w->after, "household_id");
    int64_t hh = hhj ? json_integer_value(hhj) : json_integer_value(json_object_get(w->before, "household_id"));
    const char *relation = json_string_value(json_object_get(w->after, "relation"));
    if (!relation && w->before) relation = json_string_value(json_object_get(w->before, "relation"));
    if (w->creating) {
        int64_t mid, other;
        int is_head;
        int rc = live_membership(r, json_integer_value(json_object_get(w->after, "person_id")), &mid, &other, &is_head);
        if (rc < 0) return -1;
        if (rc) {
            char zh[200], en[200];
            snprintf(zh, sizeof zh, "该居民已是住户 %lld 的在册成员，请先办理离户", (long long)other);
            snprintf(en, sizeof en, "This person is a live member of household %lld; end that membership first", (long long)other);
            write_error(w, "person_id", "already_member", zh, en);
            return 0;
        }
        /* the membership lives where its household is */
        json_t *h = record_load(r, &res_households, hh, 0);
        if (!h) return -1;
        db_stmt *s = db_prepare(r->dbc, "SELECT org_id, org_path, district_code FROM households WHERE id = ?");
        if (!s) { json_decref(h); return -1; }
        db_bind_int(s, 1, hh);
        if (db_step(s) == DB_ROW) {
            colvals_set(w->cols, "org_id", sv_int(db_col_int(s, 0)));
            colvals_set(w->cols, "org_path", sv_text(arena_strdup(&r->a, db_col_text(s, 1))));
            colvals_set(w->cols, "district_code", sv_text(arena_strdup(&r->a, db_col_text(s, 2))));
        }
        db_done(s);
        json_decref(h);
    } else if (json_object_get(w->in, "relation") && w->before &&
               strcmp(json_string_value(json_object_get(w->before, "relation")), "self") == 0 &&
               strcmp(relation, "self") != 0) {
        write_error(w, "relation", "head_change", "更换户主请使用“变更户主”", "Use change_head to change the head of household");
        return 0;
    }
    if (relation && strcmp(relation, "self") == 0 && (w->creating || (w->before && strcmp(json_string_value(json_object_get(w->before, "relation")), "self") != 0))) {
        int64_t heads = 0;
        if (db_query_int(r->dbc, "SELECT count(*) FROM household_members WHERE household_id = ? AND relation = 'self' "
                                 "AND end_date IS NULL AND deleted_at IS NULL", &heads, "i", hh) < 0) return -1;
        if (heads > 0) {
            write_error(w, "relation", "head_exists", "该户已有户主；更换户主请使用“变更户主”",
                        "The household already has a head; use change_head");
            return 0;
        }
    }
    /* ending: date and reason together, not before the start; a head leaves last */
    json_t *end = json_object_get(w->after, "end_date");
    if (end && !json_is_null(end)) {
        const char *start = json_string_value(json_object_get(w->after, "start_date"));
        if (!start && w->before) start = json_string_value(json_object_get(w->before, "start_date"));
        char today[11];
        today_cn(today);
        if (start && strcmp(json_string_value(end), start) < 0)
            write_error(w, "end_date", "end_before_start", "离户日期不能早于入户日期", "The end date cannot precede the start date");
        if (strcmp(json_string_value(end), today) > 0)
            write_error(w, "end_date", "date_future", "离户日期不能晚于今天", "The end date cannot be in the future");
        json_t *reason = json_object_get(w->after, "end_reason");
        if (!reason || json_is_null(reason)) write_error(w, "end_reason", "required", "请选择离户原因", "Choose the reason for leaving");
        if (relation && strcmp(relation, "self") == 0 && !w->creating) {
            int64_t n = live_members(r, hh);
            if (n < 0) return -1;
            if (n > 1)
                write_error(w, "end_date", "head_must_change", "户主离户前，请先为该户指定新户主",
                            "Choose a new head before the head leaves");
        }
    }
    return 0;
}

static int member_after_write(struct write_ctx *w) {
    int64_t hh = json_object_get(w->after, "household_id") ? json_integer_value(json_object_get(w->after, "household_id"))
                                                          : json_integer_value(json_object_get(w->before, "household_id"));
    return refresh_household(w->r, hh);
}

const struct resource res_household_members = {
    .name = "household_members", .table = "household_members", .label_zh = "住户成员", .label_en = "Household members",
    .fields = member_fields, .nfields = sizeof member_fields / sizeof member_fields[0],
    .flags = R_SCOPED | R_EXPORT | R_NO_DELETE, .default_sort = "-id", .title_field = "relation",
    .validate = member_validate, .after_write = member_after_write,
};

/* Called when a person moves out or dies: their live membership ends on that date. */
int household_person_left(struct write_ctx *w, int64_t person_id, const char *date, const char *status) {
    req *r = w->r;
    int64_t mid, hh;
    int is_head;
    int rc = live_membership(r, person_id, &mid, &hh, &is_head);
    if (rc <= 0) return rc;
    if (is_head && live_members(r, hh) > 1) {
        write_error(w, "status", "head_must_change", "此人是户主且户内还有成员：请先为该户指定新户主",
                    "This person heads a household with other members: choose a new head first");
        return 0;
    }
    /* the membership cannot end before it began; its audit entry is filed where it lives */
    char start[16] = "", mpath[256] = "/";
    db_stmt *s = db_prepare(r->dbc, "SELECT start_date, org_path FROM household_members WHERE id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, mid);
    if (db_step(s) == DB_ROW) {
        snprintf(start, sizeof start, "%s", db_col_text(s, 0) ? db_col_text(s, 0) : "");
        snprintf(mpath, sizeof mpath, "%s", db_col_text(s, 1) ? db_col_text(s, 1) : "/");
    }
    db_done(s);
    if (date && *start && strcmp(date, start) < 0) {
        write_error(w, "status_date", "end_before_start", "变更日期不能早于此人入户的日期",
                    "The date cannot precede the day the person joined their household");
        return 0;
    }
    s = db_prepare(r->dbc, "UPDATE household_members SET end_date = ?, end_reason = ?, version = version + 1, "
                           "updated_at = ?, updated_by = ? WHERE id = ?");
    if (!s) return -1;
    char now[32];
    now_utc_iso(now);
    db_bind_text(s, 1, date, -1);
    db_bind_text(s, 2, strcmp(status, "deceased") == 0 ? "deceased" : "moved_out", -1);
    db_bind_text(s, 3, now, -1);
    db_bind_int(s, 4, r->who ? r->who->user_id : 0);
    db_bind_int(s, 5, mid);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return rc;
    /* every write before the audit entry: the entry's lock is held to commit, and a write after
     * it could wait on a writer that waits for that lock (two servers on PostgreSQL) */
    if ((rc = refresh_household(r, hh))) return rc;
    json_t *detail = json_pack("{s:{s:s,s:s}}", "diff", "end_date", date, "end_reason", status);
    rc = audit_log(r, "update", "household_members", mid, mpath, "离户", detail);
    json_decref(detail);
    return rc;
}

/* POST /api/v1/households/{id}/change_head {"person_id", "former_head_relation"} */
int household_change_head(req *r) {
    int64_t hh = req_param_id(r, 0);
    json_t *rec = record_load(r, &res_households, hh, 0);
    if (!rec) return resp_error(r, 404, "not_found", "记录不存在", "No such record");
    const char *path = arena_strdup(&r->a, json_string_value(json_object_get(rec, "_org_path")));
    int writable = record_writable(r, &res_households, rec);
    json_decref(rec);
    if (!writable) return resp_error(r, 403, "forbidden", "没有权限修改此住户", "Not permitted to change this household");
    json_t *in = req_json(r);
    if (!in) return 0;
    json_t *pid = json_object_get(in, "person_id");
    json_t *rel = json_object_get(in, "former_head_relation");
    const char *former = json_is_string(rel) ? json_string_value(rel) : "other";
    if (!json_is_integer(pid))
        return resp_error_fields(r, 422, "validation_failed", "请选择新户主", "Choose the new head",
                                 json_pack("{s:s}", "person_id", r->lang_en ? "required" : "请选择新户主"),
                                 json_pack("{s:s}", "person_id", "required"));
    if (strcmp(former, "self") == 0 || dict_check(r->dbc, "relation", former) != 1)
        return resp_error_fields(r, 422, "validation_failed", "原户主的新关系不正确", "Invalid relation for the former head",
                                 json_pack("{s:s}", "former_head_relation", r->lang_en ? "unknown relation" : "关系代码不正确"),
                                 json_pack("{s:s}", "former_head_relation", "unknown_code"));
    int64_t mid, mhh;
    int is_head;
    int rc = live_membership(r, json_integer_value(pid), &mid, &mhh, &is_head);
    if (rc < 0) return rc;
    if (!rc || mhh != hh)
        return resp_error_fields(r, 422, "validation_failed", "新户主必须是该户的在册成员", "The new head must be a live member",
                                 json_pack("{s:s}", "person_id", r->lang_en ? "not a live member of this household" : "不是该户在册成员"),
                                 json_pack("{s:s}", "person_id", "not_member"));
    if (is_head) return resp_data(r, 200, json_pack("{s:I,s:b}", "household_id", (json_int_t)hh, "changed", 0));
    char now[32];
    now_utc_iso(now);
    /* two steps because the one-head index would refuse two heads for a moment */
    db_stmt *s = db_prepare(r->dbc, "UPDATE household_members SET relation = ?, version = version + 1, updated_at = ? "
                                    "WHERE household_id = ? AND relation = 'self' AND end_date IS NULL AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, former, -1);
    db_bind_text(s, 2, now, -1);
    db_bind_int(s, 3, hh);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return rc;
    s = db_prepare(r->dbc, "UPDATE household_members SET relation = 'self', version = version + 1, updated_at = ? WHERE id = ?");
    if (!s) return -1;
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, mid);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return rc;
    s = db_prepare(r->dbc, "UPDATE households SET head_person_id = ?, version = version + 1, updated_at = ? WHERE id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, json_integer_value(pid));
    db_bind_text(s, 2, now, -1);
    db_bind_int(s, 3, hh);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return rc;
    json_t *detail = json_pack("{s:{s:I,s:s}}", "diff", "head_person_id", json_integer_value(pid), "former_head_relation", former);
    rc = audit_log(r, "change_head", "households", hh, path, "变更户主", detail);
    json_decref(detail);
    if (rc) return rc;
    json_t *out = record_load(r, &res_households, hh, 0);
    return resp_data(r, 200, record_public(out));
}
