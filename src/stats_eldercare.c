/* stats_eldercare.c: GET /api/v1/stats/eldercare?org_id= - the eldercare figures of issue 5 point 11
 * for a unit and everything below it, counted from the records, never typed: day-care centres
 * (日间照料中心 and 托老站), nursing homes (敬老院), private institutions (民办养老机构) in operation,
 * the elders living in the nursing homes and private institutions (active placements), the elders
 * enrolled in day care, and the elders enrolled for home care. Each figure is one row of `figures`
 * below: a COUNT over one table (alias t, with its org_path) that the caller's elders.read scope
 * narrows to the unit exactly as a list's ?org_id= does, so each number matches the list that
 * shows it. A new figure is one more row.
 *
 * Served at home (the article's 189 households and 298 elders): an elder is served who has at least
 * one order not cancelled whose window starts in the last 12 months (or later: booked), whatever
 * the elder's status now; a household is served when one of its current members is. Caregivers on
 * duty are those of status on_duty, filed where their provider is. */
#include "institution.h"
#include "resource.h"
#include "org.h"
#include "scope.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct figure {
    const char *name;
    const char *sql;            /* SELECT count(...) FROM <table> t ... WHERE ...; scope is appended */
    const char *since;          /* when set: the date 12 months ago is bound after sql, then this follows */
};

/* Elders with an order not cancelled in the last 12 months: sql ends where the date goes. */
#define SERVED "t.deleted_at IS NULL AND t.id IN (SELECT o.elder_id FROM service_orders o WHERE o.deleted_at IS NULL " \
    "AND o.status <> 'cancelled' AND o.window_start >= "

static const struct figure figures[] = {
    {"day_care_centres", "SELECT count(*) FROM institutions t WHERE t.deleted_at IS NULL AND t.status <> 'closed' "
                         "AND t.kind IN ('day_care', 'care_station')"},
    {"nursing_homes", "SELECT count(*) FROM institutions t WHERE t.deleted_at IS NULL AND t.status <> 'closed' "
                      "AND t.kind = 'nursing_home'"},
    {"private_institutions", "SELECT count(*) FROM institutions t WHERE t.deleted_at IS NULL AND t.status <> 'closed' "
                             "AND t.kind = 'private'"},
    {"institution_residents", "SELECT count(*) FROM placements t JOIN institutions i ON i.id = t.institution_id "
                              "WHERE t.deleted_at IS NULL AND t.ended_on IS NULL AND i.kind IN ('nursing_home', 'private')"},
    {"day_care_enrolled", "SELECT count(*) FROM placements t JOIN institutions i ON i.id = t.institution_id "
                          "WHERE t.deleted_at IS NULL AND t.ended_on IS NULL AND i.kind IN ('day_care', 'care_station')"},
    {"elders", "SELECT count(*) FROM elders t WHERE t.deleted_at IS NULL AND t.status = 'active'"},
    {"elders_served", "SELECT count(*) FROM elders t WHERE " SERVED, ")"},
    {"households_served", "SELECT count(DISTINCT m.household_id) FROM elders t JOIN household_members m ON m.person_id = t.person_id "
                          "AND m.end_date IS NULL AND m.deleted_at IS NULL WHERE " SERVED, ")"},
    {"caregivers_on_duty", "SELECT count(*) FROM caregivers t WHERE t.deleted_at IS NULL AND t.status = 'on_duty'"},
};

int api_stats_eldercare(req *r) {
    int64_t id = r->who->org_id;
    const char *arg = req_query(r, "org_id");
    if (arg) {
        char *end;
        errno = 0;
        long long v = *arg ? strtoll(arg, &end, 10) : 0;
        if (!*arg || *end || errno)
            return resp_error_fields(r, 400, "invalid_filter", "查询条件有误", "Invalid query parameter",
                                     json_pack("{s:s}", "org_id", r->lang_en ? "Unit id must be an integer" : "组织单位编号应为整数"),
                                     json_pack("{s:s}", "org_id", "invalid_filter"));
        id = v;
    }
    /* a unit the caller cannot see does not exist for them, as GET /org_units/N answers */
    struct org_info u;
    int rc = org_lookup_memo(r, id, &u);
    if (rc < 0) return rc;
    if (rc || !scope_allows(r->who, "org_units.read", u.path, u.id, 0))
        return resp_error(r, 404, "not_found", "组织单位不存在", "No such unit");
    char today[11], year_ago[11];
    today_cn(today);
    date_add_months(today, -12, year_ago);
    json_t *out = json_pack("{s:I,s:s,s:s,s:s}", "org_id", (json_int_t)u.id, "org_name", u.name, "level", u.level, "as_of", today);
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        sqlb q;
        sqlb_init(&q, &r->a);
        sqlb_sql(&q, figures[i].sql);
        if (figures[i].since) {
            sqlb_val(&q, sv_text(year_ago));
            sqlb_sql(&q, figures[i].since);
        }
        scope_restrict_within(&q, r->who, "elders.read", "t", u.path);
        db_stmt *s = sqlb_prepare(&q, r->dbc);
        if (!s) { json_decref(out); return -1; }
        rc = db_step(s);
        int64_t n = rc == DB_ROW ? db_col_int(s, 0) : 0;
        db_done(s);
        if (rc != DB_ROW) { json_decref(out); return rc < 0 ? rc : -1; }
        json_object_set_new(out, figures[i].name, json_integer(n));
    }
    return resp_data(r, 200, out);
}
