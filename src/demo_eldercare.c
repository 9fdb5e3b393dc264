/* demo_eldercare.c: the demo district's home elderly care, as the article reports 金水区: 189
 * households and 298 elders served at home (in proportion for a smaller demo). Elders are chosen
 * among residents aged 60+, favouring those the assistance schemes serve (特困, 低保, disability,
 * living alone, 80+), from households with two elders and with one so that both figures come out;
 * their categories follow their person tags. About two in three have a GB/T 42195 assessment,
 * scored by assessment.c from plausible item scores, some of them overdue. The district gets a
 * set of subsidy rules. Each elder's home is a point near their community, where their orders take
 * place and their QR code checks visits in. Rows are written directly, as the rest of the demo is. */
#include "demo.h"
#include "assessment.h"
#include "crypto.h"
#include "demo_data.h"
#include "elder.h"
#include "idnum.h"
#include "resource.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ART_HOUSEHOLDS 189
#define ART_ELDERS 298
#define ART_SCALE 200000.0
#define DEMO_CENTRE_LAT 34800000       /* 金水区, micro-degrees, as demo_providers.c */
#define DEMO_CENTRE_LNG 113680000

struct cand { int64_t hh, person, org; char name[48], birth[11], gender[2], tags[128], path[128], district[8]; int score, nhh, hhsize; };

static int has_tag(const char *tags, const char *t) {
    size_t n = strlen(t);
    for (const char *p = tags; (p = strstr(p, t)); p += n)
        if ((p == tags || p[-1] == ',') && (p[n] == ',' || !p[n])) return 1;
    return 0;
}

/* A date `days` before `today` (YYYY-MM-DD), by the C library's calendar in UTC. */
static void days_before(const char *today, int days, char out[11]) {
    struct tm t = {0};
    t.tm_year = atoi(today) - 1900;
    t.tm_mon = atoi(today + 5) - 1;
    t.tm_mday = atoi(today + 8) - days;
    t.tm_hour = 12;
    timegm(&t);
    strftime(out, 11, "%Y-%m-%d", &t);
}

static int exec_bound(db_conn *c, db_stmt *s) {
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

static int insert_rules(db_conn *c, int64_t district, const char *path, const char *now) {
    static const struct { const char *cat, *kind, *combine; int value; const char *note; } rules[] = {
        {"tekun", "amount", "max", 30000, "特困供养老人居家养老服务补贴"}, {"sanwu", "amount", "max", 30000, "三无老人"},
        {"dibao", "amount", "max", 20000, "低保老人"}, {"dibao_edge", "amount", "max", 10000, "低保边缘老人"},
        {"family_planning", "amount", "max", 10000, "计生特扶老人"},
        {"disabled", "hours", "max", 30, "失能老人上门照护"}, {"semi_disabled", "hours", "max", 15, "半失能老人上门照护"},
        {"aged_80", "hours", "max", 4, "高龄老人探访"}, {"living_alone", "hours", "add", 4, "独居老人探访关爱"},
        {"empty_nest", "hours", "add", 2, "空巢老人探访关爱"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        db_stmt *s = db_prepare(c, "INSERT INTO subsidy_rules (category, kind, value, combine, valid_from, note, org_id, org_path, "
                                   "district_code, created_at, updated_at) VALUES (?, ?, ?, ?, '2024-01-01', ?, ?, ?, '410105', ?, ?)");
        if (!s) return -1;
        db_bind_text(s, 1, rules[i].cat, -1);
        db_bind_text(s, 2, rules[i].kind, -1);
        db_bind_int(s, 3, rules[i].value);
        db_bind_text(s, 4, rules[i].combine, -1);
        db_bind_text(s, 5, rules[i].note, -1);
        db_bind_int(s, 6, district);
        db_bind_text(s, 7, path, -1);
        db_bind_text(s, 8, now, -1);
        db_bind_text(s, 9, now, -1);
        if (exec_bound(c, s)) return -1;
    }
    return 0;
}

/* Residents aged 60+ in live households, with how many such elders their household has. */
static struct cand *candidates(db_conn *c, const char *cutoff, int *n) {
    db_stmt *s = db_prepare(c, "SELECT m.household_id, p.id, p.name, p.birth_date, p.gender, p.tags, p.org_id, p.org_path, "
                               "p.district_code, h.member_count FROM household_members m JOIN persons p ON p.id = m.person_id "
                               "JOIN households h ON h.id = m.household_id WHERE p.birth_date <= ? AND m.end_date IS NULL "
                               "AND p.status = 'active' ORDER BY m.household_id, p.id");
    if (!s) return NULL;
    db_bind_text(s, 1, cutoff, -1);
    int cap = 1024, k = 0;
    struct cand *v = malloc(sizeof *v * (size_t)cap);
    while (v && db_step(s) == DB_ROW) {
        if (k == cap) { cap *= 2; struct cand *nv = realloc(v, sizeof *v * (size_t)cap); if (!nv) { free(v); v = NULL; break; } v = nv; }
        struct cand *x = &v[k++];
        memset(x, 0, sizeof *x);
        x->hh = db_col_int(s, 0);
        x->person = db_col_int(s, 1);
        snprintf(x->name, sizeof x->name, "%s", db_col_text(s, 2));
        snprintf(x->birth, sizeof x->birth, "%s", db_col_text(s, 3));
        snprintf(x->gender, sizeof x->gender, "%s", db_col_text(s, 4) ? db_col_text(s, 4) : "1");
        snprintf(x->tags, sizeof x->tags, "%s", db_col_text(s, 5) ? db_col_text(s, 5) : "");
        x->org = db_col_int(s, 6);
        snprintf(x->path, sizeof x->path, "%s", db_col_text(s, 7));
        snprintf(x->district, sizeof x->district, "%s", db_col_text(s, 8) ? db_col_text(s, 8) : "");
        x->hhsize = (int)db_col_int(s, 9);
    }
    db_done(s);
    for (int i = 0; v && i < k;) {                 /* elders per household */
        int j = i;
        while (j < k && v[j].hh == v[i].hh) j++;
        for (int t = i; t < j; t++) v[t].nhh = j - i;
        i = j;
    }
    *n = k;
    return v;
}

/* How much a household's elders need the schemes: tags that make them eligible, and age. */
static int need_score(const struct cand *x, const char *today) {
    int age = age_on(x->birth, today), s = 0;
    static const char *tags[] = {"tekun", "dibao", "disabled", "living_alone", "empty_nest"};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) s += 2 * has_tag(x->tags, tags[i]);
    return s + (age >= 80) * 2 + (age >= 70);
}

static int by_score(const void *a, const void *b) {
    const struct cand *x = a, *y = b;
    return y->score != x->score ? y->score - x->score : (x->hh > y->hh) - (x->hh < y->hh);
}

/* Item scores for a plausible elder: capability falls with age and disability, with noise. */
static void make_items(struct demo_rng *rng, int age, int disabled, struct assess_score *sc) {
    double p = 1.0 - (age - 60) * 0.012 - (disabled ? 0.35 : 0) - demo_rng_unit(rng) * 0.25;
    if (demo_rng_unit(rng) < 0.35) p = 1.0;        /* many elders living at home are fully capable */
    for (int k = 0; k < GBT42195_ITEMS; k++) {
        int max = gbt42195_items[k].max_score;
        double v = max * (p + (demo_rng_unit(rng) - 0.5) * 0.3);
        int s = (int)(v + 0.5);
        sc[k].code = gbt42195_items[k].code;
        sc[k].score = s < 0 ? 0 : s > max ? max : s;
    }
}

static int seal_phone(db_stmt *s, int idx, const char *field, const char *phone) {
    unsigned char enc[64], h[CRYPTO_HASH_BYTES];
    size_t enclen = 0;
    char masked[32];
    if (crypto_seal(field, phone, strlen(phone), enc, &enclen)) return -1;
    crypto_lookup_hash(field, phone, h);
    mask_phone(phone, masked, sizeof masked);
    db_bind_blob(s, idx, enc, (int)enclen);
    db_bind_blob(s, idx + 1, h, CRYPTO_HASH_BYTES);
    db_bind_text(s, idx + 2, masked, -1);
    return 0;
}

static int64_t insert_elder(db_conn *c, struct demo_rng *rng, const struct cand *x, const char *today, const char *now) {
    int age = age_on(x->birth, today);
    /* categories from the person's tags, and a few the registry does not record */
    char cats[160] = "";
    const char *add[12];
    int n = 0, alone = has_tag(x->tags, "living_alone");
    if (has_tag(x->tags, "tekun")) add[n++] = alone && demo_rng_unit(rng) < 0.3 ? "sanwu" : "tekun";
    if (has_tag(x->tags, "dibao")) add[n++] = "dibao";
    else if (demo_rng_unit(rng) < 0.04) add[n++] = "dibao_edge";
    if (has_tag(x->tags, "disabled")) add[n++] = demo_rng_unit(rng) < 0.4 ? "disabled" : "semi_disabled";
    if (age >= 80) add[n++] = "aged_80";
    if (age >= 100) add[n++] = "centenarian";
    if (demo_rng_unit(rng) < 0.05) add[n++] = "family_planning";
    if (alone) add[n++] = "living_alone";
    if (has_tag(x->tags, "empty_nest")) add[n++] = "empty_nest";
    for (int i = 0; i < n; i++) { if (i) strcat(cats, ","); strcat(cats, add[i]); }
    const char *living = alone || x->hhsize == 1 ? "alone" : x->nhh >= 2 ? (x->hhsize > 2 ? "spouse_children" : "spouse") : "children";
    char enrolled[11], phone[16], contact[64];
    days_before(today, demo_rng_int(rng, 30, 1000), enrolled);
    snprintf(phone, sizeof phone, "13%d%08d", demo_rng_int(rng, 0, 9), demo_rng_int(rng, 0, 99999999));
    static const char *given[] = {"伟", "芳", "军", "静", "强", "敏", "磊", "燕", "洋", "娟", "勇", "艳"};
    /* the surname: the name's first character (UTF-8: its lead byte says how long it is) */
    int sl = ((unsigned char)x->name[0] & 0xF0) == 0xE0 ? 3 : ((unsigned char)x->name[0] & 0xE0) == 0xC0 ? 2 : 1;
    int community_contact = alone && demo_rng_unit(rng) < 0.5;
    if (community_contact) snprintf(contact, sizeof contact, "社区网格员");
    else snprintf(contact, sizeof contact, "%.*s%s", sl, x->name, given[demo_rng_int(rng, 0, 11)]);
    db_stmt *s = db_prepare(c,
        "INSERT INTO elders (person_id, name, gender, birth_date, enrolled_on, status, status_date, categories, living_situation, "
        "contact1_name, contact1_relation, contact1_phone_enc, contact1_phone_hash, contact1_phone_masked, next_assessment_due, "
        "org_id, org_path, district_code, created_at, updated_at, home_lat_e6, home_lng_e6) "
        "VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!s) return -1;
    db_bind_int(s, 1, x->person);
    db_bind_text(s, 2, x->name, -1);
    db_bind_text(s, 3, x->gender, -1);
    db_bind_text(s, 4, x->birth, -1);
    db_bind_text(s, 5, enrolled, -1);
    db_bind_text(s, 6, enrolled, -1);
    db_bind_text(s, 7, *cats ? cats : NULL, -1);
    db_bind_text(s, 8, living, -1);
    db_bind_text(s, 9, contact, -1);
    db_bind_text(s, 10, community_contact ? "community" : "child", -1);
    if (seal_phone(s, 11, "contact1_phone", phone)) { db_done(s); return -1; }
    db_bind_text(s, 14, enrolled, -1);
    db_bind_int(s, 15, x->org);
    db_bind_text(s, 16, x->path, -1);
    db_bind_text(s, 17, *x->district ? x->district : NULL, -1);
    db_bind_text(s, 18, now, -1);
    db_bind_text(s, 19, now, -1);
    /* the home: within about 150 m of a point of the community (the unit above the grid), the
     * communities spread over the district */
    long long community = 0, last = 0;
    for (const char *p = x->path; *p; p++)
        if (*p == '/' && p[1]) { community = last; last = atoll(p + 1); }
    if (!community) community = last;
    db_bind_int(s, 20, DEMO_CENTRE_LAT + (community * 7919) % 60001 - 30000 + demo_rng_int(rng, -1300, 1300));
    db_bind_int(s, 21, DEMO_CENTRE_LNG + (community * 104729) % 80001 - 40000 + demo_rng_int(rng, -1600, 1600));
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_done(s);
    for (int i = 0; id > 0 && i < n; i++) {
        s = db_prepare(c, "INSERT INTO record_tags (res, tag, record_id) VALUES ('elders', ?, ?)");
        if (!s) return -1;
        db_bind_text(s, 1, add[i], -1);
        db_bind_int(s, 2, id);
        if (exec_bound(c, s)) return -1;
    }
    return id;
}

/* One GB/T 42195 assessment of the elder, scored by assessment.c, and the elder brought up to it. */
static int insert_assessment(db_conn *c, struct demo_rng *rng, int64_t elder, const struct cand *x, const char *enrolled,
                             const char *today, const char *now, const char *assessors) {
    int age = age_on(x->birth, today);
    struct assess_score sc[GBT42195_ITEMS];
    make_items(rng, age, has_tag(x->tags, "disabled"), sc);
    const char *dx[1] = {"F03"};
    int dementia = age >= 75 && demo_rng_unit(rng) < 0.08;
    struct gbt42195_input in = {.items = sc, .nitems = GBT42195_ITEMS, .diagnoses = dx, .ndiagnoses = dementia,
                                .risk_events_30d = demo_rng_unit(rng) < 0.05 ? 2 : 0};
    struct assess_result res;
    struct assess_error err;
    if (gbt42195_evaluate(&in, &res, &err)) return -1;
    /* a fifth are overdue: assessed seven to twelve months ago */
    char on[11], due[11], items[1024] = "{", groups[96], adj[64] = "";
    days_before(today, demo_rng_unit(rng) < 0.2 ? demo_rng_int(rng, 200, 360) : demo_rng_int(rng, 0, 170), on);
    if (strcmp(on, enrolled) < 0) snprintf(on, sizeof on, "%s", enrolled);
    date_add_months(on, 6, due);
    for (int k = 0; k < GBT42195_ITEMS; k++)
        snprintf(items + strlen(items), sizeof items - strlen(items), "%s\"%s\":%d", k ? "," : "", sc[k].code, sc[k].score);
    strcat(items, "}");
    snprintf(groups, sizeof groups, "{\"B1\":%d,\"B2\":%d,\"B3\":%d,\"B4\":%d}", res.group_totals[0], res.group_totals[1],
             res.group_totals[2], res.group_totals[3]);
    if (res.adjustments & ADJ_MENTAL) strcat(adj, "mental_disorder");
    if (res.adjustments & ADJ_RISK) strcat(adj, *adj ? ",care_risk" : "care_risk");
    db_stmt *s = db_prepare(c,
        "INSERT INTO assessments (elder_id, standard, reason, assessed_on, assessors, items, coma, diagnoses, risk_events_30d, total, "
        "group_totals, base_level, level, level_label, level_label_en, adjustments, next_due, org_id, org_path, district_code, "
        "created_at, updated_at) VALUES (?, ?, 'first', ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!s) return -1;
    db_bind_int(s, 1, elder);
    db_bind_text(s, 2, STANDARD_GBT42195, -1);
    db_bind_text(s, 3, on, -1);
    db_bind_text(s, 4, assessors, -1);
    db_bind_text(s, 5, items, -1);
    db_bind_text(s, 6, dementia ? "F03" : NULL, -1);
    db_bind_int(s, 7, in.risk_events_30d);
    db_bind_int(s, 8, res.total);
    db_bind_text(s, 9, groups, -1);
    db_bind_int(s, 10, res.base_level);
    db_bind_int(s, 11, res.level);
    db_bind_text(s, 12, res.level_zh, -1);
    db_bind_text(s, 13, res.level_en, -1);
    db_bind_text(s, 14, *adj ? adj : NULL, -1);
    db_bind_text(s, 15, due, -1);
    db_bind_int(s, 16, x->org);
    db_bind_text(s, 17, x->path, -1);
    db_bind_text(s, 18, *x->district ? x->district : NULL, -1);
    db_bind_text(s, 19, now, -1);
    db_bind_text(s, 20, now, -1);
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_done(s);
    if (id < 0) return -1;
    const char *tagged[] = {dementia ? "F03" : NULL, (res.adjustments & ADJ_MENTAL) ? "mental_disorder" : NULL,
                            (res.adjustments & ADJ_RISK) ? "care_risk" : NULL};
    for (size_t i = 0; i < 3; i++) {
        if (!tagged[i]) continue;
        s = db_prepare(c, "INSERT INTO record_tags (res, tag, record_id) VALUES ('assessments', ?, ?)");
        if (!s) return -1;
        db_bind_text(s, 1, tagged[i], -1);
        db_bind_int(s, 2, id);
        if (exec_bound(c, s)) return -1;
    }
    char level[4];
    snprintf(level, sizeof level, "%d", res.level);
    s = db_prepare(c, "UPDATE elders SET care_level = ?, last_assessment_id = ?, last_assessed_on = ?, next_assessment_due = ? WHERE id = ?");
    if (!s) return -1;
    db_bind_text(s, 1, level, -1);
    db_bind_int(s, 2, id);
    db_bind_text(s, 3, on, -1);
    db_bind_text(s, 4, due, -1);
    db_bind_int(s, 5, elder);
    return exec_bound(c, s);
}

int demo_eldercare(db_conn *c, struct demo_rng *rng, long persons, const char *today, const char *now) {
    int want_hh = (int)(ART_HOUSEHOLDS * persons / ART_SCALE + 0.5), want_elders = (int)(ART_ELDERS * persons / ART_SCALE + 0.5);
    if (want_hh < 1) want_hh = 1;
    if (want_elders < want_hh) want_elders = want_hh;
    int two = want_elders - want_hh;                    /* households with two elders; the rest have one */
    if (two > want_hh) two = want_hh;
    char cutoff[16], assessors[48];
    /* born on or before this day 60 years ago (on 29 February that day may not exist: still sorts right) */
    snprintf(cutoff, sizeof cutoff, "%04d%.6s", atoi(today) - ELDER_MIN_AGE, today + 4);
    int64_t district = 0, a1 = 0, a2 = 0;
    char dpath[64] = "";
    db_stmt *s = db_prepare(c, "SELECT id, org_path FROM org_units WHERE code = '410105'");
    if (!s) return -1;
    if (db_step(s) == DB_ROW) { district = db_col_int(s, 0); snprintf(dpath, sizeof dpath, "%s", db_col_text(s, 1)); }
    db_done(s);
    if (db_query_int(c, "SELECT id FROM users WHERE username = 'district_admin'", &a1, NULL) < 0 ||
        db_query_int(c, "SELECT id FROM users WHERE username = 'street_admin'", &a2, NULL) < 0) return -1;
    snprintf(assessors, sizeof assessors, "%lld,%lld", (long long)a1, (long long)a2);
    int n = 0;
    struct cand *v = candidates(c, cutoff, &n);
    if (!v) return -1;
    for (int i = 0; i < n; i++) v[i].score = need_score(&v[i], today) * 1000 + demo_rng_int(rng, 0, 999);
    /* a household's score is its neediest elder's: sort households, keeping members together */
    for (int i = 0; i < n;) {
        int j = i, best = 0;
        while (j < n && v[j].hh == v[i].hh) { if (v[j].score > best) best = v[j].score; j++; }
        for (int t = i; t < j; t++) v[t].score = best;
        i = j;
    }
    qsort(v, (size_t)n, sizeof *v, by_score);
    if (db_begin_write(c)) { free(v); return -1; }
    int rc = insert_rules(c, district, dpath, now);
    int hh_done = 0, two_done = 0, elders = 0, assessed = 0;
    for (int i = 0; !rc && i < n && hh_done < want_hh;) {
        int j = i;
        while (j < n && v[j].hh == v[i].hh) j++;
        int size = j - i < 2 ? 1 : 2;
        int take = size == 2 && two_done < two ? 2 : size == 1 && hh_done - two_done < want_hh - two ? 1 : 0;
        for (int t = i; t < i + take && !rc; t++) {
            int64_t id = insert_elder(c, rng, &v[t], today, now);
            if (id < 0) { rc = -1; break; }
            elders++;
            if (demo_rng_unit(rng) < 0.67) {
                char enrolled[11];
                db_stmt *q = db_prepare(c, "SELECT enrolled_on FROM elders WHERE id = ?");
                if (!q) { rc = -1; break; }
                db_bind_int(q, 1, id);
                snprintf(enrolled, sizeof enrolled, "%s", db_step(q) == DB_ROW ? db_col_text(q, 0) : today);
                db_done(q);
                rc = insert_assessment(c, rng, id, &v[t], enrolled, today, now, assessors);
                assessed++;
            }
        }
        if (take) { hh_done++; if (take == 2) two_done++; }
        i = j;
    }
    free(v);
    if (rc) { db_rollback(c); return rc; }
    if (db_commit(c)) return -1;
    printf("  home care: %d elders in %d households (%d assessed), %d subsidy rules\n", elders, hh_done, assessed, 10);
    return 0;
}
