/* import_row.h: the pieces of an import shared by the one-thread loop (io.c) and the two-thread
 * pipeline (import_pipe.c): a row's cells as the API's JSON input, and the row error list. */
#ifndef SHEQU_IMPORT_ROW_H
#define SHEQU_IMPORT_ROW_H
#include "resource.h"
#include "tabio.h"

/* A cell as the JSON value the API would take for field f (import_cell.c). Unparseable text stays
 * text, so the validator reports it with the usual message. lk NULL: dict.c / org.c directly. */
json_t *import_cell_value(req *r, struct row_lookups *lk, const struct field *f, const char *cell);
/* The row as a JSON object of the mapped, non-empty cells; *extra when a value sits beyond the header. */
json_t *import_row_json(req *r, struct row_lookups *lk, const struct field *const *map, int nhead,
                        const char *const *cells, int ncells, int *extra);

/* One entry of the answer's row list (io.c); at most MAX_ROW_ERRORS are kept. */
void import_row_error(req *r, json_t *errors, int row, const char *field, const char *code, const char *msg);

/* The row loop of one import: reads the rows after the header from tr, validates and writes them. */
struct import_run {
    req *r;
    const struct resource *res;
    tab_reader *tr;
    const struct field *const *map;   /* nhead entries: the field of each column, NULL to skip */
    int nhead;
    int dry;                          /* a dry run: rolled back whatever the rows */
    json_t *errors;                   /* row errors, appended in file order */
    int64_t rows, ok_rows;
    int failed_db;                    /* storage error that stopped the import, else 0 */
    int tab_rc;                       /* the reader's last answer: 0 at the end, <0 on a bad file */
};

#endif
