/* import_lookup.c: the row_lookups of an import validated on its own thread. Each distinct
 * question (is this code in that dictionary, which code has this label, which unit has this id or
 * division code) is asked of dict.c / org.c once, under the database lock, and answered from here
 * afterwards without touching the connection the writer is using. Remembering is exact: nothing
 * the import writes changes dictionaries or units, and no other writer can commit while the
 * import holds the write transaction. */
#include "import_lookup.h"
#include "dict.h"
#include "org.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    const char *key;            /* kind letter, then the question; NULL = empty slot */
    int ival;                   /* dict_check / org_lookup answer */
    int64_t id;                 /* org_by_code answer */
    const char *str;            /* dict_code_for answer (NULL = none) */
    struct org_info *org;       /* org_lookup answer when found */
};

struct import_lookups {
    struct row_lookups ops;     /* first: the ops pointer is the object */
    req *r;
    pthread_mutex_t *db_mu;
    arena a;                    /* keys and answers, for the whole import */
    struct entry *tab;
    int cap, n;
};

static unsigned key_hash(const char *k) {
    unsigned h = 2166136261u;
    for (; *k; k++) h = (h ^ (unsigned char)*k) * 16777619u;
    return h;
}

/* The entry for key: found (its key set) or the empty slot where it belongs. NULL if the table
 * cannot grow (out of memory): the caller then asks without remembering. */
static struct entry *slot(struct import_lookups *lk, const char *key) {
    if ((lk->n + 1) * 2 > lk->cap) {
        int cap = lk->cap ? lk->cap * 2 : 64;
        struct entry *t = calloc((size_t)cap, sizeof *t);
        if (!t) return NULL;
        for (int i = 0; i < lk->cap; i++)
            if (lk->tab[i].key) {
                unsigned h = key_hash(lk->tab[i].key) & (unsigned)(cap - 1);
                while (t[h].key) h = (h + 1) & (unsigned)(cap - 1);
                t[h] = lk->tab[i];
            }
        free(lk->tab);
        lk->tab = t;
        lk->cap = cap;
    }
    unsigned h = key_hash(key) & (unsigned)(lk->cap - 1);
    while (lk->tab[h].key && strcmp(lk->tab[h].key, key) != 0) h = (h + 1) & (unsigned)(lk->cap - 1);
    return &lk->tab[h];
}

static void remember(struct import_lookups *lk, struct entry *e, const char *key) {
    e->key = arena_strdup(&lk->a, key);
    lk->n++;
}

/* Keys longer than this are asked every time (a cell that long is not a code anyway). */
#define KEY_MAX 256

static int make_key(char *out, char kind, const char *dict, const char *text) {
    /* by hand rather than snprintf: it runs several times for every row */
    size_t dl = dict ? strlen(dict) : 0, tl = strlen(text);
    if (dl + tl + 3 > KEY_MAX) return 0;
    out[0] = kind;
    if (dl) memcpy(out + 1, dict, dl);
    out[1 + dl] = '\x1f';
    memcpy(out + 2 + dl, text, tl + 1);
    return 1;
}

static int lk_dict_check(struct row_lookups *ops, const char *dict, const char *code) {
    struct import_lookups *lk = (struct import_lookups *)ops;
    char key[KEY_MAX];
    struct entry *e = make_key(key, 'c', dict, code) ? slot(lk, key) : NULL;
    if (e && e->key) return e->ival;
    pthread_mutex_lock(lk->db_mu);
    int rc = dict_check(lk->r->dbc, dict, code);
    pthread_mutex_unlock(lk->db_mu);
    if (rc >= 0 && e) { remember(lk, e, key); e->ival = rc; }
    return rc;
}

static const char *lk_dict_code_for(struct row_lookups *ops, const char *dict, const char *text) {
    struct import_lookups *lk = (struct import_lookups *)ops;
    char key[KEY_MAX];
    struct entry *e = make_key(key, 'l', dict, text) ? slot(lk, key) : NULL;
    if (e && e->key) return e->str;
    pthread_mutex_lock(lk->db_mu);
    const char *code = dict_code_for(lk->r->dbc, dict, text, &lk->a);
    pthread_mutex_unlock(lk->db_mu);
    /* NULL is also what a failed cache load answers; it is not remembered */
    if (code && e) { remember(lk, e, key); e->str = code; }
    return code;
}

static int lk_org_lookup(struct row_lookups *ops, int64_t id, struct org_info *out) {
    struct import_lookups *lk = (struct import_lookups *)ops;
    char key[32];
    snprintf(key, sizeof key, "o%" PRId64, id);
    struct entry *e = slot(lk, key);
    if (e && e->key) {
        if (e->ival == 0) *out = *e->org;
        return e->ival;
    }
    pthread_mutex_lock(lk->db_mu);
    int rc = org_lookup_memo(lk->r, id, out);
    pthread_mutex_unlock(lk->db_mu);
    if (rc >= 0 && e) {
        remember(lk, e, key);
        e->ival = rc;
        if (rc == 0) {
            e->org = arena_alloc(&lk->a, sizeof *e->org);
            *e->org = *out;
        }
    }
    return rc;
}

static int64_t lk_org_by_code(struct row_lookups *ops, const char *code) {
    struct import_lookups *lk = (struct import_lookups *)ops;
    char key[KEY_MAX];
    struct entry *e = make_key(key, 'u', NULL, code) ? slot(lk, key) : NULL;
    if (e && e->key) return e->id;
    pthread_mutex_lock(lk->db_mu);
    int64_t id = org_id_by_code_memo(lk->r, code);
    pthread_mutex_unlock(lk->db_mu);
    /* 0 is also what a storage error answers; only units found are remembered */
    if (id && e) { remember(lk, e, key); e->id = id; }
    return id;
}

struct import_lookups *import_lookups_new(req *r, pthread_mutex_t *db_mu) {
    struct import_lookups *lk = calloc(1, sizeof *lk);
    if (!lk) return NULL;
    lk->ops.dict_check = lk_dict_check;
    lk->ops.dict_code_for = lk_dict_code_for;
    lk->ops.org_lookup = lk_org_lookup;
    lk->ops.org_by_code = lk_org_by_code;
    lk->r = r;
    lk->db_mu = db_mu;
    arena_init(&lk->a);
    return lk;
}

struct row_lookups *import_lookups_ops(struct import_lookups *lk) { return &lk->ops; }

void import_lookups_free(struct import_lookups *lk) {
    if (!lk) return;
    free(lk->tab);
    arena_free(&lk->a);
    free(lk);
}
