/* sqlb.h: building SQL text with bound values. Identifiers come only from declarations (never from
 * input); every value goes through sqlb_val(), which writes `?` and remembers the value. */
#ifndef SHEQU_SQLB_H
#define SHEQU_SQLB_H
#include "arena.h"
#include "db.h"
#include <stdint.h>

enum sqlv_kind { SV_NULL = 0, SV_INT, SV_REAL, SV_TEXT, SV_BLOB };
struct sqlv { enum sqlv_kind k; int64_t i; double d; const char *s; int len; };

static inline struct sqlv sv_null(void) { struct sqlv v = {SV_NULL, 0, 0, 0, 0}; return v; }
static inline struct sqlv sv_int(int64_t i) { struct sqlv v = {SV_INT, i, 0, 0, 0}; return v; }
static inline struct sqlv sv_real(double d) { struct sqlv v = {SV_REAL, 0, d, 0, 0}; return v; }
static inline struct sqlv sv_text(const char *s) { struct sqlv v = {s ? SV_TEXT : SV_NULL, 0, 0, s, -1}; return v; }
static inline struct sqlv sv_blob(const void *p, int len) { struct sqlv v = {SV_BLOB, 0, 0, (const char *)p, len}; return v; }

typedef struct sqlb {
    sbuf sql;
    struct sqlv *vals;
    int n, cap;
} sqlb;

void sqlb_init(sqlb *q, arena *a);
void sqlb_sql(sqlb *q, const char *sql);                 /* literal SQL text from code */
void sqlb_val(sqlb *q, struct sqlv v);                   /* "?" bound to v */
void sqlb_append(sqlb *q, const sqlb *other);            /* text and values of another builder */
const char *sqlb_text(sqlb *q);
int sqlv_bind(db_stmt *s, int idx, struct sqlv v);
db_stmt *sqlb_prepare(sqlb *q, db_conn *c);              /* prepared and bound; NULL on error */

#endif
