/* demo_institutions.c: the demo district's care institutions, as the article reports 金水区: 39
 * day-care centres (日间照料中心 and 托老站) in 39 of its communities, one rural nursing home (敬老院,
 * in 杨金路街道, once a rural office) and three private institutions housing 400+ elders (in
 * proportion for a smaller demo). Residents are residents aged 60+ (the oldest first) enrolled as
 * elders and placed; day-care centres take home-care elders of their community, with the last
 * three days' attendance. The district sets its allowance rates (80-89, 90-99, 100+), every
 * centenarian has had a proof of life reviewed by two staff, and the institutions have had safety
 * inspections: passed, closed after rectification, being rectified, and one past its deadline. Rows
 * are written directly, as the rest of the demo is. */
#include "demo.h"
#include "demo_data.h"
#include "resource.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ART_SCALE 200000.0
#define ART_DAY_CARE 39
#define ART_RESIDENTS 426            /* "400+": 36 in the nursing home, 390 in the private institutions */

struct inst { const char *name, *kind; int beds, share; };   /* share: of ART_RESIDENTS */
static const struct inst residential[] = {
    {"金水区杨金敬老院", "nursing_home", 60, 36},
    {"金水区康乐颐养院", "private", 180, 150},
    {"郑州颐和老年公寓", "private", 160, 132},
    {"金水区福寿园养老中心", "private", 130, 108},
};

static void day_shift(const char *today, int days, char out[11]) {
    struct tm t = {0};
    t.tm_year = atoi(today) - 1900;
    t.tm_mon = atoi(today + 5) - 1;
    t.tm_mday = atoi(today + 8) + days;
    t.tm_hour = 12;
    timegm(&t);
    strftime(out, 11, "%Y-%m-%d", &t);
}

static int step_done(db_stmt *s) {
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE || rc == DB_ROW ? 0 : -1;
}

struct unit { int64_t id; char path[128], name[128]; };

static int64_t insert_institution(db_conn *c, const struct unit *u, const char *name, const char *kind, int beds,
                                  const char *opened, const char *now) {
    db_stmt *s = db_prepare(c, "INSERT INTO institutions (name, kind, address, beds, operator, license_no, opened_on, status, org_id, "
                               "org_path, district_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'operating', ?, ?, '410105', ?, ?) "
                               "RETURNING id");
    if (!s) return -1;
    char addr[200], op[160], lic[32];
    static int seq;
    snprintf(addr, sizeof addr, "郑州市金水区%s", u->name);
    snprintf(op, sizeof op, strcmp(kind, "private") ? "%s" : "%s运营管理有限公司", strcmp(kind, "private") ? u->name : name);
    snprintf(lic, sizeof lic, "豫民养备41010500%03d", ++seq);
    db_bind_text(s, 1, name, -1);
    db_bind_text(s, 2, kind, -1);
    db_bind_text(s, 3, addr, -1);
    db_bind_int(s, 4, beds);
    db_bind_text(s, 5, op, -1);
    db_bind_text(s, 6, lic, -1);
    db_bind_text(s, 7, opened, -1);
    db_bind_int(s, 8, u->id);
    db_bind_text(s, 9, u->path, -1);
    db_bind_text(s, 10, now, -1);
    db_bind_text(s, 11, now, -1);
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_done(s);
    return id;
}

static int insert_placement(db_conn *c, int64_t inst, int64_t elder, const struct unit *u, const char *on, const char *now) {
    db_stmt *s = db_prepare(c, "INSERT INTO placements (institution_id, elder_id, placed_on, org_id, org_path, district_code, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, '410105', ?, ?)");
    if (!s) return -1;
    db_bind_int(s, 1, inst);
    db_bind_int(s, 2, elder);
    db_bind_text(s, 3, on, -1);
    db_bind_int(s, 4, u->id);
    db_bind_text(s, 5, u->path, -1);
    db_bind_text(s, 6, now, -1);
    db_bind_text(s, 7, now, -1);
    return step_done(s);
}

/* The oldest residents not yet enrolled, enrolled now as elders living in an institution. */
static int64_t *enrol_oldest(db_conn *c, const char *dpath, int want, const char *today, const char *now, int *got) {
    int64_t *ids = calloc((size_t)want + 1, sizeof *ids);
    int k = 0;
    char cutoff[11];
    snprintf(cutoff, sizeof cutoff, "%04d%s", atoi(today) - 60, today + 4);
    char upper[140];
    snprintf(upper, sizeof upper, "%.*s0", (int)strlen(dpath) - 1, dpath);
    db_stmt *s = db_prepare(c, "SELECT p.id, p.name, p.gender, p.birth_date, p.org_id, p.org_path, p.district_code FROM persons p "
                               "WHERE p.org_path >= ? AND p.org_path < ? AND p.status = 'active' AND p.deleted_at IS NULL "
                               "AND p.birth_date <= ? AND NOT EXISTS (SELECT 1 FROM elders e WHERE e.person_id = p.id) "
                               "ORDER BY p.birth_date, p.id LIMIT ?");
    if (!s || !ids) { free(ids); return NULL; }
    db_bind_text(s, 1, dpath, -1);
    db_bind_text(s, 2, upper, -1);
    db_bind_text(s, 3, cutoff, -1);
    db_bind_int(s, 4, want);
    struct row { int64_t pid, org; char name[64], gender[4], birth[11], path[128], district[8]; } *rows = calloc((size_t)want + 1, sizeof *rows);
    int n = 0;
    while (rows && db_step(s) == DB_ROW && n < want) {
        struct row *x = &rows[n++];
        x->pid = db_col_int(s, 0);
        snprintf(x->name, sizeof x->name, "%s", db_col_text(s, 1));
        snprintf(x->gender, sizeof x->gender, "%s", db_col_text(s, 2) ? db_col_text(s, 2) : "1");
        snprintf(x->birth, sizeof x->birth, "%s", db_col_text(s, 3));
        x->org = db_col_int(s, 4);
        snprintf(x->path, sizeof x->path, "%s", db_col_text(s, 5));
        snprintf(x->district, sizeof x->district, "%s", db_col_text(s, 6) ? db_col_text(s, 6) : "");
    }
    db_done(s);
    for (int i = 0; rows && i < n; i++) {
        struct row *x = &rows[i];
        int age = age_on(x->birth, today);
        const char *cats = age >= 100 ? "aged_80,centenarian" : age >= 80 ? "aged_80" : NULL;
        s = db_prepare(c, "INSERT INTO elders (person_id, name, gender, birth_date, enrolled_on, status, status_date, categories, "
                          "living_situation, next_assessment_due, org_id, org_path, district_code, created_at, updated_at) "
                          "VALUES (?, ?, ?, ?, ?, 'active', ?, ?, 'other', ?, ?, ?, ?, ?, ?) RETURNING id");
        if (!s) break;
        db_bind_int(s, 1, x->pid);
        db_bind_text(s, 2, x->name, -1);
        db_bind_text(s, 3, x->gender, -1);
        db_bind_text(s, 4, x->birth, -1);
        db_bind_text(s, 5, today, -1);
        db_bind_text(s, 6, today, -1);
        db_bind_text(s, 7, cats, -1);
        db_bind_text(s, 8, today, -1);
        db_bind_int(s, 9, x->org);
        db_bind_text(s, 10, x->path, -1);
        db_bind_text(s, 11, *x->district ? x->district : NULL, -1);
        db_bind_text(s, 12, now, -1);
        db_bind_text(s, 13, now, -1);
        int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
        db_done(s);
        if (id < 0) break;
        const char *tags[2] = {age >= 80 ? "aged_80" : NULL, age >= 100 ? "centenarian" : NULL};
        int bad = 0;
        for (int t = 0; t < 2 && !bad; t++) {
            if (!tags[t]) continue;
            s = db_prepare(c, "INSERT INTO record_tags (res, tag, record_id) VALUES ('elders', ?, ?)");
            if (!s) { bad = 1; break; }
            db_bind_text(s, 1, tags[t], -1);
            db_bind_int(s, 2, id);
            bad = step_done(s);
        }
        if (bad) break;
        ids[k++] = id;
    }
    free(rows);
    *got = k;
    return ids;
}

static int insert_rates(db_conn *c, int64_t district, const char *dpath, const char *now) {
    /* Zhengzhou's 高龄津贴: 50, 100 and 300 yuan a month */
    static const struct { const char *band; int fen; } rates[] = {{"80_89", 5000}, {"90_99", 10000}, {"100_plus", 30000}};
    for (size_t i = 0; i < 3; i++) {
        db_stmt *s = db_prepare(c, "INSERT INTO allowance_rates (band, amount, valid_from, note, org_id, org_path, district_code, "
                                   "created_at, updated_at) VALUES (?, ?, '2024-01-01', '金水区高龄津贴标准', ?, ?, '410105', ?, ?)");
        if (!s) return -1;
        db_bind_text(s, 1, rates[i].band, -1);
        db_bind_int(s, 2, rates[i].fen);
        db_bind_int(s, 3, district);
        db_bind_text(s, 4, dpath, -1);
        db_bind_text(s, 5, now, -1);
        db_bind_text(s, 6, now, -1);
        if (step_done(s)) return -1;
    }
    return 0;
}

/* Every centenarian of the district verified alive one to four months ago. */
static int verify_centenarians(db_conn *c, struct demo_rng *rng, const char *dpath, const char *reviewers, const char *today,
                               const char *now, int *n) {
    char cutoff[11];
    snprintf(cutoff, sizeof cutoff, "%04d%s", atoi(today) - 100, today + 4);
    db_stmt *s = db_prepare(c, "SELECT id, name, org_id, org_path FROM persons WHERE org_path >= ? AND org_path < ? AND "
                               "status = 'active' AND deleted_at IS NULL AND birth_date <= ?");
    if (!s) return -1;
    char upper[128];
    snprintf(upper, sizeof upper, "%.*s0", (int)strlen(dpath) - 1, dpath);
    db_bind_text(s, 1, dpath, -1);
    db_bind_text(s, 2, upper, -1);
    db_bind_text(s, 3, cutoff, -1);
    struct { int64_t id, org; char name[64], path[128]; } v[256];
    int k = 0;
    while (db_step(s) == DB_ROW && k < 256) {
        v[k].id = db_col_int(s, 0);
        snprintf(v[k].name, sizeof v[k].name, "%s", db_col_text(s, 1));
        v[k].org = db_col_int(s, 2);
        snprintf(v[k].path, sizeof v[k].path, "%s", db_col_text(s, 3));
        k++;
    }
    db_done(s);
    static const char *methods[] = {"home_visit", "home_visit", "video", "institution"};
    for (int i = 0; i < k; i++) {
        char on[11];
        day_shift(today, -demo_rng_int(rng, 30, 120), on);
        s = db_prepare(c, "INSERT INTO centenarian_verifications (person_id, name, verified_on, method, result, evidence, reviewers, "
                          "org_id, org_path, district_code, created_at, updated_at) VALUES (?, ?, ?, ?, 'alive', ?, ?, ?, ?, '410105', ?, ?)");
        if (!s) return -1;
        db_bind_int(s, 1, v[i].id);
        db_bind_text(s, 2, v[i].name, -1);
        db_bind_text(s, 3, on, -1);
        db_bind_text(s, 4, methods[demo_rng_int(rng, 0, 3)], -1);
        db_bind_text(s, 5, "社区工作人员与家属共同见证，老人精神状态良好，已拍照留存", -1);
        db_bind_text(s, 6, reviewers, -1);
        db_bind_int(s, 7, v[i].org);
        db_bind_text(s, 8, v[i].path, -1);
        db_bind_text(s, 9, now, -1);
        db_bind_text(s, 10, now, -1);
        if (step_done(s)) return -1;
    }
    *n = k;
    return 0;
}

/* One inspection of each residential institution: passed, closed after rectification, being
 * rectified, and past its deadline. */
static int inspect(db_conn *c, const int64_t *inst, const struct unit *units, const char *inspectors, const char *today,
                   const char *now) {
    static const struct { int before, deadline; const char *failed, *findings, *status; } cases[] = {
        {40, 0, NULL, NULL, "passed"},
        {75, -45, NULL, "灭火器过期3具，已更换", "closed"},
        {20, 10, "extinguishers,electrical", "灭火器过期；厨房电线私拉乱接", "rectifying"},
        {50, -15, "fire_exits", "一楼消防通道堆放杂物", "rectifying"},
    };
    static const char *items[] = {"fire_exits", "extinguishers", "smoke_alarms", "electrical", "gas", "food_safety",
                                  "anti_slip", "call_system", "medication", "staff_training"};
    for (int i = 0; i < 4; i++) {
        char on[11], by[11], closed[11], json[600] = "{";
        day_shift(today, -cases[i].before, on);
        day_shift(today, cases[i].deadline, by);
        day_shift(today, -30, closed);
        for (size_t k = 0; k < sizeof items / sizeof items[0]; k++) {
            int fail = cases[i].failed && strstr(cases[i].failed, items[k]);
            snprintf(json + strlen(json), sizeof json - strlen(json), "%s\"%s\":\"%s\"", k ? "," : "", items[k], fail ? "fail" : "pass");
        }
        strcat(json, "}");
        int has_deadline = strcmp(cases[i].status, "passed") != 0;
        db_stmt *s = db_prepare(c, "INSERT INTO inspections (institution_id, inspected_on, inspectors, items, failed_items, findings, "
                                   "rectify_by, status, closed_on, org_id, org_path, district_code, created_at, updated_at) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '410105', ?, ?) RETURNING id");
        if (!s) return -1;
        db_bind_int(s, 1, inst[i]);
        db_bind_text(s, 2, on, -1);
        db_bind_text(s, 3, inspectors, -1);
        db_bind_text(s, 4, json, -1);
        db_bind_text(s, 5, cases[i].failed, -1);
        db_bind_text(s, 6, cases[i].findings, -1);
        db_bind_text(s, 7, has_deadline ? by : NULL, -1);
        db_bind_text(s, 8, cases[i].status, -1);
        db_bind_text(s, 9, !strcmp(cases[i].status, "closed") ? closed : NULL, -1);
        db_bind_int(s, 10, units[i].id);
        db_bind_text(s, 11, units[i].path, -1);
        db_bind_text(s, 12, now, -1);
        db_bind_text(s, 13, now, -1);
        int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
        db_done(s);
        if (id < 0) return -1;
        char *copy = cases[i].failed ? strdup(cases[i].failed) : NULL, *save = NULL;
        for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
            s = db_prepare(c, "INSERT INTO record_tags (res, tag, record_id) VALUES ('inspections', ?, ?)");
            if (!s || (db_bind_text(s, 1, t, -1), db_bind_int(s, 2, id), step_done(s))) { free(copy); return -1; }
        }
        free(copy);
    }
    return 0;
}

/* Units a query with one text parameter (given twice when the query has two) finds. */
static int units_of(db_conn *c, const char *sql, const char *arg, struct unit *out, int max) {
    db_stmt *s = db_prepare(c, sql);
    if (!s) return -1;
    db_bind_text(s, 1, arg, -1);
    if (strstr(strchr(sql, '?') + 1, "?")) db_bind_text(s, 2, arg, -1);
    int k = 0;
    while (k < max && db_step(s) == DB_ROW) {
        out[k].id = db_col_int(s, 0);
        snprintf(out[k].path, sizeof out[k].path, "%s", db_col_text(s, 1));
        snprintf(out[k].name, sizeof out[k].name, "%s", db_col_text(s, 2));
        k++;
    }
    db_done(s);
    return k;
}

int demo_institutions(db_conn *c, struct demo_rng *rng, long persons, const char *today, const char *now) {
    struct unit district, streets[64], comms[200];
    if (units_of(c, "SELECT id, org_path, name FROM org_units WHERE code = ?", "410105", &district, 1) != 1) return -1;
    char like[140];
    snprintf(like, sizeof like, "%s", district.path);
    int nstreets = units_of(c, "SELECT id, org_path, name FROM org_units WHERE level = 'street' AND parent_id = "
                               "(SELECT id FROM org_units WHERE org_path = ?) AND deleted_at IS NULL ORDER BY code", like, streets, 64);
    int ncomms = units_of(c, "SELECT id, org_path, name FROM org_units WHERE level = 'community' AND substr(org_path, 1, length(?)) = ? "
                             "AND deleted_at IS NULL ORDER BY code", like, comms, 200);
    if (nstreets <= 0 || ncomms <= 0) {
        fprintf(stderr, "shequ demo: 金水区 has no streets or communities\n");
        return -1;
    }
    int64_t a1 = 0, a2 = 0;
    if (db_query_int(c, "SELECT id FROM users WHERE username = 'district_admin'", &a1, NULL) < 0 ||
        db_query_int(c, "SELECT id FROM users WHERE username = 'street_admin'", &a2, NULL) < 0) return -1;
    char pair[48];
    snprintf(pair, sizeof pair, "%lld,%lld", (long long)a1, (long long)a2);
    if (db_begin_write(c)) return -1;

    /* residential institutions: the nursing home in 杨金路街道, the private ones in communities */
    int yangjin = 0;
    for (int i = 0; i < nstreets; i++) if (strstr(streets[i].name, "杨金")) yangjin = i;
    int64_t inst[4];
    struct unit where[4];
    int rc = 0, placed = 0, want_total = (int)(ART_RESIDENTS * persons / ART_SCALE + 0.5);
    for (int i = 0; i < 4 && !rc; i++) {
        where[i] = i == 0 ? streets[yangjin] : comms[(i * 47) % ncomms];
        char opened[11];
        day_shift(today, -demo_rng_int(rng, 700, 4000), opened);
        inst[i] = insert_institution(c, &where[i], residential[i].name, residential[i].kind, residential[i].beds, opened, now);
        if (inst[i] < 0) { rc = -1; break; }
        int want = (int)(residential[i].share * persons / ART_SCALE + 0.5), got = 0;
        if (want > residential[i].beds) want = residential[i].beds;
        if (want < 1 && want_total >= 1) want = 1;
        int64_t *elders = enrol_oldest(c, district.path, want, today, now, &got);
        if (!elders) { rc = -1; break; }
        for (int k = 0; k < got && !rc; k++) {
            char on[11];
            day_shift(today, -demo_rng_int(rng, 10, 1500), on);
            if (strcmp(on, opened) < 0) snprintf(on, sizeof on, "%s", opened);
            rc = insert_placement(c, inst[i], elders[k], &where[i], on, now);
            placed++;
        }
        free(elders);
    }

    /* day care: 39 communities spread over the district, each with its home-care elders placed */
    int day_care = 0, enrolled = 0, marks = 0;
    for (int i = 0; i < ART_DAY_CARE && i < ncomms && !rc; i++) {
        const struct unit *u = &comms[(i * ncomms) / ART_DAY_CARE];
        char name[200], opened[11];
        int station = i % 4 == 3;
        snprintf(name, sizeof name, "%s%s", u->name, station ? "托老站" : "日间照料中心");
        day_shift(today, -demo_rng_int(rng, 400, 3000), opened);
        int64_t id = insert_institution(c, u, name, station ? "care_station" : "day_care", station ? 15 : 30, opened, now);
        if (id < 0) { rc = -1; break; }
        day_care++;
        db_stmt *s = db_prepare(c, "SELECT e.id FROM elders e WHERE substr(e.org_path, 1, length(?)) = ? AND e.status = 'active' "
                                   "AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.elder_id = e.id AND p.ended_on IS NULL) "
                                   "ORDER BY e.id LIMIT ?");
        if (!s) { rc = -1; break; }
        db_bind_text(s, 1, u->path, -1);
        db_bind_text(s, 2, u->path, -1);
        db_bind_int(s, 3, station ? 15 : 30);
        int64_t ids[32];
        int n = 0;
        while (n < 32 && db_step(s) == DB_ROW) ids[n++] = db_col_int(s, 0);
        db_done(s);
        for (int k = 0; k < n && !rc; k++) {
            char on[11];
            day_shift(today, -demo_rng_int(rng, 5, 300), on);
            rc = insert_placement(c, id, ids[k], u, on, now);
            enrolled++;
            for (int d = 0; d < 3 && !rc; d++) {     /* the last three days */
                char day[11];
                day_shift(today, -d, day);
                s = db_prepare(c, "INSERT INTO attendance (institution_id, elder_id, day, present, org_id, org_path, district_code, "
                                  "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '410105', ?, ?)");
                if (!s) { rc = -1; break; }
                db_bind_int(s, 1, id);
                db_bind_int(s, 2, ids[k]);
                db_bind_text(s, 3, day, -1);
                db_bind_int(s, 4, demo_rng_unit(rng) < 0.85);
                db_bind_int(s, 5, u->id);
                db_bind_text(s, 6, u->path, -1);
                db_bind_text(s, 7, now, -1);
                db_bind_text(s, 8, now, -1);
                rc = step_done(s);
                marks++;
            }
        }
    }
    int verified = 0;
    if (!rc) rc = insert_rates(c, district.id, district.path, now);
    if (!rc) rc = verify_centenarians(c, rng, district.path, pair, today, now, &verified);
    if (!rc) rc = inspect(c, inst, where, pair, today, now);
    if (rc) {
        fprintf(stderr, "shequ demo: care institutions: %s\n", db_errmsg(c));
        db_rollback(c);
        return rc;
    }
    if (db_commit(c)) return -1;
    printf("  institutions: %d day-care centres (%d elders, %d attendance marks), 1 nursing home, 3 private institutions, "
           "%d residents; %d centenarians verified; 3 allowance rates; 4 inspections\n", day_care, enrolled, marks, placed, verified);
    return 0;
}
