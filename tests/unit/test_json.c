/* test_json.c: JSON the server produces - audit diffs, SQL builder values, arena strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <stdlib.h>
#include <jansson.h>
#include "audit.h"
#include "sqlb.h"

static void test_diff(void **state) {
    json_t *before = json_loads("{\"name\":\"张三\",\"tags\":[\"dibao\"],\"phone\":\"138****5678\",\"note\":null}", 0, NULL);
    json_t *after = json_loads("{\"name\":\"张三丰\",\"tags\":[\"dibao\"],\"phone\":\"138****5678\",\"note\":\"x\"}", 0, NULL);
    json_t *d = audit_diff(before, after);
    assert_non_null(d);
    assert_int_equal(json_object_size(d), 2);
    json_t *name = json_object_get(d, "name");
    assert_string_equal(json_string_value(json_array_get(name, 0)), "张三");
    assert_string_equal(json_string_value(json_array_get(name, 1)), "张三丰");
    assert_true(json_is_null(json_array_get(json_object_get(d, "note"), 0)));
    assert_null(audit_diff(before, before));
    json_t *del = audit_diff(before, NULL);
    assert_int_equal(json_object_size(del), 4);
    char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"name\":[\"张三\",\"张三丰\"],\"note\":[null,\"x\"]}");
    free(s);
    json_decref(d);
    json_decref(del);
    json_decref(before);
    json_decref(after);
}

static void test_sqlb(void **state) {
    arena a;
    arena_init(&a);
    sqlb q, w;
    sqlb_init(&q, &a);
    sqlb_init(&w, &a);
    sqlb_sql(&w, " WHERE a = ");
    sqlb_val(&w, sv_int(5));
    sqlb_sql(&w, " AND b = ");
    sqlb_val(&w, sv_text("it's ?"));
    sqlb_sql(&q, "SELECT count(*) FROM t");
    sqlb_append(&q, &w);
    assert_string_equal(sqlb_text(&q), "SELECT count(*) FROM t WHERE a = ? AND b = ?");
    assert_int_equal(q.n, 2);
    assert_int_equal(q.vals[0].i, 5);
    assert_string_equal(q.vals[1].s, "it's ?");        /* values never enter the text */
    for (int i = 0; i < 40; i++) sqlb_val(&q, sv_int(i));   /* growth keeps earlier values */
    assert_int_equal(q.vals[41].i, 39);
    assert_int_equal(q.vals[0].i, 5);
    arena_free(&a);
}

static void test_arena(void **state) {
    arena a;
    arena_init(&a);
    char *s = arena_printf(&a, "%s-%d", "户", 3);
    assert_string_equal(s, "户-3");
    char *big = arena_alloc(&a, 100000);
    memset(big, 'x', 100000);
    char *after = arena_strdup(&a, "still here");
    assert_string_equal(s, "户-3");
    assert_string_equal(after, "still here");
    sbuf b;
    sbuf_init(&b, &a);
    for (int i = 0; i < 1000; i++) sbuf_puts(&b, "ab");
    assert_int_equal(b.len, 2000);
    assert_int_equal(strlen(sbuf_str(&b)), 2000);
    arena_reset(&a);
    assert_string_equal(arena_strdup(&a, "again"), "again");
    arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_diff), cmocka_unit_test(test_sqlb), cmocka_unit_test(test_arena)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
