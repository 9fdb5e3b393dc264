/* stats.c: GET /api/v1/stats/summary - the figures of the console's home dashboard for one unit:
 * descendant units by level, households, registered residents, residents aged 60+ / 80+ / 100+,
 * residents per tag, an age pyramid by gender, and residents / aged 60+ / households for each
 * direct child unit.
 *
 * Each number is what a list would count for the same unit and caller, so the console can link a
 * number to the list that shows it:
 *   residents   GET /api/v1/persons?org_id=X&status=active [&birth_date__lte=C] [&tags=T]
 *   households  GET /api/v1/households?org_id=X
 * The answer carries `as_of` and the cutoff dates it counted with, so those links use the same
 * dates. Scope is applied by scope.c exactly as the lists apply it (scope_restrict_within).
 *
 * Speed: residents are read in ONE pass over the unit's (org_path, id) index range, and ages,
 * tags, the pyramid and the per-child split are all folded here in C: SQLite has no hash
 * aggregation, so each GROUP BY over a district's million rows would sort them, and each extra
 * query would read them again. Tags come from the row's own `tags` column, which every write path
 * stores together with its record_tags rows, instead of joining record_tags (a second pass over a
 * million index entries). The whole answer is kept in the list cache (query_cache.c) under the
 * change counters of every table it reads, so a dashboard reloaded without writes in between
 * costs one lookup, and a kept answer is exactly what recomputing would give. */
#include "stats.h"
#include "org.h"
#include "query_cache.h"
#include "resource.h"
#include "scope.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BANDS 21                       /* 0-4, 5-9, ... 95-99, 100+ */
enum { G_MALE, G_FEMALE, G_OTHER };    /* gender codes "1", "2", anything else or none */
static const int aged_years[3] = {60, 80, 100};

/* Figures of one unit of the breakdown (a direct child, or the unit itself). */
struct figs { int64_t persons, aged60, households; };
struct child { int64_t id; const char *name, *level; struct figs f; };
struct tag { const char *code, *zh, *en; size_t len; int active; int64_t n; };

struct tally {
    const char *bound[BANDS];          /* bound[k]: latest birth date of someone aged 5k or more */
    int bound_year[BANDS];             /* the year of bound[k] */
    const char *unit_path;
    size_t unit_len;
    struct child *kids;
    int nkids;
    struct figs at_unit;               /* rows attached to the unit itself, not below a child */
    char last_path[256];               /* rows arrive grouped by path: remember the last match */
    struct figs *last;
    int64_t persons, aged[3], age_unknown;
    int64_t pyramid[BANDS][3];
    struct tag *tags;
    int ntags, cap_tags;
    arena *a;
};

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* The latest birth date of someone at least `years` old today: that many years before today,
 * 29 February becoming the 28th in a common year - the day age_on() counts the birthday. So
 * "birth_date <= cutoff" selects exactly the people age_on() finds that old. */
static const char *cutoff(arena *a, const char *today, int years) {
    int y = atoi(today) - years, m = atoi(today + 5), d = atoi(today + 8);
    if (m == 2 && d == 29 && !is_leap(y)) d = 28;
    return arena_printf(a, "%04d-%02d-%02d", y, m, d);
}

/* The figures a row at `path` adds to: the direct child whose subtree holds it, else the unit. */
static struct figs *figs_for(struct tally *t, const char *path) {
    if (!path) return &t->at_unit;
    if (t->last && strcmp(t->last_path, path) == 0) return t->last;
    struct figs *f = &t->at_unit;
    if (strncmp(path, t->unit_path, t->unit_len) == 0 && path[t->unit_len]) {
        int64_t id = strtoll(path + t->unit_len, NULL, 10);
        for (int i = 0; i < t->nkids; i++)
            if (t->kids[i].id == id) { f = &t->kids[i].f; break; }
    }
    if (strlen(path) < sizeof t->last_path) {
        memcpy(t->last_path, path, strlen(path) + 1);
        t->last = f;
    }
    return f;
}

static struct tag *tag_add(struct tally *t, const char *code, size_t len) {
    if (t->ntags == t->cap_tags) {
        int cap = t->cap_tags ? t->cap_tags * 2 : 16;
        struct tag *n = arena_alloc(t->a, sizeof *n * (size_t)cap);
        if (t->ntags) memcpy(n, t->tags, sizeof *n * (size_t)t->ntags);
        t->tags = n;
        t->cap_tags = cap;
    }
    struct tag *g = &t->tags[t->ntags++];
    memset(g, 0, sizeof *g);
    g->code = arena_strndup(t->a, code, len);
    g->len = len;
    return g;
}

static void count_tags(struct tally *t, const char *tags) {
    while (tags && *tags) {
        const char *e = strchr(tags, ',');
        size_t n = e ? (size_t)(e - tags) : strlen(tags);
        if (n) {
            struct tag *g = NULL;
            for (int i = 0; i < t->ntags && !g; i++)
                if (t->tags[i].len == n && t->tags[i].code[0] == tags[0] && memcmp(t->tags[i].code, tags, n) == 0) g = &t->tags[i];
            if (!g) g = tag_add(t, tags, n);     /* a code no longer in the dictionary: still counted */
            g->n++;
        }
        tags = e ? e + 1 : NULL;
    }
}

/* birth compared with bound[k], like strcmp. When the birth date starts with four digits the
 * years decide alone unless they are equal (four digits order as their numbers do), which spares
 * most rows any string comparison. */
static int cmp_bound(const struct tally *t, const char *birth, int year, int k) {
    if (year >= 0 && year != t->bound_year[k]) return year < t->bound_year[k] ? -1 : 1;
    return strcmp(birth, t->bound[k]);
}

/* The band of a birth date: the largest k with birth <= bound[k] (bounds fall as k grows), or -1
 * when the date is missing or later than today. Decided as the lists' birth_date filters decide,
 * by comparing the text; the age in years only picks where to start. */
static int band_of(const struct tally *t, const char *birth) {
    if (!birth) return -1;
    int year = -1;
    if (birth[0] >= '0' && birth[0] <= '9' && birth[1] >= '0' && birth[1] <= '9' && birth[2] >= '0' &&
        birth[2] <= '9' && birth[3] >= '0' && birth[3] <= '9')
        year = (birth[0] - '0') * 1000 + (birth[1] - '0') * 100 + (birth[2] - '0') * 10 + (birth[3] - '0');
    if (cmp_bound(t, birth, year, 0) > 0) return -1;
    int k = 0;
    if (year >= 0) {
        int years = t->bound_year[0] - year;
        k = years / 5 >= BANDS ? BANDS - 1 : years / 5;
    }
    while (k > 0 && cmp_bound(t, birth, year, k) > 0) k--;
    while (k < BANDS - 1 && cmp_bound(t, birth, year, k + 1) <= 0) k++;
    return k;
}

/* One registered resident: counts, ages, pyramid, tags, and the child it falls under. */
static void count_person(struct tally *t, const char *path, const char *gender, const char *birth, const char *tags) {
    struct figs *f = figs_for(t, path);
    t->persons++;
    f->persons++;
    int b = band_of(t, birth);
    if (b < 0) t->age_unknown++;
    else {
        int g = !gender || gender[0] == 0 || gender[1] != 0 ? G_OTHER : gender[0] == '1' ? G_MALE : gender[0] == '2' ? G_FEMALE : G_OTHER;
        t->pyramid[b][g]++;
        /* 60, 80 and 100 are band edges: aged N+ is the bands from N/5 up */
        for (int i = 0; i < 3; i++) if (b >= aged_years[i] / 5) t->aged[i]++;
        if (b >= 60 / 5) f->aged60++;
    }
    if (tags) count_tags(t, tags);
}

/* ---- the queries: built first, because together they are also the cache key ---- */

struct queries { sqlb units, kids, persons, households, tags; };

static void build_queries(req *r, const struct org_info *u, struct queries *q) {
    const principal *who = r->who;
    sqlb_init(&q->units, &r->a);
    sqlb_sql(&q->units, "SELECT t.level, count(*) FROM org_units t WHERE t.deleted_at IS NULL AND t.id <> ");
    sqlb_val(&q->units, sv_int(u->id));
    scope_restrict_within(&q->units, who, "org_units.read", "t", u->path);
    sqlb_sql(&q->units, " GROUP BY t.level");

    sqlb_init(&q->kids, &r->a);
    sqlb_sql(&q->kids, "SELECT t.id, t.name, t.level FROM org_units t WHERE t.deleted_at IS NULL AND t.parent_id = ");
    sqlb_val(&q->kids, sv_int(u->id));
    scope_restrict_within(&q->kids, who, "org_units.read", "t", u->path);
    sqlb_sql(&q->kids, " ORDER BY t.code, t.id");

    /* the same rows as persons?org_id=X&status=active, read through the (org_path, id) index */
    sqlb_init(&q->persons, &r->a);
    sqlb_sql(&q->persons, "SELECT t.org_path, t.gender, t.birth_date, t.tags FROM persons t "
                          "WHERE t.deleted_at IS NULL AND t.status = 'active'");
    scope_restrict_within(&q->persons, who, "persons.read", "t", u->path);

    /* one row per unit path, in index order: no sort, and the index alone answers it */
    sqlb_init(&q->households, &r->a);
    sqlb_sql(&q->households, "SELECT t.org_path, count(*) FROM households t WHERE t.deleted_at IS NULL");
    scope_restrict_within(&q->households, who, "households.read", "t", u->path);
    sqlb_sql(&q->households, " GROUP BY t.org_path");

    /* labels read in this request's snapshot (not dict.c's process cache, which may lag another
     * server by seconds): a kept answer must match the counter it is kept under */
    sqlb_init(&q->tags, &r->a);
    sqlb_sql(&q->tags, "SELECT code, label_zh, label_en, active FROM dict_items WHERE dict = 'person_tag' "
                       "AND deleted_at IS NULL ORDER BY sort, id");
}

static int run_units(req *r, sqlb *q, const struct org_info *u, json_t *out) {
    /* every level below the unit's, zeros included, so the answer has the same keys each time */
    static const char *levels[] = {"city", "district", "street", "community", "grid"};
    for (int i = org_level_rank(u->level) + 1; i > 0 && i < 5; i++) json_object_set_new(out, levels[i], json_integer(0));
    db_stmt *s = sqlb_prepare(q, r->dbc);
    if (!s) return -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) json_object_set_new(out, db_col_text(s, 0), json_integer(db_col_int(s, 1)));
    db_done(s);
    return rc < 0 ? rc : 0;
}

static int run_kids(req *r, sqlb *q, struct tally *t) {
    db_stmt *s = sqlb_prepare(q, r->dbc);
    if (!s) return -1;
    int rc, cap = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (t->nkids == cap) {
            cap = cap ? cap * 2 : 32;
            struct child *n = arena_alloc(&r->a, sizeof *n * (size_t)cap);
            if (t->nkids) memcpy(n, t->kids, sizeof *n * (size_t)t->nkids);
            t->kids = n;
        }
        struct child *c = &t->kids[t->nkids++];
        c->id = db_col_int(s, 0);
        c->name = arena_strdup(&r->a, db_col_text(s, 1));
        c->level = arena_strdup(&r->a, db_col_text(s, 2));
    }
    db_done(s);
    return rc < 0 ? rc : 0;
}

static int run_tags(req *r, sqlb *q, struct tally *t) {
    db_stmt *s = sqlb_prepare(q, r->dbc);
    if (!s) return -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *code = db_col_text(s, 0);
        struct tag *g = tag_add(t, code, strlen(code));
        g->zh = arena_strdup(&r->a, db_col_text(s, 1));
        g->en = arena_strdup(&r->a, db_col_text(s, 2));
        g->active = (int)db_col_int(s, 3);
    }
    db_done(s);
    return rc < 0 ? rc : 0;
}

static int run_persons(req *r, sqlb *q, struct tally *t) {
    db_stmt *s = sqlb_prepare(q, r->dbc);
    if (!s) return -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        count_person(t, db_col_text(s, 0), db_col_text(s, 1), db_col_text(s, 2), db_col_text(s, 3));
    db_done(s);
    return rc < 0 ? rc : 0;
}

static int run_households(req *r, sqlb *q, struct tally *t, int64_t *total) {
    db_stmt *s = sqlb_prepare(q, r->dbc);
    if (!s) return -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t n = db_col_int(s, 1);
        figs_for(t, db_col_text(s, 0))->households += n;
        *total += n;
    }
    db_done(s);
    return rc < 0 ? rc : 0;
}

static json_t *figs_json(const struct figs *f) {
    return json_pack("{s:I,s:I,s:I}", "persons", (json_int_t)f->persons, "aged_60", (json_int_t)f->aged60,
                     "households", (json_int_t)f->households);
}

/* The pyramid: per 5-year band the residents by gender code, and the birth-date bounds that
 * select the band in a persons list (birth_date__gt / birth_date__lte). */
static json_t *pyramid_json(const struct tally *t) {
    json_t *bands = json_array();
    for (int b = 0; b < BANDS; b++) {
        int lo = b * 5, last = b == BANDS - 1;
        char name[16];
        if (last) snprintf(name, sizeof name, "%d+", lo);
        else snprintf(name, sizeof name, "%d-%d", lo, lo + 4);
        json_t *o = json_pack("{s:s,s:i,s:o,s:o,s:s,s:I,s:I,s:I}", "band", name,
                              "min_age", lo, "max_age", last ? json_null() : json_integer(lo + 4),
                              "birth_date__gt", last ? json_null() : json_string(t->bound[b + 1]),
                              "birth_date__lte", t->bound[b],
                              "1", (json_int_t)t->pyramid[b][G_MALE], "2", (json_int_t)t->pyramid[b][G_FEMALE],
                              "other", (json_int_t)t->pyramid[b][G_OTHER]);
        json_array_append_new(bands, o);
    }
    return json_pack("{s:o,s:I}", "bands", bands, "age_unknown", (json_int_t)t->age_unknown);
}

static int summarise(req *r, const struct org_info *u, struct queries *q, const char *today) {
    struct tally t;
    memset(&t, 0, sizeof t);
    for (int k = 0; k < BANDS; k++) t.bound[k] = cutoff(&r->a, today, 5 * k);
    for (int k = 0; k < BANDS; k++) t.bound_year[k] = atoi(t.bound[k]);
    t.unit_path = u->path;
    t.unit_len = strlen(u->path);
    t.a = &r->a;
    json_t *units = json_object();
    int64_t households = 0;
    int rc = run_units(r, &q->units, u, units);
    if (!rc) rc = run_kids(r, &q->kids, &t);
    if (!rc) rc = run_tags(r, &q->tags, &t);
    if (!rc) rc = run_persons(r, &q->persons, &t);
    if (!rc) rc = run_households(r, &q->households, &t, &households);
    if (rc) { json_decref(units); return rc; }

    json_t *tags = json_array();
    for (int i = 0; i < t.ntags; i++) {
        const struct tag *g = &t.tags[i];
        if (!g->active && !g->n) continue;     /* a retired tag is shown while someone still has it */
        json_array_append_new(tags, json_pack("{s:s,s:s,s:s,s:I}", "code", g->code, "label_zh", g->zh ? g->zh : g->code,
                                              "label_en", g->en ? g->en : g->code, "persons", (json_int_t)g->n));
    }
    json_t *kids = json_array();
    for (int i = 0; i < t.nkids; i++) {
        const struct child *c = &t.kids[i];
        json_array_append_new(kids, json_pack("{s:I,s:s,s:s,s:I,s:I,s:I}", "id", (json_int_t)c->id, "name", c->name,
                                              "level", c->level, "persons", (json_int_t)c->f.persons,
                                              "aged_60", (json_int_t)c->f.aged60, "households", (json_int_t)c->f.households));
    }
    json_t *cut = json_object();
    for (int i = 0; i < 3; i++)
        json_object_set_new(cut, arena_printf(&r->a, "aged_%d", aged_years[i]), json_string(cutoff(&r->a, today, aged_years[i])));
    json_t *out = json_pack("{s:{s:I,s:s,s:s},s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o}",
                            "unit", "id", (json_int_t)u->id, "name", u->name, "level", u->level,
                            "as_of", today, "cutoffs", cut, "units", units,
                            "households", (json_int_t)households, "persons", (json_int_t)t.persons,
                            "aged_60", (json_int_t)t.aged[0], "aged_80", (json_int_t)t.aged[1], "aged_100", (json_int_t)t.aged[2],
                            "tags", tags, "pyramid", pyramid_json(&t), "children", kids, "at_unit", figs_json(&t.at_unit));
    return resp_data(r, 200, out);
}

/* The unit asked for (default: the caller's own unit, the root of their scope), if the caller
 * may see it as an org_units record: 0 found, 1 not (404, as GET /org_units/N would), <0 error. */
static int visible_unit(req *r, int64_t id, struct org_info *u) {
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, "SELECT t.id, t.name, t.level, t.org_path FROM org_units t WHERE t.deleted_at IS NULL AND t.id = ");
    sqlb_val(&q, sv_int(id));
    scope_restrict(&q, r->who, "org_units.read", "t");
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) return -1;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        memset(u, 0, sizeof *u);
        u->id = db_col_int(s, 0);
        snprintf(u->name, sizeof u->name, "%s", db_col_text(s, 1));
        snprintf(u->level, sizeof u->level, "%s", db_col_text(s, 2));
        snprintf(u->path, sizeof u->path, "%s", db_col_text(s, 3));
    }
    db_done(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : rc;
}

int api_stats_summary(req *r) {
    int64_t id = r->who->org_id;
    const char *arg = req_query(r, "org_id");
    if (arg) {
        /* the same rule and answer as a list's org_id filter */
        char *end;
        errno = 0;
        long long v = *arg ? strtoll(arg, &end, 10) : 0;
        if (!*arg || *end || errno)
            return resp_error_fields(r, 400, "invalid_filter", "查询条件有误", "Invalid query parameter",
                                     json_pack("{s:s}", "org_id", r->lang_en ? "Unit id must be an integer" : "组织单位编号应为整数"),
                                     json_pack("{s:s}", "org_id", "invalid_filter"));
        id = v;
    }
    struct org_info u;
    int rc = visible_unit(r, id, &u);
    if (rc < 0) return rc;
    if (rc) return resp_error(r, 404, "not_found", "组织单位不存在", "No such unit");

    struct queries q;
    build_queries(r, &u, &q);
    char today[11];
    today_cn(today);
    /* Kept under the persons counter; the key holds every query (so the caller's scope, which is
     * part of their text and values), the other tables' counters and the date the ages are for. */
    static const char *const tables[] = {"persons", "org_units", "households", "dict_items"};
    int64_t versions[4];
    int cacheable = query_cache_versions(r->dbc, tables, 4, versions) == 0 && versions[0] >= 0;
    int64_t version = versions[0];
    sqlb key;
    sqlb_init(&key, &r->a);
    sqlb_sql(&key, "-- stats/summary\n");
    sqlb_append(&key, &q.units);
    sqlb_append(&key, &q.kids);
    sqlb_append(&key, &q.persons);
    sqlb_append(&key, &q.households);
    sqlb_append(&key, &q.tags);
    for (int i = 1; i < 4; i++) {
        if (versions[i] < 0) cacheable = 0;
        sqlb_val(&key, sv_int(versions[i]));
    }
    sqlb_val(&key, sv_text(today));
    char *kept;
    size_t kept_len;
    if (cacheable && query_cache_get(&key, version, &kept, &kept_len)) {
        resp_text(r, 200, "application/json; charset=utf-8", kept, kept_len);
        free(kept);
        return 0;
    }
    rc = summarise(r, &u, &q, today);
    if (rc) return rc;
    if (cacheable && r->status == 200 && r->resp_body) query_cache_put(&key, version, r->resp_body, r->resp_len);
    return 0;
}
