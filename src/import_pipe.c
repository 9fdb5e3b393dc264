/* import_pipe.c: an import's rows in two stages on two threads. A reader thread parses each row,
 * turns its cells into the API's JSON input and runs the API's validation on it (validate.c and the
 * record's validate hook: types, dictionaries, units in scope, ID numbers, encryption, hashes),
 * which is pure CPU work once dictionary and unit answers are remembered (import_lookup.c). The
 * calling thread, which holds the import's write transaction, takes the validated rows in file
 * order and inserts them. Rows travel in batches so the threads meet once per batch, not per row.
 *
 * The one check that needs the rows written before, "is this unique value already used", is left
 * to the writer: a valid row's INSERT fails on the unique index if the value is taken (then the
 * writer looks up the holder for the message), and for a row with other errors the writer asks
 * the database, in order, exactly as validation would have. So every row gets the same errors as
 * through record_save, in the same order. */
#include "import_pipe.h"
#include "crud_internal.h"
#include "import_lookup.h"
#include "log.h"
#include "org.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_ROWS 256
#define NBATCH 4

enum row_kind { ROW_OK, ROW_INVALID, ROW_EXTRA, ROW_FAILED };

struct row_err { const char *field, *code, *msg; };
struct row_tags { const char **codes; int n; };

/* One row as the writer needs it; everything points into its batch's arena. */
struct prow {
    int rowno;
    enum row_kind kind;
    int rc;                         /* ROW_FAILED: storage error */
    struct colvals cols;            /* ROW_OK: storage values */
    struct row_tags *tags;          /* ROW_OK: per FT_TAGS field of the record, in order */
    struct row_err *errs;           /* ROW_INVALID: in the order validation wrote them */
    int nerr, nfield;               /* nfield: how many came before the validate hook */
    struct deferred_unique du;
};

struct batch {
    arena a;
    struct prow rows[BATCH_ROWS];
    int n, last, tab_rc;
    int full;                       /* 1: the writer's turn; guarded by pipe.mu */
};

/* record_tags rows of written records, inserted TAGS_GROUP to a statement: one statement per tag
 * cost as much as the record's own INSERT. Nothing reads record_tags during an import, and a
 * failure of any of them fails the whole import, so writing them a little later changes nothing. */
#define TAGS_GROUP 64
struct tag_rows {
    const char *tag[TAGS_GROUP];
    int64_t id[TAGS_GROUP];
    int n;
    const char *sql[TAGS_GROUP + 1];    /* statement text per row count, built once */
    arena a;                            /* tag codes of the rows waiting */
    arena sa;                           /* statement texts, for the whole import */
};

struct pipe {
    struct import_run *run;
    struct tag_rows tags;
    req wr;                         /* the reader's request: own arena and org memo, shared connection */
    struct import_lookups *lk;
    int ntags;
    pthread_mutex_t mu;             /* batch hand-over */
    pthread_cond_t cv;
    pthread_mutex_t db_mu;          /* the connection: the writer's, the reader's on a lookup miss */
    int stop;                       /* the writer gave up (storage error) */
    struct batch b[NBATCH];
};

/* Names of resources whose validate hook only reads the row and whose after_write does nothing
 * for imported rows, so that validation may run away from the connection. A new entry must keep
 * to that; the structural conditions are checked below. */
static const char *const pipe_resources[] = {"persons", NULL};

int import_pipe_fits(const struct resource *res) {
    int listed = 0;
    for (int i = 0; pipe_resources[i]; i++) if (!strcmp(pipe_resources[i], res->name)) listed = 1;
    if (!listed || (res->flags & R_NO_VERSION)) return 0;
    int unique = 0;
    for (int i = 0; i < res->nfields; i++) {
        const struct field *f = &res->fields[i];
        if (f->type == FT_REF || f->type == FT_PASSWORD) return 0;     /* queries / argon2 per row */
        if (f->flags & F_UNIQUE) unique++;
    }
    return unique <= 1;             /* one deferred check per row */
}

/* ---------- reader thread ---------- */

static void prepare_row(struct pipe *p, struct prow *pr, const char *const *cells, int ncells) {
    struct import_run *run = p->run;
    req *r = &p->wr;
    int extra;
    json_t *in = import_row_json(r, import_lookups_ops(p->lk), run->map, run->nhead, cells, ncells, &extra);
    if (extra) { pr->kind = ROW_EXTRA; json_decref(in); return; }
    struct write_ctx w;
    write_ctx_init(&w, r, run->res, &pr->cols);
    w.creating = 1;
    w.importing = 1;
    w.in = in;
    w.lookups = import_lookups_ops(p->lk);
    w.defer_unique = 1;
    int rc = validate_record(&w);
    pr->du = w.deferred;
    if (rc < 0) {
        pr->kind = ROW_FAILED;
        pr->rc = rc;
    } else if (json_object_size(w.errors)) {
        pr->kind = ROW_INVALID;
        pr->errs = arena_alloc(&r->a, sizeof *pr->errs * json_object_size(w.errors));
        pr->nfield = w.field_errors;
        const char *k;
        json_t *v;
        json_object_foreach(w.errors, k, v) {
            struct row_err *e = &pr->errs[pr->nerr++];
            e->field = arena_strdup(&r->a, k);
            e->code = arena_strdup(&r->a, json_string_value(json_object_get(w.error_codes, k)));
            e->msg = arena_strdup(&r->a, json_string_value(v));
        }
    } else {
        pr->kind = ROW_OK;
        pr->tags = arena_alloc(&r->a, sizeof *pr->tags * (size_t)(p->ntags ? p->ntags : 1));
        int t = 0;
        for (int i = 0; i < run->res->nfields; i++) {
            const struct field *f = &run->res->fields[i];
            if (f->type != FT_TAGS) continue;
            json_t *arr = json_object_get(w.after, f->name);
            struct row_tags *rt = &pr->tags[t++];
            rt->n = (int)json_array_size(arr);
            rt->codes = arena_alloc(&r->a, sizeof *rt->codes * (size_t)(rt->n ? rt->n : 1));
            for (int k = 0; k < rt->n; k++) rt->codes[k] = arena_strdup(&r->a, json_string_value(json_array_get(arr, (size_t)k)));
        }
    }
    write_ctx_free(&w);
    json_decref(in);
}

static void *reader_main(void *arg) {
    struct pipe *p = arg;
    for (int bi = 0, done = 0; !done; bi = (bi + 1) % NBATCH) {
        struct batch *b = &p->b[bi];
        pthread_mutex_lock(&p->mu);
        while (b->full && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop) break;
        p->wr.a = b->a;             /* this batch's rows live in its arena */
        b->n = b->last = b->tab_rc = 0;
        while (b->n < BATCH_ROWS) {
            const char *const *cells;
            int ncells;
            int rc = tab_next(p->run->tr, &cells, &ncells);
            if (rc <= 0) { b->last = done = 1; b->tab_rc = rc; break; }
            struct prow *pr = &b->rows[b->n++];
            memset(pr, 0, sizeof *pr);
            pr->rowno = tab_row_number(p->run->tr);
            prepare_row(p, pr, cells, ncells);
            if (pr->kind == ROW_FAILED) { b->last = done = 1; break; }
        }
        b->a = p->wr.a;
        arena_init(&p->wr.a);
        pthread_mutex_lock(&p->mu);
        b->full = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

/* ---------- writer (the calling thread) ---------- */

static int tags_flush(struct pipe *p) {
    struct tag_rows *t = &p->tags;
    if (!t->n) return 0;
    if (!t->sql[t->n]) {
        sbuf b;
        sbuf_init(&b, &t->sa);
        sbuf_puts(&b, "INSERT INTO record_tags (res, tag, record_id) VALUES ");
        for (int i = 0; i < t->n; i++) sbuf_puts(&b, i ? ", (?, ?, ?)" : "(?, ?, ?)");
        t->sql[t->n] = sbuf_str(&b);
    }
    req *r = p->run->r;
    db_stmt *s = db_prepare(r->dbc, t->sql[t->n]);
    if (!s) return -1;
    for (int i = 0; i < t->n; i++) {
        db_bind_text(s, 3 * i + 1, p->run->res->name, -1);
        db_bind_text(s, 3 * i + 2, t->tag[i], -1);
        db_bind_int(s, 3 * i + 3, t->id[i]);
    }
    int rc = db_step(s);
    db_done(s);
    t->n = 0;
    arena_reset(&t->a);
    return rc == DB_DONE ? 0 : rc;
}

static int tags_add(struct pipe *p, int64_t id, const struct row_tags *rt) {
    for (int k = 0; k < rt->n; k++) {
        struct tag_rows *t = &p->tags;
        if (t->n == TAGS_GROUP) {
            int rc = tags_flush(p);
            if (rc) return rc;
        }
        t->tag[t->n] = arena_strdup(&t->a, rt->codes[k]);
        t->id[t->n++] = id;
    }
    return 0;
}

static void duplicate_error(struct pipe *p, const struct prow *pr, int64_t existing) {
    char msg[200];
    duplicate_message(pr->du.f, existing, p->run->r->lang_en, msg, sizeof msg);
    import_row_error(p->run->r, p->run->errors, pr->rowno, pr->du.f->name, "duplicate", msg);
}

/* Returns a storage error (<0) that stops the import, else 0. */
static int write_row(struct pipe *p, struct prow *pr, struct insert_cache *ic) {
    struct import_run *run = p->run;
    req *r = run->r;
    switch (pr->kind) {
    case ROW_EXTRA:
        /* a value under no column (an unquoted comma, a shifted row): never dropped silently */
        import_row_error(r, run->errors, pr->rowno, NULL, "extra_cells",
                         r->lang_en ? "The row has more cells than the header" : "该行的单元格多于表头列数");
        return 0;
    case ROW_FAILED:
        return pr->rc < 0 ? pr->rc : -1;
    case ROW_INVALID: {
        int64_t existing = 0;
        int taken = 0;
        if (pr->du.f) {
            taken = unique_taken_in(r, run->res, 0, pr->du.col, pr->du.v, &existing);
            if (taken < 0) return taken;
        }
        /* a taken value is reported where validation would have, and then the validate hook
         * would not have run: its errors go */
        int n = taken ? pr->nfield : pr->nerr;
        for (int i = 0; i < n; i++) {
            if (taken && i == pr->du.pos) duplicate_error(p, pr, existing);
            import_row_error(r, run->errors, pr->rowno, pr->errs[i].field, pr->errs[i].code, pr->errs[i].msg);
        }
        if (taken && pr->du.pos >= n) duplicate_error(p, pr, existing);
        return 0;
    }
    case ROW_OK: {
        int64_t id = 0;
        int rc = record_insert(r, run->res, &pr->cols, ic, &id);
        if (rc == DB_ERR_UNIQUE && pr->du.f) {
            int64_t existing = 0;
            int taken = unique_taken_in(r, run->res, 0, pr->du.col, pr->du.v, &existing);
            if (taken < 0) return taken;
            if (!taken) return rc;          /* another constraint: a storage error as before */
            duplicate_error(p, pr, existing);
            return 0;
        }
        if (rc) return rc;
        for (int t = 0; t < p->ntags; t++) {
            rc = tags_add(p, id, &pr->tags[t]);
            if (rc) return rc;
        }
        run->ok_rows++;
        return 0;
    }
    }
    return 0;
}

void import_pipe_run(struct import_run *run) {
    struct pipe *p = calloc(1, sizeof *p);
    if (!p) { run->failed_db = -1; return; }
    p->run = run;
    p->wr = *run->r;
    arena_init(&p->wr.a);
    p->wr.org_memo = NULL;
    p->wr.json = NULL;
    for (int i = 0; i < run->res->nfields; i++) if (run->res->fields[i].type == FT_TAGS) p->ntags++;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_mutex_init(&p->db_mu, NULL);
    for (int i = 0; i < NBATCH; i++) arena_init(&p->b[i].a);
    arena_init(&p->tags.a);
    arena_init(&p->tags.sa);
    p->lk = import_lookups_new(&p->wr, &p->db_mu);
    pthread_t th;
    if (!p->lk || pthread_create(&th, NULL, reader_main, p) != 0) {
        log_error("msg=\"cannot start the import reader thread\"");
        import_lookups_free(p->lk);
        free(p);
        run->failed_db = -1;
        return;
    }
    struct insert_cache ic = {0};
    arena_init(&ic.a);
    int failed = 0;
    for (int bi = 0;; bi = (bi + 1) % NBATCH) {
        struct batch *b = &p->b[bi];
        pthread_mutex_lock(&p->mu);
        while (!b->full) pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
        pthread_mutex_lock(&p->db_mu);
        for (int i = 0; i < b->n && !failed; i++) {
            run->rows++;
            failed = write_row(p, &b->rows[i], &ic);
        }
        if (!failed && b->last) failed = tags_flush(p);
        pthread_mutex_unlock(&p->db_mu);
        int last = b->last;
        if (last && !failed) run->tab_rc = b->tab_rc < 0 ? b->tab_rc : 0;
        arena_free(&b->a);          /* the reader starts the next use with a fresh arena */
        pthread_mutex_lock(&p->mu);
        b->full = 0;
        if (failed) p->stop = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (last || failed) break;
    }
    pthread_join(th, NULL);
    if (failed) run->failed_db = failed;
    arena_free(&ic.a);
    arena_free(&p->tags.a);
    arena_free(&p->tags.sa);
    arena_free(&p->wr.a);
    for (int i = 0; i < NBATCH; i++) arena_free(&p->b[i].a);
    org_memo_free(&p->wr);
    import_lookups_free(p->lk);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->db_mu);
    free(p);
}
