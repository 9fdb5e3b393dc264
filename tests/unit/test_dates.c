/* test_dates.c: the date arithmetic of validation (validate.c): date_add_months, which gives an
 * assessment's next due date, and age_on, which decides who may be enrolled as an elder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "resource.h"

static void add(const char *d, int months, const char *want) {
    char out[11];
    date_add_months(d, months, out);
    assert_string_equal(out, want);
}

static void test_add_months(void **state) {
    (void)state;
    add("2026-11-25", 6, "2027-05-25");
    add("2026-08-31", 6, "2027-02-28");         /* the month's last day when it has no 31st */
    add("2027-08-31", 6, "2028-02-29");         /* a leap year's */
    add("2099-08-31", 6, "2100-02-28");         /* 2100 is not a leap year */
    add("2026-12-15", 1, "2027-01-15");
    add("2026-11-25", -7, "2026-04-25");        /* backwards, as a backdated assessment's test needs */
    add("2026-01-31", -13, "2024-12-31");
    add("2026-03-31", -1, "2026-02-28");
    add("2026-06-30", 0, "2026-06-30");
}

static void test_age_on(void **state) {
    (void)state;
    assert_int_equal(age_on("1966-11-25", "2026-11-25"), 60);   /* 60 on the birthday */
    assert_int_equal(age_on("1966-11-26", "2026-11-25"), 59);   /* a day short */
    assert_int_equal(age_on("1964-02-29", "2024-02-28"), 59);
    assert_int_equal(age_on("1964-02-29", "2024-02-29"), 60);
    assert_int_equal(age_on("1926-01-01", "2026-01-01"), 100);
    assert_int_equal(age_on(NULL, "2026-01-01"), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_add_months), cmocka_unit_test(test_age_on)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
