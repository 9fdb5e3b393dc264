/* migrate.h: schema migrations (compiled in: db/migrations/NNNN_*.sql for SQLite,
 * db/migrations/pg/NNNN_*.sql for PostgreSQL, the same tables in each engine's types) and the
 * seed data every database starts with: dictionaries, built-in roles, the real Zhengzhou divisions. */
#ifndef SHEQU_MIGRATE_H
#define SHEQU_MIGRATE_H
#include "db.h"

struct migration { int version; const char *name; const char *sql; };
extern const struct migration migrations_sqlite[], migrations_pg[];
extern const int migrations_sqlite_count, migrations_pg_count;

int migrate_run(db_conn *c, int verbose);      /* applies what is missing, then seeds; idempotent */

#endif
