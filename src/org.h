/* org.h: the organisation tree (see org.c). */
#ifndef SHEQU_ORG_H
#define SHEQU_ORG_H
#include "resource.h"

struct org_info {
    int64_t id, parent_id;
    char level[16], code[20], name[128], path[256], district_code[8];
};
int org_lookup(db_conn *c, int64_t id, struct org_info *out);   /* 0, 1 if missing, <0 error */
int org_level_rank(const char *level);                          /* city 0 ... grid 4, -1 unknown */
/* The same lookups remembered for the rest of the request: an import checks the same few
 * hundred grids for a million rows. by_code: id of the live unit with that code, 0 if none. */
int org_lookup_memo(req *r, int64_t id, struct org_info *out);
int64_t org_id_by_code_memo(req *r, const char *code);
void org_memo_free(req *r);

#endif
