/* query_cache.c: a list answers {"data":[...],"meta":{"total":N}}; reading, counting and
 * serialising a community's thousands of rows on every page view is most of a list's cost. Results
 * are remembered under the table's change counter (migration 0002: triggers move it on every
 * write), read in the same snapshot as the rows, so a remembered result is exact: any change to
 * the table makes it a miss. Bounded: a fixed number of slots, and no result over MAX_RESULT. */
#include "query_cache.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096
#define SHARDS 16

struct entry { uint64_t hash; char *key; size_t len; int64_t version; char *data; size_t dlen; };

#define MAX_RESULT (256 * 1024)
static struct entry table[SLOTS];
static pthread_mutex_t locks[SHARDS] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};

int query_cache_versions(db_conn *c, const char *const *tables, int n, int64_t *out) {
    if (n < 1 || n > 16) return -1;
    char sql[160] = "SELECT tbl, n FROM change_counters WHERE tbl IN (?";
    for (int i = 1; i < n; i++) strcat(sql, ", ?");
    strcat(sql, ")");
    db_stmt *s = db_prepare(c, sql);
    if (!s) return -1;
    for (int i = 0; i < n; i++) { out[i] = -1; db_bind_text(s, i + 1, tables[i], -1); }
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *t = db_col_text(s, 0);
        for (int i = 0; i < n; i++) if (t && !strcmp(t, tables[i])) out[i] = db_col_int(s, 1);
    }
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

/* The query's identity: its text, then each value with its kind. */
static char *key_of(const sqlb *q, size_t *len) {
    size_t cap = q->sql.len + 64, n = 0;
    for (int i = 0; i < q->n; i++) cap += 24 + (q->vals[i].k == SV_TEXT || q->vals[i].k == SV_BLOB ? (q->vals[i].len >= 0 ? (size_t)q->vals[i].len : strlen(q->vals[i].s)) : 0);
    char *k = malloc(cap);
    if (!k) return NULL;
    memcpy(k, q->sql.p ? q->sql.p : "", q->sql.len);
    n = q->sql.len;
    for (int i = 0; i < q->n; i++) {
        const struct sqlv *v = &q->vals[i];
        k[n++] = '\x1f';
        k[n++] = (char)('0' + v->k);
        if (v->k == SV_INT) n += (size_t)snprintf(k + n, cap - n, "%lld", (long long)v->i);
        else if (v->k == SV_REAL) n += (size_t)snprintf(k + n, cap - n, "%.17g", v->d);
        else if (v->k == SV_TEXT || v->k == SV_BLOB) {
            size_t l = v->len >= 0 ? (size_t)v->len : strlen(v->s);
            memcpy(k + n, v->s, l);
            n += l;
        }
    }
    *len = n;
    return k;
}

static uint64_t hash_of(const char *k, size_t len) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) { h ^= (unsigned char)k[i]; h *= 1099511628211ull; }
    return h;
}

int query_cache_get(const sqlb *q, int64_t version, char **out, size_t *len) {
    if (version < 0) return 0;
    size_t klen;
    char *k = key_of(q, &klen);
    if (!k) return 0;
    uint64_t h = hash_of(k, klen);
    unsigned slot = (unsigned)(h % SLOTS);
    pthread_mutex_t *mu = &locks[slot % SHARDS];
    int hit = 0;
    pthread_mutex_lock(mu);
    struct entry *e = &table[slot];
    if (e->key && e->hash == h && e->len == klen && e->version == version && memcmp(e->key, k, klen) == 0) {
        *out = malloc(e->dlen + 1);
        if (*out) {
            memcpy(*out, e->data, e->dlen);
            (*out)[e->dlen] = 0;
            *len = e->dlen;
            hit = 1;
        }
    }
    pthread_mutex_unlock(mu);
    free(k);
    return hit;
}

void query_cache_put(const sqlb *q, int64_t version, const char *data, size_t dlen) {
    if (version < 0 || dlen > MAX_RESULT) return;
    size_t klen;
    char *k = key_of(q, &klen);
    char *d = malloc(dlen + 1);
    if (!k || !d) { free(k); free(d); return; }
    memcpy(d, data, dlen);
    uint64_t h = hash_of(k, klen);
    unsigned slot = (unsigned)(h % SLOTS);
    pthread_mutex_t *mu = &locks[slot % SHARDS];
    pthread_mutex_lock(mu);
    struct entry *e = &table[slot];
    free(e->key);
    free(e->data);
    e->key = k;
    e->len = klen;
    e->hash = h;
    e->version = version;
    e->data = d;
    e->dlen = dlen;
    pthread_mutex_unlock(mu);
}

int query_cache_get_int(const sqlb *q, int64_t version, int64_t *n) {
    char *d;
    size_t len;
    if (!query_cache_get(q, version, &d, &len)) return 0;
    int ok = len == sizeof *n;
    if (ok) memcpy(n, d, sizeof *n);
    free(d);
    return ok;
}

void query_cache_put_int(const sqlb *q, int64_t version, int64_t n) {
    query_cache_put(q, version, (const char *)&n, sizeof n);
}
