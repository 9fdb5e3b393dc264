/* db.c: the engine-independent half of db.h - choosing the engine by URL, the pool of
 * connections (a server worker keeps one for its whole life), nested transactions and one-shot
 * queries - over the engine's own calls (db_impl.h: db_sqlite.c, db_pg.c). */
#include "db_impl.h"
#include "log.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t db_hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;             /* FNV-1a */
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 1099511628211ull; }
    return h;
}

int db_open(const char *url, int pool_size, db **out) {
    const struct db_ops *ops = &db_sqlite_ops;
    const char *spec = url;
    if (strncmp(url, "sqlite:", 7) == 0) spec = url + 7;
    else if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) ops = &db_pg_ops;
    else if (strstr(url, "://")) {
        log_error("msg=\"unsupported database URL (sqlite:PATH or postgresql://...)\" url=%s", url);
        return -1;
    }
    if (!*spec) return -1;
    db *d = calloc(1, sizeof *d);
    if (!d) return -1;
    d->ops = ops;
    d->url = strdup(url);
    d->n = pool_size < 1 ? 1 : pool_size;
    d->conns = calloc((size_t)d->n, sizeof *d->conns);
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    pthread_mutex_init(&d->fault_mu, NULL);
    if (!d->url || !d->conns || ops->db_init(d, spec) != 0) { db_close(d); return -1; }
    for (int i = 0; i < d->n; i++)
        if (!(d->conns[i] = ops->conn_open(d))) { db_close(d); return -1; }
    *out = d;
    return 0;
}

void db_close(db *d) {
    if (!d) return;
    for (int i = 0; d->conns && i < d->n; i++)
        if (d->conns[i]) d->ops->conn_close(d->conns[i]);
    d->ops->db_free(d);
    free(d->conns);
    free(d->url);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->fault_mu);
    free(d);
}

const char *db_engine(const db *d) { return d->ops->name; }
const char *db_connection_engine(const db_conn *c) { return c->ops->name; }
const char *db_url_path(const db *d) { return d->path; }
int db_url_remote(const char *url) {
    return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

/* A server worker keeps one connection for its whole life, so the common path takes no lock;
 * connections left over (the pool is sized threads + 3) serve everything else. */
static __thread db_conn *thread_conn;

db_conn *db_acquire(db *d) {
    db_conn *mine = thread_conn;
    if (mine && mine->d == d && !mine->busy) {
        mine->busy = 1;
        mine->last_err = 0;         /* db_errcode tells of this request's statements only */
        d->ops->conn_check(mine);
        return mine;
    }
    pthread_mutex_lock(&d->mu);
    for (;;) {
        int free_count = 0;
        for (int i = 0; i < d->n; i++) if (!d->conns[i]->busy && !d->conns[i]->owned) free_count++;
        for (int i = 0; i < d->n; i++) {
            db_conn *c = d->conns[i];
            if (c->busy || c->owned) continue;
            c->busy = 1;
            /* keep two unowned for the command line, backups and threads without one */
            if (!thread_conn && free_count > 2) { c->owned = 1; thread_conn = c; }
            c->last_err = 0;
            pthread_mutex_unlock(&d->mu);
            d->ops->conn_check(c);
            return c;
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

int db_exec(db_conn *c, const char *sql) { return c->ops->exec(c, sql); }
db_stmt *db_prepare(db_conn *c, const char *sql) { return c->ops->prepare(c, sql); }
int db_bind_int(db_stmt *s, int idx, int64_t v) { return s->c->ops->bind_int(s, idx, v); }
int db_bind_real(db_stmt *s, int idx, double v) { return s->c->ops->bind_real(s, idx, v); }
int db_bind_null(db_stmt *s, int idx) { return s->c->ops->bind_null(s, idx); }
int db_bind_text(db_stmt *s, int idx, const char *v, int len) {
    return v ? s->c->ops->bind_text(s, idx, v, len, 1) : db_bind_null(s, idx);
}
int db_bind_blob(db_stmt *s, int idx, const void *v, int len) {
    return v ? s->c->ops->bind_blob(s, idx, v, len, 1) : db_bind_null(s, idx);
}
int db_bind_text_ref(db_stmt *s, int idx, const char *v, int len) {
    return v ? s->c->ops->bind_text(s, idx, v, len, 0) : db_bind_null(s, idx);
}
int db_bind_blob_ref(db_stmt *s, int idx, const void *v, int len) {
    return v ? s->c->ops->bind_blob(s, idx, v, len, 0) : db_bind_null(s, idx);
}
int db_step(db_stmt *s) { return s->c->ops->step(s); }
int db_col_count(db_stmt *s) { return s->c->ops->col_count(s); }
const char *db_col_name(db_stmt *s, int i) { return s->c->ops->col_name(s, i); }
enum db_type db_col_type(db_stmt *s, int i) { return s->c->ops->col_type(s, i); }
int64_t db_col_int(db_stmt *s, int i) { return s->c->ops->col_int(s, i); }
double db_col_real(db_stmt *s, int i) { return s->c->ops->col_real(s, i); }
const char *db_col_text(db_stmt *s, int i) { return s->c->ops->col_text(s, i); }
const void *db_col_blob(db_stmt *s, int i, int *len) { return s->c->ops->col_blob(s, i, len); }
void db_done(db_stmt *s) { if (s) s->c->ops->done(s); }
void db_stream(db_stmt *s) { if (s && s->c->ops->stream) s->c->ops->stream(s); }

/* ---------- transactions ---------- */

static int begin(db_conn *c, int write) {
    if (c->tx_depth++ > 0) {
        /* a write inside a read that needed no engine transaction opens it now */
        if (write && !c->tx_open) {
            int rc = c->ops->begin(c, 1);
            if (rc) { c->tx_depth--; return rc; }
        }
        return 0;
    }
    c->tx_failed = 0;
    int rc = c->ops->begin(c, write);
    if (rc) c->tx_depth = 0;
    return rc;
}
int db_begin_write(db_conn *c) { return begin(c, 1); }
int db_begin_read(db_conn *c) { return begin(c, 0); }

static void probe_if_due(db_conn *c);

int db_commit(db_conn *c) {
    if (c->tx_depth <= 0) return -1;
    if (--c->tx_depth > 0) return c->tx_failed ? -1 : 0;
    if (!c->tx_open) return c->tx_failed ? -1 : 0;
    if (c->tx_failed) { c->ops->rollback(c); return -1; }
    int rc = c->ops->commit(c);
    /* a write went through while a fault is recorded: the storage may be back */
    if (rc == 0 && __atomic_load_n(&c->d->fault, __ATOMIC_RELAXED)) probe_if_due(c);
    return rc;
}

void db_rollback(db_conn *c) {
    if (c->tx_depth <= 0) return;
    if (--c->tx_depth > 0) { c->tx_failed = 1; return; }
    if (c->tx_open) c->ops->rollback(c);
}

int db_in_transaction(const db_conn *c) { return c->tx_depth > 0; }
int db_changes(db_conn *c) { return c->ops->changes(c); }
int64_t db_last_insert_id(db_conn *c) { return c->ops->last_insert_id(c); }
const char *db_errmsg(db_conn *c) { return c->ops->errmsg(c); }
int db_errcode(db_conn *c) { return c->last_err; }

/* ---------- storage faults ---------- */

int db_is_fault(int code) {
    return code == DB_ERR_READONLY || code == DB_ERR_FULL || code == DB_ERR_IO || code == DB_ERR_UNAVAILABLE;
}

int db_errno_fault(int e) {
    if (e == ENOSPC || e == EFBIG || e == EDQUOT) return DB_ERR_FULL;
    if (e == EROFS || e == EACCES || e == EPERM) return DB_ERR_READONLY;
    return DB_ERR_IO;
}

static const char *fault_name(int code) {
    switch (code) {
    case DB_ERR_READONLY: return "read-only disk";
    case DB_ERR_FULL: return "disk full";
    case DB_ERR_IO: return "disk I/O error";
    case DB_ERR_UNAVAILABLE: return "database server unreachable";
    default: return "storage fault";
    }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void db_fault(db_conn *c, int code, const char *reason) {
    db *d = c->d;
    pthread_mutex_lock(&d->fault_mu);
    int was = d->fault;
    if (!was || was != code) {
        snprintf(d->fault_reason, sizeof d->fault_reason, "%s", reason ? reason : "");
        __atomic_store_n(&d->fault, code, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&d->fault_mu);
    if (!was || was != code) {
        char where[300];
        db_url_redacted(d->url, where, sizeof where);
        log_error("msg=\"storage unavailable: %s; requests that need it answer 503 until it clears\" db=%s err=\"%s\"",
                  fault_name(code), where, reason ? reason : "");
    } else {
        log_debug("msg=\"storage still unavailable\" err=\"%s\"", reason ? reason : "");
    }
}

void db_fault_clear(db *d, int code) {
    pthread_mutex_lock(&d->fault_mu);
    int was = d->fault;
    if (was && (!code || code == was)) __atomic_store_n(&d->fault, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&d->fault_mu);
    if (was && (!code || code == was)) {
        char where[300];
        db_url_redacted(d->url, where, sizeof where);
        log_info("msg=\"storage available again (was: %s)\" db=%s", fault_name(was), where);
    }
}

/* One caller a second runs the probe; the others take the state as it stands. */
static int probe_claim(db *d) {
    double t = now_s();
    pthread_mutex_lock(&d->fault_mu);
    int due = t - d->probe_at >= 1.0;
    if (due) d->probe_at = t;
    pthread_mutex_unlock(&d->fault_mu);
    return due;
}

static void probe_run(db_conn *c) {
    char reason[256] = "";
    int rc = c->ops->probe(c, reason, sizeof reason);
    if (rc == 0) db_fault_clear(c->d, 0);
    else if (db_is_fault(rc)) db_fault(c, rc, reason);
}

static void probe_if_due(db_conn *c) { if (probe_claim(c->d)) probe_run(c); }

int db_storage_check(db_conn *c, char *reason, size_t n) {
    /* not inside a transaction: PostgreSQL's probe is a statement of its own */
    if (!c->tx_depth) probe_if_due(c);
    db *d = c->d;
    pthread_mutex_lock(&d->fault_mu);
    int rc = d->fault;
    if (reason && n) snprintf(reason, n, "%s%s%s", rc ? fault_name(rc) : "", rc && *d->fault_reason ? ": " : "",
                              rc ? d->fault_reason : "");
    pthread_mutex_unlock(&d->fault_mu);
    return rc;
}

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

int db_backup(db_conn *c, const char *path) { return c->ops->backup(c, path); }
int db_bulk_mode(db_conn *c, int on) { return c->ops->bulk_mode(c, on); }
int db_lock(db_conn *c, const char *name) { return c->ops->lock(c, name); }
int db_lock_table(db_conn *c, const char *table) { return c->ops->lock_table(c, table); }
int db_ids_sync(db_conn *c, const char *table) { return c->ops->ids_sync(c, table); }
int db_savepoint(db_conn *c) { return c->ops->savepoint(c, 0); }
int db_savepoint_end(db_conn *c, int failed) { return c->ops->savepoint(c, failed ? 2 : 1); }
int db_private_schema_changes(const db_conn *c) { return c->ops->private_schema_changes; }

int db_schema_objects(db_conn *c, const char *kind, const char *table, arena *a, struct db_schema_obj **out, int *n) {
    *out = NULL;
    *n = 0;
    return c->ops->schema_objects(c, kind, table, a, out, n);
}

int db_collect_schema_objects(db_stmt *s, arena *a, struct db_schema_obj **out, int *n) {
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

/* ---------- whole tables ---------- */

int db_plain_name(const char *name) {
    if (!name || !*name || strlen(name) > 63) return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return 1;
}

/* The names a statement answers (first column), in a. */
static int collect_names(db_stmt *s, arena *a, const char ***out, int *n) {
    int rc, cap = 0;
    *out = NULL;
    *n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            const char **grown = arena_alloc(a, sizeof *grown * (size_t)cap);
            if (*n) memcpy(grown, *out, sizeof *grown * (size_t)*n);
            *out = grown;
        }
        (*out)[(*n)++] = arena_strdup(a, db_col_text(s, 0));
    }
    return rc == DB_DONE ? 0 : rc;
}

int db_tables(db_conn *c, arena *a, struct db_table **out, int *n) {
    const struct db_ops *o = c->ops;
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(c, o->sql_tables);
    if (!s) return -1;
    const char **names;
    int count, rc = collect_names(s, a, &names, &count);
    db_done(s);
    if (rc) return rc;
    struct db_table *t = arena_alloc(a, sizeof *t * (size_t)(count ? count : 1));
    for (int i = 0; i < count; i++) {
        t[i].name = names[i];
        if (!(s = db_prepare(c, o->sql_columns))) return -1;
        db_bind_text(s, 1, names[i], -1);
        int cap = 0;
        while ((rc = db_step(s)) == DB_ROW) {
            if (t[i].ncols == cap) {
                cap = cap ? cap * 2 : 32;
                const char **cols = arena_alloc(a, sizeof *cols * (size_t)cap);
                enum db_type *types = arena_alloc(a, sizeof *types * (size_t)cap);
                if (t[i].ncols) {
                    memcpy(cols, t[i].cols, sizeof *cols * (size_t)t[i].ncols);
                    memcpy(types, t[i].types, sizeof *types * (size_t)t[i].ncols);
                }
                t[i].cols = cols;
                t[i].types = types;
            }
            const char *decl = db_col_text(s, 1);
            t[i].cols[t[i].ncols] = arena_strdup(a, db_col_text(s, 0));
            t[i].types[t[i].ncols++] = o->column_type(decl ? decl : "");
        }
        db_done(s);
        if (rc != DB_DONE) return rc;
        if (!(s = db_prepare(c, o->sql_refs))) return -1;
        db_bind_text(s, 1, names[i], -1);
        rc = collect_names(s, a, &t[i].refs, &t[i].nrefs);
        db_done(s);
        if (rc) return rc;
    }
    *out = t;
    *n = count;
    return 0;
}

int db_clear_tables(db_conn *c, const char *const *tables, int n) {
    for (int i = 0; i < n; i++) if (!db_plain_name(tables[i])) return DB_ERR;
    return c->ops->clear_tables(c, tables, n);
}

char *db_sql_columns(const char *verb, const char *table, const char *const *cols, int ncols, const char *tail) {
    size_t len = strlen(verb) + strlen(table) + strlen(tail) + 8;
    for (int i = 0; i < ncols; i++) len += strlen(cols[i]) + 4;
    char *sql = malloc(len), *p = sql;
    if (!sql) return NULL;
    p += sprintf(p, "%s \"%s\" (", verb, table);
    for (int i = 0; i < ncols; i++) p += sprintf(p, "%s\"%s\"", i ? ", " : "", cols[i]);
    sprintf(p, ")%s", tail);
    return sql;
}

/* Without an engine COPY: one INSERT of every column a row (the statement cache keeps it
 * prepared: it is looked up again by its text for each row). */
int db_copy_begin(db_conn *c, const char *table, const char *const *cols, int ncols) {
    if (!db_plain_name(table) || ncols < 1) return DB_ERR;
    for (int i = 0; i < ncols; i++) if (!db_plain_name(cols[i])) return DB_ERR;
    c->copy_ncols = ncols;
    c->copy_col = 0;
    c->copy_rows = 0;
    if (c->ops->copy_begin) return c->ops->copy_begin(c, table, cols, ncols);
    char *tail = malloc((size_t)ncols * 3 + 16), *p = tail;
    if (!tail) return DB_ERR;
    p += sprintf(p, " VALUES (");
    for (int i = 0; i < ncols; i++) p += sprintf(p, i ? ", ?" : "?");
    sprintf(p, ")");
    char *sql = db_sql_columns("INSERT INTO", table, cols, ncols, tail);
    free(tail);
    if (!sql) return DB_ERR;
    c->copy_sql = sql;
    c->copy_stmt = db_prepare(c, sql);
    if (c->copy_stmt) return 0;
    free(c->copy_sql);
    c->copy_sql = NULL;
    return c->last_err ? c->last_err : DB_ERR;
}

int db_copy_put(db_conn *c, enum db_type t, const void *v, int len) {
    if (c->copy_col >= c->copy_ncols) return DB_ERR;
    if (c->ops->copy_put) { c->copy_col++; return c->ops->copy_put(c, t, v, len); }
    int idx = ++c->copy_col;
    switch (t) {
    case DBT_NULL: return db_bind_null(c->copy_stmt, idx);
    case DBT_INT: return db_bind_int(c->copy_stmt, idx, strtoll(v, NULL, 10));
    case DBT_REAL: return db_bind_real(c->copy_stmt, idx, strtod(v, NULL));
    case DBT_TEXT: return db_bind_text(c->copy_stmt, idx, v, len);
    case DBT_BLOB: return db_bind_blob(c->copy_stmt, idx, v, len);
    }
    return DB_ERR;
}

int db_copy_row(db_conn *c) {
    if (c->copy_col != c->copy_ncols) return DB_ERR;
    c->copy_col = 0;
    c->copy_rows++;
    if (c->ops->copy_row) return c->ops->copy_row(c);
    int rc = db_step(c->copy_stmt);
    db_done(c->copy_stmt);
    c->copy_stmt = db_prepare(c, c->copy_sql);
    if (rc != DB_DONE) return rc;
    return c->copy_stmt ? 0 : DB_ERR;
}

int db_copy_end(db_conn *c, int cancel, int64_t *rows) {
    int rc = 0;
    if (c->ops->copy_end) rc = c->ops->copy_end(c, cancel);
    else {
        db_done(c->copy_stmt);
        free(c->copy_sql);
        c->copy_stmt = NULL;
        c->copy_sql = NULL;
        if (cancel) rc = DB_ERR;
    }
    if (rows) *rows = rc ? 0 : c->copy_rows;
    c->copy_ncols = c->copy_col = 0;
    return rc;
}

int db_copy_native(const db_conn *c) { return c->ops->copy_begin != NULL; }

void db_url_redacted(const char *url, char *out, size_t n) {
    /* scheme://user:***@host/... */
    snprintf(out, n, "%s", url);
    char *scheme = strstr(out, "://");
    char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (at && colon && colon < at) {
        const char *rest = url + (at - out);
        snprintf(colon, n - (size_t)(colon - out), ":***%s", rest);
    }
}
