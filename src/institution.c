/* institution.c: care institutions as records (issue 5, point 8): 日间照料中心 and 托老站 (day care),
 * 敬老院 (a rural nursing home) and 民办养老机构 (private institutions) are one kind with a type
 * dictionary, each in a community or street. Elders are placed in them by dated placements (one
 * active placement per elder, never past the beds or places); residents and occupancy are counted
 * from the placements when read, never typed. Day-care centres record daily attendance
 * (institution_attendance.c takes a whole day at once). */
#include "institution.h"
#include "crud_internal.h"
#include <stdio.h>
#include <string.h>

static const struct field institution_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_FILTER | F_SORT | F_LIST, "机构名称", "Name", .max_len = 100},
    {"kind", FT_DICT, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "机构类型", "Kind", .dict = "institution_kind"},
    {"org_id", FT_ORG, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "所属街道/社区", "Street / community",
     .levels = "street community"},
    {"address", FT_TEXT, F_SEARCH, "地址", "Address", .max_len = 200},
    {"beds", FT_INT, F_REQUIRED | F_SORT | F_LIST, "床位（托位）数", "Beds (day places)", .min = 1, .max = 10000},
    {"residents", FT_INT, F_COMPUTED | F_READONLY | F_LIST | F_NOIMPORT, "在住（在托）人数", "Residents"},
    {"occupancy", FT_INT, F_COMPUTED | F_READONLY | F_LIST | F_NOIMPORT, "入住率（%）", "Occupancy (%)"},
    {"operator", FT_TEXT, F_SEARCH, "运营单位", "Operator", .max_len = 100},
    {"license_no", FT_TEXT, F_FILTER, "备案/许可编号", "Licence number", .max_len = 50},
    {"contact_phone", FT_TEXT, 0, "机构电话", "Phone", .max_len = 30},
    {"opened_on", FT_DATE, F_FILTER | F_SORT, "开办日期", "Opened on"},
    {"status", FT_DICT, F_FILTER | F_SORT | F_LIST, "运营状态", "Status", .dict = "institution_status", .def = "operating"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

int institution_is_day_care(const char *kind) {
    return kind && (!strcmp(kind, "day_care") || !strcmp(kind, "care_station"));
}

int inherit_unit(struct write_ctx *w, const char *table, int64_t id) {
    req *r = w->r;
    db_stmt *s = db_prepare(r->dbc, arena_printf(&r->a, "SELECT org_id, org_path, district_code FROM %s WHERE id = ?", table));
    if (!s) return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        int64_t org = db_col_int(s, 0);
        colvals_set(w->cols, "org_id", sv_int(org));
        colvals_set(w->cols, "org_path", sv_text(arena_strdup(&r->a, db_col_text(s, 1))));
        colvals_set(w->cols, "district_code", sv_text(db_col_text(s, 2) ? arena_strdup(&r->a, db_col_text(s, 2)) : NULL));
        json_object_set_new(w->after, "org_id", json_integer(org));
    }
    db_done(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

int check_active_users(struct write_ctx *w, const char *field, json_t *ids) {
    req *r = w->r;
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id) {
        int64_t n = 0;
        if (db_query_int(r->dbc, "SELECT count(*) FROM users WHERE id = ? AND status = 'active' AND deleted_at IS NULL", &n, "i",
                         (int64_t)json_integer_value(id)) < 0) return -1;
        if (!n) write_error(w, arena_printf(&r->a, "%s[%zu]", field, i), "inactive_user", "该账号已停用", "The account is disabled");
    }
    return 0;
}

/* Elders placed in an institution now. */
static int active_placements(req *r, int64_t institution, int64_t except, int64_t *n) {
    return db_query_int(r->dbc, "SELECT count(*) FROM placements WHERE institution_id = ? AND id <> ? AND ended_on IS NULL "
                                "AND deleted_at IS NULL", n, "ii", institution, except);
}

static int institution_validate(struct write_ctx *w) {
    char today[11];
    today_cn(today);
    const char *opened = write_ctx_str(w, "opened_on");
    if (json_object_get(w->in, "opened_on") && opened && strcmp(opened, today) > 0)
        write_error(w, "opened_on", "date_future", "开办日期不能晚于今天", "The opening date cannot be in the future");
    if (w->creating) return 0;
    int64_t placed = 0;
    if (active_placements(w->r, w->id, 0, &placed) < 0) return -1;
    json_t *beds = json_object_get(w->in, "beds");
    if (json_is_integer(beds) && json_integer_value(beds) < placed) {
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "床位数不能少于在住人数（%lld 人）", (long long)placed);
        snprintf(en, sizeof en, "Beds cannot be fewer than the residents (%lld)", (long long)placed);
        write_error(w, "beds", "beds_below_residents", zh, en);
    }
    const char *status = write_ctx_str(w, "status");
    if (json_object_get(w->in, "status") && status && !strcmp(status, "closed") && placed > 0)
        write_error(w, "status", "has_residents", "机构仍有在住老人，不能关闭", "The institution still has residents");
    return 0;
}

static int institution_before_delete(struct write_ctx *w) {
    int64_t placed = 0;
    if (active_placements(w->r, w->id, 0, &placed) < 0) return -1;
    if (placed > 0) resp_error(w->r, 409, "has_residents", "机构仍有在住老人，不能删除", "The institution still has residents");
    return 0;
}

static void institution_decorate(req *r, json_t *rec, int detail) {
    (void)detail;
    int64_t placed = 0;
    if (active_placements(r, json_integer_value(json_object_get(rec, "id")), 0, &placed) < 0) return;
    json_int_t beds = json_integer_value(json_object_get(rec, "beds"));
    json_object_set_new(rec, "residents", json_integer(placed));
    json_object_set_new(rec, "occupancy", json_integer(beds > 0 ? (placed * 100 + beds / 2) / beds : 0));
}

const struct resource res_institutions = {
    .name = "institutions", .table = "institutions", .label_zh = "养老机构", .label_en = "Care institutions",
    .fields = institution_fields, .nfields = sizeof institution_fields / sizeof institution_fields[0],
    .flags = R_SCOPED | R_EXPORT | R_IMPORT, .default_sort = "org_id", .perm = "elders", .title_field = "name",
    .cache_deps = "placements",
    .validate = institution_validate, .before_delete = institution_before_delete, .decorate = institution_decorate,
};

/* ---- placements ---- */

static const struct field placement_fields[] = {
    {"institution_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_LIST, "机构", "Institution", .ref = "institutions",
     .ref_perm = "elders.write"},
    {"elder_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_LIST, "老人", "Elder", .ref = "elders", .ref_perm = "elders.write"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_LIST | F_NOIMPORT, "所属街道/社区", "Street / community"},
    {"placed_on", FT_DATE, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "入住（入托）日期", "Placed on"},
    {"ended_on", FT_DATE, F_FILTER | F_SORT | F_LIST, "离开日期", "Left on"},
    {"end_reason", FT_DICT, F_FILTER | F_LIST, "离开原因", "Why left", .dict = "placement_end"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static int placement_validate(struct write_ctx *w) {
    req *r = w->r;
    int64_t inst = json_integer_value(json_object_get(w->after, "institution_id"));
    int64_t elder = json_integer_value(json_object_get(w->after, "elder_id"));
    if (!inst && w->before) inst = json_integer_value(json_object_get(w->before, "institution_id"));
    if (!elder && w->before) elder = json_integer_value(json_object_get(w->before, "elder_id"));
    if (!inst || !elder) return 0;                   /* refused by field validation */
    char today[11], status[32] = "", elder_status[32] = "";
    int64_t beds = 0;
    today_cn(today);
    db_stmt *s = db_prepare(r->dbc, "SELECT i.status, i.beds, (SELECT status FROM elders WHERE id = ?) FROM institutions i WHERE i.id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, elder);
    db_bind_int(s, 2, inst);
    if (db_step(s) == DB_ROW) {
        snprintf(status, sizeof status, "%s", db_col_text(s, 0));
        beds = db_col_int(s, 1);
        snprintf(elder_status, sizeof elder_status, "%s", db_col_text(s, 2) ? db_col_text(s, 2) : "");
    }
    db_done(s);
    const char *placed = write_ctx_str(w, "placed_on"), *ended = write_ctx_str(w, "ended_on"), *why = write_ctx_str(w, "end_reason");
    int reopening = !w->creating && !ended && json_object_get(w->in, "ended_on");
    if (w->creating || reopening) {
        if (strcmp(status, "closed") == 0)
            write_error(w, "institution_id", "institution_closed", "该机构已关闭", "The institution is closed");
        if (!strcmp(elder_status, "ended"))
            write_error(w, "elder_id", "elder_ended", "该老人的服务已终止", "Services for this elder have ended");
    }
    if (placed && strcmp(placed, today) > 0)
        write_error(w, "placed_on", "date_future", "入住日期不能晚于今天", "The date cannot be in the future");
    if (ended && placed && strcmp(ended, placed) < 0)
        write_error(w, "ended_on", "end_before_start", "离开日期不能早于入住日期", "The end cannot precede the start");
    if (ended && strcmp(ended, today) > 0)
        write_error(w, "ended_on", "date_future", "离开日期不能晚于今天", "The date cannot be in the future");
    if (ended && !why)
        write_error(w, "end_reason", "required", "离开须填写原因", "A reason is needed when the placement ends");
    if (!ended && why && json_object_get(w->in, "end_reason"))
        write_error(w, "end_reason", "not_applicable", "尚未离开，不填原因", "No reason while the placement runs");
    if (!ended && (w->creating || reopening)) {
        /* one active placement per elder: the index is the last word, this is the clear one */
        int64_t other = 0;
        if (db_query_int(r->dbc, "SELECT coalesce(max(institution_id), 0) FROM placements WHERE elder_id = ? AND id <> ? "
                                 "AND ended_on IS NULL AND deleted_at IS NULL", &other, "ii", elder, w->id) < 0) return -1;
        if (other) {
            char zh[160], en[160];
            snprintf(zh, sizeof zh, "该老人已在机构（编号 %lld）入住，请先办理离开", (long long)other);
            snprintf(en, sizeof en, "The elder is placed in institution %lld; end that placement first", (long long)other);
            write_error(w, "elder_id", "already_placed", zh, en);
        }
        int64_t n = 0;
        if (active_placements(r, inst, w->id, &n) < 0) return -1;
        if (n >= beds) {
            char zh[160], en[160];
            snprintf(zh, sizeof zh, "该机构床位（托位）已满（%lld 张）", (long long)beds);
            snprintf(en, sizeof en, "The institution is full (%lld beds)", (long long)beds);
            write_error(w, "institution_id", "institution_full", zh, en);
        }
    }
    if (w->creating) return inherit_unit(w, "institutions", inst);
    return 0;
}

const struct resource res_placements = {
    .name = "placements", .table = "placements", .label_zh = "机构入住", .label_en = "Placements",
    .fields = placement_fields, .nfields = sizeof placement_fields / sizeof placement_fields[0],
    .flags = R_SCOPED | R_EXPORT, .default_sort = "-placed_on", .perm = "elders", .title_field = "placed_on",
    .validate = placement_validate,
};

/* ---- attendance (day care) ---- */

static const struct field attendance_fields[] = {
    {"institution_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_LIST, "日间照料机构", "Day-care centre",
     .ref = "institutions", .ref_perm = "elders.write"},
    {"elder_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_LIST, "老人", "Elder", .ref = "elders", .ref_perm = "elders.write"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_LIST | F_NOIMPORT, "所属街道/社区", "Street / community"},
    {"day", FT_DATE, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_SORT | F_LIST, "日期", "Day"},
    {"present", FT_BOOL, F_REQUIRED | F_FILTER | F_LIST, "到托", "Present"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 200},
};

static int attendance_validate(struct write_ctx *w) {
    req *r = w->r;
    if (!w->creating) return 0;                      /* only `present` and the note change */
    int64_t inst = json_integer_value(json_object_get(w->after, "institution_id"));
    int64_t elder = json_integer_value(json_object_get(w->after, "elder_id"));
    const char *day = write_ctx_str(w, "day");
    if (!inst || !elder || !day) return 0;
    char today[11], kind[32] = "";
    today_cn(today);
    db_stmt *s = db_prepare(r->dbc, "SELECT kind FROM institutions WHERE id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, inst);
    if (db_step(s) == DB_ROW) snprintf(kind, sizeof kind, "%s", db_col_text(s, 0));
    db_done(s);
    if (!institution_is_day_care(kind)) {
        write_error(w, "institution_id", "not_day_care", "只有日间照料中心和托老站记录每日到托", "Only day-care centres record attendance");
        return 0;
    }
    if (strcmp(day, today) > 0) {
        write_error(w, "day", "date_future", "日期不能晚于今天", "The day cannot be in the future");
        return 0;
    }
    int64_t n = 0;
    if (db_query_int(r->dbc, "SELECT count(*) FROM placements WHERE institution_id = ? AND elder_id = ? AND placed_on <= ? "
                             "AND (ended_on IS NULL OR ended_on >= ?) AND deleted_at IS NULL", &n, "iiss", inst, elder, day, day) < 0)
        return -1;
    if (!n)
        write_error(w, "elder_id", "not_placed", "该老人当日不在本机构托管", "The elder was not placed here on that day");
    int64_t existing = 0;
    if (db_query_int(r->dbc, "SELECT coalesce(max(id), 0) FROM attendance WHERE institution_id = ? AND day = ? AND elder_id = ? "
                             "AND deleted_at IS NULL", &existing, "isi", inst, day, elder) < 0) return -1;
    if (existing) {
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "该老人当日已有到托记录（编号 %lld）", (long long)existing);
        snprintf(en, sizeof en, "The day is already recorded for this elder (record %lld)", (long long)existing);
        write_error(w, "day", "already_recorded", zh, en);
    }
    return inherit_unit(w, "institutions", inst);
}

const struct resource res_attendance = {
    .name = "attendance", .table = "attendance", .label_zh = "日间照料到托记录", .label_en = "Day-care attendance",
    .fields = attendance_fields, .nfields = sizeof attendance_fields / sizeof attendance_fields[0],
    .flags = R_SCOPED | R_EXPORT, .default_sort = "-day", .perm = "elders", .title_field = "day",
    .validate = attendance_validate,
};
