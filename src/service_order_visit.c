/* service_order_visit.c: a caregiver's visit to an elder's home (issue 5 point 5), checked in and
 * out on its order by scanning the QR code printed for the home (qr.c):
 *
 *   POST /api/v1/service_orders/{id}/check_in   {"qr": "<token scanned>", "lat_e6": ..., "lng_e6": ..., "at": optional}
 *   POST /api/v1/service_orders/{id}/check_out  the same
 *
 * Only the order's own caregiver checks in, and only with this elder's code (422 otherwise). The
 * check-in moves the order 已接单 -> 服务中 and the check-out 服务中 -> 已完成 through the flow table
 * (order_move: its permissions, history and audit; this file adds none of its own). Time, place and
 * distance from the home (great-circle) are recorded on the order; the check-out gives the actual
 * duration. Doubtful visits are flagged, not refused - a caregiver standing at the door with a bad
 * GPS fix still serves the elder - and the flags show on the order (visit_flags, flagged, filter
 * ?flagged=1) and in the history's reason: more than 200 m from the home, or the same caregiver in
 * another visit at the same time (two places at once). */
#include "service_order.h"
#include "crud_internal.h"
#include "dict.h"
#include "qr.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAR_METRES 200
#define FUTURE_SLACK 300        /* seconds a phone's clock may run ahead */

static int bad(req *r, const char *field, const char *code, const char *zh, const char *en) {
    return resp_error_fields(r, 422, "validation_failed", zh, en, json_pack("{s:s}", field, r->lang_en ? en : zh),
                             json_pack("{s:s}", field, code));
}

/* YYYY-MM-DDTHH:MM:SSZ as seconds since the epoch, or -1. */
static time_t parse_utc(const char *s) {
    struct tm tm = {0};
    if (!s || strlen(s) != 20) return -1;
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end) return -1;
    time_t t = timegm(&tm);
    char back[32];
    strftime(back, sizeof back, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    return strcmp(back, s) ? -1 : t;           /* 02-30 and 25:00 are not times */
}

/* The point the visit is measured from: the elder's home, else the order's place. 1 found, 0 none, <0. */
static int home_of(req *r, json_t *order, int64_t *lat, int64_t *lng) {
    db_stmt *s = db_prepare(r->dbc, "SELECT home_lat_e6, home_lng_e6 FROM elders WHERE id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, json_integer_value(json_object_get(order, "elder_id")));
    int rc = db_step(s), found = rc == DB_ROW && db_col_type(s, 0) != DBT_NULL && db_col_type(s, 1) != DBT_NULL;
    if (found) { *lat = db_col_int(s, 0); *lng = db_col_int(s, 1); }
    db_done(s);
    if (rc != DB_ROW && rc != DB_DONE) return -1;
    if (found) return 1;
    json_t *a = json_object_get(order, "lat_e6"), *b = json_object_get(order, "lng_e6");
    if (!json_is_integer(a) || !json_is_integer(b)) return 0;
    *lat = json_integer_value(a);
    *lng = json_integer_value(b);
    return 1;
}

/* Other visits of the caregiver that overlap [from, to] (to NULL: the instant `from`): checked in
 * and either checked out after `from` or still in service. */
static int other_visits(req *r, int64_t caregiver, int64_t self, const char *from, const char *to, int64_t *n) {
    return db_query_int(r->dbc,
        "SELECT count(*) FROM service_orders WHERE caregiver_id = ? AND id <> ? AND deleted_at IS NULL AND check_in_at IS NOT NULL "
        "AND check_in_at <= ? AND ((check_out_at IS NOT NULL AND check_out_at > ?) OR (check_out_at IS NULL AND status = 'in_service'))",
        n, "iiss", caregiver, self, to ? to : from, from);
}

static int visit(req *r, int in) {
    int64_t id = req_param_id(r, 0);
    json_t *order = record_load(r, &res_service_orders, id, 0);
    if (!order) return resp_error(r, 404, "not_found", "记录不存在", "No such record");
    int rc = 0;
    json_t *body = req_json(r);
    if (!body) goto out;
    if (!json_is_object(body)) { rc = resp_error(r, 422, "validation_failed", "请求体应为对象", "The body must be an object"); goto out; }
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
        if (strcmp(k, "qr") && strcmp(k, "lat_e6") && strcmp(k, "lng_e6") && strcmp(k, "at")) {
            rc = bad(r, k, "unknown_field", "不认识的字段", "Unknown field");
            goto out;
        }
    int64_t cg = json_integer_value(json_object_get(order, "caregiver_id"));
    if (!r->who->caregiver_id || r->who->caregiver_id != cg) {
        rc = resp_error(r, 403, "not_order_caregiver", "只有接单的护理员本人可以扫码签到签退",
                        "Only the order's own caregiver checks visits in and out");
        goto out;
    }
    json_t *jlat = json_object_get(body, "lat_e6"), *jlng = json_object_get(body, "lng_e6");
    if (!json_is_integer(jlat) || llabs(json_integer_value(jlat)) > 90000000) {
        rc = bad(r, "lat_e6", "required", "请提供定位纬度（百万分之一度）", "lat_e6 (micro-degrees) is required");
        goto out;
    }
    if (!json_is_integer(jlng) || llabs(json_integer_value(jlng)) > 180000000) {
        rc = bad(r, "lng_e6", "required", "请提供定位经度（百万分之一度）", "lng_e6 (micro-degrees) is required");
        goto out;
    }
    time_t now = time(NULL), at = now;
    json_t *jat = json_object_get(body, "at");
    if (jat && !json_is_null(jat)) {
        if (!json_is_string(jat) || (at = parse_utc(json_string_value(jat))) < 0) {
            rc = bad(r, "at", "invalid_datetime", "时间格式应为 YYYY-MM-DDTHH:MM:SSZ", "at must be YYYY-MM-DDTHH:MM:SSZ");
            goto out;
        }
        if (at > now + FUTURE_SLACK) { rc = bad(r, "at", "date_future", "签到时间不能晚于现在", "at cannot be in the future"); goto out; }
    }
    json_t *jqr = json_object_get(body, "qr");
    if (!json_is_string(jqr) || !*json_string_value(jqr)) {
        rc = bad(r, "qr", "required", "请扫描老人家中的签到码", "Scan the code at the elder's home");
        goto out;
    }
    int ok = qr_home_token_check(r, json_string_value(jqr), json_integer_value(json_object_get(order, "elder_id")));
    if (ok < 0) { rc = ok; goto out; }
    if (!ok) {
        rc = bad(r, "qr", "qr_not_this_home", "签到码不是该工单老人家的", "The code is not the one of this order's elder's home");
        goto out;
    }
    char at_s[32];
    struct tm tm;
    strftime(at_s, sizeof at_s, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&at, &tm));
    const char *checked_in = json_string_value(json_object_get(order, "check_in_at"));
    if (!in && checked_in && strcmp(at_s, checked_in) < 0) {
        rc = bad(r, "at", "before_check_in", "签退时间不能早于签到时间", "Check-out cannot precede check-in");
        goto out;
    }

    /* how far from the home, and whether the caregiver is somewhere else at the same time */
    int64_t lat = json_integer_value(jlat), lng = json_integer_value(jlng), hlat = 0, hlng = 0, overlaps = 0;
    int has_home = home_of(r, order, &hlat, &hlng);
    if (has_home < 0) { rc = -1; goto out; }
    long dist = has_home ? (long)(geo_distance_m(lat, lng, hlat, hlng) + 0.5) : -1;
    if (other_visits(r, cg, id, in ? at_s : (checked_in ? checked_in : at_s), in ? NULL : at_s, &overlaps) < 0) { rc = -1; goto out; }
    json_t *flags = json_object_get(order, "visit_flags");
    flags = json_is_array(flags) ? json_deep_copy(flags) : json_array();
    char reason[400];
    int n = snprintf(reason, sizeof reason, "%s", in ? "扫码签到" : "扫码签退");
    if (dist >= 0) n += snprintf(reason + n, sizeof reason - (size_t)n, "，距老人家 %ld 米", dist);
    if (dist > FAR_METRES) {
        json_array_append_new(flags, json_string(in ? "far_check_in" : "far_check_out"));
        n += snprintf(reason + n, sizeof reason - (size_t)n, "（超过%d米）", FAR_METRES);
    }
    if (overlaps) {
        int seen = 0;
        size_t i;
        json_array_foreach(flags, i, v) if (!strcmp(json_string_value(v), "two_places")) seen = 1;
        if (!seen) json_array_append_new(flags, json_string("two_places"));
        n += snprintf(reason + n, sizeof reason - (size_t)n, "；同一时间另有 %lld 单在服务中", (long long)overlaps);
    }

    /* the move itself is the flow's */
    json_t *move = json_pack("{s:s,s:s}", "to", in ? "in_service" : "completed", "reason", reason);
    rc = order_move(r, order, json_integer_value(json_object_get(order, "version")), move);
    json_decref(move);
    if (rc || r->status >= 400) { json_decref(flags); goto out; }

    sbuf fl;
    sbuf_init(&fl, &r->a);
    size_t i;
    json_array_foreach(flags, i, v) { if (fl.len) sbuf_puts(&fl, ","); sbuf_puts(&fl, json_string_value(v)); }
    int flagged = json_array_size(flags) > 0;
    json_decref(flags);
    long minutes = -1;
    if (!in && checked_in) minutes = (long)((at - parse_utc(checked_in) + 30) / 60);
    db_stmt *s = db_prepare(r->dbc, in
        ? "UPDATE service_orders SET check_in_at = ?, check_in_lat_e6 = ?, check_in_lng_e6 = ?, check_in_distance_m = ?, "
          "visit_flags = ?, flagged = ? WHERE id = ?"
        : "UPDATE service_orders SET check_out_at = ?, check_out_lat_e6 = ?, check_out_lng_e6 = ?, check_out_distance_m = ?, "
          "visit_flags = ?, flagged = ?, actual_minutes = ? WHERE id = ?");
    if (!s) { rc = -1; goto out; }
    db_bind_text(s, 1, at_s, -1);
    db_bind_int(s, 2, lat);
    db_bind_int(s, 3, lng);
    if (dist >= 0) db_bind_int(s, 4, dist); else db_bind_null(s, 4);
    if (fl.len) db_bind_text(s, 5, sbuf_str(&fl), -1); else db_bind_null(s, 5);
    db_bind_int(s, 6, flagged);
    if (in) {
        db_bind_int(s, 7, id);
    } else {
        if (minutes >= 0) db_bind_int(s, 7, minutes); else db_bind_null(s, 7);
        db_bind_int(s, 8, id);
    }
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { rc = rc < 0 ? rc : -1; goto out; }
    rc = 0;
    json_t *now_rec = record_load(r, &res_service_orders, id, 0);
    if (!now_rec) { rc = -1; goto out; }
    json_object_set_new(now_rec, "next_states", order_next_states(r, now_rec));
    resp_header(r, "ETag", arena_printf(&r->a, "\"%lld\"", (long long)json_integer_value(json_object_get(now_rec, "version"))));
    rc = resp_data(r, 200, record_public(now_rec));
out:
    json_decref(order);
    return rc;
}

int service_order_check_in(req *r) { return visit(r, 1); }
int service_order_check_out(req *r) { return visit(r, 0); }
