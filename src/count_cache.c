/* count_cache.c: a list answers {"meta":{"total":N}}; counting a community's thousands of rows on
 * every page view is most of a list's cost. The total is remembered under the table's change
 * counter (migration 0002: triggers move it on every write), read in the same snapshot as the
 * rows, so a remembered total is exact: any change to the table makes it a miss. */
#include "count_cache.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096
#define SHARDS 16

struct entry { uint64_t hash; char *key; size_t len; int64_t version, n; };
static struct entry table[SLOTS];
static pthread_mutex_t locks[SHARDS] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};

int64_t count_cache_version(db_conn *c, const char *tbl) {
    int64_t n = -1;
    if (db_query_int(c, "SELECT n FROM change_counters WHERE tbl = ?", &n, "s", tbl) != 0) return -1;
    return n;
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

int count_cache_get(const sqlb *q, int64_t version, int64_t *n) {
    if (version < 0) return 0;
    size_t len;
    char *k = key_of(q, &len);
    if (!k) return 0;
    uint64_t h = hash_of(k, len);
    unsigned slot = (unsigned)(h % SLOTS);
    pthread_mutex_t *mu = &locks[slot % SHARDS];
    int hit = 0;
    pthread_mutex_lock(mu);
    struct entry *e = &table[slot];
    if (e->key && e->hash == h && e->len == len && e->version == version && memcmp(e->key, k, len) == 0) {
        *n = e->n;
        hit = 1;
    }
    pthread_mutex_unlock(mu);
    free(k);
    return hit;
}

void count_cache_put(const sqlb *q, int64_t version, int64_t n) {
    if (version < 0) return;
    size_t len;
    char *k = key_of(q, &len);
    if (!k) return;
    uint64_t h = hash_of(k, len);
    unsigned slot = (unsigned)(h % SLOTS);
    pthread_mutex_t *mu = &locks[slot % SHARDS];
    pthread_mutex_lock(mu);
    struct entry *e = &table[slot];
    free(e->key);
    e->key = k;
    e->len = len;
    e->hash = h;
    e->version = version;
    e->n = n;
    pthread_mutex_unlock(mu);
}
