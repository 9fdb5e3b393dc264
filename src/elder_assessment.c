/* elder_assessment.c: an elder's capability assessments as records. POST /api/v1/elders/{id}/
 * assessments takes the item scores of GB/T 42195-2022 (26 items, with coma, diagnoses and care-risk
 * events) or of the Barthel index; assessment.c scores them, and this file stores the input with
 * the result (total, domain totals, level, adjustments, next due date six months on) as one
 * record, in the elder's unit. Assessments are appended, never edited or deleted: a correction is a
 * new assessment. Storing one brings the elder's care level and next due date up to date in the
 * same transaction (elder_assessed). Lists, reads, history and exports are the generic ones.
 * GET /api/v1/assessments/form gives the console what its form needs and the records do not say:
 * the item tables and level bands of both standards, and the staff the caller may name. */
#include "elder.h"
#include "assessment.h"
#include "crud_internal.h"
#include "scope.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REASSESS_MONTHS 6

static const struct field assessment_fields[] = {
    {"elder_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_LIST, "服务对象", "Elder", .ref = "elders", .ref_perm = "elders.write"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_LIST | F_NOIMPORT, "所属社区/网格", "Community / grid"},
    {"standard", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "评估标准", "Standard", .dict = "assessment_standard"},
    {"reason", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "评估类型", "Reason", .dict = "assessment_reason"},
    {"assessed_on", FT_DATE, F_FILTER | F_SORT | F_LIST, "评估日期", "Assessed on"},
    /* two assessors, as the standard requires, from the staff the caller works with */
    {"assessors", FT_REFS, F_REQUIRED, "评估员", "Assessors", .ref = "users", .ref_perm = "elders.write", .min = 2, .max = 2},
    {"items", FT_JSON, F_REQUIRED, "各项评分", "Item scores"},
    {"coma", FT_BOOL, F_FILTER, "昏迷", "Coma", .def = "false"},
    {"diagnoses", FT_TAGS, F_FILTER, "疾病诊断（ICD-10）", "Diagnoses (ICD-10)"},
    {"risk_events_30d", FT_INT, F_FILTER, "近30天照护风险事件（次）", "Care-risk events in 30 days", .min = 0, .max = 1000, .def = "0"},
    {"total", FT_INT, F_READONLY | F_FILTER | F_SORT | F_LIST, "总分", "Total"},
    {"group_totals", FT_JSON, F_READONLY, "一级指标得分", "Domain totals"},
    {"base_level", FT_INT, F_READONLY | F_FILTER, "按总分的等级", "Level from the total"},
    {"level", FT_INT, F_READONLY | F_FILTER | F_SORT, "等级", "Level"},
    {"level_label", FT_TEXT, F_READONLY | F_LIST, "等级名称", "Level name", .max_len = 20},
    {"level_label_en", FT_TEXT, F_READONLY, "等级名称（英文）", "Level name (English)", .max_len = 40},
    {"adjustments", FT_TAGS, F_READONLY | F_FILTER | F_LIST, "等级调整", "Adjustments", .dict = "assessment_adjustment"},
    {"next_due", FT_DATE, F_READONLY | F_FILTER | F_SORT | F_LIST, "下次评估日期", "Next due"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

/* An error from assessment.c, under its own field name ("items.B1.4") made safe as a JSON key. */
static void assess_error_note(struct write_ctx *w, const struct assess_error *e) {
    char *field = arena_strdup(&w->r->a, e->field);
    utf8_scrub(field);
    write_error(w, field, e->code, e->zh, e->en);
}

/* The item scores as given: integers only; a value far out of any range stays out of range
 * rather than wrapping into one. */
static int collect_scores(struct write_ctx *w, json_t *items, struct assess_score **out, int *n) {
    req *r = w->r;
    if (!json_is_object(items)) {
        write_error(w, "items", "wrong_type", "各项评分应为 JSON 对象（项目编号：分值）", "Item scores are a JSON object (item: score)");
        return 0;
    }
    struct assess_score *sc = arena_alloc(&r->a, sizeof *sc * (json_object_size(items) + 1));
    int k = 0;
    const char *key;
    json_t *v;
    json_object_foreach(items, key, v) {
        if (!json_is_integer(v)) {
            char *field = arena_printf(&r->a, "items.%.40s", key);
            utf8_scrub(field);
            write_error(w, field, "wrong_type", "评分应为整数", "A score is an integer");
            return 0;
        }
        json_int_t s = json_integer_value(v);
        sc[k].code = arena_strdup(&r->a, key);
        sc[k].score = s < -1 ? -1 : s > 1000 ? 1000 : (int)s;
        k++;
    }
    *out = sc;
    *n = k;
    return 0;
}

/* Barthel has no coma rule, diagnoses or risk events: given anyway, they are refused rather than
 * silently ignored. */
static void refuse_for_barthel(struct write_ctx *w) {
    const char *zh = "巴氏指数评估不使用此项", *en = "Not part of a Barthel assessment";
    if (json_is_true(json_object_get(w->after, "coma"))) write_error(w, "coma", "not_applicable", zh, en);
    if (json_array_size(json_object_get(w->after, "diagnoses"))) write_error(w, "diagnoses", "not_applicable", zh, en);
    if (json_integer_value(json_object_get(w->after, "risk_events_30d")) > 0)
        write_error(w, "risk_events_30d", "not_applicable", zh, en);
}

static int assessment_validate(struct write_ctx *w) {
    req *r = w->r;
    int64_t eid = json_integer_value(json_object_get(w->after, "elder_id"));
    db_stmt *s = db_prepare(r->dbc, "SELECT org_id, org_path, district_code, birth_date, status FROM elders WHERE id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, eid);
    if (db_step(s) != DB_ROW) { db_done(s); return -1; }     /* check_ref found it a moment ago */
    int64_t org = db_col_int(s, 0);
    const char *path = arena_strdup(&r->a, db_col_text(s, 1));
    const char *district = db_col_text(s, 2) ? arena_strdup(&r->a, db_col_text(s, 2)) : NULL;
    const char *birth = db_col_text(s, 3) ? arena_strdup(&r->a, db_col_text(s, 3)) : NULL;
    int ended = db_col_text(s, 4) && !strcmp(db_col_text(s, 4), "ended");
    db_done(s);
    if (ended) {
        write_error(w, "elder_id", "elder_ended", "该老人的服务已终止，不能评估", "Services for this elder have ended");
        return 0;
    }
    /* the assessment lives where the elder does */
    colvals_set(w->cols, "org_id", sv_int(org));
    colvals_set(w->cols, "org_path", sv_text(path));
    colvals_set(w->cols, "district_code", sv_text(district));
    json_object_set_new(w->after, "org_id", json_integer(org));

    char today[11];
    today_cn(today);
    if (!json_object_get(w->after, "assessed_on")) write_ctx_set_text(w, "assessed_on", today);
    const char *on = json_string_value(json_object_get(w->after, "assessed_on"));
    if (strcmp(on, today) > 0)
        write_error(w, "assessed_on", "date_future", "评估日期不能晚于今天", "The assessment date cannot be in the future");
    else if (birth && strcmp(on, birth) < 0)
        write_error(w, "assessed_on", "date_before_birth", "评估日期不能早于出生日期", "The date cannot precede the date of birth");

    const char *reason = json_string_value(json_object_get(w->after, "reason"));
    if (reason && !strcmp(reason, "first")) {
        int64_t n = 0;
        if (db_query_int(r->dbc, "SELECT count(*) FROM assessments WHERE elder_id = ? AND deleted_at IS NULL", &n, "i", eid) < 0)
            return -1;
        if (n) write_error(w, "reason", "not_first", "该老人已有评估记录，不是首次评估", "The elder has been assessed before");
    }

    /* assessors: in scope (validation checked), and with an account still in use */
    json_t *assessors = json_object_get(w->after, "assessors");
    size_t i;
    json_t *a;
    json_array_foreach(assessors, i, a) {
        int64_t active = 0;
        if (db_query_int(r->dbc, "SELECT count(*) FROM users WHERE id = ? AND status = 'active' AND deleted_at IS NULL", &active,
                         "i", (int64_t)json_integer_value(a)) < 0) return -1;
        if (!active)
            write_error(w, arena_printf(&r->a, "assessors[%zu]", i), "inactive_user", "该评估员的账号已停用",
                        "The assessor's account is disabled");
    }

    struct assess_score *scores = NULL;
    int nscores = 0;
    if (collect_scores(w, json_object_get(w->after, "items"), &scores, &nscores) || json_object_size(w->errors)) return 0;
    const char *standard = json_string_value(json_object_get(w->after, "standard"));
    struct assess_result res;
    struct assess_error err;
    int gbt = !strcmp(standard, STANDARD_GBT42195);
    if (gbt) {
        json_t *dx = json_object_get(w->after, "diagnoses");
        size_t nd = json_array_size(dx);
        const char **codes = arena_alloc(&r->a, sizeof *codes * (nd + 1));
        for (size_t k = 0; k < nd; k++) codes[k] = json_string_value(json_array_get(dx, k));
        struct gbt42195_input in = {.items = scores, .nitems = nscores, .coma = json_is_true(json_object_get(w->after, "coma")),
                                    .diagnoses = codes, .ndiagnoses = (int)nd,
                                    .risk_events_30d = (int)json_integer_value(json_object_get(w->after, "risk_events_30d"))};
        if (gbt42195_evaluate(&in, &res, &err)) { assess_error_note(w, &err); return 0; }
    } else if (!strcmp(standard, STANDARD_BARTHEL)) {
        refuse_for_barthel(w);
        if (json_object_size(w->errors)) return 0;
        if (barthel_evaluate(scores, nscores, &res, &err)) { assess_error_note(w, &err); return 0; }
    } else {
        /* a standard a district added to the dictionary has no scoring here */
        write_error(w, "standard", "unsupported_standard", "暂不支持按此标准计分", "No scoring for this standard yet");
        return 0;
    }
    if (json_object_size(w->errors)) return 0;

    write_ctx_set_int(w, "total", res.total);
    write_ctx_set_int(w, "base_level", res.base_level);
    write_ctx_set_int(w, "level", res.level);
    write_ctx_set_text(w, "level_label", res.level_zh);
    write_ctx_set_text(w, "level_label_en", res.level_en);
    if (gbt) {
        json_t *g = json_pack("{s:i,s:i,s:i,s:i}", "B1", res.group_totals[0], "B2", res.group_totals[1], "B3",
                              res.group_totals[2], "B4", res.group_totals[3]);
        char *text = json_dumps(g, JSON_COMPACT | JSON_SORT_KEYS);
        colvals_set(w->cols, "group_totals", sv_text(arena_strdup(&r->a, text)));
        free(text);
        json_object_set_new(w->after, "group_totals", g);
    }
    static const struct { int bit; const char *code; } adj[] = {
        {ADJ_COMA, "coma"}, {ADJ_MENTAL, "mental_disorder"}, {ADJ_RISK, "care_risk"}};
    json_t *applied = json_array();
    sbuf joined;
    sbuf_init(&joined, &r->a);
    for (size_t k = 0; k < sizeof adj / sizeof adj[0]; k++) {
        if (!(res.adjustments & adj[k].bit)) continue;
        json_array_append_new(applied, json_string(adj[k].code));
        if (joined.len) sbuf_puts(&joined, ",");
        sbuf_puts(&joined, adj[k].code);
    }
    colvals_set(w->cols, "adjustments", sv_text(joined.len ? sbuf_str(&joined) : NULL));
    json_object_set_new(w->after, "adjustments", applied);
    char due[11];
    date_add_months(on, REASSESS_MONTHS, due);
    write_ctx_set_text(w, "next_due", due);
    return 0;
}

static int assessment_after_write(struct write_ctx *w) {
    return elder_assessed(w->r, json_integer_value(json_object_get(w->after, "elder_id")));
}

const struct resource res_assessments = {
    .name = "assessments", .table = "assessments", .label_zh = "能力评估", .label_en = "Capability assessments",
    .fields = assessment_fields, .nfields = sizeof assessment_fields / sizeof assessment_fields[0],
    .flags = R_SCOPED | R_NO_CREATE | R_NO_UPDATE | R_NO_DELETE | R_EXPORT, .default_sort = "-assessed_on",
    .perm = "elders", .title_field = "level_label",
    .validate = assessment_validate, .after_write = assessment_after_write,
};

/* POST /api/v1/elders/{id}/assessments: the elder comes from the URL; the rest is the record. */
int elder_assess(req *r) {
    int64_t id = req_param_id(r, 0);
    json_t *elder = record_load(r, &res_elders, id, 0);
    if (!elder) return resp_error(r, 404, "not_found", "记录不存在", "No such record");
    int writable = record_writable(r, &res_elders, elder);
    json_decref(elder);
    if (!writable) return resp_error(r, 403, "forbidden", "没有权限评估此老人", "Not permitted to assess this elder");
    json_t *in = req_json(r);
    if (!in) return 0;
    json_t *given = json_object_get(in, "elder_id");
    if (given && !(json_is_integer(given) && json_integer_value(given) == id))
        return resp_error_fields(r, 422, "validation_failed", "请求体中的老人编号与地址不一致", "elder_id differs from the URL's",
                                 json_pack("{s:s}", "elder_id", r->lang_en ? "differs from the URL" : "与地址中的编号不一致"),
                                 json_pack("{s:s}", "elder_id", "mismatch"));
    json_object_set_new(in, "elder_id", json_integer(id));
    r->res = &res_assessments;
    return record_create_respond(r, &res_assessments, in);
}

/* ---- the form's reference data ---- */

static json_t *form_items(const struct assess_item_def *defs, int n) {
    json_t *a = json_array();
    for (int k = 0; k < n; k++)
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:i}", "code", defs[k].code, "group", defs[k].group, "label_zh",
                                           defs[k].name_zh, "max_score", defs[k].max_score));
    return a;
}

/* Each level with the lowest total that reaches it, read off the scoring functions themselves so
 * the console's live preview cannot drift from them. */
static json_t *form_levels(int max_total, int (*level_of)(int), const char *(*zh)(int), const char *(*en)(int)) {
    json_t *a = json_array();
    int last = -1;
    for (int t = max_total; t >= 0; t--) {
        int lv = level_of(t);
        if (lv == last) {
            json_object_set_new(json_array_get(a, json_array_size(a) - 1), "min_total", json_integer(t));
            continue;
        }
        last = lv;
        json_array_append_new(a, json_pack("{s:i,s:i,s:i,s:s,s:s}", "level", lv, "min_total", t, "max_total", t, "label_zh",
                                           zh(lv), "label_en", en(lv)));
    }
    return a;
}

/* GET /api/v1/assessments/form */
int assessment_form(req *r) {
    json_t *gbt = json_pack("{s:s,s:i,s:[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s}]}", "standard",
                            STANDARD_GBT42195, "max_total", 90, "groups", "code", "B1", "label_zh", "自理能力", "label_en",
                            "Self-care", "code", "B2", "label_zh", "基础运动能力", "label_en", "Basic mobility", "code", "B3",
                            "label_zh", "精神状态", "label_en", "Mental state", "code", "B4", "label_zh", "感知觉与社会参与",
                            "label_en", "Perception and social participation");
    json_object_set_new(gbt, "items", form_items(gbt42195_items, GBT42195_ITEMS));
    json_object_set_new(gbt, "levels", form_levels(90, gbt42195_level_of_total, gbt42195_level_zh, gbt42195_level_en));
    json_t *barthel = json_pack("{s:s,s:i,s:i}", "standard", STANDARD_BARTHEL, "max_total", 100, "step", 5);
    json_object_set_new(barthel, "items", form_items(barthel_items, BARTHEL_ITEMS));
    json_object_set_new(barthel, "levels", form_levels(100, barthel_level_of_total, barthel_level_zh, barthel_level_en));

    /* assessors and reviewers: active accounts in the caller's elders.write scope, which is what
     * the assessors and reviewers fields accept */
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, "SELECT u.id, u.username, u.name, u.org_id, o.name FROM users u LEFT JOIN org_units o ON o.id = u.org_id "
                 "WHERE u.deleted_at IS NULL AND u.status = 'active'");
    scope_restrict(&q, r->who, "elders.write", "u");
    sqlb_sql(&q, " ORDER BY u.org_path, u.name, u.id LIMIT 500");
    json_t *out = json_pack("{s:[o,o],s:[]}", "standards", gbt, barthel, "staff");
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) { json_decref(out); return -1; }
    json_t *staff = json_object_get(out, "staff");
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        json_array_append_new(staff, json_pack("{s:I,s:s,s:s,s:I,s:s?}", "id", (json_int_t)db_col_int(s, 0), "username",
                                               db_col_text(s, 1), "name", db_col_text(s, 2), "org_id",
                                               (json_int_t)db_col_int(s, 3), "org_name", db_col_text(s, 4)));
    db_done(s);
    if (rc != DB_DONE) { json_decref(out); return rc < 0 ? rc : -1; }
    return resp_data(r, 200, out);
}
