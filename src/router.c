/* router.c: matches a method and path against the route table (routes.c). Patterns are split on
 * '/'; {id} takes digits, {res} a declared resource name, {x} any segment, and a placeholder may
 * end in a literal suffix ("{res}.csv"). */
#include "router.h"
#include "resource.h"
#include <ctype.h>
#include <string.h>

static int seg_match(req *r, const char *pat, size_t plen, const char *seg, size_t slen, int capture) {
    if (plen && pat[0] == '{') {
        const char *close = memchr(pat, '}', plen);
        if (!close) return 0;
        size_t namelen = (size_t)(close - pat - 1);
        const char *suffix = close + 1;
        size_t sufflen = plen - (size_t)(suffix - pat);
        if (slen <= sufflen || memcmp(seg + slen - sufflen, suffix, sufflen) != 0) return 0;
        size_t vlen = slen - sufflen;
        if (namelen == 2 && memcmp(pat + 1, "id", 2) == 0) {
            if (vlen > 18) return 0;
            for (size_t i = 0; i < vlen; i++) if (!isdigit((unsigned char)seg[i])) return 0;
        }
        if (namelen == 3 && memcmp(pat + 1, "res", 3) == 0) {
            char name[64];
            if (vlen >= sizeof name) return 0;
            memcpy(name, seg, vlen);
            name[vlen] = 0;
            const struct resource *res = resource_find(name);
            if (!res) return 0;
            if (capture) r->res = res;
            return 1;
        }
        if (capture && r->nparams < 4) r->params[r->nparams++] = arena_strndup(&r->a, seg, vlen);
        return 1;
    }
    return plen == slen && memcmp(pat, seg, slen) == 0;
}

static int path_match(req *r, const char *pattern, const char *path, int capture) {
    const char *p = pattern, *s = path;
    if (capture) { r->nparams = 0; r->res = NULL; }
    while (*p == '/' && *s == '/') {
        p++;
        s++;
        const char *pe = strchr(p, '/'), *se = strchr(s, '/');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p), sl = se ? (size_t)(se - s) : strlen(s);
        if (!seg_match(r, p, pl, s, sl, capture)) return 0;
        p += pl;
        s += sl;
    }
    return *p == 0 && *s == 0;
}

const struct route *route_match(req *r, const char *method, const char *path, int *path_known) {
    *path_known = 0;
    for (int i = 0; i < routes_count; i++) {
        const struct route *rt = &routes[i];
        if (!path_match(r, rt->pattern, path, 0)) continue;
        if (strcmp(rt->method, method) != 0 && !(strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
            *path_known = 1;
            continue;
        }
        path_match(r, rt->pattern, path, 1);
        r->route = rt;
        return rt;
    }
    return NULL;
}
