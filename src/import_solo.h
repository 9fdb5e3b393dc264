/* import_solo.h: a command-line import into an SQLite file nobody else has open (see import_solo.c). */
#ifndef SHEQU_IMPORT_SOLO_H
#define SHEQU_IMPORT_SOLO_H
#include "db.h"

/* Before the import's transaction: 1 if c now holds its SQLite file alone, with a rollback
 * journal, until import_solo_end; 0 (nothing changed) if another connection has it open, or on
 * PostgreSQL. */
struct import_solo { int64_t synchronous; };
int import_solo_begin(db_conn *c, struct import_solo *s);
/* After the import's transaction (committed or rolled back): WAL and shared access again. */
void import_solo_end(db_conn *c, const struct import_solo *s);

#endif
