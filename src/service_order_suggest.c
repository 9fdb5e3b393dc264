/* service_order_suggest.c: whom to dispatch an order to (manual dispatch with suggestions).
 * GET /api/v1/service_orders/{id}/suggestions lists the on-duty caregivers the caller may dispatch
 * to (the order's provider's, when it has one), each with what the ranking read: whether they
 * have the skill the service needs, whether the requested window lies in their weekly hours and
 * clashes with none of their open orders, the great-circle distance from their home to the place
 * of service, and their load (orders dispatched, taken or in service). Ranked by skill, then
 * availability, then a cost of the distance in km plus 2 km for each open order (an unknown
 * distance counts 50 km): near and idle first. The operator chooses; nothing is assigned here. */
#include "service_order.h"
#include "provider.h"
#include "scope.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOAD_KM 2.0            /* an open order weighs like this much more distance */
#define UNKNOWN_KM 50.0        /* a caregiver without a home location, or an order without a place */

double geo_distance_m(int64_t lat1_e6, int64_t lng1_e6, int64_t lat2_e6, int64_t lng2_e6) {
    const double R = 6371008.8, rad = M_PI / 180.0 / 1e6;
    double p1 = (double)lat1_e6 * rad, p2 = (double)lat2_e6 * rad;
    double dp = p2 - p1, dl = (double)(lng2_e6 - lng1_e6) * rad;
    double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    return 2 * R * atan2(sqrt(a), sqrt(1 - a));
}

struct cand { json_t *o; int skill, available; double cost; };

static int by_rank(const void *a, const void *b) {
    const struct cand *x = a, *y = b;
    if (x->skill != y->skill) return y->skill - x->skill;
    if (x->available != y->available) return y->available - x->available;
    return x->cost < y->cost ? -1 : x->cost > y->cost ? 1 : 0;
}

static int has_tag(const char *list, const char *tag) {
    size_t n = strlen(tag);
    for (const char *p = list; p && (p = strstr(p, tag)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n])) return 1;
    return 0;
}

int service_order_suggestions(req *r) {
    int64_t id = req_param_id(r, 0);
    json_t *order = record_load(r, &res_service_orders, id, 0);
    if (!order) return resp_error(r, 404, "not_found", "记录不存在", "No such record");
    int rc = 0;
    struct cand *c = NULL;
    int n = 0, cap = 0;
    if (!scope_allows_record(r->who, "service_orders.dispatch", "service_orders", order)) {
        rc = resp_error(r, 403, "forbidden", "没有权限为此工单派单", "Not permitted to dispatch this order");
        goto out;
    }
    int64_t limit = 10;
    const char *l = req_query(r, "limit");
    if (l) {
        char *end;
        limit = strtoll(l, &end, 10);
        if (*end || limit < 1 || limit > 50) {
            rc = resp_error_fields(r, 400, "invalid_filter", "limit 应为 1 到 50 的整数", "limit must be an integer from 1 to 50",
                                   json_pack("{s:s}", "limit", r->lang_en ? "1 to 50" : "1 到 50"), json_pack("{s:s}", "limit", "invalid_filter"));
            goto out;
        }
    }
    const char *start = json_string_value(json_object_get(order, "window_start"));
    const char *end = json_string_value(json_object_get(order, "window_end"));
    json_t *olat = json_object_get(order, "lat_e6"), *olng = json_object_get(order, "lng_e6");
    int64_t provider = json_integer_value(json_object_get(order, "provider_id"));
    char skill[64] = "";
    {
        db_stmt *s = db_prepare(r->dbc, "SELECT required_skill FROM service_items WHERE id = ?");
        if (!s) { rc = -1; goto out; }
        db_bind_int(s, 1, json_integer_value(json_object_get(order, "service_item_id")));
        if (db_step(s) == DB_ROW && db_col_text(s, 0)) snprintf(skill, sizeof skill, "%s", db_col_text(s, 0));
        db_done(s);
    }
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, "SELECT t.id, t.name, t.provider_id, t.skills, t.home_lat_e6, t.home_lng_e6, t.availability, t.cert_level, "
                 "(SELECT count(*) FROM service_orders o WHERE o.caregiver_id = t.id AND o.deleted_at IS NULL "
                 "AND o.status IN ('dispatched', 'taken', 'in_service')), "
                 "(SELECT count(*) FROM service_orders o WHERE o.caregiver_id = t.id AND o.deleted_at IS NULL "
                 "AND o.status IN ('dispatched', 'taken', 'in_service') AND o.window_start < ");
    sqlb_val(&q, sv_text(end));
    sqlb_sql(&q, " AND o.window_end > ");
    sqlb_val(&q, sv_text(start));
    sqlb_sql(&q, " AND o.id <> ");
    sqlb_val(&q, sv_int(id));
    sqlb_sql(&q, ") FROM caregivers t JOIN providers p ON p.id = t.provider_id AND p.status = 'active' AND p.deleted_at IS NULL "
                 "WHERE t.deleted_at IS NULL AND t.status = 'on_duty'");
    if (provider > 0) { sqlb_sql(&q, " AND t.provider_id = "); sqlb_val(&q, sv_int(provider)); }
    scope_restrict_table(&q, r->who, "caregivers.read", "caregivers", "t");
    sqlb_sql(&q, " ORDER BY t.id LIMIT 2000");
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) { rc = -1; goto out; }
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) { cap = cap ? cap * 2 : 64; c = realloc(c, sizeof *c * (size_t)cap); }
        const char *skills = db_col_text(s, 3);
        int skill_match = !*skill || has_tag(skills, skill);
        json_t *av = db_col_text(s, 6) ? json_loads(db_col_text(s, 6), 0, NULL) : NULL;
        int in_hours = availability_covers(av, start, end);
        json_decref(av);
        int64_t load = db_col_int(s, 8), clashes = db_col_int(s, 9);
        json_t *dist = json_null();
        double km = UNKNOWN_KM;
        if (json_is_integer(olat) && json_is_integer(olng) && db_col_type(s, 4) != DBT_NULL && db_col_type(s, 5) != DBT_NULL) {
            double m = geo_distance_m(db_col_int(s, 4), db_col_int(s, 5), json_integer_value(olat), json_integer_value(olng));
            dist = json_integer((json_int_t)llround(m));
            km = m / 1000.0;
        }
        c[n].skill = skill_match;
        c[n].available = in_hours && !clashes;
        c[n].cost = km + LOAD_KM * (double)load;
        c[n].o = json_pack("{s:I,s:s,s:I,s:s?,s:b,s:b,s:b,s:I,s:I,s:o,s:f}", "caregiver_id", (json_int_t)db_col_int(s, 0),
                           "name", db_col_text(s, 1), "provider_id", (json_int_t)db_col_int(s, 2), "cert_level", db_col_text(s, 7),
                           "skill_match", skill_match, "in_hours", in_hours, "available", c[n].available,
                           "clashes", (json_int_t)clashes, "load", (json_int_t)load, "distance_m", dist, "cost", c[n].cost);
        n++;
    }
    db_done(s);
    if (rc < 0) goto out;
    rc = 0;
    qsort(c, (size_t)n, sizeof *c, by_rank);
    json_t *data = json_array();
    for (int i = 0; i < n; i++) {
        if (i < limit) {
            json_object_set_new(c[i].o, "rank", json_integer(i + 1));
            json_array_append(data, c[i].o);
        }
    }
    rc = resp_json(r, 200, json_pack("{s:o,s:{s:I,s:s?,s:I}}", "data", data, "meta", "total", (json_int_t)n, "required_skill",
                                     *skill ? skill : NULL, "order_id", (json_int_t)id));
out:
    for (int i = 0; i < n; i++) json_decref(c[i].o);
    free(c);
    json_decref(order);
    return rc;
}
