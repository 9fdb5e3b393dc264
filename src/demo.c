/* demo.c: `shequ demo` - the demo district 金水区 as the source article reports it: its real
 * street offices (from the division codes), 163 communities of which 40 are class 1, 39 city-level
 * community service centres, service floor area of 1000 m² or more in 53 communities and
 * 500-1000 m² in 66, grids of 300-500 households (at full scale), buildings, residents in
 * households, and one account per built-in role. Rows are written directly (they are valid by
 * construction, from demo_data.c) so that a million residents load in seconds. */
#include "demo.h"
#include "crypto.h"
#include "demo_data.h"
#include "http.h"
#include "idnum.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISTRICT_CODE "410105"
#define COMMUNITIES 163
#define CLASS1 40
#define CITY_CENTRES 39
#define AREA_1000 53
#define AREA_500 66
#define HH_PER_GRID 420

struct unit { int64_t id; char code[20]; char name[96]; char path[128]; };

static char now_s[32], today_s[11];

static int64_t insert_unit(db_conn *c, const struct unit *parent, const char *level, const char *code, const char *name,
                           const char *unit_type, const char *cls, int area, const char *centre, struct unit *out) {
    db_stmt *s = db_prepare(c,
        "INSERT INTO org_units (parent_id, level, code, code12, name, unit_type, community_class, service_area_m2, service_centre, "
        "org_path, district_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!s) return -1;
    db_bind_int(s, 1, parent->id);
    db_bind_text(s, 2, level, -1);
    db_bind_text(s, 3, code, -1);
    db_bind_text(s, 4, strlen(code) == 12 ? code : NULL, -1);
    db_bind_text(s, 5, name, -1);
    db_bind_text(s, 6, unit_type, -1);
    db_bind_text(s, 7, cls, -1);
    if (area > 0) db_bind_int(s, 8, area); else db_bind_null(s, 8);
    db_bind_text(s, 9, centre, -1);
    db_bind_text(s, 10, parent->path, -1);
    db_bind_text(s, 11, DISTRICT_CODE, -1);
    db_bind_text(s, 12, now_s, -1);
    db_bind_text(s, 13, now_s, -1);
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : -1;
    db_done(s);
    if (id < 0) return -1;
    out->id = id;
    snprintf(out->code, sizeof out->code, "%s", code);
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->path, sizeof out->path, "%s%lld/", parent->path, (long long)id);
    s = db_prepare(c, "UPDATE org_units SET org_path = ?, org_id = id WHERE id = ?");
    if (!s) return -1;
    db_bind_text(s, 1, out->path, -1);
    db_bind_int(s, 2, id);
    rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? id : -1;
}

static int64_t insert_building(db_conn *c, const struct unit *grid, const char *name, const char *kind, const char *address, int floors) {
    db_stmt *s = db_prepare(c, "INSERT INTO buildings (name, kind, address, floors, unit_count, org_id, org_path, district_code, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!s) return -1;
    db_bind_text(s, 1, name, -1);
    db_bind_text(s, 2, kind, -1);
    db_bind_text(s, 3, address, -1);
    db_bind_int(s, 4, floors);
    db_bind_int(s, 5, strcmp(kind, "residential") == 0 ? 2 : 1);
    db_bind_int(s, 6, grid->id);
    db_bind_text(s, 7, grid->path, -1);
    db_bind_text(s, 8, DISTRICT_CODE, -1);
    db_bind_text(s, 9, now_s, -1);
    db_bind_text(s, 10, now_s, -1);
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : -1;
    db_done(s);
    return id;
}

static int bind_secret(db_stmt *s, int idx, const char *field, const char *value) {
    if (!value || !*value) { db_bind_null(s, idx); db_bind_null(s, idx + 1); db_bind_null(s, idx + 2); return 0; }
    unsigned char enc[128], h[CRYPTO_HASH_BYTES];
    size_t enclen;
    char masked[64];
    crypto_seal(field, value, strlen(value), enc, &enclen);
    crypto_lookup_hash(field, value, h);
    if (!strcmp(field, "phone")) mask_phone(value, masked, sizeof masked);
    else mask_id_number(value, masked, sizeof masked);
    db_bind_blob(s, idx, enc, (int)enclen);
    db_bind_blob(s, idx + 1, h, CRYPTO_HASH_BYTES);
    db_bind_text(s, idx + 2, masked, -1);
    return 0;
}

static int64_t insert_person(db_conn *c, const struct unit *grid, const struct demo_person *p, const char *address) {
    char tags[256] = "";
    for (int i = 0; i < p->ntags; i++) {
        if (i) strcat(tags, ",");
        strcat(tags, p->tags[i]);
    }
    db_stmt *s = db_prepare(c,
        "INSERT INTO persons (name, id_type, id_number_enc, id_number_hash, id_number_masked, phone_enc, phone_hash, phone_masked, "
        "gender, birth_date, ethnicity, address, tags, status, org_id, org_path, district_code, created_at, updated_at) "
        "VALUES (?, 'resident_id', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?) RETURNING id");
    if (!s) return -1;
    db_bind_text(s, 1, p->name, -1);
    bind_secret(s, 2, "id_number", p->id_number);
    bind_secret(s, 5, "phone", p->phone);
    db_bind_text(s, 8, p->gender == 1 ? "1" : "2", -1);
    db_bind_text(s, 9, p->birth_date, -1);
    /* Zhengzhou is mostly Han, with a notable Hui community */
    db_bind_text(s, 10, p->id_number[17] % 50 == 0 ? "03" : "01", -1);
    db_bind_text(s, 11, address, -1);
    db_bind_text(s, 12, *tags ? tags : NULL, -1);
    db_bind_int(s, 13, grid->id);
    db_bind_text(s, 14, grid->path, -1);
    db_bind_text(s, 15, DISTRICT_CODE, -1);
    db_bind_text(s, 16, now_s, -1);
    db_bind_text(s, 17, now_s, -1);
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : -1;
    db_done(s);
    if (id < 0) return -1;
    for (int i = 0; i < p->ntags; i++) {
        s = db_prepare(c, "INSERT INTO record_tags (res, tag, record_id) VALUES ('persons', ?, ?)");
        if (!s) return -1;
        db_bind_text(s, 1, p->tags[i], -1);
        db_bind_int(s, 2, id);
        rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) return -1;
    }
    return id;
}

static int insert_household(db_conn *c, const struct unit *grid, int64_t building, const char *hh_number, const char *address,
                            const struct demo_household *h, uint32_t *seq) {
    int64_t ids[6];
    for (int i = 0; i < h->size; i++) {
        ids[i] = insert_person(c, grid, &h->members[i], address);
        if (ids[i] < 0) return -1;
    }
    db_stmt *s = db_prepare(c, "INSERT INTO households (hh_number, kind, address, building_id, head_person_id, member_count, "
                               "org_id, org_path, district_code, created_at, updated_at) VALUES (?, 'family', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!s) return -1;
    db_bind_text(s, 1, hh_number, -1);
    db_bind_text(s, 2, address, -1);
    db_bind_int(s, 3, building);
    db_bind_int(s, 4, ids[0]);
    db_bind_int(s, 5, h->size);
    db_bind_int(s, 6, grid->id);
    db_bind_text(s, 7, grid->path, -1);
    db_bind_text(s, 8, DISTRICT_CODE, -1);
    db_bind_text(s, 9, now_s, -1);
    db_bind_text(s, 10, now_s, -1);
    int rc = db_step(s);
    int64_t hid = rc == DB_ROW ? db_col_int(s, 0) : -1;
    db_done(s);
    if (hid < 0) return -1;
    for (int i = 0; i < h->size; i++) {
        s = db_prepare(c, "INSERT INTO household_members (household_id, person_id, relation, start_date, org_id, org_path, "
                          "district_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!s) return -1;
        /* membership from birth for those born into it, else a plausible move-in date */
        const char *start = h->members[i].birth_date;
        char moved[11];
        if (strcmp(h->relations[i], "child") != 0 && strcmp(h->relations[i], "grandchild") != 0) {
            snprintf(moved, sizeof moved, "%04d-%02d-%02d", 1995 + (int)(*seq % 29), 1 + (int)(*seq % 12), 1 + (int)(*seq % 28));
            if (strcmp(moved, start) < 0) snprintf(moved, sizeof moved, "%s", start);
            if (strcmp(moved, today_s) > 0) snprintf(moved, sizeof moved, "%s", today_s);
            start = moved;
        }
        db_bind_int(s, 1, hid);
        db_bind_int(s, 2, ids[i]);
        db_bind_text(s, 3, h->relations[i], -1);
        db_bind_text(s, 4, start, -1);
        db_bind_int(s, 5, grid->id);
        db_bind_text(s, 6, grid->path, -1);
        db_bind_text(s, 7, DISTRICT_CODE, -1);
        db_bind_text(s, 8, now_s, -1);
        db_bind_text(s, 9, now_s, -1);
        rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) return -1;
    }
    return 0;
}

static int insert_user(db_conn *c, const char *username, const char *name, const char *roles, const struct unit *org,
                       const char *hash) {
    db_stmt *s = db_prepare(c, "INSERT INTO users (username, password_hash, name, roles, status, org_id, org_path, district_code, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_text(s, 1, username, -1);
    db_bind_text(s, 2, hash, -1);
    db_bind_text(s, 3, name, -1);
    db_bind_text(s, 4, roles, -1);
    db_bind_int(s, 5, org->id);
    db_bind_text(s, 6, org->path, -1);
    db_bind_text(s, 7, DISTRICT_CODE, -1);
    db_bind_text(s, 8, now_s, -1);
    db_bind_text(s, 9, now_s, -1);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Fisher-Yates over indexes, so the article's counts land on random communities. */
static void shuffle(struct demo_rng *r, int *a, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = demo_rng_int(r, 0, i), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

int demo_build(db *d, long persons, unsigned long long seed, const char *password) {
    db_conn *c = db_acquire(d);
    int rc = -1;
    now_utc_iso(now_s);
    today_cn(today_s);
    struct demo_rng rng;
    demo_rng_seed(&rng, seed);
    double t0 = now_monotonic();

    int64_t existing = 0;
    if (db_query_int(c, "SELECT count(*) FROM persons", &existing, NULL) < 0) goto done;
    if (existing) { fprintf(stderr, "shequ demo: the database already holds residents; use a new database file\n"); goto done; }
    struct unit district;
    db_stmt *s = db_prepare(c, "SELECT id, code, name, org_path FROM org_units WHERE code = ?");
    if (!s) goto done;
    db_bind_text(s, 1, DISTRICT_CODE, -1);
    if (db_step(s) != DB_ROW) { db_done(s); fprintf(stderr, "shequ demo: 金水区 missing from the divisions\n"); goto done; }
    district.id = db_col_int(s, 0);
    snprintf(district.code, sizeof district.code, "%s", db_col_text(s, 1));
    snprintf(district.name, sizeof district.name, "%s", db_col_text(s, 2));
    snprintf(district.path, sizeof district.path, "%s", db_col_text(s, 3));
    db_done(s);

    struct unit streets[64];
    int nstreets = 0;
    s = db_prepare(c, "SELECT id, code, name, org_path FROM org_units WHERE parent_id = ? AND level = 'street' ORDER BY code");
    if (!s) goto done;
    db_bind_int(s, 1, district.id);
    while (db_step(s) == DB_ROW && nstreets < 64) {
        streets[nstreets].id = db_col_int(s, 0);
        snprintf(streets[nstreets].code, sizeof streets[0].code, "%s", db_col_text(s, 1));
        snprintf(streets[nstreets].name, sizeof streets[0].name, "%s", db_col_text(s, 2));
        snprintf(streets[nstreets].path, sizeof streets[0].path, "%s", db_col_text(s, 3));
        nstreets++;
    }
    db_done(s);
    if (!nstreets) goto done;

    /* which of the 163 communities are class 1, have large service floors, host city centres */
    int idx[COMMUNITIES], cls[COMMUNITIES], area[COMMUNITIES], centre[COMMUNITIES];
    for (int i = 0; i < COMMUNITIES; i++) idx[i] = i;
    shuffle(&rng, idx, COMMUNITIES);
    for (int k = 0; k < COMMUNITIES; k++) {
        int i = idx[k];
        area[i] = k < AREA_1000 ? demo_rng_int(&rng, 1000, 2200) : k < AREA_1000 + AREA_500 ? demo_rng_int(&rng, 500, 999)
                                                                                          : demo_rng_int(&rng, 150, 499);
        cls[i] = k < CLASS1 ? 1 : k < 110 ? 2 : 3;          /* class 1 among the large centres */
        centre[i] = k < CITY_CENTRES;
    }
    if (db_bulk_mode(c, 1)) goto done;
    uint32_t seq = 1;
    int64_t n_persons = 0, n_households = 0, n_grids = 0, n_buildings = 0;
    struct unit first_street = streets[0], first_community = {0}, second_community = {0}, first_grid = {0};
    long per_community = persons / COMMUNITIES;
    for (int ci = 0; ci < COMMUNITIES; ci++) {
        const struct unit *st = &streets[ci % nstreets];
        int k = ci / nstreets;
        char name[96], code[20], clsbuf[4];
        demo_community_name(&rng, st->name, k, name, sizeof name);
        snprintf(code, sizeof code, "%s%03d", st->code, k + 1);
        snprintf(clsbuf, sizeof clsbuf, "%d", cls[ci]);
        if (db_begin_write(c)) goto done;
        struct unit com;
        if (insert_unit(c, st, "community", code, name, "居委会", clsbuf, area[ci], centre[ci] ? "city" : "none", &com) < 0) goto fail;
        if (ci == 0) first_community = com;
        if (ci == nstreets) second_community = com;
        /* communities differ in size: 60%-140% of the mean */
        long quota = (long)(per_community * (0.6 + 0.8 * demo_rng_unit(&rng)));
        if (ci == COMMUNITIES - 1) quota = persons - n_persons;
        if (quota < 1) quota = 1;
        long households_est = quota * 10 / 28;                 /* about 2.8 persons per household */
        /* about HH_PER_GRID households a grid (300-500 at full scale) */
        int grids = (int)((households_est + HH_PER_GRID / 2) / HH_PER_GRID);
        if (grids < 1) grids = 1;
        /* grids share the community's households evenly: 300-500 each at full scale */
        long hh_left = households_est > 0 ? households_est : 1;
        for (int g = 0; g < grids; g++) {
            char gname[128], gcode[24];
            snprintf(gname, sizeof gname, "%s第%d网格", name, g + 1);
            snprintf(gcode, sizeof gcode, "%s%03d", code, g + 1);
            struct unit grid;
            if (insert_unit(c, &com, "grid", gcode, gname, "网格", NULL, 0, NULL, &grid) < 0) goto fail;
            if (ci == 0 && g == 0) first_grid = grid;
            n_grids++;
            long grid_hh = hh_left / (grids - g);
            if (grid_hh < 1) grid_hh = 1;
            hh_left -= grid_hh;
            int bno = 0, in_building = 0, cap = 0;
            int64_t building = 0;
            for (long hh = 0; hh < grid_hh; hh++) {
                if (in_building >= cap) {
                    char bname[96], addr[160];
                    bno++;
                    demo_building_name(&rng, (int)(g * 40 + bno), 0, bname, sizeof bname);
                    snprintf(addr, sizeof addr, "郑州市金水区%s%s", name, bname);
                    int floors = demo_rng_int(&rng, 6, 18);
                    building = insert_building(c, &grid, bname, "residential", addr, floors);
                    if (building < 0) goto fail;
                    n_buildings++;
                    cap = floors * 4;                          /* two entrances, two flats a landing */
                    in_building = 0;
                }
                struct demo_household h;
                demo_household_make(&rng, 105 + 410000, today_s, &seq, &h);
                in_building++;
                char addr[200], hhno[32];
                int unit = in_building <= cap / 2 ? 1 : 2, pos = (in_building - 1) % (cap / 2);
                demo_address(&rng, name, (int)(g * 40 + bno), unit, (pos / 2 + 1) * 100 + pos % 2 + 1, addr, sizeof addr);
                snprintf(hhno, sizeof hhno, "%s%06lld", code + 6, (long long)(n_households + 1));
                if (insert_household(c, &grid, building, hhno, addr, &h, &seq)) goto fail;
                n_households++;
                n_persons += h.size;
            }
            if (g % 3 == 0 && grids > 1) {            /* shops and offices the grid staff inspect */
                char bname[96], addr[160];
                demo_building_name(&rng, (int)(g + 1), 1, bname, sizeof bname);
                snprintf(addr, sizeof addr, "郑州市金水区%s%s", name, bname);
                if (insert_building(c, &grid, bname, "commercial", addr, demo_rng_int(&rng, 3, 28)) < 0) goto fail;
                n_buildings++;
            }
        }
        if (db_commit(c)) goto done;
        if (ci % 20 == 19) fprintf(stderr, "  %d/%d communities, %lld residents...\n", ci + 1, COMMUNITIES, (long long)n_persons);
    }
    db_bulk_mode(c, 0);

    char hash[200];
    if (crypto_password_hash(password, hash, sizeof hash)) goto done;
    if (db_begin_write(c)) goto done;
    struct { const char *user, *name, *roles; const struct unit *org; } users[] = {
        {"district_admin", "王建国", "district_admin", &district},
        {"street_admin", "李秀英", "street_admin", &first_street},
        {"community_worker", "张丽", "community_worker", &first_community},
        {"community_worker2", "刘洋", "community_worker", &second_community},
        {"grid_worker", "陈志强", "grid_worker", &first_grid},
        {"auditor", "赵敏", "auditor", &district},
    };
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
        if (insert_user(c, users[i].user, users[i].name, users[i].roles, users[i].org, hash)) goto fail;
    if (db_commit(c)) goto done;
    if (demo_eldercare(c, &rng, persons, today_s, now_s)) goto done;
    if (demo_providers(c, &rng, hash, today_s, now_s)) goto done;
    if (demo_institutions(c, &rng, persons, today_s, now_s)) goto done;
    db_exec(c, "ANALYZE");

    printf("\n金水区 demo district built in %.1f s\n", now_monotonic() - t0);
    printf("  street offices %d, communities %d (class 1: %d), grids %lld, buildings %lld\n", nstreets, COMMUNITIES, CLASS1,
           (long long)n_grids, (long long)n_buildings);
    printf("  households %lld, residents %lld\n", (long long)n_households, (long long)n_persons);
    printf("\nAccounts (password: %s):\n", password);
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
        printf("  %-18s %-8s %s\n", users[i].user, users[i].name, users[i].org->name);
    rc = 0;
    goto done;
fail:
    db_rollback(c);
    fprintf(stderr, "shequ demo: failed: %s\n", db_errmsg(c));
done:
    db_release(c);
    return rc;
}
