/* allowance.c: elder allowances (敬老补助, issue 5 point 9) as records. Rates are configuration: a
 * unit (the city, a district or a street office) sets the monthly amount in fen for an age band
 * (80-89, 90-99, 100+) from a date; the most local rate in force applies. A cycle is one unit's
 * month: allowance_cycle.c runs it (lines built from the registry) and approves it, after which
 * nothing about it changes. Lines are the payment list: copies of the person's name, ID number,
 * age and band and of the amount as they were when the cycle ran, so later edits of the registry
 * never reach a past cycle; they are exported through the engine (allowance_lines.xlsx?cycle_id=). */
#include "institution.h"
#include "crud_internal.h"
#include <stdio.h>
#include <string.h>

static const struct field rate_fields[] = {
    {"org_id", FT_ORG, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "适用单位", "Applies in", .levels = "city district street"},
    {"band", FT_DICT, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "年龄段", "Age band", .dict = "allowance_band"},
    {"amount", FT_MONEY, F_REQUIRED | F_SORT | F_LIST, "每月金额（元）", "A month", .min = 1, .max = 10000000},
    {"valid_from", FT_DATE, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "生效日期", "Valid from"},
    {"valid_to", FT_DATE, F_FILTER | F_SORT | F_LIST, "截止日期", "Valid until"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static int rate_validate(struct write_ctx *w) {
    const char *from = write_ctx_str(w, "valid_from"), *to = write_ctx_str(w, "valid_to");
    if (from && to && strcmp(to, from) < 0)
        write_error(w, "valid_to", "end_before_start", "截止日期不能早于生效日期", "The end date cannot precede the start date");
    return 0;
}

const struct resource res_allowance_rates = {
    .name = "allowance_rates", .table = "allowance_rates", .label_zh = "敬老补助标准", .label_en = "Allowance rates",
    .fields = rate_fields, .nfields = sizeof rate_fields / sizeof rate_fields[0],
    .flags = R_SCOPED | R_GLOBAL_READ | R_EXPORT, .default_sort = "org_id,band", .perm = "subsidy_rules", .title_field = "band",
    .validate = rate_validate,
};

/* ---- cycles ---- */

static const struct field cycle_fields[] = {
    {"org_id", FT_ORG, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_SORT | F_LIST, "发放单位", "Paying unit", .levels = "district street"},
    {"month", FT_TEXT, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_SORT | F_LIST, "发放月份", "Month", .max_len = 7},
    {"status", FT_DICT, F_READONLY | F_FILTER | F_SORT | F_LIST, "状态", "Status", .dict = "allowance_cycle_status", .def = "draft"},
    {"line_count", FT_INT, F_READONLY | F_LIST | F_NOIMPORT, "名单人数", "People listed"},
    {"payable_count", FT_INT, F_READONLY | F_LIST | F_NOIMPORT, "发放人数", "Paid"},
    {"suspended_count", FT_INT, F_READONLY | F_LIST | F_NOIMPORT, "暂停人数", "Suspended"},
    {"total_amount", FT_MONEY, F_READONLY | F_LIST | F_NOIMPORT, "发放总额（元）", "Total"},
    {"run_at", FT_DATETIME, F_READONLY | F_SORT | F_NOIMPORT, "名单生成时间", "List made at"},
    {"run_by", FT_REF, F_READONLY | F_NOIMPORT, "名单生成人", "List made by", .ref = "users"},
    {"approved_at", FT_DATETIME, F_READONLY | F_SORT | F_LIST | F_NOIMPORT, "审核时间", "Approved at"},
    {"approved_by", FT_REF, F_READONLY | F_NOIMPORT, "审核人", "Approved by", .ref = "users"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

/* YYYY-MM, a real month, not past next month (lists are prepared ahead at most that far). */
static int month_ok(const char *m, const char *today) {
    if (!m || strlen(m) != 7 || m[4] != '-') return 0;
    char d[11];
    snprintf(d, sizeof d, "%.7s-01", m);
    if (!date_valid(d)) return 0;
    char next[11];
    date_add_months(today, 1, next);
    return strncmp(m, next, 7) <= 0;
}

static int cycle_validate(struct write_ctx *w) {
    req *r = w->r;
    if (w->before && !strcmp(json_string_value(json_object_get(w->before, "status")), "approved")) {
        write_error(w, "status", "cycle_frozen", "该期已审核，不能再修改", "The cycle is approved and cannot change");
        return 0;
    }
    if (!w->creating) return 0;
    write_ctx_set_text(w, "status", "draft");
    char today[11];
    today_cn(today);
    const char *m = write_ctx_str(w, "month");
    if (!month_ok(m, today)) {
        write_error(w, "month", "invalid_month", "月份格式应为 YYYY-MM，且不晚于下月", "month is YYYY-MM, at most next month");
        return 0;
    }
    /* one list a month for anyone: a unit's cycle may not overlap one above or below it */
    json_t *org = json_object_get(w->after, "org_id");
    if (!json_is_integer(org)) return 0;
    int64_t other = 0;
    if (db_query_int(r->dbc, "SELECT coalesce(max(c.id), 0) FROM allowance_cycles c, org_units u WHERE u.id = ? AND c.month = ? "
                             "AND c.deleted_at IS NULL AND (substr(u.org_path, 1, length(c.org_path)) = c.org_path "
                             "OR substr(c.org_path, 1, length(u.org_path)) = u.org_path)",
                     &other, "is", (int64_t)json_integer_value(org), m) < 0) return -1;
    if (other) {
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "本单位或上下级单位已有该月的发放批次（编号 %lld）", (long long)other);
        snprintf(en, sizeof en, "A cycle of that month already covers this unit (cycle %lld)", (long long)other);
        write_error(w, "month", "cycle_exists", zh, en);
    }
    return 0;
}

static int cycle_before_delete(struct write_ctx *w) {
    if (!strcmp(json_string_value(json_object_get(w->before, "status")), "approved"))
        resp_error(w->r, 409, "cycle_frozen", "该期已审核，不能删除", "The cycle is approved and cannot be deleted");
    return 0;
}

const struct resource res_allowance_cycles = {
    .name = "allowance_cycles", .table = "allowance_cycles", .label_zh = "敬老补助发放批次", .label_en = "Allowance cycles",
    .fields = cycle_fields, .nfields = sizeof cycle_fields / sizeof cycle_fields[0],
    .flags = R_SCOPED | R_EXPORT, .default_sort = "-month", .perm = "elders", .title_field = "month",
    .validate = cycle_validate, .before_delete = cycle_before_delete,
};

/* ---- lines ---- */

static const struct field line_fields[] = {
    {"cycle_id", FT_REF, F_READONLY | F_FILTER | F_SORT, "发放批次", "Cycle", .ref = "allowance_cycles"},
    {"person_id", FT_REF, F_READONLY | F_FILTER, "居民", "Resident", .ref = "persons"},
    {"name", FT_TEXT, F_READONLY | F_SEARCH | F_PREFIX | F_SORT | F_LIST, "姓名", "Name", .max_len = 50},
    {"gender", FT_DICT, F_READONLY | F_FILTER | F_LIST, "性别", "Gender", .dict = "gender"},
    {"id_number", FT_ID_NUMBER, F_READONLY | F_SEARCH | F_FILTER | F_LIST, "证件号码", "ID number"},
    {"birth_date", FT_DATE, F_READONLY | F_SORT, "出生日期", "Date of birth"},
    {"age", FT_INT, F_READONLY | F_FILTER | F_SORT | F_LIST, "当月年龄", "Age that month"},
    {"band", FT_DICT, F_READONLY | F_FILTER | F_SORT | F_LIST, "年龄段", "Age band", .dict = "allowance_band"},
    {"amount", FT_MONEY, F_READONLY | F_SORT | F_LIST, "发放金额（元）", "Amount"},
    {"status", FT_DICT, F_READONLY | F_FILTER | F_LIST, "发放状态", "Status", .dict = "allowance_line_status"},
    {"reason", FT_DICT, F_READONLY | F_FILTER | F_LIST, "暂停原因", "Why suspended", .dict = "allowance_reason"},
    {"change_kind", FT_DICT, F_READONLY | F_FILTER | F_LIST, "较上期变化", "Since last cycle", .dict = "allowance_change"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_LIST, "所属社区/网格", "Community / grid"},
};

const struct resource res_allowance_lines = {
    .name = "allowance_lines", .table = "allowance_lines", .label_zh = "敬老补助发放名单", .label_en = "Allowance payment list",
    .fields = line_fields, .nfields = sizeof line_fields / sizeof line_fields[0],
    .flags = R_SCOPED | R_NO_CREATE | R_NO_UPDATE | R_NO_DELETE | R_NO_SOFT | R_EXPORT, .default_sort = "cycle_id,org_id",
    .perm = "elders", .title_field = "name",
};
