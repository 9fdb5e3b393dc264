/* db.h: storage behind one interface. Today SQLite (WAL, one file); PostgreSQL comes behind the
 * same calls. SQL is written in a portable subset with `?` placeholders; every value is bound.
 *
 * Ownership: a `db` is a pool of connections shared by all threads; a thread takes a `db_conn`
 * with db_acquire() for one request or job and gives it back with db_release(). Statements come
 * from db_prepare(), which caches them per connection by SQL text; db_done() returns one to the
 * cache (reset, bindings cleared). A statement must not outlive its db_done(). */
#ifndef SHEQU_DB_H
#define SHEQU_DB_H
#include "arena.h"
#include <stdint.h>
#include <stddef.h>

typedef struct db db;
typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

enum {
    DB_DONE = 0,
    DB_ROW = 1,
    DB_ERR = -1,            /* anything else; see db_errmsg */
    DB_ERR_UNIQUE = -2,     /* unique constraint violated */
    DB_ERR_CONSTRAINT = -3, /* other constraint (foreign key, check, not null) */
    DB_ERR_BUSY = -4,       /* locked by another writer past the busy timeout */
    DB_ERR_READONLY = -5,   /* read-only file system or database */
    DB_ERR_FULL = -6        /* disk full */
};

enum db_type { DBT_NULL = 0, DBT_INT = 1, DBT_REAL = 2, DBT_TEXT = 3, DBT_BLOB = 4 };

int db_open(const char *url, int pool_size, db **out);   /* "sqlite:PATH" */
void db_close(db *d);
const char *db_engine(const db *d);                      /* "sqlite" */
const char *db_url_path(const db *d);

db_conn *db_acquire(db *d);
void db_release(db_conn *c);

int db_exec(db_conn *c, const char *sql);                /* one or more statements, no values */
db_stmt *db_prepare(db_conn *c, const char *sql);        /* NULL on error (db_errmsg says why) */
int db_bind_int(db_stmt *s, int idx, int64_t v);         /* idx from 1 */
int db_bind_real(db_stmt *s, int idx, double v);
int db_bind_text(db_stmt *s, int idx, const char *v, int len);  /* len -1: strlen; NULL binds NULL */
int db_bind_blob(db_stmt *s, int idx, const void *v, int len);
/* The same without a copy: v must stay valid until db_done (request-arena values do). */
int db_bind_text_ref(db_stmt *s, int idx, const char *v, int len);
int db_bind_blob_ref(db_stmt *s, int idx, const void *v, int len);
int db_bind_null(db_stmt *s, int idx);
int db_step(db_stmt *s);                                 /* DB_ROW, DB_DONE or DB_ERR_* */
int db_col_count(db_stmt *s);
const char *db_col_name(db_stmt *s, int i);
enum db_type db_col_type(db_stmt *s, int i);
int64_t db_col_int(db_stmt *s, int i);
double db_col_real(db_stmt *s, int i);
const char *db_col_text(db_stmt *s, int i);              /* NULL for NULL */
const void *db_col_blob(db_stmt *s, int i, int *len);
void db_done(db_stmt *s);

/* Transactions. db_begin_write takes the write lock up front (SQLite BEGIN IMMEDIATE), so a
 * request never fails half-way on a lock upgrade. Nested calls are counted: only the outermost
 * commits; a rollback anywhere rolls the whole transaction back. */
int db_begin_write(db_conn *c);
int db_begin_read(db_conn *c);
int db_commit(db_conn *c);
void db_rollback(db_conn *c);
int db_in_transaction(const db_conn *c);

int db_changes(db_conn *c);
int64_t db_last_insert_id(db_conn *c);                   /* rowid of this connection's last INSERT */
const char *db_errmsg(db_conn *c);
int db_errcode(db_conn *c);                              /* last DB_ERR_* */

/* One-shot helpers for simple queries: first column of the first row. */
int db_query_int(db_conn *c, const char *sql, int64_t *out, const char *fmt, ...);

/* Online copy of the whole database to `path` (SQLite backup API). */
int db_backup(db_conn *c, const char *path);

/* The indexes (kind "index") or triggers ("trigger") defined on a table, each with the CREATE
 * statement that makes it again exactly as the schema holds it; indexes made for PRIMARY KEY and
 * UNIQUE constraints are not listed (they cannot be dropped). *out (in a) holds *n, by name. */
struct db_schema_obj { const char *name, *sql; };
int db_schema_objects(db_conn *c, const char *kind, const char *table, arena *a, struct db_schema_obj **out, int *n);

/* Tuning for bulk loads on this connection: 1 = fast (no fsync per commit), 0 = normal. */
int db_bulk_mode(db_conn *c, int on);

#endif
