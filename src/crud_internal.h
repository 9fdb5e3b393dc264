/* crud_internal.h: pieces of the record engine shared by crud.c, io.c and domain workflows. */
#ifndef SHEQU_CRUD_INTERNAL_H
#define SHEQU_CRUD_INTERNAL_H
#include "resource.h"

enum { SAVE_INVALID = 1, SAVE_STALE = 2, SAVE_NOT_FOUND = 3 };

void write_ctx_init(struct write_ctx *w, req *r, const struct resource *res, struct colvals *cols);
void write_ctx_free(struct write_ctx *w);
/* Validate + insert/update + tags + after_write hook; see crud.c. */
int record_save(struct write_ctx *w, int64_t expect_version);
/* Rows one INSERT statement may carry (record_insert_rows). */
#define INSERT_ROWS_MAX 32
/* The INSERT texts for the column set last used, one per row count, kept by a caller that inserts
 * many rows (an import); its strings live in `a`, which the caller initialises (zeroed) and frees. */
struct insert_cache { arena a; int valid, n, with_id; const char *cols[64]; const char *sql[INSERT_ROWS_MAX + 1]; };
/* INSERT of new storage columns (record_save's create step); ic may be NULL. */
int record_insert(req *r, const struct resource *res, const struct colvals *cols, struct insert_cache *ic, int64_t *id);
/* n (1..INSERT_ROWS_MAX) new records with the same columns (colvals_same_columns) in one statement;
 * ids NULL lets the table number them (*id: the last), else ids[i] is row i's id. */
int record_insert_rows(req *r, const struct resource *res, const struct colvals *const *rows, int n, const int64_t *ids,
                       struct insert_cache *ic, int64_t *id);
/* Whether two rows set the same storage columns in the same order. */
int colvals_same_columns(const struct colvals *a, const struct colvals *b);
/* A new record's record_tags rows for one tags field. */
int record_tags_add(req *r, const struct resource *res, int64_t id, const char *const *codes, int n);
int record_row_json_unmask(req *r, const struct resource *res, db_stmt *s, json_t **out, int unmask);
json_t *record_public(json_t *rec);
/* " FROM table t WHERE ..." with scope, filters and q; returns 1 after responding 400. */
int crud_where(req *r, const struct resource *res, sqlb *q);
int crud_order(req *r, const struct resource *res, sqlb *q);
/* SELECT <columns> + crud_where + crud_order in q, the WHERE part alone in where (for counts). */
int crud_select(req *r, const struct resource *res, sqlb *q, sqlb *where);
int64_t if_match_version(req *r);
int record_writable(req *r, const struct resource *res, json_t *rec);
int wants_unmask(req *r, const struct resource *res);
/* Audit entry for an unmasked read of one record (id) or several (ids, borrowed). */
int audit_unmask(req *r, const struct resource *res, int64_t id, const char *org_path, json_t *ids, json_t *extra);

#endif
