/* user.c: staff accounts. Declares the users record; the domain here is who may grant what - an
 * administrator creates accounts only inside their scope and only with roles whose permissions
 * they hold themselves - and that a changed password or role ends the user's other sessions. */
#include "resource.h"
#include "session.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const struct field user_fields[] = {
    {"username", FT_TEXT, F_REQUIRED | F_UNIQUE | F_IMMUTABLE | F_SEARCH | F_SORT | F_LIST, "用户名", "Username", .max_len = 32},
    {"password", FT_PASSWORD, F_REQUIRED | F_NOIMPORT, "密码", "Password", .column = "password_hash"},
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_SORT | F_LIST, "姓名", "Name", .max_len = 50},
    {"phone", FT_TEXT, 0, "联系电话", "Phone", .max_len = 30},
    {"org_id", FT_ORG, F_REQUIRED | F_FILTER | F_LIST, "所属单位", "Unit"},
    {"roles", FT_TAGS, F_REQUIRED | F_FILTER | F_LIST, "角色", "Roles"},
    {"status", FT_DICT, F_FILTER | F_LIST, "状态", "Status", .dict = "user_status", .def = "active"},
    /* a provider's people: the provider a provider_admin manages, the caregiver record of a caregiver */
    {"provider_id", FT_REF, F_FILTER, "服务机构", "Care provider", .ref = "providers"},
    {"caregiver_id", FT_REF, F_FILTER, "护理员档案", "Caregiver record", .ref = "caregivers"},
    {"last_login_at", FT_DATETIME, F_READONLY | F_SORT | F_LIST | F_NOIMPORT, "最近登录", "Last sign-in"},
};

/* 1 if `p` holds every permission of role `code` with at least the role's scope. */
static int can_grant(req *r, const char *code, int *exists) {
    db_stmt *s = db_prepare(r->dbc, "SELECT scope, permissions FROM roles WHERE code = ? AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, code, -1);
    int ok = 1;
    *exists = 0;
    if (db_step(s) == DB_ROW) {
        *exists = 1;
        enum scope_kind scope = scope_kind_parse(db_col_text(s, 0));
        char perms[2048];
        snprintf(perms, sizeof perms, "%s", db_col_text(s, 1));
        char *save = NULL;
        for (char *p = strtok_r(perms, " ", &save); p; p = strtok_r(NULL, " ", &save))
            if (principal_scope(r->who, p) < scope && principal_scope(r->who, p) != SCOPE_ALL) ok = 0;
    }
    db_done(s);
    return ok;
}

static int user_validate(struct write_ctx *w) {
    req *r = w->r;
    json_t *u = json_object_get(w->after, "username");
    if (u && json_is_string(u)) {
        const char *s = json_string_value(u);
        int ok = strlen(s) >= 3;
        for (const char *c = s; *c; c++) if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.' && *c != '-') ok = 0;
        if (!ok) write_error(w, "username", "username_format", "用户名为 3-32 位字母、数字、下划线、点或连字符",
                             "Usernames are 3-32 letters, digits, _ . or -");
    }
    json_t *roles = json_object_get(w->after, "roles");
    if (roles) {
        if (json_array_size(roles) == 0) write_error(w, "roles", "required", "请至少选择一个角色", "Choose at least one role");
        size_t i;
        json_t *code;
        json_array_foreach(roles, i, code) {
            int exists = 0;
            int ok = can_grant(r, json_string_value(code), &exists);
            if (ok < 0) return -1;
            if (!exists) {
                write_error(w, "roles", "unknown_code", "角色不存在", "No such role");
            } else if (!ok) {
                write_error(w, "roles", "cannot_grant", "不能授予超出自身权限的角色", "You cannot grant a role with permissions you do not hold");
            }
        }
    }
    /* the scopes of provider_admin and caregiver are the records these name (scope.c) */
    if (roles) {
        static const struct { const char *role, *field, *zh, *en; } binds[] = {
            {"provider_admin", "provider_id", "服务机构管理员须指定所属服务机构", "A provider administrator needs their provider"},
            {"caregiver", "caregiver_id", "养老护理员账号须关联护理员档案", "A caregiver's account needs their caregiver record"}};
        for (size_t k = 0; k < sizeof binds / sizeof binds[0]; k++) {
            size_t i;
            json_t *code;
            json_array_foreach(roles, i, code) {
                if (strcmp(json_string_value(code), binds[k].role)) continue;
                json_t *v = json_object_get(w->after, binds[k].field);
                if (!v && !w->creating && !json_object_get(w->in, binds[k].field)) v = json_object_get(w->before, binds[k].field);
                if (!json_is_integer(v)) write_error(w, binds[k].field, "required", binds[k].zh, binds[k].en);
            }
        }
    }
    if (!w->creating && w->before && r->who && json_integer_value(json_object_get(w->before, "id")) == r->who->user_id &&
        (json_object_get(w->in, "roles") || json_object_get(w->in, "status") || json_object_get(w->in, "org_id")))
        write_error(w, "roles", "self_change", "不能修改自己的角色、状态或单位", "You cannot change your own roles, status or unit");
    return 0;
}

static int user_after_write(struct write_ctx *w) {
    session_cache_clear();              /* names, units and roles are part of every cached principal */
    if (w->creating) return 0;
    if (json_object_get(w->in, "password") || json_object_get(w->in, "roles") || json_object_get(w->in, "status") ||
        json_object_get(w->in, "org_id") || json_object_get(w->in, "provider_id") || json_object_get(w->in, "caregiver_id"))
        return session_revoke_user(w->r->dbc, w->id, NULL);
    return 0;
}

static int user_before_delete(struct write_ctx *w) {
    if (w->r->who && w->id == w->r->who->user_id) {
        resp_error(w->r, 409, "self_delete", "不能删除自己的账号", "You cannot delete your own account");
        return 0;
    }
    return session_revoke_user(w->r->dbc, w->id, NULL);     /* a deleted account signs out everywhere */
}

const struct resource res_users = {
    .name = "users", .table = "users", .label_zh = "用户账号", .label_en = "User accounts",
    .fields = user_fields, .nfields = sizeof user_fields / sizeof user_fields[0],
    .flags = R_SCOPED | R_EXPORT, .default_sort = "username", .title_field = "username",
    .validate = user_validate, .after_write = user_after_write, .before_delete = user_before_delete,
};
