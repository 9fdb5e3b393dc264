/* fuzz_record_json.c: JSON bodies decoded into declared records - req_json (jansson, duplicate
 * keys refused), validate_record (every field type's rules: lengths, dates, dictionaries,
 * references in scope, ID numbers, phones, passwords, tags) and the record kinds' own hooks -
 * through crud_create / crud_update, each inside a write transaction that is rolled back, so the
 * demo district (fixture.c) stays as it was. An input is:
 *
 *     persons                 the record kind
 *     community_worker        the caller (a demo account; else district_admin)
 *     12                      an id to update (its current version goes in If-Match), or empty to create
 *     {"name":"张三","id_number":"410105198001010019","org_id":7}
 *
 * Oracles: the answer is a success (201/200) or a client error with a JSON body, never an
 * internal error; a refused write names its fields in "fields" and "field_codes" alike; a field
 * the record does not declare is never accepted. */
#include "crud_internal.h"
#include "fixture.h"
#include "fuzz_util.h"
#include "resource.h"
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what, req *r) {
    fprintf(stderr, "fuzz_record_json: %s: %s -> %d %.*s\n", what, r->res ? r->res->name : "?", r->status,
            (int)(r->resp_len < 400 ? r->resp_len : 400), r->resp_body ? r->resp_body : "");
    abort();
}

/* What validate.c lets through without a field of that name (is_system_key there). */
static int is_system_key(const char *k) {
    static const char *sys[] = {"id", "version", "created_at", "updated_at", "created_by", "updated_by",
                                "org_path", "district_code", "org_name", "deleted_at", NULL};
    for (int i = 0; sys[i]; i++) if (strcmp(k, sys[i]) == 0) return 1;
    return k[0] == '_';
}

/* An input naming a field the record does not declare must be refused (422 unknown_field). */
static void check_unknown_refused(req *r) {
    if (r->status >= 300 || !json_is_object(r->json)) return;
    const char *k;
    json_t *v;
    json_object_foreach(r->json, k, v)
        if (!resource_field(r->res, k) && !is_system_key(k)) fail("unknown field accepted", r);
}

static void check_answer(req *r) {
    if (r->status != 200 && r->status != 201 && (r->status < 400 || r->status >= 500)) fail("status", r);
    json_t *j = r->resp_body ? json_loadb(r->resp_body, r->resp_len, 0, NULL) : NULL;
    if (!j) fail("answer is not JSON", r);
    json_t *e = json_object_get(j, "error");
    if (r->status >= 400 && !json_is_string(json_object_get(e, "code"))) fail("error without a code", r);
    json_t *fields = json_object_get(e, "fields"), *codes = json_object_get(e, "field_codes");
    if ((fields || codes) && json_object_size(fields) != json_object_size(codes)) fail("fields and field_codes differ", r);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct fuzz_fixture *f = fuzz_fixture();
    char *buf = fuzz_text(data, size);
    size_t pos = 0;
    struct fuzz_role *role;
    const struct resource *res = fuzz_kind_and_role(f, buf, size, &pos, &role);
    char *idline = fuzz_next_line(buf, size, &pos);
    if (!res || !idline) { free(buf); return 0; }
    int64_t id = *idline ? strtoll(idline, NULL, 10) : 0;

    db_conn *c = db_acquire(f->d);
    req r;
    req_init_cli(&r, c, &role->p, id ? "PATCH" : "POST");
    r.res = res;
    r.body = buf + pos;
    r.body_len = size - pos;
    const char *hdrs[2] = {"If-Match", NULL};
    char idtext[24];
    if (id) {
        int64_t version = 1;
        db_query_int(c, arena_printf(&r.a, "SELECT version FROM %s WHERE id = ?", res->table), &version, "i", id);
        hdrs[1] = arena_printf(&r.a, "\"%lld\"", (long long)version);
        r.cli_headers = hdrs;
        r.ncli_headers = 1;
        snprintf(idtext, sizeof idtext, "%lld", (long long)id);
        r.params[0] = idtext;
        r.nparams = 1;
    }
    db_begin_write(c);
    int rc = id ? crud_update(&r) : crud_create(&r);
    if (getenv("FUZZ_TRACE"))             /* what each input got: for writing seeds */
        fprintf(stderr, "%s %s -> %d %.*s\n", res->name, id ? idline : "new", r.status,
                (int)(r.resp_len < 300 ? r.resp_len : 300), r.resp_body ? r.resp_body : "");
    if (rc != 0 || !r.status) fail("internal error", &r);
    check_answer(&r);
    check_unknown_refused(&r);
    db_rollback(c);
    r.body = NULL;
    req_free_cli(&r);
    db_release(c);
    free(buf);
    return 0;
}
