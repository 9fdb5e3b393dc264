/* tabio_impl.h: private interface between the format-neutral layer (tabio.c) and the two
 * format back ends (io_csv.c, io_xlsx.c). Nothing outside those three files includes this. */
#ifndef SHEQU_TABIO_IMPL_H
#define SHEQU_TABIO_IMPL_H
#include <stddef.h>

/* Limits against abusive uploads (an XLSX sheet cannot hold more rows than this either). */
#define TAB_MAX_ROWS 1048576
#define TAB_MAX_COLS 512
#define TAB_MAX_CELL 65536 /* bytes of UTF-8 in one cell */

/* A back-end reader yields raw rows: every row that has at least one cell, empty or not.
 * tabio.c drops the trailing all-empty rows and enforces TAB_MAX_ROWS, so the back ends need
 * not look ahead. `cells` stays valid until the next call on the same reader; `*rowno` is the
 * 1-based line (CSV) or sheet row (XLSX) of the row. Return 1, 0 at the end, or <0. */
typedef struct tab_csv_reader tab_csv_reader;
int tab_csv_open(const char *data, size_t len, tab_csv_reader **out);
int tab_csv_next(tab_csv_reader *r, const char *const **cells, int *ncells, int *rowno);
void tab_csv_close(tab_csv_reader *r);

typedef struct tab_xlsx_reader tab_xlsx_reader;
int tab_xlsx_open(const char *data, size_t len, tab_xlsx_reader **out);
int tab_xlsx_next(tab_xlsx_reader *r, const char *const **cells, int *ncells, int *rowno);
void tab_xlsx_close(tab_xlsx_reader *r);

typedef struct tab_csv_writer tab_csv_writer;
int tab_csv_writer_open(const char *path, tab_csv_writer **out);
int tab_csv_write_row(tab_csv_writer *w, const char *const *cells, int n);
int tab_csv_writer_close(tab_csv_writer *w); /* always frees w */

typedef struct tab_xlsx_writer tab_xlsx_writer;
int tab_xlsx_writer_open(const char *path, const char *sheet, tab_xlsx_writer **out);
int tab_xlsx_write_row(tab_xlsx_writer *w, const char *const *cells, const int *is_number, int n);
int tab_xlsx_writer_close(tab_xlsx_writer *w); /* always frees w */

#endif
