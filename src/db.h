/* db.h: storage behind one interface: SQLite (WAL, one file; db_sqlite.c) or PostgreSQL through
 * libpq (db_pg.c), chosen by the URL. SQL is written in a portable subset with `?` placeholders
 * (PostgreSQL gets them as $n); every value is bound. What the two engines do differently and
 * callers must say (locks across servers, recovering from a failed statement, explicit ids) has
 * a call of its own below, so no caller asks which engine it runs on.
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
    DB_ERR_FULL = -6,       /* disk full (or the file past the process's size limit) */
    DB_ERR_IO = -7,         /* the disk failed a read or a write (I/O error) */
    DB_ERR_UNAVAILABLE = -8 /* the database server cannot be reached (stopped, restarting, network) */
};

enum db_type { DBT_NULL = 0, DBT_INT = 1, DBT_REAL = 2, DBT_TEXT = 3, DBT_BLOB = 4 };

/* "sqlite:PATH" (or a bare PATH), or "postgresql://[user[:pw]@][host][:port]/dbname[?...]" (also
 * "postgres://"; libpq's URI form, e.g. ?host=/run/dir for a unix socket). pool_size connections. */
int db_open(const char *url, int pool_size, db **out);
void db_close(db *d);
const char *db_engine(const db *d);                      /* "sqlite" or "postgresql" */
const char *db_connection_engine(const db_conn *c);      /* the same, for a connection's database */
const char *db_url_path(const db *d);                    /* the SQLite file; NULL for PostgreSQL */
/* Whether every statement on this URL is a round trip to a database server (PostgreSQL), during
 * which the thread that sent it waits: a server then wants more threads than cores. */
int db_url_remote(const char *url);

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
/* Before the first db_step: this statement's rows may be more than fit in memory (an export), so
 * the engine hands them over in batches as they are read. SQLite steps through its B-tree anyway;
 * PostgreSQL runs the statement as a cursor (DECLARE ... CURSOR, FETCH 1000 at a time) inside a
 * transaction, the caller's or, outside one, its own until db_done. Other statements may run on
 * the connection between steps, as always. */
void db_stream(db_stmt *s);

/* Transactions. db_begin_write takes the write lock up front (SQLite BEGIN IMMEDIATE), so a
 * request never fails half-way on a lock upgrade; on PostgreSQL it is BEGIN (READ COMMITTED:
 * every statement sees the latest commits, and an UPDATE ... WHERE version = ? that lost a race
 * changes no row rather than failing). db_begin_read gives SQLite one snapshot per request; on
 * PostgreSQL each statement of a read sees the latest commits, and a write begun inside it opens
 * the real transaction. Nested calls are counted: only the outermost commits; a rollback
 * anywhere rolls the whole transaction back. */
int db_begin_write(db_conn *c);
int db_begin_read(db_conn *c);
int db_commit(db_conn *c);
void db_rollback(db_conn *c);
int db_in_transaction(const db_conn *c);

int db_changes(db_conn *c);                              /* rows changed by the last INSERT/UPDATE/DELETE */
int64_t db_last_insert_id(db_conn *c);                   /* id generated by this connection's last INSERT */
const char *db_errmsg(db_conn *c);
int db_errcode(db_conn *c);                              /* last DB_ERR_* */

/* Storage faults: a read-only or full disk, an I/O error, a database server that cannot be
 * reached. A statement meeting one answers its DB_ERR_* (503 with Retry-After, http.c) and the
 * engine records it here: the first failure of a fault is logged as one error line naming the
 * cause, later ones are not (a full disk under load would fill the log), and the end of the fault
 * is one info line when a probe finds the storage working again. Probes (SQLite: a page written
 * to a new file beside the database, as SQLite writes its own; PostgreSQL: a statement) run at
 * most once a second, from db_storage_check and from a write that commits while a fault is
 * recorded. db_storage_check answers 0 when the storage works, else the fault's DB_ERR_* and,
 * in reason (n bytes), what failed; /api/v1/health calls it. */
int db_storage_check(db_conn *c, char *reason, size_t n);
/* Whether a DB_ERR_* is a storage fault (read-only, full, I/O error, server unreachable). */
int db_is_fault(int code);
/* The storage fault a failed system call's errno means: DB_ERR_FULL (ENOSPC, EDQUOT, EFBIG),
 * DB_ERR_READONLY (EROFS, EACCES, EPERM), else DB_ERR_IO; for files beside the database too
 * (an export's temporary file). */
int db_errno_fault(int e);

/* One-shot helpers for simple queries: first column of the first row. */
int db_query_int(db_conn *c, const char *sql, int64_t *out, const char *fmt, ...);

/* Online copy of the whole database to `path`: an SQLite file (backup API), or for PostgreSQL a
 * pg_dump archive (custom format, for pg_restore). */
int db_backup(db_conn *c, const char *path);

/* The indexes (kind "index") or triggers ("trigger") defined on a table, each with the CREATE
 * statement that makes it again exactly as the schema holds it; indexes made for PRIMARY KEY and
 * UNIQUE constraints are not listed (they cannot be dropped). *out (in a) holds *n, by name. */
struct db_schema_obj { const char *name, *sql; };
int db_schema_objects(db_conn *c, const char *kind, const char *table, arena *a, struct db_schema_obj **out, int *n);

/* Tuning for bulk loads on this connection: 1 = fast (no fsync per commit), 0 = normal. */
int db_bulk_mode(db_conn *c, int on);

/* Inside a write transaction: waits for, then holds until the transaction ends, an exclusive lock
 * named `name` shared by every server on the database, for a read-then-write that must not
 * interleave (the audit chain's head). SQLite's write lock already serialises all writers. */
int db_lock(db_conn *c, const char *name);
/* Inside a write transaction: no other transaction writes to `table` until this one ends (reads
 * go on), so its highest id stays the highest (an import numbers its rows from it). */
int db_lock_table(db_conn *c, const char *table);
/* Rows were inserted into `table` with explicit ids: the ids the engine generates from now on
 * follow the highest (PostgreSQL's identity sequence; SQLite's rowid does so by itself). */
int db_ids_sync(db_conn *c, const char *table);
/* Around a statement whose failure the transaction survives (a multi-row INSERT that may meet a
 * duplicate and is then tried row by row): SQLite undoes a failed statement alone; PostgreSQL
 * aborts the whole transaction unless a savepoint catches it. db_savepoint before, then
 * db_savepoint_end(c, failed) after: failed = 1 undoes the statement, 0 keeps it. */
int db_savepoint(db_conn *c);
int db_savepoint_end(db_conn *c, int failed);
/* Whether a schema change inside a transaction stays invisible to, and does not block, other
 * connections until commit (SQLite WAL: yes; PostgreSQL: DROP INDEX locks readers out). */
int db_private_schema_changes(const db_conn *c);

/* ---------- whole tables (shequ migrate-data) ---------- */

/* A table of the schema: its columns in order, each with the kind of value its declared type
 * holds (DBT_INT, DBT_REAL, DBT_TEXT or DBT_BLOB), and the tables its foreign keys reference. */
struct db_table {
    const char *name;
    int ncols, nrefs;
    const char **cols;
    enum db_type *types;
    const char **refs;
};
/* Every table of the schema but the engine's own and schema_migrations, by name; in a. */
int db_tables(db_conn *c, arena *a, struct db_table **out, int *n);
/* Empties these tables, which between them hold every reference to their rows; referencing
 * tables come first (SQLite deletes in that order; PostgreSQL truncates them in one statement). */
int db_clear_tables(db_conn *c, const char *const *tables, int n);

/* Bulk load inside a write transaction: PostgreSQL's COPY FROM STDIN, rows streamed in large
 * writes; SQLite one prepared INSERT a row (it is in-process: nothing to gain). A row is ncols
 * db_copy_put calls - DBT_NULL, DBT_INT/DBT_REAL as decimal text, DBT_TEXT, DBT_BLOB as bytes -
 * then db_copy_row. db_copy_end(c, 0, &rows) stores them or answers the DB_ERR_* of a bad row
 * (the transaction must then roll back); db_copy_end(c, 1, NULL) gives up. Between begin and end
 * the connection runs nothing else, and db_copy_end comes after any failed call. */
int db_copy_begin(db_conn *c, const char *table, const char *const *cols, int ncols);
int db_copy_put(db_conn *c, enum db_type t, const void *v, int len);
int db_copy_row(db_conn *c);
int db_copy_end(db_conn *c, int cancel, int64_t *rows);
/* Whether db_copy_* is the engine's own bulk path (PostgreSQL's COPY), worth more than INSERTs of
 * many rows; where it is not, a caller with its own multi-row INSERTs keeps them. */
int db_copy_native(const db_conn *c);

/* A name safe to put in SQL between double quotes ([a-z0-9_], as every table and column of the
 * schema); db_clear_tables and db_copy_begin refuse any other. */
int db_plain_name(const char *name);
/* The URL with any password replaced by *** (for messages). */
void db_url_redacted(const char *url, char *out, size_t n);

#endif
