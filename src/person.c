/* person.c: the residents registry - who lives where. Declares the persons record; the domain
 * here is what the ID number implies (gender, birth date), the age shown, and dated status
 * changes: moving out or dying ends the person's household membership on that date. */
#include "resource.h"
#include "elder.h"
#include "household.h"
#include "idnum.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct field person_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_PREFIX | F_SORT | F_LIST | F_FILTER, "姓名", "Name", .max_len = 50},
    {"id_type", FT_DICT, F_FILTER, "证件类型", "Document type", .dict = "id_type", .def = "resident_id"},
    {"id_number", FT_ID_NUMBER, F_REQUIRED | F_UNIQUE | F_SEARCH | F_FILTER | F_LIST, "证件号码", "Document number"},
    {"phone", FT_PHONE, F_SEARCH | F_FILTER | F_LIST, "联系电话", "Phone"},
    {"gender", FT_DICT, F_FILTER | F_SORT | F_LIST, "性别", "Gender", .dict = "gender"},
    {"birth_date", FT_DATE, F_FILTER | F_SORT | F_LIST | F_AGE, "出生日期", "Date of birth"},
    {"ethnicity", FT_DICT, F_FILTER, "民族", "Ethnicity", .dict = "ethnicity"},
    {"org_id", FT_ORG, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "所属社区/网格", "Community / grid", .levels = "community grid"},
    {"address", FT_TEXT, F_SEARCH, "居住地址", "Address", .max_len = 200},
    {"tags", FT_TAGS, F_FILTER | F_LIST, "人员标签", "Tags", .dict = "person_tag"},
    {"status", FT_DICT, F_FILTER | F_SORT | F_LIST, "人员状态", "Status", .dict = "person_status", .def = "active"},
    {"status_date", FT_DATE, F_FILTER | F_SORT, "状态变更日期", "Status date"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static int person_validate(struct write_ctx *w) {
    req *r = w->r;
    /* a resident ID number states gender and birth date; anything typed must agree with it */
    json_t *bd = json_object_get(w->after, "_birth_date"), *g = json_object_get(w->after, "_gender");
    if (bd && g) {
        /* compared as validated (codes, not labels): "男" and "1" are the same gender */
        json_t *given_bd = json_object_get(w->in, "birth_date") ? json_object_get(w->after, "birth_date") : NULL;
        json_t *given_g = json_object_get(w->in, "gender") ? json_object_get(w->after, "gender") : NULL;
        if (json_is_string(given_bd) && strcmp(json_string_value(given_bd), json_string_value(bd)) != 0)
            write_error(w, "birth_date", "birth_date_mismatch", "出生日期与身份证号不一致", "Date of birth does not match the ID number");
        if (json_is_string(given_g) && strcmp(json_string_value(given_g), json_string_value(g)) != 0)
            write_error(w, "gender", "gender_mismatch", "性别与身份证号不一致", "Gender does not match the ID number");
        colvals_set(w->cols, "birth_date", sv_text(arena_strdup(&r->a, json_string_value(bd))));
        colvals_set(w->cols, "gender", sv_text(arena_strdup(&r->a, json_string_value(g))));
        json_object_set(w->after, "birth_date", bd);
        json_object_set(w->after, "gender", g);
    }
    char today[11];
    today_cn(today);
    const char *birth = write_ctx_str(w, "birth_date");
    if (birth && strcmp(birth, today) > 0)
        write_error(w, "birth_date", "birth_date_future", "出生日期不能晚于今天", "Date of birth cannot be in the future");

    /* dated status: leaving needs the date; the date can't precede birth or follow today */
    json_t *st = json_object_get(w->in, "status");
    const char *status = write_ctx_str(w, "status");
    const char *old_status = w->before ? json_string_value(json_object_get(w->before, "status")) : NULL;
    int changed = st && (!old_status || strcmp(old_status, status) != 0);
    if (changed && status && strcmp(status, "active") != 0) {
        const char *d = write_ctx_str(w, "status_date");
        if (!json_object_get(w->in, "status_date") || !d)
            write_error(w, "status_date", "required", "迁出或死亡须填写变更日期", "Moving out or death needs its date");
        else if (strcmp(d, today) > 0)
            write_error(w, "status_date", "date_future", "变更日期不能晚于今天", "The date cannot be in the future");
        else if (birth && strcmp(d, birth) < 0)
            write_error(w, "status_date", "date_before_birth", "变更日期不能早于出生日期", "The date cannot precede the date of birth");
    }
    if (changed && status && strcmp(status, "active") == 0 && !json_object_get(w->in, "status_date")) {
        colvals_set(w->cols, "status_date", sv_text(arena_strdup(&r->a, today)));
    }
    return 0;
}

static int person_left(struct write_ctx *w) {
    json_t *st = json_object_get(w->in, "status");
    const char *old_status = w->before ? json_string_value(json_object_get(w->before, "status")) : NULL;
    if (!st || !old_status || strcmp(old_status, json_string_value(st)) == 0) return 0;
    const char *status = json_string_value(st);
    if (strcmp(status, "active") == 0) return 0;
    return household_person_left(w, w->id, write_ctx_str(w, "status_date"), status);
}

static int person_after_write(struct write_ctx *w) {
    if (w->creating || w->importing) return 0;
    /* an enrolled elder follows the person; its audit entry waits until every write is done */
    json_t *elder = NULL;
    int rc = elder_follow_person(w, &elder);
    if (!rc) rc = person_left(w);
    if (rc || json_object_size(w->errors)) { json_decref(elder); return rc; }
    return elder_follow_audit(w, elder);
}

/* A live household member is not deleted (the household would count a deleted person, or be
 * headed by one): the membership is ended first, or the status changed. */
static int person_before_delete(struct write_ctx *w) {
    if (elder_person_delete_check(w) || w->r->status) return w->r->status ? 0 : -1;
    int64_t n = 0;
    if (db_query_int(w->r->dbc, "SELECT count(*) FROM household_members WHERE person_id = ? AND end_date IS NULL "
                                "AND deleted_at IS NULL", &n, "i", w->id) < 0) return -1;
    if (n > 0)
        resp_error(w->r, 409, "person_in_household", "该居民仍是住户的在册成员，请先办理离户",
                   "The person is a live member of a household; end the membership first");
    return 0;
}

const struct resource res_persons = {
    .name = "persons", .table = "persons", .label_zh = "居民", .label_en = "Residents",
    .fields = person_fields, .nfields = sizeof person_fields / sizeof person_fields[0],
    .flags = R_SCOPED | R_IMPORT | R_EXPORT, .default_sort = "org_id", .title_field = "name",
    .validate = person_validate, .after_write = person_after_write, .before_delete = person_before_delete,
};
