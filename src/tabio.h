/* tabio.h: tabular files in and out - CSV (libcsv) and XLSX (libzip + expat to read,
 * libxlsxwriter to write). The declared-record engine imports and exports through this,
 * knowing nothing of either format. */
#ifndef SHEQU_TABIO_H
#define SHEQU_TABIO_H
#include <stddef.h>

enum tab_format { TAB_CSV = 1, TAB_XLSX = 2 };

enum tab_error {
    TAB_OK = 0,
    TAB_ERR_FORMAT = -1,    /* not a CSV / XLSX file we can read */
    TAB_ERR_TOO_LARGE = -2, /* more rows or cells than the limits allow */
    TAB_ERR_IO = -3,
    TAB_ERR_NOMEM = -4
};

/* ---- reading ---- */
typedef struct tab_reader tab_reader;

/* Opens an in-memory file. CSV: UTF-8 with or without BOM; input that is not valid UTF-8 is
 * taken as GB18030 (what Excel in zh-CN saves) and converted. XLSX: the first worksheet, shared
 * and inline strings, numbers as written in the cell (dates as Excel serials are turned into
 * YYYY-MM-DD when the cell's style is a date format). `data` must outlive the reader. */
int tab_open(enum tab_format fmt, const char *data, size_t len, tab_reader **out);

/* Next row: *cells points to `*ncells` NUL-terminated UTF-8 strings, valid until the next call.
 * Trailing empty rows are skipped. Returns 1 for a row, 0 at the end, <0 (enum tab_error). */
int tab_next(tab_reader *r, const char *const **cells, int *ncells);

/* 1-based line (CSV) or row number (XLSX) of the row last returned, for error messages. */
int tab_row_number(const tab_reader *r);
void tab_close(tab_reader *r);

/* Guess the format from the first bytes (PK\3\4 = XLSX). */
enum tab_format tab_sniff(const char *data, size_t len);

/* ---- writing ---- */
typedef struct tab_writer tab_writer;

/* Creates `path`. CSV gets a UTF-8 BOM (so Excel reads Chinese) and CRLF line ends; XLSX one
 * worksheet named `sheet` (constant-memory mode, so a million rows fit), header row bold. */
int tab_writer_open(enum tab_format fmt, const char *path, const char *sheet, tab_writer **out);
/* One row. is_number[i] != 0 writes cell i as a number in XLSX (ignored for CSV); is_number may
 * be NULL. NULL cells are written empty. */
int tab_write_row(tab_writer *w, const char *const *cells, const int *is_number, int n);
int tab_writer_close(tab_writer *w);   /* flushes; returns <0 if anything failed */

#endif
