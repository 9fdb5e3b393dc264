/* import_lookup.h: dictionary and unit answers remembered for one import (see import_lookup.c). */
#ifndef SHEQU_IMPORT_LOOKUP_H
#define SHEQU_IMPORT_LOOKUP_H
#include "resource.h"
#include <pthread.h>

struct import_lookups;

/* Answers for the rows validated with request r (its connection and org memo); every call that
 * reaches the database holds db_mu, because the writer uses the same connection meanwhile. */
struct import_lookups *import_lookups_new(req *r, pthread_mutex_t *db_mu);
struct row_lookups *import_lookups_ops(struct import_lookups *lk);
void import_lookups_free(struct import_lookups *lk);

#endif
