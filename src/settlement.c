/* settlement.c: the monthly settlement of home-care orders per provider (服务结算, issue 5 point 7).
 * POST /api/v1/settlements {"provider_id", "month"} makes a draft and computes its lines: one per
 * order of the provider that reached 已回访 followed_up in the month (Beijing time; the call back
 * closes the service, and followed_up -> settled is the flow's one way to 已结算). Each line
 * splits the order's amount (fen, integers only) into government subsidy, vouchers and self-pay by
 * the rule of docs/ARCHITECTURE.md ("Settlement"): the elder's monthly entitlement (subsidy.c) is
 * drawn down by all their orders of the month, every provider's, in the order they were followed
 * up, so a provider's share never depends on which settlement was computed first. A draft is
 * computed again on request; approval, by someone other than who computed it, refuses a draft
 * that missed orders since, freezes it and moves each order to settled through the flow's table
 * (order_move). Nothing of an approved settlement changes: a correction is a further line
 * referencing the line it corrects, with deltas and a reason. */
#include "care_plan.h"
#include "audit.h"
#include "crud_internal.h"
#include "elder.h"
#include "scope.h"
#include "service_order.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SETTLE_PERM "service_orders.settle"

static const struct field settlement_fields[] = {
    {"provider_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_SORT | F_LIST, "服务机构", "Provider", .ref = "providers"},
    {"month", FT_TEXT, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_SORT | F_LIST, "结算月份", "Month", .max_len = 7},
    {"status", FT_DICT, F_READONLY | F_FILTER | F_SORT | F_LIST, "状态", "Status", .dict = "settlement_status", .def = "draft"},
    {"order_count", FT_INT, F_READONLY | F_LIST | F_NOIMPORT, "工单数", "Orders"},
    {"visits", FT_INT, F_READONLY | F_LIST | F_NOIMPORT, "按次服务", "Visits"},
    {"minutes", FT_INT, F_READONLY | F_LIST | F_NOIMPORT, "按时服务（分钟）", "Hourly service (minutes)"},
    {"total_amount", FT_MONEY, F_READONLY | F_LIST | F_NOIMPORT, "结算总额（元）", "Total"},
    {"subsidy_amount", FT_MONEY, F_READONLY | F_LIST | F_NOIMPORT, "政府补贴（元）", "Government subsidy"},
    {"voucher_amount", FT_MONEY, F_READONLY | F_LIST | F_NOIMPORT, "服务券（元）", "Vouchers"},
    {"self_pay_amount", FT_MONEY, F_READONLY | F_LIST | F_NOIMPORT, "个人自付（元）", "Self-pay"},
    {"computed_at", FT_DATETIME, F_READONLY | F_SORT | F_NOIMPORT, "计算时间", "Computed at"},
    {"computed_by", FT_REF, F_READONLY | F_NOIMPORT, "计算人", "Computed by", .ref = "users"},
    {"approved_at", FT_DATETIME, F_READONLY | F_SORT | F_LIST | F_NOIMPORT, "审核时间", "Approved at"},
    {"approved_by", FT_REF, F_READONLY | F_NOIMPORT, "审核人", "Approved by", .ref = "users"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_NOIMPORT, "所属单位", "Unit"},
    {"correction_amount", FT_MONEY, F_COMPUTED, "更正合计（元）", "Corrections"},
    {"final_amount", FT_MONEY, F_COMPUTED, "更正后总额（元）", "Total after corrections"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static int frozen(json_t *rec) { return !strcmp(json_string_value(json_object_get(rec, "status")), "approved"); }

/* YYYY-MM, a real month, not after this one (a month is settled once it has begun). */
static int month_ok(const char *m) {
    char d[11], today[11];
    if (!m || strlen(m) != 7 || m[4] != '-') return 0;
    snprintf(d, sizeof d, "%.7s-01", m);
    today_cn(today);
    return date_valid(d) && strncmp(m, today, 7) <= 0;
}

static int settlement_validate(struct write_ctx *w) {
    req *r = w->r;
    if (w->before && frozen(w->before)) {
        write_error(w, "status", "settlement_frozen", "结算已审核冻结，不能修改；请以更正记录调整", "The settlement is approved and frozen; add a correction instead");
        return 0;
    }
    if (!w->creating) return 0;
    write_ctx_set_text(w, "status", "draft");
    const char *m = write_ctx_str(w, "month");
    if (!month_ok(m)) {
        write_error(w, "month", "invalid_month", "月份格式应为 YYYY-MM，且不晚于本月", "month is YYYY-MM, at most this month");
        return 0;
    }
    int64_t prov = json_integer_value(json_object_get(w->after, "provider_id"));
    db_stmt *s = db_prepare(r->dbc, "SELECT org_id, org_path, district_code FROM providers WHERE id = ? AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, prov);
    if (db_step(s) == DB_ROW)
        write_ctx_set_unit(w, db_col_int(s, 0), arena_strdup(&r->a, db_col_text(s, 1)),
                           db_col_text(s, 2) ? arena_strdup(&r->a, db_col_text(s, 2)) : NULL);
    db_done(s);
    int64_t other = 0;
    if (db_query_int(r->dbc, "SELECT coalesce(max(id), 0) FROM settlements WHERE provider_id = ? AND month = ? AND deleted_at IS NULL",
                     &other, "is", prov, m) < 0) return -1;
    if (other) {
        char zh[120], en[120];
        snprintf(zh, sizeof zh, "该机构该月已有结算（编号 %lld）", (long long)other);
        snprintf(en, sizeof en, "The provider's month is settled already (settlement %lld)", (long long)other);
        write_error(w, "month", "settlement_exists", zh, en);
    }
    return 0;
}

static int settlement_before_delete(struct write_ctx *w) {
    req *r = w->r;
    if (frozen(w->before))
        return resp_error(r, 409, "settlement_frozen", "结算已审核冻结，不能删除", "The settlement is approved and cannot be deleted");
    if (!principal_can(r->who, SETTLE_PERM))
        return resp_error(r, 403, "forbidden", "没有权限删除结算", "Not permitted to delete settlements");
    db_stmt *s = db_prepare(r->dbc, "DELETE FROM settlement_lines WHERE settlement_id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, w->id);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

/* The corrections of an approved settlement and the total they make. */
static void settlement_decorate(req *r, json_t *rec, int detail) {
    (void)detail;
    int64_t corr = 0;
    db_query_int(r->dbc, "SELECT coalesce(sum(amount), 0) FROM settlement_lines WHERE settlement_id = ? AND kind = 'correction'", &corr,
                 "i", (int64_t)json_integer_value(json_object_get(rec, "id")));
    json_object_set_new(rec, "correction_amount", json_integer(corr));
    json_object_set_new(rec, "final_amount", json_integer(json_integer_value(json_object_get(rec, "total_amount")) + corr));
}

const struct resource res_settlements = {
    .name = "settlements", .table = "settlements", .label_zh = "服务结算", .label_en = "Settlements",
    .fields = settlement_fields, .nfields = sizeof settlement_fields / sizeof settlement_fields[0],
    .flags = R_SCOPED | R_NO_CREATE | R_EXPORT, .default_sort = "-month", .perm = "service_orders", .title_field = "month",
    .cache_deps = "settlement_lines", .validate = settlement_validate, .before_delete = settlement_before_delete,
    .decorate = settlement_decorate,
};

static const struct field line_fields[] = {
    {"settlement_id", FT_REF, F_READONLY | F_FILTER | F_SORT, "结算单", "Settlement", .ref = "settlements"},
    {"kind", FT_DICT, F_READONLY | F_FILTER | F_LIST, "类型", "Kind", .dict = "settlement_line_kind"},
    {"order_id", FT_REF, F_READONLY | F_FILTER | F_LIST, "工单", "Order", .ref = "service_orders"},
    {"corrects_line_id", FT_REF, F_READONLY | F_FILTER, "更正的明细", "Corrects line", .ref = "settlement_lines"},
    {"elder_id", FT_REF, F_READONLY | F_FILTER, "服务对象", "Elder", .ref = "elders"},
    {"elder_name", FT_TEXT, F_READONLY | F_SEARCH | F_SORT | F_LIST, "老人姓名", "Elder's name", .max_len = 50},
    {"service_item_id", FT_REF, F_READONLY | F_FILTER | F_LIST, "服务项目", "Service", .ref = "service_items"},
    {"unit", FT_DICT, F_READONLY | F_LIST, "计价单位", "Unit", .dict = "service_unit"},
    {"visits", FT_INT, F_READONLY | F_LIST, "次数", "Visits"},
    {"minutes", FT_INT, F_READONLY | F_LIST, "计费时长（分钟）", "Billed minutes"},
    {"price", FT_MONEY, F_READONLY | F_LIST, "单价（元）", "Price"},
    {"amount", FT_MONEY, F_READONLY | F_SORT | F_LIST, "金额（元）", "Amount"},
    {"subsidy_amount", FT_MONEY, F_READONLY | F_LIST, "政府补贴（元）", "Government subsidy"},
    {"voucher_amount", FT_MONEY, F_READONLY | F_LIST, "服务券（元）", "Vouchers"},
    {"self_pay_amount", FT_MONEY, F_READONLY | F_LIST, "个人自付（元）", "Self-pay"},
    {"reason", FT_TEXT, F_READONLY | F_LIST, "更正原因", "Why corrected", .max_len = 500},
    {"provider_id", FT_REF, F_READONLY | F_FILTER, "服务机构", "Provider", .ref = "providers"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_NOIMPORT, "所属单位", "Unit"},
};

const struct resource res_settlement_lines = {
    .name = "settlement_lines", .table = "settlement_lines", .label_zh = "结算明细", .label_en = "Settlement lines",
    .fields = line_fields, .nfields = sizeof line_fields / sizeof line_fields[0],
    .flags = R_SCOPED | R_NO_CREATE | R_NO_UPDATE | R_NO_DELETE | R_NO_SOFT | R_EXPORT, .default_sort = "settlement_id,id",
    .perm = "service_orders", .title_field = "elder_name",
};

/* ---- computing ---- */

/* The first instant of month m (+ add months) in Beijing time, as UTC text. */
static void month_start_utc(const char *m, int add, char out[32]) {
    struct tm tm = {0};
    tm.tm_year = atoi(m) - 1900;
    tm.tm_mon = atoi(m + 5) - 1 + add;
    tm.tm_mday = 1;
    time_t t = timegm(&tm) - 8 * 3600;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t minutes_between(const char *a, const char *b) {
    struct tm ta = {0}, tb = {0};
    if (!strptime(a, "%Y-%m-%dT%H:%M:%SZ", &ta) || !strptime(b, "%Y-%m-%dT%H:%M:%SZ", &tb)) return 0;
    return (int64_t)(timegm(&tb) - timegm(&ta)) / 60;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

struct line { int64_t visits, minutes, amount, subsidy, vouchers, self_pay; };

/* The split of one order (docs/ARCHITECTURE.md, "Settlement"). rem: what is left of the elder's
 * month: [0] subsidy fen, [1] subsidy minutes, [2] voucher fen. */
static struct line split(const char *unit, int64_t price, const char *kind, int64_t window_min, int64_t standard_min, int64_t rem[3]) {
    struct line l = {0};
    int hourly = unit && !strcmp(unit, "hour");
    int64_t used = hourly ? window_min : standard_min;      /* the time the order takes of subsidy hours */
    if (hourly) { l.minutes = window_min; l.amount = (price * window_min + 30) / 60; }
    else { l.visits = 1; l.amount = price; }
    if (kind && !strcmp(kind, "amount")) {
        l.subsidy = min64(l.amount, rem[0]);
        rem[0] -= l.subsidy;
    } else if (kind && !strcmp(kind, "hours") && used > 0) {
        int64_t covered = min64(used, rem[1]);
        l.subsidy = covered == used ? l.amount : l.amount * covered / used;
        rem[1] -= covered;
    }
    l.vouchers = min64(l.amount - l.subsidy, rem[2]);
    rem[2] -= l.vouchers;
    l.self_pay = l.amount - l.subsidy - l.vouchers;
    return l;
}

struct totals { int64_t orders, visits, minutes, amount, subsidy, vouchers, self_pay; };

static int compute_lines(req *r, json_t *st, struct totals *t) {
    int64_t sid = json_integer_value(json_object_get(st, "id")), prov = json_integer_value(json_object_get(st, "provider_id"));
    const char *month = json_string_value(json_object_get(st, "month"));
    const char *path = json_string_value(json_object_get(st, "_org_path"));
    int64_t org = json_integer_value(json_object_get(st, "_org_id"));
    char lo[32], hi[32], last[11], nextm[11];
    month_start_utc(month, 0, lo);
    month_start_utc(month, 1, hi);
    snprintf(nextm, sizeof nextm, "%.7s-01", month);
    date_add_months(nextm, 1, last);
    {   /* the month's last day: the entitlement in force then */
        struct tm tm = {0};
        strptime(last, "%Y-%m-%d", &tm);
        time_t x = timegm(&tm) - 86400;
        gmtime_r(&x, &tm);
        strftime(last, sizeof last, "%Y-%m-%d", &tm);
    }
    db_stmt *del = db_prepare(r->dbc, "DELETE FROM settlement_lines WHERE settlement_id = ?");
    if (!del) return -1;
    db_bind_int(del, 1, sid);
    int rc = db_step(del);
    db_done(del);
    if (rc != DB_DONE) return -1;
    /* every order followed up in the month of an elder this provider served in it, in that order */
    db_stmt *s = db_prepare(r->dbc,
        "SELECT o.id, o.elder_id, o.elder_name, o.service_item_id, o.provider_id, o.window_start, o.window_end, i.unit, i.price, "
        "i.subsidy_kind, i.standard_minutes, e.org_path, e.categories, o.status FROM service_orders o "
        "JOIN service_order_events ev ON ev.order_id = o.id AND ev.to_status = 'followed_up' "
        "JOIN service_items i ON i.id = o.service_item_id JOIN elders e ON e.id = o.elder_id "
        "WHERE ev.created_at >= ? AND ev.created_at < ? AND o.deleted_at IS NULL AND o.elder_id IN "
        "(SELECT o2.elder_id FROM service_orders o2 JOIN service_order_events e2 ON e2.order_id = o2.id AND e2.to_status = 'followed_up' "
        " WHERE o2.provider_id = ? AND e2.created_at >= ? AND e2.created_at < ?) ORDER BY o.elder_id, ev.created_at, ev.id");
    if (!s) return -1;
    db_bind_text(s, 1, lo, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_int(s, 3, prov);
    db_bind_text(s, 4, lo, -1);
    db_bind_text(s, 5, hi, -1);
    char now[32];
    now_utc_iso(now);
    int64_t elder = 0, rem[3] = {0, 0, 0};
    int step;
    rc = 0;
    while ((step = db_step(s)) == DB_ROW) {
        if (db_col_int(s, 1) != elder) {
            elder = db_col_int(s, 1);
            json_t *cats = json_array();
            char *c = arena_strdup(&r->a, db_col_text(s, 12) ? db_col_text(s, 12) : ""), *save = NULL;
            for (char *p = strtok_r(c, ",", &save); p; p = strtok_r(NULL, ",", &save)) json_array_append_new(cats, json_string(p));
            int64_t hours;
            rc = subsidy_entitlement_all(r, db_col_text(s, 11), cats, last, &rem[0], &hours, &rem[2]);
            json_decref(cats);
            if (rc) break;
            rem[1] = hours * 60;
        }
        struct line l = split(db_col_text(s, 7), db_col_int(s, 8), db_col_text(s, 9), minutes_between(db_col_text(s, 5), db_col_text(s, 6)),
                              db_col_int(s, 10), rem);
        /* another provider's, or one settled already (before settlements were kept): drew on the
         * entitlement only */
        if (db_col_int(s, 4) != prov || strcmp(db_col_text(s, 13), "followed_up")) continue;
        db_stmt *ins = db_prepare(r->dbc,
            "INSERT INTO settlement_lines (settlement_id, kind, order_id, elder_id, elder_name, service_item_id, unit, visits, minutes, "
            "price, amount, subsidy_amount, voucher_amount, self_pay_amount, provider_id, org_id, org_path, created_at, created_by, "
            "updated_at, updated_by) VALUES (?, 'order', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!ins) { rc = -1; break; }
        db_bind_int(ins, 1, sid);
        db_bind_int(ins, 2, db_col_int(s, 0));
        db_bind_int(ins, 3, elder);
        db_bind_text(ins, 4, db_col_text(s, 2), -1);
        db_bind_int(ins, 5, db_col_int(s, 3));
        db_bind_text(ins, 6, db_col_text(s, 7), -1);
        db_bind_int(ins, 7, l.visits);
        db_bind_int(ins, 8, l.minutes);
        db_bind_int(ins, 9, db_col_int(s, 8));
        db_bind_int(ins, 10, l.amount);
        db_bind_int(ins, 11, l.subsidy);
        db_bind_int(ins, 12, l.vouchers);
        db_bind_int(ins, 13, l.self_pay);
        db_bind_int(ins, 14, prov);
        db_bind_int(ins, 15, org);
        db_bind_text(ins, 16, path, -1);
        db_bind_text(ins, 17, now, -1);
        db_bind_int(ins, 18, r->who->user_id);
        db_bind_text(ins, 19, now, -1);
        db_bind_int(ins, 20, r->who->user_id);
        int irc = db_step(ins);
        db_done(ins);
        if (irc != DB_DONE) { rc = irc < 0 ? irc : -1; break; }
        t->orders++;
        t->visits += l.visits;
        t->minutes += l.minutes;
        t->amount += l.amount;
        t->subsidy += l.subsidy;
        t->vouchers += l.vouchers;
        t->self_pay += l.self_pay;
    }
    db_done(s);
    return rc ? rc : step == DB_DONE ? 0 : -1;
}

/* The settlement after a step, with an audit entry of the difference, as the answer. */
static int answer_changed(req *r, json_t *before, const char *action, const char *step) {
    int64_t id = json_integer_value(json_object_get(before, "id"));
    json_t *after = record_load(r, &res_settlements, id, 0);
    if (!after) return -1;
    json_t *diff = before ? audit_diff(before, after) : NULL;
    json_t *detail = json_pack("{s:o,s:s}", "diff", diff ? diff : json_object(), "step", step);
    int rc = audit_log(r, action, "settlements", id, json_string_value(json_object_get(after, "_org_path")),
                       json_string_value(json_object_get(after, "month")), detail);
    json_decref(detail);
    if (rc) { json_decref(after); return rc; }
    settlement_decorate(r, after, 1);
    return resp_data(r, 200, record_public(after));
}

static int compute_and_answer(req *r, json_t *st) {
    struct totals t = {0};
    int rc = compute_lines(r, st, &t);
    if (rc) return rc;
    char now[32];
    now_utc_iso(now);
    db_stmt *s = db_prepare(r->dbc, "UPDATE settlements SET order_count = ?, visits = ?, minutes = ?, total_amount = ?, subsidy_amount = ?, "
                                    "voucher_amount = ?, self_pay_amount = ?, computed_at = ?, computed_by = ?, version = version + 1, "
                                    "updated_at = ?, updated_by = ? WHERE id = ? AND status = 'draft'");
    if (!s) return -1;
    int64_t v[] = {t.orders, t.visits, t.minutes, t.amount, t.subsidy, t.vouchers, t.self_pay};
    for (int i = 0; i < 7; i++) db_bind_int(s, i + 1, v[i]);
    db_bind_text(s, 8, now, -1);
    db_bind_int(s, 9, r->who->user_id);
    db_bind_text(s, 10, now, -1);
    db_bind_int(s, 11, r->who->user_id);
    db_bind_int(s, 12, json_integer_value(json_object_get(st, "id")));
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return rc < 0 ? rc : -1;
    return answer_changed(r, st, "update", "compute");
}

int settlement_create(req *r) {
    json_t *in = req_json(r);
    if (!in) return 0;
    json_t *out = NULL, *errors = NULL, *codes = NULL;
    int rc = record_put(r, &res_settlements, 0, in, &out, &errors, &codes);
    if (rc == SAVE_INVALID) {
        int conflict = json_object_get(codes, "month") && !strcmp(json_string_value(json_object_get(codes, "month")), "settlement_exists");
        json_decref(out);
        if (conflict) {
            json_decref(errors);
            json_decref(codes);
            return resp_error(r, 409, "settlement_exists", "该机构该月已有结算，请重新计算或更正", "The provider's month has a settlement already");
        }
        rc = respond_validation(r, errors, codes);       /* which holds its own references */
        json_decref(errors);
        json_decref(codes);
        return rc;
    }
    json_decref(errors);
    json_decref(codes);
    if (rc || !out) { json_decref(out); return rc ? rc : -1; }
    json_t *st = record_load(r, &res_settlements, json_integer_value(json_object_get(out, "id")), 0);
    json_decref(out);
    if (!st) return -1;
    rc = compute_and_answer(r, st);
    if (!rc) r->status = 201;
    json_decref(st);
    return rc;
}

/* The settlement of the URL if the caller may handle it: NULL after answering. draft: refused once frozen. */
static json_t *settlement_for(req *r, int draft) {
    json_t *st = record_load(r, &res_settlements, req_param_id(r, 0), 0);
    if (!st) { resp_error(r, 404, "not_found", "记录不存在", "No such record"); return NULL; }
    if (!scope_allows_record(r->who, SETTLE_PERM, "settlements", st)) {
        json_decref(st);
        resp_error(r, 403, "forbidden", "没有权限办理此结算", "Not permitted to handle this settlement");
        return NULL;
    }
    if (draft && frozen(st)) {
        json_decref(st);
        resp_error(r, 409, "settlement_frozen", "结算已审核冻结，不能重新计算或再次审核", "The settlement is approved and frozen");
        return NULL;
    }
    return st;
}

int settlement_compute(req *r) {
    json_t *st = settlement_for(r, 1);
    if (!st) return 0;
    int rc = compute_and_answer(r, st);
    json_decref(st);
    return rc;
}

int settlement_approve(req *r) {
    json_t *st = settlement_for(r, 1);
    if (!st) return 0;
    int64_t id = json_integer_value(json_object_get(st, "id"));
    json_t *by = json_object_get(st, "computed_by");
    int rc = 0;
    if (!json_is_integer(by)) {
        rc = resp_error(r, 409, "settlement_not_computed", "尚未计算，不能审核", "Compute the settlement before approving it");
        goto out;
    }
    if (json_integer_value(by) == r->who->user_id) {
        rc = resp_error(r, 409, "same_person", "审核人不能是计算结算的人", "The approver must be someone other than who computed it");
        goto out;
    }
    /* orders followed up since the draft was computed would never be settled: compute again first */
    char lo[32], hi[32];
    const char *month = json_string_value(json_object_get(st, "month"));
    month_start_utc(month, 0, lo);
    month_start_utc(month, 1, hi);
    int64_t missed = 0;
    if (db_query_int(r->dbc, "SELECT count(*) FROM service_orders o JOIN service_order_events ev ON ev.order_id = o.id AND ev.to_status = "
                             "'followed_up' WHERE o.provider_id = ? AND o.status = 'followed_up' AND o.deleted_at IS NULL AND ev.created_at >= ? "
                             "AND ev.created_at < ? "
                             "AND NOT EXISTS (SELECT 1 FROM settlement_lines l WHERE l.settlement_id = ? AND l.order_id = o.id)",
                     &missed, "issi", (int64_t)json_integer_value(json_object_get(st, "provider_id")), lo, hi, id) < 0) { rc = -1; goto out; }
    if (missed) {
        rc = resp_error(r, 409, "settlement_stale", "计算后又有工单完成回访，请重新计算后再审核", "Orders were followed up since it was computed; compute again");
        goto out;
    }
    /* each order to settled through the flow's table */
    db_stmt *s = db_prepare(r->dbc, "SELECT order_id FROM settlement_lines WHERE settlement_id = ? AND kind = 'order' ORDER BY id");
    if (!s) { rc = -1; goto out; }
    db_bind_int(s, 1, id);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    while (db_step(s) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *nv = arena_alloc(&r->a, cap * sizeof *nv);
            if (n) memcpy(nv, ids, n * sizeof *nv);
            ids = nv;
        }
        ids[n++] = db_col_int(s, 0);
    }
    db_done(s);
    for (size_t i = 0; i < n; i++) {
        json_t *order = record_load(r, &res_service_orders, ids[i], 0);
        if (!order) { rc = resp_error(r, 409, "order_unavailable", "结算中的工单不可见或已删除", "An order of the settlement is gone"); goto out; }
        json_t *mv = json_pack("{s:s}", "to", "settled");
        rc = order_move(r, order, json_integer_value(json_object_get(order, "version")), mv);
        json_decref(mv);
        json_decref(order);
        if (rc || r->status >= 400) goto out;
    }
    char now[32];
    now_utc_iso(now);
    s = db_prepare(r->dbc, "UPDATE settlements SET status = 'approved', approved_at = ?, approved_by = ?, version = version + 1, "
                           "updated_at = ?, updated_by = ? WHERE id = ? AND status = 'draft'");
    if (!s) { rc = -1; goto out; }
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, r->who->user_id);
    db_bind_text(s, 3, now, -1);
    db_bind_int(s, 4, r->who->user_id);
    db_bind_int(s, 5, id);
    rc = db_step(s);
    db_done(s);
    rc = rc == DB_DONE ? answer_changed(r, st, "update", "approve") : rc < 0 ? rc : -1;
out:
    json_decref(st);
    return rc;
}

/* A 422 naming one field. */
static int bad(req *r, const char *field, const char *code, const char *zh, const char *en) {
    return resp_error_fields(r, 422, "validation_failed", zh, en, json_pack("{s:s}", field, r->lang_en ? en : zh), json_pack("{s:s}", field, code));
}

int settlement_correct(req *r) {
    json_t *st = settlement_for(r, 0);
    if (!st) return 0;
    int rc = 0;
    json_t *in = req_json(r);
    if (!in) goto out;
    if (!frozen(st)) {
        rc = resp_error(r, 409, "settlement_not_approved", "草稿结算请重新计算，审核后才能更正", "Recompute a draft; corrections are for approved settlements");
        goto out;
    }
    if (!json_is_object(in)) { rc = resp_error(r, 422, "validation_failed", "请求体应为对象", "The body must be an object"); goto out; }
    static const char *const known[] = {"line_id", "subsidy_delta", "voucher_delta", "self_pay_delta", "reason"};
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v) {
        int ok = 0;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) if (!strcmp(k, known[i])) ok = 1;
        if (!ok) { rc = bad(r, k, "unknown_field", "不认识的字段", "Unknown field"); goto out; }
    }
    int64_t d[3];
    for (int i = 0; i < 3; i++) {
        json_t *x = json_object_get(in, known[i + 1]);
        if (x && !json_is_integer(x)) { rc = bad(r, known[i + 1], "wrong_type", "更正金额应为整数（分）", "Deltas are integers (fen)"); goto out; }
        d[i] = json_integer_value(x);
        if (d[i] > 100000000 || d[i] < -100000000) { rc = bad(r, known[i + 1], "out_of_range", "更正金额超出范围", "Delta out of range"); goto out; }
    }
    if (!d[0] && !d[1] && !d[2]) { rc = bad(r, "subsidy_delta", "required", "请填写至少一项更正金额", "Give at least one non-zero delta"); goto out; }
    const char *reason = json_string_value(json_object_get(in, "reason"));
    while (reason && *reason == ' ') reason++;
    if (!reason || !*reason || strlen(reason) > 1500) { rc = bad(r, "reason", "required", "请填写更正原因", "A reason is required"); goto out; }
    json_t *jl = json_object_get(in, "line_id");
    if (!json_is_integer(jl)) { rc = bad(r, "line_id", "required", "请指定被更正的结算明细", "Name the line corrected"); goto out; }
    int64_t sid = json_integer_value(json_object_get(st, "id"));
    char now[32];
    now_utc_iso(now);
    db_stmt *s = db_prepare(r->dbc,
        "INSERT INTO settlement_lines (settlement_id, kind, order_id, corrects_line_id, elder_id, elder_name, service_item_id, unit, "
        "visits, minutes, price, amount, subsidy_amount, voucher_amount, self_pay_amount, reason, provider_id, org_id, org_path, "
        "district_code, created_at, created_by, updated_at, updated_by) "
        "SELECT settlement_id, 'correction', order_id, id, elder_id, elder_name, service_item_id, unit, 0, 0, 0, ?, ?, ?, ?, ?, "
        "provider_id, org_id, org_path, district_code, ?, ?, ?, ? FROM settlement_lines WHERE id = ? AND settlement_id = ? AND kind = 'order'");
    if (!s) { rc = -1; goto out; }
    db_bind_int(s, 1, d[0] + d[1] + d[2]);
    db_bind_int(s, 2, d[0]);
    db_bind_int(s, 3, d[1]);
    db_bind_int(s, 4, d[2]);
    db_bind_text(s, 5, reason, -1);
    db_bind_text(s, 6, now, -1);
    db_bind_int(s, 7, r->who->user_id);
    db_bind_text(s, 8, now, -1);
    db_bind_int(s, 9, r->who->user_id);
    db_bind_int(s, 10, json_integer_value(jl));
    db_bind_int(s, 11, sid);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { rc = rc < 0 ? rc : -1; goto out; }
    rc = 0;
    if (db_changes(r->dbc) == 0) { rc = bad(r, "line_id", "unknown_reference", "该结算没有这条工单明细", "No such order line in this settlement"); goto out; }
    int64_t lid = db_last_insert_id(r->dbc);
    json_t *detail = json_pack("{s:I,s:I,s:I,s:I,s:s}", "line_id", (json_int_t)lid, "corrects_line_id", (json_int_t)json_integer_value(jl),
                               "subsidy_delta", (json_int_t)d[0], "voucher_delta", (json_int_t)d[1], "reason", reason);
    json_object_set_new(detail, "self_pay_delta", json_integer(d[2]));
    rc = audit_log(r, "update", "settlements", sid, json_string_value(json_object_get(st, "_org_path")),
                   json_string_value(json_object_get(st, "month")), detail);
    json_decref(detail);
    if (rc) goto out;
    json_t *line = record_load(r, &res_settlement_lines, lid, 0);
    if (!line) { rc = -1; goto out; }
    rc = resp_data(r, 201, record_public(line));
out:
    json_decref(st);
    return rc;
}
