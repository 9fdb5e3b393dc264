/* count_cache.h: totals of list queries, remembered under their table's change counter. */
#ifndef SHEQU_COUNT_CACHE_H
#define SHEQU_COUNT_CACHE_H
#include "sqlb.h"
#include <stdint.h>

/* The change counter of `table`, read in the caller's snapshot; -1 if unknown. */
int64_t count_cache_version(db_conn *c, const char *table);
/* 1 and *n if the count for this query (text and values) was stored at this version. */
int count_cache_get(const sqlb *q, int64_t version, int64_t *n);
void count_cache_put(const sqlb *q, int64_t version, int64_t n);

#endif
