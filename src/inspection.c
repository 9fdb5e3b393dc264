/* inspection.c: safety inspections of care institutions (安全生产检查, issue 5 point 10). An inspection
 * records each checklist item (a dictionary, so a district adds its own) as pass, fail or not
 * applicable, with the findings. Nothing failed: it is passed. Something failed: the institution
 * has until a rectification deadline (整改期限) and the inspection is "rectifying". A re-inspection
 * is a new inspection naming the first (reinspection_of): it must look again at every item still
 * failing; if all pass the first becomes "rectified", otherwise it stays open with the items still
 * failing and the new deadline the re-inspection sets. Closure (销号) is a change of status from
 * rectified to closed; no other status is ever typed. ?overdue=1 lists those past their deadline. */
#include "institution.h"
#include "audit.h"
#include "crud_internal.h"
#include "dict.h"
#include <stdio.h>
#include <string.h>

static const struct field inspection_fields[] = {
    {"institution_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_LIST, "受检机构", "Institution", .ref = "institutions",
     .ref_perm = "elders.write"},
    {"reinspection_of", FT_REF, F_IMMUTABLE | F_FILTER | F_LIST, "复查的检查", "Re-inspection of", .ref = "inspections",
     .ref_perm = "elders.write"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_LIST | F_NOIMPORT, "所属街道/社区", "Street / community"},
    {"inspected_on", FT_DATE, F_IMMUTABLE | F_FILTER | F_SORT | F_LIST, "检查日期", "Inspected on"},
    {"inspectors", FT_REFS, F_REQUIRED | F_IMMUTABLE, "检查人员", "Inspectors", .ref = "users", .ref_perm = "elders.write",
     .min = 1, .max = 5},
    {"items", FT_JSON, F_REQUIRED | F_IMMUTABLE, "检查项目结果", "Checklist results"},
    {"failed_items", FT_TAGS, F_READONLY | F_FILTER | F_LIST, "未通过项目", "Items failing", .dict = "inspection_item"},
    {"findings", FT_TEXT, 0, "发现的问题", "Findings", .max_len = 2000},
    {"rectify_by", FT_DATE, F_FILTER | F_SORT | F_LIST, "整改期限", "Rectify by"},
    {"status", FT_DICT, F_FILTER | F_SORT | F_LIST, "状态", "Status", .dict = "inspection_status"},
    {"closed_on", FT_DATE, F_READONLY | F_FILTER | F_SORT, "销号日期", "Closed on"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static const char *str_of(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The checklist results: known items, each pass, fail or na; the failing ones joined by commas. */
static int check_items(struct write_ctx *w, json_t *items, sbuf *failed, json_t *failed_arr) {
    req *r = w->r;
    if (!json_is_object(items) || !json_object_size(items)) {
        write_error(w, "items", "wrong_type", "检查项目结果应为对象（项目：pass/fail/na），至少一项",
                    "Checklist results are an object (item: pass, fail or na), at least one");
        return 0;
    }
    const char *k;
    json_t *v;
    json_object_foreach(items, k, v) {
        char *field = arena_printf(&r->a, "items.%.40s", k);
        utf8_scrub(field);
        int known = dict_check(r->dbc, "inspection_item", k);
        if (known < 0) return -1;
        if (!known) { write_error(w, field, "unknown_item", "检查清单中没有此项目", "Not an item of the checklist"); continue; }
        const char *res = json_is_string(v) ? json_string_value(v) : "";
        if (strcmp(res, "pass") && strcmp(res, "fail") && strcmp(res, "na")) {
            write_error(w, field, "invalid_result", "结果应为 pass、fail 或 na", "A result is pass, fail or na");
            continue;
        }
        if (!strcmp(res, "fail")) {
            if (failed->len) sbuf_puts(failed, ",");
            sbuf_puts(failed, k);
            json_array_append_new(failed_arr, json_string(k));
        }
    }
    return 0;
}

/* A re-inspection: the first inspection is open, of the same institution, and every item still
 * failing there is looked at again. */
static int check_reinspection(struct write_ctx *w, int64_t parent, json_t *items) {
    req *r = w->r;
    db_stmt *s = db_prepare(r->dbc, "SELECT institution_id, status, failed_items, inspected_on FROM inspections WHERE id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, parent);
    if (db_step(s) != DB_ROW) { db_done(s); return 0; }
    int64_t inst = db_col_int(s, 0);
    int open = !strcmp(db_col_text(s, 1), "rectifying");
    char *failing = arena_strdup(&r->a, db_col_text(s, 2) ? db_col_text(s, 2) : "");
    const char *first_on = arena_strdup(&r->a, db_col_text(s, 3));
    db_done(s);
    if (!open) {
        write_error(w, "reinspection_of", "not_rectifying", "该检查没有待整改的问题，无需复查", "That inspection has nothing to rectify");
        return 0;
    }
    if (inst != json_integer_value(json_object_get(w->after, "institution_id")))
        write_error(w, "institution_id", "mismatch", "复查的机构应与原检查一致", "A re-inspection is of the same institution");
    const char *on = write_ctx_str(w, "inspected_on");
    if (on && strcmp(on, first_on) < 0)
        write_error(w, "inspected_on", "before_first", "复查日期不能早于原检查日期", "A re-inspection cannot precede the inspection");
    char *save = NULL;
    for (char *t = strtok_r(failing, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (!json_object_get(items, t))
            write_error(w, arena_printf(&r->a, "items.%s", t), "required", "复查须逐项检查原未通过的项目",
                        "A re-inspection looks again at every item still failing");
    return 0;
}

static int inspection_validate(struct write_ctx *w) {
    req *r = w->r;
    char today[11];
    today_cn(today);
    const char *status = write_ctx_str(w, "status");
    if (!w->creating) {
        /* the one status typed: closure of a rectified inspection */
        const char *old = str_of(w->before, "status");
        if (json_object_get(w->in, "status") && status && strcmp(status, old)) {
            if (strcmp(old, "rectified") || strcmp(status, "closed"))
                write_error(w, "status", "invalid_transition", "只有已整改的检查可以销号（改为已销号）",
                            "Only a rectified inspection can be closed");
            else write_ctx_set_text(w, "closed_on", today);
        }
        if (json_object_get(w->in, "rectify_by") && strcmp(old, "rectifying"))
            write_error(w, "rectify_by", "not_rectifying", "只有整改中的检查可以调整整改期限", "Only an open inspection has a deadline");
        const char *by = write_ctx_str(w, "rectify_by");
        if (json_object_get(w->in, "rectify_by") && (!by || strcmp(by, str_of(w->before, "inspected_on")) < 0))
            write_error(w, "rectify_by", "before_inspection", "整改期限不能早于检查日期", "The deadline cannot precede the inspection");
        return 0;
    }
    if (json_object_get(w->in, "status"))
        write_error(w, "status", "not_allowed", "状态由检查结果决定，不能填写", "The status follows from the results");
    if (!json_object_get(w->after, "inspected_on")) write_ctx_set_text(w, "inspected_on", today);
    const char *on = write_ctx_str(w, "inspected_on");
    if (strcmp(on, today) > 0)
        write_error(w, "inspected_on", "date_future", "检查日期不能晚于今天", "The date cannot be in the future");
    json_t *items = json_object_get(w->after, "items");
    sbuf failed;
    sbuf_init(&failed, &r->a);
    json_t *failed_arr = json_array();
    int rc = check_items(w, items, &failed, failed_arr);
    int64_t parent = json_integer_value(json_object_get(w->after, "reinspection_of"));
    if (!rc && parent && json_is_object(items)) rc = check_reinspection(w, parent, items);
    if (!rc) rc = check_active_users(w, "inspectors", json_object_get(w->after, "inspectors"));
    if (rc) { json_decref(failed_arr); return rc; }
    const char *by = write_ctx_str(w, "rectify_by");
    if (failed.len) {
        if (!by) write_error(w, "rectify_by", "required", "有未通过项目，须定整改期限", "Items failed: set a deadline");
        else if (strcmp(by, on) < 0)
            write_error(w, "rectify_by", "before_inspection", "整改期限不能早于检查日期", "The deadline cannot precede the inspection");
        if (!write_ctx_str(w, "findings"))
            write_error(w, "findings", "required", "有未通过项目，须写明发现的问题", "Items failed: describe the findings");
    } else if (by) {
        write_error(w, "rectify_by", "not_applicable", "全部通过，无需整改期限", "Nothing failed: no deadline");
    }
    colvals_set(w->cols, "failed_items", sv_text(failed.len ? sbuf_str(&failed) : NULL));
    json_object_set_new(w->after, "failed_items", failed_arr);
    /* a re-inspection is a record of a visit; the first inspection carries the state */
    write_ctx_set_text(w, "status", parent ? "recorded" : failed.len ? "rectifying" : "passed");
    return inherit_unit(w, "institutions", json_integer_value(json_object_get(w->after, "institution_id")));
}

/* After a re-inspection: the first inspection is rectified, or stays open with what still fails. */
static int inspection_after_write(struct write_ctx *w) {
    req *r = w->r;
    int64_t parent = json_integer_value(json_object_get(w->after, "reinspection_of"));
    if (!w->creating || !parent) return 0;
    json_t *before = record_load(r, &res_inspections, parent, 0);
    if (!before) return -1;
    json_t *failed = json_object_get(w->after, "failed_items");
    int fixed = json_array_size(failed) == 0;
    sbuf joined;
    sbuf_init(&joined, &r->a);
    size_t i;
    json_t *t;
    json_array_foreach(failed, i, t) {
        if (i) sbuf_puts(&joined, ",");
        sbuf_puts(&joined, json_string_value(t));
    }
    char now[32];
    now_utc_iso(now);
    db_stmt *s = db_prepare(r->dbc, "UPDATE inspections SET status = ?, failed_items = ?, rectify_by = coalesce(?, rectify_by), "
                                    "version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?");
    if (!s) { json_decref(before); return -1; }
    db_bind_text(s, 1, fixed ? "rectified" : "rectifying", -1);
    db_bind_text(s, 2, joined.len ? sbuf_str(&joined) : NULL, -1);
    db_bind_text(s, 3, write_ctx_str(w, "rectify_by"), -1);
    db_bind_text(s, 4, now, -1);
    if (r->who && r->who->user_id) db_bind_int(s, 5, r->who->user_id); else db_bind_null(s, 5);
    db_bind_int(s, 6, parent);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { json_decref(before); return rc < 0 ? rc : -1; }
    /* the tag index follows the items still failing */
    s = db_prepare(r->dbc, "DELETE FROM record_tags WHERE res = 'inspections' AND record_id = ?");
    if (!s) { json_decref(before); return -1; }
    db_bind_int(s, 1, parent);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { json_decref(before); return rc < 0 ? rc : -1; }
    size_t n = json_array_size(failed);
    const char **codes = arena_alloc(&r->a, sizeof *codes * (n + 1));
    for (size_t k = 0; k < n; k++) codes[k] = json_string_value(json_array_get(failed, k));
    if (n && (rc = record_tags_add(r, &res_inspections, parent, codes, (int)n))) { json_decref(before); return rc; }
    json_t *after = record_load(r, &res_inspections, parent, 0);
    if (!after) { json_decref(before); return -1; }
    json_t *diff = audit_diff(before, after);
    json_t *detail = json_pack("{s:o,s:I}", "diff", diff ? diff : json_object(), "reinspection_id", (json_int_t)w->id);
    /* the audit entry must follow every write of the request: the re-inspection's own comes after
     * this hook, so this one is the parent's change, written now and before it */
    rc = audit_log(r, "update", "inspections", parent, json_string_value(json_object_get(after, "_org_path")),
                   json_string_value(json_object_get(after, "inspected_on")), detail);
    json_decref(detail);
    json_decref(before);
    json_decref(after);
    return rc;
}

/* ?overdue=1: still rectifying after the deadline (today is part of every cached page's key) */
static int inspection_list_filter(req *r, sqlb *q, const char *key, const char *val) {
    if (strcmp(key, "overdue")) return 1;
    int want = !strcmp(val, "1") || !strcmp(val, "true");
    if (!want && strcmp(val, "0") && strcmp(val, "false")) {
        resp_error_fields(r, 400, "invalid_filter", "查询条件有误", "Invalid query parameter",
                          json_pack("{s:s}", "overdue", r->lang_en ? "overdue is 1 or 0" : "overdue 应为 1 或 0"),
                          json_pack("{s:s}", "overdue", "invalid_filter"));
        return 0;
    }
    char today[11];
    today_cn(today);
    sqlb_sql(q, want ? " AND t.status = 'rectifying' AND t.rectify_by < " : " AND NOT (t.status = 'rectifying' AND t.rectify_by < ");
    sqlb_val(q, sv_text(arena_strdup(&r->a, today)));
    if (!want) sqlb_sql(q, ")");
    return 0;
}

const struct resource res_inspections = {
    .name = "inspections", .table = "inspections", .label_zh = "养老机构安全检查", .label_en = "Safety inspections",
    .fields = inspection_fields, .nfields = sizeof inspection_fields / sizeof inspection_fields[0],
    .flags = R_SCOPED | R_NO_DELETE | R_EXPORT, .default_sort = "-inspected_on", .perm = "elders", .title_field = "inspected_on",
    .validate = inspection_validate, .after_write = inspection_after_write, .list_filter = inspection_list_filter,
};
