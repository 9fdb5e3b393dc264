/* db_impl.h: what a storage engine provides to db.c. db.c owns what every engine shares (the
 * pool of connections with one kept per server thread, nested transactions, one-shot queries,
 * choosing the engine by URL); an engine (db_sqlite.c, db_pg.c) owns its connections and
 * statements. Nothing outside the db_*.c files includes this. */
#ifndef SHEQU_DB_IMPL_H
#define SHEQU_DB_IMPL_H
#include "db.h"
#include <pthread.h>

struct db_ops;

/* An engine's connection begins with this; the engine allocates it (conn_open) and frees it. */
struct db_conn {
    const struct db_ops *ops;
    db *d;
    int tx_depth;               /* nested db_begin_* calls */
    int tx_open;                /* the engine's transaction is open (a read may not need one) */
    int tx_failed;              /* an inner level rolled back: the outermost commit must not */
    int last_err;
    int busy;                   /* handed out by db_acquire */
    int owned;                  /* bound to one thread for good (a server worker) */
    db_stmt *copy_stmt;         /* db_copy_* without an engine COPY: the INSERT of a row */
    char *copy_sql;
    int copy_ncols, copy_col;
    int64_t copy_rows;
};

/* An engine's statement begins with this. */
struct db_stmt { db_conn *c; };

struct db {
    const struct db_ops *ops;
    char *url;                  /* as given */
    const char *path;           /* the file of an SQLite database; NULL for a server */
    int n;
    db_conn **conns;
    void *engine;               /* the engine's shared state */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* the storage fault under way (db_fault): its DB_ERR_* (0: none, read atomically), what failed,
     * and when the storage was last probed (monotonic seconds) */
    pthread_mutex_t fault_mu;
    int fault;
    char fault_reason[256];
    double probe_at;
};

struct db_ops {
    const char *name;
    int (*db_init)(db *d, const char *spec);          /* spec: the URL less "sqlite:" (SQLite) or whole */
    void (*db_free)(db *d);
    db_conn *(*conn_open)(db *d);                      /* NULL on failure (logged) */
    void (*conn_close)(db_conn *c);
    void (*conn_check)(db_conn *c);                    /* between requests: reconnect if dropped */
    int (*probe)(db_conn *c, char *reason, size_t n);  /* 0 when the storage takes writes (db_storage_check) */
    int (*exec)(db_conn *c, const char *sql);
    db_stmt *(*prepare)(db_conn *c, const char *sql);
    int (*bind_int)(db_stmt *s, int idx, int64_t v);
    int (*bind_real)(db_stmt *s, int idx, double v);
    int (*bind_text)(db_stmt *s, int idx, const char *v, int len, int copy);
    int (*bind_blob)(db_stmt *s, int idx, const void *v, int len, int copy);
    int (*bind_null)(db_stmt *s, int idx);
    int (*step)(db_stmt *s);
    int (*col_count)(db_stmt *s);
    const char *(*col_name)(db_stmt *s, int i);
    enum db_type (*col_type)(db_stmt *s, int i);
    int64_t (*col_int)(db_stmt *s, int i);
    double (*col_real)(db_stmt *s, int i);
    const char *(*col_text)(db_stmt *s, int i);
    const void *(*col_blob)(db_stmt *s, int i, int *len);
    void (*done)(db_stmt *s);
    void (*stream)(db_stmt *s);                        /* optional: db_stream (NULL: rows stream already) */
    int (*begin)(db_conn *c, int write);               /* the engine's BEGIN */
    int (*commit)(db_conn *c);                         /* COMMIT; on failure the transaction is over */
    void (*rollback)(db_conn *c);
    int (*changes)(db_conn *c);
    int64_t (*last_insert_id)(db_conn *c);
    const char *(*errmsg)(db_conn *c);
    int (*backup)(db_conn *c, const char *path);
    int (*schema_objects)(db_conn *c, const char *kind, const char *table, arena *a, struct db_schema_obj **out, int *n);
    int (*bulk_mode)(db_conn *c, int on);
    int (*lock)(db_conn *c, const char *name);
    int (*lock_table)(db_conn *c, const char *table);
    int (*ids_sync)(db_conn *c, const char *table);
    int (*savepoint)(db_conn *c, int op);
    /* db_tables: the schema's tables (rows of one name), a table's columns in order (name,
     * declared type; ? = the table) and the tables it references (? = the table) */
    const char *sql_tables, *sql_columns, *sql_refs;
    enum db_type (*column_type)(const char *declared);
    int (*clear_tables)(db_conn *c, const char *const *tables, int n);
    /* optional (NULL: db.c inserts row by row): a COPY in the engine's own protocol */
    int (*copy_begin)(db_conn *c, const char *table, const char *const *cols, int ncols);
    int (*copy_put)(db_conn *c, enum db_type t, const void *v, int len);
    int (*copy_row)(db_conn *c);
    int (*copy_end)(db_conn *c, int cancel);
    int private_schema_changes;
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;

/* For the engines: a storage fault (DB_ERR_READONLY, _FULL, _IO or _UNAVAILABLE) met by a
 * statement, with what failed; logged once per fault (db.h, db_storage_check). */
void db_fault(db_conn *c, int code, const char *reason);
/* The fault `code` (0: any) is over: logged once, if one was recorded. */
void db_fault_clear(db *d, int code);

/* For the engines: collects (name, sql) rows of a statement into db_schema_objects' answer. */
int db_collect_schema_objects(db_stmt *s, arena *a, struct db_schema_obj **out, int *n);
uint64_t db_hash_str(const char *s);
/* `VERB "table" ("c1", "c2", ...)TAIL`, malloc'd (names already checked by db_plain_name). */
char *db_sql_columns(const char *verb, const char *table, const char *const *cols, int ncols, const char *tail);


#endif
