/* io_xlsx.c: XLSX back end of tabio. Reading opens the zip in memory with libzip and runs
 * expat over the parts: the workbook and its relationships (to find the first worksheet),
 * shared strings and styles up front, then the worksheet itself as a stream, suspending the
 * parser at the end of every row. Writing uses libxlsxwriter in constant-memory mode. */
#include "tabio.h"
#include "tabio_impl.h"

#include <expat.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#define XML_CHUNK (64 * 1024)
#define XLSX_MAX_COLUMN 16384             /* XFD: the widest sheet Excel knows */
#define SST_MAX_BYTES ((size_t)512 << 20) /* all shared strings together */
#define SST_MAX_COUNT ((size_t)16 << 20)
#define MAX_XFS 65536                     /* Excel allows 64000 cell formats */
/* Raw text collected for one cell before unescaping; only the unescaped length is the limit,
 * this just stops collecting long before memory matters. */
#define RAW_CELL_MAX (8 * TAB_MAX_CELL)

struct buf {
    char *p;
    size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t extra)
{
    size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 1024;
    char *np;

    if (need <= b->cap)
        return 0;
    while (cap < need)
        cap *= 2;
    np = realloc(b->p, cap);
    if (!np)
        return TAB_ERR_NOMEM;
    b->p = np;
    b->cap = cap;
    return 0;
}

static int buf_add(struct buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return TAB_ERR_NOMEM;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

/* Element and attribute names without their namespace prefix: generators differ in whether
 * they write <c> or <x:c>, and the parts are simple enough that local names are unambiguous. */
static const char *local_name(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2) {
        if (strncmp(atts[i], "xmlns", 5) == 0)
            continue;
        if (strcmp(local_name(atts[i]), name) == 0)
            return atts[i + 1];
    }
    return NULL;
}

/* First member of every parse context, so the shared handlers can report an error. */
struct xctx {
    XML_Parser p;
    int err;
    /* expat holds an unfinished token (a tag, a comment) in memory until it ends, so a zip
     * bomb made of one endless tag could exhaust memory. The start and text handlers set
     * `progress`; input that brings none for STALL_MAX bytes is refused. */
    bool progress;
    uint64_t fed, mark;
};

#define STALL_MAX ((uint64_t)32 << 20)

static int note_fed(struct xctx *x, zip_int64_t n)
{
    x->fed += (uint64_t)n;
    if (x->progress) {
        x->progress = false;
        x->mark = x->fed;
    } else if (x->fed - x->mark > STALL_MAX) {
        return TAB_ERR_TOO_LARGE;
    }
    return 0;
}

static void xfail(struct xctx *x, int err)
{
    if (!x->err)
        x->err = err;
    XML_StopParser(x->p, XML_FALSE);
}

/* No part of an XLSX has a DTD; refusing them shuts out entity-expansion tricks entirely. */
static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                       int has_internal_subset)
{
    xfail(ud, TAB_ERR_FORMAT);
}

static XML_Parser new_parser(struct xctx *x, XML_StartElementHandler start, XML_EndElementHandler end,
                             XML_CharacterDataHandler text)
{
    XML_Parser p = XML_ParserCreate(NULL);

    if (!p)
        return NULL;
    x->p = p;
    XML_SetUserData(p, x);
    XML_SetElementHandler(p, start, end);
    if (text)
        XML_SetCharacterDataHandler(p, text);
    XML_SetStartDoctypeDeclHandler(p, on_doctype);
    return p;
}

static zip_int64_t locate(zip_t *z, const char *name)
{
    zip_int64_t i = zip_name_locate(z, name, 0);
    return i >= 0 ? i : zip_name_locate(z, name, ZIP_FL_NOCASE);
}

/* Runs a whole part through expat. A missing optional part is not an error. */
static int parse_part(zip_t *z, const char *name, bool required, struct xctx *x,
                      XML_StartElementHandler start, XML_EndElementHandler end,
                      XML_CharacterDataHandler text)
{
    int rc = 0;
    zip_file_t *f = NULL;
    XML_Parser p = NULL;
    zip_int64_t idx = locate(z, name);

    if (idx < 0)
        return required ? TAB_ERR_FORMAT : 0;
    f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
    if (!f) {
        rc = TAB_ERR_FORMAT;
        goto fail;
    }
    p = new_parser(x, start, end, text);
    if (!p) {
        rc = TAB_ERR_NOMEM;
        goto fail;
    }
    for (;;) {
        void *b = XML_GetBuffer(p, XML_CHUNK);
        if (!b) {
            rc = TAB_ERR_NOMEM;
            goto fail;
        }
        zip_int64_t n = zip_fread(f, b, XML_CHUNK);
        if (n < 0) {
            rc = TAB_ERR_FORMAT; /* truncated or corrupt deflate data, CRC mismatch */
            goto fail;
        }
        if (XML_ParseBuffer(p, (int)n, n == 0) != XML_STATUS_OK) {
            rc = x->err ? x->err : TAB_ERR_FORMAT;
            goto fail;
        }
        rc = note_fed(x, n);
        if (rc < 0)
            goto fail;
        if (n == 0)
            break;
    }
fail:
    if (p)
        XML_ParserFree(p);
    x->p = NULL;
    if (f)
        zip_fclose(f);
    return rc;
}

/* Excel escapes characters XML cannot carry (and literal "_x" sequences) as _xHHHH_. Decodes in
 * place; the result is never longer than the input. Returns the new length. */
static size_t unescape_x(char *s, size_t len)
{
    size_t i = 0, o = 0;

    while (i < len) {
        unsigned v = 0;
        bool esc = i + 7 <= len && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_';
        for (size_t k = 2; esc && k < 6; k++) {
            char c = s[i + k];
            if (c >= '0' && c <= '9')
                v = v * 16 + (unsigned)(c - '0');
            else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                v = v * 16 + (unsigned)((c | 0x20) - 'a' + 10);
            else
                esc = false;
        }
        if (!esc || (v >= 0xD800 && v <= 0xDFFF)) {
            s[o++] = s[i++];
            continue;
        }
        if (v < 0x80) {
            s[o++] = (char)v;
        } else if (v < 0x800) {
            s[o++] = (char)(0xC0 | (v >> 6));
            s[o++] = (char)(0x80 | (v & 0x3F));
        } else {
            s[o++] = (char)(0xE0 | (v >> 12));
            s[o++] = (char)(0x80 | ((v >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (v & 0x3F));
        }
        i += 7;
    }
    s[o] = '\0';
    return o;
}

/* ---- number formats ---- */

/* Built-in format ids that show a date. 14-17 and 22 are the same everywhere; 27-31, 36 and
 * 50-58 are the East Asian locale ids (yyyy"年"m"月"d"日" and kin) that zh-CN Excel writes
 * without spelling them out in styles.xml. Time-only ids (18-21, 32-35, 45-47) are left out:
 * a bare time turned into a date would be 1899-12-30, so those cells keep their number. */
static bool builtin_is_date(int id)
{
    return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 31) || id == 36 ||
           (id >= 50 && id <= 58);
}

/* A custom format shows a date if, outside quoted text, escapes and [...] sections, it has a
 * y or d, or an m that is not a minute (no h or s beside it). "General" has none of these. */
static bool format_code_is_date(const char *f)
{
    bool y_or_d = false, m = false, h_or_s = false;

    for (; *f; f++) {
        char c = *f;
        if (c == '"') {
            while (f[1] && f[1] != '"')
                f++;
            if (f[1])
                f++;
        } else if (c == '\\' || c == '_' || c == '*') {
            if (f[1])
                f++;
        } else if (c == '[') {
            while (f[1] && f[1] != ']')
                f++;
            if (f[1])
                f++;
        } else if (strncasecmp(f, "AM/PM", 5) == 0) {
            f += 4;
        } else if (strncasecmp(f, "A/P", 3) == 0) {
            f += 2;
        } else {
            c = (char)(c | 0x20);
            if (c == 'y' || c == 'd')
                y_or_d = true;
            else if (c == 'm')
                m = true;
            else if (c == 'h' || c == 's')
                h_or_s = true;
        }
    }
    return y_or_d || (m && !h_or_s);
}

/* Excel date serial to YYYY-MM-DD. In the 1900 system serial 1 is 1900-01-01 and serial 60 is
 * the 29 February 1900 that Excel keeps for Lotus 1-2-3 compatibility; in the 1904 system
 * serial 0 is 1904-01-01. Returns false when the serial is no date Excel would show. */
static bool serial_to_date(double v, bool date1904, char *out, size_t outsz)
{
    long days, epoch_days;
    time_t t;
    struct tm tm;

    if (!(v >= 0 && v < 2958466)) /* 2958465 is 9999-12-31 */
        return false;
    days = (long)v; /* v >= 0: truncation is floor, and keeps libm out of the link */
    if (date1904) {
        epoch_days = days - 24107; /* 1904-01-01 is 24107 days before 1970-01-01 */
    } else {
        if (days < 1)
            return false;
        if (days == 60) {
            snprintf(out, outsz, "1900-02-29");
            return true;
        }
        if (days < 60)
            days++;
        epoch_days = days - 25569; /* serial 25569 is 1970-01-01 */
    }
    t = (time_t)epoch_days * 86400;
    if (!gmtime_r(&t, &tm))
        return false;
    snprintf(out, outsz, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return true;
}

/* ---- reader ---- */

enum cell_type { CT_NUMBER, CT_SHARED, CT_STR, CT_INLINE, CT_BOOL, CT_ERROR, CT_DATE };

struct tab_xlsx_reader {
    struct xctx x; /* the worksheet parser, alive between calls */
    zip_source_t *src;
    zip_t *zip;
    zip_file_t *sheet;
    locale_t cloc; /* numbers are parsed and printed in the C locale whatever the process uses */
    bool date1904;

    struct buf sst; /* shared strings, NUL-terminated one after another */
    size_t *sst_off;
    size_t nsst, sst_cap;
    bool *xf_date; /* per cellXfs index: does the style show a date */
    size_t nxf;

    /* worksheet parse state */
    bool in_data, in_row, in_cell, in_is, collect;
    int in_rph; /* inside phonetic (ruby) runs, whose text is not part of the value */
    int row_no, col, cells_in_row;
    enum cell_type ctype;
    long cstyle;
    struct buf val;    /* text of the cell being read */
    struct buf rowtxt; /* values of the row being read */
    int cell_off[TAB_MAX_COLS]; /* into rowtxt, -1 for none */
    int ncols;
    bool row_ready, suspended, fed_final;
    int ready_row;
    const char *ptrs[TAB_MAX_COLS];
};

/* -- workbook.xml and its relationships -- */

struct wb_ctx {
    struct xctx x;
    bool date1904;
    char **rids; /* r:id of each <sheet>, in workbook order */
    size_t nrids, cap;
};

static void wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct wb_ctx *c = ud;
    const char *ln = local_name(name), *v;

    c->x.progress = true;
    if (strcmp(ln, "workbookPr") == 0) {
        v = attr(atts, "date1904");
        c->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
    } else if (strcmp(ln, "sheet") == 0 && (v = attr(atts, "id")) != NULL) {
        if (c->nrids == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 8;
            char **n = realloc(c->rids, cap * sizeof *n);
            if (!n) {
                xfail(&c->x, TAB_ERR_NOMEM);
                return;
            }
            c->rids = n;
            c->cap = cap;
        }
        if (!(c->rids[c->nrids] = strdup(v))) {
            xfail(&c->x, TAB_ERR_NOMEM);
            return;
        }
        c->nrids++;
    }
}

static void no_end(void *ud, const XML_Char *name)
{
}

struct rel {
    char *id, *type, *target;
};

struct rels_ctx {
    struct xctx x;
    struct rel *v;
    size_t n, cap;
};

static void rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct rels_ctx *c = ud;
    const char *id, *type, *target, *mode;

    c->x.progress = true;
    if (strcmp(local_name(name), "Relationship") != 0)
        return;
    id = attr(atts, "Id");
    type = attr(atts, "Type");
    target = attr(atts, "Target");
    mode = attr(atts, "TargetMode");
    if (!id || !type || !target || (mode && strcmp(mode, "External") == 0))
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct rel *n = realloc(c->v, cap * sizeof *n);
        if (!n) {
            xfail(&c->x, TAB_ERR_NOMEM);
            return;
        }
        c->v = n;
        c->cap = cap;
    }
    c->v[c->n] = (struct rel){ strdup(id), strdup(type), strdup(target) };
    if (!c->v[c->n].id || !c->v[c->n].type || !c->v[c->n].target) {
        free(c->v[c->n].id);
        free(c->v[c->n].type);
        free(c->v[c->n].target); {
            xfail(&c->x, TAB_ERR_NOMEM);
            return;
        }
    }
    c->n++;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Target of a workbook relationship as a zip entry name: relative to xl/, or absolute from the
 * package root when it starts with '/'; "." and ".." segments resolved. */
static char *resolve_target(const char *target)
{
    size_t cap = strlen(target) + 4, o = 0;
    char *out = malloc(cap);
    const char *s = target;

    if (!out)
        return NULL;
    if (*s == '/')
        s++;
    else
        memcpy(out, "xl/", 3), o = 3;
    while (*s) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.')) {
            /* nothing */
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (o > 0)
                o--; /* drop the trailing '/' ... */
            while (o > 0 && out[o - 1] != '/')
                o--; /* ... and the segment before it */
        } else {
            memcpy(out + o, s, n);
            o += n;
            if (e)
                out[o++] = '/';
        }
        s += n + (e ? 1 : 0);
    }
    out[o] = '\0';
    return out;
}

/* Zip entry names of the parts the reader needs. */
struct parts {
    char *sheet, *sst, *styles;
};

/* Part of a relationship type (".../sharedStrings") that the workbook names; NULL if none. */
static int find_rel(const struct rels_ctx *rels, const char *type_suffix, char **path)
{
    for (size_t k = 0; k < rels->n; k++) {
        if (ends_with(rels->v[k].type, type_suffix)) {
            *path = resolve_target(rels->v[k].target);
            return *path ? 0 : TAB_ERR_NOMEM;
        }
    }
    return 0;
}

static int find_parts(tab_xlsx_reader *r, struct parts *pt)
{
    int rc;
    struct wb_ctx wb = { 0 };
    struct rels_ctx rels = { 0 };
    char **path = &pt->sheet;

    rc = parse_part(r->zip, "xl/workbook.xml", true, &wb.x, wb_start, no_end, NULL);
    if (rc < 0)
        goto fail;
    r->date1904 = wb.date1904;
    rc = parse_part(r->zip, "xl/_rels/workbook.xml.rels", true, &rels.x, rels_start, no_end, NULL);
    if (rc < 0)
        goto fail;
    /* The first sheet that is a worksheet (a chart sheet holds no cells). */
    for (size_t i = 0; i < wb.nrids && !*path; i++) {
        for (size_t k = 0; k < rels.n; k++) {
            if (strcmp(rels.v[k].id, wb.rids[i]) == 0 && ends_with(rels.v[k].type, "/worksheet")) {
                *path = resolve_target(rels.v[k].target);
                if (!*path) {
                    rc = TAB_ERR_NOMEM;
                    goto fail;
                }
                break;
            }
        }
    }
    if (!*path) {
        rc = TAB_ERR_FORMAT;
        goto fail;
    }
    rc = find_rel(&rels, "/sharedStrings", &pt->sst);
    if (rc < 0)
        goto fail;
    rc = find_rel(&rels, "/styles", &pt->styles);
fail:
    for (size_t i = 0; i < wb.nrids; i++)
        free(wb.rids[i]);
    free(wb.rids);
    for (size_t k = 0; k < rels.n; k++) {
        free(rels.v[k].id);
        free(rels.v[k].type);
        free(rels.v[k].target);
    }
    free(rels.v);
    return rc;
}

/* -- sharedStrings.xml -- */

struct sst_ctx {
    struct xctx x;
    tab_xlsx_reader *r;
    bool in_si, in_t;
    int in_rph;
    size_t start; /* where the current string begins in r->sst */
};

static void sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct sst_ctx *c = ud;
    const char *ln = local_name(name);

    c->x.progress = true;
    if (strcmp(ln, "si") == 0) {
        c->in_si = true;
        c->start = c->r->sst.len;
    } else if (strcmp(ln, "rPh") == 0) {
        c->in_rph++;
    } else if (strcmp(ln, "t") == 0 && c->in_si && !c->in_rph) {
        c->in_t = true;
    }
}

static void sst_end(void *ud, const XML_Char *name)
{
    struct sst_ctx *c = ud;
    tab_xlsx_reader *r = c->r;
    const char *ln = local_name(name);

    if (strcmp(ln, "t") == 0) {
        c->in_t = false;
    } else if (strcmp(ln, "rPh") == 0) {
        if (c->in_rph)
            c->in_rph--;
    } else if (strcmp(ln, "si") == 0 && c->in_si) {
        c->in_si = false;
        if (buf_reserve(&r->sst, 0) < 0) {
            xfail(&c->x, TAB_ERR_NOMEM);
            return;
        }
        r->sst.p[r->sst.len] = '\0';
        size_t n = unescape_x(r->sst.p + c->start, r->sst.len - c->start);
        if (n > TAB_MAX_CELL) {
            xfail(&c->x, TAB_ERR_TOO_LARGE);
            return;
        }
        r->sst.len = c->start + n + 1; /* keep the NUL */
        if (r->nsst == SST_MAX_COUNT) {
            xfail(&c->x, TAB_ERR_TOO_LARGE);
            return;
        }
        if (r->nsst == r->sst_cap) {
            size_t cap = r->sst_cap ? r->sst_cap * 2 : 1024;
            size_t *o = realloc(r->sst_off, cap * sizeof *o);
            if (!o) {
                xfail(&c->x, TAB_ERR_NOMEM);
                return;
            }
            r->sst_off = o;
            r->sst_cap = cap;
        }
        r->sst_off[r->nsst++] = c->start;
    }
}

static void sst_text(void *ud, const XML_Char *s, int len)
{
    struct sst_ctx *c = ud;
    tab_xlsx_reader *r = c->r;

    c->x.progress = true;
    if (!c->in_t)
        return;
    if (r->sst.len - c->start + (size_t)len > RAW_CELL_MAX) {
        xfail(&c->x, TAB_ERR_TOO_LARGE);
        return;
    }
    if (r->sst.len + (size_t)len > SST_MAX_BYTES) {
        xfail(&c->x, TAB_ERR_TOO_LARGE);
        return;
    }
    if (buf_add(&r->sst, s, (size_t)len) < 0) {
        xfail(&c->x, TAB_ERR_NOMEM);
        return;
    }
}

/* -- styles.xml -- */

struct numfmt {
    int id;
    bool date;
};

struct styles_ctx {
    struct xctx x;
    bool in_numfmts, in_xfs;
    struct numfmt *fmts;
    size_t nfmts, fmts_cap;
    int *xf_fmt; /* numFmtId of each cellXfs entry */
    size_t nxf, xf_cap;
};

static int push_int(int **v, size_t *n, size_t *cap, int x)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        int *nv = realloc(*v, c * sizeof *nv);
        if (!nv)
            return TAB_ERR_NOMEM;
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return 0;
}

static void styles_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct styles_ctx *c = ud;
    const char *ln = local_name(name), *id, *code;

    c->x.progress = true;
    if (strcmp(ln, "numFmts") == 0) {
        c->in_numfmts = true;
    } else if (strcmp(ln, "cellXfs") == 0) {
        c->in_xfs = true;
    } else if (c->in_numfmts && strcmp(ln, "numFmt") == 0) {
        id = attr(atts, "numFmtId");
        code = attr(atts, "formatCode");
        if (!id || !code)
            return;
        if (c->nfmts == c->fmts_cap) {
            size_t cap = c->fmts_cap ? c->fmts_cap * 2 : 32;
            struct numfmt *n = realloc(c->fmts, cap * sizeof *n);
            if (!n) {
                xfail(&c->x, TAB_ERR_NOMEM);
                return;
            }
            c->fmts = n;
            c->fmts_cap = cap;
        }
        c->fmts[c->nfmts++] = (struct numfmt){ atoi(id), format_code_is_date(code) };
    } else if (c->in_xfs && strcmp(ln, "xf") == 0) {
        if (c->nxf >= MAX_XFS) {
            xfail(&c->x, TAB_ERR_FORMAT);
            return;
        }
        id = attr(atts, "numFmtId");
        if (push_int(&c->xf_fmt, &c->nxf, &c->xf_cap, id ? atoi(id) : 0) < 0) {
            xfail(&c->x, TAB_ERR_NOMEM);
            return;
        }
    }
}

static void styles_end(void *ud, const XML_Char *name)
{
    struct styles_ctx *c = ud;
    const char *ln = local_name(name);

    if (strcmp(ln, "numFmts") == 0)
        c->in_numfmts = false;
    else if (strcmp(ln, "cellXfs") == 0)
        c->in_xfs = false;
}

static int read_styles(tab_xlsx_reader *r, const char *path)
{
    int rc;
    struct styles_ctx c = { 0 };

    rc = parse_part(r->zip, path, false, &c.x, styles_start, styles_end, NULL);
    if (rc < 0)
        goto fail;
    if (c.nxf) {
        r->xf_date = calloc(c.nxf, sizeof *r->xf_date);
        if (!r->xf_date) {
            rc = TAB_ERR_NOMEM;
            goto fail;
        }
        r->nxf = c.nxf;
    }
    for (size_t i = 0; i < c.nxf; i++) {
        bool custom = false, date = false;
        /* A numFmt entry wins over the built-in meaning of its id. */
        for (size_t k = 0; k < c.nfmts && !custom; k++)
            if (c.fmts[k].id == c.xf_fmt[i])
                custom = true, date = c.fmts[k].date;
        r->xf_date[i] = custom ? date : builtin_is_date(c.xf_fmt[i]);
    }
fail:
    free(c.fmts);
    free(c.xf_fmt);
    return rc;
}

/* -- the worksheet -- */

/* Column of a cell reference such as "AB12", 0-based; -1 if there is none. */
static int ref_column(const char *ref)
{
    int col = 0, n = 0;

    for (; *ref; ref++, n++) {
        char c = (char)(*ref & ~0x20);
        if (c < 'A' || c > 'Z')
            break;
        if (n == 3)
            return -1;
        col = col * 26 + (c - 'A' + 1);
    }
    return n ? col - 1 : -1;
}

static void sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    tab_xlsx_reader *r = ud;
    const char *ln = local_name(name), *v;

    r->x.progress = true;
    if (!r->in_data) {
        if (strcmp(ln, "sheetData") == 0)
            r->in_data = true;
        return;
    }
    if (strcmp(ln, "row") == 0) {
        long n = r->row_no + 1; /* r= may be left out: then rows follow one another */
        if ((v = attr(atts, "r")) != NULL) {
            char *end;
            n = strtol(v, &end, 10);
            if (end == v || *end) {
                xfail(&r->x, TAB_ERR_FORMAT);
                return;
            }
        }
        if (n < 1 || n > TAB_MAX_ROWS) {
            xfail(&r->x, TAB_ERR_FORMAT);
            return;
        }
        r->row_no = (int)n;
        r->in_row = true;
        r->rowtxt.len = 0;
        for (int i = 0; i < r->ncols; i++)
            r->cell_off[i] = -1;
        r->ncols = 0;
        r->col = -1;
        r->cells_in_row = 0;
    } else if (strcmp(ln, "c") == 0 && r->in_row) {
        int col = -1;
        if ((v = attr(atts, "r")) != NULL)
            col = ref_column(v);
        if (col < 0)
            col = r->col + 1;
        if (col >= XLSX_MAX_COLUMN || ++r->cells_in_row > XLSX_MAX_COLUMN) {
            xfail(&r->x, TAB_ERR_FORMAT);
            return;
        }
        r->col = col;
        v = attr(atts, "t");
        if (!v || strcmp(v, "n") == 0)
            r->ctype = CT_NUMBER;
        else if (strcmp(v, "s") == 0)
            r->ctype = CT_SHARED;
        else if (strcmp(v, "inlineStr") == 0)
            r->ctype = CT_INLINE;
        else if (strcmp(v, "b") == 0)
            r->ctype = CT_BOOL;
        else if (strcmp(v, "e") == 0)
            r->ctype = CT_ERROR;
        else if (strcmp(v, "d") == 0)
            r->ctype = CT_DATE;
        else
            r->ctype = CT_STR;
        v = attr(atts, "s");
        r->cstyle = v ? strtol(v, NULL, 10) : 0;
        r->in_cell = true;
        r->in_is = r->collect = false;
        r->in_rph = 0;
        r->val.len = 0;
    } else if (r->in_cell) {
        if (strcmp(ln, "v") == 0)
            r->collect = true;
        else if (strcmp(ln, "is") == 0)
            r->in_is = true;
        else if (strcmp(ln, "rPh") == 0)
            r->in_rph++;
        else if (strcmp(ln, "t") == 0 && r->in_is && !r->in_rph)
            r->collect = true;
    }
}

static void sheet_text(void *ud, const XML_Char *s, int len)
{
    tab_xlsx_reader *r = ud;

    r->x.progress = true;
    if (!r->collect)
        return;
    if (r->val.len + (size_t)len > RAW_CELL_MAX) {
        xfail(&r->x, TAB_ERR_TOO_LARGE);
        return;
    }
    if (buf_add(&r->val, s, (size_t)len) < 0) {
        xfail(&r->x, TAB_ERR_NOMEM);
        return;
    }
}

/* Number as the cell shows it in General format, or as a date when its style is one. */
static bool format_number(tab_xlsx_reader *r, const char *txt, bool date, char *out, size_t outsz)
{
    char *end;
    double v;
    locale_t old;

    while (*txt == ' ')
        txt++;
    v = strtod_l(txt, &end, r->cloc);
    while (*end == ' ')
        end++;
    if (end == txt || *end || !isfinite(v))
        return false;
    if (date && serial_to_date(v, r->date1904, out, outsz))
        return true;
    if (v == 0)
        v = 0; /* no "-0" */
    old = uselocale(r->cloc);
    double mag = v < 0 ? -v : v;
    if (mag >= 1e15 && mag < 1e21) {
        /* Integral at this size; %.15g would switch to exponent form. Write the 15
         * significant digits Excel keeps, then zeros, as Excel does when it shows it as text. */
        char m[32];
        int exp, o = 0;
        snprintf(m, sizeof m, "%.14e", v); /* [-]d.dddddddddddddde+XX */
        const char *p = m;
        if (*p == '-')
            out[o++] = *p++;
        exp = atoi(strchr(p, 'e') + 1);
        out[o++] = *p++;
        p++; /* the point */
        for (int i = 0; i < 14; i++)
            out[o++] = *p++;
        for (int i = 14; i < exp; i++)
            out[o++] = '0';
        out[o] = '\0';
    } else if (mag < 1e15 && v == (double)(long long)v) {
        snprintf(out, outsz, "%lld", (long long)v); /* integers (phone numbers) are most */
    } else {
        snprintf(out, outsz, "%.15g", v);
    }
    uselocale(old);
    return true;
}

static void finish_cell(tab_xlsx_reader *r)
{
    char num[64];
    const char *s = r->val.p ? r->val.p : "";
    size_t len = r->val.len;

    switch (r->ctype) {
    case CT_SHARED: {
        char *end;
        unsigned long i;
        if (len == 0)
            break; /* <c t="s"/> without a value: an empty cell */
        i = strtoul(s, &end, 10);
        if (end == s || *end || i >= r->nsst) {
            xfail(&r->x, TAB_ERR_FORMAT);
            return;
        }
        s = r->sst.p + r->sst_off[i];
        len = strlen(s);
        break;
    }
    case CT_INLINE:
    case CT_STR:
        if (len)
            len = unescape_x(r->val.p, len);
        break;
    case CT_BOOL:
        if (strcmp(s, "1") == 0)
            s = "TRUE", len = 4;
        else if (strcmp(s, "0") == 0)
            s = "FALSE", len = 5;
        break;
    case CT_DATE: /* ISO 8601; midnight is just the date */
        if (len == 19 && strcmp(s + 10, "T00:00:00") == 0)
            len = 10;
        break;
    case CT_ERROR:
        break;
    case CT_NUMBER:
        if (len) {
            bool date = r->cstyle >= 0 && (size_t)r->cstyle < r->nxf && r->xf_date[r->cstyle];
            if (format_number(r, s, date, num, sizeof num))
                s = num, len = strlen(num);
        }
        break;
    }
    if (len == 0)
        return; /* empty cells are gaps, like cells that are absent */
    if (len > TAB_MAX_CELL || r->col >= TAB_MAX_COLS) {
        xfail(&r->x, TAB_ERR_TOO_LARGE);
        return;
    }
    /* Repeated references to one cell could otherwise pile up text without bound. */
    if (r->rowtxt.len + len > (size_t)TAB_MAX_COLS * (TAB_MAX_CELL + 1)) {
        xfail(&r->x, TAB_ERR_TOO_LARGE);
        return;
    }
    r->cell_off[r->col] = (int)r->rowtxt.len;
    if (buf_add(&r->rowtxt, s, len) < 0 || buf_add(&r->rowtxt, "", 1) < 0) {
        xfail(&r->x, TAB_ERR_NOMEM);
        return;
    }
    if (r->col >= r->ncols)
        r->ncols = r->col + 1;
}

static void sheet_end(void *ud, const XML_Char *name)
{
    tab_xlsx_reader *r = ud;
    const char *ln = local_name(name);

    if (!r->in_data)
        return;
    if (strcmp(ln, "sheetData") == 0) {
        r->in_data = false;
    } else if (strcmp(ln, "row") == 0) {
        r->in_row = false;
        if (r->ncols > 0) {
            /* A row with values: hand it out, continuing on the next call. */
            r->row_ready = true;
            r->ready_row = r->row_no;
            XML_StopParser(r->x.p, XML_TRUE);
        }
    } else if (r->in_cell) {
        if (strcmp(ln, "c") == 0) {
            r->in_cell = false;
            r->collect = false;
            finish_cell(r);
        } else if (strcmp(ln, "v") == 0 || strcmp(ln, "t") == 0) {
            r->collect = false;
        } else if (strcmp(ln, "is") == 0) {
            r->in_is = false;
        } else if (strcmp(ln, "rPh") == 0 && r->in_rph) {
            r->in_rph--;
        }
    }
}

int tab_xlsx_open(const char *data, size_t len, tab_xlsx_reader **out)
{
    int rc = TAB_ERR_NOMEM;
    tab_xlsx_reader *r;
    zip_error_t ze;
    struct parts pt = { 0 };
    zip_int64_t idx;

    *out = NULL;
    r = calloc(1, sizeof *r);
    if (!r)
        return TAB_ERR_NOMEM;
    for (int i = 0; i < TAB_MAX_COLS; i++)
        r->cell_off[i] = -1;
    r->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!r->cloc)
        goto fail;
    zip_error_init(&ze);
    r->src = zip_source_buffer_create(data, len, 0, &ze);
    if (r->src)
        r->zip = zip_open_from_source(r->src, ZIP_RDONLY, &ze);
    zip_error_fini(&ze);
    if (!r->src)
        goto fail;
    if (!r->zip) {
        rc = TAB_ERR_FORMAT;
        goto fail;
    }
    r->src = NULL; /* now owned by the archive */

    rc = find_parts(r, &pt);
    if (rc < 0)
        goto fail;
    /* Both are optional; when the relationships do not name them, try the usual names. */
    struct sst_ctx sc = { .r = r };
    rc = parse_part(r->zip, pt.sst ? pt.sst : "xl/sharedStrings.xml", false, &sc.x, sst_start, sst_end,
                    sst_text);
    if (rc < 0)
        goto fail;
    rc = read_styles(r, pt.styles ? pt.styles : "xl/styles.xml");
    if (rc < 0)
        goto fail;

    idx = locate(r->zip, pt.sheet);
    if (idx < 0) {
        rc = TAB_ERR_FORMAT;
        goto fail;
    }
    r->sheet = zip_fopen_index(r->zip, (zip_uint64_t)idx, 0);
    if (!r->sheet) {
        rc = TAB_ERR_FORMAT;
        goto fail;
    }
    if (!new_parser(&r->x, sheet_start, sheet_end, sheet_text)) {
        rc = TAB_ERR_NOMEM;
        goto fail;
    }
    rc = 0;
    *out = r;
    r = NULL;
fail:
    free(pt.sheet);
    free(pt.sst);
    free(pt.styles);
    tab_xlsx_close(r);
    return rc;
}

int tab_xlsx_next(tab_xlsx_reader *r, const char *const **cells, int *ncells, int *rowno)
{
    int rc;

    if (r->x.err)
        return r->x.err;
    r->row_ready = false;
    while (!r->row_ready) {
        enum XML_Status st;
        if (r->suspended) {
            r->suspended = false;
            st = XML_ResumeParser(r->x.p);
        } else if (r->fed_final) {
            return 0;
        } else {
            /* Decompress straight into expat's buffer, which also keeps the unparsed rest
             * of the data safe while the parser is suspended. */
            void *b = XML_GetBuffer(r->x.p, XML_CHUNK);
            if (!b) {
                rc = TAB_ERR_NOMEM;
                goto fail;
            }
            zip_int64_t n = zip_fread(r->sheet, b, XML_CHUNK);
            if (n < 0) {
                rc = TAB_ERR_FORMAT;
                goto fail;
            }
            r->fed_final = (n == 0);
            st = XML_ParseBuffer(r->x.p, (int)n, r->fed_final);
            if (st != XML_STATUS_ERROR && (rc = note_fed(&r->x, n)) < 0)
                goto fail;
        }
        if (st == XML_STATUS_ERROR) {
            rc = r->x.err ? r->x.err : TAB_ERR_FORMAT;
            goto fail;
        }
        if (st == XML_STATUS_SUSPENDED)
            r->suspended = true;
    }
    for (int i = 0; i < r->ncols; i++)
        r->ptrs[i] = r->cell_off[i] >= 0 ? r->rowtxt.p + r->cell_off[i] : "";
    *cells = r->ptrs;
    *ncells = r->ncols;
    *rowno = r->ready_row;
    return 1;
fail:
    r->x.err = rc;
    return rc;
}

void tab_xlsx_close(tab_xlsx_reader *r)
{
    if (!r)
        return;
    if (r->x.p)
        XML_ParserFree(r->x.p);
    if (r->sheet)
        zip_fclose(r->sheet);
    if (r->zip)
        zip_discard(r->zip);
    if (r->src)
        zip_source_free(r->src);
    if (r->cloc)
        freelocale(r->cloc);
    free(r->sst.p);
    free(r->sst_off);
    free(r->xf_date);
    free(r->val.p);
    free(r->rowtxt.p);
    free(r);
}

/* ---- writer ---- */

#define WIDTH_SAMPLE_ROWS 1000 /* column widths are judged from the first rows only */

struct tab_xlsx_writer {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *head;
    char *path;
    locale_t cloc;
    lxw_row_t row;
    int head_cols;
    int err;
    int ncols_seen;
    unsigned char width[TAB_MAX_COLS]; /* widest text seen, in Excel character units */
    char *esc; /* scratch for escape_x */
    size_t esc_cap;
};

static int map_lxw(lxw_error e)
{
    switch (e) {
    case LXW_NO_ERROR:
        return 0;
    case LXW_ERROR_MEMORY_MALLOC_FAILED:
        return TAB_ERR_NOMEM;
    case LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED:
    case LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE:
        return TAB_ERR_TOO_LARGE;
    default:
        return TAB_ERR_IO;
    }
}

/* Excel's rules for sheet names: at most 31 characters, none of []:*?/\ and no apostrophe at
 * either end. A name from configuration is bent to fit rather than refused. */
static void sheet_name(const char *in, char *out, size_t outsz)
{
    size_t o = 0;
    int chars = 0;

    if (!in || !*in)
        in = "Sheet1";
    for (const unsigned char *s = (const unsigned char *)in; *s && chars < 31; chars++) {
        size_t n = *s < 0x80 ? 1 : *s < 0xE0 ? 2 : *s < 0xF0 ? 3 : 4;
        if (o + n + 1 > outsz)
            break;
        for (size_t k = 0; k < n; k++)
            if (!s[k]) /* truncated sequence at the end */
                n = k;
        if (n == 1 && strchr("[]:*?/\\", *s))
            out[o++] = '_';
        else
            memcpy(out + o, s, n), o += n;
        s += n ? n : 1;
    }
    out[o] = '\0';
    if (o && out[0] == '\'')
        out[0] = '_';
    if (o && out[o - 1] == '\'')
        out[o - 1] = '_';
    if (!o)
        snprintf(out, outsz, "Sheet1");
}

/* Width in Excel's units (the width of '0'): CJK and other wide characters take two. */
static int display_width(const char *s)
{
    int w = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80)
            w++;
        else if ((*p & 0xC0) == 0xC0) /* the lead byte of a multi-byte character */
            w += *p >= 0xE1 ? 2 : 1; /* U+1000 and up: CJK, kana, hangul, full-width forms */
    }
    return w;
}

int tab_xlsx_writer_open(const char *path, const char *sheet, tab_xlsx_writer **out)
{
    int rc = TAB_ERR_NOMEM;
    tab_xlsx_writer *w;
    FILE *f;
    char name[32 * 4 + 1];
    lxw_workbook_options opt = { .constant_memory = LXW_TRUE };

    *out = NULL;
    /* libxlsxwriter only creates the file at close; find out now if that will fail. */
    f = fopen(path, "wb");
    if (!f)
        return TAB_ERR_IO;
    fclose(f);
    w = calloc(1, sizeof *w);
    if (!w)
        goto fail;
    w->path = strdup(path);
    w->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!w->path || !w->cloc)
        goto fail;
    w->wb = workbook_new_opt(path, &opt);
    if (!w->wb)
        goto fail;
    sheet_name(sheet, name, sizeof name);
    w->ws = workbook_add_worksheet(w->wb, name);
    w->head = workbook_add_format(w->wb);
    if (!w->ws || !w->head) {
        rc = TAB_ERR_IO;
        goto fail;
    }
    format_set_bold(w->head);
    format_set_pattern(w->head, LXW_PATTERN_SOLID);
    format_set_bg_color(w->head, 0xDDEBF7); /* light blue, as Excel's own table headers */
    worksheet_freeze_panes(w->ws, 1, 0);
    *out = w;
    return 0;
fail:
    if (w) {
        if (w->wb)
            workbook_close(w->wb); /* the only way to free it; writes an empty file */
        if (w->cloc)
            freelocale(w->cloc);
        free(w->path);
        free(w);
    }
    unlink(path);
    return rc;
}

/* Is s[0..] an _xHHHH_ escape as Excel writes them? */
static bool is_x_escape(const char *s)
{
    if (s[0] != '_' || s[1] != 'x')
        return false;
    for (int k = 2; k < 6; k++) {
        char c = (char)(s[k] | 0x20);
        if (!((s[k] >= '0' && s[k] <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return s[6] == '_';
}

/* libxlsxwriter escapes control characters as _xHHHH_ but leaves text that already looks like
 * such an escape alone, so Excel (and our reader) would turn a literal "_x0041_" into "A".
 * Excel's own answer is to escape the underscore: "_x005F_x0041_". Returns s itself when
 * nothing needs escaping, else w->esc. */
static const char *escape_x(tab_xlsx_writer *w, const char *s, int *rc)
{
    const char *p = strstr(s, "_x");
    size_t o = 0, len;

    *rc = 0;
    while (p && !is_x_escape(p))
        p = strstr(p + 1, "_x");
    if (!p)
        return s;
    len = strlen(s);
    if (len * 7 + 1 > w->esc_cap) { /* every character an escaped underscore, at worst */
        char *n = realloc(w->esc, len * 7 + 1);
        if (!n) {
            *rc = TAB_ERR_NOMEM;
            return NULL;
        }
        w->esc = n;
        w->esc_cap = len * 7 + 1;
    }
    for (p = s; *p; p++) {
        if (is_x_escape(p)) {
            memcpy(w->esc + o, "_x005F", 6);
            o += 6;
        }
        w->esc[o++] = *p;
    }
    w->esc[o] = '\0';
    return w->esc;
}

static bool parse_number(tab_xlsx_writer *w, const char *s, double *v)
{
    char *end;

    /* strtod would also take hex, "inf" and "nan", none of which is a number to a clerk. */
    if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+' || *s == '.') || strpbrk(s, "xX"))
        return false;
    *v = strtod_l(s, &end, w->cloc);
    return end != s && *end == '\0' && isfinite(*v);
}

int tab_xlsx_write_row(tab_xlsx_writer *w, const char *const *cells, const int *is_number, int n)
{
    int rc;
    lxw_error e;

    if (w->err)
        return w->err;
    if (w->row >= TAB_MAX_ROWS || n > XLSX_MAX_COLUMN) {
        rc = TAB_ERR_TOO_LARGE;
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        const char *s = cells[i];
        lxw_format *fmt = w->row == 0 ? w->head : NULL;
        double v;
        if (!s || !*s) {
            /* Blank header cells still get the header fill, so the band is unbroken. */
            e = fmt ? worksheet_write_blank(w->ws, w->row, (lxw_col_t)i, fmt) : LXW_NO_ERROR;
        } else if (is_number && is_number[i] && parse_number(w, s, &v)) {
            e = worksheet_write_number(w->ws, w->row, (lxw_col_t)i, v, fmt);
        } else {
            /* Always a string cell, never a formula: no injection risk in XLSX. */
            const char *t = escape_x(w, s, &rc);
            if (!t)
                goto fail;
            e = worksheet_write_string(w->ws, w->row, (lxw_col_t)i, t, fmt);
        }
        if (e != LXW_NO_ERROR) {
            rc = map_lxw(e);
            goto fail;
        }
        if (s && w->row < WIDTH_SAMPLE_ROWS && i < TAB_MAX_COLS) {
            int dw = display_width(s);
            if (w->row == 0)
                dw += 3; /* room for the autofilter button */
            if (dw > w->width[i])
                w->width[i] = (unsigned char)(dw > 255 ? 255 : dw);
            if (i >= w->ncols_seen)
                w->ncols_seen = i + 1;
        }
    }
    if (w->row == 0)
        w->head_cols = n;
    w->row++;
    return 0;
fail:
    w->err = rc;
    return rc;
}

int tab_xlsx_writer_close(tab_xlsx_writer *w)
{
    int rc = w->err;
    lxw_error e;

    if (!rc && w->row > 0 && w->head_cols > 0)
        worksheet_autofilter(w->ws, 0, 0, w->row - 1, (lxw_col_t)(w->head_cols - 1));
    for (int i = 0; i < w->ncols_seen; i++) {
        /* Between 8 and 50 characters wide, with a little padding. */
        double width = w->width[i] + 2;
        width = width < 8 ? 8 : width > 50 ? 50 : width;
        worksheet_set_column(w->ws, (lxw_col_t)i, (lxw_col_t)i, width, NULL);
    }
    e = workbook_close(w->wb);
    if (!rc && e != LXW_NO_ERROR)
        rc = map_lxw(e) == TAB_ERR_NOMEM ? TAB_ERR_NOMEM : TAB_ERR_IO;
    if (rc < 0)
        unlink(w->path);
    freelocale(w->cloc);
    free(w->path);
    free(w->esc);
    free(w);
    return rc;
}
