/* sqlb.c: see sqlb.h. */
#include "sqlb.h"
#include <string.h>

void sqlb_init(sqlb *q, arena *a) {
    sbuf_init(&q->sql, a);
    q->vals = NULL;
    q->n = q->cap = 0;
}

void sqlb_sql(sqlb *q, const char *sql) { sbuf_puts(&q->sql, sql); }

void sqlb_val(sqlb *q, struct sqlv v) {
    if (q->n == q->cap) {
        int cap = q->cap ? q->cap * 2 : 16;
        struct sqlv *nv = arena_alloc(q->sql.a, sizeof *nv * (size_t)cap);
        if (q->n) memcpy(nv, q->vals, sizeof *nv * (size_t)q->n);
        q->vals = nv;
        q->cap = cap;
    }
    q->vals[q->n++] = v;
    sbuf_puts(&q->sql, "?");
}

void sqlb_append(sqlb *q, const sqlb *other) {
    const char *t = other->sql.p ? other->sql.p : "";
    int k = 0;
    for (const char *p = t; *p; p++) {
        if (*p == '?') sqlb_val(q, other->vals[k++]);
        else sbuf_add(&q->sql, p, 1);
    }
}

const char *sqlb_text(sqlb *q) { return sbuf_str(&q->sql); }

int sqlv_bind(db_stmt *s, int idx, struct sqlv v) {
    switch (v.k) {
    case SV_INT: return db_bind_int(s, idx, v.i);
    case SV_REAL: return db_bind_real(s, idx, v.d);
    /* values built for a statement live in the request's arena until the statement is done */
    case SV_TEXT: return db_bind_text_ref(s, idx, v.s, v.len);
    case SV_BLOB: return db_bind_blob_ref(s, idx, v.s, v.len);
    default: return db_bind_null(s, idx);
    }
}

db_stmt *sqlb_prepare(sqlb *q, db_conn *c) {
    db_stmt *s = db_prepare(c, sqlb_text(q));
    if (!s) return NULL;
    for (int i = 0; i < q->n; i++)
        if (sqlv_bind(s, i + 1, q->vals[i]) != 0) { db_done(s); return NULL; }
    return s;
}
