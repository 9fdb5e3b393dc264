/* scope.h: data scope, enforced in this one place (DESIGN principle 2). Every query on scoped data
 * adds scope_restrict(); every reference a caller writes is checked with scope_allows(). Rows out
 * of scope are answered as 404 by the callers: they do not exist for this user. */
#ifndef SHEQU_SCOPE_H
#define SHEQU_SCOPE_H
#include "auth.h"
#include "sqlb.h"
#include <jansson.h>

/* Appends " AND <predicate>" limiting alias.org_path / org_id / created_by to what `p` may see
 * under permission `perm`. Returns -1 (and appends " AND 0=1") when p lacks perm entirely. */
int scope_restrict(sqlb *q, const principal *p, const char *perm, const char *alias);

/* The same, narrowed to the subtree at `within` (a unit the caller filters by): one path range,
 * the intersection of both, so the index serves the narrow range rather than the caller's whole
 * scope. A `within` outside the scope yields no rows. */
int scope_restrict_within(sqlb *q, const principal *p, const char *perm, const char *alias, const char *within);

/* The same for rows of `table`, which the scopes of a provider's people need (scope.c's table of
 * them); NULL: a table they hold nothing of. The forms above are these with table NULL. */
int scope_restrict_table(sqlb *q, const principal *p, const char *perm, const char *table, const char *alias);
int scope_restrict_table_within(sqlb *q, const principal *p, const char *perm, const char *table, const char *alias,
                                const char *within);

/* The other table that p's predicate for perm on `table` reads (an elder is a provider's through
 * its orders), NULL when it reads only the row: a cached answer must follow that table too. */
const char *scope_reads(const principal *p, const char *perm, const char *table);

/* Whether the caller's scope for perm covers a stored record of `table` in its JSON form (as
 * record_load gives it, with _org_path and _org_id): by unit, or by the provider or caregiver the
 * record names. A provider's people reach only tables whose rows name them (not elders). */
int scope_allows_record(const principal *p, const char *perm, const char *table, json_t *rec);

/* 1 if a row at org_path/org_id created by created_by is within p's scope for perm. */
int scope_allows(const principal *p, const char *perm, const char *org_path, int64_t org_id, int64_t created_by);

/* Upper bound of the path range for a prefix: "/1/5/" -> "/1/50" ('/' + 1 == '0'). */
void scope_path_upper(const char *prefix, char *out, size_t outsz);

#endif
