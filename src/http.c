/* http.c: the server - libmicrohttpd with epoll and a thread pool, request bodies collected up
 * to a per-route limit (413 past it), connection cap and idle timeout, graceful shutdown on
 * SIGTERM, one access-log line per request, static console files, and the request pipeline:
 * route -> session -> CSRF -> permission -> handler inside one transaction. */
#include "http.h"
#include "log.h"
#include "org.h"
#include "ratelimit.h"
#include "router.h"
#include "session.h"
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static db *g_db;
static const struct server_opts *g_opts;
static int g_inflight;                  /* requests begun and not yet completed */
/* Bodies over the route's limit by at most this much are read and dropped before the 413 is sent. */
#define DRAIN_MAX (16u * 1024 * 1024)

double now_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void now_utc_iso(char out[32]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void today_cn(char out[11]) {
    static __thread time_t cached_day = -1;
    static __thread char cached[11];
    time_t t = time(NULL) + 8 * 3600;      /* Asia/Shanghai has no daylight saving */
    if (t / 86400 != cached_day) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(cached, sizeof cached, "%Y-%m-%d", &tm);
        cached_day = t / 86400;
    }
    memcpy(out, cached, 11);
}

/* ---------- request accessors ---------- */

const char *req_header(req *r, const char *name) {
    if (!r->conn) {
        /* header names are case-insensitive, as libmicrohttpd looks them up */
        for (int i = 0; i + 1 < r->ncli_headers * 2; i += 2)
            if (strcasecmp(r->cli_headers[i], name) == 0) return r->cli_headers[i + 1];
        return NULL;
    }
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_query(req *r, const char *name) {
    if (!r->conn) {
        for (int i = 0; i + 1 < r->ncli_query * 2; i += 2)
            if (strcmp(r->cli_query[i], name) == 0) return r->cli_query[i + 1];
        return NULL;
    }
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct each_ctx { void (*fn)(void *, const char *, const char *); void *ctx; };
static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v) {
    struct each_ctx *e = cls;
    e->fn(e->ctx, k, v ? v : "");
    return MHD_YES;
}
void req_query_each(req *r, void (*fn)(void *ctx, const char *k, const char *v), void *ctx) {
    if (!r->conn) {
        for (int i = 0; i + 1 < r->ncli_query * 2; i += 2) fn(ctx, r->cli_query[i], r->cli_query[i + 1]);
        return;
    }
    struct each_ctx e = {fn, ctx};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, each_arg, &e);
}

const char *req_cookie(req *r, const char *name) {
    if (!r->conn) {
        /* "a=1; b=2" from a Cookie header of a request run in process */
        const char *h = req_header(r, "Cookie");
        size_t nl = strlen(name);
        for (const char *p = h; p && *p;) {
            while (*p == ' ' || *p == ';') p++;
            const char *end = strchr(p, ';');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=')
                return arena_strndup(&r->a, p + nl + 1, len - nl - 1);
            p += len;
        }
        return NULL;
    }
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

/* Answers carry only valid UTF-8 (json_string and json_pack refuse anything else, leaving the
 * answer without its message, or without a body): jansson quotes the bytes near a syntax error,
 * and messages that quote input cut it at a byte count ("%.60s"). */
void utf8_scrub(char *s) {
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        int len = *p < 0x80 ? 1 : *p >= 0xC2 && *p <= 0xDF ? 2 : *p >= 0xE0 && *p <= 0xEF ? 3 : *p >= 0xF0 && *p <= 0xF4 ? 4 : 0;
        int ok = len > 0;
        for (int i = 1; ok && i < len; i++) ok = (p[i] & 0xC0) == 0x80;
        if (ok && len == 3) ok = !(p[0] == 0xE0 && p[1] < 0xA0) && !(p[0] == 0xED && p[1] >= 0xA0);
        if (ok && len == 4) ok = !(p[0] == 0xF0 && p[1] < 0x90) && !(p[0] == 0xF4 && p[1] >= 0x90);
        if (!ok) { *p++ = '?'; continue; }
        p += len;
    }
}

json_t *req_json(req *r) {
    if (r->json) return r->json;
    if (!r->body_len) {
        resp_error(r, 400, "body_required", "请求体不能为空，需要 JSON 对象", "A JSON object body is required");
        return NULL;
    }
    json_error_t err;
    r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!r->json) {
        utf8_scrub(err.text);
        char zh[300], en[300];
        snprintf(zh, sizeof zh, "JSON 格式错误（第 %d 行第 %d 列）：%s", err.line, err.column, err.text);
        snprintf(en, sizeof en, "Malformed JSON at line %d column %d: %s", err.line, err.column, err.text);
        resp_error(r, 400, "malformed_json", zh, en);
        return NULL;
    }
    if (!json_is_object(r->json)) {
        resp_error(r, 400, "malformed_json", "请求体必须是 JSON 对象", "The body must be a JSON object");
        json_decref(r->json);
        r->json = NULL;
        return NULL;
    }
    return r->json;
}

int64_t req_param_id(req *r, int i) {
    if (i >= r->nparams || !r->params[i]) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(r->params[i], &end, 10);
    if (*end || errno || v <= 0) return -1;
    return v;
}

/* ---------- responses ---------- */

static void set_body(req *r, char *body, size_t len) {
    free(r->resp_body);
    r->resp_body = body;
    r->resp_len = len;
}

int resp_json(req *r, int status, json_t *body) {
    r->status = status;
    r->content_type = "application/json; charset=utf-8";
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    set_body(r, s, s ? strlen(s) : 0);
    return 0;
}

int resp_data(req *r, int status, json_t *data) {
    return resp_json(r, status, json_pack("{s:o}", "data", data ? data : json_null()));
}

int resp_text(req *r, int status, const char *ctype, const char *text, size_t len) {
    r->status = status;
    r->content_type = ctype;
    char *s = malloc(len + 1);
    memcpy(s, text, len);
    s[len] = 0;
    set_body(r, s, len);
    return 0;
}

void resp_header(req *r, const char *name, const char *value) {
    if (r->nhdr < 8) {
        r->hdr_names[r->nhdr] = name;
        r->hdr_values[r->nhdr] = arena_strdup(&r->a, value);
        r->nhdr++;
    }
}

int resp_file(req *r, int status, const char *ctype, int fd, size_t len, const char *download_name) {
    r->status = status;
    r->content_type = ctype;
    if (r->resp_fd >= 0) close(r->resp_fd);
    r->resp_fd = fd;
    r->resp_fd_len = len;
    if (download_name)
        resp_header(r, "Content-Disposition",
                    arena_printf(&r->a, "attachment; filename=\"export\"; filename*=UTF-8''%s", download_name));
    return 0;
}

int resp_error_fields(req *r, int status, const char *code, const char *zh, const char *en, json_t *fields,
                      json_t *field_codes) {
    json_t *e = json_pack("{s:s,s:s}", "code", code, "message", r->lang_en ? en : zh);
    if (fields) json_object_set_new(e, "fields", fields);
    if (field_codes) json_object_set_new(e, "field_codes", field_codes);
    r->error_code = code;
    return resp_json(r, status, json_pack("{s:o}", "error", e));
}

int resp_error(req *r, int status, const char *code, const char *zh, const char *en) {
    return resp_error_fields(r, status, code, zh, en, NULL, NULL);
}

int resp_db_error(req *r, int dberr) {
    /* the final word on the request: nothing the handler had prepared (a file to send, a session
     * cookie, its headers) goes out with it - the transaction behind them did not commit */
    if (r->resp_fd >= 0) close(r->resp_fd);
    r->resp_fd = -1;
    r->nhdr = 0;
    switch (dberr) {
    case DB_ERR_UNIQUE:
        return resp_error(r, 409, "conflict", "记录重复，与已有记录冲突", "Duplicate: conflicts with an existing record");
    case DB_ERR_CONSTRAINT:
        return resp_error(r, 409, "constraint_failed", "违反数据约束（引用的记录不存在或仍被引用）",
                          "A data constraint failed (a referenced record is missing or still in use)");
    case DB_ERR_BUSY:
        resp_header(r, "Retry-After", "1");
        return resp_error(r, 503, "busy", "系统繁忙，请稍后重试", "The database is busy; retry shortly");
    case DB_ERR_READONLY: case DB_ERR_FULL: case DB_ERR_IO: {
        /* storage faults: the database layer logs each once (db_fault), not once a request */
        int k = dberr == DB_ERR_READONLY ? 0 : dberr == DB_ERR_FULL ? 1 : 2;
        static const char *what[][2] = {{"磁盘只读", "read-only disk"}, {"磁盘已满", "disk full"}, {"磁盘读写错误", "disk I/O error"}};
        resp_header(r, "Retry-After", "30");
        return resp_error(r, 503, "storage_unavailable", arena_printf(&r->a, "存储暂不可用（%s），请稍后重试", what[k][0]),
                          arena_printf(&r->a, "Storage is unavailable (%s); retry later", what[k][1]));
    }
    case DB_ERR_UNAVAILABLE:
        resp_header(r, "Retry-After", "5");
        return resp_error(r, 503, "database_unavailable", "数据库暂不可用，请稍后重试",
                          "The database cannot be reached; retry shortly");
    default:
        /* a handler that says only "failed" (-1) after its statement met a storage fault */
        if (r->dbc && db_is_fault(db_errcode(r->dbc))) return resp_db_error(r, db_errcode(r->dbc));
        log_error("msg=\"database error\" err=%d detail=\"%s\"", dberr, r->dbc ? db_errmsg(r->dbc) : "");
        return resp_error(r, 500, "internal_error", "服务器内部错误", "Internal server error");
    }
}

/* ---------- static files ---------- */

static const char *mime_of(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot) return "application/octet-stream";
    static const char *map[][2] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
        {".ico", "image/x-icon"}, {".woff2", "font/woff2"}, {".woff", "font/woff"}, {".ttf", "font/ttf"},
        {".map", "application/json"}, {".txt", "text/plain; charset=utf-8"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(dot, map[i][0]) == 0) return map[i][1];
    return "application/octet-stream";
}

static int serve_static(req *r) {
    const char *root = g_opts->web_root;
    const char *p = r->url;
    /* a request target need not start with '/' ("GET abc HTTP/1.1" reaches here as "abc") */
    if (p[0] != '/') return resp_error(r, 404, "not_found", "页面不存在", "Not found");
    /* the console's client-side routes fall back to index.html */
    if (strcmp(p, "/") == 0 || !strchr(strrchr(p, '/'), '.')) p = "/index.html";
    if (strstr(p, "..") || strstr(p, "//") || strchr(p, '\\'))
        return resp_error(r, 404, "not_found", "页面不存在", "Not found");
    const char *path = arena_printf(&r->a, "%s%s", root, p);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        return resp_error(r, 404, "not_found", "页面不存在", "Not found");
    }
    /* revalidated on every load (a rebuilt console shows at once), answered 304 when unchanged:
     * the libraries are 2 MB that a browser then fetches once */
    const char *etag = arena_printf(&r->a, "\"%llx-%llx\"", (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                                    (unsigned long long)st.st_mtim.tv_nsec, (unsigned long long)st.st_size);
    resp_header(r, "Cache-Control", "no-cache");
    resp_header(r, "ETag", etag);
    const char *inm = req_header(r, "If-None-Match");
    if (inm && strcmp(inm, etag) == 0) {
        close(fd);
        return resp_text(r, 304, NULL, "", 0);
    }
    return resp_file(r, 200, mime_of(path), fd, (size_t)st.st_size, NULL);
}

/* ---------- pipeline ---------- */

static int is_safe_method(const char *m) { return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0; }
static int needs_write(req *r);

static void dispatch(req *r) {
    if (ratelimit_check(r)) return;                /* 429 past the client's limit */
    int path_known = r->path_known;
    const struct route *rt = r->route;             /* matched when the request arrived */
    if (!rt) {
        if (strncmp(r->url, "/api/", 5) != 0 && is_safe_method(r->method) && g_opts->web_root) {
            serve_static(r);
            return;
        }
        if (path_known) resp_error(r, 405, "method_not_allowed", "不支持该请求方法", "Method not allowed");
        else resp_error(r, 404, "not_found", "接口不存在", "No such endpoint");
        return;
    }
    if (r->body_too_large) {
        resp_error(r, 413, "body_too_large", "请求体过大", "Request body too large");
        return;
    }
    r->dbc = db_acquire(g_db);
    /* reads see one snapshot and take the file locks once per request, not once per statement */
    int read_tx = is_safe_method(r->method) && !needs_write(r) && !(rt->flags & RT_ONE_READ);
    if (read_tx && db_begin_read(r->dbc) != 0) { resp_db_error(r, db_errcode(r->dbc)); return; }
    int rc = session_authenticate(r);
    if (rc < 0) { if (read_tx) db_rollback(r->dbc); resp_db_error(r, db_errcode(r->dbc)); return; }
    if (!(rt->flags & RT_PUBLIC) && !r->who) {
        resp_error(r, 401, "unauthenticated", "请先登录", "Sign in first");
    } else if (!is_safe_method(r->method) && r->who && !r->who->via_bearer && !(rt->flags & RT_NO_CSRF) &&
               (!req_header(r, "X-CSRF-Token") || !crypto_equal(req_header(r, "X-CSRF-Token"), r->who->csrf))) {
        resp_error(r, 403, "csrf_failed", "缺少或错误的 CSRF 令牌（X-CSRF-Token）",
                   "Missing or wrong CSRF token (X-CSRF-Token header)");
    } else if (rt->perm && !principal_can(r->who, rt->perm)) {
        resp_error(r, 403, "forbidden", "没有权限执行此操作", "You do not have permission for this");
    } else {
        http_run_handler(r, rt->fn);
    }
    /* a read that wrote (an export's audit entry) is served only if that write commits */
    if (read_tx && db_commit(r->dbc) != 0) resp_db_error(r, db_errcode(r->dbc));
    /* a read that met a storage fault its handler let pass (a name it could not look up) would be
     * answered in part: 503 instead, as for the statement that failed */
    else if (is_safe_method(r->method) && r->status < 400 && db_is_fault(db_errcode(r->dbc)))
        resp_db_error(r, db_errcode(r->dbc));
    if (r->who && r->who->touch) session_touch(r);
    if (!r->status) resp_error(r, 500, "internal_error", "服务器内部错误", "Internal server error");
}

/* GETs that write: an unmasked read is audited in the same breath as it is served. */
static int needs_write(req *r) {
    const char *um = req_query(r, "unmask");
    return um && (!strcmp(um, "1") || !strcmp(um, "true"));
}

static __thread void (*pending_fns[4])(void);
static __thread int npending;

void after_commit(void (*fn)(void)) {
    for (int i = 0; i < npending; i++) if (pending_fns[i] == fn) return;
    if (npending < 4) pending_fns[npending++] = fn;
}

static void run_after_commit(void) {
    int n = npending;
    npending = 0;
    for (int i = 0; i < n; i++) pending_fns[i]();
}

int http_run_handler(req *r, int (*fn)(req *r)) {
    int writes = !is_safe_method(r->method) || needs_write(r);
    if (writes && db_begin_write(r->dbc) != 0) return resp_db_error(r, db_errcode(r->dbc));
    int rc = fn(r);
    if (writes) {
        if (rc == 0 && r->status < 400 && !r->discard) {
            if (db_commit(r->dbc) != 0) resp_db_error(r, db_errcode(r->dbc));
        } else if (r->keep_on_error && !r->discard) {
            if (db_commit(r->dbc) != 0) log_error("msg=\"commit of failure record failed\"");
        } else {
            db_rollback(r->dbc);
        }
        run_after_commit();
    }
    if (rc != 0 && r->status < 400) resp_db_error(r, rc < 0 ? rc : db_errcode(r->dbc));
    return 0;
}

void req_init_cli(req *r, db_conn *c, principal *who, const char *method) {
    memset(r, 0, sizeof *r);
    arena_init(&r->a);
    r->method = method;
    r->url = "";
    r->dbc = c;
    r->who = who;
    r->resp_fd = -1;
    snprintf(r->client_ip, sizeof r->client_ip, "cli");
}

void req_free_cli(req *r) {
    org_memo_free(r);
    if (r->resp_fd >= 0) close(r->resp_fd);
    if (r->json) json_decref(r->json);
    free(r->resp_body);
    arena_free(&r->a);
}

/* Pages of the console get the full policy; API answers are data, never rendered or framed, and
 * get what matters for data (OWASP REST guidance): no sniffing, no framing, no caching. */
static const char *page_headers[][2] = {
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "same-origin"},
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
     "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"},
};
static const char *api_headers[][2] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
    {"Cache-Control", "no-store"},
};

static enum MHD_Result send_response(struct MHD_Connection *conn, req *r) {
    struct MHD_Response *resp;
    if (r->resp_fd >= 0) {
        resp = MHD_create_response_from_fd((uint64_t)r->resp_fd_len, r->resp_fd);
        r->resp_fd = -1;                      /* MHD closes it */
    } else {
        resp = MHD_create_response_from_buffer(r->resp_len, r->resp_body ? r->resp_body : (char *)"",
                                               r->resp_body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        r->resp_body = NULL;
    }
    if (!resp) return MHD_NO;
    if (r->content_type) MHD_add_response_header(resp, "Content-Type", r->content_type);
    if (strncmp(r->url, "/api/", 5) == 0)
        for (size_t i = 0; i < sizeof api_headers / sizeof api_headers[0]; i++)
            MHD_add_response_header(resp, api_headers[i][0], api_headers[i][1]);
    else
        for (size_t i = 0; i < sizeof page_headers / sizeof page_headers[0]; i++)
            MHD_add_response_header(resp, page_headers[i][0], page_headers[i][1]);
    for (int i = 0; i < r->nhdr; i++) MHD_add_response_header(resp, r->hdr_names[i], r->hdr_values[i]);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void client_ip_of(struct MHD_Connection *conn, char *out, size_t outsz) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = 0;
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outsz);
    else if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)outsz);
}

/* Language, route and body limit of a request that just arrived (method and url set). */
static void request_begin(req *r) {
    const char *lang = req_query(r, "lang");
    if (!lang) lang = req_header(r, "Accept-Language");
    r->lang_en = lang && strncmp(lang, "en", 2) == 0;
    /* the limit depends on the route: imports take files, everything else small JSON */
    const struct route *rt = route_match(r, r->method, r->url, &r->path_known);
    r->body_limit = rt && (rt->flags & RT_UPLOAD) ? g_opts->import_limit : g_opts->body_limit;
}

void http_run_inproc(db *d, const struct server_opts *o, req *r) {
    g_db = d;
    g_opts = o;
    request_begin(r);
    if (r->body_len > r->body_limit) r->body_too_large = 1;
    dispatch(r);
    if (r->dbc) { db_release(r->dbc); r->dbc = NULL; }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        __atomic_add_fetch(&g_inflight, 1, __ATOMIC_SEQ_CST);
        arena_init(&r->a);
        r->conn = conn;
        r->method = arena_strdup(&r->a, method);
        r->url = arena_strdup(&r->a, url);
        r->resp_fd = -1;
        r->started = now_monotonic();
        client_ip_of(conn, r->client_ip, sizeof r->client_ip);
        request_begin(r);
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        unsigned long long clv = cl ? strtoull(cl, NULL, 10) : 0;
        if (clv > r->body_limit) r->body_too_large = 1;   /* the body is read and dropped, then 413 */
        if (clv > r->body_limit + DRAIN_MAX) {
            /* far too large: refuse before reading a byte of it; the connection closes after this
             * answer, and a client still sending may see a reset instead of the 413. Below this,
             * the body is drained so that the client reliably reads the answer. */
            resp_error(r, 413, "body_too_large", "请求体过大", "Request body too large");
            return send_response(conn, r);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->body_too_large) return MHD_YES;
        if (r->body_len + n > r->body_limit) {
            r->body_too_large = 1;
            free(r->body);
            r->body = NULL;
            r->body_len = r->body_cap = 0;
            return MHD_YES;
        }
        if (r->body_len + n + 1 > r->body_cap) {
            size_t cap = r->body_cap ? r->body_cap * 2 : 4096;
            while (cap < r->body_len + n + 1) cap *= 2;
            char *b = realloc(r->body, cap);
            if (!b) return MHD_NO;
            r->body = b;
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        r->body[r->body_len] = 0;
        return MHD_YES;
    }
    if (r->status) return MHD_YES;        /* already answered (early 413) */
    dispatch(r);
    if (r->dbc) { db_release(r->dbc); r->dbc = NULL; }
    return send_response(conn, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe) {
    req *r = *con_cls;
    if (!r) return;
    __atomic_sub_fetch(&g_inflight, 1, __ATOMIC_SEQ_CST);
    double ms = (now_monotonic() - r->started) * 1000.0;
    if (log_level >= LOG_INFO && !(g_opts && getenv("SHEQU_QUIET_ACCESS")))
        log_msg(LOG_INFO, "access method=%s path=\"%s\" status=%d ms=%.2f user=%s ip=%s%s%s", r->method, r->url,
                r->status, ms, r->who ? r->who->username : "-", r->client_ip, r->error_code ? " error=" : "",
                r->error_code ? r->error_code : "");
    if (r->dbc) db_release(r->dbc);
    if (r->resp_fd >= 0) close(r->resp_fd);
    if (r->json) json_decref(r->json);
    org_memo_free(r);
    free(r->body);
    free(r->resp_body);
    arena_free(&r->a);
    free(r);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
    log_warn("msg=\"httpd: %s\"", buf);
}

int http_serve(db *d, const struct server_opts *o) {
    g_db = d;
    g_opts = o;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);   /* server threads inherit the mask; main waits */
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o->port);
    if (inet_pton(AF_INET, o->host, &sa.sin_addr) != 1) {
        log_error("msg=\"listen address must be an IPv4 address\" host=%s", o->host);
        return -1;
    }
    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_USE_ITC, /* ITC: quiesce */
        (uint16_t)o->port, NULL, NULL, on_request, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)o->per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(8 * 1024),   /* caps request line + headers (431 past it) */
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!daemon) {
        log_error("msg=\"cannot listen\" host=%s port=%d err=\"%s\"", o->host, o->port, strerror(errno));
        return -1;
    }
    log_info("msg=\"serving\" url=http://%s:%d/ threads=%d engine=%s", o->host, o->port, o->threads, db_engine(d));
    int sig = 0;
    sigwait(&set, &sig);
    log_info("msg=\"shutting down\" signal=%d", sig);
    MHD_quiesce_daemon(daemon);                  /* stop accepting; let requests under way finish */
    for (int i = 0; i < 100; i++) {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        /* requests under way, not idle keep-alive connections, are what shutdown waits for */
        if (!di || di->num_connections == 0 || __atomic_load_n(&g_inflight, __ATOMIC_SEQ_CST) == 0) break;
        usleep(50 * 1000);
    }
    MHD_stop_daemon(daemon);
    log_info("msg=\"stopped\"");
    return 0;
}
