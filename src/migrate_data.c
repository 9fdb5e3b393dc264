/* migrate_data.c: `shequ migrate-data --from sqlite:PATH --to postgresql://...` moves a district
 * from the embedded SQLite file to a PostgreSQL database: every table, row for row, ids kept, so
 * that references, the audit hash chain (which hashes ids) and the encrypted values (whose
 * associated data names their column) stay valid; the encryption key is not needed and not
 * touched - the servers on PostgreSQL get the same key.
 *
 * All of it is one transaction on the target: the source is read in one snapshot (a server may
 * go on using it), the target's tables are emptied and loaded with COPY in the order their
 * foreign keys need, identity sequences moved past the highest ids, change counters set past
 * both databases' (no server's cached list outlives the load), then row counts compared and the
 * audit chain verified before the commit. Anything wrong rolls everything back.
 *
 * Refused, each with a code and its own exit status: a target that already holds a district's
 * data (users, residents or audit entries; --replace empties it), and a source whose schema is
 * not the one this shequ migrates the target to. */
#include "migrate_data.h"
#include "audit.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "migrate.h"
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { EX_FAIL = 1, EX_USAGE = 2, EX_NOT_EMPTY = 3, EX_SCHEMA = 4 };

static const char *help =
    "Usage: shequ migrate-data --from sqlite:PATH --to postgresql://USER@HOST:PORT/DBNAME [--replace]\n"
    "Moves a district from its SQLite file into a PostgreSQL database: every table, ids kept,\n"
    "identity sequences moved past the highest ids, the audit hash chain verified on the target\n"
    "before the one transaction commits. The source is read in one snapshot and not changed (a\n"
    "server may keep running on it; what it writes after the snapshot is not moved). The target\n"
    "database must exist (createdb); its schema is created or upgraded first.\n"
    "\n"
    "  --replace   empty a target that already holds data (users, residents, audit entries) first\n"
    "\n"
    "The encrypted ID numbers and phones move as they are: give the servers on PostgreSQL the same\n"
    "key (secret_key = the 64 hex digits of PATH.key, or key_file = PATH.key).\n"
    "Exit status: 0 moved; 1 failed (nothing changed); 2 usage; 3 target_not_empty; 4 schema_mismatch.\n";

static int error(int status, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int error(int status, const char *code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "shequ migrate-data: %s: ", code);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

static const struct db_table *find_table(const struct db_table *t, int n, const char *name) {
    for (int i = 0; i < n; i++) if (!strcmp(t[i].name, name)) return &t[i];
    return NULL;
}

static int find_col(const struct db_table *t, const char *name) {
    for (int i = 0; i < t->ncols; i++) if (!strcmp(t->cols[i], name)) return i;
    return -1;
}

/* The applied migrations as "1,2,3". */
static int versions(db_conn *c, char *out, size_t n) {
    db_stmt *s = db_prepare(c, "SELECT version FROM schema_migrations ORDER BY version");
    if (!s) return -1;
    size_t len = 0;
    out[0] = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW && len + 24 < n)
        len += (size_t)snprintf(out + len, n - len, "%s%lld", len ? "," : "", (long long)db_col_int(s, 0));
    db_done(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

/* The same tables with the same columns on both sides (either may list them in its own order). */
static int same_schema(const struct db_table *src, int nsrc, const struct db_table *dst, int ndst) {
    int ok = 1;
    for (int i = 0; i < nsrc; i++) {
        const struct db_table *d = find_table(dst, ndst, src[i].name);
        if (!d) { error(0, "schema_mismatch", "table %s is not in the target", src[i].name); ok = 0; continue; }
        for (int k = 0; k < src[i].ncols; k++)
            if (find_col(d, src[i].cols[k]) < 0) { error(0, "schema_mismatch", "column %s.%s is not in the target", src[i].name, src[i].cols[k]); ok = 0; }
        for (int k = 0; k < d->ncols; k++)
            if (find_col(&src[i], d->cols[k]) < 0) { error(0, "schema_mismatch", "column %s.%s is not in the source", d->name, d->cols[k]); ok = 0; }
        if (!db_plain_name(src[i].name)) { error(0, "schema_mismatch", "table name %s is not [a-z0-9_]", src[i].name); ok = 0; }
    }
    for (int i = 0; i < ndst; i++)
        if (!find_table(src, nsrc, dst[i].name)) { error(0, "schema_mismatch", "table %s is not in the source", dst[i].name); ok = 0; }
    return ok;
}

/* Tables ordered so that each comes after the tables its foreign keys reference (a reference to
 * itself is met inside one COPY: PostgreSQL checks foreign keys at the end of the statement). */
static int load_order(const struct db_table *t, int n, const struct db_table **order) {
    char placed[n ? n : 1];
    memset(placed, 0, sizeof placed);
    int done = 0;
    while (done < n) {
        int progress = 0;
        for (int i = 0; i < n; i++) {
            if (placed[i]) continue;
            int ready = 1;
            for (int r = 0; r < t[i].nrefs && ready; r++) {
                if (!strcmp(t[i].refs[r], t[i].name)) continue;
                for (int j = 0; j < n; j++)
                    if (!placed[j] && !strcmp(t[j].name, t[i].refs[r])) ready = 0;
            }
            if (ready) { placed[i] = 1; order[done++] = &t[i]; progress = 1; }
        }
        if (!progress) return -1;        /* a cycle of foreign keys between tables */
    }
    return 0;
}

/* A district's own data: anything in these tables means the target is in use. */
static int target_in_use(db_conn *c, char *what, size_t n) {
    static const char *tables[] = {"users", "persons", "audit_log", NULL};
    int used = 0;
    what[0] = 0;
    for (int i = 0; tables[i]; i++) {
        char sql[96];
        int64_t rows = 0;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", tables[i]);
        if (db_query_int(c, sql, &rows, NULL) < 0) return -1;
        if (rows) {
            size_t len = strlen(what);
            snprintf(what + len, n - len, "%s%s %lld rows", used ? ", " : "", tables[i], (long long)rows);
            used = 1;
        }
    }
    return used;
}

struct counter { char tbl[64]; int64_t n; };

/* change_counters as they are now (an empty list if there is no such table). */
static int read_counters(db_conn *c, struct counter *out, int max) {
    db_stmt *s = db_prepare(c, "SELECT tbl, n FROM change_counters ORDER BY tbl");
    if (!s) return -1;
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < max) {
        snprintf(out[n].tbl, sizeof out[n].tbl, "%s", db_col_text(s, 0));
        out[n++].n = db_col_int(s, 1);
    }
    db_done(s);
    return rc == DB_ROW || rc == DB_DONE ? n : -1;
}

/* One table from the source's snapshot into the target by COPY; *rows is how many. */
static int copy_table(db_conn *src, db_conn *dst, const struct db_table *st, const struct db_table *dt, int64_t *rows) {
    arena a;
    arena_init(&a);
    sbuf q;
    sbuf_init(&q, &a);
    sbuf_puts(&q, "SELECT ");
    for (int i = 0; i < st->ncols; i++) sbuf_printf(&q, "%s\"%s\"", i ? ", " : "", st->cols[i]);
    sbuf_printf(&q, " FROM \"%s\"", st->name);
    enum db_type *want = arena_alloc(&a, sizeof *want * (size_t)st->ncols);
    for (int i = 0; i < st->ncols; i++) want[i] = dt->types[find_col(dt, st->cols[i])];
    /* Indexes are built once from the loaded table rather than row by row (five times faster
     * for residents); a unique index that cannot be built fails the move like a duplicate row. */
    struct db_schema_obj *idx;
    int nidx, rc = db_schema_objects(dst, "index", st->name, &a, &idx, &nidx);
    for (int i = 0; !rc && i < nidx; i++) {
        if (!db_plain_name(idx[i].name)) { rc = DB_ERR; break; }
        char *drop = arena_printf(&a, "DROP INDEX \"%s\"", idx[i].name);
        rc = db_exec(dst, drop);
    }
    if (rc) {
        arena_free(&a);
        return error(EX_FAIL, "copy_failed", "%s: setting its indexes aside: %s", st->name, db_errmsg(dst));
    }
    rc = db_copy_begin(dst, st->name, st->cols, st->ncols);
    if (rc) {
        arena_free(&a);
        return error(EX_FAIL, "copy_failed", "%s: %s", st->name, db_errmsg(dst));
    }
    db_stmt *s = db_prepare(src, sbuf_str(&q));
    int64_t n = 0;
    int step = s ? DB_ROW : DB_ERR;
    while (!rc && s && (step = db_step(s)) == DB_ROW) {
        for (int i = 0; i < st->ncols && !rc; i++) {
            enum db_type t = db_col_type(s, i);
            char num[40];
            int len = 0;
            const void *v = NULL;
            if (t == DBT_BLOB ? want[i] != DBT_BLOB : t != DBT_NULL && want[i] == DBT_BLOB) {
                int64_t id = find_col(st, "id") >= 0 ? db_col_int(s, find_col(st, "id")) : n + 1;
                db_copy_end(dst, 1, NULL);
                db_done(s);
                arena_free(&a);
                return error(EX_FAIL, "type_mismatch", "%s.%s of row %lld holds %s where the target keeps %s",
                             st->name, st->cols[i], (long long)id, t == DBT_BLOB ? "bytes" : "a value", want[i] == DBT_BLOB ? "bytes" : "text or numbers");
            }
            switch (t) {
            case DBT_NULL: break;
            case DBT_INT: len = snprintf(num, sizeof num, "%lld", (long long)db_col_int(s, i)); v = num; break;
            case DBT_REAL: len = snprintf(num, sizeof num, "%.17g", db_col_real(s, i)); v = num; break;
            case DBT_TEXT: v = db_col_text(s, i); len = -1; break;
            case DBT_BLOB: v = db_col_blob(s, i, &len); if (!v) v = ""; break;
            }
            rc = db_copy_put(dst, t, v, len);
        }
        if (!rc) rc = db_copy_row(dst);
        n++;
    }
    const char *src_err = !s || (step != DB_DONE && !rc) ? db_errmsg(src) : NULL;
    db_done(s);
    if (src_err) {
        db_copy_end(dst, 1, NULL);
        arena_free(&a);
        return error(EX_FAIL, "source_unreadable", "%s: %s", st->name, src_err);
    }
    int end = db_copy_end(dst, 0, rows);
    if (rc || end) { arena_free(&a); return error(EX_FAIL, "copy_failed", "%s: %s", st->name, db_errmsg(dst)); }
    for (int i = 0; i < nidx; i++)
        if (db_exec(dst, idx[i].sql)) {
            error(0, "copy_failed", "%s: building index %s: %s", st->name, idx[i].name, db_errmsg(dst));
            arena_free(&a);
            return EX_FAIL;
        }
    arena_free(&a);
    if (*rows != n) return error(EX_FAIL, "copy_failed", "%s: %lld rows read, %lld stored", st->name, (long long)n, (long long)*rows);
    return 0;
}

/* Everything after the databases are open: one transaction on the target, one snapshot of the
 * source. Returns the exit status. */
static int move(db_conn *src, db_conn *dst, int replace) {
    arena a;
    arena_init(&a);
    int status = EX_FAIL;
    char vs[512], vt[512];
    if (versions(src, vs, sizeof vs) || versions(dst, vt, sizeof vt)) {
        status = error(EX_SCHEMA, "schema_mismatch", "the source has no schema_migrations: not a shequ database");
        goto out;
    }
    if (strcmp(vs, vt) != 0) {
        status = error(EX_SCHEMA, "schema_mismatch", "the source has migrations %s, this shequ %s: run `shequ migrate --db` on the "
                       "source with this shequ first (or the newer shequ that wrote it)", vs, vt);
        goto out;
    }
    struct db_table *st, *dt;
    int nst, ndt;
    if (db_tables(src, &a, &st, &nst) || db_tables(dst, &a, &dt, &ndt)) {
        status = error(EX_FAIL, "schema_unreadable", "%s", db_errmsg(src));
        goto out;
    }
    if (!same_schema(st, nst, dt, ndt)) { status = EX_SCHEMA; goto out; }
    const struct db_table **order = arena_alloc(&a, sizeof *order * (size_t)(nst ? nst : 1));
    if (load_order(st, nst, order)) { status = error(EX_SCHEMA, "schema_mismatch", "the tables' foreign keys form a cycle"); goto out; }

    db_bulk_mode(dst, 1);
    if (db_begin_read(src) || db_begin_write(dst)) { status = error(EX_FAIL, "begin_failed", "%s", db_errmsg(dst)); goto out; }
    char what[256];
    int used = target_in_use(dst, what, sizeof what);
    if (used < 0) { status = error(EX_FAIL, "target_unreadable", "%s", db_errmsg(dst)); goto rollback; }
    if (used && !replace) {
        status = error(EX_NOT_EMPTY, "target_not_empty", "the target already holds data (%s); --replace empties it first", what);
        goto rollback;
    }
    struct counter before[128], from[128];
    int nbefore = read_counters(dst, before, 128), nfrom = read_counters(src, from, 128);
    if (nbefore < 0 || nfrom < 0) { status = error(EX_FAIL, "counters_unreadable", "change_counters: %s", db_errmsg(nbefore < 0 ? dst : src)); goto rollback; }

    const char **clear = arena_alloc(&a, sizeof *clear * (size_t)(nst ? nst : 1));
    for (int i = 0; i < nst; i++) clear[i] = order[nst - 1 - i]->name;
    if (db_clear_tables(dst, clear, nst)) { status = error(EX_FAIL, "clear_failed", "%s", db_errmsg(dst)); goto rollback; }

    int64_t total = 0;
    int64_t *copied = arena_alloc(&a, sizeof *copied * (size_t)(nst ? nst : 1));
    for (int i = 0; i < nst; i++) {
        double t0 = now_monotonic();
        const struct db_table *d = find_table(dt, ndt, order[i]->name);
        if ((status = copy_table(src, dst, order[i], d, &copied[i]))) goto rollback;
        status = EX_FAIL;
        /* the engine numbers new rows after the highest id moved in */
        if (find_col(order[i], "id") >= 0 && db_ids_sync(dst, order[i]->name)) {
            error(0, "sequence_failed", "%s: %s", order[i]->name, db_errmsg(dst));
            goto rollback;
        }
        total += copied[i];
        printf("  %-28s %10lld rows  %6.2f s\n", order[i]->name, (long long)copied[i], now_monotonic() - t0);
        fflush(stdout);
    }

    /* Every counter past both databases' values: a server that cached a list of the target
     * under its old counter must not find that counter again. */
    for (int i = 0; i < nfrom; i++) {
        int64_t n = from[i].n;
        for (int k = 0; k < nbefore; k++)
            if (!strcmp(before[k].tbl, from[i].tbl) && before[k].n >= n) n = before[k].n;
        db_stmt *s = db_prepare(dst, "UPDATE change_counters SET n = ? WHERE tbl = ?");
        if (!s) goto rollback;
        db_bind_int(s, 1, n + 1);
        db_bind_text(s, 2, from[i].tbl, -1);
        int rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) { error(0, "counters_failed", "%s", db_errmsg(dst)); goto rollback; }
    }

    /* Checked before the commit: every table holds what was read, and the chain verifies. */
    for (int i = 0; i < nst; i++) {
        char sql[128];
        int64_t n = -1;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", order[i]->name);
        if (db_query_int(dst, sql, &n, NULL) != 0 || n != copied[i]) {
            error(0, "count_mismatch", "%s: %lld rows read, %lld in the target", order[i]->name, (long long)copied[i], (long long)n);
            goto rollback;
        }
    }
    int64_t checked = 0;
    char reason[200] = "";
    int64_t bad = audit_verify(dst, &checked, reason, sizeof reason);
    if (bad != 0) {
        error(0, "audit_broken", bad < 0 ? "cannot read the audit log on the target" : "the audit chain breaks at entry %lld on the target: %s",
              (long long)bad, reason);
        goto rollback;
    }
    if (db_commit(dst)) { status = error(EX_FAIL, "commit_failed", "%s", db_errmsg(dst)); db_rollback(src); goto out; }
    db_rollback(src);
    /* fresh statistics for the planner; a failure here loses nothing */
    if (db_exec(dst, "ANALYZE")) log_warn("msg=\"ANALYZE after the move failed\" err=\"%s\"", db_errmsg(dst));
    printf("moved %lld rows in %d tables; audit chain intact (%lld entries)\n", (long long)total, nst, (long long)checked);
    status = 0;
    goto out;
rollback:
    db_rollback(dst);
    db_rollback(src);
out:
    arena_free(&a);
    return status;
}

int migrate_data_main(int argc, char **argv) {
    const char *from = NULL, *to = NULL;
    int replace = 0, c;
    static const struct option longs[] = {{"from", required_argument, 0, 'f'}, {"to", required_argument, 0, 't'},
        {"replace", no_argument, 0, 'r'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (c == 'f') from = optarg;
        else if (c == 't') to = optarg;
        else if (c == 'r') replace = 1;
        else if (c == 'h') { fputs(help, stdout); return 0; }
        else { fputs(help, stderr); return EX_USAGE; }
    }
    if (!from || !to || optind != argc) { fputs(help, stderr); return EX_USAGE; }
    if (strncmp(from, "sqlite:", 7) != 0 || !from[7])
        return error(EX_USAGE, "usage", "--from takes sqlite:PATH (the district's SQLite file)");
    if (strncmp(to, "postgresql://", 13) != 0 && strncmp(to, "postgres://", 11) != 0)
        return error(EX_USAGE, "usage", "--to takes a PostgreSQL URL, postgresql://USER@HOST:PORT/DBNAME");
    struct stat sb;
    if (stat(from + 7, &sb) != 0 || !S_ISREG(sb.st_mode))
        return error(EX_FAIL, "source_missing", "no SQLite file at %s", from + 7);
    char shown[1024];
    db_url_redacted(to, shown, sizeof shown);
    db *sd = NULL, *td = NULL;
    if (db_open(from, 1, &sd) != 0) return error(EX_FAIL, "cannot_open", "source %s", from);
    if (db_open(to, 1, &td) != 0) { db_close(sd); return error(EX_FAIL, "cannot_open", "target %s", shown); }
    db_conn *src = db_acquire(sd), *dst = db_acquire(td);
    int status;
    if (migrate_run(dst, 0) != 0) status = error(EX_FAIL, "migrate_failed", "could not create the schema in %s: %s", shown, db_errmsg(dst));
    else {
        printf("moving %s to %s\n", from, shown);
        double t0 = now_monotonic();
        status = move(src, dst, replace);
        char keyfile[1024];
        snprintf(keyfile, sizeof keyfile, "%s.key", from + 7);
        if (!status && stat(keyfile, &sb) == 0)
            printf("done in %.1f s. Give the servers on it this district's key: key_file = %s (or secret_key = its 64 hex digits).\n",
                   now_monotonic() - t0, keyfile);
        else if (!status)
            printf("done in %.1f s. Give the servers on it the key this district's server had (secret_key, $SHEQU_SECRET_KEY or key_file).\n",
                   now_monotonic() - t0);
    }
    db_release(src);
    db_release(dst);
    db_close(sd);
    db_close(td);
    return status;
}
