/* test_assessment.c: unit tests for src/assessment.c - GB/T 42195-2022 totals, the level at
 * every band boundary (90/89, 66/65, 46/45, 30/29), each adjustment and their combinations,
 * input errors, the item table against data/gbt42195-2022-items.csv, and the Barthel index.
 * Expected levels are the standard's bands worked out by hand, not taken from the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "assessment.h"

/* All 26 items at their maximum (total 90), then `drop` points taken off, item by item from the
 * first, so any total 0..90 can be built. */
static struct assess_score scores[GBT42195_ITEMS];
static void scored(int total) {
    int drop = 90 - total;
    for (int k = 0; k < GBT42195_ITEMS; k++) {
        int take = drop < gbt42195_items[k].max_score ? drop : gbt42195_items[k].max_score;
        scores[k].code = gbt42195_items[k].code;
        scores[k].score = gbt42195_items[k].max_score - take;
        drop -= take;
    }
}

static struct assess_result eval(int total, int coma, const char *diag, int risks) {
    scored(total);
    const char *d[1] = {diag};
    struct gbt42195_input in = {scores, GBT42195_ITEMS, coma, d, diag ? 1 : 0, risks};
    struct assess_result r;
    struct assess_error e;
    int rc = gbt42195_evaluate(&in, &r, &e);
    if (rc) print_error("unexpected error %s at %s\n", e.code, e.field);
    assert_int_equal(rc, 0);
    assert_int_equal(r.total, total);
    return r;
}

static void test_band_boundaries(void **state) {
    /* total → level, by hand from the standard: 90 intact; 66-89 mild; 46-65 moderate;
     * 30-45 severe; 0-29 total impairment */
    const int cases[][2] = {{90, 0}, {89, 1}, {66, 1}, {65, 2}, {46, 2}, {45, 3}, {30, 3}, {29, 4}, {0, 4}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct assess_result r = eval(cases[i][0], 0, NULL, 0);
        assert_int_equal(r.base_level, cases[i][1]);
        assert_int_equal(r.level, cases[i][1]);
        assert_int_equal(r.adjustments, 0);
        assert_int_equal(gbt42195_level_of_total(cases[i][0]), cases[i][1]);
    }
    assert_string_equal(eval(90, 0, NULL, 0).level_zh, "能力完好");
    assert_string_equal(eval(89, 0, NULL, 0).level_zh, "轻度失能");
    assert_string_equal(eval(65, 0, NULL, 0).level_zh, "中度失能");
    assert_string_equal(eval(45, 0, NULL, 0).level_zh, "重度失能");
    assert_string_equal(eval(29, 0, NULL, 0).level_zh, "完全失能");
}

static void test_group_totals(void **state) {
    struct assess_result r = eval(90, 0, NULL, 0);
    /* B1 8 items x 4; B2 4+4+4+3; B3 six x 4 + 1 + 1 + 2; B4 2+2+4+3+4 */
    assert_int_equal(r.group_totals[0], 32);
    assert_int_equal(r.group_totals[1], 15);
    assert_int_equal(r.group_totals[2], 28);
    assert_int_equal(r.group_totals[3], 15);
    r = eval(80, 0, NULL, 0);               /* the first ten points come off B1 */
    assert_int_equal(r.group_totals[0], 22);
}

static void test_coma_is_total_impairment(void **state) {
    struct assess_result r = eval(90, 1, NULL, 0);
    assert_int_equal(r.base_level, 0);
    assert_int_equal(r.level, 4);
    assert_int_equal(r.adjustments, ADJ_COMA);
    /* coma decides alone: the other adjustments are not added on top */
    r = eval(50, 1, "F01", 3);
    assert_int_equal(r.level, 4);
    assert_int_equal(r.adjustments, ADJ_COMA);
}

static void test_mental_disorder_one_level_worse(void **state) {
    assert_int_equal(eval(90, 0, "F01", 0).level, 1);       /* dementia F00-F03 */
    assert_int_equal(eval(89, 0, "F03.9", 0).level, 2);
    assert_int_equal(eval(65, 0, "F20", 0).level, 3);        /* other mental disorders F04-F99 */
    assert_int_equal(eval(45, 0, "F99", 0).level, 4);
    assert_int_equal(eval(29, 0, "F00.1", 0).level, 4);      /* never past total impairment */
    assert_int_equal(eval(65, 0, "F20", 0).adjustments, ADJ_MENTAL);
    /* a diagnosis outside chapter V changes nothing */
    struct assess_result r = eval(65, 0, "I10", 0);
    assert_int_equal(r.level, 2);
    assert_int_equal(r.adjustments, 0);
    assert_int_equal(eval(65, 0, "G30.1", 0).level, 2);       /* Alzheimer's coded in chapter VI */
}

static void test_risk_events(void **state) {
    assert_int_equal(eval(90, 0, NULL, 1).level, 0);         /* one event is not enough */
    struct assess_result r = eval(90, 0, NULL, 2);
    assert_int_equal(r.level, 1);
    assert_int_equal(r.adjustments, ADJ_RISK);
    assert_int_equal(eval(46, 0, NULL, 5).level, 3);
    assert_int_equal(eval(30, 0, NULL, 2).level, 4);
    assert_int_equal(eval(0, 0, NULL, 2).level, 4);
}

static void test_both_adjustments(void **state) {
    struct assess_result r = eval(90, 0, "F02", 2);
    assert_int_equal(r.level, 2);                             /* intact, +1, +1 */
    assert_int_equal(r.adjustments, ADJ_MENTAL | ADJ_RISK);
    assert_int_equal(eval(66, 0, "F02", 2).level, 3);
    assert_int_equal(eval(46, 0, "F02", 2).level, 4);
    assert_int_equal(eval(30, 0, "F32", 4).level, 4);         /* capped */
}

static void expect_error(const struct gbt42195_input *in, const char *field, const char *code) {
    struct assess_result r;
    struct assess_error e;
    assert_int_equal(gbt42195_evaluate(in, &r, &e), -1);
    assert_string_equal(e.field, field);
    assert_string_equal(e.code, code);
    assert_non_null(e.zh);
    assert_non_null(e.en);
}

static void test_input_errors(void **state) {
    scored(90);
    struct gbt42195_input in = {scores, GBT42195_ITEMS, 0, NULL, 0, 0};
    scores[3].score = 5;                                      /* B1.4 goes to 4 */
    expect_error(&in, "items.B1.4", "out_of_range");
    scores[3].score = -1;
    expect_error(&in, "items.B1.4", "out_of_range");
    scored(90);
    scores[11].score = 4;                                     /* B2.4 goes only to 3 */
    expect_error(&in, "items.B2.4", "out_of_range");
    scored(90);
    scores[20].score = 3;                                     /* B3.9 goes only to 2 */
    expect_error(&in, "items.B3.9", "out_of_range");
    scored(90);
    in.nitems = GBT42195_ITEMS - 1;                           /* B4.5 missing */
    expect_error(&in, "items.B4.5", "required");
    struct assess_score extra[GBT42195_ITEMS + 1];
    memcpy(extra, scores, sizeof scores);
    extra[GBT42195_ITEMS] = (struct assess_score){"B1.1", 2};
    in.items = extra;
    in.nitems = GBT42195_ITEMS + 1;
    expect_error(&in, "items.B1.1", "duplicate_item");
    extra[GBT42195_ITEMS] = (struct assess_score){"B5.1", 2};
    expect_error(&in, "items.B5.1", "unknown_item");
    in.items = scores;
    in.nitems = GBT42195_ITEMS;
    const char *bad[] = {"F01", "f01"};
    in.diagnoses = bad;
    in.ndiagnoses = 2;
    expect_error(&in, "diagnoses[1]", "invalid_icd10");
    in.ndiagnoses = 0;
    in.risk_events_30d = -1;
    expect_error(&in, "risk_events_30d", "out_of_range");
}

static void test_icd10(void **state) {
    int m = -1;
    assert_true(icd10_valid("F00", &m)); assert_int_equal(m, 1);
    assert_true(icd10_valid("F03.9", &m)); assert_int_equal(m, 1);
    assert_true(icd10_valid("F99.12", &m)); assert_int_equal(m, 1);
    assert_true(icd10_valid("I63.9", &m)); assert_int_equal(m, 0);
    assert_false(icd10_valid("F0", &m));
    assert_false(icd10_valid("F001", &m));
    assert_false(icd10_valid("F01.", &m));
    assert_false(icd10_valid("F01.123", &m));
    assert_false(icd10_valid("", &m));
    assert_false(icd10_valid(NULL, &m));
}

/* The table in the code is the standard's table as the project keeps it in data/. */
static void test_items_match_the_data_file(void **state) {
    FILE *f = fopen("data/gbt42195-2022-items.csv", "r");
    assert_non_null(f);
    char line[1024];
    assert_non_null(fgets(line, sizeof line, f));            /* header */
    int k = 0, sum = 0;
    while (fgets(line, sizeof line, f)) {
        char *fields[5], *save = NULL, *p = line;
        for (int i = 0; i < 5; i++) { fields[i] = strtok_r(p, ",", &save); p = NULL; }
        assert_true(k < GBT42195_ITEMS);
        assert_string_equal(fields[0], gbt42195_items[k].group);
        assert_string_equal(fields[2], gbt42195_items[k].code);
        assert_string_equal(fields[3], gbt42195_items[k].name_zh);
        assert_int_equal(atoi(fields[4]), gbt42195_items[k].max_score);
        sum += gbt42195_items[k].max_score;
        k++;
    }
    fclose(f);
    assert_int_equal(k, GBT42195_ITEMS);
    assert_int_equal(sum, 90);
}

static void test_barthel(void **state) {
    const char *codes[BARTHEL_ITEMS] = {"feeding", "bathing", "grooming", "dressing", "bowels", "bladder", "toilet",
                                        "transfers", "mobility", "stairs"};
    const int full[BARTHEL_ITEMS] = {10, 5, 5, 10, 10, 10, 10, 15, 15, 10};
    struct assess_score b[BARTHEL_ITEMS];
    struct assess_result r;
    struct assess_error e;
    for (int i = 0; i < BARTHEL_ITEMS; i++) b[i] = (struct assess_score){codes[i], full[i]};
    assert_int_equal(barthel_evaluate(b, BARTHEL_ITEMS, &r, &e), 0);
    assert_int_equal(r.total, 100);
    assert_int_equal(r.level, 0);
    b[0].score = 5;                                           /* 95: mild */
    assert_int_equal(barthel_evaluate(b, BARTHEL_ITEMS, &r, &e), 0);
    assert_int_equal(r.total, 95);
    assert_int_equal(r.level, 1);
    /* boundaries by hand: 61 mild / 60 moderate, 41 moderate / 40 severe (steps of 5, so 60/65, 40/45) */
    assert_int_equal(barthel_level_of_total(65), 1);
    assert_int_equal(barthel_level_of_total(61), 1);
    assert_int_equal(barthel_level_of_total(60), 2);
    assert_int_equal(barthel_level_of_total(41), 2);
    assert_int_equal(barthel_level_of_total(40), 3);
    assert_int_equal(barthel_level_of_total(0), 3);
    b[7].score = 20;                                          /* transfers go to 15 */
    assert_int_equal(barthel_evaluate(b, BARTHEL_ITEMS, &r, &e), -1);
    assert_string_equal(e.field, "items.transfers");
    b[7].score = 7;                                           /* not a step of 5 */
    assert_int_equal(barthel_evaluate(b, BARTHEL_ITEMS, &r, &e), -1);
    assert_string_equal(e.code, "out_of_range");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_band_boundaries), cmocka_unit_test(test_group_totals),
        cmocka_unit_test(test_coma_is_total_impairment), cmocka_unit_test(test_mental_disorder_one_level_worse),
        cmocka_unit_test(test_risk_events), cmocka_unit_test(test_both_adjustments),
        cmocka_unit_test(test_input_errors), cmocka_unit_test(test_icd10),
        cmocka_unit_test(test_items_match_the_data_file), cmocka_unit_test(test_barthel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
