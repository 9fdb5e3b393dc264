/* http.h: the request a handler sees and the response it builds, on top of libmicrohttpd.
 * One `req` per HTTP request; its arena holds everything the handler allocates. */
#ifndef SHEQU_HTTP_H
#define SHEQU_HTTP_H
#include "arena.h"
#include "auth.h"
#include "crypto.h"
#include "db.h"
#include <jansson.h>
#include <stdint.h>

struct MHD_Connection;
struct route;
struct resource;

typedef struct req {
    arena a;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;              /* path only, no query */
    char client_ip[64];
    double started;               /* monotonic seconds */

    /* body, collected by http.c up to the route's limit */
    char *body;
    size_t body_len, body_cap, body_limit;
    int body_too_large;
    json_t *json;                 /* parsed body, by req_json() */

    /* routing */
    const struct route *route;
    int path_known;               /* the path exists under another method (405) */
    const char *params[4];        /* {placeholders} from the route pattern, in order */
    int nparams;
    const struct resource *res;   /* for generic resource routes */

    /* caller and storage */
    principal *who;               /* NULL when not signed in */
    db_conn *dbc;
    int lang_en;                  /* Accept-Language / ?lang=en: messages in English */

    /* response */
    int status;
    char *resp_body;              /* malloc'd */
    size_t resp_len;
    int resp_fd;                  /* file to send instead of a body (exports), or -1 */
    size_t resp_fd_len;
    const char *content_type;
    const char *hdr_names[8];
    const char *hdr_values[8];
    int nhdr;
    const char *error_code;       /* for the access log */
    int keep_on_error;            /* commit even though the answer is an error (failed-login records) */
    int discard;                  /* roll back even though the answer is a success (dry runs) */
    void *org_memo;               /* org units looked up during this request (org.c) */
    const char *const *cli_query; /* name, value pairs when run from the command line (no conn) */
    int ncli_query;
    const char *const *cli_headers; /* name, value pairs of a request run in process (no conn) */
    int ncli_headers;
} req;

/* Request accessors */
const char *req_header(req *r, const char *name);
const char *req_query(req *r, const char *name);            /* NULL if absent */
/* Calls fn for every query argument (name, value) in order. */
void req_query_each(req *r, void (*fn)(void *ctx, const char *k, const char *v), void *ctx);
const char *req_cookie(req *r, const char *name);
json_t *req_json(req *r);   /* parsed JSON body; on failure sets a 400 response and returns NULL */
int64_t req_param_id(req *r, int i);                        /* params[i] as an id, or -1 */

/* Responses. All return 0 so handlers can `return resp_json(...)`. */
int resp_json(req *r, int status, json_t *body);              /* steals body */
int resp_data(req *r, int status, json_t *data);              /* {"data": data}, steals */
int resp_text(req *r, int status, const char *ctype, const char *text, size_t len);
int resp_file(req *r, int status, const char *ctype, int fd, size_t len, const char *download_name);
void resp_header(req *r, const char *name, const char *value);
/* {"error":{"code","message","fields"?,"field_codes"?}} in the caller's language. */
int resp_error(req *r, int status, const char *code, const char *zh, const char *en);
int resp_error_fields(req *r, int status, const char *code, const char *zh, const char *en, json_t *fields,
                      json_t *field_codes);
/* Replaces, in place, every byte that is not part of a well-formed UTF-8 character with '?': for
 * messages that quote input (cut at a byte count, or not UTF-8 at all) before they go into JSON. */
void utf8_scrub(char *s);
/* Maps a storage error to 409 / 503 / 500 with a stable code. */
int resp_db_error(req *r, int dberr);

/* Runs a handler the way the server does: state-changing methods inside one write transaction,
 * committed only on success. Used by the server and by CLI commands that reuse handlers. */
int http_run_handler(req *r, int (*fn)(req *r));
void req_init_cli(req *r, db_conn *c, principal *who, const char *method);
/* Runs fn again once this thread's current transaction has ended: caches dropped during a write
 * must be dropped again after it commits, or a concurrent reader could have refilled them with
 * the state from before. */
void after_commit(void (*fn)(void));
void req_free_cli(req *r);

/* Server */
struct server_opts {
    const char *host;
    int port;
    int threads;
    int max_connections;
    int per_ip_connections;
    int timeout_s;
    size_t body_limit;            /* default JSON body limit */
    size_t import_limit;          /* upload limit on import routes */
    const char *web_root;         /* static files for the console */
};
int http_serve(db *d, const struct server_opts *o);    /* blocks until SIGTERM/SIGINT */
/* Runs one request in process, as the server does once the body is in: route, body limit, the
 * pipeline (session, CSRF, permission, handler in its transaction). The caller fills r (from
 * req_init_cli, with method, url, cli_query, cli_headers, body) and frees it with req_free_cli.
 * The request fuzzer (tests/fuzz) drives the whole request path this way, without a socket. */
void http_run_inproc(db *d, const struct server_opts *o, req *r);

double now_monotonic(void);
/* UTC time as 2026-11-24T12:00:00Z, and today's date in Asia/Shanghai as YYYY-MM-DD. */
void now_utc_iso(char out[32]);
void today_cn(char out[11]);

#endif
