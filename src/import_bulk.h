/* import_bulk.h: bulk mode of a large import (see import_bulk.c). */
#ifndef SHEQU_IMPORT_BULK_H
#define SHEQU_IMPORT_BULK_H
#include "resource.h"

struct import_bulk;

/* Inside the import's write transaction: sets aside the secondary indexes of res's table and the
 * change-counter insert triggers of that table and record_tags. NULL on a storage error. */
struct import_bulk *import_bulk_begin(req *r, const struct resource *res);
/* Whether a live row holds v in col (the one unique column of the import): 1 with *existing, or 0,
 * and then, if id > 0, row id holds it from now on. <0 on a storage error, -1 out of memory. The
 * first call reads the column's values from the table; afterwards the answers come from memory,
 * so every row written must claim its value. */
int import_bulk_claim(struct import_bulk *b, const char *col, struct sqlv v, int64_t id, int64_t *existing);
/* Asks the CPU for the slot v would take: a claim is a cache miss in a table far larger than the
 * CPU caches (90% of its time on 1,000,000 rows), so the writer asks for the next row's slot
 * while it inserts this one. */
void import_bulk_prefetch(struct import_bulk *b, struct sqlv v);
/* Builds the indexes again, puts the triggers back and moves the counters by the rows written
 * meanwhile, as the triggers would have. Returns 0 or a storage error. */
int import_bulk_end(struct import_bulk *b, int64_t rows, int64_t tag_rows);
/* Frees b. Unless import_bulk_end succeeded, the request is marked to roll back (r->discard). */
void import_bulk_free(struct import_bulk *b);

#endif
