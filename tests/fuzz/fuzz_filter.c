/* fuzz_filter.c: the list filter parser (crud.c crud_where / crud_order: field filters with
 * __gte/__lte/__gt/__lt/__ne/__in/__null, unit subtrees, tags, sensitive exact matches, q, sort)
 * with the caller's scope, on the demo district of fixture.c. An input is three lines:
 *
 *     persons                                   the record kind (any declared resource)
 *     community_worker                          the caller (a demo account; else district_admin)
 *     org_id=5&birth_date__lte=1960-01-01&sort=-name    the query string, decoded as a server does
 *
 * Oracles: a filter is either refused with 400 invalid_filter naming the parameter, or becomes
 * SQL that prepares (a failure to prepare means input reached the SQL text); and every row it
 * selects lies in the caller's read scope, so no filter opens a side door out of it. */
#include "crud_internal.h"
#include "fixture.h"
#include "fuzz_util.h"
#include "resource.h"
#include "scope.h"
#include "sqlb.h"
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_filter: %s: %s\n", what, detail);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct fuzz_fixture *f = fuzz_fixture();
    char *buf = fuzz_text(data, size);
    size_t pos = 0;
    struct fuzz_role *role;
    const struct resource *res = fuzz_kind_and_role(f, buf, size, &pos, &role);
    char *qs = fuzz_next_line(buf, size, &pos);
    if (!res) { free(buf); return 0; }

    db_conn *c = db_acquire(f->d);
    req r;
    req_init_cli(&r, c, &role->p, "GET");
    r.res = res;
    if (qs) {
        const char **pairs;
        fuzz_query_pairs(qs, &r.a, &pairs, &r.ncli_query);
        r.cli_query = pairs;
    }
    db_begin_read(c);
    sqlb q, where;
    int refused = crud_select(&r, res, &q, &where);
    if (refused) {
        if (r.status != 400) fail("refused without a 400", r.resp_body ? r.resp_body : "(no answer)");
        /* the refusal names the parameter, in "fields" and "field_codes" alike */
        json_t *j = json_loadb(r.resp_body, r.resp_len, 0, NULL);
        json_t *e = json_object_get(j, "error");
        if (json_object_size(json_object_get(e, "fields")) != 1 || json_object_size(json_object_get(e, "field_codes")) != 1)
            fail("refusal without its parameter", r.resp_body ? r.resp_body : "(no answer)");
        json_decref(j);
    } else {
        db_stmt *s = sqlb_prepare(&q, c);
        if (!s) fail("list SQL does not prepare", db_errmsg(c));
        for (int i = 0; i < 50 && db_step(s) == DB_ROW; i++) {}
        db_done(s);
        /* every row the filter selects is inside the caller's read scope */
        if ((res->flags & R_SCOPED) && !(res->flags & R_GLOBAL_READ)) {
            sqlb sq;
            sqlb_init(&sq, &r.a);
            sqlb_sql(&sq, (res->flags & R_NO_VERSION) ? "SELECT t.org_path, t.org_id, NULL" : "SELECT t.org_path, t.org_id, t.created_by");
            sqlb_append(&sq, &where);
            sqlb_sql(&sq, " LIMIT 500");
            s = sqlb_prepare(&sq, c);
            if (!s) fail("scope SQL does not prepare", db_errmsg(c));
            const char *perm = resource_read_perm(res, &r.a);
            while (db_step(s) == DB_ROW)
                if (!scope_allows(&role->p, perm, db_col_text(s, 0), db_col_int(s, 1), db_col_int(s, 2)))
                    fail("row outside the caller's scope", db_col_text(s, 0));
            db_done(s);
        }
    }
    db_rollback(c);
    req_free_cli(&r);
    db_release(c);
    free(buf);
    return 0;
}
