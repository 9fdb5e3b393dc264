/* meta.c: /api/v1/meta (every declared record with its fields, labels and dictionaries, and what
 * the caller may do with it - the console builds its pages from this), the route table, the
 * audit-log endpoints, and the OpenAPI 3 document generated from the same declarations. */
#include "api.h"
#include "dict.h"
#include "resource.h"
#include "router.h"
#include <string.h>

static const char *type_name(enum ftype t) {
    static const char *names[] = {"text", "int", "money", "bool", "date", "datetime", "dict", "tags", "ref", "org",
                                  "id_number", "phone", "password", "refs", "json"};
    return names[t];
}

json_t *field_json(const struct field *f) {
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b}", "name", f->name, "type", type_name(f->type),
                          "label_zh", f->label_zh, "label_en", f->label_en, "required", !!(f->flags & F_REQUIRED),
                          "readonly", !!(f->flags & F_READONLY), "immutable", !!(f->flags & F_IMMUTABLE), "filter",
                          !!(f->flags & F_FILTER), "sort", !!(f->flags & F_SORT), "search", !!(f->flags & F_SEARCH),
                          "list", !!(f->flags & F_LIST), "sensitive", f->type == FT_ID_NUMBER || f->type == FT_PHONE);
    if (f->type == FT_TEXT) json_object_set_new(o, "max_len", json_integer(f->max_len ? f->max_len : 200));
    if (f->min < f->max || (f->type == FT_REFS && f->max > 0)) {   /* FT_REFS: how many */
        json_object_set_new(o, "min", json_integer(f->min));
        json_object_set_new(o, "max", json_integer(f->max));
    }
    if (f->flags & F_COMPUTED) json_object_set_new(o, "computed", json_true());
    if (f->dict) json_object_set_new(o, "dict", json_string(f->dict));
    if (f->ref) json_object_set_new(o, "ref", json_string(f->ref));
    if (f->levels) json_object_set_new(o, "levels", json_string(f->levels));
    if (f->def) json_object_set_new(o, "default", json_string(f->def));
    return o;
}

int api_meta(req *r) {
    json_t *list = json_array();
    for (int i = 0; i < resources_count; i++) {
        const struct resource *res = resources[i];
        json_t *fields = json_array();
        for (int k = 0; k < res->nfields; k++) json_array_append_new(fields, field_json(&res->fields[k]));
        const char *rp = resource_read_perm(res, &r->a), *wp = resource_write_perm(res, &r->a);
        int can_read = (res->flags & R_GLOBAL_READ) || principal_can(r->who, rp);
        int can_write = principal_can(r->who, wp);
        const char *up = arena_printf(&r->a, "%s.unmask", res->perm ? res->perm : res->name);
        /* "within": lists take ?within=<unit id> (scoped records; see crud_where) */
        int within = (res->flags & R_SCOPED) && !(res->flags & R_GLOBAL_READ);
        json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s?,s:s,s:b,s:o,s:{s:b,s:b,s:b,s:b,s:b,s:b,s:b}}",
            "name", res->name, "label_zh", res->label_zh, "label_en", res->label_en, "title_field", res->title_field,
            "default_sort", res->default_sort ? res->default_sort : "-id", "within", within, "fields", fields, "can",
            "read", can_read, "create", can_write && !(res->flags & R_NO_CREATE),
            "update", can_write && !(res->flags & R_NO_UPDATE), "delete", can_write && !(res->flags & R_NO_DELETE),
            "import", (res->flags & R_IMPORT) && can_write && principal_can(r->who, "data.import"),
            "export", (res->flags & R_EXPORT) && can_read && principal_can(r->who, "data.export"),
            "unmask", principal_can(r->who, up)));
    }
    return resp_data(r, 200, json_pack("{s:o,s:o}", "resources", list, "dicts", dict_all_json(r->dbc)));
}

int api_meta_routes(req *r) {
    json_t *list = json_array();
    for (int i = 0; i < routes_count; i++) {
        const struct route *rt = &routes[i];
        json_array_append_new(list, json_pack("{s:s,s:s,s:s?,s:b,s:b,s:s,s:s}", "method", rt->method, "pattern", rt->pattern,
                                              "perm", rt->perm, "public", !!(rt->flags & RT_PUBLIC), "upload",
                                              !!(rt->flags & RT_UPLOAD), "summary_zh", rt->summary_zh, "summary_en", rt->summary_en));
    }
    json_t *res = json_array();
    for (int i = 0; i < resources_count; i++) json_array_append_new(res, json_string(resources[i]->name));
    return resp_data(r, 200, json_pack("{s:o,s:o}", "routes", list, "resources", res));
}

static int with_audit(req *r, int (*fn)(req *)) {
    r->res = resource_find("audit_log");
    return fn(r);
}
int api_audit_list(req *r) {
    /* ?resource=persons&record_id=7 - the spelling - are ordinary filters of audit_log */
    return with_audit(r, crud_list);
}
int api_audit_export_csv(req *r) { return with_audit(r, crud_export_csv); }
int api_audit_export_xlsx(req *r) { return with_audit(r, crud_export_xlsx); }

/* ---------- OpenAPI ---------- */

static json_t *schema_of(const struct field *f) {
    switch (f->type) {
    case FT_INT: case FT_MONEY: case FT_REF: case FT_ORG: {
        json_t *s = json_pack("{s:s}", "type", "integer");
        if (f->min < f->max) { json_object_set_new(s, "minimum", json_integer(f->min)); json_object_set_new(s, "maximum", json_integer(f->max)); }
        return s;
    }
    case FT_BOOL: return json_pack("{s:s}", "type", "boolean");
    case FT_DATE: return json_pack("{s:s,s:s}", "type", "string", "format", "date");
    case FT_DATETIME: return json_pack("{s:s,s:s}", "type", "string", "format", "date-time");
    case FT_TAGS: return json_pack("{s:s,s:{s:s}}", "type", "array", "items", "type", "string");
    case FT_REFS: {
        json_t *s = json_pack("{s:s,s:{s:s}}", "type", "array", "items", "type", "integer");
        if (f->max > 0) { json_object_set_new(s, "minItems", json_integer(f->min)); json_object_set_new(s, "maxItems", json_integer(f->max)); }
        return s;
    }
    case FT_JSON: return json_pack("{s:s}", "type", "object");
    case FT_PASSWORD: return json_pack("{s:s,s:s,s:i,s:b}", "type", "string", "format", "password", "minLength", 8, "writeOnly", 1);
    case FT_TEXT: return json_pack("{s:s,s:i}", "type", "string", "maxLength", f->max_len ? f->max_len : 200);
    default: return json_pack("{s:s}", "type", "string");
    }
}

static json_t *error_response(const char *desc) {
    return json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", desc, "content", "application/json", "schema", "$ref",
                     "#/components/schemas/Error");
}

int api_openapi(req *r) {
    json_t *paths = json_object(), *schemas = json_object();
    json_object_set_new(schemas, "Error", json_pack("{s:s,s:{s:{s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s}}}}}",
        "type", "object", "properties", "error", "type", "object", "properties", "code", "type", "string", "message", "type",
        "string", "fields", "type", "object", "field_codes", "type", "object"));
    for (int i = 0; i < resources_count; i++) {
        const struct resource *res = resources[i];
        json_t *props = json_object(), *required = json_array();
        json_object_set_new(props, "id", json_pack("{s:s,s:b}", "type", "integer", "readOnly", 1));
        if (!(res->flags & R_NO_VERSION)) json_object_set_new(props, "version", json_pack("{s:s,s:b}", "type", "integer", "readOnly", 1));
        json_t *params = json_array();
        json_array_append_new(params, json_pack("{s:s,s:s,s:{s:s},s:s}", "name", "q", "in", "query", "schema", "type", "string", "description", "搜索 / search"));
        json_array_append_new(params, json_pack("{s:s,s:s,s:{s:s},s:s}", "name", "sort", "in", "query", "schema", "type", "string", "description", "field or -field"));
        json_array_append_new(params, json_pack("{s:s,s:s,s:{s:s,s:i}}", "name", "page", "in", "query", "schema", "type", "integer", "minimum", 1));
        json_array_append_new(params, json_pack("{s:s,s:s,s:{s:s,s:i,s:i}}", "name", "per_page", "in", "query", "schema", "type", "integer", "minimum", 1, "maximum", 500));
        if ((res->flags & R_SCOPED) && !(res->flags & R_GLOBAL_READ))
            json_array_append_new(params, json_pack("{s:s,s:s,s:{s:s},s:s}", "name", "within", "in", "query", "schema", "type",
                                                    "integer", "description", "只列此单位及下级的记录 / only records of this unit and below"));
        for (int k = 0; k < res->nfields; k++) {
            const struct field *f = &res->fields[k];
            json_t *s = schema_of(f);
            json_object_set_new(s, "title", json_string(f->label_zh));
            json_object_set_new(s, "description", json_string(f->label_en));
            if (f->flags & F_READONLY) json_object_set_new(s, "readOnly", json_true());
            if (f->dict) json_object_set_new(s, "x-dictionary", json_string(f->dict));
            json_object_set_new(props, f->name, s);
            if (f->flags & F_REQUIRED) json_array_append_new(required, json_string(f->name));
            if (f->flags & F_FILTER)
                json_array_append_new(params, json_pack("{s:s,s:s,s:{s:s}}", "name", f->name, "in", "query", "schema", "type", "string"));
        }
        const char *name = res->name;
        json_object_set_new(schemas, name, json_pack("{s:s,s:s,s:o,s:o}", "type", "object", "title", res->label_zh, "properties", props, "required", required));
        const char *ref = arena_printf(&r->a, "#/components/schemas/%s", name);
        json_t *one = json_pack("{s:s,s:{s:{s:{s:{s:s}}}}}", "description", "OK", "content", "application/json", "schema", "data", "$ref", ref);
        json_t *coll = json_object(), *item = json_object();
        json_object_set_new(coll, "get", json_pack("{s:s,s:[s],s:o,s:{s:{s:s},s:o,s:o}}", "summary", res->label_zh, "tags", name,
            "parameters", params, "responses", "200", "description", "OK", "400", error_response("Bad filter"), "401", error_response("Not signed in")));
        if (!(res->flags & R_NO_CREATE))
            json_object_set_new(coll, "post", json_pack("{s:s,s:[s],s:{s:b,s:{s:{s:{s:s}}}},s:{s:O,s:o,s:o,s:o}}", "summary", "新建", "tags", name,
                "requestBody", "required", 1, "content", "application/json", "schema", "$ref", ref,
                "responses", "201", one, "409", error_response("Duplicate"), "422", error_response("Validation failed"), "403", error_response("Forbidden")));
        json_t *idp = json_pack("[{s:s,s:s,s:b,s:{s:s}}]", "name", "id", "in", "path", "required", 1, "schema", "type", "integer");
        json_object_set_new(item, "parameters", idp);
        json_object_set_new(item, "get", json_pack("{s:s,s:[s],s:{s:O,s:o}}", "summary", "详情", "tags", name, "responses", "200", one, "404", error_response("Not found or out of scope")));
        if (!(res->flags & R_NO_UPDATE))
            json_object_set_new(item, "patch", json_pack("{s:s,s:[s],s:[{s:s,s:s,s:b,s:{s:s}}],s:{s:{s:{s:{s:s}}}},s:{s:O,s:o,s:o,s:o}}", "summary", "修改", "tags", name,
                "parameters", "name", "If-Match", "in", "header", "required", 1, "schema", "type", "string",
                "requestBody", "content", "application/json", "schema", "$ref", ref,
                "responses", "200", one, "412", error_response("Stale version"), "422", error_response("Validation failed"), "428", error_response("If-Match missing")));
        if (!(res->flags & R_NO_DELETE))
            json_object_set_new(item, "delete", json_pack("{s:s,s:[s],s:[{s:s,s:s,s:b,s:{s:s}}],s:{s:{s:s},s:o}}", "summary", "删除（须填原因）", "tags", name,
                "parameters", "name", "reason", "in", "query", "required", 1, "schema", "type", "string",
                "responses", "200", "description", "Deleted", "404", error_response("Not found")));
        json_decref(one);
        json_object_set_new(paths, arena_printf(&r->a, "/api/v1/%s", name), coll);
        json_object_set_new(paths, arena_printf(&r->a, "/api/v1/%s/{id}", name), item);
        if (res->flags & R_EXPORT) {
            json_object_set_new(paths, arena_printf(&r->a, "/api/v1/%s.csv", name), json_pack("{s:{s:s,s:[s],s:{s:{s:s}}}}", "get", "summary", "导出 CSV", "tags", name, "responses", "200", "description", "CSV file"));
            json_object_set_new(paths, arena_printf(&r->a, "/api/v1/%s.xlsx", name), json_pack("{s:{s:s,s:[s],s:{s:{s:s}}}}", "get", "summary", "导出 XLSX", "tags", name, "responses", "200", "description", "XLSX file"));
        }
        if (res->flags & R_IMPORT)
            json_object_set_new(paths, arena_printf(&r->a, "/api/v1/%s/import", name), json_pack("{s:{s:s,s:[s],s:[{s:s,s:s,s:{s:s}}],s:{s:{s:s},s:o}}}", "post", "summary", "导入 CSV/XLSX（dry_run=1 仅校验）", "tags", name,
                "parameters", "name", "dry_run", "in", "query", "schema", "type", "integer", "responses", "200", "description", "Imported or checked", "422", error_response("Row errors; nothing imported")));
    }
    for (int i = 0; i < routes_count; i++) {
        const struct route *rt = &routes[i];
        if (strstr(rt->pattern, "{res}")) continue;
        json_t *p = json_object_get(paths, rt->pattern);
        if (!p) { p = json_object(); json_object_set_new(paths, rt->pattern, p); }
        char m[8];
        size_t n = strlen(rt->method);
        for (size_t k = 0; k <= n && k < sizeof m; k++) m[k] = (char)(rt->method[k] >= 'A' && rt->method[k] <= 'Z' ? rt->method[k] + 32 : rt->method[k]);
        json_object_set_new(p, m, json_pack("{s:s,s:s,s:{s:{s:s}}}", "summary", rt->summary_zh, "description", rt->summary_en, "responses", "200", "description", "OK"));
    }
    json_t *doc = json_pack("{s:s,s:{s:s,s:s,s:s},s:o,s:{s:o,s:{s:{s:s,s:s,s:s},s:{s:s,s:s}}},s:[{s:[]},{s:[]}]}",
        "openapi", "3.0.3", "info", "title", "Shequ 社区服务平台 API", "version", "1", "description",
        "Declared-record API: every resource has list/get/create/update/delete, CSV/XLSX export and import.",
        "paths", paths, "components", "schemas", schemas, "securitySchemes", "cookie", "type", "apiKey", "in", "cookie", "name",
        "shequ_session", "bearer", "type", "http", "scheme", "bearer", "security", "cookie", "bearer");
    return resp_json(r, 200, doc);
}
