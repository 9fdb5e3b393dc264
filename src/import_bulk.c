/* import_bulk.c: bulk mode of a large import, the way bulk loaders fill a table. Adding a row to
 * five secondary indexes keyed by random values (keyed hashes, names) costs several times the row
 * itself once the indexes outgrow the CPU caches, while building an index from the finished table
 * sorts once. So when an import has written about as many rows as the table held before, the
 * writer (import_pipe.c) sets the table's secondary indexes aside and builds them again at the
 * end, from their own CREATE statements in the schema, so they come back exactly as declared.
 * The per-row change-counter triggers (migration 0002) are set aside with them and the counters
 * moved once, by the rows written: the same end state.
 *
 * All of it happens inside the import's one write transaction: no other connection ever sees the
 * table without its indexes or triggers, and a rollback (any bad row, a dry run) puts everything
 * back. The uniqueness the unique index no longer checks is kept here: the live values of the
 * unique column, read once, and every value written since. */
#include "import_bulk.h"
#include "log.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* One value of the unique column: kind byte and bytes, as SQLite compares them (BINARY). Short
 * keys (a 16-byte keyed hash is 17) sit in the slot itself: a probe then touches one cache line
 * of a table far larger than the CPU caches, not two. With the writer's prefetch and 2 MB pages
 * (below), the claims of 1,000,000 rows went from 9% of the writer's time to 4%. len 0: a free
 * slot. */
#define HELD_INLINE 24
struct held {
    uint32_t len, hash;
    int64_t id;
    union { unsigned char in[HELD_INLINE]; const unsigned char *out; } k;
};

static const unsigned char *held_key(const struct held *e) { return e->len <= HELD_INLINE ? e->k.in : e->k.out; }

struct import_bulk {
    req *r;
    const struct resource *res;
    arena a;                        /* schema texts and held values, for the whole import */
    struct db_schema_obj *idx;      /* indexes set aside */
    int nidx;
    const char *trig_sql[2], *trig_tbl[2];   /* counter triggers set aside: res's table, record_tags */
    int ntrig;
    struct held *set;               /* open addressing, cap a power of two; NULL until loaded */
    uint32_t cap, n;
    int restored;                   /* import_bulk_end put everything back */
};

static const char *quoted(arena *a, const char *name) {
    sbuf b;
    sbuf_init(&b, a);
    sbuf_puts(&b, "\"");
    for (const char *p = name; *p; p++) {
        sbuf_add(&b, p, 1);
        if (*p == '"') sbuf_add(&b, p, 1);      /* "" is a quote inside a quoted name */
    }
    sbuf_puts(&b, "\"");
    return sbuf_str(&b);
}

/* The counter trigger of tbl is set aside only if it is exactly migration 0002's: then moving the
 * counter by the rows written is exactly what it would have done. */
static int counter_trigger_aside(struct import_bulk *b, const char *tbl) {
    struct db_schema_obj *t;
    int n;
    int rc = db_schema_objects(b->r->dbc, "trigger", tbl, &b->a, &t, &n);
    if (rc) return rc;
    const char *want = arena_printf(&b->a, "CREATE TRIGGER %s_count_i AFTER INSERT ON %s BEGIN UPDATE change_counters "
                                           "SET n = n + 1 WHERE tbl = '%s'; END", tbl, tbl, tbl);
    for (int i = 0; i < n; i++) {
        if (strcmp(t[i].sql, want) != 0) continue;
        rc = db_exec(b->r->dbc, arena_printf(&b->a, "DROP TRIGGER %s", quoted(&b->a, t[i].name)));
        if (rc) return rc;
        b->trig_sql[b->ntrig] = t[i].sql;
        b->trig_tbl[b->ntrig++] = tbl;
    }
    return 0;
}

struct import_bulk *import_bulk_begin(req *r, const struct resource *res) {
    struct import_bulk *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->r = r;
    b->res = res;
    arena_init(&b->a);
    int rc = db_schema_objects(r->dbc, "index", res->table, &b->a, &b->idx, &b->nidx);
    for (int i = 0; !rc && i < b->nidx; i++)
        rc = db_exec(r->dbc, arena_printf(&b->a, "DROP INDEX %s", quoted(&b->a, b->idx[i].name)));
    if (!rc) rc = counter_trigger_aside(b, res->table);
    if (!rc) rc = counter_trigger_aside(b, "record_tags");
    if (rc) { import_bulk_free(b); return NULL; }
    return b;
}

static uint32_t key_hash(const unsigned char *k, uint32_t len) {
    uint64_t h = 1469598103934665603ull;        /* FNV-1a */
    for (uint32_t i = 0; i < len; i++) { h ^= k[i]; h *= 1099511628211ull; }
    return (uint32_t)(h ^ (h >> 32));
}

/* The value's key: kind, then its bytes (a text and a blob with the same bytes differ). */
static int key_of(struct sqlv v, unsigned char *buf, size_t cap, const unsigned char **key, uint32_t *len) {
    size_t n = v.k == SV_TEXT ? (v.len >= 0 ? (size_t)v.len : strlen(v.s)) : v.k == SV_BLOB ? (size_t)v.len : 0;
    if (v.k != SV_TEXT && v.k != SV_BLOB) return -1;
    unsigned char *k = n + 1 <= cap ? buf : malloc(n + 1);
    if (!k) return -1;
    k[0] = (unsigned char)v.k;
    memcpy(k + 1, v.s, n);
    *key = k;
    *len = (uint32_t)(n + 1);
    return 0;
}

static struct held *find(struct import_bulk *b, const unsigned char *key, uint32_t len, uint32_t h) {
    uint32_t i = h & (b->cap - 1);
    while (b->set[i].len && !(b->set[i].hash == h && b->set[i].len == len && memcmp(held_key(&b->set[i]), key, len) == 0))
        i = (i + 1) & (b->cap - 1);
    return &b->set[i];
}

/* The table in 2 MB pages where the kernel has them: with 4 KB pages nearly every probe of a
 * table of tens of MB also misses the TLB, and a prefetch does not hide the page walk. */
#define HUGE_PAGE (2u << 20)
static struct held *table_new(uint32_t cap) {
    size_t bytes = (size_t)cap * sizeof(struct held);
    if (bytes < HUGE_PAGE) return calloc(cap, sizeof(struct held));
    bytes = (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    void *t = NULL;
    if (posix_memalign(&t, HUGE_PAGE, bytes)) return NULL;
    madvise(t, bytes, MADV_HUGEPAGE);           /* advice only: 4 KB pages work as well */
    memset(t, 0, bytes);
    return t;
}

static int grow(struct import_bulk *b) {
    uint32_t cap = b->cap ? b->cap * 2 : 1u << 16;
    struct held *t = table_new(cap);
    if (!t) return -1;
    for (uint32_t i = 0; i < b->cap; i++)
        if (b->set[i].len) {
            uint32_t j = b->set[i].hash & (cap - 1);
            while (t[j].len) j = (j + 1) & (cap - 1);
            t[j] = b->set[i];
        }
    free(b->set);
    b->set = t;
    b->cap = cap;
    return 0;
}

/* Finds v; if no row holds it and id > 0, it is held by id from now on. 1 (taken, *existing), 0, -1. */
static int lookup(struct import_bulk *b, struct sqlv v, int64_t id, int64_t *existing) {
    if (id > 0 && (b->n + 1) * 2 > b->cap && grow(b)) return -1;
    unsigned char buf[256];
    const unsigned char *key;
    uint32_t len;
    if (key_of(v, buf, sizeof buf, &key, &len)) return -1;
    uint32_t h = key_hash(key, len);
    struct held *e = find(b, key, len, h);
    int taken = e->len != 0;
    if (taken) *existing = e->id;
    else if (id > 0) {
        if (len <= HELD_INLINE) memcpy(e->k.in, key, len);
        else {
            unsigned char *k = arena_alloc(&b->a, len);
            memcpy(k, key, len);
            e->k.out = k;
        }
        e->len = len;
        e->hash = h;
        e->id = id;
        b->n++;
    }
    if (key != buf) free((void *)key);
    return taken;
}

void import_bulk_prefetch(struct import_bulk *b, struct sqlv v) {
    if (!b->set) return;
    unsigned char buf[256];
    const unsigned char *key;
    uint32_t len;
    if (key_of(v, buf, sizeof buf, &key, &len)) return;
    __builtin_prefetch(&b->set[key_hash(key, len) & (b->cap - 1)]);
    if (key != buf) free((void *)key);
}

/* The live values of col, as the unique index held them before it was set aside. */
static int load(struct import_bulk *b, const char *col) {
    if (grow(b)) return -1;
    const char *sql = arena_printf(&b->a, "SELECT id, %s FROM %s WHERE %s IS NOT NULL%s", col, b->res->table, col,
                                   b->res->flags & R_NO_SOFT ? "" : " AND deleted_at IS NULL");
    db_stmt *s = db_prepare(b->r->dbc, sql);
    if (!s) return -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        struct sqlv v;
        int len;
        if (db_col_type(s, 1) == DBT_BLOB) {
            const void *blob = db_col_blob(s, 1, &len);
            v = sv_blob(blob, len);
        } else {
            v = sv_text(db_col_text(s, 1));
        }
        int64_t existing;
        if (lookup(b, v, db_col_int(s, 0), &existing) < 0) { rc = -1; break; }
    }
    db_done(s);
    return rc == DB_DONE ? 0 : rc < 0 ? rc : -1;
}

int import_bulk_claim(struct import_bulk *b, const char *col, struct sqlv v, int64_t id, int64_t *existing) {
    if (!b->set) {
        int rc = load(b, col);
        if (rc) return rc;
    }
    return lookup(b, v, id, existing);
}

/* How the connection sorts while the indexes are built (SQLite: bulk mode exists only where schema
 * changes stay private, see import_write.c). CREATE INDEX feeds the table's keys to SQLite's
 * sorter, which sorts runs of at most the page cache's size and merges them through temporary
 * files. The connection's own settings suit requests, not this: with temp_store=MEMORY those
 * files are chains of 1 KB allocations, and runs of the 64 MB cache sort out of the CPU caches.
 * Measured on the five persons indexes of 1,000,000 rows inside the import's transaction: 5.8 CPU
 * s as the connection is set, 2.7 with files on disk and runs of 2 MB; threads=2 lets the sorter
 * sort runs on the other core (3.4 CPU s, 2.2 s instead of 2.7 s). The temporary files are
 * deleted on close and never synced. The settings are read first and put back after. */
static const char *const build_settings[] = {"temp_store", "cache_size", "threads"};
#define NSETTINGS 3

/* Only speed depends on them: a setting that cannot be read or changed is left as it is. */
static void build_settings_set(struct import_bulk *b, int64_t saved[NSETTINGS], int on) {
    db_conn *c = b->r->dbc;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int64_t build[NSETTINGS] = {1 /* FILE */, -2000 /* KiB */, ncpu < 1 ? 0 : ncpu > 8 ? 8 : ncpu};
    for (int i = 0; i < NSETTINGS; i++) {
        if (on && db_query_int(c, arena_printf(&b->a, "PRAGMA %s", build_settings[i]), &saved[i], NULL) != 0) saved[i] = INT64_MIN;
        if (saved[i] == INT64_MIN) continue;
        if (db_exec(c, arena_printf(&b->a, "PRAGMA %s = %lld", build_settings[i], (long long)(on ? build[i] : saved[i]))))
            log_error("msg=\"import: PRAGMA %s not changed\"", build_settings[i]);
    }
}

int import_bulk_end(struct import_bulk *b, int64_t rows, int64_t tag_rows) {
    db_conn *c = b->r->dbc;
    int64_t saved[NSETTINGS];
    build_settings_set(b, saved, 1);
    int rc = 0;
    for (int i = 0; !rc && i < b->nidx; i++) rc = db_exec(c, b->idx[i].sql);
    build_settings_set(b, saved, 0);
    if (rc) return rc;
    for (int i = 0; i < b->ntrig; i++) {
        rc = db_exec(c, b->trig_sql[i]);
        if (rc) return rc;
        db_stmt *s = db_prepare(c, "UPDATE change_counters SET n = n + ? WHERE tbl = ?");
        if (!s) return -1;
        db_bind_int(s, 1, strcmp(b->trig_tbl[i], "record_tags") == 0 ? tag_rows : rows);
        db_bind_text(s, 2, b->trig_tbl[i], -1);
        rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) return rc < 0 ? rc : -1;
    }
    b->restored = 1;
    return 0;
}

void import_bulk_free(struct import_bulk *b) {
    if (!b) return;
    /* a table without its indexes must never be committed: whatever the answer, roll back */
    if (!b->restored) b->r->discard = 1;
    free(b->set);
    arena_free(&b->a);
    free(b);
}
