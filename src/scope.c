/* scope.c: see scope.h. A unit's path is "/<id>/<id>/.../" from the root; the subtree of a unit
 * is the half-open string range [path, path with the final '/' replaced by '0'), which uses a
 * plain B-tree index in SQLite and PostgreSQL alike (no LIKE, no collation surprises). */
#include "scope.h"
#include <stdio.h>
#include <string.h>
#include <jansson.h>

/* How the scope of a care provider's people reads on each table (home care, issue 5): the rows of
 * a provider_admin are those naming their provider, the rows of a caregiver those naming them; an
 * elder is theirs while one of their orders serves the elder. `%s` is the row's alias, `?` the
 * caller's provider or caregiver id. Tables not listed hold nothing for these scopes. `reads` is
 * the other table the predicate looks into, whose changes a cached answer must also follow. */
static const struct party_scope {
    const char *table, *provider, *caregiver, *reads;
    const char *provider_col, *caregiver_col;      /* the row's own columns, for scope_allows_record */
} party_scopes[] = {
    {"providers", "%s.id = ?", "%s.id = ?", NULL, "id", NULL},
    {"caregivers", "%s.provider_id = ?", "%s.id = ?", NULL, "provider_id", "id"},
    {"service_orders", "%s.provider_id = ?", "%s.caregiver_id = ?", NULL, "provider_id", "caregiver_id"},
    {"service_order_events",
     "EXISTS (SELECT 1 FROM service_orders so WHERE so.id = %s.order_id AND so.provider_id = ?)",
     "EXISTS (SELECT 1 FROM service_orders so WHERE so.id = %s.order_id AND so.caregiver_id = ?)", "service_orders", NULL, NULL},
    {"elders",
     "EXISTS (SELECT 1 FROM service_orders so WHERE so.elder_id = %s.id AND so.provider_id = ? AND so.deleted_at IS NULL)",
     "EXISTS (SELECT 1 FROM service_orders so WHERE so.elder_id = %s.id AND so.caregiver_id = ? AND so.deleted_at IS NULL)",
     "service_orders", NULL, NULL},
    /* care plans and settlements (care_plan.c, settlement.c): a provider's own; a caregiver their plans */
    {"care_plans", "%s.provider_id = ?", "%s.caregiver_id = ?", NULL, "provider_id", "caregiver_id"},
    {"settlements", "%s.provider_id = ?", NULL, NULL, "provider_id", NULL},
    {"settlement_lines", "%s.provider_id = ?", NULL, NULL, "provider_id", NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL}};

static const struct party_scope *party_scope_of(const char *table) {
    for (int i = 0; table && party_scopes[i].table; i++)
        if (!strcmp(party_scopes[i].table, table)) return &party_scopes[i];
    return NULL;
}

/* " AND <predicate>" of a provider or caregiver scope on `table`, or nothing visible. */
static void party_restrict(sqlb *q, const principal *p, enum scope_kind k, const char *table, const char *alias) {
    const struct party_scope *ps = party_scope_of(table);
    int64_t id = k == SCOPE_PROVIDER ? p->provider_id : p->caregiver_id;
    const char *pred = !ps ? NULL : k == SCOPE_PROVIDER ? ps->provider : ps->caregiver;
    if (!pred || id <= 0) { sqlb_sql(q, " AND 0=1"); return; }
    char buf[512];
    snprintf(buf, sizeof buf, pred, alias);
    char *mark = strchr(buf, '?');              /* the one value, bound where the text holds it */
    *mark = 0;
    sqlb_sql(q, " AND ");
    sqlb_sql(q, arena_strdup(q->sql.a, buf));
    sqlb_val(q, sv_int(id));
    sqlb_sql(q, arena_strdup(q->sql.a, mark + 1));
}

void scope_path_upper(const char *prefix, char *out, size_t outsz) {
    size_t n = strlen(prefix);
    if (n + 1 > outsz) n = outsz - 1;
    memcpy(out, prefix, n);
    out[n] = 0;
    if (n && out[n - 1] == '/') out[n - 1] = '0';
}

int scope_restrict(sqlb *q, const principal *p, const char *perm, const char *alias) {
    return scope_restrict_table(q, p, perm, NULL, alias);
}

int scope_restrict_table(sqlb *q, const principal *p, const char *perm, const char *table, const char *alias) {
    enum scope_kind k = p ? principal_scope(p, perm) : SCOPE_NONE;
    char col[64];
    switch (k) {
    case SCOPE_PROVIDER:
    case SCOPE_CAREGIVER:
        party_restrict(q, p, k, table, alias);
        return 0;
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
    return scope_restrict_table_within(q, p, perm, NULL, alias, within);
}

int scope_restrict_table_within(sqlb *q, const principal *p, const char *perm, const char *table, const char *alias,
                                const char *within) {
    enum scope_kind k = p ? principal_scope(p, perm) : SCOPE_NONE;
    if (k == SCOPE_SUBTREE || k == SCOPE_ALL) {
        /* prefix ranges nest or are disjoint: the intersection is the longer one, or nothing */
        if (k == SCOPE_ALL || strncmp(within, p->org_path, strlen(p->org_path)) == 0) path_range(q, alias, within);
        else if (strncmp(p->org_path, within, strlen(within)) == 0) path_range(q, alias, p->org_path);
        else sqlb_sql(q, " AND 0=1");
        return 0;
    }
    int rc = scope_restrict_table(q, p, perm, table, alias);
    if (rc == 0) path_range(q, alias, within);
    return rc;
}

const char *scope_reads(const principal *p, const char *perm, const char *table) {
    enum scope_kind k = p ? principal_scope(p, perm) : SCOPE_NONE;
    if (k != SCOPE_PROVIDER && k != SCOPE_CAREGIVER) return NULL;
    const struct party_scope *ps = party_scope_of(table);
    return ps ? ps->reads : NULL;
}

int scope_allows_record(const principal *p, const char *perm, const char *table, json_t *rec) {
    enum scope_kind k = p ? principal_scope(p, perm) : SCOPE_NONE;
    if (k == SCOPE_PROVIDER || k == SCOPE_CAREGIVER) {
        const struct party_scope *ps = party_scope_of(table);
        const char *col = !ps ? NULL : k == SCOPE_PROVIDER ? ps->provider_col : ps->caregiver_col;
        int64_t id = k == SCOPE_PROVIDER ? p->provider_id : p->caregiver_id;
        return col && id > 0 && json_integer_value(json_object_get(rec, col)) == id;
    }
    return scope_allows(p, perm, json_string_value(json_object_get(rec, "_org_path")),
                        json_integer_value(json_object_get(rec, "_org_id")),
                        json_integer_value(json_object_get(rec, "created_by")));
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
