/* elder.c: elders enrolled for home care (居家养老服务对象). An elder is a registered resident aged
 * 60 or more, enrolled once (one live elder per person); the record carries the person's name,
 * gender and birth date and lives in the person's unit, and follows the person when they change
 * (person.c calls elder_follow_person). Eligibility categories are a dictionary; the age categories
 * (高龄 80+, 百岁 100+) are checked against the age and added when it qualifies. The care level and
 * the next assessment date are the latest assessment's (elder_assessment.c), never typed; until the
 * first assessment the enrolment date is the due date, so one date filter lists who is due. The
 * monthly subsidy entitlement is computed when read, from the categories and the rules of the
 * elder's unit and the units above it (subsidy.c). */
#include "elder.h"
#include "audit.h"
#include "crud_internal.h"
#include "scope.h"
#include <stdio.h>
#include <string.h>

static const struct field elder_fields[] = {
    {"person_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_UNIQUE | F_FILTER, "居民", "Resident", .ref = "persons"},
    {"name", FT_TEXT, F_READONLY | F_SEARCH | F_PREFIX | F_FILTER | F_SORT | F_LIST, "姓名", "Name", .max_len = 50},
    {"gender", FT_DICT, F_READONLY | F_FILTER, "性别", "Gender", .dict = "gender"},
    {"birth_date", FT_DATE, F_READONLY | F_FILTER | F_SORT | F_LIST | F_AGE, "出生日期", "Date of birth"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_LIST | F_NOIMPORT, "所属社区/网格", "Community / grid"},
    {"enrolled_on", FT_DATE, F_FILTER | F_SORT, "登记日期", "Enrolled on"},
    {"status", FT_DICT, F_FILTER | F_SORT | F_LIST, "服务状态", "Status", .dict = "elder_status", .def = "active"},
    {"status_date", FT_DATE, F_FILTER | F_SORT, "状态变更日期", "Status date"},
    {"categories", FT_TAGS, F_FILTER | F_LIST, "对象类别", "Categories", .dict = "elder_category"},
    {"living_situation", FT_DICT, F_FILTER, "居住状况", "Living situation", .dict = "living_situation"},
    {"contact1_name", FT_TEXT, F_SEARCH, "紧急联系人", "Emergency contact", .max_len = 50},
    {"contact1_relation", FT_DICT, 0, "紧急联系人关系", "Contact's relation", .dict = "contact_relation"},
    {"contact1_phone", FT_PHONE, F_SEARCH | F_FILTER, "紧急联系人电话", "Contact's phone"},
    {"contact2_name", FT_TEXT, F_SEARCH, "第二紧急联系人", "Second contact", .max_len = 50},
    {"contact2_relation", FT_DICT, 0, "第二联系人关系", "Second contact's relation", .dict = "contact_relation"},
    {"contact2_phone", FT_PHONE, F_SEARCH | F_FILTER, "第二联系人电话", "Second contact's phone"},
    {"care_level", FT_DICT, F_READONLY | F_FILTER | F_SORT | F_LIST | F_NOIMPORT, "能力等级", "Care level", .dict = "care_level"},
    {"last_assessment_id", FT_REF, F_READONLY | F_NOIMPORT, "最近一次评估", "Latest assessment", .ref = "assessments"},
    {"last_assessed_on", FT_DATE, F_READONLY | F_FILTER | F_SORT | F_NOIMPORT, "最近评估日期", "Last assessed on"},
    {"next_assessment_due", FT_DATE, F_READONLY | F_FILTER | F_SORT | F_LIST | F_NOIMPORT, "下次评估日期", "Next assessment due"},
    {"subsidy_amount", FT_MONEY, F_COMPUTED | F_READONLY | F_LIST | F_NOIMPORT, "补贴金额（元/月）", "Subsidy (a month)"},
    {"subsidy_hours", FT_INT, F_COMPUTED | F_READONLY | F_LIST | F_NOIMPORT, "服务时长（小时/月）", "Service hours (a month)"},
    {"home_lat_e6", FT_INT, 0, "住址纬度（百万分之一度）", "Home latitude (micro-degrees)", .min = -90000000, .max = 90000000},
    {"home_lng_e6", FT_INT, 0, "住址经度（百万分之一度）", "Home longitude (micro-degrees)", .min = -180000000, .max = 180000000},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static const char *str_of(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int has_code(json_t *arr, const char *code) {
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), code)) return 1;
    return 0;
}

/* The categories an age earns by itself: 高龄 from 80, 百岁 from 100. */
static void add_age_categories(json_t *cats, int age) {
    if (age >= 80 && !has_code(cats, "aged_80")) json_array_append_new(cats, json_string("aged_80"));
    if (age >= 100 && !has_code(cats, "centenarian")) json_array_append_new(cats, json_string("centenarian"));
}

/* Enrolment: the person must be in the caller's write scope, registered, and 60 or older today.
 * The elder takes the person's name, gender, birth date and unit. *birth gets the birth date. */
static int adopt_person(struct write_ctx *w, int64_t pid, const char *today, char *birth, size_t birthsz) {
    req *r = w->r;
    db_stmt *s = db_prepare(r->dbc, "SELECT name, gender, birth_date, status, org_id, org_path, district_code FROM persons "
                                    "WHERE id = ? AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, pid);
    int rc = db_step(s);
    if (rc != DB_ROW) { db_done(s); return rc == DB_DONE ? 0 : -1; }   /* check_ref answered already */
    const char *name = arena_strdup(&r->a, db_col_text(s, 0));
    const char *gender = db_col_text(s, 1) ? arena_strdup(&r->a, db_col_text(s, 1)) : NULL;
    const char *bd = db_col_text(s, 2) ? arena_strdup(&r->a, db_col_text(s, 2)) : NULL;
    int active = db_col_text(s, 3) && !strcmp(db_col_text(s, 3), "active");
    int64_t org = db_col_int(s, 4);
    const char *path = arena_strdup(&r->a, db_col_text(s, 5));
    const char *district = db_col_text(s, 6) ? arena_strdup(&r->a, db_col_text(s, 6)) : NULL;
    db_done(s);
    /* enrolling writes into the person's unit: out of the caller's write scope it does not exist */
    if (!scope_allows(r->who, resource_write_perm(w->res, &r->a), path, org, 0)) {
        write_error(w, "person_id", "unknown_reference", "引用的居民不存在", "No such resident");
        return 0;
    }
    if (!active) {
        write_error(w, "person_id", "person_not_active", "该居民已迁出或已故，不能登记为服务对象",
                    "The person has moved out or died and cannot be enrolled");
        return 0;
    }
    int age = bd ? age_on(bd, today) : -1;
    if (age < 0) {
        write_error(w, "person_id", "birth_date_unknown", "该居民没有出生日期，无法确认是否年满60周岁",
                    "The person has no date of birth, so being 60 or over cannot be confirmed");
        return 0;
    }
    if (age < ELDER_MIN_AGE) {
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "未满60周岁（现年 %d 岁），不能登记为居家养老服务对象", age);
        snprintf(en, sizeof en, "Under 60 (aged %d): cannot be enrolled for home elderly care", age);
        write_error(w, "person_id", "under_60", zh, en);
        return 0;
    }
    write_ctx_set_text(w, "name", name);
    write_ctx_set_text(w, "gender", gender);
    write_ctx_set_text(w, "birth_date", bd);
    colvals_set(w->cols, "org_id", sv_int(org));
    colvals_set(w->cols, "org_path", sv_text(path));
    colvals_set(w->cols, "district_code", sv_text(district));
    json_object_set_new(w->after, "org_id", json_integer(org));
    snprintf(birth, birthsz, "%s", bd);
    return 0;
}

/* The categories as given, checked against the age, with the age categories it earns added. */
static void check_categories(struct write_ctx *w, int age) {
    req *r = w->r;
    json_t *given = json_object_get(w->after, "categories");
    if (!w->creating && !given) return;
    json_t *cats = given ? json_deep_copy(given) : json_array();
    char zh[160], en[160];
    if (has_code(cats, "aged_80") && age < 80) {
        snprintf(zh, sizeof zh, "“高龄”须年满80周岁（现年 %d 岁）", age);
        snprintf(en, sizeof en, "\"Aged 80 or over\" needs the age of 80 (aged %d)", age);
        write_error(w, "categories", "age_category", zh, en);
    } else if (has_code(cats, "centenarian") && age < 100) {
        snprintf(zh, sizeof zh, "“百岁”须年满100周岁（现年 %d 岁）", age);
        snprintf(en, sizeof en, "\"Aged 100 or over\" needs the age of 100 (aged %d)", age);
        write_error(w, "categories", "age_category", zh, en);
    }
    add_age_categories(cats, age);
    sbuf joined;
    sbuf_init(&joined, &r->a);
    size_t i;
    json_t *v;
    json_array_foreach(cats, i, v) {
        if (joined.len) sbuf_puts(&joined, ",");
        sbuf_puts(&joined, json_string_value(v));
    }
    colvals_set(w->cols, "categories", sv_text(joined.len ? sbuf_str(&joined) : NULL));
    json_object_set_new(w->after, "categories", cats);
}

/* An emergency contact is a name, a relation and a phone together, or nothing. */
static void check_contact(struct write_ctx *w, int k) {
    char name_k[24], rel_k[24], phone_k[24];
    snprintf(name_k, sizeof name_k, "contact%d_name", k);
    snprintf(rel_k, sizeof rel_k, "contact%d_relation", k);
    snprintf(phone_k, sizeof phone_k, "contact%d_phone", k);
    const char *name = write_ctx_str(w, name_k), *rel = write_ctx_str(w, rel_k), *phone = write_ctx_str(w, phone_k);
    if (!name && !rel && !phone) return;
    const char *missing = !name ? name_k : !rel ? rel_k : !phone ? phone_k : NULL;
    if (missing)
        write_error(w, arena_strdup(&w->r->a, missing), "contact_incomplete", "紧急联系人须同时填写姓名、关系和电话",
                    "An emergency contact needs a name, a relation and a phone");
}

static int elder_validate(struct write_ctx *w) {
    req *r = w->r;
    char today[11], birth[16] = "";
    today_cn(today);
    if (w->creating) {
        int rc = adopt_person(w, json_integer_value(json_object_get(w->after, "person_id")), today, birth, sizeof birth);
        if (rc < 0) return rc;
        if (json_object_size(w->errors)) return 0;
        if (!json_object_get(w->after, "enrolled_on")) write_ctx_set_text(w, "enrolled_on", today);
        if (!json_object_get(w->after, "status_date")) write_ctx_set_text(w, "status_date", write_ctx_str(w, "enrolled_on"));
    } else if (str_of(w->before, "birth_date")) {
        snprintf(birth, sizeof birth, "%s", str_of(w->before, "birth_date"));
    }
    int age = *birth ? age_on(birth, today) : -1;
    const char *enrolled = write_ctx_str(w, "enrolled_on");
    if (json_object_get(w->in, "enrolled_on") && enrolled && strcmp(enrolled, today) > 0)
        write_error(w, "enrolled_on", "date_future", "登记日期不能晚于今天", "The enrolment date cannot be in the future");
    check_categories(w, age);
    check_contact(w, 1);
    check_contact(w, 2);
    /* the home is a point: both coordinates or neither (orders and the QR code's check-ins use it) */
    json_t *hlat = json_object_get(w->in, "home_lat_e6") ? json_object_get(w->after, "home_lat_e6") : w->before ? json_object_get(w->before, "home_lat_e6") : NULL;
    json_t *hlng = json_object_get(w->in, "home_lng_e6") ? json_object_get(w->after, "home_lng_e6") : w->before ? json_object_get(w->before, "home_lng_e6") : NULL;
    if (json_is_integer(hlat) != json_is_integer(hlng))
        write_error(w, json_is_integer(hlat) ? "home_lng_e6" : "home_lat_e6", "location_incomplete", "住址位置须同时填写经度和纬度",
                    "A home location needs both latitude and longitude");

    /* never assessed: the first assessment is due on enrolment */
    if (!(w->before && str_of(w->before, "last_assessed_on")) && (w->creating || json_object_get(w->in, "enrolled_on")))
        write_ctx_set_text(w, "next_assessment_due", enrolled);

    /* a status change is dated (today unless given); services resume only for a registered person */
    const char *status = write_ctx_str(w, "status"), *old = w->before ? str_of(w->before, "status") : NULL;
    if (json_object_get(w->in, "status") && status && (!old || strcmp(old, status) != 0)) {
        const char *d = json_object_get(w->in, "status_date") ? write_ctx_str(w, "status_date") : NULL;
        if (!d) write_ctx_set_text(w, "status_date", today);
        else if (strcmp(d, today) > 0)
            write_error(w, "status_date", "date_future", "变更日期不能晚于今天", "The date cannot be in the future");
        if (!w->creating && !strcmp(status, "active")) {
            int64_t n = 0;
            if (db_query_int(r->dbc, "SELECT count(*) FROM persons WHERE id = ? AND status = 'active' AND deleted_at IS NULL",
                             &n, "i", json_integer_value(json_object_get(w->before, "person_id"))) < 0) return -1;
            if (!n) write_error(w, "status", "person_not_active", "该居民已迁出或已故，不能恢复服务",
                                "The person has moved out or died; services cannot resume");
        }
    }
    return 0;
}

/* The entitlement shown with the record: only while services run; the age categories count from
 * the day they are earned, whether or not the record was edited since. */
static void elder_decorate(req *r, json_t *rec, int detail) {
    (void)detail;
    int64_t amount = 0, hours = 0;
    const char *status = str_of(rec, "status");
    if (status && !strcmp(status, "active")) {
        char today[11];
        today_cn(today);
        json_t *cats = json_object_get(rec, "categories");
        cats = json_is_array(cats) ? json_deep_copy(cats) : json_array();
        json_t *age = json_object_get(rec, "age");
        if (json_is_integer(age)) add_age_categories(cats, (int)json_integer_value(age));
        int rc = subsidy_entitlement(r, str_of(rec, "_org_path"), cats, today, &amount, &hours);
        json_decref(cats);
        if (rc) return;
    }
    json_object_set_new(rec, "subsidy_amount", json_integer(amount));
    json_object_set_new(rec, "subsidy_hours", json_integer(hours));
}

const struct resource res_elders = {
    .name = "elders", .table = "elders", .label_zh = "服务对象（老人）", .label_en = "Elders",
    .fields = elder_fields, .nfields = sizeof elder_fields / sizeof elder_fields[0],
    .flags = R_SCOPED | R_EXPORT, .default_sort = "org_id", .title_field = "name", .cache_deps = "subsidy_rules",
    .validate = elder_validate, .decorate = elder_decorate,
};

/* ---- the latest assessment ---- */

int elder_assessed(req *r, int64_t elder_id) {
    json_t *before = json_object(), *after = json_object();
    int rc = -1;
    char path[256] = "/", name[128] = "";
    db_stmt *s = db_prepare(r->dbc, "SELECT care_level, last_assessment_id, last_assessed_on, next_assessment_due, org_path, name "
                                    "FROM elders WHERE id = ?");
    if (!s) goto done;
    db_bind_int(s, 1, elder_id);
    if (db_step(s) != DB_ROW) { db_done(s); goto done; }
    json_object_set_new(before, "care_level", db_col_text(s, 0) ? json_string(db_col_text(s, 0)) : json_null());
    json_object_set_new(before, "last_assessment_id", db_col_type(s, 1) == DBT_NULL ? json_null() : json_integer(db_col_int(s, 1)));
    json_object_set_new(before, "last_assessed_on", db_col_text(s, 2) ? json_string(db_col_text(s, 2)) : json_null());
    json_object_set_new(before, "next_assessment_due", db_col_text(s, 3) ? json_string(db_col_text(s, 3)) : json_null());
    snprintf(path, sizeof path, "%s", db_col_text(s, 4));
    snprintf(name, sizeof name, "%s", db_col_text(s, 5));
    db_done(s);

    /* the latest by date, not by entry: an old paper assessment entered late changes nothing */
    s = db_prepare(r->dbc, "SELECT id, assessed_on, next_due FROM assessments WHERE elder_id = ? AND deleted_at IS NULL "
                           "ORDER BY assessed_on DESC, id DESC LIMIT 1");
    if (!s) goto done;
    db_bind_int(s, 1, elder_id);
    if (db_step(s) != DB_ROW) { db_done(s); rc = 0; goto done; }
    json_object_set_new(after, "last_assessment_id", json_integer(db_col_int(s, 0)));
    json_object_set_new(after, "last_assessed_on", json_string(db_col_text(s, 1)));
    json_object_set_new(after, "next_assessment_due", json_string(db_col_text(s, 2)));
    db_done(s);
    s = db_prepare(r->dbc, "SELECT level FROM assessments WHERE elder_id = ? AND standard = ? AND deleted_at IS NULL "
                           "ORDER BY assessed_on DESC, id DESC LIMIT 1");
    if (!s) goto done;
    db_bind_int(s, 1, elder_id);
    db_bind_text(s, 2, STANDARD_GBT42195, -1);
    int found = db_step(s);
    char level[8];
    if (found == DB_ROW) snprintf(level, sizeof level, "%lld", (long long)db_col_int(s, 0));
    db_done(s);
    if (found == DB_ROW) json_object_set_new(after, "care_level", json_string(level));
    else json_object_set(after, "care_level", json_object_get(before, "care_level"));

    json_t *diff = audit_diff(before, after);
    if (!diff) { rc = 0; goto done; }
    char now[32];
    now_utc_iso(now);
    s = db_prepare(r->dbc, "UPDATE elders SET care_level = ?, last_assessment_id = ?, last_assessed_on = ?, next_assessment_due = ?, "
                           "version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?");
    if (!s) { json_decref(diff); goto done; }
    db_bind_text(s, 1, json_string_value(json_object_get(after, "care_level")), -1);
    db_bind_int(s, 2, json_integer_value(json_object_get(after, "last_assessment_id")));
    db_bind_text(s, 3, json_string_value(json_object_get(after, "last_assessed_on")), -1);
    db_bind_text(s, 4, json_string_value(json_object_get(after, "next_assessment_due")), -1);
    db_bind_text(s, 5, now, -1);
    if (r->who && r->who->user_id) db_bind_int(s, 6, r->who->user_id); else db_bind_null(s, 6);
    db_bind_int(s, 7, elder_id);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { json_decref(diff); rc = rc < 0 ? rc : -1; goto done; }
    json_t *detail = json_pack("{s:o,s:O}", "diff", diff, "assessment_id", json_object_get(after, "last_assessment_id"));
    rc = audit_log(r, "update", "elders", elder_id, path, name, detail);
    json_decref(detail);
done:
    json_decref(before);
    json_decref(after);
    return rc;
}

/* ---- following the person ---- */

int elder_follow_person(struct write_ctx *w, json_t **pending) {
    req *r = w->r;
    *pending = NULL;
    db_stmt *s = db_prepare(r->dbc, "SELECT e.id, e.name, e.gender, e.birth_date, e.org_id, e.status, p.name, p.gender, "
                                    "p.birth_date, p.org_id, p.org_path, p.district_code, p.status, p.status_date, e.org_path "
                                    "FROM elders e JOIN persons p ON p.id = e.person_id WHERE e.person_id = ? AND e.deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, w->id);
    int rc = db_step(s);
    if (rc != DB_ROW) { db_done(s); return rc == DB_DONE ? 0 : -1; }
    int64_t eid = db_col_int(s, 0);
    json_t *before = json_pack("{s:s?,s:s?,s:s?,s:I,s:s?}", "name", db_col_text(s, 1), "gender", db_col_text(s, 2),
                               "birth_date", db_col_text(s, 3), "org_id", (json_int_t)db_col_int(s, 4), "status", db_col_text(s, 5));
    json_t *after = json_pack("{s:s?,s:s?,s:s?,s:I,s:s?}", "name", db_col_text(s, 6), "gender", db_col_text(s, 7),
                              "birth_date", db_col_text(s, 8), "org_id", (json_int_t)db_col_int(s, 9), "status", db_col_text(s, 5));
    const char *org_path = arena_strdup(&r->a, db_col_text(s, 10));
    const char *district = db_col_text(s, 11) ? arena_strdup(&r->a, db_col_text(s, 11)) : NULL;
    int person_left = db_col_text(s, 12) && strcmp(db_col_text(s, 12), "active") != 0;
    const char *left_on = db_col_text(s, 13) ? arena_strdup(&r->a, db_col_text(s, 13)) : NULL;
    const char *old_path = arena_strdup(&r->a, db_col_text(s, 14));
    db_done(s);
    /* moving out or dying ends the services, on the person's date */
    if (person_left && strcmp(json_string_value(json_object_get(before, "status")), "ended") != 0)
        json_object_set_new(after, "status", json_string("ended"));
    json_t *diff = audit_diff(before, after);
    json_decref(before);
    if (!diff) { json_decref(after); return 0; }
    char now[32], today[11];
    now_utc_iso(now);
    today_cn(today);
    int ending = json_object_get(diff, "status") != NULL;
    s = db_prepare(r->dbc, "UPDATE elders SET name = ?, gender = ?, birth_date = ?, org_id = ?, org_path = ?, district_code = ?, "
                           "status = ?, status_date = CASE WHEN ? = 1 THEN ? ELSE status_date END, version = version + 1, "
                           "updated_at = ?, updated_by = ? WHERE id = ?");
    if (!s) { json_decref(diff); json_decref(after); return -1; }
    db_bind_text(s, 1, str_of(after, "name"), -1);
    db_bind_text(s, 2, str_of(after, "gender"), -1);
    db_bind_text(s, 3, str_of(after, "birth_date"), -1);
    db_bind_int(s, 4, json_integer_value(json_object_get(after, "org_id")));
    db_bind_text(s, 5, org_path, -1);
    db_bind_text(s, 6, district, -1);
    db_bind_text(s, 7, str_of(after, "status"), -1);
    db_bind_int(s, 8, ending);
    db_bind_text(s, 9, left_on ? left_on : today, -1);
    db_bind_text(s, 10, now, -1);
    if (r->who && r->who->user_id) db_bind_int(s, 11, r->who->user_id); else db_bind_null(s, 11);
    db_bind_int(s, 12, eid);
    rc = db_step(s);
    db_done(s);
    json_decref(after);
    if (rc != DB_DONE) { json_decref(diff); return rc < 0 ? rc : -1; }
    if (json_object_get(diff, "org_id")) {
        /* the assessments go where the elder goes: the new unit sees the history, the old one no more */
        s = db_prepare(r->dbc, "UPDATE assessments SET org_id = ?, org_path = ?, district_code = ?, version = version + 1 "
                               "WHERE elder_id = ?");
        if (!s) { json_decref(diff); return -1; }
        db_bind_int(s, 1, json_integer_value(json_array_get(json_object_get(diff, "org_id"), 1)));
        db_bind_text(s, 2, org_path, -1);
        db_bind_text(s, 3, district, -1);
        db_bind_int(s, 4, eid);
        rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) { json_decref(diff); return rc < 0 ? rc : -1; }
    }
    *pending = json_pack("{s:I,s:s,s:o}", "id", (json_int_t)eid, "org_path", old_path, "diff", diff);
    return 0;
}

int elder_follow_audit(struct write_ctx *w, json_t *pending) {
    if (!pending) return 0;
    json_t *detail = json_pack("{s:O,s:I}", "diff", json_object_get(pending, "diff"), "person_id", (json_int_t)w->id);
    /* filed where the elder was, so those who saw it see why it left */
    int rc = audit_log(w->r, "update", "elders", json_integer_value(json_object_get(pending, "id")),
                       json_string_value(json_object_get(pending, "org_path")), "随居民信息变更", detail);
    json_decref(detail);
    json_decref(pending);
    return rc;
}

int elder_person_delete_check(struct write_ctx *w) {
    int64_t n = 0;
    if (db_query_int(w->r->dbc, "SELECT count(*) FROM elders WHERE person_id = ? AND deleted_at IS NULL", &n, "i", w->id) < 0)
        return -1;
    if (n > 0)
        resp_error(w->r, 409, "person_is_elder", "该居民已登记为居家养老服务对象，请先删除其服务对象记录",
                   "The person is enrolled as an elder; delete that record first");
    return 0;
}
