/* fuzz_import.c: CSV and XLSX import - tabio.c's readers (libcsv with the UTF-8 / GB18030
 * decision, libzip + expat for XLSX: shared and inline strings, date styles, limits) and then
 * the import itself (io.c: header mapping, every row through validation, the threaded pipeline
 * for persons) as a dry run of each importable record kind, by a community worker, inside a
 * transaction that is rolled back. The input is the file's bytes.
 *
 * Oracles: every cell tabio returns is valid UTF-8 of the length its NUL says, row numbers
 * never go back, an unreadable file is an error code, not a crash; an import answers 200 or a
 * client error with a JSON body (never an internal error), and a dry run leaves nothing. */
#include "crud_internal.h"
#include "fixture.h"
#include "fuzz_util.h"
#include "resource.h"
#include "tabio.h"
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void fail(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_import: %s: %s\n", what, detail);
    abort();
}

static void read_all(const char *data, size_t size) {
    tab_reader *tr;
    enum tab_format fmt = tab_sniff(data, size);
    if (tab_open(fmt, data, size, &tr) != 0) return;
    const char *const *cells;
    int ncells, rc, last = 0;
    while ((rc = tab_next(tr, &cells, &ncells)) == 1) {
        if (ncells < 0) fail("negative cell count", "");
        for (int i = 0; i < ncells; i++) {
            if (!cells[i]) fail("NULL cell", "");
            if (!fuzz_utf8_valid(cells[i], strlen(cells[i]))) fail("cell is not UTF-8", cells[i]);
        }
        int row = tab_row_number(tr);
        if (row < last || row < 1) fail("row numbers go back", "");
        last = row;
    }
    if (rc < TAB_ERR_NOMEM) fail("unknown error code", "");
    tab_close(tr);
}

static void import_dry(struct fuzz_fixture *f, const struct resource *res, const char *data, size_t size) {
    db_conn *c = db_acquire(f->d);
    req r;
    req_init_cli(&r, c, &f->roles[2].p, "POST");          /* community_worker: scope applies */
    static const char *q[] = {"dry_run", "1"};
    r.cli_query = q;
    r.ncli_query = 1;
    r.res = res;
    r.body = (char *)data;
    r.body_len = size;
    int64_t before = 0, after = 0;
    const char *count = arena_printf(&r.a, "SELECT count(*) FROM %s", res->table);
    db_query_int(c, count, &before, NULL);
    http_run_handler(&r, crud_import);
    if (r.status != 200 && (r.status < 400 || r.status >= 500)) fail("status", r.resp_body ? r.resp_body : "");
    json_t *j = r.resp_body ? json_loadb(r.resp_body, r.resp_len, 0, NULL) : NULL;
    if (!j) fail("answer is not JSON", res->name);
    json_decref(j);
    db_query_int(c, count, &after, NULL);
    if (after != before) fail("a dry run left rows", res->name);
    r.body = NULL;
    req_free_cli(&r);
    db_release(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct fuzz_fixture *f = fuzz_fixture();
    /* the readers get exactly the bytes, no terminating NUL to lean on */
    char *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    read_all(copy, size);
    for (int i = 0; i < resources_count; i++)
        if (resources[i]->flags & R_IMPORT) import_dry(f, resources[i], copy, size);
    free(copy);
    return 0;
}
