/* migrate.c: applies the compiled-in migrations in order, each in its own transaction, records
 * them in schema_migrations, then seeds what every database needs. Safe to run again. */
#include "migrate.h"
#include "auth.h"
#include "dict.h"
#include "http.h"
#include "log.h"
#include "refdata.h"
#include <stdio.h>
#include <string.h>

static int seed_roles(db_conn *c, const char *now) {
    for (int i = 0; builtin_roles[i].code; i++) {
        const struct builtin_role *br = &builtin_roles[i];
        /* built-in roles follow the code: a release that changes their permissions updates them */
        db_stmt *s = db_prepare(c,
            "INSERT INTO roles (code, name_zh, name_en, scope, permissions, builtin, org_path, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 1, '/', ?, ?) ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, "
            "name_en = excluded.name_en, scope = excluded.scope, permissions = excluded.permissions");
        if (!s) return -1;
        db_bind_text(s, 1, br->code, -1);
        db_bind_text(s, 2, br->name_zh, -1);
        db_bind_text(s, 3, br->name_en, -1);
        db_bind_text(s, 4, br->scope, -1);
        db_bind_text(s, 5, br->perms, -1);
        db_bind_text(s, 6, now, -1);
        db_bind_text(s, 7, now, -1);
        int rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) return rc;
    }
    return 0;
}

/* The city of Zhengzhou, its county-level units and their streets and towns, from the real
 * statistical division codes. Communities and grids are the district's own data (or the demo's). */
static int seed_divisions(db_conn *c, const char *now) {
    int64_t n = 0;
    if (db_query_int(c, "SELECT count(*) FROM org_units", &n, NULL) < 0) return -1;
    if (n > 0) return 0;
    for (int i = 0; i < divisions_count; i++) {
        const struct division *d = &divisions[i];
        const char *level = NULL;
        if (!strcmp(d->level, "city")) level = "city";
        else if (!strcmp(d->level, "county")) level = "district";
        else if (!strcmp(d->level, "township")) level = "street";
        if (!level) continue;
        db_stmt *s = db_prepare(c,
            "INSERT INTO org_units (parent_id, level, code, code12, name, unit_type, org_path, district_code, created_at, updated_at) "
            "VALUES ((SELECT id FROM org_units WHERE code = ?), ?, ?, ?, ?, ?, "
            "COALESCE((SELECT org_path FROM org_units WHERE code = ?), '/'), ?, ?, ?) RETURNING id");
        if (!s) return -1;
        db_bind_text(s, 1, d->parent_code, -1);
        db_bind_text(s, 2, level, -1);
        db_bind_text(s, 3, d->code, -1);
        db_bind_text(s, 4, d->code12, -1);
        db_bind_text(s, 5, d->name, -1);
        db_bind_text(s, 6, d->unit_type, -1);
        db_bind_text(s, 7, d->parent_code, -1);
        char district[8] = "";
        if (strlen(d->code) >= 6) { memcpy(district, d->code, 6); district[6] = 0; }
        db_bind_text(s, 8, *district ? district : NULL, -1);
        db_bind_text(s, 9, now, -1);
        db_bind_text(s, 10, now, -1);
        int rc = db_step(s);
        int64_t id = rc == DB_ROW ? db_col_int(s, 0) : 0;
        db_done(s);
        if (rc != DB_ROW) return rc == DB_DONE ? -1 : rc;
        s = db_prepare(c, "UPDATE org_units SET org_path = org_path || ? || '/', org_id = id WHERE id = ?");
        if (!s) return -1;
        char ids[24];
        snprintf(ids, sizeof ids, "%lld", (long long)id);
        db_bind_text(s, 1, ids, -1);
        db_bind_int(s, 2, id);
        rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) return rc;
    }
    return 0;
}

/* The migrations written for the connection's engine. */
static const struct migration *migrations_for(db_conn *c, int *n) {
    static const struct { const char *engine; const struct migration *m; const int *n; } sets[] = {
        {"sqlite", migrations_sqlite, &migrations_sqlite_count},
        {"postgresql", migrations_pg, &migrations_pg_count},
    };
    const char *engine = db_connection_engine(c);
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (!strcmp(sets[i].engine, engine)) { *n = *sets[i].n; return sets[i].m; }
    *n = 0;
    return NULL;
}

/* One transaction for all of it, under a lock every server shares: two servers started at once
 * on one PostgreSQL database migrate it once, and a failed migration leaves nothing behind. */
int migrate_run(db_conn *c, int verbose) {
    int n = 0;
    const struct migration *set = migrations_for(c, &n);
    if (!set) return -1;
    char now[32];
    now_utc_iso(now);
    int rc = db_begin_write(c);
    if (rc) return rc;
    if ((rc = db_lock(c, "shequ.migrate")) ||
        (rc = db_exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")))
        goto fail;
    for (int i = 0; i < n; i++) {
        const struct migration *m = &set[i];
        int64_t done = 0;
        if (db_query_int(c, "SELECT count(*) FROM schema_migrations WHERE version = ?", &done, "i", (int64_t)m->version) < 0) { rc = -1; goto fail; }
        if (done) continue;
        rc = db_exec(c, m->sql);
        if (!rc) {
            db_stmt *s = db_prepare(c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
            if (!s) rc = -1;
            else {
                db_bind_int(s, 1, m->version);
                db_bind_text(s, 2, m->name, -1);
                db_bind_text(s, 3, now, -1);
                rc = db_step(s) == DB_DONE ? 0 : -1;
                db_done(s);
            }
        }
        if (rc) { log_error("msg=\"migration failed\" version=%d name=%s", m->version, m->name); goto fail; }
        if (verbose) log_info("msg=\"migration applied\" version=%d name=%s", m->version, m->name);
    }
    if ((rc = dict_seed(c)) || (rc = seed_roles(c, now)) || (rc = seed_divisions(c, now))) goto fail;
    return db_commit(c);
fail:
    db_rollback(c);
    return rc ? rc : -1;
}
