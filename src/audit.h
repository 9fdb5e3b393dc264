/* audit.h: the append-only audit log. Each entry carries the hash of the previous one, so an
 * edited, inserted or deleted row breaks the chain and `shequ audit verify` reports where. */
#ifndef SHEQU_AUDIT_H
#define SHEQU_AUDIT_H
#include "http.h"

/* Appends an entry as the request's user. `detail` is borrowed (may be NULL). Runs inside the
 * request's transaction, or its own when there is none (reads that unmask). */
int audit_log(req *r, const char *action, const char *resource, int64_t record_id, const char *org_path,
              const char *summary, json_t *detail);
/* The same for work outside a request (CLI). */
int audit_log_as(db_conn *c, int64_t user_id, const char *username, const char *ip, const char *action,
                 const char *resource, int64_t record_id, const char *org_path, const char *summary, json_t *detail);

/* {"field": [before, after], ...} for fields that differ; NULL when nothing changed. */
json_t *audit_diff(json_t *before, json_t *after);

/* Walks the chain. Returns 0 when intact (*checked = entries), else the id of the first bad
 * entry (>0) with a reason, or <0 on a storage error. */
int64_t audit_verify(db_conn *c, int64_t *checked, char *reason, size_t reasonsz);

#endif
