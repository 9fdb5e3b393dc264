/* import_write.h: the writing stage of an import on several threads (import_write.c), and the
 * validated row that the validating threads (import_pipe.c) hand it. */
#ifndef SHEQU_IMPORT_WRITE_H
#define SHEQU_IMPORT_WRITE_H
#include "import_row.h"

enum row_kind { ROW_OK, ROW_INVALID, ROW_EXTRA, ROW_FAILED };

struct row_err { const char *field, *code, *msg; };
struct row_tags { const char **codes; int n; };

/* One row as the writer needs it; everything points into its batch's arena. */
struct prow {
    int rowno;
    const char *const *cells;       /* as read, until validated */
    int ncells;
    enum row_kind kind;
    int rc;                         /* ROW_FAILED: storage error */
    struct colvals cols;            /* ROW_OK: storage values */
    struct row_tags *tags;          /* ROW_OK: per FT_TAGS field of the record, in order */
    struct row_err *errs;           /* ROW_INVALID: in the order validation wrote them */
    int nerr, nfield;               /* nfield: how many came before the validate hook */
    struct deferred_unique du;
};

struct import_writer;

/* The writer of run's rows, on the connection of run->r (inside its write transaction); ntags: the
 * record's FT_TAGS fields. NULL on a storage error. */
struct import_writer *import_writer_new(struct import_run *run, int ntags);
/* The next row in file order: its errors are appended to run->errors, or it is queued to be
 * written. Returns 0, or a storage error that stops the import. */
int import_writer_row(struct import_writer *w, struct prow *pr);
/* A row that comes soon after the next: whatever of it the writer will look up is fetched ahead. */
void import_writer_prefetch(struct import_writer *w, const struct prow *pr);
/* After each batch: queued rows are written (they point into the batch); after the last one the
 * import is finished (indexes back if set aside). 0 or a storage error. */
int import_writer_batch_end(struct import_writer *w, int last);
void import_writer_free(struct import_writer *w);

#endif
