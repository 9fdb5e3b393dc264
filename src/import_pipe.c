/* import_pipe.c: an import's rows on several threads. Validating threads, one per core, take the
 * file's rows in batches: each reads its batch's rows (one thread at a time, the file is read in
 * order), turns their cells into the API's JSON input and runs the API's validation on them
 * (validate.c and the record's validate hook: types, dictionaries, units in scope, ID numbers,
 * encryption, hashes), which is pure CPU work once dictionary and unit answers are remembered
 * (import_lookup.c). The calling thread, which holds the import's write transaction, takes the
 * batches back in file order and hands their rows to the writer (import_write.c), which makes the
 * one check left - uniqueness against the rows before - and inserts them. Rows travel in batches
 * so the threads meet once per batch, not per row. */
#include "import_pipe.h"
#include "crud_internal.h"
#include "import_lookup.h"
#include "import_write.h"
#include "log.h"
#include "org.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_ROWS 256
#define NBATCH 8
#define MAX_WORKERS 4

enum batch_state { B_FREE, B_FILLING, B_FULL };    /* FULL: the writer's turn */

struct batch {
    arena a;
    struct prow rows[BATCH_ROWS];
    int n, last, tab_rc;
    int64_t seq;                    /* which batch of the file this is */
    enum batch_state state;         /* guarded by pipe.mu */
};

/* A validating thread. */
struct worker {
    struct pipe *p;
    req wr;                         /* own arena and org memo; the shared connection */
    struct import_lookups *lk;
    pthread_t th;
};

struct pipe {
    struct import_run *run;
    struct import_writer *w;
    int ntags;
    pthread_mutex_t mu;             /* batch states */
    pthread_cond_t cv;
    pthread_mutex_t rd_mu;          /* the file: one worker reads a batch's rows at a time */
    int64_t next_seq;               /* under rd_mu: the next batch to read */
    int eof;                        /* under rd_mu: the end, a bad file or a failed row was met */
    pthread_mutex_t db_mu;          /* the connection: the writer's, a worker's on a lookup miss */
    int stop;                       /* the writer gave up (storage error) */
    int nworkers;
    struct worker wk[MAX_WORKERS];
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

/* ---------- validating threads ---------- */

static void prepare_row(struct worker *wk, struct prow *pr) {
    struct pipe *p = wk->p;
    struct import_run *run = p->run;
    req *r = &wk->wr;
    int extra;
    json_t *in = import_row_json(r, import_lookups_ops(wk->lk), run->map, run->nhead, pr->cells, pr->ncells, &extra);
    if (extra) { pr->kind = ROW_EXTRA; json_decref(in); return; }
    struct write_ctx w;
    write_ctx_init(&w, r, run->res, &pr->cols);
    w.creating = 1;
    w.importing = 1;
    w.in = in;
    w.lookups = import_lookups_ops(wk->lk);
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

/* The next batch's rows, copied out of the reader (its cells last until the next row). */
static void read_batch(struct pipe *p, struct batch *b) {
    tab_reader *tr = p->run->tr;
    b->n = b->last = b->tab_rc = 0;
    while (b->n < BATCH_ROWS) {
        const char *const *cells;
        int ncells;
        int rc = tab_next(tr, &cells, &ncells);
        if (rc <= 0) { b->last = p->eof = 1; b->tab_rc = rc; break; }
        struct prow *pr = &b->rows[b->n++];
        memset(pr, 0, sizeof *pr);
        pr->rowno = tab_row_number(tr);
        const char **copy = arena_alloc(&b->a, sizeof *copy * (size_t)(ncells ? ncells : 1));
        for (int i = 0; i < ncells; i++) copy[i] = arena_strdup(&b->a, cells[i]);
        pr->cells = copy;
        pr->ncells = ncells;
    }
}

/* Workers take batches in file order, read their rows one worker at a time, and validate them
 * side by side; the writer takes the batches back in order by their numbers. */
static void *worker_main(void *arg) {
    struct worker *wk = arg;
    struct pipe *p = wk->p;
    for (;;) {
        pthread_mutex_lock(&p->rd_mu);
        if (p->eof) { pthread_mutex_unlock(&p->rd_mu); break; }
        int64_t seq = p->next_seq++;
        struct batch *b = &p->b[seq % NBATCH];
        pthread_mutex_lock(&p->mu);
        while (b->state != B_FREE && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
        int stop = p->stop;
        b->state = B_FILLING;
        b->seq = seq;
        pthread_mutex_unlock(&p->mu);
        if (stop) { p->eof = 1; pthread_mutex_unlock(&p->rd_mu); break; }
        /* the batch's last rows are freed here, not by the writer: freeing a worker's blocks on
         * the writer's thread cost it 0.7 of its 4.7 CPU s on 1,000,000 rows */
        arena_free(&b->a);
        read_batch(p, b);
        pthread_mutex_unlock(&p->rd_mu);

        wk->wr.a = b->a;            /* this batch's rows live in its arena */
        for (int i = 0; i < b->n; i++) {
            prepare_row(wk, &b->rows[i]);
            if (b->rows[i].kind == ROW_FAILED) {        /* the writer stops there */
                b->n = i + 1;
                b->last = 1;
                pthread_mutex_lock(&p->rd_mu);
                p->eof = 1;
                pthread_mutex_unlock(&p->rd_mu);
            }
        }
        b->a = wk->wr.a;
        arena_init(&wk->wr.a);
        pthread_mutex_lock(&p->mu);
        b->state = B_FULL;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

/* Validating threads: one per core, so that the writer and the validation share the machine. */
static int worker_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (int)n;
}

void import_pipe_run(struct import_run *run) {
    struct pipe *p = calloc(1, sizeof *p);
    if (!p) { run->failed_db = -1; return; }
    p->run = run;
    for (int i = 0; i < run->res->nfields; i++) if (run->res->fields[i].type == FT_TAGS) p->ntags++;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_mutex_init(&p->rd_mu, NULL);
    pthread_mutex_init(&p->db_mu, NULL);
    for (int i = 0; i < NBATCH; i++) arena_init(&p->b[i].a);
    int failed = 0, want = worker_count();
    p->w = import_writer_new(run, p->ntags);
    if (!p->w) { run->failed_db = -1; goto done; }
    for (; p->nworkers < want; p->nworkers++) {
        struct worker *wk = &p->wk[p->nworkers];
        wk->p = p;
        wk->wr = *run->r;
        arena_init(&wk->wr.a);
        wk->wr.org_memo = NULL;
        wk->wr.json = NULL;
        wk->lk = import_lookups_new(&wk->wr, &p->db_mu);
        if (!wk->lk || pthread_create(&wk->th, NULL, worker_main, wk) != 0) {
            import_lookups_free(wk->lk);
            break;
        }
    }
    if (!p->nworkers) {
        log_error("msg=\"cannot start the import's validating threads\"");
        run->failed_db = -1;
        goto done;
    }
    for (int64_t seq = 0;; seq++) {
        struct batch *b = &p->b[seq % NBATCH];
        pthread_mutex_lock(&p->mu);
        while (b->state != B_FULL || b->seq != seq) pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
        pthread_mutex_lock(&p->db_mu);
        for (int i = 0; i < b->n && !failed; i++) {
            run->rows++;
            if (i + 1 < b->n) import_writer_prefetch(p->w, &b->rows[i + 1]);
            failed = import_writer_row(p->w, &b->rows[i]);
        }
        if (!failed) failed = import_writer_batch_end(p->w, b->last);
        pthread_mutex_unlock(&p->db_mu);
        int last = b->last;
        if (last && !failed) run->tab_rc = b->tab_rc < 0 ? b->tab_rc : 0;
        pthread_mutex_lock(&p->mu);
        b->state = B_FREE;
        if (failed) p->stop = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (last || failed) break;
    }
    if (failed) run->failed_db = failed;
done:
    pthread_mutex_lock(&p->mu);
    p->stop = 1;                    /* workers waiting for a batch give up */
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++) {
        pthread_join(p->wk[i].th, NULL);
        arena_free(&p->wk[i].wr.a);
        org_memo_free(&p->wk[i].wr);
        import_lookups_free(p->wk[i].lk);
    }
    import_writer_free(p->w);
    for (int i = 0; i < NBATCH; i++) arena_free(&p->b[i].a);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->rd_mu);
    pthread_mutex_destroy(&p->db_mu);
    free(p);
}
