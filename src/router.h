/* router.h: the route table - every endpoint of the API in one list (routes.c), matched by
 * method and path pattern. The table is also the source for the authorization matrix test. */
#ifndef SHEQU_ROUTER_H
#define SHEQU_ROUTER_H
#include "http.h"

typedef int (*handler_fn)(req *r);

enum route_flags {
    RT_PUBLIC = 1,      /* no sign-in needed */
    RT_NO_CSRF = 2,     /* state-changing but exempt from the CSRF header (login) */
    RT_UPLOAD = 4,      /* large body allowed (imports) */
    RT_STATIC = 8,      /* console files */
    RT_ONE_READ = 16    /* reads one row: needs no snapshot across statements (no read transaction) */
};

struct route {
    const char *method;     /* GET POST PATCH DELETE PUT */
    const char *pattern;    /* /api/v1/{res}/{id}: {id} digits, {res} a declared resource, {x} any */
    handler_fn fn;
    unsigned flags;
    const char *perm;       /* permission checked before the handler; NULL: resource's own, or none */
    const char *summary_zh, *summary_en;
};

extern const struct route routes[];
extern const int routes_count;

/* Finds the route for method + path and fills r->params / r->res. Returns NULL if none;
 * *path_known is set when the path matched under another method (405). */
const struct route *route_match(req *r, const char *method, const char *path, int *path_known);

#endif
