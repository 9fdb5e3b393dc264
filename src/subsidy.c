/* subsidy.c: subsidy rules for home elderly care (居家养老服务补贴) and the entitlement they give an
 * elder. A rule belongs to a unit (the city, a district or a street office, which may add its own
 * on top) and says what one eligibility category earns a month: an amount in fen or service hours,
 * from a date, until a date or open-ended. Rules are configuration, not code: each district keeps
 * its own. They are public policy, so every signed-in user reads them all (a community worker sees
 * the district's rules above it); only a writer whose scope covers the rule's unit changes it. An elder gets, per kind, the highest of the matching rules marked "max" (most schemes do
 * not pay twice for two categories) plus every matching rule marked "add". */
#include "elder.h"
#include <stdio.h>
#include <string.h>

static const struct field rule_fields[] = {
    {"org_id", FT_ORG, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "适用单位", "Applies in", .levels = "city district street"},
    {"category", FT_DICT, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "对象类别", "Category", .dict = "elder_category"},
    {"kind", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "补贴方式", "Kind", .dict = "subsidy_kind"},
    {"value", FT_INT, F_REQUIRED | F_SORT | F_LIST, "每月数额（金额：分；时长：小时）", "A month (amount: fen; hours)", .min = 1,
     .max = 100000000},
    {"combine", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "多类别时", "With other categories", .dict = "subsidy_combine", .def = "max"},
    {"valid_from", FT_DATE, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "生效日期", "Valid from"},
    {"valid_to", FT_DATE, F_FILTER | F_SORT | F_LIST, "截止日期", "Valid until"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static int rule_validate(struct write_ctx *w) {
    const char *from = write_ctx_str(w, "valid_from"), *to = write_ctx_str(w, "valid_to"), *kind = write_ctx_str(w, "kind");
    if (from && to && strcmp(to, from) < 0)
        write_error(w, "valid_to", "end_before_start", "截止日期不能早于生效日期", "The end date cannot precede the start date");
    json_t *v = json_object_get(w->after, "value");
    if (!v && w->before) v = json_object_get(w->before, "value");
    /* a month has at most 744 hours; anything more is a typo for an amount */
    if (kind && !strcmp(kind, "hours") && json_integer_value(v) > 744)
        write_error(w, "value", "out_of_range", "每月服务时长不能超过 744 小时", "Service hours a month cannot exceed 744");
    return 0;
}

const struct resource res_subsidy_rules = {
    .name = "subsidy_rules", .table = "subsidy_rules", .label_zh = "养老服务补贴标准", .label_en = "Subsidy rules",
    .fields = rule_fields, .nfields = sizeof rule_fields / sizeof rule_fields[0],
    .flags = R_SCOPED | R_GLOBAL_READ | R_EXPORT, .default_sort = "org_id,category", .title_field = "category",
    .validate = rule_validate,
};

int subsidy_entitlement(req *r, const char *org_path, json_t *categories, const char *today, int64_t *amount,
                        int64_t *hours) {
    int64_t v;
    return subsidy_entitlement_all(r, org_path, categories, today, amount, hours, &v);
}

int subsidy_entitlement_all(req *r, const char *org_path, json_t *categories, const char *today, int64_t *amount,
                            int64_t *hours, int64_t *vouchers) {
    *amount = *hours = *vouchers = 0;
    size_t ncat = json_array_size(categories);
    if (!org_path || !ncat) return 0;
    /* the rules of the elder's unit and of every unit above it: the prefixes of its path, each bound */
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, "SELECT kind, value, combine FROM subsidy_rules WHERE deleted_at IS NULL AND valid_from <= ");
    sqlb_val(&q, sv_text(today));
    sqlb_sql(&q, " AND (valid_to IS NULL OR valid_to >= ");
    sqlb_val(&q, sv_text(today));
    sqlb_sql(&q, ") AND org_path IN (");
    int k = 0;
    for (const char *p = strchr(org_path, '/'); p; p = strchr(p + 1, '/')) {
        if (k++) sqlb_sql(&q, ", ");
        sqlb_val(&q, sv_text(arena_strndup(&r->a, org_path, (size_t)(p - org_path) + 1)));
    }
    sqlb_sql(&q, ") AND category IN (");
    size_t i;
    json_t *c;
    json_array_foreach(categories, i, c) {
        if (i) sqlb_sql(&q, ", ");
        sqlb_val(&q, sv_text(json_string_value(c)));
    }
    sqlb_sql(&q, ")");
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) return -1;
    int64_t best[3] = {0, 0, 0}, added[3] = {0, 0, 0};
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int h = !strcmp(db_col_text(s, 0), "hours") ? 1 : !strcmp(db_col_text(s, 0), "voucher") ? 2 : 0;
        int64_t v = db_col_int(s, 1);
        if (!strcmp(db_col_text(s, 2), "add")) added[h] += v;
        else if (v > best[h]) best[h] = v;
    }
    db_done(s);
    if (rc != DB_DONE) return -1;
    *amount = best[0] + added[0];
    *hours = best[1] + added[1];
    *vouchers = best[2] + added[2];
    return 0;
}
