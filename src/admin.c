/* admin.c: declarations of the administration records - dictionary items, roles and the audit
 * log as a read-only list. Their behaviour is all generic; the hooks keep built-in items safe. */
#include "resource.h"
#include "dict.h"
#include <ctype.h>
#include <string.h>

static const struct field dict_fields[] = {
    {"dict", FT_TEXT, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_SORT | F_LIST, "字典", "Dictionary", .max_len = 40},
    {"code", FT_TEXT, F_REQUIRED | F_IMMUTABLE | F_FILTER | F_SORT | F_LIST, "代码", "Code", .max_len = 40},
    {"label_zh", FT_TEXT, F_REQUIRED | F_SEARCH | F_LIST, "中文名称", "Chinese label", .max_len = 60},
    {"label_en", FT_TEXT, F_REQUIRED | F_SEARCH | F_LIST, "英文名称", "English label", .max_len = 80},
    {"sort", FT_INT, F_SORT | F_LIST, "排序", "Order", .min = 0, .max = 100000, .def = "1000"},
    {"active", FT_BOOL, F_FILTER | F_LIST, "启用", "Active", .def = "true"},
    {"builtin", FT_BOOL, F_READONLY | F_FILTER | F_LIST | F_NOIMPORT, "内置", "Built-in"},
};

static int dict_validate(struct write_ctx *w) {
    const char *code = json_string_value(json_object_get(w->after, "code"));
    const char *dict = json_string_value(json_object_get(w->after, "dict"));
    if (code) {
        int ok = *code != 0;
        for (const char *c = code; *c; c++) if (!isalnum((unsigned char)*c) && *c != '_') ok = 0;
        if (!ok) write_error(w, "code", "code_format", "代码只能包含字母、数字和下划线", "Codes are letters, digits and _");
    }
    if (w->creating && dict && code) {
        int64_t n = 0;
        if (db_query_int(w->r->dbc, "SELECT count(*) FROM dict_items WHERE dict = ? AND code = ?", &n, "ss", dict, code) < 0) return -1;
        if (n) write_error(w, "code", "duplicate", "该字典中已有此代码", "This dictionary already has that code");
        if (db_query_int(w->r->dbc, "SELECT count(*) FROM dict_items WHERE dict = ?", &n, "s", dict) < 0) return -1;
        if (!n) write_error(w, "dict", "unknown_dict", "没有这个字典", "No such dictionary");
    }
    return 0;
}

static int dict_after_write(struct write_ctx *w) { dict_invalidate(); return 0; }

static int dict_before_delete(struct write_ctx *w) {
    json_t *b = json_object_get(w->before, "builtin");
    if (json_is_true(b))
        resp_error(w->r, 409, "builtin_item", "内置字典项不能删除，可以停用", "Built-in items cannot be deleted; deactivate them instead");
    dict_invalidate();
    return 0;
}

const struct resource res_dict_items = {
    .name = "dict_items", .table = "dict_items", .label_zh = "数据字典", .label_en = "Dictionaries",
    .fields = dict_fields, .nfields = sizeof dict_fields / sizeof dict_fields[0],
    .flags = R_GLOBAL_READ | R_EXPORT | R_IMPORT, .default_sort = "dict,sort", .title_field = "label_zh",
    .validate = dict_validate, .after_write = dict_after_write, .before_delete = dict_before_delete,
};

static const struct field role_fields[] = {
    {"code", FT_TEXT, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "代码", "Code", .max_len = 40},
    {"name_zh", FT_TEXT, F_REQUIRED | F_SEARCH | F_LIST, "角色名称", "Name (zh)", .max_len = 60},
    {"name_en", FT_TEXT, F_REQUIRED | F_SEARCH | F_LIST, "英文名称", "Name (en)", .max_len = 80},
    {"scope", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "数据范围", "Data scope", .dict = "role_scope"},
    {"permissions", FT_TEXT, F_REQUIRED | F_LIST, "权限", "Permissions", .max_len = 2000},
    {"builtin", FT_BOOL, F_READONLY | F_LIST, "内置", "Built-in"},
};

const struct resource res_roles = {
    .name = "roles", .table = "roles", .label_zh = "角色", .label_en = "Roles",
    .fields = role_fields, .nfields = sizeof role_fields / sizeof role_fields[0],
    .flags = R_NO_CREATE | R_NO_UPDATE | R_NO_DELETE | R_EXPORT, .default_sort = "id", .title_field = "code",
};

static const struct field audit_fields[] = {
    {"at", FT_DATETIME, F_FILTER | F_SORT | F_LIST, "时间", "Time"},
    {"username", FT_TEXT, F_FILTER | F_SEARCH | F_LIST, "用户", "User", .max_len = 64},
    {"ip", FT_TEXT, F_FILTER | F_LIST, "来源地址", "Address", .max_len = 64},
    {"action", FT_DICT, F_FILTER | F_LIST, "操作", "Action", .dict = "audit_action"},
    {"resource", FT_DICT, F_FILTER | F_LIST, "对象类型", "Record kind", .dict = "record_kind"},
    {"record_id", FT_INT, F_FILTER | F_LIST, "记录编号", "Record id"},
    {"summary", FT_TEXT, F_SEARCH | F_LIST, "摘要", "Summary", .max_len = 200},
    {"detail", FT_TEXT, 0, "详情", "Detail", .max_len = 100000},
    {"hash", FT_TEXT, 0, "校验值", "Hash", .max_len = 64},
};

const struct resource res_audit_log = {
    .name = "audit_log", .table = "audit_log", .label_zh = "审计日志", .label_en = "Audit log",
    .fields = audit_fields, .nfields = sizeof audit_fields / sizeof audit_fields[0],
    .flags = R_SCOPED | R_NO_CREATE | R_NO_UPDATE | R_NO_DELETE | R_NO_SOFT | R_NO_VERSION | R_EXPORT,
    .default_sort = "-id", .perm = "audit", .title_field = "summary",
};
