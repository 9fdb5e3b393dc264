/* care_plan.c: recurring care plans (护理计划, issue 5 point 5): an elder gets one service of the
 * catalogue from one provider, perhaps from a preferred caregiver, daily at HH:MM, weekly on given
 * weekdays at HH:MM, or every N days from the start date, for a duration, between a start and an
 * optional end date. POST /api/v1/care_plans/generate {"date": "YYYY-MM-DD"} (and `shequ
 * care-plans generate --date`, for a daily cron) makes that day's orders (channel care_plan):
 * care_plan_orders holds one row per plan and day under a unique index, so a second run makes
 * nothing again. Paused or ended plans, dates outside a plan's range and elders no longer served
 * (died, moved out, suspended: the elder's status) are skipped. A new order then takes the moves
 * the flow's table marks for planned orders (service_order_flow.c): accepted, and dispatched to
 * the preferred caregiver when they are on duty for the plan's provider. Times are Beijing time. */
#include "service_order.h"
#include "crud_internal.h"
#include "scope.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct field plan_fields[] = {
    {"elder_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER, "服务对象", "Elder", .ref = "elders"},
    {"elder_name", FT_TEXT, F_READONLY | F_SEARCH | F_PREFIX | F_SORT | F_LIST | F_NOIMPORT, "老人姓名", "Elder's name", .max_len = 50},
    {"service_item_id", FT_REF, F_REQUIRED | F_FILTER | F_LIST, "服务项目", "Service", .ref = "service_items"},
    {"provider_id", FT_REF, F_REQUIRED | F_FILTER | F_LIST, "服务机构", "Provider", .ref = "providers"},
    {"caregiver_id", FT_REF, F_FILTER | F_LIST, "指定护理员", "Preferred caregiver", .ref = "caregivers"},
    {"recurrence", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "重复方式", "Recurs", .dict = "care_recurrence"},
    {"weekdays", FT_TEXT, F_LIST, "每周（1=周一 … 7=周日）", "Weekdays (1 Monday .. 7 Sunday)", .max_len = 20},
    {"interval_days", FT_INT, 0, "间隔天数", "Every N days", .min = 1, .max = 366},
    {"time_of_day", FT_TEXT, F_REQUIRED | F_LIST, "服务时间（HH:MM）", "At (HH:MM)", .max_len = 5},
    {"duration_minutes", FT_INT, F_REQUIRED | F_LIST, "服务时长（分钟）", "Minutes", .min = 5, .max = 1440},
    {"start_date", FT_DATE, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "开始日期", "From"},
    {"end_date", FT_DATE, F_FILTER | F_SORT | F_LIST, "结束日期", "Until", .after = "start_date"},
    {"status", FT_DICT, F_FILTER | F_SORT | F_LIST, "计划状态", "Status", .dict = "care_plan_status", .def = "active"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_NOIMPORT, "所属社区/网格", "Community / grid"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

/* "1,3,5": ISO weekdays, each once, ascending or not. */
static int weekdays_ok(const char *s) {
    int seen = 0, n = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '1' && *p <= '7') {
            int bit = 1 << (*p - '0');
            if (seen & bit) return 0;
            seen |= bit;
            n++;
            if (p[1] && p[1] != ',') return 0;
        } else if (*p != ',' || p == s || !p[1]) return 0;
    }
    return n > 0;
}

static int hhmm_ok(const char *s) {
    return s && strlen(s) == 5 && s[2] == ':' && s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' && s[3] >= '0' &&
           s[3] <= '5' && s[4] >= '0' && s[4] <= '9' && atoi(s) < 24;
}

/* An integer field as it will be stored (input, else the stored record); 0 when none. */
static int64_t ctx_int(struct write_ctx *w, const char *field) {
    json_t *v = json_object_get(w->in, field);
    if (!v && w->before) v = json_object_get(w->before, field);
    return json_integer_value(v);
}

static int plan_validate(struct write_ctx *w) {
    req *r = w->r;
    const char *rec = write_ctx_str(w, "recurrence"), *days = write_ctx_str(w, "weekdays");
    if (rec && !strcmp(rec, "weekly") && (!days || !weekdays_ok(days)))
        write_error(w, "weekdays", "invalid_weekdays", "每周重复须填写星期（1 到 7，逗号分隔，如 1,3,5）",
                    "Weekly plans need weekdays 1-7, comma-separated (1,3,5)");
    else if (days && !weekdays_ok(days))
        write_error(w, "weekdays", "invalid_weekdays", "星期应为 1 到 7，逗号分隔", "Weekdays are 1-7, comma-separated");
    if (rec && !strcmp(rec, "interval") && ctx_int(w, "interval_days") < 1)
        write_error(w, "interval_days", "required", "每隔 N 天重复须填写间隔天数", "Plans every N days need interval_days");
    if (!hhmm_ok(write_ctx_str(w, "time_of_day")))
        write_error(w, "time_of_day", "invalid_time", "服务时间应为 HH:MM（00:00 到 23:59）", "time_of_day is HH:MM (00:00-23:59)");
    int64_t prov = ctx_int(w, "provider_id"), cg = ctx_int(w, "caregiver_id");
    if (prov > 0 && json_object_get(w->after, "provider_id")) {
        int64_t n = 0;
        if (db_query_int(r->dbc, "SELECT count(*) FROM providers WHERE id = ? AND status = 'active' AND deleted_at IS NULL", &n, "i", prov) < 0)
            return -1;
        if (!n) write_error(w, "provider_id", "provider_not_active", "该服务机构不在合作中", "The provider is not taking orders");
    }
    if (cg > 0 && prov > 0) {
        int64_t n = 0;
        if (db_query_int(r->dbc, "SELECT count(*) FROM caregivers WHERE id = ? AND provider_id = ? AND deleted_at IS NULL", &n, "ii", cg, prov) < 0)
            return -1;
        if (!n) write_error(w, "caregiver_id", "other_provider", "该护理员不属于计划的服务机构", "The caregiver does not work for the plan's provider");
    }
    if (!w->creating) return 0;
    /* the plan lives in its elder's unit, as the elder's orders do */
    db_stmt *s = db_prepare(r->dbc, "SELECT name, status, org_id, org_path, district_code FROM elders WHERE id = ? AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, ctx_int(w, "elder_id"));
    if (db_step(s) != DB_ROW) { db_done(s); return 0; }
    const char *name = arena_strdup(&r->a, db_col_text(s, 0));
    int active = !strcmp(db_col_text(s, 1), "active");
    int64_t org = db_col_int(s, 2);
    const char *path = arena_strdup(&r->a, db_col_text(s, 3));
    const char *district = db_col_text(s, 4) ? arena_strdup(&r->a, db_col_text(s, 4)) : NULL;
    db_done(s);
    if (!scope_allows(r->who, resource_write_perm(w->res, &r->a), path, org, 0))
        write_error(w, "elder_id", "unknown_reference", "引用的服务对象（老人）不存在", "No such elder");
    else if (!active)
        write_error(w, "elder_id", "elder_not_active", "该老人已暂停或终止服务", "The elder's services are suspended or ended");
    write_ctx_set_text(w, "elder_name", name);
    write_ctx_set_unit(w, org, path, district);
    return 0;
}

const struct resource res_care_plans = {
    .name = "care_plans", .table = "care_plans", .label_zh = "护理计划", .label_en = "Care plans",
    .fields = plan_fields, .nfields = sizeof plan_fields / sizeof plan_fields[0],
    .flags = R_SCOPED | R_EXPORT, .default_sort = "-id", .perm = "service_orders", .title_field = "elder_name",
    .validate = plan_validate,
};

/* ---- generation ---- */

static time_t day_utc(const char *d) {
    struct tm tm = {0};
    tm.tm_year = atoi(d) - 1900;
    tm.tm_mon = atoi(d + 5) - 1;
    tm.tm_mday = atoi(d + 8);
    return timegm(&tm);
}

/* Whether a plan recurs on day d (its range checked already). */
static int due_on(const char *rec, const char *weekdays, int64_t every, const char *start, const char *d) {
    if (!strcmp(rec, "daily")) return 1;
    time_t t = day_utc(d);
    if (!strcmp(rec, "weekly")) {
        struct tm tm;
        gmtime_r(&t, &tm);
        char iso = (char)('0' + (tm.tm_wday ? tm.tm_wday : 7));
        return weekdays && strchr(weekdays, iso) != NULL;
    }
    if (!strcmp(rec, "interval")) return every > 0 && ((t - day_utc(start)) / 86400) % every == 0;
    return 0;
}

/* d at HH:MM Beijing time plus `minutes`, as UTC text. */
static void at_utc(const char *d, const char *hhmm, int64_t minutes, char out[32]) {
    time_t t = day_utc(d) + atoi(hhmm) * 3600 + atoi(hhmm + 3) * 60 - 8 * 3600 + minutes * 60;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct gen { int created, existing, paused, out_of_range, elder_inactive, not_due; json_t *orders, *failed, *skipped; };

/* A plan passed over, and why (not_due is left out: most plans most days). */
static void skip(struct gen *g, int *count, int64_t plan, const char *why) {
    (*count)++;
    json_array_append_new(g->skipped, json_pack("{s:I,s:s}", "plan_id", (json_int_t)plan, "reason", why));
}

/* The caregiver may be dispatched to now: on duty, working for the provider. */
static int caregiver_ready(req *r, int64_t cg, int64_t provider) {
    int64_t n = 0;
    if (cg <= 0) return 0;
    if (db_query_int(r->dbc, "SELECT count(*) FROM caregivers WHERE id = ? AND provider_id = ? AND status = 'on_duty' AND deleted_at IS NULL",
                     &n, "ii", cg, provider) < 0) return -1;
    return n > 0;
}

/* One plan's order for the day: created, recorded, moved in. 0, or after answering, or <0. */
static int make_order(req *r, const char *date, db_stmt *s, struct gen *g) {
    int64_t plan = db_col_int(s, 0), provider = db_col_int(s, 3), cg = db_col_int(s, 4);
    char from[32], to[32];
    at_utc(date, db_col_text(s, 8), 0, from);
    at_utc(date, db_col_text(s, 8), db_col_int(s, 9), to);
    json_t *in = json_pack("{s:I,s:I,s:s,s:s,s:s,s:I,s:s}", "elder_id", (json_int_t)db_col_int(s, 1), "service_item_id",
                           (json_int_t)db_col_int(s, 2), "channel", "care_plan", "window_start", from, "window_end", to,
                           "provider_id", (json_int_t)provider, "note", arena_printf(&r->a, "护理计划 #%lld", (long long)plan));
    json_t *out = NULL, *errors = NULL, *codes = NULL;
    int rc = record_put(r, &res_service_orders, 0, in, &out, &errors, &codes);
    json_decref(in);
    if (rc == SAVE_INVALID) {
        json_array_append_new(g->failed, json_pack("{s:I,s:o,s:o}", "plan_id", (json_int_t)plan, "errors", errors, "codes", codes));
        json_decref(out);
        return 0;
    }
    json_decref(errors);
    json_decref(codes);
    if (rc || !out) { json_decref(out); return rc ? rc : -1; }
    int64_t oid = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    char now[32];
    now_utc_iso(now);
    db_stmt *ins = db_prepare(r->dbc, "INSERT INTO care_plan_orders (plan_id, plan_date, order_id, created_at) VALUES (?, ?, ?, ?)");
    if (!ins) return -1;
    db_bind_int(ins, 1, plan);
    db_bind_text(ins, 2, date, -1);
    db_bind_int(ins, 3, oid);
    db_bind_text(ins, 4, now, -1);
    rc = db_step(ins);
    db_done(ins);
    if (rc != DB_DONE) return rc < 0 ? rc : -1;
    int ready = caregiver_ready(r, cg, provider);
    if (ready < 0) return -1;
    const char *next;
    const char *status = "pending";
    while ((next = order_planned_next(status, ready))) {
        json_t *order = record_load(r, &res_service_orders, oid, 0);
        if (!order) return -1;
        json_t *mv = json_pack("{s:s}", "to", next);
        if (!strcmp(next, "dispatched")) json_object_set_new(mv, "caregiver_id", json_integer(cg));
        rc = order_move(r, order, json_integer_value(json_object_get(order, "version")), mv);
        json_decref(mv);
        json_decref(order);
        if (rc || r->status >= 400) return rc;
        status = next;
    }
    g->created++;
    json_array_append_new(g->orders, json_pack("{s:I,s:I,s:s}", "plan_id", (json_int_t)plan, "order_id", (json_int_t)oid, "status", status));
    return 0;
}

int care_plan_generate(req *r) {
    json_t *in = req_json(r);
    if (!in) return 0;
    const char *date = json_string_value(json_object_get(in, "date"));
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
        if (strcmp(k, "date"))
            return resp_error_fields(r, 422, "validation_failed", "不认识的字段", "Unknown field", json_pack("{s:s}", k, "unknown"),
                                     json_pack("{s:s}", k, "unknown_field"));
    if (!date || strlen(date) != 10 || !date_valid(date))
        return resp_error_fields(r, 422, "validation_failed", "日期应为 YYYY-MM-DD", "date is YYYY-MM-DD",
                                 json_pack("{s:s}", "date", r->lang_en ? "date is YYYY-MM-DD" : "日期应为 YYYY-MM-DD"),
                                 json_pack("{s:s}", "date", "invalid_date"));
    date = arena_strdup(&r->a, date);
    struct gen g = {0};
    g.orders = json_array();
    g.failed = json_array();
    g.skipped = json_array();
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, "SELECT t.id, t.elder_id, t.service_item_id, t.provider_id, t.caregiver_id, t.recurrence, t.weekdays, t.interval_days, "
                 "t.time_of_day, t.duration_minutes, t.start_date, t.end_date, t.status, "
                 "(SELECT e.status FROM elders e WHERE e.id = t.elder_id AND e.deleted_at IS NULL), "
                 "(SELECT count(*) FROM care_plan_orders o WHERE o.plan_id = t.id AND o.plan_date = ");
    sqlb_val(&q, sv_text(date));
    sqlb_sql(&q, ") FROM care_plans t WHERE t.deleted_at IS NULL");
    scope_restrict_table(&q, r->who, "service_orders.write", "care_plans", "t");
    sqlb_sql(&q, " ORDER BY t.id");
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    int rc = -1;
    if (!s) goto done;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        const char *end = db_col_text(s, 11), *elder = db_col_text(s, 13);
        int64_t plan = db_col_int(s, 0);
        if (strcmp(db_col_text(s, 12), "active")) skip(&g, &g.paused, plan, "paused");
        else if (strcmp(date, db_col_text(s, 10)) < 0 || (end && strcmp(date, end) > 0)) skip(&g, &g.out_of_range, plan, "out_of_range");
        else if (!elder || strcmp(elder, "active")) skip(&g, &g.elder_inactive, plan, "elder_inactive");
        else if (!due_on(db_col_text(s, 5), db_col_text(s, 6), db_col_int(s, 7), db_col_text(s, 10), date)) g.not_due++;
        else if (db_col_int(s, 14) > 0) skip(&g, &g.existing, plan, "existing");
        else {
            rc = make_order(r, date, s, &g);
            if (rc || r->status >= 400) { db_done(s); goto done; }
            continue;
        }
    }
    db_done(s);
    if (step != DB_DONE) goto done;
    rc = resp_data(r, 200, json_pack("{s:s,s:i,s:i,s:{s:i,s:i,s:i,s:i},s:O,s:O,s:O}", "date", date, "created", g.created, "existing",
                                     g.existing, "skipped", "paused", g.paused, "out_of_range", g.out_of_range, "elder_inactive",
                                     g.elder_inactive, "not_due", g.not_due, "orders", g.orders, "failed", g.failed, "skipped_plans", g.skipped));
done:
    json_decref(g.orders);
    json_decref(g.failed);
    json_decref(g.skipped);
    return rc;
}
