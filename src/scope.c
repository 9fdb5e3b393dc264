/* scope.c: see scope.h. A unit's path is "/<id>/<id>/.../" from the root; the subtree of a unit
 * is the half-open string range [path, path with the final '/' replaced by '0'), which uses a
 * plain B-tree index in SQLite and PostgreSQL alike (no LIKE, no collation surprises). */
#include "scope.h"
#include <stdio.h>
#include <string.h>

void scope_path_upper(const char *prefix, char *out, size_t outsz) {
    size_t n = strlen(prefix);
    if (n + 1 > outsz) n = outsz - 1;
    memcpy(out, prefix, n);
    out[n] = 0;
    if (n && out[n - 1] == '/') out[n - 1] = '0';
}

int scope_restrict(sqlb *q, const principal *p, const char *perm, const char *alias) {
    enum scope_kind k = p ? principal_scope(p, perm) : SCOPE_NONE;
    char col[64];
    switch (k) {
    case SCOPE_ALL:
        return 0;
    case SCOPE_SUBTREE: {
        char upper[256];
        scope_path_upper(p->org_path, upper, sizeof upper);
        sqlb_sql(q, " AND ");
        snprintf(col, sizeof col, "%s.org_path", alias);
        sqlb_sql(q, col);
        sqlb_sql(q, " >= ");
        sqlb_val(q, sv_text(arena_strdup(q->sql.a, p->org_path)));
        sqlb_sql(q, " AND ");
        sqlb_sql(q, col);
        sqlb_sql(q, " < ");
        sqlb_val(q, sv_text(arena_strdup(q->sql.a, upper)));
        return 0;
    }
    case SCOPE_UNIT:
        snprintf(col, sizeof col, " AND %s.org_id = ", alias);
        sqlb_sql(q, col);
        sqlb_val(q, sv_int(p->org_id));
        return 0;
    case SCOPE_SELF:
        snprintf(col, sizeof col, " AND %s.created_by = ", alias);
        sqlb_sql(q, col);
        sqlb_val(q, sv_int(p->user_id));
        return 0;
    default:
        sqlb_sql(q, " AND 0=1");
        return -1;
    }
}

static void path_range(sqlb *q, const char *alias, const char *path) {
    char col[64], upper[256];
    scope_path_upper(path, upper, sizeof upper);
    snprintf(col, sizeof col, "%s.org_path", alias);
    sqlb_sql(q, " AND ");
    sqlb_sql(q, col);
    sqlb_sql(q, " >= ");
    sqlb_val(q, sv_text(arena_strdup(q->sql.a, path)));
    sqlb_sql(q, " AND ");
    sqlb_sql(q, col);
    sqlb_sql(q, " < ");
    sqlb_val(q, sv_text(arena_strdup(q->sql.a, upper)));
}

int scope_restrict_within(sqlb *q, const principal *p, const char *perm, const char *alias, const char *within) {
    enum scope_kind k = p ? principal_scope(p, perm) : SCOPE_NONE;
    if (k == SCOPE_SUBTREE || k == SCOPE_ALL) {
        /* prefix ranges nest or are disjoint: the intersection is the longer one, or nothing */
        if (k == SCOPE_ALL || strncmp(within, p->org_path, strlen(p->org_path)) == 0) path_range(q, alias, within);
        else if (strncmp(p->org_path, within, strlen(within)) == 0) path_range(q, alias, p->org_path);
        else sqlb_sql(q, " AND 0=1");
        return 0;
    }
    int rc = scope_restrict(q, p, perm, alias);
    if (rc == 0) path_range(q, alias, within);
    return rc;
}

int scope_allows(const principal *p, const char *perm, const char *org_path, int64_t org_id, int64_t created_by) {
    enum scope_kind k = p ? principal_scope(p, perm) : SCOPE_NONE;
    switch (k) {
    case SCOPE_ALL: return 1;
    case SCOPE_SUBTREE: return org_path && strncmp(org_path, p->org_path, strlen(p->org_path)) == 0;
    case SCOPE_UNIT: return org_id == p->org_id;
    case SCOPE_SELF: return created_by == p->user_id;
    default: return 0;
    }
}
