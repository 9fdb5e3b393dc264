/* import_write.c: the writing stage of an import on several threads. It takes the validated rows
 * in file order on the thread that holds the import's write transaction and inserts them, up to
 * INSERT_ROWS_MAX rows to a statement, numbering them from the table's highest id so that ids
 * follow the file.
 *
 * The one check that needs the rows written before, "is this unique value already used", is made
 * here, in file order. Normally the unique index answers it: a statement holding a taken value
 * fails whole, its rows are then inserted one by one, and the holder of the value is looked up for
 * the message; a row with other errors asks the database as validation would have. Once an import
 * has written as many rows as the table held (and at least BULK_MIN_ROWS), it switches to bulk
 * mode (import_bulk.c): the indexes are set aside and rebuilt at the end, and the values of the
 * unique column are kept in memory, which then answers the check. Either way every row gets the
 * same errors as through record_save, in the same order.
 *
 * Where the engine has a COPY of its own (PostgreSQL), the valid rows of a batch go in one COPY
 * instead of a multi-row INSERT and two savepoint statements for every 32: four round trips a
 * batch of 256 instead of 24, which is what counts when the database is on another machine (on the
 * same one PostgreSQL's upkeep of the table's indexes takes most of the time either way). A taken
 * unique value fails the COPY whole, and the batch is then written by the INSERTs above, which
 * find the row as before. */
#include "import_write.h"
#include "crud_internal.h"
#include "import_bulk.h"
#include "http.h"
#include <stdlib.h>
#include <string.h>

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

/* Valid rows waiting to be inserted together, all with the same columns. */
#define NGROUPS 4
struct group {
    const struct prow *rows[INSERT_ROWS_MAX];
    int64_t ids[INSERT_ROWS_MAX];           /* bulk mode: the ids the rows were given */
    int n;
    struct insert_cache ic;
};

/* Valid rows of the same columns waiting for one COPY (an import batch holds 256). */
#define COPY_ROWS 256
struct copy_rows { const struct prow *rows[COPY_ROWS]; int n; };

/* Rows of at least this many make an import worth bulk mode (see maybe_bulk). */
#define BULK_MIN_ROWS 20000

struct import_writer {
    struct import_run *run;
    int ntags;
    struct tag_rows tags;
    struct group g[NGROUPS];        /* without bulk mode only the first is used */
    int64_t next_id;                /* rows are numbered in file order, from the table's highest id */
    int64_t bulk_after;             /* valid rows after which bulk mode starts */
    struct import_bulk *bulk;       /* NULL until then */
    int64_t bulk_rows, bulk_tag_rows;   /* written in bulk mode, for the change counters */
    int unwritten;                  /* bulk mode stopped writing rows: the import will be rolled back */
    int copy;                       /* the engine's COPY writes valid rows (never with bulk mode) */
    struct copy_rows cr;
};

static int tags_flush(struct import_writer *w) {
    struct tag_rows *t = &w->tags;
    if (!t->n) return 0;
    if (!t->sql[t->n]) {
        sbuf b;
        sbuf_init(&b, &t->sa);
        sbuf_puts(&b, "INSERT INTO record_tags (res, tag, record_id) VALUES ");
        for (int i = 0; i < t->n; i++) sbuf_puts(&b, i ? ", (?, ?, ?)" : "(?, ?, ?)");
        t->sql[t->n] = sbuf_str(&b);
    }
    req *r = w->run->r;
    db_stmt *s = db_prepare(r->dbc, t->sql[t->n]);
    if (!s) return -1;
    for (int i = 0; i < t->n; i++) {
        db_bind_text(s, 3 * i + 1, w->run->res->name, -1);
        db_bind_text(s, 3 * i + 2, t->tag[i], -1);
        db_bind_int(s, 3 * i + 3, t->id[i]);
    }
    int rc = db_step(s);
    db_done(s);
    if (w->bulk && rc == DB_DONE) w->bulk_tag_rows += t->n;
    t->n = 0;
    arena_reset(&t->a);
    return rc == DB_DONE ? 0 : rc;
}

static int tags_add(struct import_writer *w, int64_t id, const struct row_tags *rt) {
    for (int k = 0; k < rt->n; k++) {
        struct tag_rows *t = &w->tags;
        if (t->n == TAGS_GROUP) {
            int rc = tags_flush(w);
            if (rc) return rc;
        }
        t->tag[t->n] = arena_strdup(&t->a, rt->codes[k]);
        t->id[t->n++] = id;
    }
    return 0;
}

static void duplicate_error(struct import_writer *w, const struct prow *pr, int64_t existing) {
    char msg[200];
    duplicate_message(pr->du.f, existing, w->run->r->lang_en, msg, sizeof msg);
    import_row_error(w->run->r, w->run->errors, pr->rowno, pr->du.f->name, "duplicate", msg);
}

/* A written row's record_tags rows. */
static int row_written(struct import_writer *w, const struct prow *pr, int64_t id) {
    for (int t = 0; t < w->ntags; t++) {
        int rc = tags_add(w, id, &pr->tags[t]);
        if (rc) return rc;
    }
    return 0;
}

/* Whether a live row holds the row's deferred unique value: the index answers, or in bulk mode
 * the values import_bulk.c keeps. */
static int taken_by(struct import_writer *w, const struct prow *pr, int64_t *existing) {
    if (w->bulk) return import_bulk_claim(w->bulk, pr->du.col, pr->du.v, 0, existing);
    return unique_taken_in(w->run->r, w->run->res, 0, pr->du.col, pr->du.v, existing);
}

/* Inserts the group's rows in one statement. Ids are given, in file order: bulk mode numbered the
 * rows when it took them; otherwise they are numbered here, and a duplicate makes the statement
 * fail whole, so its rows are tried one by one to find the duplicate as a single INSERT would. */
static int group_flush(struct import_writer *w, struct group *g) {
    req *r = w->run->r;
    const struct resource *res = w->run->res;
    int n = g->n, rc = 0;
    g->n = 0;
    if (!n) return 0;
    const struct colvals *cols[INSERT_ROWS_MAX];
    int64_t ids[INSERT_ROWS_MAX];
    for (int i = 0; i < n; i++) {
        cols[i] = &g->rows[i]->cols;
        ids[i] = w->bulk ? g->ids[i] : w->next_id + i;
    }
    /* the transaction must survive a duplicate here (PostgreSQL aborts it unless a savepoint
     * catches the failure); bulk mode checks uniqueness itself, so a failure there is final */
    int guard = !w->bulk;
    if (guard && (rc = db_savepoint(r->dbc))) return rc;
    rc = record_insert_rows(r, res, cols, n, ids, &g->ic, NULL);
    if (guard) {
        int sp = db_savepoint_end(r->dbc, rc != 0);
        if (!rc) rc = sp;
    }
    if (rc == 0) {
        if (!w->bulk) w->next_id += n, w->run->ok_rows += n;
        for (int i = 0; i < n && !rc; i++) rc = row_written(w, g->rows[i], ids[i]);
        if (w->bulk) w->bulk_rows += n;
        return rc;
    }
    if (rc != DB_ERR_UNIQUE || w->bulk) return rc;
    for (int i = 0; i < n; i++) {
        const struct prow *pr = g->rows[i];
        int64_t id = w->next_id;
        if ((rc = db_savepoint(r->dbc))) return rc;
        rc = record_insert_rows(r, res, &cols[i], 1, &id, &g->ic, NULL);
        int sp = db_savepoint_end(r->dbc, rc != 0);
        if (!rc) rc = sp;
        if (rc == DB_ERR_UNIQUE && pr->du.f) {
            int64_t existing = 0;
            int taken = taken_by(w, pr, &existing);
            if (taken < 0) return taken;
            if (!taken) return rc;          /* another constraint: a storage error as before */
            duplicate_error(w, pr, existing);
            continue;
        }
        if (rc) return rc;
        w->next_id++;
        w->run->ok_rows++;
        rc = row_written(w, pr, id);
        if (rc) return rc;
    }
    return 0;
}

static int groups_flush(struct import_writer *w) {
    for (int i = 0; i < NGROUPS; i++) {
        int rc = group_flush(w, &w->g[i]);
        if (rc) return rc;
    }
    return 0;
}

static int group_add(struct import_writer *w, const struct prow *pr, int64_t id);

static int copy_put_value(db_conn *c, struct sqlv v) {
    char num[40];
    switch (v.k) {
    case SV_INT: snprintf(num, sizeof num, "%lld", (long long)v.i); return db_copy_put(c, DBT_INT, num, -1);
    case SV_REAL: snprintf(num, sizeof num, "%.17g", v.d); return db_copy_put(c, DBT_REAL, num, -1);
    case SV_TEXT: return db_copy_put(c, DBT_TEXT, v.s, v.len);
    case SV_BLOB: return db_copy_put(c, DBT_BLOB, v.s, v.len);
    default: return db_copy_put(c, DBT_NULL, NULL, 0);
    }
}

/* The waiting rows in one COPY, with the ids that follow the file and the stamps record_insert_rows
 * gives; DB_ERR_UNIQUE if a value is taken (nothing of it stays: the savepoint undoes it). */
static int copy_write(struct import_writer *w) {
    req *r = w->run->r;
    const struct resource *res = w->run->res;
    struct copy_rows *cr = &w->cr;
    const struct colvals *first = &cr->rows[0]->cols;
    int stamps = !(res->flags & R_NO_VERSION), ncols = 0;
    const char **cols = arena_alloc(&r->a, sizeof *cols * (size_t)(first->n + 5));
    cols[ncols++] = "id";
    for (int i = 0; i < first->n; i++) cols[ncols++] = first->v[i].col;
    if (stamps) { cols[ncols++] = "created_at"; cols[ncols++] = "updated_at"; cols[ncols++] = "created_by"; cols[ncols++] = "updated_by"; }
    char now[32], uid[24];
    now_utc_iso(now);
    int64_t user = r->who ? r->who->user_id : 0;
    snprintf(uid, sizeof uid, "%lld", (long long)user);
    int rc = db_savepoint(r->dbc);
    if (rc) return rc;
    rc = db_copy_begin(r->dbc, res->table, cols, ncols);
    for (int row = 0; row < cr->n && !rc; row++) {
        const struct colvals *v = &cr->rows[row]->cols;
        rc = copy_put_value(r->dbc, sv_int(w->next_id + row));
        for (int i = 0; i < v->n && !rc; i++) rc = copy_put_value(r->dbc, v->v[i].v);
        for (int i = 0; stamps && i < 4 && !rc; i++)
            rc = i < 2 ? db_copy_put(r->dbc, DBT_TEXT, now, -1) : db_copy_put(r->dbc, user ? DBT_INT : DBT_NULL, user ? uid : NULL, -1);
        if (!rc) rc = db_copy_row(r->dbc);
    }
    int end = db_copy_end(r->dbc, rc != 0, NULL);
    if (!rc) rc = end;
    int sp = db_savepoint_end(r->dbc, rc != 0);
    return rc ? rc : sp;
}

static int copy_flush(struct import_writer *w) {
    struct copy_rows *cr = &w->cr;
    if (!cr->n) return 0;
    int rc = copy_write(w);
    int n = cr->n;
    cr->n = 0;
    if (!rc) {
        for (int i = 0; i < n && !rc; i++) rc = row_written(w, cr->rows[i], w->next_id + i);
        w->next_id += n;
        w->run->ok_rows += n;
        return rc;
    }
    if (rc != DB_ERR_UNIQUE) return rc;
    /* a taken value: the INSERTs find its row and report it as they would have */
    rc = 0;
    for (int i = 0; i < n && !rc; i++) rc = group_add(w, cr->rows[i], 0);
    return rc ? rc : groups_flush(w);
}

/* Queues a valid row for the next COPY: rows of other columns send the waiting ones first. */
static int copy_add(struct import_writer *w, const struct prow *pr) {
    struct copy_rows *cr = &w->cr;
    if (cr->n && (cr->n == COPY_ROWS || !colvals_same_columns(&cr->rows[0]->cols, &pr->cols))) {
        int rc = copy_flush(w);
        if (rc) return rc;
    }
    cr->rows[cr->n++] = pr;
    return 0;
}

/* Queues a valid row. Without bulk mode rows are inserted in file order (a duplicate is found by
 * the insert), so a row of other columns ends the group; in bulk mode they already hold their
 * ids and a group per column set waits. */
static int group_add(struct import_writer *w, const struct prow *pr, int64_t id) {
    struct group *g = NULL;
    int ng = w->bulk ? NGROUPS : 1;
    for (int i = 0; i < ng && !g; i++)
        if (w->g[i].n && colvals_same_columns(&w->g[i].rows[0]->cols, &pr->cols)) g = &w->g[i];
    for (int i = 0; i < ng && !g; i++) if (!w->g[i].n) g = &w->g[i];
    if (!g) {                       /* every group holds other columns: the first goes now */
        g = &w->g[0];
        int rc = group_flush(w, g);
        if (rc) return rc;
    }
    g->rows[g->n] = pr;
    g->ids[g->n++] = id;
    return g->n == INSERT_ROWS_MAX ? group_flush(w, g) : 0;
}

int import_writer_row(struct import_writer *w, struct prow *pr) {
    struct import_run *run = w->run;
    req *r = run->r;
    /* errors go in file order: rows queued before this one must meet the index first */
    if (pr->kind != ROW_OK && !w->bulk) {
        int rc = copy_flush(w);
        if (!rc) rc = groups_flush(w);
        if (rc) return rc;
    }
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
            taken = taken_by(w, pr, &existing);
            if (taken < 0) return taken;
        }
        /* a taken value is reported where validation would have, and then the validate hook
         * would not have run: its errors go */
        int n = taken ? pr->nfield : pr->nerr;
        for (int i = 0; i < n; i++) {
            if (taken && i == pr->du.pos) duplicate_error(w, pr, existing);
            import_row_error(r, run->errors, pr->rowno, pr->errs[i].field, pr->errs[i].code, pr->errs[i].msg);
        }
        if (taken && pr->du.pos >= n) duplicate_error(w, pr, existing);
        return 0;
    }
    case ROW_OK: {
        if (!w->bulk) return w->copy ? copy_add(w, pr) : group_add(w, pr, 0);
        if (pr->du.f) {
            int64_t existing = 0;
            int taken = import_bulk_claim(w->bulk, pr->du.col, pr->du.v, w->next_id, &existing);
            if (taken < 0) return taken;
            if (taken) { duplicate_error(w, pr, existing); return 0; }
        }
        int64_t id = w->next_id++;
        run->ok_rows++;
        /* a dry run, or a file with a bad row, is rolled back whole: its rows need not be written,
         * only numbered, so that a later duplicate names the row it repeats */
        if (run->dry || json_array_size(run->errors)) { w->unwritten = 1; return 0; }
        return group_add(w, pr, id);
    }
    }
    return 0;
}

void import_writer_prefetch(struct import_writer *w, const struct prow *pr) {
    if (w->bulk && pr->kind == ROW_OK && pr->du.f) import_bulk_prefetch(w->bulk, pr->du.v);
}

/* Bulk mode pays off once the import has written about as many rows as the table held: building
 * the indexes again then costs about what inserting the rest into them would have. Small imports
 * never change the schema (which makes every connection prepare its statements again). */
static int maybe_bulk(struct import_writer *w) {
    if (w->bulk || w->run->ok_rows < w->bulk_after) return 0;
    int rc = copy_flush(w);
    if (!rc) rc = groups_flush(w);
    if (!rc) rc = tags_flush(w);              /* rows before the switch were counted by the triggers */
    if (rc) return rc;
    w->bulk = import_bulk_begin(w->run->r, w->run->res);
    return w->bulk ? 0 : -1;
}

/* The end of the rows: the last ones written, then the indexes and triggers back. */
static int writer_finish(struct import_writer *w) {
    int rc = copy_flush(w);
    if (!rc) rc = groups_flush(w);
    if (!rc) rc = tags_flush(w);
    /* the rows took their ids from the file's order, not from the table's generator */
    if (!rc) rc = db_ids_sync(w->run->r->dbc, w->run->res->table);
    if (rc || !w->bulk) return rc;
    /* nothing written can stay: the rollback puts the indexes back (import_bulk_free makes it certain) */
    if (w->unwritten) return 0;
    return import_bulk_end(w->bulk, w->bulk_rows, w->bulk_tag_rows);
}

int import_writer_batch_end(struct import_writer *w, int last) {
    if (last) return writer_finish(w);
    int rc = copy_flush(w);
    if (!rc) rc = groups_flush(w);
    return rc ? rc : maybe_bulk(w);
}

struct import_writer *import_writer_new(struct import_run *run, int ntags) {
    req *r = run->r;
    int64_t max_id = 0;
    /* no other writer may take an id above max_id before this import commits (another server) */
    if (db_lock_table(r->dbc, run->res->table) != 0) return NULL;
    if (db_query_int(r->dbc, arena_printf(&r->a, "SELECT max(id) FROM %s", run->res->table), &max_id, NULL) < 0) return NULL;
    struct import_writer *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->run = run;
    w->ntags = ntags;
    arena_init(&w->tags.a);
    arena_init(&w->tags.sa);
    for (int i = 0; i < NGROUPS; i++) arena_init(&w->g[i].ic.a);
    w->next_id = max_id + 1;
    w->bulk_after = max_id > BULK_MIN_ROWS ? max_id : BULK_MIN_ROWS;
    /* where dropping an index would lock every reader of the table out until the import ends
     * (PostgreSQL), the import keeps its indexes */
    if (!db_private_schema_changes(r->dbc)) w->bulk_after = INT64_MAX;
    w->copy = db_copy_native(r->dbc);
    return w;
}

void import_writer_free(struct import_writer *w) {
    if (!w) return;
    for (int i = 0; i < NGROUPS; i++) arena_free(&w->g[i].ic.a);
    import_bulk_free(w->bulk);
    arena_free(&w->tags.a);
    arena_free(&w->tags.sa);
    free(w);
}
