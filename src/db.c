/* db.c: the engine-independent half of db.h - choosing the engine by URL, the pool of
 * connections (a server worker keeps one for its whole life), nested transactions and one-shot
 * queries - over the engine's own calls (db_impl.h: db_sqlite.c, db_pg.c). */
#include "db_impl.h"
#include "log.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
    free(d);
}

const char *db_engine(const db *d) { return d->ops->name; }
const char *db_connection_engine(const db_conn *c) { return c->ops->name; }
const char *db_url_path(const db *d) { return d->path; }

/* A server worker keeps one connection for its whole life, so the common path takes no lock;
 * connections left over (the pool is sized threads + 3) serve everything else. */
static __thread db_conn *thread_conn;

db_conn *db_acquire(db *d) {
    db_conn *mine = thread_conn;
    if (mine && mine->d == d && !mine->busy) {
        mine->busy = 1;
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

int db_commit(db_conn *c) {
    if (c->tx_depth <= 0) return -1;
    if (--c->tx_depth > 0) return c->tx_failed ? -1 : 0;
    if (!c->tx_open) return c->tx_failed ? -1 : 0;
    if (c->tx_failed) { c->ops->rollback(c); return -1; }
    return c->ops->commit(c);
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
