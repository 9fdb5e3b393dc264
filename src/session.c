/* session.c: sessions and bearer tokens in the database (see session.h). Only a hash of each
 * token is stored. A browser session ends after session_idle_timeout_s without a request or
 * session_max_age_s after sign-in; last_seen_at is written at most once a minute per session. */
#include "session.h"
#include "log.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int session_idle_timeout_s = 2 * 3600;
int session_max_age_s = 12 * 3600;

/* Principals of recent sessions, kept for a moment so that a busy client's requests need no
 * session, user and role queries. An entry lives CACHE_TTL_S at most - the longest another server
 * may go on honouring a session revoked elsewhere - and every local change to sessions, users or
 * roles drops them all (session_cache_clear). */
#define CACHE_SLOTS 1024
#define CACHE_SHARDS 16
#define CACHE_TTL_S 2.0
struct cached {
    char token_hash[65];
    double at;
    unsigned gen;
    time_t expires, last_seen;
    int is_token;
    principal p;
};
static struct cached *cache;
static pthread_mutex_t cache_mu[CACHE_SHARDS];
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static unsigned cache_gen;

static void cache_init(void) {
    cache = calloc(CACHE_SLOTS, sizeof *cache);
    for (int i = 0; i < CACHE_SHARDS; i++) pthread_mutex_init(&cache_mu[i], NULL);
}

static void bump_generation(void) { __atomic_add_fetch(&cache_gen, 1, __ATOMIC_SEQ_CST); }

void session_cache_clear(void) {
    bump_generation();
    after_commit(bump_generation);
}

static unsigned slot_for(const char *th) {
    unsigned h = 0;
    for (int i = 0; i < 8; i++) h = h * 16 + (unsigned)(th[i] <= '9' ? th[i] - '0' : th[i] - 'a' + 10);
    return h % CACHE_SLOTS;
}

static time_t parse_iso(const char *s) {
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) return 0;
    return timegm(&tm);
}

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
        "SELECT u.id, u.username, u.name, u.org_id, u.org_path, u.roles, u.caregiver_id, "
        "COALESCE((SELECT c.provider_id FROM caregivers c WHERE c.id = u.caregiver_id), u.provider_id) FROM users u "
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
    /* a caregiver works for their caregiver record's provider, whatever the account says */
    p->caregiver_id = db_col_type(s, 6) == DBT_NULL ? 0 : db_col_int(s, 6);
    p->provider_id = db_col_type(s, 7) == DBT_NULL ? 0 : db_col_int(s, 7);
    db_done(s);

    /* roles: "a,b,c" -> each role's permissions with its scope */
    char roles[256];
    snprintf(roles, sizeof roles, "%s", p->roles);
    char *save = NULL;
    for (char *code = strtok_r(roles, ",", &save); code; code = strtok_r(NULL, ",", &save)) {
        s = db_prepare(c, "SELECT scope, permissions FROM roles WHERE code = ? AND deleted_at IS NULL");
        if (!s) return -1;
        db_bind_text(s, 1, code, -1);
        rc = db_step(s);
        if (rc == DB_ROW) {
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
        /* a database that fails here must not leave the user signed in without their permissions */
        if (rc < 0) return -1;
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
    time_t t = time(NULL);
    pthread_once(&cache_once, cache_init);
    unsigned slot = slot_for(th), gen = __atomic_load_n(&cache_gen, __ATOMIC_SEQ_CST);
    pthread_mutex_t *mu = &cache_mu[slot % CACHE_SHARDS];
    principal *p = arena_alloc(&r->a, sizeof *p);
    time_t last_seen, expires;
    int is_token, hit = 0;
    pthread_mutex_lock(mu);
    struct cached *e = &cache[slot];
    if (e->gen == gen && !strcmp(e->token_hash, th) && now_monotonic() - e->at < CACHE_TTL_S) {
        principal_copy(p, &e->p);
        last_seen = e->last_seen;
        expires = e->expires;
        is_token = e->is_token;
        hit = 1;
    }
    pthread_mutex_unlock(mu);
    if (!hit) {
        db_stmt *s = db_prepare(r->dbc,
            "SELECT user_id, kind, csrf, last_seen_at, expires_at FROM sessions "
            "WHERE token_hash = ? AND revoked_at IS NULL");
        if (!s) return -1;
        db_bind_text(s, 1, th, -1);
        int rc = db_step(s);
        if (rc != DB_ROW) { db_done(s); return rc == DB_DONE ? 0 : -1; }
        int64_t uid = db_col_int(s, 0);
        is_token = strcmp(db_col_text(s, 1), "token") == 0;
        char csrf[48];
        snprintf(csrf, sizeof csrf, "%s", db_col_text(s, 2));
        last_seen = parse_iso(db_col_text(s, 3));
        expires = parse_iso(db_col_text(s, 4));
        db_done(s);
        rc = principal_load(r->dbc, uid, p);
        if (rc != 0) return rc < 0 ? -1 : 0;
        snprintf(p->csrf, sizeof p->csrf, "%s", csrf);
        snprintf(p->token_hash, sizeof p->token_hash, "%s", th);
        pthread_mutex_lock(mu);
        snprintf(e->token_hash, sizeof e->token_hash, "%s", th);
        e->at = now_monotonic();
        e->gen = gen;
        e->expires = expires;
        e->last_seen = last_seen;
        e->is_token = is_token;
        principal_copy(&e->p, p);
        pthread_mutex_unlock(mu);
    }
    /* a browser cookie must not be replayed as a bearer token or vice versa */
    if (is_token != via_bearer) return 0;
    if (t >= expires) return 0;
    if (!is_token && t - last_seen > session_idle_timeout_s) return 0;
    p->via_bearer = via_bearer;
    /* last_seen_at is written at most once a minute, after the request's reads (session_touch) */
    p->touch = t - last_seen > 60;
    if (p->touch) {                       /* the cached copy is touched now, so it is written once */
        pthread_mutex_lock(mu);
        if (!strcmp(e->token_hash, th)) e->last_seen = t;
        pthread_mutex_unlock(mu);
    }
    r->who = p;
    return 0;
}

void session_touch(req *r) {
    char now[32];
    iso_at(time(NULL), now);
    db_stmt *s = db_prepare(r->dbc, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?");
    if (s) { db_bind_text(s, 1, now, -1); db_bind_text(s, 2, r->who->token_hash, -1); db_step(s); db_done(s); }
    r->who->touch = 0;
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
    session_cache_clear();
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
    session_cache_clear();
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
