/* db_sqlite.c: the SQLite backend of db.h - a pool of connections to one WAL database file,
 * each with its own cache of prepared statements keyed by SQL text. */
#include "db.h"
#include "log.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 512          /* statements kept per connection; list queries vary by filter */

struct db_stmt {
    sqlite3_stmt *st;
    db_conn *c;
    char *sql;
    uint64_t hash;
    int in_use, cached;
    db_stmt *next;              /* cache bucket chain */
};

struct db_conn {
    db *d;
    sqlite3 *h;
    db_stmt *cache[STMT_CACHE];
    int ncached;
    int tx_depth, tx_failed;
    int last_err;
    int busy;                   /* handed out by db_acquire */
    int owned;                  /* bound to one thread for good (a server worker) */
};

struct db {
    char *path;
    int n;
    db_conn *conns;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;             /* FNV-1a */
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 1099511628211ull; }
    return h;
}

static int map_err(int rc) {
    switch (rc & 0xff) {
    case SQLITE_OK: case SQLITE_DONE: return DB_DONE;
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_CONSTRAINT:
        return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ? DB_ERR_UNIQUE : DB_ERR_CONSTRAINT;
    case SQLITE_BUSY: case SQLITE_LOCKED: return DB_ERR_BUSY;
    case SQLITE_READONLY: case SQLITE_CANTOPEN: case SQLITE_PERM: return DB_ERR_READONLY;
    case SQLITE_FULL: return DB_ERR_FULL;
    case SQLITE_IOERR:
        return rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC ? DB_ERR_FULL : DB_ERR;
    default: return DB_ERR;
    }
}

static int conn_open(db *d, db_conn *c) {
    c->d = d;
    int rc = sqlite3_open_v2(d->path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        log_error("msg=\"cannot open database\" path=%s err=\"%s\"", d->path, c->h ? sqlite3_errmsg(c->h) : "?");
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

/* SQLite's allocation statistics take a global mutex on every malloc; nothing here reads them. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
static void sqlite_setup(void) {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

int db_open(const char *url, int pool_size, db **out) {
    pthread_once(&sqlite_once, sqlite_setup);
    const char *path = url;
    if (strncmp(url, "sqlite:", 7) == 0) path = url + 7;
    else if (strstr(url, "://")) {
        log_error("msg=\"unsupported database URL (this build speaks sqlite:PATH)\" url=%s", url);
        return -1;
    }
    if (!*path) return -1;
    db *d = calloc(1, sizeof *d);
    if (!d) return -1;
    d->path = strdup(path);
    d->n = pool_size < 1 ? 1 : pool_size;
    d->conns = calloc((size_t)d->n, sizeof *d->conns);
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    for (int i = 0; i < d->n; i++)
        if (conn_open(d, &d->conns[i]) != 0) { db_close(d); return -1; }
    *out = d;
    return 0;
}

static void stmt_free(db_stmt *s) {
    sqlite3_finalize(s->st);
    free(s->sql);
    free(s);
}

void db_close(db *d) {
    if (!d) return;
    for (int i = 0; i < d->n; i++) {
        db_conn *c = &d->conns[i];
        for (int b = 0; b < STMT_CACHE; b++) {
            db_stmt *s = c->cache[b];
            while (s) { db_stmt *n = s->next; stmt_free(s); s = n; }
        }
        if (c->h) sqlite3_close_v2(c->h);
    }
    free(d->conns);
    free(d->path);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

const char *db_engine(const db *d) { (void)d; return "sqlite"; }
const char *db_url_path(const db *d) { return d->path; }

/* A server worker keeps one connection for its whole life, so the common path takes no lock;
 * connections left over (the pool is sized threads + 2) serve everything else. */
static __thread db_conn *thread_conn;

db_conn *db_acquire(db *d) {
    db_conn *mine = thread_conn;
    if (mine && mine->d == d && !mine->busy) { mine->busy = 1; return mine; }
    pthread_mutex_lock(&d->mu);
    for (;;) {
        int free_count = 0;
        for (int i = 0; i < d->n; i++) if (!d->conns[i].busy && !d->conns[i].owned) free_count++;
        for (int i = 0; i < d->n; i++)
            if (!d->conns[i].busy && !d->conns[i].owned) {
                d->conns[i].busy = 1;
                /* keep two unowned for the command line, backups and threads without one */
                if (!thread_conn && free_count > 2) { d->conns[i].owned = 1; thread_conn = &d->conns[i]; }
                pthread_mutex_unlock(&d->mu);
                return &d->conns[i];
            }
        pthread_cond_wait(&d->cv, &d->mu);
    }
}

void db_release(db_conn *c) {
    if (!c) return;
    if (c->tx_depth) {              /* a handler forgot: never leave a transaction open */
        log_warn("msg=\"transaction left open; rolled back\"");
        c->tx_depth = 1;
        db_rollback(c);
    }
    if (c->owned) { c->busy = 0; return; }
    db *d = c->d;
    pthread_mutex_lock(&d->mu);
    c->busy = 0;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

int db_exec(db_conn *c, const char *sql) {
    char *err = NULL;
    int rc = sqlite3_exec(c->h, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        log_error("msg=\"sql failed\" err=\"%s\"", err ? err : sqlite3_errmsg(c->h));
        sqlite3_free(err);
        c->last_err = map_err(rc);
        return c->last_err;
    }
    return 0;
}

db_stmt *db_prepare(db_conn *c, const char *sql) {
    uint64_t h = hash_str(sql);
    db_stmt **bucket = &c->cache[h % STMT_CACHE];
    for (db_stmt *s = *bucket; s; s = s->next)
        if (s->hash == h && !s->in_use && strcmp(s->sql, sql) == 0) { s->in_use = 1; return s; }
    db_stmt *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    int rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
    if (rc != SQLITE_OK) {
        log_error("msg=\"prepare failed\" err=\"%s\" sql=\"%.300s\"", sqlite3_errmsg(c->h), sql);
        c->last_err = map_err(rc);
        free(s);
        return NULL;
    }
    s->c = c;
    s->sql = strdup(sql);
    s->hash = h;
    s->in_use = 1;
    if (c->ncached < STMT_CACHE * 4) {      /* bounded: a flood of distinct filters can't grow it */
        s->cached = 1;
        s->next = *bucket;
        *bucket = s;
        c->ncached++;
    }
    return s;
}

int db_bind_int(db_stmt *s, int idx, int64_t v) { return sqlite3_bind_int64(s->st, idx, v) == SQLITE_OK ? 0 : -1; }
int db_bind_real(db_stmt *s, int idx, double v) { return sqlite3_bind_double(s->st, idx, v) == SQLITE_OK ? 0 : -1; }
int db_bind_null(db_stmt *s, int idx) { return sqlite3_bind_null(s->st, idx) == SQLITE_OK ? 0 : -1; }
int db_bind_text(db_stmt *s, int idx, const char *v, int len) {
    if (!v) return db_bind_null(s, idx);
    return sqlite3_bind_text(s->st, idx, v, len, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}
int db_bind_blob(db_stmt *s, int idx, const void *v, int len) {
    if (!v) return db_bind_null(s, idx);
    return sqlite3_bind_blob(s->st, idx, v, len, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

int db_bind_text_ref(db_stmt *s, int idx, const char *v, int len) {
    if (!v) return db_bind_null(s, idx);
    return sqlite3_bind_text(s->st, idx, v, len, SQLITE_STATIC) == SQLITE_OK ? 0 : -1;
}
int db_bind_blob_ref(db_stmt *s, int idx, const void *v, int len) {
    if (!v) return db_bind_null(s, idx);
    return sqlite3_bind_blob(s->st, idx, v, len, SQLITE_STATIC) == SQLITE_OK ? 0 : -1;
}

int db_step(db_stmt *s) {
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) return DB_ROW;
    if (rc == SQLITE_DONE) return DB_DONE;
    s->c->last_err = map_err(sqlite3_extended_errcode(s->c->h));
    if (s->c->last_err != DB_ERR_UNIQUE)
        log_debug("msg=\"step failed\" err=\"%s\"", sqlite3_errmsg(s->c->h));
    return s->c->last_err;
}

int db_col_count(db_stmt *s) { return sqlite3_column_count(s->st); }
const char *db_col_name(db_stmt *s, int i) { return sqlite3_column_name(s->st, i); }
enum db_type db_col_type(db_stmt *s, int i) {
    switch (sqlite3_column_type(s->st, i)) {
    case SQLITE_INTEGER: return DBT_INT;
    case SQLITE_FLOAT: return DBT_REAL;
    case SQLITE_TEXT: return DBT_TEXT;
    case SQLITE_BLOB: return DBT_BLOB;
    default: return DBT_NULL;
    }
}
int64_t db_col_int(db_stmt *s, int i) { return sqlite3_column_int64(s->st, i); }
double db_col_real(db_stmt *s, int i) { return sqlite3_column_double(s->st, i); }
const char *db_col_text(db_stmt *s, int i) { return (const char *)sqlite3_column_text(s->st, i); }
const void *db_col_blob(db_stmt *s, int i, int *len) {
    const void *p = sqlite3_column_blob(s->st, i);
    *len = sqlite3_column_bytes(s->st, i);
    return p;
}

void db_done(db_stmt *s) {
    if (!s) return;
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
    s->in_use = 0;
    if (!s->cached) stmt_free(s);
}

/* One cached statement, run to completion: BEGIN / COMMIT / ROLLBACK on every request must not
 * be parsed again each time (sqlite3_exec would). */
static int run_cached(db_conn *c, const char *sql) {
    db_stmt *s = db_prepare(c, sql);
    if (!s) return c->last_err ? c->last_err : DB_ERR;
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : rc;
}

static int begin(db_conn *c, const char *sql) {
    if (c->tx_depth++ > 0) return 0;
    c->tx_failed = 0;
    int rc = run_cached(c, sql);
    if (rc) c->tx_depth = 0;
    return rc;
}
int db_begin_write(db_conn *c) { return begin(c, "BEGIN IMMEDIATE"); }
int db_begin_read(db_conn *c) { return begin(c, "BEGIN"); }

int db_commit(db_conn *c) {
    if (c->tx_depth <= 0) return -1;
    if (--c->tx_depth > 0) return c->tx_failed ? -1 : 0;
    if (c->tx_failed) { run_cached(c, "ROLLBACK"); return -1; }
    int rc = run_cached(c, "COMMIT");
    if (rc) sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

void db_rollback(db_conn *c) {
    if (c->tx_depth <= 0) return;
    if (--c->tx_depth > 0) { c->tx_failed = 1; return; }
    if (run_cached(c, "ROLLBACK") != 0) sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
}

int db_in_transaction(const db_conn *c) { return c->tx_depth > 0; }
int db_changes(db_conn *c) { return sqlite3_changes(c->h); }
int64_t db_last_insert_id(db_conn *c) { return sqlite3_last_insert_rowid(c->h); }
const char *db_errmsg(db_conn *c) { return sqlite3_errmsg(c->h); }
int db_errcode(db_conn *c) { return c->last_err; }

int db_query_int(db_conn *c, const char *sql, int64_t *out, const char *fmt, ...) {
    db_stmt *s = db_prepare(c, sql);
    if (!s) return -1;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt && fmt[i]; i++) {
        if (fmt[i] == 'i') db_bind_int(s, i + 1, va_arg(ap, int64_t));
        else db_bind_text(s, i + 1, va_arg(ap, const char *), -1);
    }
    va_end(ap);
    int rc = db_step(s);
    if (rc == DB_ROW) { *out = db_col_int(s, 0); rc = 0; }
    else if (rc == DB_DONE) rc = 1;        /* no row */
    db_done(s);
    return rc;
}

int db_backup(db_conn *c, const char *path) {
    sqlite3 *dst = NULL;
    int rc = sqlite3_open(path, &dst);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", c->h, "main");
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

int db_schema_objects(db_conn *c, const char *kind, const char *table, arena *a, struct db_schema_obj **out, int *n) {
    *out = NULL;
    *n = 0;
    /* sql is NULL for the automatic indexes of constraints */
    db_stmt *s = db_prepare(c, "SELECT name, sql FROM sqlite_master WHERE type = ? AND tbl_name = ? AND sql IS NOT NULL ORDER BY name");
    if (!s) return -1;
    db_bind_text(s, 1, kind, -1);
    db_bind_text(s, 2, table, -1);
    int rc, cap = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct db_schema_obj *o = arena_alloc(a, sizeof *o * (size_t)cap);
            if (*n) memcpy(o, *out, sizeof *o * (size_t)*n);
            *out = o;
        }
        (*out)[*n].name = arena_strdup(a, db_col_text(s, 0));
        (*out)[*n].sql = arena_strdup(a, db_col_text(s, 1));
        (*n)++;
    }
    db_done(s);
    return rc == DB_DONE ? 0 : rc;
}

int db_bulk_mode(db_conn *c, int on) {
    return db_exec(c, on ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=NORMAL");
}
