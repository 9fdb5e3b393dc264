/* test_scope.c: the one function that turns a caller's roles into SQL - every scope kind, the
 * subtree range bounds, and a caller without the permission. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "scope.h"

static principal make(enum scope_kind k, const char *perm) {
    principal p;
    memset(&p, 0, sizeof p);
    p.user_id = 7;
    p.org_id = 23;
    snprintf(p.org_path, sizeof p.org_path, "/1/5/23/");
    p.grants[0].perm = perm;
    p.grants[0].scope = k;
    p.ngrants = 1;
    return p;
}

static void test_subtree(void **state) {
    arena a;
    arena_init(&a);
    sqlb q;
    sqlb_init(&q, &a);
    principal p = make(SCOPE_SUBTREE, "persons.read");
    assert_int_equal(scope_restrict(&q, &p, "persons.read", "t"), 0);
    assert_string_equal(sqlb_text(&q), " AND t.org_path >= ? AND t.org_path < ?");
    assert_int_equal(q.n, 2);
    assert_string_equal(q.vals[0].s, "/1/5/23/");
    assert_string_equal(q.vals[1].s, "/1/5/230");
    /* the range holds the unit and its descendants, and not a sibling whose id starts alike */
    assert_true(strcmp("/1/5/23/", q.vals[0].s) >= 0 && strcmp("/1/5/23/", q.vals[1].s) < 0);
    assert_true(strcmp("/1/5/23/99/", q.vals[1].s) < 0);
    assert_false(strcmp("/1/5/230/", q.vals[1].s) < 0);
    assert_false(strcmp("/1/5/2/", q.vals[0].s) >= 0);
    arena_free(&a);
}

static void test_unit_self_all(void **state) {
    arena a;
    arena_init(&a);
    sqlb q;
    principal p = make(SCOPE_UNIT, "persons.read");
    sqlb_init(&q, &a);
    scope_restrict(&q, &p, "persons.read", "t");
    assert_string_equal(sqlb_text(&q), " AND t.org_id = ?");
    assert_int_equal(q.vals[0].i, 23);
    p = make(SCOPE_SELF, "persons.read");
    sqlb_init(&q, &a);
    scope_restrict(&q, &p, "persons.read", "x");
    assert_string_equal(sqlb_text(&q), " AND x.created_by = ?");
    assert_int_equal(q.vals[0].i, 7);
    p = make(SCOPE_ALL, "persons.read");
    sqlb_init(&q, &a);
    scope_restrict(&q, &p, "persons.read", "t");
    assert_string_equal(sqlb_text(&q), "");
    arena_free(&a);
}

static void test_no_permission(void **state) {
    arena a;
    arena_init(&a);
    sqlb q;
    sqlb_init(&q, &a);
    principal p = make(SCOPE_SUBTREE, "households.read");
    assert_int_equal(scope_restrict(&q, &p, "persons.read", "t"), -1);
    assert_string_equal(sqlb_text(&q), " AND 0=1");
    sqlb_init(&q, &a);
    assert_int_equal(scope_restrict(&q, NULL, "persons.read", "t"), -1);
    arena_free(&a);
}

static void test_allows(void **state) {
    principal p = make(SCOPE_SUBTREE, "persons.write");
    assert_true(scope_allows(&p, "persons.write", "/1/5/23/", 23, 0));
    assert_true(scope_allows(&p, "persons.write", "/1/5/23/40/", 40, 0));
    assert_false(scope_allows(&p, "persons.write", "/1/5/230/", 230, 0));
    assert_false(scope_allows(&p, "persons.write", "/1/5/", 5, 0));
    assert_false(scope_allows(&p, "persons.read", "/1/5/23/", 23, 0));
    p = make(SCOPE_UNIT, "persons.write");
    assert_true(scope_allows(&p, "persons.write", "/1/5/23/", 23, 0));
    assert_false(scope_allows(&p, "persons.write", "/1/5/23/40/", 40, 0));
    p = make(SCOPE_SELF, "persons.write");
    assert_true(scope_allows(&p, "persons.write", "/9/", 9, 7));
    assert_false(scope_allows(&p, "persons.write", "/1/5/23/", 23, 8));
}

static void test_path_upper(void **state) {
    char out[32];
    scope_path_upper("/1/", out, sizeof out);
    assert_string_equal(out, "/10");
    scope_path_upper("/", out, sizeof out);
    assert_string_equal(out, "0");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subtree), cmocka_unit_test(test_unit_self_all), cmocka_unit_test(test_no_permission),
        cmocka_unit_test(test_allows), cmocka_unit_test(test_path_upper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
