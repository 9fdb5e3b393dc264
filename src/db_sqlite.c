/* db_sqlite.c: the SQLite engine of db.h (db_impl.h) - connections to one WAL database file,
 * each with its own cache of prepared statements keyed by SQL text. */
#include "db_impl.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STMT_CACHE 512          /* statements kept per connection; list queries vary by filter */

typedef struct sq_stmt {
    struct db_stmt base;
    sqlite3_stmt *st;
    char *sql;
    uint64_t hash;
    int in_use, cached;
    struct sq_stmt *next;       /* cache bucket chain */
} sq_stmt;

typedef struct sq_conn {
    struct db_conn base;
    sqlite3 *h;
    sq_stmt *cache[STMT_CACHE];
    int ncached;
} sq_conn;

#define SQ(c) ((sq_conn *)(c))
#define ST(s) ((sq_stmt *)(s))

/* SQLite reports most failed writes as SQLITE_IOERR_WRITE or _FSYNC, whatever the cause (only a
 * write that meets ENOSPC is SQLITE_FULL): the errno of the call beneath says which fault it is. */
static int map_err(sqlite3 *h, int rc) {
    switch (rc & 0xff) {
    case SQLITE_OK: case SQLITE_DONE: return DB_DONE;
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_CONSTRAINT:
        return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ? DB_ERR_UNIQUE : DB_ERR_CONSTRAINT;
    case SQLITE_BUSY: case SQLITE_LOCKED: return DB_ERR_BUSY;
    case SQLITE_READONLY: case SQLITE_CANTOPEN: case SQLITE_PERM: return DB_ERR_READONLY;
    case SQLITE_FULL: return DB_ERR_FULL;
    case SQLITE_IOERR:
        if (rc == SQLITE_IOERR_NOMEM) return DB_ERR;
        return db_errno_fault(h ? sqlite3_system_errno(h) : 0);
    default: return DB_ERR;
    }
}

static int sq_probe(db_conn *c, char *reason, size_t n);

/* Records a failed call's DB_ERR_* on the connection, and a storage fault with db_fault. SQLite
 * keeps the errno of a failed write only sometimes (sqlite3_system_errno reads errno after other
 * calls may have changed it): an I/O error without a telling one is classified by the probe, which
 * writes beside the database and meets the same refusal if the disk is read-only or full. */
static int sq_fail(db_conn *dc, int rc) {
    sqlite3 *h = SQ(dc)->h;
    int code = map_err(h, rc);
    if (db_is_fault(code)) {
        char reason[256];
        int e = sqlite3_system_errno(h);
        if (e) snprintf(reason, sizeof reason, "%s (%s)", sqlite3_errmsg(h), strerror(e));
        else snprintf(reason, sizeof reason, "%s", sqlite3_errmsg(h));
        if ((rc & 0xff) == SQLITE_IOERR && code == DB_ERR_IO) {
            char why[256];
            int probed = sq_probe(dc, why, sizeof why);
            if (probed) { code = probed; snprintf(reason, sizeof reason, "%s; %s", sqlite3_errmsg(h), why); }
        }
        db_fault(dc, code, reason);
    }
    dc->last_err = code;
    return code;
}

static int conn_configure(sq_conn *c, const char *path) {
    int rc = sqlite3_open_v2(path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        log_error("msg=\"cannot open database\" path=%s err=\"%s\"", path, c->h ? sqlite3_errmsg(c->h) : "?");
        return -1;
    }
    sqlite3_busy_timeout(c->h, 10000);
    sqlite3_extended_result_codes(c->h, 1);
    /* WAL: readers never block the writer; NORMAL sync is durable across process crashes
     * (the crash-safety test kills the server) and loses at most the last commit on power loss. */
    const char *pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=1073741824;";
    char *err = NULL;
    if (sqlite3_exec(c->h, pragmas, NULL, NULL, &err) != SQLITE_OK) {
        log_error("msg=\"cannot configure database\" err=\"%s\"", err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static void stmt_free(sq_stmt *s) {
    sqlite3_finalize(s->st);
    free(s->sql);
    free(s);
}

static void sq_conn_close(db_conn *dc) {
    sq_conn *c = SQ(dc);
    for (int b = 0; b < STMT_CACHE; b++) {
        sq_stmt *s = c->cache[b];
        while (s) { sq_stmt *n = s->next; stmt_free(s); s = n; }
    }
    if (c->h) sqlite3_close_v2(c->h);
    free(c);
}

static db_conn *sq_conn_open(db *d) {
    sq_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->base.ops = d->ops;
    c->base.d = d;
    if (conn_configure(c, d->path) != 0) { sq_conn_close(&c->base); return NULL; }
    return &c->base;
}

/* SQLite's allocation statistics take a global mutex on every malloc; nothing here reads them. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
static void sqlite_setup(void) {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

static int sq_db_init(db *d, const char *path) {
    pthread_once(&sqlite_once, sqlite_setup);
    d->path = d->engine = strdup(path);
    return d->engine ? 0 : -1;
}
static void sq_db_free(db *d) { free(d->engine); }
static void sq_conn_check(db_conn *c) { (void)c; }     /* a file does not drop */

/* A page written to a new file beside the database, as SQLite writes its own (pwrite): a
 * read-only file system refuses the open, a full one the write. */
static int sq_probe(db_conn *c, char *reason, size_t n) {
    const char *db_path = c->d->path;
    if (!strcmp(db_path, ":memory:")) return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s-probe-%ld", db_path, (long)getpid());
    int e = 0, fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) e = errno;
    else {
        static const char page[4096];
        ssize_t w = pwrite(fd, page, sizeof page, 0);
        if (w != (ssize_t)sizeof page) e = w < 0 ? errno : ENOSPC;
        close(fd);
        unlink(path);
    }
    if (!e) return 0;
    snprintf(reason, n, "writing %s: %s", path, strerror(e));
    return db_errno_fault(e);
}

static int sq_exec(db_conn *dc, const char *sql) {
    char *err = NULL;
    int rc = sqlite3_exec(SQ(dc)->h, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        int code = sq_fail(dc, rc);
        if (!db_is_fault(code)) log_error("msg=\"sql failed\" err=\"%s\"", err ? err : sqlite3_errmsg(SQ(dc)->h));
        sqlite3_free(err);
        return code;
    }
    return 0;
}

static db_stmt *sq_prepare(db_conn *dc, const char *sql) {
    sq_conn *c = SQ(dc);
    uint64_t h = db_hash_str(sql);
    sq_stmt **bucket = &c->cache[h % STMT_CACHE];
    for (sq_stmt *s = *bucket; s; s = s->next)
        if (s->hash == h && !s->in_use && strcmp(s->sql, sql) == 0) { s->in_use = 1; return &s->base; }
    sq_stmt *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    int rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
    if (rc != SQLITE_OK) {
        if (!db_is_fault(sq_fail(dc, rc)))
            log_error("msg=\"prepare failed\" err=\"%s\" sql=\"%.300s\"", sqlite3_errmsg(c->h), sql);
        free(s);
        return NULL;
    }
    s->base.c = dc;
    s->sql = strdup(sql);
    s->hash = h;
    s->in_use = 1;
    if (c->ncached < STMT_CACHE * 4) {      /* bounded: a flood of distinct filters can't grow it */
        s->cached = 1;
        s->next = *bucket;
        *bucket = s;
        c->ncached++;
    }
    return &s->base;
}

static int sq_bind_int(db_stmt *s, int idx, int64_t v) { return sqlite3_bind_int64(ST(s)->st, idx, v) == SQLITE_OK ? 0 : -1; }
static int sq_bind_real(db_stmt *s, int idx, double v) { return sqlite3_bind_double(ST(s)->st, idx, v) == SQLITE_OK ? 0 : -1; }
static int sq_bind_null(db_stmt *s, int idx) { return sqlite3_bind_null(ST(s)->st, idx) == SQLITE_OK ? 0 : -1; }
static int sq_bind_text(db_stmt *s, int idx, const char *v, int len, int copy) {
    return sqlite3_bind_text(ST(s)->st, idx, v, len, copy ? SQLITE_TRANSIENT : SQLITE_STATIC) == SQLITE_OK ? 0 : -1;
}
static int sq_bind_blob(db_stmt *s, int idx, const void *v, int len, int copy) {
    return sqlite3_bind_blob(ST(s)->st, idx, v, len, copy ? SQLITE_TRANSIENT : SQLITE_STATIC) == SQLITE_OK ? 0 : -1;
}

static int sq_step(db_stmt *s) {
    int rc = sqlite3_step(ST(s)->st);
    if (rc == SQLITE_ROW) return DB_ROW;
    if (rc == SQLITE_DONE) return DB_DONE;
    sqlite3 *h = SQ(s->c)->h;
    int code = sq_fail(s->c, sqlite3_extended_errcode(h));
    if (code != DB_ERR_UNIQUE)
        log_debug("msg=\"step failed\" err=\"%s\"", sqlite3_errmsg(h));
    return code;
}

static int sq_col_count(db_stmt *s) { return sqlite3_column_count(ST(s)->st); }
static const char *sq_col_name(db_stmt *s, int i) { return sqlite3_column_name(ST(s)->st, i); }
static enum db_type sq_col_type(db_stmt *s, int i) {
    switch (sqlite3_column_type(ST(s)->st, i)) {
    case SQLITE_INTEGER: return DBT_INT;
    case SQLITE_FLOAT: return DBT_REAL;
    case SQLITE_TEXT: return DBT_TEXT;
    case SQLITE_BLOB: return DBT_BLOB;
    default: return DBT_NULL;
    }
}
static int64_t sq_col_int(db_stmt *s, int i) { return sqlite3_column_int64(ST(s)->st, i); }
static double sq_col_real(db_stmt *s, int i) { return sqlite3_column_double(ST(s)->st, i); }
static const char *sq_col_text(db_stmt *s, int i) { return (const char *)sqlite3_column_text(ST(s)->st, i); }
static const void *sq_col_blob(db_stmt *s, int i, int *len) {
    const void *p = sqlite3_column_blob(ST(s)->st, i);
    *len = sqlite3_column_bytes(ST(s)->st, i);
    return p;
}

static void sq_done(db_stmt *ds) {
    sq_stmt *s = ST(ds);
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
    s->in_use = 0;
    if (!s->cached) stmt_free(s);
}

/* One cached statement, run to completion: BEGIN / COMMIT / ROLLBACK on every request must not
 * be parsed again each time (sqlite3_exec would). */
static int run_cached(db_conn *c, const char *sql) {
    db_stmt *s = sq_prepare(c, sql);
    if (!s) return c->last_err ? c->last_err : DB_ERR;
    int rc = sq_step(s);
    sq_done(s);
    return rc == DB_DONE ? 0 : rc;
}

static int sq_begin(db_conn *c, int write) {
    int rc = run_cached(c, write ? "BEGIN IMMEDIATE" : "BEGIN");
    c->tx_open = rc == 0;
    return rc;
}

static int sq_commit(db_conn *c) {
    int rc = run_cached(c, "COMMIT");
    if (rc) sqlite3_exec(SQ(c)->h, "ROLLBACK", NULL, NULL, NULL);
    c->tx_open = 0;
    return rc;
}

static void sq_rollback(db_conn *c) {
    if (run_cached(c, "ROLLBACK") != 0) sqlite3_exec(SQ(c)->h, "ROLLBACK", NULL, NULL, NULL);
    c->tx_open = 0;
}

static int sq_changes(db_conn *c) { return sqlite3_changes(SQ(c)->h); }
static int64_t sq_last_insert_id(db_conn *c) { return sqlite3_last_insert_rowid(SQ(c)->h); }
static const char *sq_errmsg(db_conn *c) { return sqlite3_errmsg(SQ(c)->h); }

static int sq_backup(db_conn *c, const char *path) {
    sqlite3 *dst = NULL;
    int rc = sqlite3_open(path, &dst);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", SQ(c)->h, "main");
        if (b) {
            do { rc = sqlite3_backup_step(b, 256); if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20); }
            while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
            sqlite3_backup_finish(b);
        }
        rc = sqlite3_errcode(dst);
    }
    sqlite3_close(dst);
    return rc == SQLITE_OK || rc == SQLITE_DONE ? 0 : -1;
}

static int sq_schema_objects(db_conn *c, const char *kind, const char *table, arena *a, struct db_schema_obj **out, int *n) {
    /* sql is NULL for the automatic indexes of constraints */
    db_stmt *s = sq_prepare(c, "SELECT name, sql FROM sqlite_master WHERE type = ? AND tbl_name = ? AND sql IS NOT NULL ORDER BY name");
    if (!s) return -1;
    sq_bind_text(s, 1, kind, -1, 1);
    sq_bind_text(s, 2, table, -1, 1);
    return db_collect_schema_objects(s, a, out, n);
}

static int sq_bulk_mode(db_conn *c, int on) {
    return sq_exec(c, on ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=NORMAL");
}

/* One writer at a time (BEGIN IMMEDIATE) already gives a write transaction the whole database. */
static int sq_lock(db_conn *c, const char *name) { (void)c; (void)name; return 0; }
static int sq_ids_sync(db_conn *c, const char *table) { (void)c; (void)table; return 0; }
/* A failed statement undoes only itself; the transaction goes on without a savepoint. */
static int sq_savepoint(db_conn *c, int op) { (void)c; (void)op; return 0; }

/* SQLite's affinity rules on the declared type (INT anywhere: integer; CHAR, CLOB, TEXT: text;
 * BLOB or none: blob; REAL, FLOA, DOUB: real), the rest as text. */
static enum db_type sq_column_type(const char *decl) {
    if (strcasestr(decl, "INT")) return DBT_INT;
    if (strcasestr(decl, "CHAR") || strcasestr(decl, "CLOB") || strcasestr(decl, "TEXT")) return DBT_TEXT;
    if (!*decl || strcasestr(decl, "BLOB")) return DBT_BLOB;
    if (strcasestr(decl, "REAL") || strcasestr(decl, "FLOA") || strcasestr(decl, "DOUB")) return DBT_REAL;
    return DBT_TEXT;
}

/* Referencing tables come first, so each DELETE leaves no row pointing at a deleted one. */
static int sq_clear_tables(db_conn *c, const char *const *tables, int n) {
    for (int i = 0; i < n; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM \"%s\"", tables[i]);
        int rc = sq_exec(c, sql);
        if (rc) return rc;
    }
    return 0;
}

const struct db_ops db_sqlite_ops = {
    .name = "sqlite",
    .db_init = sq_db_init, .db_free = sq_db_free,
    .conn_open = sq_conn_open, .conn_close = sq_conn_close, .conn_check = sq_conn_check,
    .probe = sq_probe,
    .exec = sq_exec, .prepare = sq_prepare,
    .bind_int = sq_bind_int, .bind_real = sq_bind_real, .bind_text = sq_bind_text, .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step, .col_count = sq_col_count, .col_name = sq_col_name, .col_type = sq_col_type,
    .col_int = sq_col_int, .col_real = sq_col_real, .col_text = sq_col_text, .col_blob = sq_col_blob,
    .done = sq_done,
    .begin = sq_begin, .commit = sq_commit, .rollback = sq_rollback,
    .changes = sq_changes, .last_insert_id = sq_last_insert_id, .errmsg = sq_errmsg,
    .backup = sq_backup, .schema_objects = sq_schema_objects, .bulk_mode = sq_bulk_mode,
    .lock = sq_lock, .lock_table = sq_lock, .ids_sync = sq_ids_sync, .savepoint = sq_savepoint,
    .private_schema_changes = 1,
    .sql_tables = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations' ORDER BY name",
    .sql_columns = "SELECT name, type FROM pragma_table_info(?) ORDER BY cid",
    .sql_refs = "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?) ORDER BY 1",
    .column_type = sq_column_type, .clear_tables = sq_clear_tables,
};
