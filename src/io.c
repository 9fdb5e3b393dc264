/* io.c: CSV and XLSX export and import for every declared record. Export uses the list's filters
 * and scope; columns are labelled in the caller's language and dictionary codes are written as
 * labels, so a sheet reads well in Excel and imports back. Import maps headers by field name or
 * label, checks every row through the same validation as the API, and commits all rows or none;
 * with dry_run=1 it does everything and rolls back, answering the row-level errors. */
#include "resource.h"
#include "audit.h"
#include "crud_internal.h"
#include "dict.h"
#include "log.h"
#include "org.h"
#include "tabio.h"
#include "import_pipe.h"
#include "import_row.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ROW_ERRORS 1000

static int exportable(const struct field *f) { return f->type != FT_PASSWORD && !(f->flags & (F_NOIMPORT | F_COMPUTED)); }

/* Text of one field of a record as a cell: dictionary labels, tags joined, booleans 是/否. */
static const char *cell_text(req *r, const struct field *f, json_t *v, int *is_number) {
    *is_number = 0;
    if (!v || json_is_null(v)) return NULL;
    switch (f->type) {
    case FT_INT: case FT_MONEY: case FT_REF: case FT_ORG:
        *is_number = 1;
        return arena_printf(&r->a, "%lld", (long long)json_integer_value(v));
    case FT_BOOL: return json_is_true(v) ? (r->lang_en ? "yes" : "是") : (r->lang_en ? "no" : "否");
    case FT_DICT: return dict_label(r->dbc, f->dict, json_string_value(v), r->lang_en, &r->a);
    case FT_TAGS: {
        sbuf b;
        sbuf_init(&b, &r->a);
        size_t i;
        json_t *t;
        json_array_foreach(v, i, t) {
            if (i) sbuf_puts(&b, r->lang_en ? ", " : "、");
            sbuf_puts(&b, f->dict ? dict_label(r->dbc, f->dict, json_string_value(t), r->lang_en, &r->a) : json_string_value(t));
        }
        return sbuf_str(&b);
    }
    case FT_REFS: {
        sbuf b;
        sbuf_init(&b, &r->a);
        size_t i;
        json_t *t;
        json_array_foreach(v, i, t) sbuf_printf(&b, i ? ",%lld" : "%lld", (long long)json_integer_value(t));
        return sbuf_str(&b);
    }
    case FT_JSON: {
        char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
        const char *out = text ? arena_strdup(&r->a, text) : NULL;
        free(text);
        return out;
    }
    default: return json_is_string(v) ? json_string_value(v) : NULL;
    }
}

/* The export's temporary file could not be made or written (its disk full or read-only): 503 with
 * Retry-After as for the database's own disk, and a line in the log naming the file. */
static int export_file_failed(req *r, const char *path) {
    int e = errno;
    log_warn("msg=\"cannot write the export file\" path=%s err=\"%s\"", path, strerror(e));
    unlink(path);
    return resp_db_error(r, db_errno_fault(e));
}

static int crud_export(req *r, enum tab_format fmt) {
    const struct resource *res = r->res;
    if (!(res->flags & R_EXPORT)) return resp_error(r, 405, "method_not_allowed", "该类记录不支持导出", "Records of this kind cannot be exported");
    if (!(res->flags & R_GLOBAL_READ) && !principal_can(r->who, resource_read_perm(res, &r->a)))
        return resp_error(r, 403, "forbidden", "没有权限导出", "Not permitted");
    /* a payment list needs full ID numbers: permitted callers ask with unmask=1, and it is audited */
    int unmask = wants_unmask(r, res);
    if (unmask < 0) return 0;
    sqlb where, q;
    if (crud_select(r, res, &q, &where)) return 0;

    char path[] = "/tmp/shequ-export-XXXXXX";
    int tmpfd = mkstemp(path);
    if (tmpfd < 0) return export_file_failed(r, path);
    close(tmpfd);
    tab_writer *w = NULL;
    if (tab_writer_open(fmt, path, res->label_zh, &w) != 0) return export_file_failed(r, path);
    int ncols = 1;
    for (int i = 0; i < res->nfields; i++) if (exportable(&res->fields[i])) ncols++;
    const char **cells = arena_alloc(&r->a, sizeof *cells * (size_t)ncols);
    int *isnum = arena_alloc(&r->a, sizeof *isnum * (size_t)ncols);
    int c = 0;
    cells[c++] = r->lang_en ? "ID" : "编号";
    for (int i = 0; i < res->nfields; i++)
        if (exportable(&res->fields[i])) cells[c++] = r->lang_en ? res->fields[i].label_en : res->fields[i].label_zh;
    tab_write_row(w, cells, NULL, ncols);

    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) { tab_writer_close(w); unlink(path); return -1; }
    db_stream(s);                       /* rows in batches: memory stays bounded however many */
    int rc;
    int64_t rows = 0;
    arena row_arena;
    arena saved = r->a;
    while ((rc = db_step(s)) == DB_ROW) {
        arena_init(&row_arena);
        r->a = row_arena;
        json_t *rec;
        record_row_json_unmask(r, res, s, &rec, unmask);
        c = 0;
        isnum[c] = 1;
        cells[c++] = arena_printf(&r->a, "%lld", (long long)json_integer_value(json_object_get(rec, "id")));
        for (int i = 0; i < res->nfields; i++) {
            const struct field *f = &res->fields[i];
            if (!exportable(f)) continue;
            cells[c] = cell_text(r, f, json_object_get(rec, f->name), &isnum[c]);
            c++;
        }
        tab_write_row(w, cells, isnum, ncols);
        json_decref(rec);
        row_arena = r->a;
        r->a = saved;
        arena_free(&row_arena);
        rows++;
    }
    r->a = saved;
    db_done(s);
    if (tab_writer_close(w) != 0 && rc >= 0) return export_file_failed(r, path);
    if (rc < 0) { unlink(path); return rc; }
    int fd = open(path, O_RDONLY);
    unlink(path);                       /* the open descriptor keeps the file until it is sent */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { if (fd >= 0) close(fd); return -1; }

    /* what was exported, by whom, with which filters */
    json_t *filters = json_object();
    const char *qs[] = {"q", "sort", NULL};
    for (int i = 0; qs[i]; i++) if (req_query(r, qs[i])) json_object_set_new(filters, qs[i], json_string(req_query(r, qs[i])));
    for (int i = 0; i < res->nfields; i++)
        if (req_query(r, res->fields[i].name)) json_object_set_new(filters, res->fields[i].name, json_string(req_query(r, res->fields[i].name)));
    json_t *detail = json_pack("{s:s,s:I,s:o,s:b}", "format", fmt == TAB_CSV ? "csv" : "xlsx", "rows", (json_int_t)rows,
                               "filters", filters, "unmasked", unmask);
    rc = audit_log(r, "export", res->name, 0, r->who->org_path, unmask ? "导出数据（含完整敏感信息）" : "导出数据", detail);
    json_decref(detail);
    if (rc) { close(fd); return rc; }
    char today[11];
    today_cn(today);
    const char *fname = arena_printf(&r->a, "%s-%s.%s", res->name, today, fmt == TAB_CSV ? "csv" : "xlsx");
    resp_header(r, "X-Total-Count", arena_printf(&r->a, "%lld", (long long)rows));
    return resp_file(r, 200, fmt == TAB_CSV ? "text/csv; charset=utf-8"
                                           : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     fd, (size_t)st.st_size, fname);
}

int crud_export_csv(req *r) { return crud_export(r, TAB_CSV); }
int crud_export_xlsx(req *r) { return crud_export(r, TAB_XLSX); }

/* ---------- import ---------- */

static const struct field *field_for_header(const struct resource *res, const char *h) {
    while (*h == ' ') h++;
    for (int i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (!strcmp(f->name, h) || !strcmp(f->label_zh, h) || !strcasecmp(f->label_en, h)) return f;
    }
    return NULL;
}

void import_row_error(req *r, json_t *errors, int row, const char *field, const char *code, const char *msg) {
    if (json_array_size(errors) >= MAX_ROW_ERRORS) return;
    json_array_append_new(errors, json_pack("{s:i,s:s?,s:s,s:s}", "row", row, "field", field, "code", code, "message", msg));
}

/* The row loop on one thread, for records whose hooks read the database or write other
 * records: each row through record_save, exactly as POST /api/v1/{res} would. */
static void import_serial_run(struct import_run *run) {
    req *r = run->r;
    const char *const *cells;
    int ncells, rc;
    arena saved = r->a;
    arena_init(&r->a);
    while ((rc = tab_next(run->tr, &cells, &ncells)) > 0) {
        int rowno = tab_row_number(run->tr);
        run->rows++;
        arena_reset(&r->a);
        int extra;
        json_t *in = import_row_json(r, NULL, run->map, run->nhead, cells, ncells, &extra);
        if (extra) {
            /* a value under no column (an unquoted comma, a shifted row): never dropped silently */
            import_row_error(r, run->errors, rowno, NULL, "extra_cells",
                             r->lang_en ? "The row has more cells than the header" : "该行的单元格多于表头列数");
            json_decref(in);
            continue;
        }
        struct colvals cols;
        struct write_ctx w;
        write_ctx_init(&w, r, run->res, &cols);
        w.creating = 1;
        w.importing = 1;
        w.in = in;
        int src = record_save(&w, 0);
        if (src == 0) run->ok_rows++;
        else if (src == SAVE_INVALID) {
            const char *k;
            json_t *v;
            json_object_foreach(w.errors, k, v)
                import_row_error(r, run->errors, rowno, k, json_string_value(json_object_get(w.error_codes, k)), json_string_value(v));
        } else {
            run->failed_db = src;
        }
        write_ctx_free(&w);
        json_decref(in);
        if (run->failed_db) break;
    }
    arena_free(&r->a);
    r->a = saved;
    run->tab_rc = rc < 0 ? rc : 0;
}

int crud_import(req *r) {
    const struct resource *res = r->res;
    if (!(res->flags & R_IMPORT)) return resp_error(r, 405, "method_not_allowed", "该类记录不支持导入", "Records of this kind cannot be imported");
    if (!principal_can(r->who, resource_write_perm(res, &r->a)))
        return resp_error(r, 403, "forbidden", "没有权限导入此类记录", "Not permitted to import these records");
    const char *dr = req_query(r, "dry_run");
    int dry = dr && (!strcmp(dr, "1") || !strcmp(dr, "true"));
    if (!r->body_len) return resp_error(r, 400, "body_required", "请上传 CSV 或 XLSX 文件", "Upload a CSV or XLSX file");
    enum tab_format fmt = tab_sniff(r->body, r->body_len);
    tab_reader *tr = NULL;
    int rc = tab_open(fmt, r->body, r->body_len, &tr);
    if (rc != 0) return resp_error(r, 400, "bad_file", "无法读取文件：请上传 UTF-8 或 GBK 编码的 CSV，或 XLSX 文件",
                                   "Cannot read the file: upload CSV (UTF-8 or GBK) or XLSX");
    const char *const *cells;
    int ncells;
    rc = tab_next(tr, &cells, &ncells);
    if (rc <= 0) { tab_close(tr); return resp_error(r, 400, "bad_file", "文件为空或没有表头", "The file is empty or has no header row"); }
    const struct field **map = arena_alloc(&r->a, sizeof *map * (size_t)ncells);
    int nhead = ncells;                 /* rows may be longer than the header: map has nhead entries */
    json_t *unknown = json_array();
    for (int i = 0; i < ncells; i++) {
        map[i] = field_for_header(res, cells[i]);
        int is_id = !strcmp(cells[i], "id") || !strcmp(cells[i], "编号") || !strcasecmp(cells[i], "ID");
        if (!map[i] && !is_id && *cells[i]) json_array_append_new(unknown, json_string(cells[i]));
        if (map[i] && (map[i]->flags & F_READONLY)) map[i] = NULL;      /* exported columns that are derived */
    }
    if (json_array_size(unknown)) {
        tab_close(tr);
        json_t *e = json_pack("{s:s,s:s,s:o}", "code", "unknown_columns", "message",
                              r->lang_en ? "Columns not recognised" : "无法识别的列", "columns", unknown);
        r->error_code = "unknown_columns";
        return resp_json(r, 400, json_pack("{s:o}", "error", e));
    }
    json_decref(unknown);

    struct import_run run = {.r = r, .res = res, .tr = tr, .map = map, .nhead = nhead, .dry = dry,
                              .errors = json_array()};
    if (import_pipe_fits(res)) import_pipe_run(&run);
    else import_serial_run(&run);
    tab_close(tr);
    json_t *errors = run.errors;
    int64_t rows = run.rows, ok_rows = run.ok_rows;
    int failed_db = run.failed_db;
    rc = run.tab_rc;
    if (failed_db) { json_decref(errors); return failed_db < 0 ? failed_db : -1; }
    if (rc < 0) {
        json_decref(errors);
        return resp_error(r, rc == TAB_ERR_TOO_LARGE ? 413 : 400, rc == TAB_ERR_TOO_LARGE ? "file_too_large" : "bad_file",
                          rc == TAB_ERR_TOO_LARGE ? "文件行数或列数超出限制" : "文件格式错误，无法读取",
                          rc == TAB_ERR_TOO_LARGE ? "Too many rows or columns" : "The file is malformed");
    }
    int nerr = (int)json_array_size(errors);
    json_t *summary = json_pack("{s:I,s:I,s:i,s:b}", "rows", (json_int_t)rows, "valid_rows", (json_int_t)ok_rows,
                                "error_count", nerr, "dry_run", dry);
    if (nerr || dry) {
        /* nothing stays: dry runs and files with any bad row are rolled back whole */
        r->discard = 1;
        if (dry) return resp_data(r, 200, json_pack("{s:o,s:o}", "summary", summary, "rows", errors));
        {
            json_t *e = json_pack("{s:s,s:s,s:o,s:o}", "code", "import_failed", "message",
                                  r->lang_en ? "Some rows are invalid; nothing was imported" : "部分行有错误，未导入任何数据",
                                  "summary", summary, "rows", errors);
            r->error_code = "import_failed";
            return resp_json(r, 422, json_pack("{s:o}", "error", e));
        }
    }
    json_decref(errors);
    json_t *detail = json_pack("{s:I,s:s}", "rows", (json_int_t)ok_rows, "format", fmt == TAB_CSV ? "csv" : "xlsx");
    rc = audit_log(r, "import", res->name, 0, r->who->org_path, "导入数据", detail);
    json_decref(detail);
    if (rc) { json_decref(summary); return rc; }
    return resp_data(r, 200, json_pack("{s:o,s:I}", "summary", summary, "imported", (json_int_t)ok_rows));
}
