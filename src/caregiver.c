/* caregiver.c: caregivers (养老护理员) of the contracted providers. A caregiver works for one
 * provider and is filed under the provider's unit; their phone is a personal one, encrypted, masked
 * and unmasked with an audit entry as residents' phones are. They carry the 养老护理员 certificate
 * (grade 5 to 1 of the 2019 national standard, its number and expiry), skills from the
 * caregiver_skill dictionary (what a service item needs), where they live (for the distance to a
 * visit) and when they work each week, which dispatch suggestions read (service_order_suggest.c).
 * A provider's administrator manages only their own provider's caregivers (scope.c). */
#include "resource.h"
#include "provider.h"
#include "scope.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct field caregiver_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_PREFIX | F_SORT | F_LIST, "姓名", "Name", .max_len = 50},
    {"gender", FT_DICT, F_FILTER | F_LIST, "性别", "Gender", .dict = "gender"},
    {"phone", FT_PHONE, F_SEARCH | F_FILTER | F_LIST, "手机号码", "Mobile phone"},
    {"provider_id", FT_REF, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_SORT | F_LIST, "服务机构", "Provider", .ref = "providers",
     .ref_perm = "caregivers.write"},
    {"cert_level", FT_DICT, F_FILTER | F_SORT | F_LIST, "养老护理员等级", "Certificate grade", .dict = "caregiver_cert_level"},
    {"cert_no", FT_TEXT, 0, "证书编号", "Certificate number", .max_len = 40},
    {"cert_expiry", FT_DATE, F_FILTER | F_SORT | F_LIST, "证书有效期至", "Certificate valid until"},
    {"skills", FT_TAGS, F_FILTER | F_LIST, "技能", "Skills", .dict = "caregiver_skill"},
    {"home_lat_e6", FT_INT, 0, "住址纬度（百万分之一度）", "Home latitude (micro-degrees)", .min = -90000000, .max = 90000000},
    {"home_lng_e6", FT_INT, 0, "住址经度（百万分之一度）", "Home longitude (micro-degrees)", .min = -180000000, .max = 180000000},
    {"availability", FT_JSON, F_NOIMPORT, "每周可服务时段", "Weekly availability"},
    {"status", FT_DICT, F_FILTER | F_SORT | F_LIST, "状态", "Status", .dict = "caregiver_status", .def = "on_duty"},
    {"org_id", FT_ORG, F_READONLY | F_FILTER | F_SORT | F_NOIMPORT, "所属单位", "Unit"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

static const char *const weekdays[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* "HH:MM-HH:MM" -> minutes of the day, start before end. 0 on success. */
static int parse_interval(const char *s, int *from, int *to) {
    int h1, m1, h2, m2;
    char tail;
    if (!s || strlen(s) != 11 || sscanf(s, "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2, &m2, &tail) != 4) return -1;
    if (h1 < 0 || h1 > 24 || h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59) return -1;
    *from = h1 * 60 + m1;
    *to = h2 * 60 + m2;
    return *from < *to && *to <= 24 * 60 ? 0 : -1;
}

const char *availability_problem(json_t *a, int en) {
    if (!json_is_object(a)) return en ? "Weekly availability is an object: weekday -> [\"08:00-12:00\", ...]"
                                      : "每周可服务时段应为对象：星期 -> [\"08:00-12:00\", …]";
    const char *k;
    json_t *v;
    json_object_foreach(a, k, v) {
        int known = 0;
        for (int d = 0; d < 7; d++) if (!strcmp(k, weekdays[d])) known = 1;
        if (!known) return en ? "Weekdays are mon, tue, wed, thu, fri, sat, sun" : "星期应为 mon、tue、wed、thu、fri、sat、sun";
        if (!json_is_array(v) || json_array_size(v) > 8) return en ? "Each weekday holds a list of up to 8 intervals" : "每天应为至多 8 个时段的列表";
        size_t i;
        json_t *iv;
        json_array_foreach(v, i, iv) {
            int f, t;
            if (parse_interval(json_string_value(iv), &f, &t))
                return en ? "An interval is \"HH:MM-HH:MM\", its start before its end" : "时段格式应为 \"HH:MM-HH:MM\"，开始早于结束";
        }
    }
    return NULL;
}

/* Minutes since the epoch in Beijing time (UTC+8, no daylight saving) and that day's weekday. */
static int beijing_minutes(const char *utc, long long *minutes, int *wday) {
    int y, mo, d, h, mi, sec;
    if (!utc || sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) != 6) return -1;
    /* days from the civil date (Howard Hinnant's algorithm), so no time zone of the process matters */
    y -= mo <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400, doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    long long m = days * 1440 + h * 60 + mi + 8 * 60;
    *minutes = m;
    long long bd = m >= 0 ? m / 1440 : (m - 1439) / 1440;
    *wday = (int)(((bd % 7) + 11) % 7);              /* 1970-01-01 was a Thursday */
    return 0;
}

int availability_covers(json_t *a, const char *start, const char *end) {
    long long s, e;
    int wd, wd2;
    if (!json_is_object(a) || beijing_minutes(start, &s, &wd) || beijing_minutes(end, &e, &wd2) || e <= s) return 0;
    long long day0 = s - (((s % 1440) + 1440) % 1440);
    int from = (int)(s - day0), to_m = (int)(e - day0);
    json_t *v = json_object_get(a, weekdays[wd]);
    size_t i;
    json_t *iv;
    json_array_foreach(v, i, iv) {
        int f, t;
        if (!parse_interval(json_string_value(iv), &f, &t) && f <= from && to_m <= t) return 1;
    }
    return 0;
}

static int caregiver_validate(struct write_ctx *w) {
    req *r = w->r;
    json_t *av = json_object_get(w->in, "availability");
    if (av && !json_is_null(av)) {
        const char *zh = availability_problem(av, 0);
        if (zh) write_error(w, "availability", "invalid_availability", zh, availability_problem(av, 1));
    }
    /* a home is a point: both coordinates or neither */
    json_t *lat = json_object_get(w->after, "home_lat_e6"), *lng = json_object_get(w->after, "home_lng_e6");
    if (!w->creating) {
        if (!lat && !json_object_get(w->in, "home_lat_e6")) lat = json_object_get(w->before, "home_lat_e6");
        if (!lng && !json_object_get(w->in, "home_lng_e6")) lng = json_object_get(w->before, "home_lng_e6");
    }
    if (json_is_integer(lat) != json_is_integer(lng))
        write_error(w, json_is_integer(lat) ? "home_lng_e6" : "home_lat_e6", "location_incomplete",
                    "住址须同时填写经度和纬度", "A home location needs both latitude and longitude");
    if (!w->creating || json_object_size(w->errors)) return 0;
    /* the caregiver lives in the provider's unit, and the writer must reach it there */
    int64_t pid = json_integer_value(json_object_get(w->after, "provider_id"));
    db_stmt *s = db_prepare(r->dbc, "SELECT org_id, org_path, district_code FROM providers WHERE id = ? AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, pid);
    int rc = db_step(s);
    if (rc != DB_ROW) { db_done(s); return rc == DB_DONE ? 0 : -1; }
    int64_t org = db_col_int(s, 0);
    const char *path = arena_strdup(&r->a, db_col_text(s, 1));
    const char *district = db_col_text(s, 2) ? arena_strdup(&r->a, db_col_text(s, 2)) : NULL;
    db_done(s);
    json_t *would = json_pack("{s:I,s:s,s:I}", "provider_id", (json_int_t)pid, "_org_path", path, "_org_id", (json_int_t)org);
    int ok = scope_allows_record(r->who, resource_write_perm(w->res, &r->a), w->res->table, would);
    json_decref(would);
    if (!ok) {
        write_error(w, "provider_id", "unknown_reference", "引用的服务机构不存在", "No such care provider");
        return 0;
    }
    write_ctx_set_unit(w, org, path, district);
    return 0;
}

const struct resource res_caregivers = {
    .name = "caregivers", .table = "caregivers", .label_zh = "养老护理员", .label_en = "Caregivers",
    .fields = caregiver_fields, .nfields = sizeof caregiver_fields / sizeof caregiver_fields[0],
    .flags = R_SCOPED | R_EXPORT | R_IMPORT, .default_sort = "provider_id,name", .title_field = "name",
    .validate = caregiver_validate,
};
