/* tabio.c: the format-neutral part of tabio.h - picks the CSV or XLSX back end, enforces the
 * row limit and holds back all-empty rows so that trailing ones can be dropped. */
#include "tabio.h"
#include "tabio_impl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct held_row {
    int line;
    int ncells;
};

struct tab_reader {
    enum tab_format fmt;
    tab_csv_reader *csv;
    tab_xlsx_reader *xlsx;
    int err;        /* sticky: once a read failed, every later call reports it again */
    int row_number; /* of the row last returned */
    long raw_rows;
    /* All-empty rows seen since the last non-empty one. They are returned only once a
     * non-empty row shows they are not trailing; that row waits in `stash` meanwhile. */
    struct held_row *held;
    size_t nheld, held_pos, held_cap;
    const char *const *stash;
    int stash_n, stash_line;
    bool have_stash;
    const char *blank[TAB_MAX_COLS]; /* "" pointers handed out for the held rows */
};

int tab_open(enum tab_format fmt, const char *data, size_t len, tab_reader **out)
{
    int rc;
    tab_reader *r = NULL;

    *out = NULL;
    if (!data && len)
        return TAB_ERR_FORMAT;
    r = calloc(1, sizeof *r);
    if (!r)
        return TAB_ERR_NOMEM;
    r->fmt = fmt;
    for (int i = 0; i < TAB_MAX_COLS; i++)
        r->blank[i] = "";
    if (fmt == TAB_CSV)
        rc = tab_csv_open(data ? data : "", len, &r->csv);
    else if (fmt == TAB_XLSX)
        rc = tab_xlsx_open(data ? data : "", len, &r->xlsx);
    else
        rc = TAB_ERR_FORMAT;
    if (rc < 0)
        goto fail;
    *out = r;
    return 0;
fail:
    free(r);
    return rc;
}

static int backend_next(tab_reader *r, const char *const **cells, int *n, int *line)
{
    if (r->fmt == TAB_CSV)
        return tab_csv_next(r->csv, cells, n, line);
    return tab_xlsx_next(r->xlsx, cells, n, line);
}

static bool row_is_empty(const char *const *cells, int n)
{
    for (int i = 0; i < n; i++)
        if (cells[i][0])
            return false;
    return true;
}

static int hold_row(tab_reader *r, int line, int n)
{
    if (r->nheld == r->held_cap) {
        size_t cap = r->held_cap ? r->held_cap * 2 : 16;
        struct held_row *h = realloc(r->held, cap * sizeof *h);
        if (!h)
            return TAB_ERR_NOMEM;
        r->held = h;
        r->held_cap = cap;
    }
    r->held[r->nheld++] = (struct held_row){ line, n };
    return 0;
}

int tab_next(tab_reader *r, const char *const **cells, int *ncells)
{
    int rc, n, line;
    const char *const *c;

    *cells = NULL;
    *ncells = 0;
    if (r->err)
        return r->err;
    if (r->held_pos < r->nheld) {
        struct held_row h = r->held[r->held_pos++];
        if (r->held_pos == r->nheld)
            r->held_pos = r->nheld = 0;
        *cells = r->blank;
        *ncells = h.ncells;
        r->row_number = h.line;
        return 1;
    }
    if (r->have_stash) {
        r->have_stash = false;
        *cells = r->stash;
        *ncells = r->stash_n;
        r->row_number = r->stash_line;
        return 1;
    }
    for (;;) {
        rc = backend_next(r, &c, &n, &line);
        if (rc < 0)
            goto fail;
        if (rc == 0) {
            r->nheld = r->held_pos = 0; /* trailing empty rows: dropped */
            return 0;
        }
        if (++r->raw_rows > TAB_MAX_ROWS) {
            rc = TAB_ERR_TOO_LARGE;
            goto fail;
        }
        if (!row_is_empty(c, n))
            break;
        if (n > TAB_MAX_COLS) { /* back ends enforce this already; keeps `blank` in bounds */
            rc = TAB_ERR_TOO_LARGE;
            goto fail;
        }
        rc = hold_row(r, line, n);
        if (rc < 0)
            goto fail;
    }
    if (r->nheld == 0) {
        *cells = c;
        *ncells = n;
        r->row_number = line;
        return 1;
    }
    /* Empty rows came before this one: return the first of them now, this row last. */
    r->stash = c;
    r->stash_n = n;
    r->stash_line = line;
    r->have_stash = true;
    return tab_next(r, cells, ncells);
fail:
    r->err = rc;
    return rc;
}

int tab_row_number(const tab_reader *r)
{
    return r ? r->row_number : 0;
}

void tab_close(tab_reader *r)
{
    if (!r)
        return;
    if (r->csv)
        tab_csv_close(r->csv);
    if (r->xlsx)
        tab_xlsx_close(r->xlsx);
    free(r->held);
    free(r);
}

enum tab_format tab_sniff(const char *data, size_t len)
{
    /* Every XLSX is a zip whose first local file header starts with PK\3\4. */
    if (data && len >= 4 && memcmp(data, "PK\3\4", 4) == 0)
        return TAB_XLSX;
    return TAB_CSV;
}

struct tab_writer {
    enum tab_format fmt;
    tab_csv_writer *csv;
    tab_xlsx_writer *xlsx;
};

int tab_writer_open(enum tab_format fmt, const char *path, const char *sheet, tab_writer **out)
{
    int rc;
    tab_writer *w = NULL;

    *out = NULL;
    if (!path)
        return TAB_ERR_IO;
    w = calloc(1, sizeof *w);
    if (!w)
        return TAB_ERR_NOMEM;
    w->fmt = fmt;
    if (fmt == TAB_CSV)
        rc = tab_csv_writer_open(path, &w->csv);
    else if (fmt == TAB_XLSX)
        rc = tab_xlsx_writer_open(path, sheet, &w->xlsx);
    else
        rc = TAB_ERR_FORMAT;
    if (rc < 0)
        goto fail;
    *out = w;
    return 0;
fail:
    free(w);
    return rc;
}

int tab_write_row(tab_writer *w, const char *const *cells, const int *is_number, int n)
{
    if (!w || n < 0 || (n > 0 && !cells))
        return TAB_ERR_IO;
    if (w->fmt == TAB_CSV)
        return tab_csv_write_row(w->csv, cells, n);
    return tab_xlsx_write_row(w->xlsx, cells, is_number, n);
}

int tab_writer_close(tab_writer *w)
{
    int rc;

    if (!w)
        return 0;
    if (w->fmt == TAB_CSV)
        rc = tab_csv_writer_close(w->csv);
    else
        rc = tab_xlsx_writer_close(w->xlsx);
    free(w);
    return rc;
}
