/* migrate.h: schema migrations (db/migrations/NNNN_*.sql, compiled in) and the seed data every
 * database starts with: dictionaries, built-in roles, and the real Zhengzhou divisions. */
#ifndef SHEQU_MIGRATE_H
#define SHEQU_MIGRATE_H
#include "db.h"

struct migration { int version; const char *name; const char *sql; };
extern const struct migration migrations[];
extern const int migrations_count;

int migrate_run(db_conn *c, int verbose);      /* applies what is missing, then seeds; idempotent */

#endif
