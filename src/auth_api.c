/* auth_api.c: sign-in, sign-out, the current user, password change and API tokens.
 * Five failed sign-ins from one address lock that username for that address for 15 minutes;
 * every attempt, good or bad, is in the audit log. */
#include "api.h"
#include "audit.h"
#include "crypto.h"
#include "log.h"
#include "resource.h"
#include "session.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int cookie_secure;

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[200];
static void make_dummy(void) { crypto_password_hash("not-a-real-password-0", dummy_hash, sizeof dummy_hash); }

#define LOCK_FAILURES 5
#define LOCK_MINUTES 15

static void iso_at(time_t t, char out[32]) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* 200 while the storage takes writes; 503 with Retry-After and the fault's code while the disk is
 * read-only or full or the database server cannot be reached (db_storage_check probes at most once
 * a second), so a load balancer sends no one to a server that cannot save. What failed, with the
 * file's path, is in the server's log, not in this public answer. */
int api_health(req *r) {
    int fault = db_storage_check(r->dbc, NULL, 0);
    if (fault) return resp_db_error(r, fault);
    return resp_data(r, 200, json_pack("{s:s,s:s}", "status", "ok", "engine", db_connection_engine(r->dbc)));
}

json_t *user_json(req *r, const principal *p) {
    json_t *perms = json_object();
    for (int i = 0; i < p->ngrants; i++)
        json_object_set_new(perms, p->grants[i].perm, json_string(scope_kind_name(p->grants[i].scope)));
    /* role codes, and their names for the console's top bar */
    json_t *roles = json_array(), *role_names = json_array();
    char buf[256];
    snprintf(buf, sizeof buf, "%s", p->roles);
    char *save = NULL;
    db_stmt *s;
    for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        json_array_append_new(roles, json_string(c));
        if (!(s = db_prepare(r->dbc, "SELECT name_zh, name_en FROM roles WHERE code = ? AND deleted_at IS NULL"))) continue;
        db_bind_text(s, 1, c, -1);
        if (db_step(s) == DB_ROW)
            json_array_append_new(role_names, json_pack("{s:s,s:s?,s:s?}", "code", c, "name_zh", db_col_text(s, 0),
                                                        "name_en", db_col_text(s, 1)));
        db_done(s);
    }
    const char *org_name = NULL, *org_level = NULL;
    s = db_prepare(r->dbc, "SELECT name, level FROM org_units WHERE id = ?");
    if (s) {
        db_bind_int(s, 1, p->org_id);
        if (db_step(s) == DB_ROW) {
            org_name = arena_strdup(&r->a, db_col_text(s, 0));
            org_level = arena_strdup(&r->a, db_col_text(s, 1));
        }
        db_done(s);
    }
    return json_pack("{s:I,s:s,s:s,s:I,s:s?,s:s?,s:o,s:o,s:o}", "id", (json_int_t)p->user_id, "username", p->username,
                     "name", p->name, "org_id", (json_int_t)p->org_id, "org_name", org_name, "org_level", org_level, "roles",
                     roles, "role_names", role_names, "permissions", perms);
}

static int64_t recent_failures(req *r, const char *username, time_t now) {
    char since[32];
    iso_at(now - LOCK_MINUTES * 60, since);
    int64_t n = 0;
    if (db_query_int(r->dbc, "SELECT count(*) FROM login_attempts WHERE username = ? AND ip = ? AND ok = 0 AND at > ?",
                     &n, "sss", username, r->client_ip, since) < 0) return -1;
    return n;
}

static void set_session_cookie(req *r, const char *token, int clear) {
    if (clear)
        resp_header(r, "Set-Cookie", arena_printf(&r->a, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
                                                 SESSION_COOKIE, cookie_secure ? "; Secure" : ""));
    else
        resp_header(r, "Set-Cookie", arena_printf(&r->a, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", SESSION_COOKIE, token,
                                                 cookie_secure ? "; Secure" : ""));
}

int api_login(req *r) {
    json_t *in = req_json(r);
    if (!in) return 0;
    json_t *ju = json_object_get(in, "username"), *jp = json_object_get(in, "password");
    if (!json_is_string(ju) || !json_is_string(jp) || !*json_string_value(ju) || json_string_length(ju) > 64 ||
        json_string_length(jp) > 256) {
        json_t *f = json_object(), *c = json_object();
        if (!json_is_string(ju) || !*json_string_value(ju)) {
            json_object_set_new(f, "username", json_string(r->lang_en ? "Enter your username" : "请输入用户名"));
            json_object_set_new(c, "username", json_string("required"));
        }
        if (!json_is_string(jp)) {
            json_object_set_new(f, "password", json_string(r->lang_en ? "Enter your password" : "请输入密码"));
            json_object_set_new(c, "password", json_string("required"));
        }
        return resp_error_fields(r, 422, "validation_failed", "请输入用户名和密码", "Enter username and password", f, c);
    }
    const char *username = json_string_value(ju), *password = json_string_value(jp);
    time_t now = time(NULL);
    char at[32];
    iso_at(now, at);
    int64_t failures = recent_failures(r, username, now);
    if (failures < 0) return -1;
    if (failures >= LOCK_FAILURES) {
        /* remaining time counts from the oldest failure still inside the window */
        char since[32], oldest[32] = "";
        iso_at(now - LOCK_MINUTES * 60, since);
        db_stmt *s = db_prepare(r->dbc, "SELECT at FROM login_attempts WHERE username = ? AND ip = ? AND ok = 0 AND at > ? "
                                        "ORDER BY at DESC LIMIT 1 OFFSET 4");
        if (s) {
            db_bind_text(s, 1, username, -1);
            db_bind_text(s, 2, r->client_ip, -1);
            db_bind_text(s, 3, since, -1);
            if (db_step(s) == DB_ROW) snprintf(oldest, sizeof oldest, "%s", db_col_text(s, 0));
            db_done(s);
        }
        struct tm tm = {0};
        int remaining = LOCK_MINUTES * 60;
        if (*oldest && strptime(oldest, "%Y-%m-%dT%H:%M:%SZ", &tm)) remaining = (int)(timegm(&tm) + LOCK_MINUTES * 60 - now);
        if (remaining < 1) remaining = 1;
        int minutes = (remaining + 59) / 60;
        resp_header(r, "Retry-After", arena_printf(&r->a, "%d", remaining));
        json_t *e = json_pack("{s:s,s:s,s:i,s:i}", "code", "account_locked", "message",
                              r->lang_en ? arena_printf(&r->a, "Too many failed sign-ins: try again in %d minutes", minutes)
                                         : arena_printf(&r->a, "登录失败次数过多，账号已锁定，请 %d 分钟后再试", minutes),
                              "retry_after_s", remaining, "retry_after_min", minutes);
        r->error_code = "account_locked";
        /* filed under the account's unit (as login_failed is), so the district's auditors see it */
        int64_t luid = 0;
        char lpath[256] = "/";
        db_stmt *ls = db_prepare(r->dbc, "SELECT id, org_path FROM users WHERE username = ? AND deleted_at IS NULL");
        if (ls) {
            db_bind_text(ls, 1, username, -1);
            if (db_step(ls) == DB_ROW) {
                luid = db_col_int(ls, 0);
                snprintf(lpath, sizeof lpath, "%s", db_col_text(ls, 1) ? db_col_text(ls, 1) : "/");
            }
            db_done(ls);
        }
        audit_log_as(r->dbc, luid, username, r->client_ip, "login_locked", "users", luid, lpath, "账号锁定期间尝试登录", NULL);
        r->keep_on_error = 1;
        return resp_json(r, 423, json_pack("{s:o}", "error", e));
    }
    int64_t uid = 0;
    char hash[200] = "", org_path[256] = "/";
    const char *status = NULL;
    db_stmt *s = db_prepare(r->dbc, "SELECT id, password_hash, status, org_path FROM users WHERE username = ? AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, username, -1);
    if (db_step(s) == DB_ROW) {
        uid = db_col_int(s, 0);
        snprintf(hash, sizeof hash, "%s", db_col_text(s, 1));
        status = arena_strdup(&r->a, db_col_text(s, 2));
        snprintf(org_path, sizeof org_path, "%s", db_col_text(s, 3));
    }
    db_done(s);
    /* verify even for unknown users, so timing does not tell which usernames exist */
    pthread_once(&dummy_once, make_dummy);
    int ok = crypto_password_verify(*hash ? hash : dummy_hash, password) == 0 && uid && status && strcmp(status, "active") == 0;
    s = db_prepare(r->dbc, "INSERT INTO login_attempts (username, ip, at, ok) VALUES (?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_text(s, 1, username, -1);
    db_bind_text(s, 2, r->client_ip, -1);
    db_bind_text(s, 3, at, -1);
    db_bind_int(s, 4, ok);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return rc;
    if (!ok) {
        r->keep_on_error = 1;
        rc = audit_log_as(r->dbc, uid, username, r->client_ip, "login_failed", "users", uid, uid ? org_path : "/",
                          "登录失败", NULL);
        if (rc) return rc;
        int left = LOCK_FAILURES - (int)failures - 1;
        json_t *e = json_pack("{s:s,s:s,s:i}", "code", "invalid_credentials", "message",
                              r->lang_en ? "Wrong username or password" : "用户名或密码错误", "attempts_left", left < 0 ? 0 : left);
        r->error_code = "invalid_credentials";
        return resp_json(r, 401, json_pack("{s:o}", "error", e));
    }
    s = db_prepare(r->dbc, "DELETE FROM login_attempts WHERE username = ? AND ip = ? AND ok = 0");
    if (!s) return -1;
    db_bind_text(s, 1, username, -1);
    db_bind_text(s, 2, r->client_ip, -1);
    db_step(s);
    db_done(s);
    if (crypto_password_needs_rehash(hash)) {
        char nh[200];
        if (crypto_password_hash(password, nh, sizeof nh) == 0) {
            s = db_prepare(r->dbc, "UPDATE users SET password_hash = ? WHERE id = ?");
            if (s) { db_bind_text(s, 1, nh, -1); db_bind_int(s, 2, uid); db_step(s); db_done(s); }
        }
    }
    s = db_prepare(r->dbc, "UPDATE users SET last_login_at = ? WHERE id = ?");
    if (!s) return -1;
    db_bind_text(s, 1, at, -1);
    db_bind_int(s, 2, uid);
    db_step(s);
    db_done(s);
    /* a fresh session at every sign-in, and the old cookie (if any) revoked: no fixation */
    const char *old = req_cookie(r, SESSION_COOKIE);
    if (old && strlen(old) == CRYPTO_TOKEN_CHARS) {
        char oh[65];
        crypto_token_hash(old, oh);
        session_revoke(r->dbc, oh);
    }
    char token[CRYPTO_TOKEN_CHARS + 1], csrf[CRYPTO_TOKEN_CHARS + 1];
    rc = session_create(r->dbc, uid, "session", r->client_ip, session_max_age_s, NULL, token, csrf);
    if (rc) return rc;
    principal *p = arena_alloc(&r->a, sizeof *p);
    if (principal_load(r->dbc, uid, p) != 0) return -1;
    r->who = p;
    rc = audit_log(r, "login", "users", uid, org_path, "登录成功", NULL);
    if (rc) return rc;
    set_session_cookie(r, token, 0);
    return resp_data(r, 200, json_pack("{s:o,s:s}", "user", user_json(r, p), "csrf_token", csrf));
}

int api_logout(req *r) {
    int rc = session_revoke(r->dbc, r->who->token_hash);
    if (rc) return rc;
    rc = audit_log(r, "logout", "users", r->who->user_id, r->who->org_path, "退出登录", NULL);
    if (rc) return rc;
    set_session_cookie(r, NULL, 1);
    return resp_data(r, 200, json_pack("{s:b}", "signed_out", 1));
}

int api_me(req *r) {
    return resp_data(r, 200, json_pack("{s:o,s:s}", "user", user_json(r, r->who), "csrf_token", r->who->csrf));
}

int api_change_password(req *r) {
    json_t *in = req_json(r);
    if (!in) return 0;
    json_t *jo = json_object_get(in, "old_password"), *jn = json_object_get(in, "new_password");
    if (!json_is_string(jo) || !json_is_string(jn))
        return resp_error(r, 422, "validation_failed", "请输入原密码和新密码", "Give old_password and new_password");
    char hash[200] = "";
    db_stmt *s = db_prepare(r->dbc, "SELECT password_hash FROM users WHERE id = ?");
    if (!s) return -1;
    db_bind_int(s, 1, r->who->user_id);
    if (db_step(s) == DB_ROW) snprintf(hash, sizeof hash, "%s", db_col_text(s, 0));
    db_done(s);
    if (crypto_password_verify(hash, json_string_value(jo)) != 0)
        return resp_error_fields(r, 422, "validation_failed", "原密码不正确", "The old password is wrong",
                                 json_pack("{s:s}", "old_password", r->lang_en ? "Wrong password" : "原密码不正确"),
                                 json_pack("{s:s}", "old_password", "wrong_password"));
    if (!validate_password_policy(json_string_value(jn)))
        return resp_error_fields(r, 422, "validation_failed", "新密码至少 8 位，且须同时包含字母和数字",
                                 "The new password needs 8+ characters with letters and digits",
                                 json_pack("{s:s}", "new_password", r->lang_en ? "Too weak" : "密码强度不够"),
                                 json_pack("{s:s}", "new_password", "weak_password"));
    char nh[200], now[32];
    if (crypto_password_hash(json_string_value(jn), nh, sizeof nh) != 0) return -1;
    now_utc_iso(now);
    s = db_prepare(r->dbc, "UPDATE users SET password_hash = ?, password_changed_at = ?, version = version + 1 WHERE id = ?");
    if (!s) return -1;
    db_bind_text(s, 1, nh, -1);
    db_bind_text(s, 2, now, -1);
    db_bind_int(s, 3, r->who->user_id);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return rc;
    rc = session_revoke_user(r->dbc, r->who->user_id, r->who->token_hash);
    if (rc) return rc;
    rc = audit_log(r, "password_change", "users", r->who->user_id, r->who->org_path, "修改密码", NULL);
    if (rc) return rc;
    return resp_data(r, 200, json_pack("{s:b}", "changed", 1));
}

int api_create_token(req *r) {
    json_t *in = req_json(r);
    if (!in) return 0;
    json_t *jl = json_object_get(in, "label"), *jd = json_object_get(in, "days");
    if (!json_is_string(jl) || !*json_string_value(jl) || json_string_length(jl) > 100)
        return resp_error(r, 422, "validation_failed", "请填写令牌用途（label）", "Give the token a label");
    json_int_t days = json_is_integer(jd) ? json_integer_value(jd) : 90;
    if (days < 1 || days > 730) return resp_error(r, 422, "validation_failed", "有效期应为 1-730 天", "days must be 1-730");
    char token[CRYPTO_TOKEN_CHARS + 1], csrf[CRYPTO_TOKEN_CHARS + 1];
    int rc = session_create(r->dbc, r->who->user_id, "token", r->client_ip, (int)days * 86400, json_string_value(jl), token, csrf);
    if (rc) return rc;
    json_t *detail = json_pack("{s:s,s:I}", "label", json_string_value(jl), "days", days);
    rc = audit_log(r, "token_create", "users", r->who->user_id, r->who->org_path, "创建接口令牌", detail);
    json_decref(detail);
    if (rc) return rc;
    return resp_data(r, 201, json_pack("{s:s,s:s,s:I}", "token", token, "label", json_string_value(jl), "days", days));
}
