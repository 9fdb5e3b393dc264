/* test_schema.c: the SQLite and PostgreSQL migrations (db/migrations/ and db/migrations/pg/,
 * compiled in) describe one schema: the same migrations by number and name, the same tables with
 * the same columns, the same indexes (name, table, unique or not), and a change counter with its
 * trigger for the same tables. Read from the SQL text itself, so neither set can drift unnoticed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "migrate.h"

#define MAXN 1024
struct names { char *v[MAXN]; int n; };

static void add(struct names *s, const char *fmt, const char *a, const char *b) {
    char buf[256];
    snprintf(buf, sizeof buf, fmt, a, b);
    assert_true(s->n < MAXN);
    s->v[s->n++] = strdup(buf);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void names_free(struct names *s) { for (int i = 0; i < s->n; i++) free(s->v[i]); s->n = 0; }

/* The text of all of an engine's migrations with -- comments gone and words lower-cased. */
static char *schema_text(const struct migration *m, int n) {
    size_t cap = 1;
    for (int i = 0; i < n; i++) cap += strlen(m[i].sql) + 1;
    char *out = malloc(cap), *o = out;
    for (int i = 0; i < n; i++) {
        int quoted = 0;
        for (const char *p = m[i].sql; *p; p++) {
            if (*p == '\'') quoted = !quoted;
            if (!quoted && p[0] == '-' && p[1] == '-') { while (*p && *p != '\n') p++; if (!*p) break; }
            *o++ = quoted ? *p : (char)tolower((unsigned char)*p);
        }
        *o++ = '\n';
    }
    *o = 0;
    return out;
}

/* The next word (identifier) at *p, skipping blanks and a quote; advances *p past it. */
static int word(const char **p, char *out, size_t cap) {
    const char *s = *p;
    while (*s && (isspace((unsigned char)*s) || *s == '"')) s++;
    size_t n = 0;
    while (*s && (isalnum((unsigned char)*s) || *s == '_') && n + 1 < cap) out[n++] = *s++;
    out[n] = 0;
    if (*s == '"') s++;
    *p = s;
    return n > 0;
}

/* Tables with their columns ("t.col"), indexes ("index name on t unique?") and the tables whose
 * change counter a trigger moves ("counter t"). */
static void describe(const char *sql, struct names *out) {
    char w[128], t[128];
    for (const char *p = sql; (p = strstr(p, "create ")) != NULL;) {
        p += 7;
        const char *q = p;
        word(&q, w, sizeof w);
        if (!strcmp(w, "table")) {
            word(&q, t, sizeof t);
            if (!strcmp(t, "if")) { word(&q, w, sizeof w); word(&q, w, sizeof w); word(&q, t, sizeof t); }
            add(out, "table %s%s", t, "");
            q = strchr(q, '(');
            assert_non_null(q);
            int depth = 0, at_item = 1;
            for (q++; *q && depth >= 0; q++) {
                if (at_item) {
                    const char *r = q;
                    if (word(&r, w, sizeof w) && strcmp(w, "primary") && strcmp(w, "unique") && strcmp(w, "foreign") &&
                        strcmp(w, "check") && strcmp(w, "constraint"))
                        add(out, "column %s.%s", t, w);
                    at_item = 0;
                }
                if (*q == '\'') { q = strchr(q + 1, '\''); assert_non_null(q); continue; }
                if (*q == '(') depth++;
                else if (*q == ')') depth--;
                else if (*q == ',' && depth == 0) at_item = 1;
            }
            p = q;
        } else if (!strcmp(w, "index") || !strcmp(w, "unique")) {
            int unique = !strcmp(w, "unique");
            if (unique) word(&q, w, sizeof w);
            char name[128];
            word(&q, name, sizeof name);
            word(&q, w, sizeof w);                      /* on */
            word(&q, t, sizeof t);
            char buf[300];
            snprintf(buf, sizeof buf, "index %s on %s%s", name, t, unique ? " unique" : "");
            add(out, "%s%s", buf, "");
        } else if (!strcmp(w, "trigger")) {
            const char *on = strstr(q, " on "), *next = strstr(q, "create "), *cc = strstr(q, "change_counter");
            assert_non_null(on);
            on += 4;
            word(&on, t, sizeof t);
            if (cc && (!next || cc < next)) add(out, "counter %s%s", t, "");
        }
    }
    /* a table with triggers for insert, update and delete counts once */
    qsort(out->v, (size_t)out->n, sizeof out->v[0], cmp);
    int k = 0;
    for (int i = 0; i < out->n; i++) {
        if (k && !strcmp(out->v[k - 1], out->v[i])) { free(out->v[i]); continue; }
        out->v[k++] = out->v[i];
    }
    out->n = k;
}

static void assert_same(struct names *a, struct names *b, const char *what) {
    int i = 0, j = 0, bad = 0;
    while (i < a->n || j < b->n) {
        int c = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->v[i], b->v[j]);
        if (c < 0) { print_error("%s: only in SQLite: %s\n", what, a->v[i++]); bad++; }
        else if (c > 0) { print_error("%s: only in PostgreSQL: %s\n", what, b->v[j++]); bad++; }
        else i++, j++;
    }
    assert_int_equal(bad, 0);
}

static void test_same_migrations(void **state) {
    (void)state;
    assert_int_equal(migrations_sqlite_count, migrations_pg_count);
    for (int i = 0; i < migrations_sqlite_count; i++) {
        assert_int_equal(migrations_sqlite[i].version, migrations_pg[i].version);
        assert_string_equal(migrations_sqlite[i].name, migrations_pg[i].name);
    }
}

static void test_same_tables_columns_indexes(void **state) {
    (void)state;
    char *a = schema_text(migrations_sqlite, migrations_sqlite_count);
    char *b = schema_text(migrations_pg, migrations_pg_count);
    struct names sa = {0}, sb = {0};
    describe(a, &sa);
    describe(b, &sb);
    assert_true(sa.n > 100);                    /* the parser found the schema at all */
    assert_same(&sa, &sb, "schema");
    names_free(&sa);
    names_free(&sb);
    free(a);
    free(b);
}

/* The parser itself: a difference is seen. */
static void test_detects_drift(void **state) {
    (void)state;
    struct names sa = {0}, sb = {0};
    describe("create table t (\n  id integer primary key,\n  a text, b text not null default 'x,y'\n);\n"
             "create unique index t_a on t(a) where b is null;", &sa);
    describe("create table t (id bigint, a text collate \"c\", c text, primary key (id));\ncreate index t_a on t(a);", &sb);
    assert_int_equal(sa.n, 5);
    assert_string_equal(sa.v[0], "column t.a");
    assert_string_equal(sa.v[1], "column t.b");
    assert_string_equal(sa.v[2], "column t.id");
    assert_string_equal(sa.v[3], "index t_a on t unique");
    assert_int_equal(sb.n, 5);
    assert_string_equal(sb.v[1], "column t.c");
    assert_string_equal(sb.v[3], "index t_a on t");
    names_free(&sa);
    names_free(&sb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_migrations), cmocka_unit_test(test_same_tables_columns_indexes),
        cmocka_unit_test(test_detects_drift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
