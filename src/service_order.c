/* service_order.c: home-care service orders (居家养老服务工单) and their history. An order asks for
 * one service of the catalogue for one elder in a requested time window; it comes by a channel
 * (12349 hotline, walk-in, grid staff, family, care plan: a dictionary), lives in the elder's unit
 * and names the provider and caregiver serving it, which is how their people see it (scope.c).
 * Its state, provider, caregiver, rating and follow-up result change only by a transition
 * (service_order_flow.c), each appended to service_order_events; what was asked (window, place,
 * priority, note) may be corrected until a caregiver has taken the order. Orders are cancelled,
 * never deleted. */
#include "service_order.h"
#include "crud_internal.h"
#include "scope.h"
#include <stdio.h>
#include <string.h>

static const struct field order_fields[] = {
    {"elder_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER, "服务对象", "Elder", .ref = "elders"},
    {"elder_name", FT_TEXT, F_READONLY | F_SEARCH | F_PREFIX | F_SORT | F_LIST | F_NOIMPORT, "老人姓名", "Elder's name", .max_len = 50},
    {"service_item_id", FT_REF, F_REQUIRED | F_FILTER | F_LIST, "服务项目", "Service", .ref = "service_items"},
    {"channel", FT_DICT, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_LIST, "来源渠道", "Channel", .dict = "order_channel"},
    {"priority", FT_DICT, F_FILTER | F_SORT | F_LIST, "优先级", "Priority", .dict = "order_priority", .def = "normal"},
    {"window_start", FT_DATETIME, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "预约开始", "Window from"},
    {"window_end", FT_DATETIME, F_REQUIRED | F_FILTER | F_SORT, "预约结束", "Window until", .after = "window_start"},
    {"address", FT_TEXT, F_SEARCH, "服务地址", "Address", .max_len = 200},
    {"lat_e6", FT_INT, 0, "服务地点纬度（百万分之一度）", "Latitude (micro-degrees)", .min = -90000000, .max = 90000000},
    {"lng_e6", FT_INT, 0, "服务地点经度（百万分之一度）", "Longitude (micro-degrees)", .min = -180000000, .max = 180000000},
    {"status", FT_DICT, F_READONLY | F_FILTER | F_SORT | F_LIST | F_NOIMPORT, "工单状态", "State", .dict = "order_status"},
    {"provider_id", FT_REF, F_IMMUTABLE | F_FILTER | F_LIST, "服务机构", "Provider", .ref = "providers"},
    {"caregiver_id", FT_REF, F_READONLY | F_FILTER | F_LIST | F_NOIMPORT, "护理员", "Caregiver", .ref = "caregivers"},
    {"rating", FT_INT, F_READONLY | F_FILTER | F_NOIMPORT, "满意度评分", "Rating", .min = 1, .max = 5},
    {"follow_up_result", FT_TEXT, F_READONLY | F_NOIMPORT, "回访结果", "Follow-up call", .max_len = 500},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_NOIMPORT, "所属社区/网格", "Community / grid"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
    /* the visit, checked in and out by scanning the elder's home QR code (service_order_visit.c) */
    {"check_in_at", FT_DATETIME, F_READONLY | F_FILTER | F_SORT | F_NOIMPORT, "签到时间", "Checked in at"},
    {"check_in_lat_e6", FT_INT, F_READONLY | F_NOIMPORT, "签到纬度（百万分之一度）", "Check-in latitude (micro-degrees)"},
    {"check_in_lng_e6", FT_INT, F_READONLY | F_NOIMPORT, "签到经度（百万分之一度）", "Check-in longitude (micro-degrees)"},
    {"check_in_distance_m", FT_INT, F_READONLY | F_NOIMPORT, "签到距老人家（米）", "Check-in distance from the home (m)"},
    {"check_out_at", FT_DATETIME, F_READONLY | F_FILTER | F_SORT | F_NOIMPORT, "签退时间", "Checked out at"},
    {"check_out_lat_e6", FT_INT, F_READONLY | F_NOIMPORT, "签退纬度（百万分之一度）", "Check-out latitude (micro-degrees)"},
    {"check_out_lng_e6", FT_INT, F_READONLY | F_NOIMPORT, "签退经度（百万分之一度）", "Check-out longitude (micro-degrees)"},
    {"check_out_distance_m", FT_INT, F_READONLY | F_NOIMPORT, "签退距老人家（米）", "Check-out distance from the home (m)"},
    {"actual_minutes", FT_INT, F_READONLY | F_FILTER | F_NOIMPORT, "实际服务时长（分钟）", "Actual duration (minutes)"},
    {"visit_flags", FT_TAGS, F_READONLY | F_NOIMPORT, "签到异常", "Visit flags", .dict = "visit_flag"},
    {"flagged", FT_BOOL, F_READONLY | F_FILTER | F_LIST | F_NOIMPORT, "签到存疑", "Flagged visit"},
    /* an emergency (助急, sos.c): its clock and, once closed, its outcome */
    {"sos_channel", FT_DICT, F_READONLY | F_FILTER | F_NOIMPORT, "呼救渠道", "SOS channel", .dict = "sos_channel"},
    {"sos_accept_due", FT_DATETIME, F_READONLY | F_NOIMPORT, "应接单时限", "Take by"},
    {"sos_on_site_due", FT_DATETIME, F_READONLY | F_NOIMPORT, "应到场时限", "On site by"},
    {"sos_outcome", FT_DICT, F_READONLY | F_FILTER | F_NOIMPORT, "处置结果", "Outcome", .dict = "sos_outcome"},
    {"sos_closed_at", FT_DATETIME, F_READONLY | F_NOIMPORT, "结案时间", "Closed at"},
};

/* While nobody has taken the order, what was asked may be corrected. */
static int order_open(const char *status) {
    return !status || !strcmp(status, "pending") || !strcmp(status, "accepted") || !strcmp(status, "rejected") ||
           !strcmp(status, "exception");
}

/* The elder must be one the writer reaches and still served; the order takes their name and unit. */
static int adopt_elder(struct write_ctx *w, int64_t eid) {
    req *r = w->r;
    db_stmt *s = db_prepare(r->dbc, "SELECT name, status, org_id, org_path, district_code, home_lat_e6, home_lng_e6 FROM elders "
                                    "WHERE id = ? AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, eid);
    int rc = db_step(s);
    if (rc != DB_ROW) { db_done(s); return rc == DB_DONE ? 0 : -1; }      /* check_ref answered already */
    const char *name = arena_strdup(&r->a, db_col_text(s, 0));
    int active = db_col_text(s, 1) && !strcmp(db_col_text(s, 1), "active");
    int64_t org = db_col_int(s, 2);
    const char *path = arena_strdup(&r->a, db_col_text(s, 3));
    const char *district = db_col_text(s, 4) ? arena_strdup(&r->a, db_col_text(s, 4)) : NULL;
    int has_home = db_col_type(s, 5) != DBT_NULL && db_col_type(s, 6) != DBT_NULL;
    int64_t home_lat = db_col_int(s, 5), home_lng = db_col_int(s, 6);
    db_done(s);
    if (!scope_allows(r->who, resource_write_perm(w->res, &r->a), path, org, 0)) {
        write_error(w, "elder_id", "unknown_reference", "引用的服务对象（老人）不存在", "No such elder");
        return 0;
    }
    if (!active) {
        write_error(w, "elder_id", "elder_not_active", "该老人已暂停或终止服务，不能下单", "The elder's services are suspended or ended");
        return 0;
    }
    write_ctx_set_text(w, "elder_name", name);
    write_ctx_set_unit(w, org, path, district);
    /* the place of service is the elder's home unless the order names another */
    if (has_home && !json_is_integer(json_object_get(w->after, "lat_e6")) && !json_is_integer(json_object_get(w->after, "lng_e6"))) {
        write_ctx_set_int(w, "lat_e6", home_lat);
        write_ctx_set_int(w, "lng_e6", home_lng);
    }
    return 0;
}

/* 1 if row `id` of table has `col` = value (a live one), 0 if not, <0 on error. */
static int row_has(req *r, const char *table, const char *col, const char *value, int64_t id) {
    int64_t n = 0;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE id = ? AND %s = ? AND deleted_at IS NULL", table, col);
    if (db_query_int(r->dbc, sql, &n, "is", id, value) < 0) return -1;
    return n > 0;
}

static int order_validate(struct write_ctx *w) {
    req *r = w->r;
    if (!w->creating) {
        const char *st = json_string_value(json_object_get(w->before, "status"));
        if (!order_open(st))
            write_error(w, "status", "order_in_progress", "护理员已接单，工单内容不能再修改", "A caregiver has taken the order; it can no longer be changed");
    }
    json_t *lat = json_object_get(w->after, "lat_e6"), *lng = json_object_get(w->after, "lng_e6");
    if (!w->creating) {
        if (!lat && !json_object_get(w->in, "lat_e6")) lat = json_object_get(w->before, "lat_e6");
        if (!lng && !json_object_get(w->in, "lng_e6")) lng = json_object_get(w->before, "lng_e6");
    }
    if (json_is_integer(lat) != json_is_integer(lng))
        write_error(w, json_is_integer(lat) ? "lng_e6" : "lat_e6", "location_incomplete", "服务地点须同时填写经度和纬度",
                    "A place needs both latitude and longitude");
    json_t *item = json_object_get(w->after, "service_item_id");
    if (json_is_integer(item)) {
        int64_t n = 0;
        if (db_query_int(r->dbc, "SELECT count(*) FROM service_items WHERE id = ? AND active = 1 AND deleted_at IS NULL", &n, "i",
                         (int64_t)json_integer_value(item)) < 0) return -1;
        int rc = n > 0;
        if (!rc) write_error(w, "service_item_id", "item_inactive", "该服务项目已停用", "The service is no longer offered");
    }
    json_t *prov = json_object_get(w->after, "provider_id");
    if (json_is_integer(prov)) {
        int rc = row_has(r, "providers", "status", "active", json_integer_value(prov));
        if (rc < 0) return -1;
        if (!rc) write_error(w, "provider_id", "provider_not_active", "该服务机构不在合作中，不能派单", "The provider is not taking orders");
    }
    if (w->creating) {
        int rc = adopt_elder(w, json_integer_value(json_object_get(w->after, "elder_id")));
        if (rc < 0) return rc;
        write_ctx_set_text(w, "status", "pending");
    }
    return 0;
}

static int order_after_write(struct write_ctx *w) {
    if (!w->creating) return 0;
    req *r = w->r;
    db_stmt *s = db_prepare(r->dbc, "SELECT org_id, org_path, district_code FROM service_orders WHERE id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, w->id);
    if (db_step(s) != DB_ROW) { db_done(s); return -1; }
    int64_t org = db_col_int(s, 0);
    const char *path = arena_strdup(&r->a, db_col_text(s, 1));
    const char *district = db_col_text(s, 2) ? arena_strdup(&r->a, db_col_text(s, 2)) : NULL;
    db_done(s);
    return order_event_add(r, w->id, NULL, "pending", NULL, 0, org, path, district);
}

/* The detail view tells the console which buttons to show: the states this caller may go to. */
static void order_decorate(req *r, json_t *rec, int detail) {
    if (detail) json_object_set_new(rec, "next_states", order_next_states(r, rec));
}

const struct resource res_service_orders = {
    .name = "service_orders", .table = "service_orders", .label_zh = "服务工单", .label_en = "Service orders",
    .fields = order_fields, .nfields = sizeof order_fields / sizeof order_fields[0],
    .flags = R_SCOPED | R_NO_DELETE | R_EXPORT, .default_sort = "-id", .title_field = "elder_name",
    .validate = order_validate, .after_write = order_after_write, .decorate = order_decorate,
};

int order_event_add(req *r, int64_t order_id, const char *from, const char *to, const char *reason, int64_t caregiver_id,
                    int64_t org_id, const char *org_path, const char *district_code) {
    char now[32];
    now_utc_iso(now);
    db_stmt *s = db_prepare(r->dbc,
        "INSERT INTO service_order_events (order_id, from_status, to_status, reason, caregiver_id, org_id, org_path, district_code, "
        "created_at, updated_at, created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return -1;
    int64_t uid = r->who ? r->who->user_id : 0;
    db_bind_int(s, 1, order_id);
    if (from) db_bind_text(s, 2, from, -1); else db_bind_null(s, 2);
    db_bind_text(s, 3, to, -1);
    if (reason) db_bind_text(s, 4, reason, -1); else db_bind_null(s, 4);
    if (caregiver_id > 0) db_bind_int(s, 5, caregiver_id); else db_bind_null(s, 5);
    db_bind_int(s, 6, org_id);
    db_bind_text(s, 7, org_path, -1);
    if (district_code) db_bind_text(s, 8, district_code, -1); else db_bind_null(s, 8);
    db_bind_text(s, 9, now, -1);
    db_bind_text(s, 10, now, -1);
    if (uid) { db_bind_int(s, 11, uid); db_bind_int(s, 12, uid); } else { db_bind_null(s, 11); db_bind_null(s, 12); }
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : rc < 0 ? rc : -1;
}

/* ---- history: one entry per change of state, appended by the flow, read like any record ---- */

static const struct field event_fields[] = {
    {"order_id", FT_REF, F_READONLY | F_FILTER | F_LIST, "工单", "Order", .ref = "service_orders"},
    {"from_status", FT_DICT, F_READONLY | F_FILTER | F_LIST, "原状态", "From", .dict = "order_status"},
    {"to_status", FT_DICT, F_READONLY | F_FILTER | F_LIST, "新状态", "To", .dict = "order_status"},
    {"reason", FT_TEXT, F_READONLY | F_LIST, "原因", "Reason", .max_len = 500},
    {"caregiver_id", FT_REF, F_READONLY | F_FILTER | F_LIST, "护理员", "Caregiver", .ref = "caregivers"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_NOIMPORT, "所属社区/网格", "Community / grid"},
};

const struct resource res_service_order_events = {
    .name = "service_order_events", .table = "service_order_events", .label_zh = "工单流转记录", .label_en = "Order history",
    .fields = event_fields, .nfields = sizeof event_fields / sizeof event_fields[0],
    .flags = R_SCOPED | R_NO_CREATE | R_NO_UPDATE | R_NO_DELETE | R_NO_SOFT | R_EXPORT, .default_sort = "-id",
    .perm = "service_orders", .title_field = "to_status",
};
