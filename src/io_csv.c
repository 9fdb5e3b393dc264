/* io_csv.c: CSV back end of tabio - a streaming reader on top of libcsv (with GB18030 input
 * converted to UTF-8 first) and a writer that produces what Excel in zh-CN opens correctly. */
#include "tabio.h"
#include "tabio_impl.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libcsv is fed this much input per refill: enough to amortise the call, small enough that the
 * parsed rows waiting in the queue stay in cache. */
#define CSV_CHUNK (64 * 1024)
/* libcsv buffers a field whole before handing it over. Its buffer grows through our realloc
 * hook, which refuses past this size, so one endless quoted field cannot eat memory; twice
 * the cell limit leaves room for the closing quote and trailing blanks libcsv keeps there. */
#define CSV_FIELD_BUF_CAP (2 * TAB_MAX_CELL)
#define CSV_BLK 4096

struct row_rec {
    size_t first; /* index into off[] of the row's first cell */
    int ncells;
    long line;
};

struct tab_csv_reader {
    struct csv_parser p;
    bool p_ready;
    const char *src; /* UTF-8 input without BOM: the caller's buffer or `conv` */
    size_t len, pos;
    char *conv;      /* owned GB18030 -> UTF-8 conversion, if one was needed */
    bool at_end;     /* csv_fini has run */
    int err;         /* set by the callbacks, which cannot return one */

    /* Cells of the queued rows and of the row in progress, NUL-terminated one after another
     * in `txt`, so a refill costs no allocation once the buffers have grown. */
    char *txt;
    size_t txt_len, txt_cap;
    size_t *off;
    size_t noff, off_cap;
    struct row_rec *rows;
    size_t nrows, row_head, rows_cap;
    size_t cur_first; /* row in progress: its first cell ... */
    int cur_n;        /* ... and how many it has so far */

    /* Line counting: libcsv reports every unquoted CR and LF (CSV_REPALL_NL), and line breaks
     * inside quoted fields are counted in the field text. */
    long next_line; /* line on which the next row starts (blank lines are not limited, so long) */
    int nl_in_row;  /* line breaks inside the fields of the row in progress */
    bool last_cr;   /* the previous terminator was a CR, so a LF now ends no extra line */

    const char *ptrs[TAB_MAX_COLS];
};

static void *capped_realloc(void *p, size_t n)
{
    if (n > CSV_FIELD_BUF_CAP)
        return NULL;
    return realloc(p, n);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t c = *cap ? *cap : 256;
    void *np;

    while (c < need)
        c *= 2;
    np = realloc(*p, c * elem);
    if (!np)
        return TAB_ERR_NOMEM;
    *p = np;
    *cap = c;
    return 0;
}

/* Line breaks inside a field: LF, CRLF and a lone CR each count once. */
static int count_breaks(const char *s, size_t len)
{
    int n = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            n++;
        else if (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n'))
            n++;
    }
    return n;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Could the field hold a CR or LF? Called for every field, so it looks at eight bytes at a time
 * for any byte below 0x0E (this also catches tab and a few other control characters, which
 * count_breaks then rules out): (v - 0x0E..) & ~v & 0x80.. is non-zero exactly then. */
static bool has_byte_below_0e(const char *s, size_t len)
{
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        if ((v - 0x0E * ONES) & ~v & HIGHS)
            return true;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] < 0x0E)
            return true;
    return false;
}

static void on_field(void *s, size_t len, void *data)
{
    tab_csv_reader *r = data;

    if (r->err)
        return;
    if (len > TAB_MAX_CELL || r->cur_n >= TAB_MAX_COLS) {
        r->err = TAB_ERR_TOO_LARGE;
        return;
    }
    if (r->txt_len + len + 1 > r->txt_cap &&
        grow((void **)&r->txt, &r->txt_cap, r->txt_len + len + 1, 1) < 0)
        goto nomem;
    if (r->noff == r->off_cap && grow((void **)&r->off, &r->off_cap, r->noff + 1, sizeof *r->off) < 0)
        goto nomem;
    r->off[r->noff++] = r->txt_len;
    if (len)
        memcpy(r->txt + r->txt_len, s, len);
    r->txt[r->txt_len + len] = '\0';
    r->txt_len += len + 1;
    r->cur_n++;
    if (has_byte_below_0e(s, len))
        r->nl_in_row += count_breaks(s, len);
    return;
nomem:
    r->err = TAB_ERR_NOMEM;
}

static void on_row(int c, void *data)
{
    tab_csv_reader *r = data;

    if (r->err)
        return;
    if (r->cur_n == 0) {
        /* A terminator with no field before it: a blank line, or the LF of a CRLF. */
        if (c == '\n' && r->last_cr) {
            r->last_cr = false;
        } else if (c >= 0) {
            r->next_line++;
            r->last_cr = (c == '\r');
        }
        return;
    }
    if (r->nrows == r->rows_cap &&
        grow((void **)&r->rows, &r->rows_cap, r->nrows + 1, sizeof *r->rows) < 0) {
        r->err = TAB_ERR_NOMEM;
        return;
    }
    r->rows[r->nrows++] = (struct row_rec){ r->cur_first, r->cur_n, r->next_line };
    r->next_line += r->nl_in_row + (c >= 0 ? 1 : 0);
    r->last_cr = (c == '\r');
    r->nl_in_row = 0;
    r->cur_first = r->noff;
    r->cur_n = 0;
}

/* Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF) and no NUL, checked with
 * the byte ranges of Unicode's table of well-formed sequences rather than by decoding, and
 * with an 8-bytes-at-a-time path for ASCII. Registry files are mostly three-byte CJK, so that
 * case comes first among the multi-byte ones. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            uint64_t v;
            if (i + 8 <= n && (memcpy(&v, s + i, 8), !(v & HIGHS) && !((v - ONES) & ~v & HIGHS)))
                i += 8; /* eight ASCII bytes, none of them NUL */
            else if (c == 0)
                return false;
            else
                i++;
            continue;
        }
        if (c >= 0xE0 && c <= 0xEF) {
            if (n - i < 3)
                return false;
            unsigned c1 = s[i + 1];
            unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
            if (c1 < lo || c1 > hi || (s[i + 2] & 0xC0) != 0x80)
                return false;
            i += 3;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (n - i < 2 || (s[i + 1] & 0xC0) != 0x80)
                return false;
            i += 2;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (n - i < 4)
                return false;
            unsigned c1 = s[i + 1];
            unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
            if (c1 < lo || c1 > hi || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
                return false;
            i += 4;
        } else {
            return false;
        }
    }
    return true;
}

/* Excel in zh-CN saves "CSV" in the ANSI code page (GBK); GB18030 is its superset. */
static int convert_gb18030(tab_csv_reader *r, const char *data, size_t len)
{
    int rc = TAB_ERR_FORMAT;
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    /* Two GB18030 bytes become at most three UTF-8 bytes, four at most four: 1.5x suffices. */
    size_t cap = len + len / 2 + 16;
    char *in = (char *)data, *out;
    size_t inleft = len, outleft;

    if (cd == (iconv_t)-1)
        return TAB_ERR_FORMAT;
    r->conv = malloc(cap);
    if (!r->conv) {
        rc = TAB_ERR_NOMEM;
        goto fail;
    }
    out = r->conv;
    outleft = cap;
    while (inleft > 0) {
        if (iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1)
            continue;
        if (errno != E2BIG)
            goto fail; /* EILSEQ / EINVAL: not GB18030 either */
        size_t used = (size_t)(out - r->conv);
        char *n = realloc(r->conv, cap * 2);
        if (!n) {
            rc = TAB_ERR_NOMEM;
            goto fail;
        }
        r->conv = n;
        cap *= 2;
        out = r->conv + used;
        outleft = cap - used;
    }
    r->src = r->conv;
    r->len = (size_t)(out - r->conv);
    iconv_close(cd);
    return 0;
fail:
    iconv_close(cd);
    free(r->conv);
    r->conv = NULL;
    return rc;
}

int tab_csv_open(const char *data, size_t len, tab_csv_reader **out)
{
    int rc;
    tab_csv_reader *r;

    *out = NULL;
    r = calloc(1, sizeof *r);
    if (!r)
        return TAB_ERR_NOMEM;
    r->src = data;
    r->len = len;
    r->next_line = 1;
    if (!valid_utf8((const unsigned char *)data, len)) {
        /* NUL never occurs in text: this is a legacy .xls, a UTF-16 export or other binary. */
        if (memchr(data, '\0', len)) {
            rc = TAB_ERR_FORMAT;
            goto fail;
        }
        rc = convert_gb18030(r, data, len);
        if (rc < 0)
            goto fail;
    }
    /* The BOM is checked after conversion so that a GB18030 BOM (84 31 95 33) goes too. */
    if (r->len >= 3 && memcmp(r->src, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
    if (csv_init(&r->p, CSV_REPALL_NL) != 0) {
        rc = TAB_ERR_NOMEM;
        goto fail;
    }
    r->p_ready = true;
    csv_set_blk_size(&r->p, CSV_BLK);
    csv_set_realloc_func(&r->p, capped_realloc);
    *out = r;
    return 0;
fail:
    tab_csv_close(r);
    return rc;
}

/* Parses the next chunk of input, queueing the rows it completes. */
static int refill(tab_csv_reader *r)
{
    /* The queue is empty: keep only the cells of the row in progress, moved to the front. */
    size_t keep = r->cur_first;
    size_t tstart = keep < r->noff ? r->off[keep] : r->txt_len;

    if (tstart)
        memmove(r->txt, r->txt + tstart, r->txt_len - tstart);
    r->txt_len -= tstart;
    for (size_t i = keep; i < r->noff; i++)
        r->off[i - keep] = r->off[i] - tstart;
    r->noff -= keep;
    r->cur_first = 0;
    r->nrows = r->row_head = 0;

    if (r->pos < r->len) {
        size_t n = r->len - r->pos < CSV_CHUNK ? r->len - r->pos : CSV_CHUNK;
        size_t done = csv_parse(&r->p, r->src + r->pos, n, on_field, on_row, r);
        r->pos += n;
        if (r->err)
            return r->err;
        if (done < n) {
            /* The only way libcsv stops early here is a failed buffer growth. */
            if (csv_get_buffer_size(&r->p) + CSV_BLK > CSV_FIELD_BUF_CAP)
                return TAB_ERR_TOO_LARGE;
            return TAB_ERR_NOMEM;
        }
    } else {
        csv_fini(&r->p, on_field, on_row, r);
        r->at_end = true;
        if (r->err)
            return r->err;
    }
    return 0;
}

int tab_csv_next(tab_csv_reader *r, const char *const **cells, int *ncells, int *rowno)
{
    int rc;
    const struct row_rec *row;

    while (r->row_head == r->nrows) {
        if (r->err)
            return r->err;
        if (r->at_end)
            return 0;
        rc = refill(r);
        if (rc < 0)
            goto fail;
    }
    row = &r->rows[r->row_head++];
    for (int i = 0; i < row->ncells; i++)
        r->ptrs[i] = r->txt + r->off[row->first + (size_t)i];
    *cells = r->ptrs;
    *ncells = row->ncells;
    *rowno = row->line > INT_MAX ? INT_MAX : (int)row->line;
    return 1;
fail:
    r->err = rc;
    return rc;
}

void tab_csv_close(tab_csv_reader *r)
{
    if (!r)
        return;
    if (r->p_ready)
        csv_free(&r->p);
    free(r->conv);
    free(r->txt);
    free(r->off);
    free(r->rows);
    free(r);
}

/* ---- writing ---- */

struct tab_csv_writer {
    FILE *f;
    char *path;
    char *buf; /* one row, assembled before a single fwrite */
    size_t cap;
    int err;
};

int tab_csv_writer_open(const char *path, tab_csv_writer **out)
{
    int rc = TAB_ERR_NOMEM;
    tab_csv_writer *w;

    *out = NULL;
    w = calloc(1, sizeof *w);
    if (!w)
        return TAB_ERR_NOMEM;
    w->path = strdup(path);
    if (!w->path)
        goto fail;
    w->f = fopen(path, "wb");
    if (!w->f) {
        rc = TAB_ERR_IO;
        goto fail;
    }
    /* The BOM is what makes Excel take the file as UTF-8 rather than the ANSI code page. */
    if (fwrite("\xEF\xBB\xBF", 1, 3, w->f) != 3) {
        rc = TAB_ERR_IO;
        goto fail;
    }
    *out = w;
    return 0;
fail:
    if (w->f) {
        fclose(w->f);
        unlink(path);
    }
    free(w->path);
    free(w);
    return rc;
}

/* [+-]digits[.digits][e[+-]digits], or with the digits only after the point. */
static bool is_plain_number(const char *s)
{
    bool digits = false;

    if (*s == '+' || *s == '-')
        s++;
    while (*s >= '0' && *s <= '9')
        s++, digits = true;
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9')
            s++, digits = true;
    }
    if (!digits)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* CSV formula injection: Excel (and LibreOffice) evaluate a cell that starts with = + - or @
 * when the CSV is opened, so a name such as =HYPERLINK("http://...","点击") typed into a
 * form would run on the exporting staff member's machine. Such cells get a leading
 * apostrophe, which makes Excel treat them as text. Plain numbers ("-12", "+8613812345678")
 * are left alone: they evaluate to themselves, and mangling them would corrupt real data. */
static bool needs_formula_guard(const char *s)
{
    return (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') && !is_plain_number(s);
}

/* Separators, quotes and line breaks must be quoted; so must leading or trailing blanks,
 * which our reader (libcsv's default) trims from unquoted fields. */
static bool needs_quotes(const char *s, size_t len)
{
    if (len && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t'))
        return true;
    return strpbrk(s, ",\"\r\n") != NULL;
}

int tab_csv_write_row(tab_csv_writer *w, const char *const *cells, int n)
{
    int rc;
    size_t len = 0;

    if (w->err)
        return w->err;
    for (int i = 0; i < n; i++) {
        const char *s = cells[i] ? cells[i] : "";
        size_t slen = strlen(s);
        /* Worst case: every byte a doubled quote, plus quotes, apostrophe, comma, CRLF. */
        size_t need = len + 2 * slen + 8;
        if (need > w->cap && grow((void **)&w->buf, &w->cap, need, 1) < 0) {
            rc = TAB_ERR_NOMEM;
            goto fail;
        }
        if (i)
            w->buf[len++] = ',';
        bool quote = needs_quotes(s, slen);
        if (quote)
            w->buf[len++] = '"';
        if (needs_formula_guard(s))
            w->buf[len++] = '\'';
        if (quote) {
            for (size_t k = 0; k < slen; k++) {
                if (s[k] == '"')
                    w->buf[len++] = '"';
                w->buf[len++] = s[k];
            }
            w->buf[len++] = '"';
        } else {
            memcpy(w->buf + len, s, slen);
            len += slen;
        }
    }
    if (len + 2 > w->cap && grow((void **)&w->buf, &w->cap, len + 2, 1) < 0) {
        rc = TAB_ERR_NOMEM;
        goto fail;
    }
    w->buf[len++] = '\r';
    w->buf[len++] = '\n';
    if (fwrite(w->buf, 1, len, w->f) != len) {
        rc = TAB_ERR_IO;
        goto fail;
    }
    return 0;
fail:
    w->err = rc;
    return rc;
}

int tab_csv_writer_close(tab_csv_writer *w)
{
    int rc = w->err;

    if (fflush(w->f) != 0 || ferror(w->f))
        rc = rc ? rc : TAB_ERR_IO;
    if (fclose(w->f) != 0)
        rc = rc ? rc : TAB_ERR_IO;
    /* A half-written export is worse than none: the caller reports the failure instead. */
    if (rc < 0)
        unlink(w->path);
    free(w->path);
    free(w->buf);
    free(w);
    return rc;
}
