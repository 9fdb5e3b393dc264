/* sos.c: emergencies (助急, issue 5 point 6). An SOS call - to the 12349 hotline, from an emergency
 * call device, from the family - raised by the hotline, a community worker or an administrator
 * (service_orders.intake; a grid worker has no eldercare access and calls the hotline):
 *
 *   POST /api/v1/sos {"elder_id": ..., "channel": "hotline|device|family", "note": ...}
 *
 * is an ordinary service order (the catalogue's 助急 item, priority 紧急, its window from now until
 * the on-site deadline) created through the declared-record engine, plus its clock: due times fixed
 * when it is raised - taken by a caregiver within SHEQU_SOS_TAKE_MINUTES (5), on site (checked in)
 * within SHEQU_SOS_ON_SITE_MINUTES (30). The escalation level is computed whenever it is read, from
 * the clock and the order's history, so no thread watches the clocks: 0 on time, 1 not taken in
 * time, 2 not on site in time, 3 still not on site SHEQU_SOS_ESCALATE_MINUTES (15) later.
 * GET /api/v1/sos[?open=1] lists them most urgent first; GET /api/v1/sos/{id} is the one screen: the
 * order and its clock, the elder (masked as usual), their emergency contacts, recent orders,
 * assessments and the order's history. POST /api/v1/sos/{id}/close {"outcome", "note"} closes the
 * loop: an order not yet served is cancelled through the flow table, one being served must be
 * checked out first; the outcome is kept on the order and appended to its history. */
#include "service_order.h"
#include "audit.h"
#include "crud_internal.h"
#include "dict.h"
#include "elder.h"
#include "scope.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long minutes_env(const char *name, long def) {
    const char *v = getenv(name);
    long n = v && *v ? strtol(v, NULL, 10) : def;
    return n > 0 && n < 10000 ? n : def;
}

static void iso_at(time_t t, char out[32]) {
    struct tm tm;
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static time_t parse_utc(const char *s) {
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) return 0;
    return timegm(&tm);
}

static int bad(req *r, const char *field, const char *code, const char *zh, const char *en) {
    return resp_error_fields(r, 422, "validation_failed", zh, en, json_pack("{s:s}", field, r->lang_en ? en : zh),
                             json_pack("{s:s}", field, code));
}

/* The clock of an SOS order (record JSON): due times, when it was taken and reached, the level. */
static json_t *clock_of(req *r, json_t *o, int *level_out) {
    int64_t id = json_integer_value(json_object_get(o, "id"));
    const char *taken = NULL, *on_site = json_string_value(json_object_get(o, "check_in_at"));
    db_stmt *s = db_prepare(r->dbc, "SELECT to_status, min(created_at) FROM service_order_events WHERE order_id = ? "
                                    "AND to_status IN ('taken', 'in_service') GROUP BY to_status");
    if (s) {
        db_bind_int(s, 1, id);
        while (db_step(s) == DB_ROW) {
            const char *st = db_col_text(s, 0), *at = arena_strdup(&r->a, db_col_text(s, 1));
            if (!strcmp(st, "taken")) taken = at;
            else if (!on_site) on_site = at;
        }
        db_done(s);
    }
    const char *status = json_string_value(json_object_get(o, "status"));
    if (!taken && on_site) taken = on_site;
    const char *take_due = json_string_value(json_object_get(o, "sos_accept_due"));
    const char *site_due = json_string_value(json_object_get(o, "sos_on_site_due"));
    const char *closed = json_string_value(json_object_get(o, "sos_closed_at"));
    int ended = status && (!strcmp(status, "cancelled") || !strcmp(status, "completed") || !strcmp(status, "followed_up") ||
                           !strcmp(status, "settled"));
    time_t now = time(NULL);
    int level = 0;
    json_t *overdue = json_array();
    if (!closed && !ended) {
        if (!taken && take_due && now > parse_utc(take_due)) { level = 1; json_array_append_new(overdue, json_string("take")); }
        if (!on_site && site_due && now > parse_utc(site_due)) {
            level = now > parse_utc(site_due) + minutes_env("SHEQU_SOS_ESCALATE_MINUTES", 15) * 60 ? 3 : 2;
            json_array_append_new(overdue, json_string("on_site"));
        }
    }
    static const char *const zh[] = {"正常", "一级：接单超时", "二级：到场超时", "三级：严重超时，报主管"};
    static const char *const en[] = {"On time", "Level 1: not taken in time", "Level 2: not on site in time",
                                     "Level 3: long overdue, tell the supervisor"};
    if (level_out) *level_out = level;
    return json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:o,s:i,s:s,s:b}", "take_due", take_due, "on_site_due", site_due, "taken_at", taken,
                     "on_site_at", on_site, "closed_at", closed, "overdue", overdue, "escalation_level", level,
                     "escalation_label", r->lang_en ? en[level] : zh[level], "open", !closed);
}

/* Rows of `sql` (its SELECT list made by resource_select_cols of res, one bound id, then the
 * caller's read scope and `tail`) as public records, keeping the fields named in `keep`. */
static json_t *rows_of(req *r, const struct resource *res, const char *from_where, int64_t id, const char *perm, const char *tail,
                       const char *const *keep) {
    json_t *arr = json_array();
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, arena_printf(&r->a, "SELECT %s FROM %s", resource_select_cols(res, &r->a), from_where));
    sqlb_val(&q, sv_int(id));
    scope_restrict_table(&q, r->who, perm, res->table, "t");
    sqlb_sql(&q, tail);
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) return arr;
    while (db_step(s) == DB_ROW) {
        json_t *rec = NULL;
        if (record_row_json(r, res, s, &rec) || !rec) break;
        json_t *o = json_object();
        for (int i = 0; keep[i]; i++) json_object_set(o, keep[i], json_object_get(rec, keep[i]));
        json_decref(rec);
        json_array_append_new(arr, o);
    }
    db_done(s);
    return arr;
}

/* The one screen of an SOS: order and clock, elder, contacts, recent orders, assessments, history. */
static int sos_answer(req *r, int64_t id, int status) {
    json_t *o = record_load(r, &res_service_orders, id, 0);
    if (!o || !json_is_string(json_object_get(o, "sos_channel"))) {
        json_decref(o);
        return resp_error(r, 404, "not_found", "助急记录不存在", "No such emergency");
    }
    json_t *clock = clock_of(r, o, NULL);
    int64_t eid = json_integer_value(json_object_get(o, "elder_id"));
    json_object_set_new(o, "next_states", order_next_states(r, o));
    json_t *out = json_pack("{s:o,s:o}", "order", record_public(o), "clock", clock);
    json_t *elder = principal_can(r->who, "elders.read") ? record_load(r, &res_elders, eid, 0) : NULL;
    json_t *contacts = json_array();
    if (elder) {
        for (int k = 1; k <= 2; k++) {
            char nk[24], rk[24], pk[24];
            snprintf(nk, sizeof nk, "contact%d_name", k);
            snprintf(rk, sizeof rk, "contact%d_relation", k);
            snprintf(pk, sizeof pk, "contact%d_phone", k);
            if (!json_is_string(json_object_get(elder, nk))) continue;
            json_array_append_new(contacts, json_pack("{s:O,s:O,s:O}", "name", json_object_get(elder, nk), "relation",
                                                      json_object_get(elder, rk), "phone", json_object_get(elder, pk)));
        }
        json_object_set_new(out, "elder", record_public(elder));
    } else {
        json_object_set_new(out, "elder", json_null());
    }
    json_object_set_new(out, "contacts", contacts);
    static const char *const order_keep[] = {"id", "service_item_id", "status", "priority", "window_start", "caregiver_id",
                                             "provider_id", "rating", "flagged", "sos_channel", NULL};
    json_object_set_new(out, "recent_orders", rows_of(r, &res_service_orders, "service_orders t WHERE t.deleted_at IS NULL AND t.elder_id = ",
                                                      eid, "service_orders.read", " ORDER BY t.id DESC LIMIT 10", order_keep));
    static const char *const assess_keep[] = {"id", "standard", "reason", "assessed_on", "total", "level", "level_label", "next_due", NULL};
    json_object_set_new(out, "assessments", principal_can(r->who, "elders.read")
        ? rows_of(r, &res_assessments, "assessments t WHERE t.deleted_at IS NULL AND t.elder_id = ", eid, "elders.read",
                  " ORDER BY t.assessed_on DESC, t.id DESC LIMIT 5", assess_keep)
        : json_array());
    json_t *hist = json_array();
    db_stmt *s = db_prepare(r->dbc, "SELECT e.id, e.from_status, e.to_status, e.reason, e.caregiver_id, e.created_at, e.created_by, "
                                    "(SELECT u.name FROM users u WHERE u.id = e.created_by) FROM service_order_events e "
                                    "WHERE e.order_id = ? ORDER BY e.id");
    if (!s) { json_decref(out); json_decref(hist); return -1; }
    db_bind_int(s, 1, id);
    while (db_step(s) == DB_ROW) {
        json_t *e = json_pack("{s:I,s:s?,s:s,s:s?,s:s,s:s?}", "id", (json_int_t)db_col_int(s, 0), "from_status", db_col_text(s, 1),
                              "to_status", db_col_text(s, 2), "reason", db_col_text(s, 3), "at", db_col_text(s, 5), "by_name",
                              db_col_text(s, 7));
        json_object_set_new(e, "caregiver_id", db_col_type(s, 4) == DBT_NULL ? json_null() : json_integer(db_col_int(s, 4)));
        json_object_set_new(e, "by", db_col_type(s, 6) == DBT_NULL ? json_null() : json_integer(db_col_int(s, 6)));
        json_array_append_new(hist, e);
    }
    db_done(s);
    json_object_set_new(out, "history", hist);
    return resp_data(r, status, out);
}

/* ---- raising ---- */

int sos_create(req *r) {
    json_t *in = req_json(r);
    if (!in) return 0;
    if (!json_is_object(in)) return resp_error(r, 422, "validation_failed", "请求体应为对象", "The body must be an object");
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
        if (strcmp(k, "elder_id") && strcmp(k, "channel") && strcmp(k, "note")) return bad(r, k, "unknown_field", "不认识的字段", "Unknown field");
    const char *channel = json_string_value(json_object_get(in, "channel"));
    if (!channel || dict_check(r->dbc, "sos_channel", channel) != 1)
        return bad(r, "channel", "invalid_code", "呼救渠道应为 hotline、device 或 family", "channel must be hotline, device or family");
    if (!json_is_integer(json_object_get(in, "elder_id")))
        return bad(r, "elder_id", "required", "请选择呼救的老人", "elder_id is required");
    int64_t item = 0;
    if (db_query_int(r->dbc, "SELECT id FROM service_items WHERE category = 'emergency' AND active = 1 AND deleted_at IS NULL "
                             "ORDER BY code LIMIT 1", &item, NULL) < 0) return -1;
    if (!item) return resp_error(r, 409, "no_emergency_service", "服务目录中没有可用的助急项目", "The catalogue offers no emergency service");
    long take = minutes_env("SHEQU_SOS_TAKE_MINUTES", 5), site = minutes_env("SHEQU_SOS_ON_SITE_MINUTES", 30);
    time_t now = time(NULL);
    char start[32], take_due[32], site_due[32];
    iso_at(now, start);
    iso_at(now + take * 60, take_due);
    iso_at(now + site * 60, site_due);
    json_t *order_in = json_pack("{s:O,s:I,s:s,s:s,s:s,s:s}", "elder_id", json_object_get(in, "elder_id"), "service_item_id",
                                 (json_int_t)item, "channel", !strcmp(channel, "device") ? "sos_device" : channel, "priority",
                                 "emergency", "window_start", start, "window_end", site_due);
    json_t *note = json_object_get(in, "note");
    if (note && !json_is_null(note)) json_object_set(order_in, "note", note);
    json_t *out = NULL, *errors = NULL, *codes = NULL;
    int rc = record_put(r, &res_service_orders, 0, order_in, &out, &errors, &codes);
    json_decref(order_in);
    if (rc == SAVE_INVALID) {
        rc = respond_validation(r, errors, codes);
        json_decref(errors);
        json_decref(codes);
        return rc;
    }
    if (rc) return rc < 0 ? rc : -1;
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    db_stmt *s = db_prepare(r->dbc, "UPDATE service_orders SET sos_channel = ?, sos_accept_due = ?, sos_on_site_due = ? WHERE id = ?");
    if (!s) return -1;
    db_bind_text(s, 1, channel, -1);
    db_bind_text(s, 2, take_due, -1);
    db_bind_text(s, 3, site_due, -1);
    db_bind_int(s, 4, id);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return rc < 0 ? rc : -1;
    return sos_answer(r, id, 201);
}

int sos_get(req *r) { return sos_answer(r, req_param_id(r, 0), 200); }

/* ---- the list, most urgent first ---- */

struct sos_row { json_t *rec; int level; const char *due; };

static int by_urgency(const void *a, const void *b) {
    const struct sos_row *x = a, *y = b;
    if (x->level != y->level) return y->level - x->level;
    int c = strcmp(x->due ? x->due : "", y->due ? y->due : "");
    return c ? c : (int)(json_integer_value(json_object_get(y->rec, "id")) - json_integer_value(json_object_get(x->rec, "id")));
}

int sos_list(req *r) {
    const char *open = req_query(r, "open");
    int only_open = 0;
    if (open) {
        if (!strcmp(open, "1") || !strcmp(open, "true")) only_open = 1;
        else if (strcmp(open, "0") && strcmp(open, "false"))
            return resp_error_fields(r, 400, "invalid_filter", "查询条件有误", "Invalid query parameter",
                                     json_pack("{s:s}", "open", r->lang_en ? "open is 1 or 0" : "open 应为 1 或 0"),
                                     json_pack("{s:s}", "open", "invalid_filter"));
    }
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, arena_printf(&r->a, "SELECT %s FROM service_orders t WHERE t.deleted_at IS NULL AND t.sos_channel IS NOT NULL%s",
                              resource_select_cols(&res_service_orders, &r->a), only_open ? " AND t.sos_closed_at IS NULL" : ""));
    scope_restrict_table(&q, r->who, "service_orders.read", "service_orders", "t");
    sqlb_sql(&q, " ORDER BY t.id DESC LIMIT 500");
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) return -1;
    struct sos_row rows[500];
    int n = 0, rc = 0;
    while (n < 500 && (rc = db_step(s)) == DB_ROW) {
        json_t *rec = NULL;
        if (record_row_json(r, &res_service_orders, s, &rec) || !rec) { rc = -1; break; }
        rows[n].rec = rec;
        rows[n].due = json_string_value(json_object_get(rec, "sos_on_site_due"));
        n++;
    }
    db_done(s);
    if (rc < 0 || (rc != DB_DONE && rc != DB_ROW)) { for (int i = 0; i < n; i++) json_decref(rows[i].rec); return rc < 0 ? rc : -1; }
    for (int i = 0; i < n; i++) json_object_set_new(rows[i].rec, "clock", clock_of(r, rows[i].rec, &rows[i].level));
    qsort(rows, (size_t)n, sizeof rows[0], by_urgency);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(arr, record_public(rows[i].rec));
    return resp_json(r, 200, json_pack("{s:o,s:{s:i}}", "data", arr, "meta", "total", n));
}

/* ---- closing the loop ---- */

int sos_close(req *r) {
    int64_t id = req_param_id(r, 0);
    json_t *o = record_load(r, &res_service_orders, id, 0);
    if (!o || !json_is_string(json_object_get(o, "sos_channel"))) {
        json_decref(o);
        return resp_error(r, 404, "not_found", "助急记录不存在", "No such emergency");
    }
    int rc = 0;
    json_t *in = req_json(r);
    if (!in) goto out;
    if (!json_is_object(in)) { rc = resp_error(r, 422, "validation_failed", "请求体应为对象", "The body must be an object"); goto out; }
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
        if (strcmp(k, "outcome") && strcmp(k, "note")) { rc = bad(r, k, "unknown_field", "不认识的字段", "Unknown field"); goto out; }
    if (!scope_allows_record(r->who, "service_orders.intake", "service_orders", o)) {
        rc = resp_error(r, 403, "forbidden", "没有权限结案", "Not permitted to close this emergency");
        goto out;
    }
    const char *outcome = json_string_value(json_object_get(in, "outcome"));
    if (!outcome || dict_check(r->dbc, "sos_outcome", outcome) != 1) {
        rc = bad(r, "outcome", "required", "请选择处置结果", "outcome is required (a code of sos_outcome)");
        goto out;
    }
    const char *note = json_string_value(json_object_get(in, "note"));
    while (note && *note == ' ') note++;
    if (!note || !*note || strlen(note) > 1500) {
        rc = bad(r, "note", "required", "请填写处置经过", "note: what was done is required");
        goto out;
    }
    if (json_is_string(json_object_get(o, "sos_closed_at"))) {
        rc = resp_error(r, 409, "sos_closed", "该助急已结案", "The emergency is closed already");
        goto out;
    }
    const char *status = json_string_value(json_object_get(o, "status"));
    const char *label = dict_label(r->dbc, "sos_outcome", outcome, 0, &r->a);
    const char *reason = arena_printf(&r->a, "助急结案：%s；%s", label, note);
    if (!strcmp(status, "in_service")) {
        rc = resp_error(r, 409, "sos_in_service", "护理员仍在服务中，请先扫码签退再结案", "The caregiver is still on site: check out first");
        goto out;
    }
    int served = !strcmp(status, "completed") || !strcmp(status, "followed_up") || !strcmp(status, "settled");
    if (!served && strcmp(status, "cancelled") != 0) {
        /* not served: the order is cancelled by the flow, with the outcome as its reason */
        json_t *move = json_pack("{s:s,s:s}", "to", "cancelled", "reason", reason);
        rc = order_move(r, o, json_integer_value(json_object_get(o, "version")), move);
        json_decref(move);
        if (rc || r->status >= 400) goto out;
        status = "cancelled";
    }
    char now[32];
    now_utc_iso(now);
    db_stmt *s = db_prepare(r->dbc, "UPDATE service_orders SET sos_outcome = ?, sos_closed_at = ?, sos_closed_by = ?, "
                                    "version = version + 1, updated_at = ?, updated_by = ? WHERE id = ? AND sos_closed_at IS NULL");
    if (!s) { rc = -1; goto out; }
    db_bind_text(s, 1, outcome, -1);
    db_bind_text(s, 2, now, -1);
    db_bind_int(s, 3, r->who->user_id);
    db_bind_text(s, 4, now, -1);
    db_bind_int(s, 5, r->who->user_id);
    db_bind_int(s, 6, id);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { rc = rc < 0 ? rc : -1; goto out; }
    rc = 0;
    if (db_changes(r->dbc) == 0) { rc = resp_error(r, 409, "sos_closed", "该助急已结案", "The emergency is closed already"); goto out; }
    /* the closing is the last line of the order's history: who closed it, when, with what outcome */
    const char *path = json_string_value(json_object_get(o, "_org_path"));
    char district[16] = "";
    s = db_prepare(r->dbc, "SELECT district_code FROM service_orders WHERE id = ?");
    if (!s) { rc = -1; goto out; }
    db_bind_int(s, 1, id);
    if (db_step(s) == DB_ROW && db_col_text(s, 0)) snprintf(district, sizeof district, "%s", db_col_text(s, 0));
    db_done(s);
    if ((rc = order_event_add(r, id, status, status, reason, 0, json_integer_value(json_object_get(o, "_org_id")), path,
                              *district ? district : NULL))) goto out;
    json_t *detail = json_pack("{s:s,s:s}", "outcome", outcome, "note", note);
    rc = audit_log(r, "sos_close", "service_orders", id, path, label, detail);
    json_decref(detail);
    if (rc) goto out;
    rc = sos_answer(r, id, 200);
out:
    json_decref(o);
    return rc;
}
