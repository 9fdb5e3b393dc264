/* session.c: sessions and bearer tokens in the database (see session.h). Only a hash of each
 * token is stored. A browser session ends after session_idle_timeout_s without a request or
 * session_max_age_s after sign-in; last_seen_at is written at most once a minute per session. */
#include "session.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int session_idle_timeout_s = 2 * 3600;
int session_max_age_s = 12 * 3600;

static void iso_at(time_t t, char out[32]) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void add_grant(principal *p, const char *perm, size_t len, enum scope_kind scope) {
    for (int i = 0; i < p->ngrants; i++)
        if (strlen(p->grants[i].perm) == len && strncmp(p->grants[i].perm, perm, len) == 0) {
            if (scope > p->grants[i].scope) p->grants[i].scope = scope;
            return;
        }
    if (p->ngrants >= MAX_GRANTS || p->permbuf_len + (int)len + 1 > (int)sizeof p->permbuf) return;
    char *dst = p->permbuf + p->permbuf_len;
    memcpy(dst, perm, len);
    dst[len] = 0;
    p->permbuf_len += (int)len + 1;
    p->grants[p->ngrants].perm = dst;
    p->grants[p->ngrants].scope = scope;
    p->ngrants++;
}

int principal_load(db_conn *c, int64_t user_id, principal *p) {
    memset(p, 0, sizeof *p);
    db_stmt *s = db_prepare(c,
        "SELECT u.id, u.username, u.name, u.org_id, u.org_path, u.roles FROM users u "
        "WHERE u.id = ? AND u.status = 'active' AND u.deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, user_id);
    int rc = db_step(s);
    if (rc != DB_ROW) { db_done(s); return rc == DB_DONE ? 1 : -1; }
    p->user_id = db_col_int(s, 0);
    snprintf(p->username, sizeof p->username, "%s", db_col_text(s, 1));
    snprintf(p->name, sizeof p->name, "%s", db_col_text(s, 2));
    p->org_id = db_col_int(s, 3);
    snprintf(p->org_path, sizeof p->org_path, "%s", db_col_text(s, 4));
    snprintf(p->roles, sizeof p->roles, "%s", db_col_text(s, 5) ? db_col_text(s, 5) : "");
    db_done(s);

    /* roles: "a,b,c" -> each role's permissions with its scope */
    char roles[256];
    snprintf(roles, sizeof roles, "%s", p->roles);
    char *save = NULL;
    for (char *code = strtok_r(roles, ",", &save); code; code = strtok_r(NULL, ",", &save)) {
        s = db_prepare(c, "SELECT scope, permissions FROM roles WHERE code = ? AND deleted_at IS NULL");
        if (!s) return -1;
        db_bind_text(s, 1, code, -1);
        if (db_step(s) == DB_ROW) {
            enum scope_kind scope = scope_kind_parse(db_col_text(s, 0));
            const char *perms = db_col_text(s, 1);
            while (perms && *perms) {
                while (*perms == ' ') perms++;
                const char *end = perms;
                while (*end && *end != ' ') end++;
                if (end > perms) add_grant(p, perms, (size_t)(end - perms), scope);
                perms = end;
            }
        }
        db_done(s);
    }
    return 0;
}

static const char *bearer_token(req *r) {
    const char *h = req_header(r, "Authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0) return h + 7;
    return NULL;
}

int session_authenticate(req *r) {
    const char *tok = bearer_token(r);
    int via_bearer = tok != NULL;
    if (!tok) tok = req_cookie(r, SESSION_COOKIE);
    if (!tok || strlen(tok) != CRYPTO_TOKEN_CHARS) return 0;
    char th[65];
    crypto_token_hash(tok, th);
    db_stmt *s = db_prepare(r->dbc,
        "SELECT user_id, kind, csrf, last_seen_at, expires_at FROM sessions "
        "WHERE token_hash = ? AND revoked_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, th, -1);
    int rc = db_step(s);
    if (rc != DB_ROW) { db_done(s); return rc == DB_DONE ? 0 : -1; }
    int64_t uid = db_col_int(s, 0);
    int is_token = strcmp(db_col_text(s, 1), "token") == 0;
    char csrf[48], last_seen[32], expires[32], now[32], idle_limit[32], touch_after[32];
    snprintf(csrf, sizeof csrf, "%s", db_col_text(s, 2));
    snprintf(last_seen, sizeof last_seen, "%s", db_col_text(s, 3));
    snprintf(expires, sizeof expires, "%s", db_col_text(s, 4));
    db_done(s);
    /* a browser cookie must not be replayed as a bearer token or vice versa */
    if (is_token != via_bearer) return 0;
    time_t t = time(NULL);
    iso_at(t, now);
    if (strcmp(now, expires) >= 0) return 0;
    if (!is_token) {
        iso_at(t - session_idle_timeout_s, idle_limit);
        if (strcmp(last_seen, idle_limit) < 0) return 0;
    }
    principal *p = arena_alloc(&r->a, sizeof *p);
    rc = principal_load(r->dbc, uid, p);
    if (rc != 0) return rc < 0 ? -1 : 0;
    snprintf(p->csrf, sizeof p->csrf, "%s", csrf);
    snprintf(p->token_hash, sizeof p->token_hash, "%s", th);
    p->via_bearer = via_bearer;
    r->who = p;
    iso_at(t - 60, touch_after);
    if (strcmp(last_seen, touch_after) < 0) {
        s = db_prepare(r->dbc, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?");
        if (s) { db_bind_text(s, 1, now, -1); db_bind_text(s, 2, th, -1); db_step(s); db_done(s); }
    }
    return 0;
}

int session_create(db_conn *c, int64_t user_id, const char *kind, const char *ip, int ttl_s, const char *label,
                   char token[CRYPTO_TOKEN_CHARS + 1], char csrf[CRYPTO_TOKEN_CHARS + 1]) {
    char th[65], now[32], exp[32];
    crypto_token(token);
    crypto_token(csrf);
    crypto_token_hash(token, th);
    time_t t = time(NULL);
    iso_at(t, now);
    iso_at(t + ttl_s, exp);
    db_stmt *s = db_prepare(c,
        "INSERT INTO sessions (token_hash, user_id, kind, label, csrf, ip, created_at, last_seen_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_text(s, 1, th, -1);
    db_bind_int(s, 2, user_id);
    db_bind_text(s, 3, kind, -1);
    db_bind_text(s, 4, label, -1);
    db_bind_text(s, 5, csrf, -1);
    db_bind_text(s, 6, ip, -1);
    db_bind_text(s, 7, now, -1);
    db_bind_text(s, 8, now, -1);
    db_bind_text(s, 9, exp, -1);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : rc;
}

int session_revoke(db_conn *c, const char *token_hash) {
    char now[32];
    iso_at(time(NULL), now);
    db_stmt *s = db_prepare(c, "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, now, -1);
    db_bind_text(s, 2, token_hash, -1);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : rc;
}

int session_revoke_user(db_conn *c, int64_t user_id, const char *except_hash) {
    char now[32];
    iso_at(time(NULL), now);
    db_stmt *s = db_prepare(c,
        "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND token_hash <> ?");
    if (!s) return -1;
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, user_id);
    db_bind_text(s, 3, except_hash ? except_hash : "", -1);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : rc;
}
