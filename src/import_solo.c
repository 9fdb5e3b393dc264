/* import_solo.c: a command-line import into an SQLite file that no other connection has open
 * writes its rows once instead of twice. In WAL mode every page of a large import goes to the WAL
 * and then again into the database at the checkpoint (1,000,000 residents: 510 MB each way, and
 * the index builds read the table back from the WAL by pread). With a rollback journal, pages
 * beyond the file's size before the transaction are never journaled: the new rows are written
 * once, into the database file, and read back through its memory map. Measured on that import:
 * 1.4 CPU s less, and the commit with its checkpoint from about 1.2 s to 0.3 s.
 *
 * Leaving WAL mode needs the file to itself, so the switch is asked without waiting: any server,
 * backup or other process with the file open refuses it at once, and the import then runs in WAL
 * mode as always. Once switched, the connection takes the file in exclusive locking mode, so
 * nothing can open it halfway through the import (a server started meanwhile waits for its busy
 * timeout), and synchronous=FULL keeps the rollback journal as safe against power loss as WAL.
 * All or nothing holds as before: a crash leaves a hot journal that the next connection to open
 * the file rolls back (truncating the appended pages), and every open sets WAL mode again. In the
 * instant between the switch and the import's BEGIN a process opening the file can put it back
 * into WAL mode; the BEGIN then waits for it and may fail as busy, with nothing written.
 * PostgreSQL has no such choice: nothing changes there. */
#include "import_solo.h"
#include "log.h"
#include <stdio.h>
#include <string.h>

/* One pragma's answer as text (journal_mode answers the mode now in force), in buf. */
static const char *pragma_text(db_conn *c, const char *sql, char *buf, size_t n) {
    db_stmt *s = db_prepare(c, sql);
    if (!s) return NULL;
    const char *v = db_step(s) == DB_ROW ? db_col_text(s, 0) : NULL;
    if (v) snprintf(buf, n, "%s", v);
    db_done(s);
    return v ? buf : NULL;
}

int import_solo_begin(db_conn *c, struct import_solo *st) {
    if (strcmp(db_connection_engine(c), "sqlite") != 0) return 0;
    int64_t busy = 0;
    char buf[32];
    if (db_query_int(c, "PRAGMA busy_timeout", &busy, NULL) != 0) return 0;
    if (db_exec(c, "PRAGMA busy_timeout = 0")) return 0;
    const char *mode = pragma_text(c, "PRAGMA journal_mode = DELETE", buf, sizeof buf);
    char restore[64];
    snprintf(restore, sizeof restore, "PRAGMA busy_timeout = %lld", (long long)busy);
    db_exec(c, restore);
    if (!mode || strcmp(mode, "delete") != 0) return 0;     /* someone else has the file open */
    st->synchronous = 1;                                    /* NORMAL, as connections are opened */
    db_query_int(c, "PRAGMA synchronous", &st->synchronous, NULL);
    if (db_exec(c, "PRAGMA locking_mode = EXCLUSIVE") || db_exec(c, "PRAGMA synchronous = FULL")) {
        import_solo_end(c, st);
        return 0;
    }
    log_info("msg=\"import: the database file is not open elsewhere; rows are written once, with a rollback journal\"");
    return 1;
}

void import_solo_end(db_conn *c, const struct import_solo *st) {
    char buf[32];
    /* normal locking first: WAL mode entered in exclusive locking mode would keep the file
     * locked until this process exits */
    db_exec(c, "PRAGMA locking_mode = NORMAL");
    const char *mode = pragma_text(c, "PRAGMA journal_mode = WAL", buf, sizeof buf);
    if (!mode || strcmp(mode, "wal") != 0)
        log_error("msg=\"import: the database stays in rollback-journal mode until it is next opened\" mode=%s", mode ? mode : "?");
    snprintf(buf, sizeof buf, "PRAGMA synchronous = %d", (int)st->synchronous);
    db_exec(c, buf);
}
