/* demo_providers.c: the demo district's home-care providers, caregivers and service orders. The
 * article reports 138 caregivers on duty in 金水区 serving elders at home through the 12349
 * platform: here six contracted providers share them (and a few more on leave or gone, as any roster
 * has), each caregiver with a certificate grade, skills, a home somewhere in the district and weekly
 * hours. The elders enrolled by demo_eldercare.c get orders in every state of the flow, each with
 * the history of how it got there, so every screen and role has something to show. Accounts for the
 * new roles: the 12349 operator, two providers' administrators and two caregivers of the first
 * provider. Rows are written directly, as the rest of the demo is. */
#include "demo.h"
#include "crypto.h"
#include "demo_data.h"
#include "http.h"
#include "idnum.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ON_DUTY 138            /* the article's caregivers on duty */
#define OFF_DUTY 6             /* on leave or gone */
#define CENTRE_LAT 34800000    /* 金水区, micro-degrees */
#define CENTRE_LNG 113680000

static const struct {
    const char *name, *contact, *phone, *address;
    int caregivers;
} providers[] = {
    {"郑州市金水区颐乐居家养老服务中心", "孙丽娟", "0371-63891234", "郑州市金水区经八路街道纬五路12号", 34},
    {"河南康乐佳养老服务有限公司", "周建华", "0371-65710088", "郑州市金水区花园路街道农业路东段28号", 28},
    {"郑州市夕阳红家政服务有限公司", "吴桂芳", "0371-63325566", "郑州市金水区人民路街道杜岭街6号", 24},
    {"金水区慈孝居家养老服务社", "郑国强", "0371-60912345", "郑州市金水区文化路街道黄河路91号", 22},
    {"郑州爱馨护理服务有限公司", "冯晓燕", "0371-55667788", "郑州市金水区丰产路街道丰产路65号", 18},
    {"郑州市乐龄助老服务中心", "马志刚", "0371-63990011", "郑州市金水区东风路街道东风路19号", 12},
};
#define NPROVIDERS (int)(sizeof providers / sizeof providers[0])

static const char *const skills[] = {"general_care", "nursing", "rehabilitation", "bathing", "cooking", "housekeeping",
                                     "psychological", "medical_escort", "home_adaptation"};

/* The check character of a unified social credit code (GB 32100-2015) for its first 17. */
static char credit_check(const char *s17) {
    static const char chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (int)(strchr(chars, s17[i]) - chars) * w[i];
    return chars[(31 - sum % 31) % 31];
}

/* A UTC time `minutes` from now, YYYY-MM-DDTHH:MM:00Z. */
static void at_minutes(long minutes, char out[32]) {
    time_t t = time(NULL) / 60 * 60 + minutes * 60;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int step_done(db_stmt *s) {
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

static int64_t insert_user(db_conn *c, const char *username, const char *name, const char *roles, int64_t org, const char *path,
                           const char *hash, int64_t provider, int64_t caregiver, const char *now) {
    db_stmt *s = db_prepare(c, "INSERT INTO users (username, password_hash, name, roles, status, org_id, org_path, district_code, "
                               "provider_id, caregiver_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?, '410105', ?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_text(s, 1, username, -1);
    db_bind_text(s, 2, hash, -1);
    db_bind_text(s, 3, name, -1);
    db_bind_text(s, 4, roles, -1);
    db_bind_int(s, 5, org);
    db_bind_text(s, 6, path, -1);
    if (provider) db_bind_int(s, 7, provider); else db_bind_null(s, 7);
    if (caregiver) db_bind_int(s, 8, caregiver); else db_bind_null(s, 8);
    db_bind_text(s, 9, now, -1);
    db_bind_text(s, 10, now, -1);
    if (step_done(s)) return -1;
    return db_last_insert_id(c);
}

struct cg { int64_t id, provider; char skills[160]; };

static int64_t insert_caregiver(db_conn *c, struct demo_rng *rng, int64_t provider, int k, const char *status, int64_t org,
                                const char *path, const char *today, const char *now, struct cg *out) {
    struct demo_person p;
    demo_person_make(rng, 410105, today, 4900000u + (uint32_t)k * 7u, &p);
    if (strlen(p.phone) != 11)           /* a caregiver is an adult with a mobile phone */
        snprintf(p.phone, sizeof p.phone, "13%d%08d", demo_rng_int(rng, 0, 9), demo_rng_int(rng, 0, 99999999));
    /* skills: general care for most, one to three more */
    char sk[160] = "";
    int mask = demo_rng_unit(rng) < 0.8 ? 1 : 0, extra = demo_rng_int(rng, 1, 3);
    for (int i = 0; i < extra; i++) mask |= 1 << demo_rng_int(rng, 1, 8);
    for (int i = 0; i < 9; i++)
        if (mask & (1 << i)) { if (*sk) strcat(sk, ","); strcat(sk, skills[i]); }
    static const char *const grades[] = {"5", "5", "5", "4", "4", "4", "3", "3", "2"};
    char expiry[11], certno[24];
    snprintf(expiry, sizeof expiry, "%04d-%02d-%02d", atoi(today) + demo_rng_int(rng, -1, 4), demo_rng_int(rng, 1, 12), demo_rng_int(rng, 1, 28));
    snprintf(certno, sizeof certno, "YLHL41%08d", demo_rng_int(rng, 0, 99999999));
    /* weekly hours: weekdays for most, some weekends, morning and afternoon shifts or a long day */
    static const char *const hours[] = {
        "{\"mon\":[\"08:00-12:00\",\"14:00-18:00\"],\"tue\":[\"08:00-12:00\",\"14:00-18:00\"],\"wed\":[\"08:00-12:00\",\"14:00-18:00\"],"
        "\"thu\":[\"08:00-12:00\",\"14:00-18:00\"],\"fri\":[\"08:00-12:00\",\"14:00-18:00\"]}",
        "{\"mon\":[\"07:00-19:00\"],\"wed\":[\"07:00-19:00\"],\"fri\":[\"07:00-19:00\"],\"sun\":[\"07:00-19:00\"]}",
        "{\"tue\":[\"07:00-19:00\"],\"thu\":[\"07:00-19:00\"],\"sat\":[\"07:00-19:00\"],\"sun\":[\"07:00-19:00\"]}",
        "{\"mon\":[\"08:00-20:00\"],\"tue\":[\"08:00-20:00\"],\"wed\":[\"08:00-20:00\"],\"thu\":[\"08:00-20:00\"],"
        "\"fri\":[\"08:00-20:00\"],\"sat\":[\"08:00-20:00\"],\"sun\":[\"08:00-20:00\"]}",
    };
    db_stmt *s = db_prepare(c,
        "INSERT INTO caregivers (name, gender, phone_enc, phone_hash, phone_masked, provider_id, cert_level, cert_no, cert_expiry, "
        "skills, home_lat_e6, home_lng_e6, availability, status, org_id, org_path, district_code, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '410105', ?, ?)");
    if (!s) return -1;
    unsigned char enc[64], h[CRYPTO_HASH_BYTES];
    size_t enclen = 0;
    char masked[32];
    if (crypto_seal("phone", p.phone, strlen(p.phone), enc, &enclen)) { db_done(s); return -1; }
    crypto_lookup_hash("phone", p.phone, h);
    mask_phone(p.phone, masked, sizeof masked);
    db_bind_text(s, 1, p.name, -1);
    db_bind_text(s, 2, p.gender == 1 ? "1" : "2", -1);
    db_bind_blob(s, 3, enc, (int)enclen);
    db_bind_blob(s, 4, h, CRYPTO_HASH_BYTES);
    db_bind_text(s, 5, masked, -1);
    db_bind_int(s, 6, provider);
    db_bind_text(s, 7, grades[demo_rng_int(rng, 0, 8)], -1);
    db_bind_text(s, 8, certno, -1);
    db_bind_text(s, 9, expiry, -1);
    db_bind_text(s, 10, sk, -1);
    db_bind_int(s, 11, CENTRE_LAT + demo_rng_int(rng, -40000, 40000));
    db_bind_int(s, 12, CENTRE_LNG + demo_rng_int(rng, -50000, 50000));
    db_bind_text(s, 13, hours[demo_rng_int(rng, 0, 3)], -1);
    db_bind_text(s, 14, status, -1);
    db_bind_int(s, 15, org);
    db_bind_text(s, 16, path, -1);
    db_bind_text(s, 17, now, -1);
    db_bind_text(s, 18, now, -1);
    if (step_done(s)) return -1;
    out->id = db_last_insert_id(c);
    out->provider = provider;
    snprintf(out->skills, sizeof out->skills, "%s", sk);
    /* the skills are also indexed, as record_tags holds every FT_TAGS value */
    char copy[160], *save = NULL;
    snprintf(copy, sizeof copy, "%s", sk);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        s = db_prepare(c, "INSERT INTO record_tags (res, tag, record_id) VALUES ('caregivers', ?, ?)");
        if (!s) return -1;
        db_bind_text(s, 1, t, -1);
        db_bind_int(s, 2, out->id);
        if (step_done(s)) return -1;
    }
    return out->id;
}

/* Each target state and the path of states that leads there from pending. */
static const struct { const char *target; const char *path[8]; int past; } shapes[] = {
    {"pending", {"pending"}, 0},
    {"accepted", {"pending", "accepted"}, 0},
    {"dispatched", {"pending", "accepted", "dispatched"}, 0},
    {"taken", {"pending", "accepted", "dispatched", "taken"}, 0},
    {"in_service", {"pending", "accepted", "dispatched", "taken", "in_service"}, 1},
    {"completed", {"pending", "accepted", "dispatched", "taken", "in_service", "completed"}, 1},
    {"followed_up", {"pending", "accepted", "dispatched", "taken", "in_service", "completed", "followed_up"}, 1},
    {"settled", {"pending", "accepted", "dispatched", "taken", "in_service", "completed", "followed_up", "settled"}, 1},
    {"cancelled", {"pending", "accepted", "cancelled"}, 0},
    {"rejected", {"pending", "accepted", "dispatched", "rejected"}, 0},
    {"exception", {"pending", "accepted", "dispatched", "taken", "exception"}, 1},
};
#define NSHAPES (int)(sizeof shapes / sizeof shapes[0])

static const char *reason_for(const char *to) {
    if (!strcmp(to, "cancelled")) return "家属已自行安排，来电取消";
    if (!strcmp(to, "rejected")) return "该时段已有其他上门服务，无法按时到达";
    if (!strcmp(to, "exception")) return "上门时老人不在家，电话联系不上";
    return NULL;
}

static int add_event(db_conn *c, int64_t order, const char *from, const char *to, const char *reason, int64_t caregiver,
                     int64_t org, const char *path, const char *at, int64_t by) {
    db_stmt *s = db_prepare(c, "INSERT INTO service_order_events (order_id, from_status, to_status, reason, caregiver_id, org_id, "
                               "org_path, district_code, created_at, updated_at, created_by, updated_by) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, '410105', ?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_int(s, 1, order);
    if (from) db_bind_text(s, 2, from, -1); else db_bind_null(s, 2);
    db_bind_text(s, 3, to, -1);
    if (reason) db_bind_text(s, 4, reason, -1); else db_bind_null(s, 4);
    if (caregiver) db_bind_int(s, 5, caregiver); else db_bind_null(s, 5);
    db_bind_int(s, 6, org);
    db_bind_text(s, 7, path, -1);
    db_bind_text(s, 8, at, -1);
    db_bind_text(s, 9, at, -1);
    if (by) { db_bind_int(s, 10, by); db_bind_int(s, 11, by); } else { db_bind_null(s, 10); db_bind_null(s, 11); }
    return step_done(s);
}

struct elder { int64_t id, org, lat, lng; char name[48], path[128]; };
struct item { int64_t id; char skill[32]; int minutes; };

int demo_providers(db_conn *c, struct demo_rng *rng, const char *hash, const char *today, const char *now) {
    int64_t district = 0;
    char dpath[128] = "";
    db_stmt *s = db_prepare(c, "SELECT id, org_path FROM org_units WHERE code = '410105'");
    if (!s) return -1;
    if (db_step(s) == DB_ROW) { district = db_col_int(s, 0); snprintf(dpath, sizeof dpath, "%s", db_col_text(s, 1)); }
    db_done(s);
    if (!district) return -1;
    /* streets, for the providers' service areas */
    int64_t streets[64];
    int nstreets = 0;
    s = db_prepare(c, "SELECT id FROM org_units WHERE parent_id = ? AND level = 'street' ORDER BY code");
    if (!s) return -1;
    db_bind_int(s, 1, district);
    while (db_step(s) == DB_ROW && nstreets < 64) streets[nstreets++] = db_col_int(s, 0);
    db_done(s);
    if (db_begin_write(c)) return -1;

    int64_t prov[NPROVIDERS];
    struct cg cgs[ON_DUTY + OFF_DUTY];
    int ncg = 0, first_of[NPROVIDERS + 1];
    for (int i = 0; i < NPROVIDERS; i++) {
        char code[19], area[256] = "";
        /* 91 (enterprise) or 52 (social service organisation), 410105, then an organisation code */
        snprintf(code, sizeof code, "%s410105MA%07d", i % 3 == 0 ? "52" : "91", 1000000 + i * 7919);
        code[17] = credit_check(code);
        code[18] = 0;
        /* each serves two to five streets, the first provider all of them */
        int na = i == 0 ? nstreets : demo_rng_int(rng, 2, 5);
        for (int k = 0; k < na && k < nstreets; k++) {
            char id[24];
            snprintf(id, sizeof id, "%s%lld", *area ? "," : "", (long long)streets[(i * 3 + k) % nstreets]);
            strcat(area, id);
        }
        s = db_prepare(c, "INSERT INTO providers (name, credit_code, contact_name, phone, address, contract_start, contract_end, "
                          "service_area, status, org_id, org_path, district_code, created_at, updated_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, '410105', ?, ?)");
        if (!s) goto fail;
        char start[11], end[11];
        snprintf(start, sizeof start, "%04d-01-01", atoi(today) - 1 - i % 2);
        snprintf(end, sizeof end, "%04d-12-31", atoi(today) + 1);
        db_bind_text(s, 1, providers[i].name, -1);
        db_bind_text(s, 2, code, -1);
        db_bind_text(s, 3, providers[i].contact, -1);
        db_bind_text(s, 4, providers[i].phone, -1);
        db_bind_text(s, 5, providers[i].address, -1);
        db_bind_text(s, 6, start, -1);
        db_bind_text(s, 7, end, -1);
        db_bind_text(s, 8, area, -1);
        db_bind_int(s, 9, district);
        db_bind_text(s, 10, dpath, -1);
        db_bind_text(s, 11, now, -1);
        db_bind_text(s, 12, now, -1);
        if (step_done(s)) goto fail;
        prov[i] = db_last_insert_id(c);
        first_of[i] = ncg;
        for (int k = 0; k < providers[i].caregivers; k++, ncg++)
            if (insert_caregiver(c, rng, prov[i], ncg, "on_duty", district, dpath, today, now, &cgs[ncg]) < 0) goto fail;
    }
    first_of[NPROVIDERS] = ncg;
    for (int k = 0; k < OFF_DUTY; k++, ncg++) {
        struct cg off;
        if (insert_caregiver(c, rng, prov[k % NPROVIDERS], ncg, k % 3 == 2 ? "left" : "on_leave", district, dpath, today, now, &off) < 0)
            goto fail;
    }

    /* accounts: the 12349 operator at the district, providers' administrators, two caregivers */
    int64_t hotline = insert_user(c, "hotline_operator", "何晓梅", "hotline_operator", district, dpath, hash, 0, 0, now);
    if (hotline < 0 || insert_user(c, "provider_admin", providers[0].contact, "provider_admin", district, dpath, hash, prov[0], 0, now) < 0 ||
        insert_user(c, "provider_admin2", providers[1].contact, "provider_admin", district, dpath, hash, prov[1], 0, now) < 0)
        goto fail;
    int64_t cg_user = insert_user(c, "caregiver", "护理员甲", "caregiver", district, dpath, hash, 0, cgs[0].id, now);
    if (cg_user < 0 || insert_user(c, "caregiver2", "护理员乙", "caregiver", district, dpath, hash, 0, cgs[1].id, now) < 0) goto fail;
    /* the caregivers' accounts carry their record's name */
    s = db_prepare(c, "UPDATE users SET name = (SELECT name FROM caregivers WHERE id = users.caregiver_id) WHERE caregiver_id IS NOT NULL");
    if (!s || step_done(s)) goto fail;

    /* the catalogue and the elders being served */
    struct item items[32];
    int nitems = 0;
    s = db_prepare(c, "SELECT id, required_skill, standard_minutes FROM service_items WHERE active = 1 AND deleted_at IS NULL "
                      "AND category <> 'adaptation' ORDER BY id");
    if (!s) goto fail;
    while (db_step(s) == DB_ROW && nitems < 32) {
        items[nitems].id = db_col_int(s, 0);
        snprintf(items[nitems].skill, sizeof items[0].skill, "%s", db_col_text(s, 1) ? db_col_text(s, 1) : "");
        items[nitems].minutes = (int)db_col_int(s, 2);
        nitems++;
    }
    db_done(s);
    struct elder *el = NULL;
    int nel = 0, cap = 0;
    s = db_prepare(c, "SELECT id, name, org_id, org_path, home_lat_e6, home_lng_e6 FROM elders WHERE status = 'active' "
                      "AND deleted_at IS NULL ORDER BY id");
    if (!s) goto fail;
    while (db_step(s) == DB_ROW) {
        if (nel == cap) { cap = cap ? cap * 2 : 256; el = realloc(el, sizeof *el * (size_t)cap); }
        el[nel].id = db_col_int(s, 0);
        snprintf(el[nel].name, sizeof el[0].name, "%s", db_col_text(s, 1));
        el[nel].org = db_col_int(s, 2);
        snprintf(el[nel].path, sizeof el[0].path, "%s", db_col_text(s, 3));
        el[nel].lat = db_col_int(s, 4);
        el[nel].lng = db_col_int(s, 5);
        nel++;
    }
    db_done(s);
    if (!nitems || !nel) { free(el); return db_commit(c); }

    /* two orders an elder, at least enough for every state twice; the first provider and its
     * first caregiver get a share of each so that their accounts see the whole flow */
    static const char *const channels[] = {"hotline", "hotline", "hotline", "walk_in", "grid_staff", "family", "care_plan"};
    int norders = nel * 2 < NSHAPES * 3 ? NSHAPES * 3 : nel * 2;
    for (int o = 0; o < norders; o++) {
        const struct elder *e = &el[o % nel];
        const struct item *it = &items[demo_rng_int(rng, 0, nitems - 1)];
        int sh = o % NSHAPES, mine = o < NSHAPES * 2;
        int pi = mine ? 0 : demo_rng_int(rng, 0, NPROVIDERS - 1);
        /* a caregiver of the provider with the skill when one has it */
        const struct cg *who = &cgs[first_of[pi] + demo_rng_int(rng, 0, first_of[pi + 1] - first_of[pi] - 1)];
        for (int tries = 0; tries < 20 && *it->skill && !strstr(who->skills, it->skill); tries++)
            who = &cgs[first_of[pi] + demo_rng_int(rng, 0, first_of[pi + 1] - first_of[pi] - 1)];
        if (mine && o < NSHAPES) who = &cgs[0];
        /* past windows for orders served, coming ones for those still to be */
        long day = shapes[sh].past ? -demo_rng_int(rng, 1, 30) : demo_rng_int(rng, 0, 6);
        if (!strcmp(shapes[sh].target, "in_service")) day = 0;
        long start_min = day * 1440 + demo_rng_int(rng, 0, 9) * 60 - (long)(time(NULL) / 60 % 1440) + 60;   /* 09:00-18:00 Beijing */
        if (!strcmp(shapes[sh].target, "in_service")) start_min = -20;
        char ws[32], we[32], created[32];
        at_minutes(start_min, ws);
        at_minutes(start_min + it->minutes, we);
        long created_min = start_min - 26 * 60 < -180 ? start_min - 26 * 60 : -180 - demo_rng_int(rng, 0, 600);
        at_minutes(created_min, created);
        const char *target = shapes[sh].target;
        int dispatched = 0, rated = !strcmp(target, "followed_up") || !strcmp(target, "settled");
        for (int k = 0; k < 8 && shapes[sh].path[k]; k++) if (!strcmp(shapes[sh].path[k], "dispatched")) dispatched = 1;
        int keeps_caregiver = dispatched && strcmp(target, "rejected") != 0;
        int has_provider = strcmp(target, "pending") != 0 && !(strcmp(target, "cancelled") == 0 && o % 2);
        s = db_prepare(c,
            "INSERT INTO service_orders (elder_id, elder_name, service_item_id, channel, priority, window_start, window_end, address, "
            "lat_e6, lng_e6, status, provider_id, caregiver_id, rating, follow_up_result, org_id, org_path, district_code, "
            "created_at, updated_at, created_by, updated_by, version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '410105', ?, ?, ?, ?, ?)");
        if (!s) goto fail_el;
        char addr[160];
        snprintf(addr, sizeof addr, "%s家中", e->name);
        int npath = 0;
        while (npath < 8 && shapes[sh].path[npath]) npath++;
        db_bind_int(s, 1, e->id);
        db_bind_text(s, 2, e->name, -1);
        db_bind_int(s, 3, it->id);
        db_bind_text(s, 4, channels[demo_rng_int(rng, 0, 6)], -1);
        db_bind_text(s, 5, demo_rng_unit(rng) < 0.1 ? "urgent" : "normal", -1);
        db_bind_text(s, 6, ws, -1);
        db_bind_text(s, 7, we, -1);
        db_bind_text(s, 8, addr, -1);
        db_bind_int(s, 9, e->lat);            /* at the elder's home */
        db_bind_int(s, 10, e->lng);
        db_bind_text(s, 11, target, -1);
        if (has_provider) db_bind_int(s, 12, prov[pi]); else db_bind_null(s, 12);
        if (keeps_caregiver) db_bind_int(s, 13, who->id); else db_bind_null(s, 13);
        if (rated) {
            db_bind_int(s, 14, demo_rng_unit(rng) < 0.8 ? 5 : 4);
            db_bind_text(s, 15, demo_rng_unit(rng) < 0.7 ? "老人满意，护理员准时到达" : "服务完成，家属建议下次提前电话联系", -1);
        } else {
            db_bind_null(s, 14);
            db_bind_null(s, 15);
        }
        db_bind_int(s, 16, e->org);
        db_bind_text(s, 17, e->path, -1);
        db_bind_text(s, 18, created, -1);
        db_bind_text(s, 19, created, -1);
        db_bind_int(s, 20, hotline);
        db_bind_int(s, 21, hotline);
        db_bind_int(s, 22, npath);
        if (step_done(s)) goto fail_el;
        int64_t order = db_last_insert_id(c);
        /* its history: intake and dispatch by the operator in the hours before, the visit in its window */
        for (int k = 0; k < npath; k++) {
            const char *to = shapes[sh].path[k], *from = k ? shapes[sh].path[k - 1] : NULL;
            char at[32];
            long m = created_min + k * 12;
            if (!strcmp(to, "in_service")) m = start_min;
            else if (!strcmp(to, "completed")) m = start_min + it->minutes;
            else if (!strcmp(to, "followed_up")) m = start_min + it->minutes + 1440;
            else if (!strcmp(to, "settled")) m = start_min + it->minutes + 3 * 1440;
            else if (!strcmp(to, "exception")) m = start_min + 10;
            if (m > -1) m = -1;
            at_minutes(m, at);
            int serving = !strcmp(to, "taken") || !strcmp(to, "in_service") || !strcmp(to, "completed") || !strcmp(to, "rejected") ||
                          !strcmp(to, "exception");
            int64_t by = serving ? (who->id == cgs[0].id ? cg_user : 0) : hotline;
            int64_t cgid = !strcmp(to, "dispatched") || !strcmp(to, "rejected") ? who->id : 0;
            if (add_event(c, order, from, to, reason_for(to), cgid, e->org, e->path, at, by)) goto fail_el;
        }
    }
    free(el);
    if (db_commit(c)) return -1;
    printf("  providers %d, caregivers %d on duty (%d more on leave or gone), service orders %d\n", NPROVIDERS, ON_DUTY, OFF_DUTY,
           norders);
    printf("  accounts hotline_operator, provider_admin, provider_admin2, caregiver, caregiver2 (same password)\n");
    return 0;
fail_el:
    free(el);
fail:
    db_rollback(c);
    fprintf(stderr, "shequ demo: providers failed: %s\n", db_errmsg(c));
    return -1;
}
