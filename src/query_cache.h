/* query_cache.h: results of list queries - a page's JSON body, a total - remembered under their
 * tables' change counters (migration 0002), so that a remembered result is exact. */
#ifndef SHEQU_QUERY_CACHE_H
#define SHEQU_QUERY_CACHE_H
#include "sqlb.h"
#include <stddef.h>
#include <stdint.h>

/* The change counters of n tables (at most 16), read in the caller's snapshot by one statement (on
 * PostgreSQL each statement is a round trip), into out[i]; -1 for a table without one. 0, or -1
 * if they could not be read. */
int query_cache_versions(db_conn *c, const char *const *tables, int n, int64_t *out);

/* A result stored for this query (text and values) at this version: a malloc'd copy in *out. */
int query_cache_get(const sqlb *q, int64_t version, char **out, size_t *len);
void query_cache_put(const sqlb *q, int64_t version, const char *data, size_t len);

/* The same for a number (list totals). */
int query_cache_get_int(const sqlb *q, int64_t version, int64_t *n);
void query_cache_put_int(const sqlb *q, int64_t version, int64_t n);

#endif
