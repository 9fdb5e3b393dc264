/* session.h: sessions and bearer tokens, stored in the database so any server process can
 * answer any request. */
#ifndef SHEQU_SESSION_H
#define SHEQU_SESSION_H
#include "http.h"

#define SESSION_COOKIE "shequ_session"

/* Sets r->who from the cookie or Authorization header; leaves it NULL when absent, expired or
 * revoked. Returns <0 only for a storage failure. */
int session_authenticate(req *r);
/* Loads user `user_id`'s principal (roles, grants, org path) into p. 0, 1 if no such active user. */
int principal_load(db_conn *c, int64_t user_id, principal *p);
/* Creates a session (kind "session" or "token") and returns the secret token. */
int session_create(db_conn *c, int64_t user_id, const char *kind, const char *ip, int ttl_s, const char *label,
                   char token[CRYPTO_TOKEN_CHARS + 1], char csrf[CRYPTO_TOKEN_CHARS + 1]);
int session_revoke(db_conn *c, const char *token_hash);
/* Records the session's last activity (at most once a minute, outside the request's snapshot). */
void session_touch(req *r);
/* Forget every cached principal (users, roles or sessions changed in this process). */
void session_cache_clear(void);
int session_revoke_user(db_conn *c, int64_t user_id, const char *except_hash);

extern int session_idle_timeout_s;      /* inactivity before a browser session ends */
extern int session_max_age_s;

#endif
