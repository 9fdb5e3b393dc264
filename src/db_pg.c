/* db_pg.c: the PostgreSQL engine of db.h (db_impl.h) through libpq. Each connection prepares a
 * statement once (PQprepare, named per connection) the first time it meets its SQL text, with the
 * `?` placeholders rewritten to $1..$n once, and keeps it in a cache keyed by that text, as
 * db_sqlite.c does. Values go as text (PostgreSQL infers each parameter's type from where it
 * stands), blobs as binary bytea; results come as text and are parsed on demand.
 *
 * What PostgreSQL does differently and how it is met here:
 * - an error inside a transaction aborts it: COMMIT then answers ROLLBACK, which commit reports
 *   as a failure; a statement the caller means to survive goes inside db_savepoint.
 * - several servers share the database: db_lock is a transaction-scoped advisory lock, and
 *   db_lock_table a SHARE ROW EXCLUSIVE table lock (other writers wait, readers do not).
 * - a connection can drop (server restart, network): between requests a broken connection is
 *   reset, and a statement that finds it broken outside a transaction resets it and runs again,
 *   preparing its statements anew. Inside a transaction the request fails with
 *   DB_ERR_UNAVAILABLE (503, retry) since what the transaction did is gone; so does every request
 *   while the server cannot be reached, and the outage is logged once (db_fault). */
#include "db_impl.h"
#include "log.h"
#include <libpq-fe.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

#define STMT_CACHE 512              /* buckets; up to 4x as many statements kept per connection */

/* type oids (pg_type.h is a server header) */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26,
       OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

struct param {
    const char *v;                  /* NULL for SQL NULL */
    int len, fmt;                   /* fmt 1: binary (blobs) */
    char *owned;                    /* a copy this statement frees */
    char num[32];                   /* an integer or real as text */
};

typedef struct pg_stmt {
    struct db_stmt base;
    char *sql;                      /* as the caller wrote it (the cache key) */
    char *pgsql;                    /* with $n */
    uint64_t hash;
    int nparams;
    struct param *p;
    char name[24];                  /* prepared statement name; "" when not cached */
    unsigned gen;                   /* connection generation it was prepared in; 0 never */
    int in_use, cached;
    struct pg_stmt *next;           /* cache bucket chain */
    PGresult *res;
    int row, nrows, ran;
    int stream, cur_open, more;     /* db_stream: rows come by FETCH from cursor `cur` */
    char cur[24];
    unsigned char **blob;           /* decoded bytea per column, for db_col_blob */
    size_t *blobcap;
    int nblob;
} pg_stmt;

typedef struct pg_conn {
    struct db_conn base;
    PGconn *h;
    unsigned gen;                   /* moves on every (re)connect: prepared statements are gone */
    unsigned next_name;
    pg_stmt *cache[STMT_CACHE];
    int ncached;
    int changes;
    int aborted;                    /* a statement failed inside the open transaction */
    int savepoint;                  /* db_savepoints open */
    pg_stmt *stream_tx;             /* a db_stream statement that opened the transaction itself */
    unsigned next_cursor;
    char *copybuf;                  /* rows of a COPY not yet sent */
    size_t copylen, copycap;
    int copy_failed;
    char err[512];
} pg_conn;

#define PG(c) ((pg_conn *)(c))
#define ST(s) ((pg_stmt *)(s))

/* ---------- errors ---------- */

static int map_sqlstate(const char *st) {
    if (!st || !*st) return DB_ERR_UNAVAILABLE;           /* no answer at all: the connection */
    if (!strcmp(st, "23505")) return DB_ERR_UNIQUE;
    if (!strncmp(st, "23", 2)) return DB_ERR_CONSTRAINT;
    if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03") || !strcmp(st, "57014"))
        return DB_ERR_BUSY;                               /* serialization, deadlock, lock or statement timeout */
    if (!strcmp(st, "53300")) return DB_ERR_BUSY;         /* too many connections */
    /* connection lost, server shutting down or starting up, database gone */
    if (!strncmp(st, "08", 2) || !strncmp(st, "57P", 3)) return DB_ERR_UNAVAILABLE;
    if (!strcmp(st, "25006")) return DB_ERR_READONLY;     /* a standby */
    if (!strcmp(st, "53100")) return DB_ERR_FULL;
    if (!strcmp(st, "58030")) return DB_ERR_IO;
    return DB_ERR;
}

/* Records a failed result (or a missing one) on the connection; returns the DB_ERR_* code. */
static int fail(pg_conn *c, PGresult *res, const char *sql) {
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c->h);
    snprintf(c->err, sizeof c->err, "%s", msg && *msg ? msg : "no answer from PostgreSQL");
    size_t n = strlen(c->err);
    while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' ')) c->err[--n] = 0;
    int rc = map_sqlstate(st);
    if (c->base.tx_open) c->aborted = 1;
    if (db_is_fault(rc)) {
        char *o = c->err;                                 /* one line: libpq's message has several */
        for (const char *p = c->err; *p; p++) {
            char ch = (unsigned char)*p < ' ' || *p == '"' ? ' ' : *p;
            if (ch != ' ' || (o > c->err && o[-1] != ' ')) *o++ = ch;
        }
        *o = 0;
        db_fault(&c->base, rc, c->err);                   /* logged once for the whole outage */
    } else if (rc == DB_ERR_UNIQUE || rc == DB_ERR_CONSTRAINT)
        log_debug("msg=\"statement failed\" sqlstate=%s err=\"%s\"", st ? st : "-", c->err);
    else
        log_warn("msg=\"statement failed\" sqlstate=%s err=\"%s\" sql=\"%.300s\"", st ? st : "-", c->err, sql ? sql : "");
    c->base.last_err = rc;
    return rc;
}

/* ---------- connections ---------- */

static void on_notice(void *arg, const char *message) {
    (void)arg;
    log_debug("msg=\"postgresql notice\" text=\"%.200s\"", message);
}

/* Settings every connection starts with: a lock wait past 10 s is DB_ERR_BUSY, as SQLite's busy
 * timeout; text compared as bytes is the schema's business (COLLATE "C" columns). */
static int conn_setup(pg_conn *c) {
    PQsetNoticeProcessor(c->h, on_notice, NULL);
    PGresult *r = PQexec(c->h, "SET lock_timeout = '10s'; SET TimeZone = 'UTC'");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) fail(c, r, "SET");
    PQclear(r);
    c->gen++;
    return ok ? 0 : -1;
}

static int conn_connect(pg_conn *c, const char *url) {
    /* an unreachable host fails a request in seconds, not never (the URL may set its own) */
    const char *keys[] = {"connect_timeout", "dbname", "fallback_application_name", "client_encoding", NULL};
    const char *vals[] = {"5", url, "shequ", "UTF8", NULL};
    c->h = PQconnectdbParams(keys, vals, 1);
    if (!c->h || PQstatus(c->h) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", c->h ? PQerrorMessage(c->h) : "out of memory");
        for (char *p = msg; *p; p++) if (*p == '\n' || *p == '"') *p = ' ';
        log_error("msg=\"cannot connect to PostgreSQL\" err=\"%s\"", msg);
        return -1;
    }
    return conn_setup(c);
}

/* Between requests, or when a statement found the connection broken outside a transaction. */
static int conn_reset(pg_conn *c) {
    PQreset(c->h);
    if (PQstatus(c->h) != CONNECTION_OK) {
        fail(c, NULL, NULL);
        return -1;
    }
    log_debug("msg=\"reconnected to PostgreSQL\"");
    db_fault_clear(c->base.d, DB_ERR_UNAVAILABLE);
    c->base.tx_open = 0;
    c->aborted = c->savepoint = 0;
    c->stream_tx = NULL;
    return conn_setup(c);
}

static void pg_conn_check(db_conn *dc) {
    pg_conn *c = PG(dc);
    if (PQstatus(c->h) != CONNECTION_OK) conn_reset(c);
    else if (c->stream_tx) {        /* a stream its caller never finished: its transaction ends here */
        log_warn("msg=\"streamed statement left open; rolled back\"");
        PQclear(PQexec(c->h, "ROLLBACK"));
        c->stream_tx = NULL;
        c->aborted = 0;
    }
}

static int pg_step(db_stmt *ds);
static db_stmt *pg_prepare(db_conn *dc, const char *sql);
static void pg_done(db_stmt *ds);

/* The server answers a statement (after a reconnect, if the connection had dropped). */
static int pg_probe(db_conn *dc, char *reason, size_t n) {
    db_stmt *s = pg_prepare(dc, "SELECT 1");
    int rc = s ? pg_step(s) : dc->last_err ? dc->last_err : DB_ERR;
    if (s) pg_done(s);
    if (rc == DB_ROW) return 0;
    snprintf(reason, n, "%s", PG(dc)->err);
    return rc;
}

static void stmt_clear(pg_stmt *s) {
    for (int i = 0; i < s->nparams; i++) {
        free(s->p[i].owned);
        s->p[i].owned = NULL;
        s->p[i].v = NULL;
        s->p[i].fmt = 0;
    }
    if (s->res) PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->nrows = 0;
    s->ran = 0;
    s->stream = s->cur_open = s->more = 0;
}

static void stmt_free(pg_stmt *s) {
    stmt_clear(s);
    for (int i = 0; i < s->nblob; i++) free(s->blob[i]);
    free(s->blob);
    free(s->blobcap);
    free(s->p);
    free(s->sql);
    free(s->pgsql);
    free(s);
}

static void pg_conn_close(db_conn *dc) {
    pg_conn *c = PG(dc);
    for (int b = 0; b < STMT_CACHE; b++) {
        pg_stmt *s = c->cache[b];
        while (s) { pg_stmt *n = s->next; stmt_free(s); s = n; }
    }
    if (c->h) PQfinish(c->h);
    free(c->copybuf);
    free(c);
}

static db_conn *pg_conn_open(db *d) {
    pg_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->base.ops = d->ops;
    c->base.d = d;
    if (conn_connect(c, d->url) != 0) { pg_conn_close(&c->base); return NULL; }
    return &c->base;
}

static int pg_db_init(db *d, const char *url) {
    (void)url;
    d->path = NULL;                 /* a server, not a file: the key must come from the configuration */
    return 0;
}
static void pg_db_free(db *d) { (void)d; }

/* ---------- statements ---------- */

/* `?` outside quotes and comments becomes $1, $2, ...; *n counts them. */
static char *translate(const char *sql, int *n) {
    size_t len = strlen(sql);
    char *out = malloc(len * 4 + 1), *o = out;
    if (!out) return NULL;
    int k = 0;
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {                 /* a literal or a quoted name; doubled quotes stay inside */
            char q = *p;
            *o++ = *p++;
            while (*p) {
                if (*p == q && p[1] == q) { *o++ = *p++; *o++ = *p++; continue; }
                if (*p == q) { *o++ = *p++; break; }
                *o++ = *p++;
            }
        } else if (*p == '-' && p[1] == '-') {
            while (*p && *p != '\n') *o++ = *p++;
        } else if (*p == '?') {
            o += sprintf(o, "$%d", ++k);
            p++;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    *n = k;
    return out;
}

/* A connection found broken outside a transaction lost nothing: the caller reconnects and runs
 * the statement again, so the failure is not recorded (no fault logged, no 503 for a request
 * whose retry succeeds - a failover or pg_terminate_backend stays invisible to clients). */
#define DROPPED_IDLE 1
static int dropped_idle(pg_conn *c) { return PQstatus(c->h) != CONNECTION_OK && !c->base.tx_open; }

/* 0, DROPPED_IDLE when may_retry and the connection had dropped while idle, or the error code. */
static int stmt_prepare_or_retry(pg_conn *c, pg_stmt *s, int may_retry) {
    PGresult *r = PQprepare(c->h, s->name, s->pgsql, 0, NULL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    int rc = 0;
    if (!ok) rc = may_retry && dropped_idle(c) ? DROPPED_IDLE : fail(c, r, s->sql);
    PQclear(r);
    if (ok) s->gen = c->gen;
    return rc;
}
static int stmt_prepare(pg_conn *c, pg_stmt *s) { return stmt_prepare_or_retry(c, s, 0); }

static db_stmt *pg_prepare(db_conn *dc, const char *sql) {
    pg_conn *c = PG(dc);
    uint64_t h = db_hash_str(sql);
    pg_stmt **bucket = &c->cache[h % STMT_CACHE];
    for (pg_stmt *s = *bucket; s; s = s->next)
        if (s->hash == h && !s->in_use && strcmp(s->sql, sql) == 0) {
            if (s->gen != c->gen && stmt_prepare(c, s) != 0) return NULL;
            s->in_use = 1;
            return &s->base;
        }
    pg_stmt *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base.c = dc;
    s->sql = strdup(sql);
    s->pgsql = translate(sql, &s->nparams);
    s->p = calloc((size_t)(s->nparams ? s->nparams : 1), sizeof *s->p);
    s->hash = h;
    s->row = -1;
    if (!s->sql || !s->pgsql || !s->p) { stmt_free(s); return NULL; }
    /* bounded, as in db_sqlite.c: past the bound a statement is parsed at each run, unnamed */
    if (c->ncached < STMT_CACHE * 4) {
        snprintf(s->name, sizeof s->name, "s%u", ++c->next_name);
        int prc = stmt_prepare_or_retry(c, s, 1);
        /* a broken connection outside a transaction: reconnect and try once more */
        if (prc == DROPPED_IDLE) prc = conn_reset(c) == 0 ? stmt_prepare(c, s) : c->base.last_err;
        if (prc != 0) {
            log_error("msg=\"prepare failed\" err=\"%s\" sql=\"%.300s\"", c->err, sql);
            stmt_free(s);
            return NULL;
        }
        s->cached = 1;
        s->next = *bucket;
        *bucket = s;
        c->ncached++;
    }
    s->in_use = 1;
    return &s->base;
}

static struct param *param_at(db_stmt *ds, int idx) {
    pg_stmt *s = ST(ds);
    if (idx < 1 || idx > s->nparams) return NULL;
    struct param *p = &s->p[idx - 1];
    free(p->owned);
    p->owned = NULL;
    p->fmt = 0;
    return p;
}

static int pg_bind_int(db_stmt *s, int idx, int64_t v) {
    struct param *p = param_at(s, idx);
    if (!p) return -1;
    snprintf(p->num, sizeof p->num, "%lld", (long long)v);
    p->v = p->num;
    return 0;
}

static int pg_bind_real(db_stmt *s, int idx, double v) {
    struct param *p = param_at(s, idx);
    if (!p) return -1;
    snprintf(p->num, sizeof p->num, "%.17g", v);
    p->v = p->num;
    return 0;
}

static int pg_bind_null(db_stmt *s, int idx) {
    struct param *p = param_at(s, idx);
    if (!p) return -1;
    p->v = NULL;
    return 0;
}

/* Text goes NUL-terminated (libpq reads text parameters up to the NUL): a value with a length,
 * or one the caller may free, is copied. */
static int pg_bind_text(db_stmt *s, int idx, const char *v, int len, int copy) {
    struct param *p = param_at(s, idx);
    if (!p) return -1;
    if (!copy && len < 0) { p->v = v; return 0; }
    size_t n = len < 0 ? strlen(v) : (size_t)len;
    if (memchr(v, 0, n)) return -1;             /* PostgreSQL text cannot hold a NUL */
    if (!(p->owned = malloc(n + 1))) return -1;
    memcpy(p->owned, v, n);
    p->owned[n] = 0;
    p->v = p->owned;
    return 0;
}

static int pg_bind_blob(db_stmt *s, int idx, const void *v, int len, int copy) {
    struct param *p = param_at(s, idx);
    if (!p || len < 0) return -1;
    if (copy) {
        if (!(p->owned = malloc((size_t)len + 1))) return -1;
        memcpy(p->owned, v, (size_t)len);
        p->v = p->owned;
    } else {
        p->v = v;
    }
    p->len = len;
    p->fmt = 1;
    return 0;
}

/* The statement with its values: prepared, or parsed now; `text` (non-NULL) runs instead of its
 * SQL with the same values (a DECLARE ... CURSOR FOR it). */
static PGresult *stmt_run(pg_conn *c, pg_stmt *s, const char *text) {
    const char *vals[s->nparams ? s->nparams : 1];
    int lens[s->nparams ? s->nparams : 1], fmts[s->nparams ? s->nparams : 1];
    for (int i = 0; i < s->nparams; i++) {
        vals[i] = s->p[i].v;
        lens[i] = s->p[i].fmt ? s->p[i].len : 0;
        fmts[i] = s->p[i].fmt;
    }
    if (s->cached && !text) return PQexecPrepared(c->h, s->name, s->nparams, vals, lens, fmts, 0);
    return PQexecParams(c->h, text ? text : s->pgsql, s->nparams, NULL, vals, lens, fmts, 0);
}

static int stream_step(pg_conn *c, pg_stmt *s);

static int pg_step(db_stmt *ds) {
    pg_stmt *s = ST(ds);
    pg_conn *c = PG(ds->c);
    if (s->stream) return stream_step(c, s);
    if (!s->ran) {
        s->ran = 1;
        PGresult *r = stmt_run(c, s, NULL);
        ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && PQstatus(c->h) != CONNECTION_OK && !ds->c->tx_open) {
            /* dropped while idle: nothing of this statement happened; reconnect and run it again */
            PQclear(r);
            if (conn_reset(c) != 0) return ds->c->last_err;
            if (s->cached && stmt_prepare(c, s) != 0) return ds->c->last_err;
            r = stmt_run(c, s, NULL);
            st = PQresultStatus(r);
        }
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            int rc = fail(c, r, s->sql);
            PQclear(r);
            return rc;
        }
        const char *cmd = PQcmdStatus(r);
        if (!strncmp(cmd, "INSERT", 6) || !strncmp(cmd, "UPDATE", 6) || !strncmp(cmd, "DELETE", 6))
            c->changes = atoi(PQcmdTuples(r));
        s->res = r;
        s->nrows = st == PGRES_TUPLES_OK ? PQntuples(r) : 0;
        s->row = -1;
    }
    if (s->row + 1 < s->nrows) { s->row++; return DB_ROW; }
    return DB_DONE;
}

static int pg_col_count(db_stmt *s) { return ST(s)->res ? PQnfields(ST(s)->res) : 0; }
static const char *pg_col_name(db_stmt *s, int i) { return ST(s)->res ? PQfname(ST(s)->res, i) : NULL; }

static int col_null(pg_stmt *s, int i) {
    return !s->res || s->row < 0 || s->row >= s->nrows || i < 0 || i >= PQnfields(s->res) || PQgetisnull(s->res, s->row, i);
}

static enum db_type pg_col_type(db_stmt *ds, int i) {
    pg_stmt *s = ST(ds);
    if (col_null(s, i)) return DBT_NULL;
    switch (PQftype(s->res, i)) {
    case OID_BOOL: case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID: return DBT_INT;
    case OID_FLOAT4: case OID_FLOAT8: case OID_NUMERIC: return DBT_REAL;
    case OID_BYTEA: return DBT_BLOB;
    default: return DBT_TEXT;
    }
}

static int64_t pg_col_int(db_stmt *ds, int i) {
    pg_stmt *s = ST(ds);
    if (col_null(s, i)) return 0;
    const char *v = PQgetvalue(s->res, s->row, i);
    if (PQftype(s->res, i) == OID_BOOL) return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static double pg_col_real(db_stmt *ds, int i) {
    pg_stmt *s = ST(ds);
    return col_null(s, i) ? 0 : strtod(PQgetvalue(s->res, s->row, i), NULL);
}

static const char *pg_col_text(db_stmt *ds, int i) {
    pg_stmt *s = ST(ds);
    return col_null(s, i) ? NULL : PQgetvalue(s->res, s->row, i);
}

static int hexval(int ch) {
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* bytea arrives as text, "\x" and two hex digits a byte; decoded into a buffer of the column's
 * that stays valid until the statement steps on or is done. Text columns give their bytes. */
static const void *pg_col_blob(db_stmt *ds, int i, int *len) {
    pg_stmt *s = ST(ds);
    *len = 0;
    if (col_null(s, i)) return NULL;
    const char *v = PQgetvalue(s->res, s->row, i);
    int vlen = PQgetlength(s->res, s->row, i);
    if (PQftype(s->res, i) != OID_BYTEA || vlen < 2 || v[0] != '\\' || v[1] != 'x') { *len = vlen; return v; }
    int nf = PQnfields(s->res);
    if (s->nblob < nf) {
        unsigned char **b = realloc(s->blob, sizeof *b * (size_t)nf);
        size_t *cap = b ? realloc(s->blobcap, sizeof *cap * (size_t)nf) : NULL;
        if (b) s->blob = b;
        if (!cap) return NULL;
        s->blobcap = cap;
        for (int k = s->nblob; k < nf; k++) { s->blob[k] = NULL; s->blobcap[k] = 0; }
        s->nblob = nf;
    }
    size_t n = (size_t)(vlen - 2) / 2;
    if (s->blobcap[i] < n + 1) {
        unsigned char *nb = realloc(s->blob[i], n + 1);
        if (!nb) return NULL;
        s->blob[i] = nb;
        s->blobcap[i] = n + 1;
    }
    for (size_t k = 0; k < n; k++) {
        int hi = hexval(v[2 + 2 * k]), lo = hexval(v[3 + 2 * k]);
        if (hi < 0 || lo < 0) return NULL;
        s->blob[i][k] = (unsigned char)(hi << 4 | lo);
    }
    *len = (int)n;
    return s->blob[i];
}

static void stream_end(pg_conn *c, pg_stmt *s);

static void pg_done(db_stmt *ds) {
    pg_stmt *s = ST(ds);
    if (s->stream) stream_end(PG(ds->c), s);
    stmt_clear(s);
    s->in_use = 0;
    if (!s->cached) stmt_free(s);
}

/* A statement without values or rows, by the simple protocol (several may go at once). */
static int pg_exec(db_conn *dc, const char *sql) {
    pg_conn *c = PG(dc);
    PGresult *r = PQexec(c->h, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : fail(c, r, sql);
    PQclear(r);
    return rc;
}

/* ---------- transactions ---------- */

/* A read needs no transaction: each statement sees the latest commits (READ COMMITTED), and a
 * write begun inside the read opens one (db.c). A write is BEGIN, READ COMMITTED: its UPDATE ...
 * WHERE version = ? waits for a concurrent writer of the row and then sees that writer's version,
 * so the loser changes no row (412) instead of failing with a serialization error. */
static int pg_begin(db_conn *dc, int write) {
    pg_conn *c = PG(dc);
    if (!write) return 0;
    if (c->stream_tx) {             /* a stream's transaction becomes the caller's */
        c->stream_tx = NULL;
        dc->tx_open = 1;
        return 0;
    }
    c->aborted = c->savepoint = 0;
    PGresult *r = PQexec(c->h, "BEGIN");
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : dropped_idle(c) ? DROPPED_IDLE : fail(c, r, "BEGIN");
    PQclear(r);
    if (rc == DROPPED_IDLE) rc = conn_reset(c) == 0 ? pg_exec(dc, "BEGIN") : dc->last_err;
    dc->tx_open = rc == 0;
    return rc;
}

static int pg_commit(db_conn *dc) {
    pg_conn *c = PG(dc);
    PGresult *r = PQexec(c->h, "COMMIT");
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) rc = fail(c, r, "COMMIT");
    else if (c->aborted || strcmp(PQcmdStatus(r), "COMMIT") != 0) rc = dc->last_err ? dc->last_err : DB_ERR;  /* it rolled back */
    PQclear(r);
    dc->tx_open = 0;
    c->aborted = c->savepoint = 0;
    return rc;
}

static void pg_rollback(db_conn *dc) {
    pg_conn *c = PG(dc);
    PQclear(PQexec(c->h, "ROLLBACK"));
    dc->tx_open = 0;
    c->aborted = c->savepoint = 0;
}

static int pg_changes(db_conn *c) { return PG(c)->changes; }

static int64_t pg_last_insert_id(db_conn *c) {
    int64_t id = 0;
    return db_query_int(c, "SELECT lastval()", &id, NULL) == 0 ? id : 0;
}

static const char *pg_errmsg(db_conn *dc) {
    pg_conn *c = PG(dc);
    return *c->err ? c->err : PQerrorMessage(c->h);
}

/* ---------- db_stream: rows in batches from a cursor ---------- */

/* libpq otherwise holds a statement's whole result in memory before the first row is read: an
 * export of a million residents would take hundreds of megabytes. A cursor hands them over
 * STREAM_BATCH at a time; unlike libpq's single-row mode it leaves the connection free for other
 * statements between batches (a dictionary reloaded half-way through an export). A cursor lives
 * in a transaction: the caller's, or one the statement opens and ends itself (stream_tx), of
 * which db.c knows nothing (tx_open stays 0: a read around the stream commits nothing). A write
 * begun meanwhile takes that transaction over (pg_begin) and ends it, and the cursor with it: the
 * stream's next FETCH then fails rather than read on outside a transaction. */
#define STREAM_BATCH 1000

static void pg_stream(db_stmt *ds) { ST(ds)->stream = 1; }

static int stream_fetch(pg_conn *c, pg_stmt *s) {
    char sql[64];
    snprintf(sql, sizeof sql, "FETCH %d FROM %s", STREAM_BATCH, s->cur);
    if (s->res) PQclear(s->res);
    s->res = PQexec(c->h, sql);
    s->row = -1;
    s->nrows = s->more = 0;
    if (PQresultStatus(s->res) != PGRES_TUPLES_OK) {
        int rc = fail(c, s->res, sql);
        PQclear(s->res);
        s->res = NULL;
        return rc;
    }
    s->nrows = PQntuples(s->res);
    s->more = s->nrows == STREAM_BATCH;
    return 0;
}

static int stream_open(pg_conn *c, pg_stmt *s) {
    db_conn *dc = &c->base;
    if (!dc->tx_open && !c->stream_tx) {
        int rc = pg_exec(dc, "BEGIN");
        if (rc && PQstatus(c->h) != CONNECTION_OK && conn_reset(c) == 0) rc = pg_exec(dc, "BEGIN");
        if (rc) return rc;
        c->aborted = c->savepoint = 0;
        c->stream_tx = s;
    }
    snprintf(s->cur, sizeof s->cur, "shequ_cur%u", ++c->next_cursor);
    size_t n = strlen(s->pgsql) + 64;
    char *sql = malloc(n);
    if (!sql) return DB_ERR;
    snprintf(sql, n, "DECLARE %s NO SCROLL CURSOR FOR %s", s->cur, s->pgsql);
    PGresult *r = stmt_run(c, s, sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(c, r, s->sql);
    PQclear(r);
    free(sql);
    if (rc) return rc;
    s->cur_open = 1;
    return stream_fetch(c, s);
}

static int stream_step(pg_conn *c, pg_stmt *s) {
    if (!s->ran) {
        s->ran = 1;
        int rc = stream_open(c, s);
        if (rc) return rc;
    }
    if (s->row + 1 < s->nrows) { s->row++; return DB_ROW; }
    if (!s->more) return DB_DONE;
    int rc = stream_fetch(c, s);
    if (rc) return rc;
    if (!s->nrows) return DB_DONE;
    s->row = 0;
    return DB_ROW;
}

/* db_done of a stream: its own transaction ends (nothing in it was written: a write would have
 * taken it over), or in the caller's the cursor closes. */
static void stream_end(pg_conn *c, pg_stmt *s) {
    if (c->stream_tx == s) {
        PQclear(PQexec(c->h, "ROLLBACK"));
        c->stream_tx = NULL;
        c->aborted = c->savepoint = 0;
    } else if (s->cur_open && PQtransactionStatus(c->h) == PQTRANS_INTRANS) {   /* not after an error */
        char sql[64];
        snprintf(sql, sizeof sql, "CLOSE %s", s->cur);
        pg_exec(&c->base, sql);
    }
}

/* ---------- the rest of db.h ---------- */

/* pg_dump's custom format (pg_restore reads it), taken in one snapshot while servers go on. */
static int pg_backup(db_conn *dc, const char *path) {
    char *argv[] = {"pg_dump", "--format=custom", "--no-owner", "--file", (char *)path, "--dbname", dc->d->url, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "pg_dump", NULL, NULL, argv, environ);
    if (rc != 0) {
        log_error("msg=\"cannot run pg_dump (Debian package postgresql-client)\" err=\"%s\"", strerror(rc));
        return -1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        log_error("msg=\"pg_dump failed\" status=%d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    return 0;
}

static int pg_schema_objects(db_conn *c, const char *kind, const char *table, arena *a, struct db_schema_obj **out, int *n) {
    const char *sql = NULL;
    if (!strcmp(kind, "index"))
        sql = "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = ? "
              "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname AND k.conrelid = CAST(? AS regclass)) "
              "ORDER BY i.indexname";
    else if (!strcmp(kind, "trigger"))
        sql = "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = CAST(? AS regclass) "
              "AND NOT t.tgisinternal ORDER BY t.tgname";
    if (!sql) return 0;
    db_stmt *s = pg_prepare(c, sql);
    if (!s) return -1;
    for (int i = 1; i <= ST(s)->nparams; i++) pg_bind_text(s, i, table, -1, 1);
    return db_collect_schema_objects(s, a, out, n);
}

/* Commits of a bulk load need not wait for the disk one by one, and the indexes it builds at the
 * end sort in memory. */
static int pg_bulk_mode(db_conn *c, int on) {
    return pg_exec(c, on ? "SET synchronous_commit = off; SET maintenance_work_mem = '256MB'"
                         : "SET synchronous_commit = on; RESET maintenance_work_mem");
}

static int pg_lock(db_conn *c, const char *name) {
    int64_t key = (int64_t)db_hash_str(name), ignored;
    return db_query_int(c, "SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))", &ignored, "i", key) == 0 ? 0 : c->last_err;
}

static char *quote_ident(db_conn *c, const char *name) {
    return PQescapeIdentifier(PG(c)->h, name, strlen(name));
}

static int pg_lock_table(db_conn *c, const char *table) {
    char *q = quote_ident(c, table);
    if (!q) return -1;
    char sql[300];
    snprintf(sql, sizeof sql, "LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE", q);
    PQfreemem(q);
    return pg_exec(c, sql);
}

/* The identity sequence moves past the highest id (never back, if it is already further). */
static int pg_ids_sync(db_conn *c, const char *table) {
    char *q = quote_ident(c, table);
    if (!q) return -1;
    char sql[600];
    snprintf(sql, sizeof sql,
             "SELECT setval(q.seq, GREATEST((SELECT COALESCE(max(id), 0) FROM %s), COALESCE(pg_sequence_last_value(CAST(q.seq AS regclass)), 0), 1)) "
             "FROM (SELECT pg_get_serial_sequence(CAST(? AS TEXT), 'id') AS seq) q WHERE q.seq IS NOT NULL", q);
    PQfreemem(q);
    int64_t v;
    int rc = db_query_int(c, sql, &v, "s", table);
    return rc < 0 ? rc : 0;
}

/* op 0: SAVEPOINT; 1: keep what the statement did; 2: undo it (and the abort it caused). They
 * nest: each end closes the newest. */
static int pg_savepoint(db_conn *dc, int op) {
    pg_conn *c = PG(dc);
    if (!dc->tx_open) return 0;
    if (op == 0) {
        int rc = pg_exec(dc, "SAVEPOINT shequ_stmt");
        if (!rc) c->savepoint++;
        return rc;
    }
    if (!c->savepoint) return 0;
    c->savepoint--;
    if (op == 1) return pg_exec(dc, "RELEASE SAVEPOINT shequ_stmt");
    c->aborted = 0;
    int rc = pg_exec(dc, "ROLLBACK TO SAVEPOINT shequ_stmt; RELEASE SAVEPOINT shequ_stmt");
    if (rc) c->aborted = 1;
    return rc;
}

/* ---------- whole tables ---------- */

static enum db_type pg_column_type(const char *decl) {
    if (!strcmp(decl, "bigint") || !strcmp(decl, "integer") || !strcmp(decl, "smallint") || !strcmp(decl, "boolean")) return DBT_INT;
    if (!strcmp(decl, "double precision") || !strcmp(decl, "real") || !strcmp(decl, "numeric")) return DBT_REAL;
    if (!strcmp(decl, "bytea")) return DBT_BLOB;
    return DBT_TEXT;
}

/* One statement for all: TRUNCATE needs every table that references another in the same list. */
static int pg_clear_tables(db_conn *c, const char *const *tables, int n) {
    size_t len = 32;
    for (int i = 0; i < n; i++) len += strlen(tables[i]) + 4;
    char *sql = malloc(len), *p = sql;
    if (!sql) return DB_ERR;
    p += sprintf(p, "TRUNCATE");
    for (int i = 0; i < n; i++) p += sprintf(p, "%s \"%s\"", i ? "," : "", tables[i]);
    int rc = n ? pg_exec(c, sql) : 0;
    free(sql);
    return rc;
}

/* COPY ... FROM STDIN in the text format: a row is its values separated by tabs and ended by a
 * newline; NULL is \N; a backslash, tab, newline or carriage return inside a value is escaped;
 * bytea goes in its own text form, \x and hex digits (its backslash escaped in turn). Rows are
 * sent in writes of about 1 MB. */
#define COPY_FLUSH (1u << 20)

static int copy_reserve(pg_conn *c, size_t more) {
    if (c->copylen + more <= c->copycap) return 0;
    size_t cap = c->copycap ? c->copycap : COPY_FLUSH + 4096;
    while (cap < c->copylen + more) cap *= 2;
    char *b = realloc(c->copybuf, cap);
    if (!b) return -1;
    c->copybuf = b;
    c->copycap = cap;
    return 0;
}

static int pg_copy_begin(db_conn *dc, const char *table, const char *const *cols, int ncols) {
    pg_conn *c = PG(dc);
    char *sql = db_sql_columns("COPY", table, cols, ncols, " FROM STDIN");
    if (!sql) return DB_ERR;
    PGresult *r = PQexec(c->h, sql);
    int rc = PQresultStatus(r) == PGRES_COPY_IN ? 0 : fail(c, r, sql);
    PQclear(r);
    free(sql);
    c->copylen = 0;
    c->copy_failed = rc != 0;
    return rc;
}

static int pg_copy_put(db_conn *dc, enum db_type t, const void *v, int len) {
    pg_conn *c = PG(dc);
    const unsigned char *b = v;
    size_t n = len < 0 && v ? strlen(v) : (size_t)(len < 0 ? 0 : len);
    if (copy_reserve(c, (t == DBT_BLOB ? 2 * n + 4 : 2 * n) + 4)) return DB_ERR;
    char *o = c->copybuf + c->copylen;
    if (dc->copy_col > 1) *o++ = '\t';
    if (t == DBT_NULL || !v) {
        *o++ = '\\';
        *o++ = 'N';
    } else if (t == DBT_BLOB) {
        static const char hex[] = "0123456789abcdef";
        *o++ = '\\'; *o++ = '\\'; *o++ = 'x';
        for (size_t i = 0; i < n; i++) { *o++ = hex[b[i] >> 4]; *o++ = hex[b[i] & 15]; }
    } else {
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = b[i];
            if (ch == 0) { snprintf(c->err, sizeof c->err, "a text value holds a NUL byte"); return DB_ERR; }
            if (ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r') {
                *o++ = '\\';
                *o++ = ch == '\t' ? 't' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : '\\';
            } else {
                *o++ = (char)ch;
            }
        }
    }
    c->copylen = (size_t)(o - c->copybuf);
    return 0;
}

static int copy_flush(pg_conn *c) {
    if (!c->copylen) return 0;
    int ok = PQputCopyData(c->h, c->copybuf, (int)c->copylen) == 1;
    c->copylen = 0;
    if (!ok) { c->copy_failed = 1; return fail(c, NULL, "COPY"); }
    return 0;
}

static int pg_copy_row(db_conn *dc) {
    pg_conn *c = PG(dc);
    if (copy_reserve(c, 1)) return DB_ERR;
    c->copybuf[c->copylen++] = '\n';
    return c->copylen >= COPY_FLUSH ? copy_flush(c) : 0;
}

/* The server checks the rows as they come but answers only now: the first bad row's error (with
 * its line and column) is the COPY's. */
static int pg_copy_end(db_conn *dc, int cancel) {
    pg_conn *c = PG(dc);
    int rc = 0;
    if (!cancel && !c->copy_failed) rc = copy_flush(c);
    c->copylen = 0;
    if (PQputCopyEnd(c->h, cancel || rc || c->copy_failed ? "cancelled" : NULL) != 1 && !rc) rc = fail(c, NULL, "COPY");
    PGresult *r;
    while ((r = PQgetResult(c->h))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc && !cancel) rc = fail(c, r, "COPY");
        else if (PQresultStatus(r) == PGRES_COMMAND_OK) c->changes = atoi(PQcmdTuples(r));
        PQclear(r);
    }
    if (cancel && !rc) rc = DB_ERR;
    if (dc->tx_open && rc) c->aborted = 1;
    c->copy_failed = 0;
    return rc;
}

const struct db_ops db_pg_ops = {
    .name = "postgresql",
    .db_init = pg_db_init, .db_free = pg_db_free,
    .conn_open = pg_conn_open, .conn_close = pg_conn_close, .conn_check = pg_conn_check,
    .probe = pg_probe,
    .exec = pg_exec, .prepare = pg_prepare,
    .bind_int = pg_bind_int, .bind_real = pg_bind_real, .bind_text = pg_bind_text, .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step, .col_count = pg_col_count, .col_name = pg_col_name, .col_type = pg_col_type,
    .col_int = pg_col_int, .col_real = pg_col_real, .col_text = pg_col_text, .col_blob = pg_col_blob,
    .done = pg_done, .stream = pg_stream,
    .begin = pg_begin, .commit = pg_commit, .rollback = pg_rollback,
    .changes = pg_changes, .last_insert_id = pg_last_insert_id, .errmsg = pg_errmsg,
    .backup = pg_backup, .schema_objects = pg_schema_objects, .bulk_mode = pg_bulk_mode,
    .lock = pg_lock, .lock_table = pg_lock_table, .ids_sync = pg_ids_sync, .savepoint = pg_savepoint,
    .private_schema_changes = 0,
    .sql_tables = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                  "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1",
    .sql_columns = "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
                   "AND table_name = ? ORDER BY ordinal_position",
    .sql_refs = "SELECT DISTINCT CAST(CAST(confrelid AS regclass) AS TEXT) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = CAST(? AS regclass) ORDER BY 1",
    .column_type = pg_column_type, .clear_tables = pg_clear_tables,
    .copy_begin = pg_copy_begin, .copy_put = pg_copy_put, .copy_row = pg_copy_row, .copy_end = pg_copy_end,
};
