/* centenarian.c: centenarian verification (百岁老人调查复核, issue 5 point 9). A resident aged 100 or
 * more is checked periodically - a visit, a video call, the hospital or institution - and the result
 * (alive, died, moved away) is recorded with its evidence (what was seen, and a reference to the
 * photo or document kept elsewhere) and confirmed by two different reviewers. A verification is
 * never edited: a correction is a new one. The allowance run (allowance_cycle.c) reads the latest:
 * without one from the last six months, or with one saying the person died or left, a
 * centenarian's allowance is suspended, and it resumes in the run after a verification finds them
 * alive. The record lives in the person's unit. */
#include "institution.h"
#include "crud_internal.h"
#include <stdio.h>
#include <string.h>

static const struct field verification_fields[] = {
    {"person_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER, "居民", "Resident", .ref = "persons", .ref_perm = "elders.write"},
    {"name", FT_TEXT, F_READONLY | F_SEARCH | F_PREFIX | F_SORT | F_LIST, "姓名", "Name", .max_len = 50},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_LIST | F_NOIMPORT, "所属社区/网格", "Community / grid"},
    {"verified_on", FT_DATE, F_FILTER | F_SORT | F_LIST, "核查日期", "Verified on"},
    {"method", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "核查方式", "Method", .dict = "verification_method"},
    {"result", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "核查结果", "Result", .dict = "verification_result"},
    {"evidence", FT_TEXT, F_REQUIRED, "核查情况（佐证）", "Evidence", .max_len = 1000},
    {"attachment", FT_TEXT, 0, "附件（照片/证明编号）", "Attachment reference", .max_len = 300},
    /* two people confirm it, from the staff the caller works with (FT_REFS keeps them distinct) */
    {"reviewers", FT_REFS, F_REQUIRED, "复核人", "Reviewers", .ref = "users", .ref_perm = "elders.write", .min = 2, .max = 2},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static int verification_validate(struct write_ctx *w) {
    req *r = w->r;
    int64_t pid = json_integer_value(json_object_get(w->after, "person_id"));
    db_stmt *s = db_prepare(r->dbc, "SELECT name, birth_date FROM persons WHERE id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, pid);
    if (db_step(s) != DB_ROW) { db_done(s); return -1; }      /* the reference was found a moment ago */
    const char *name = arena_strdup(&r->a, db_col_text(s, 0));
    const char *birth = db_col_text(s, 1) ? arena_strdup(&r->a, db_col_text(s, 1)) : NULL;
    db_done(s);
    char today[11];
    today_cn(today);
    if (!json_object_get(w->after, "verified_on")) write_ctx_set_text(w, "verified_on", today);
    const char *on = write_ctx_str(w, "verified_on");
    if (strcmp(on, today) > 0)
        write_error(w, "verified_on", "date_future", "核查日期不能晚于今天", "The date cannot be in the future");
    int age = birth ? age_on(birth, on) : -1;
    if (age < 100) {
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "核查日该居民未满100周岁（%d 岁）", age);
        snprintf(en, sizeof en, "The resident was not 100 on that day (aged %d)", age);
        write_error(w, "person_id", "not_centenarian", zh, en);
    }
    /* the reviewers confirm what someone else recorded */
    json_t *reviewers = json_object_get(w->after, "reviewers");
    size_t i;
    json_t *u;
    json_array_foreach(reviewers, i, u)
        if (r->who && json_integer_value(u) == r->who->user_id)
            write_error(w, arena_printf(&r->a, "reviewers[%zu]", i), "self_review", "录入人不能兼任复核人",
                        "Whoever records the verification cannot review it");
    if (check_active_users(w, "reviewers", reviewers)) return -1;
    write_ctx_set_text(w, "name", name);
    return inherit_unit(w, "persons", pid);
}

const struct resource res_centenarian_verifications = {
    .name = "centenarian_verifications", .table = "centenarian_verifications", .label_zh = "百岁老人调查复核",
    .label_en = "Centenarian verifications",
    .fields = verification_fields, .nfields = sizeof verification_fields / sizeof verification_fields[0],
    .flags = R_SCOPED | R_NO_UPDATE | R_NO_DELETE | R_EXPORT, .default_sort = "-verified_on", .perm = "elders",
    .title_field = "name", .validate = verification_validate,
};
