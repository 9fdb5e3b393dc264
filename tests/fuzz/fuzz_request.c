/* fuzz_request.c: the whole request path in process - method, path, query string, headers and
 * body through the router, session, CSRF and permission checks into every handler, against a
 * small demo district (fixture.c). An input reads like the request it is:
 *
 *     community_worker              the caller: a demo account (browser session, cookie and CSRF
 *     POST /api/v1/persons?lang=en  token added after the input's own headers), "<name> bearer"
 *     Content-Type: application/json   for its API token, anything else anonymous
 *                                   blank line, then the body
 *     {"name":"张三", ...}
 *
 * Besides the sanitizers, every answer must hold: a status the API uses (never 500: nothing a
 * client sends may reach an internal error), a JSON body that parses whenever it says JSON, and
 * a console file only from inside the console's directory. Writes commit, as they would on a
 * server; inputs that sign out or change accounts get the roles signed in again. */
#include "fixture.h"
#include "fuzz_util.h"
#include "http.h"
#include "session.h"
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_HEADERS 32
#define HEADER_BYTES_MAX (8 * 1024)   /* libmicrohttpd's connection memory limit answers 431 past it */

static void fail(const char *what, req *r) {
    fprintf(stderr, "fuzz_request: %s: %s %s -> %d %.*s\n", what, r->method, r->url, r->status,
            (int)(r->resp_len < 400 ? r->resp_len : 400), r->resp_body ? r->resp_body : "");
    abort();
}

/* A file sent for a path outside the API must be one of the console's own. */
static void check_static_file(struct fuzz_fixture *f, req *r) {
    char link[64], target[512];
    snprintf(link, sizeof link, "/proc/self/fd/%d", r->resp_fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) return;
    target[n] = 0;
    size_t rl = strlen(f->web_root);
    if (strncmp(target, f->web_root, rl) != 0 || target[rl] != '/') fail("file outside the console served", r);
}

static void check_answer(struct fuzz_fixture *f, req *r) {
    if (r->status < 200 || r->status > 599 || r->status == 500) fail("status", r);
    if (r->content_type && strstr(r->content_type, "json") && r->resp_body && r->resp_len) {
        json_error_t err;
        json_t *j = json_loadb(r->resp_body, r->resp_len, 0, &err);
        if (!j) fail("answer is not JSON", r);
        json_decref(j);
    }
    if (r->resp_fd >= 0 && !r->route) check_static_file(f, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct fuzz_fixture *f = fuzz_fixture();
    char *buf = fuzz_text(data, size);
    size_t pos = 0;

    req r;
    req_init_cli(&r, NULL, NULL, "GET");
    /* line 1: the caller */
    char *who = fuzz_next_line(buf, size, &pos);
    struct fuzz_role *role = NULL;
    int bearer = 0;
    if (who) {
        char *sp = strchr(who, ' ');
        role = fuzz_role_named(f, who, sp ? (size_t)(sp - who) : strlen(who));
        bearer = sp && strcmp(sp + 1, "bearer") == 0;
    }
    /* line 2: request line; the path decoded, the query split and decoded, as libmicrohttpd does */
    char *line = fuzz_next_line(buf, size, &pos);
    const char *method = "GET";
    char *target = arena_strdup(&r.a, "/");
    if (line) {
        char *sp = strchr(line, ' ');
        if (sp) { *sp = 0; method = line; target = sp + 1; }
        else if (*line) method = line;
    }
    if (!*method) goto out;                  /* no method: libmicrohttpd answers 400 itself */
    char *qs = strchr(target, '?');
    if (qs) *qs++ = 0;
    fuzz_unescape(target, 0);
    r.method = method;
    r.url = target;
    if (qs) {
        const char **pairs;
        fuzz_query_pairs(qs, &r.a, &pairs, &r.ncli_query);
        r.cli_query = pairs;
    }
    /* headers up to a blank line; then the caller's credentials after them, so an input's own
     * Cookie, Authorization or X-CSRF-Token header wins */
    const char **hdrs = arena_alloc(&r.a, sizeof *hdrs * 2 * (MAX_HEADERS + 2));
    int nh = 0;
    char *h;
    while ((h = fuzz_next_line(buf, size, &pos)) && *h) {
        char *colon = strchr(h, ':');
        if (!colon || colon == h || nh == MAX_HEADERS) continue;
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t') v++;
        hdrs[2 * nh] = h;
        hdrs[2 * nh + 1] = v;
        nh++;
    }
    if (pos > HEADER_BYTES_MAX) goto out;
    if (role && bearer) {
        hdrs[2 * nh] = "Authorization"; hdrs[2 * nh + 1] = role->bearer; nh++;
    } else if (role) {
        hdrs[2 * nh] = "Cookie"; hdrs[2 * nh + 1] = role->cookie; nh++;
        hdrs[2 * nh] = "X-CSRF-Token"; hdrs[2 * nh + 1] = role->csrf; nh++;
    }
    r.cli_headers = hdrs;
    r.ncli_headers = nh;
    /* the rest is the body, NUL-terminated as the server keeps it */
    if (pos < size) {
        r.body_len = size - pos;
        r.body = fuzz_text(data + pos, r.body_len);
    }
    snprintf(r.client_ip, sizeof r.client_ip, "127.0.0.1");

    http_run_inproc(f->d, &f->opts, &r);
    if (getenv("FUZZ_TRACE"))             /* what each input got: for writing seeds */
        fprintf(stderr, "%s %s %s -> %d %.*s\n", role ? role->username : "-", method, target, r.status,
                (int)(r.resp_len < 160 ? r.resp_len : 160), r.resp_body ? r.resp_body : "");
    check_answer(f, &r);
    /* a session ended or an account changed: sign the roles in again so later inputs still
     * reach past the sign-in */
    if (r.status < 400 && strcmp(method, "GET") != 0 &&
        (strstr(target, "/auth/") || strstr(target, "/users") || strstr(target, "/roles")))
        fuzz_fixture_sessions(f);
    free(r.body);
    r.body = NULL;
out:
    req_free_cli(&r);
    free(buf);
    return 0;
}
