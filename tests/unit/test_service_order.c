/* test_service_order.c: the pure parts of providers, caregivers and orders - the scopes of a
 * provider's people as scope.c writes them (per table, the value bound, nothing for tables they
 * hold nothing of), the unified social credit code's check character, weekly hours against a
 * requested window in Beijing time, and the great-circle distance. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "provider.h"
#include "scope.h"
#include "service_order.h"

static principal party(enum scope_kind k, const char *perm) {
    principal p;
    memset(&p, 0, sizeof p);
    p.user_id = 7;
    p.provider_id = 3;
    p.caregiver_id = 11;
    p.grants[0].perm = perm;
    p.grants[0].scope = k;
    p.ngrants = 1;
    return p;
}

static void test_party_scope_sql(void **state) {
    (void)state;
    arena a;
    arena_init(&a);
    sqlb q;
    principal p = party(SCOPE_PROVIDER, "service_orders.read");
    sqlb_init(&q, &a);
    assert_int_equal(scope_restrict_table(&q, &p, "service_orders.read", "service_orders", "t"), 0);
    assert_string_equal(sqlb_text(&q), " AND t.provider_id = ?");
    assert_int_equal(q.n, 1);
    assert_int_equal(q.vals[0].i, 3);
    p = party(SCOPE_CAREGIVER, "service_orders.read");
    sqlb_init(&q, &a);
    scope_restrict_table(&q, &p, "service_orders.read", "service_orders", "x");
    assert_string_equal(sqlb_text(&q), " AND x.caregiver_id = ?");
    assert_int_equal(q.vals[0].i, 11);
    /* an elder through the orders, the value bound in the middle of the predicate */
    p = party(SCOPE_PROVIDER, "elders.read");
    sqlb_init(&q, &a);
    scope_restrict_table(&q, &p, "elders.read", "elders", "t");
    assert_non_null(strstr(sqlb_text(&q), "so.elder_id = t.id AND so.provider_id = ? AND so.deleted_at IS NULL)"));
    assert_int_equal(q.n, 1);
    assert_string_equal(scope_reads(&p, "elders.read", "elders"), "service_orders");
    assert_null(scope_reads(&p, "elders.read", "service_orders"));
    /* a table they hold nothing of, or no table named (the old entry points): nothing */
    sqlb_init(&q, &a);
    scope_restrict_table(&q, &p, "elders.read", "assessments", "t");
    assert_string_equal(sqlb_text(&q), " AND 0=1");
    sqlb_init(&q, &a);
    scope_restrict(&q, &p, "elders.read", "t");
    assert_string_equal(sqlb_text(&q), " AND 0=1");
    /* an account not bound to a provider sees nothing */
    p.provider_id = 0;
    sqlb_init(&q, &a);
    scope_restrict_table(&q, &p, "elders.read", "elders", "t");
    assert_string_equal(sqlb_text(&q), " AND 0=1");
    arena_free(&a);
}

static void test_party_allows_record(void **state) {
    (void)state;
    principal p = party(SCOPE_PROVIDER, "service_orders.dispatch");
    json_t *mine = json_pack("{s:i,s:i,s:s,s:i}", "provider_id", 3, "caregiver_id", 11, "_org_path", "/1/5/", "_org_id", 5);
    json_t *theirs = json_pack("{s:i,s:i,s:s,s:i}", "provider_id", 4, "caregiver_id", 12, "_org_path", "/1/5/", "_org_id", 5);
    assert_true(scope_allows_record(&p, "service_orders.dispatch", "service_orders", mine));
    assert_false(scope_allows_record(&p, "service_orders.dispatch", "service_orders", theirs));
    assert_false(scope_allows_record(&p, "service_orders.serve", "service_orders", mine));
    assert_false(scope_allows_record(&p, "service_orders.dispatch", "elders", mine));
    p = party(SCOPE_CAREGIVER, "service_orders.serve");
    assert_true(scope_allows_record(&p, "service_orders.serve", "service_orders", mine));
    assert_false(scope_allows_record(&p, "service_orders.serve", "service_orders", theirs));
    /* unit scopes read the record's unit as before */
    principal s = party(SCOPE_SUBTREE, "service_orders.intake");
    snprintf(s.org_path, sizeof s.org_path, "/1/5/");
    assert_true(scope_allows_record(&s, "service_orders.intake", "service_orders", theirs));
    json_decref(mine);
    json_decref(theirs);
}

static void test_credit_code(void **state) {
    (void)state;
    assert_true(credit_code_valid("91350100M000100Y43"));       /* published example */
    assert_false(credit_code_valid("91350100M000100Y44"));
    assert_false(credit_code_valid("91350100M000100Y4"));
    assert_false(credit_code_valid("91350100M000100I43"));      /* I is not in the alphabet */
    assert_false(credit_code_valid(NULL));
}

static void test_availability(void **state) {
    (void)state;
    json_t *a = json_pack("{s:[s,s],s:[s]}", "mon", "08:00-12:00", "14:00-18:00", "sun", "00:00-24:00");
    assert_null(availability_problem(a, 0));
    /* 2026-11-23 is a Monday: 01:00Z is 09:00 in Beijing */
    assert_true(availability_covers(a, "2026-11-23T01:00:00Z", "2026-11-23T02:00:00Z"));
    assert_true(availability_covers(a, "2026-11-23T00:00:00Z", "2026-11-23T04:00:00Z"));   /* 08:00-12:00 exactly */
    assert_false(availability_covers(a, "2026-11-23T03:30:00Z", "2026-11-23T06:30:00Z"));  /* across lunch */
    assert_false(availability_covers(a, "2026-11-24T01:00:00Z", "2026-11-24T02:00:00Z"));  /* Tuesday */
    /* Sunday 23:00 in Beijing is Sunday 15:00Z */
    assert_true(availability_covers(a, "2026-11-22T15:00:00Z", "2026-11-22T15:30:00Z"));
    /* 2026-11-22T17:00Z is already Monday 01:00 in Beijing, before the Monday hours */
    assert_false(availability_covers(a, "2026-11-22T17:00:00Z", "2026-11-22T18:00:00Z"));
    assert_false(availability_covers(a, "garbage", "2026-11-23T02:00:00Z"));
    json_t *bad = json_pack("{s:[s]}", "mon", "12:00-08:00");
    assert_non_null(availability_problem(bad, 1));
    json_decref(bad);
    bad = json_pack("{s:[s]}", "monday", "08:00-12:00");
    assert_non_null(availability_problem(bad, 0));
    json_decref(bad);
    json_decref(a);
}

static void test_distance(void **state) {
    (void)state;
    assert_true(geo_distance_m(34800000, 113680000, 34800000, 113680000) < 0.001);
    /* 0.1 degree of latitude: 11.12 km on the mean sphere */
    double d = geo_distance_m(34800000, 113680000, 34900000, 113680000);
    assert_true(d > 11110 && d < 11125);
    /* Zhengzhou to Beijing, about 620 km */
    d = geo_distance_m(34746600, 113625300, 39904200, 116407400);
    assert_true(d > 610000 && d < 630000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_party_scope_sql), cmocka_unit_test(test_party_allows_record), cmocka_unit_test(test_credit_code),
        cmocka_unit_test(test_availability), cmocka_unit_test(test_distance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
