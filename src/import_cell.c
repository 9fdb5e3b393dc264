/* import_cell.c: a cell of an imported file as the JSON value the API would take for its field -
 * numbers, yes/no, dates people type, dictionary labels, tag lists, units by division code - so
 * that every row then goes through the API's own validation. */
#include "import_row.h"
#include "dict.h"
#include "org.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 2024/1/5, 2024.1.5, 2024-1-5, 20240105 -> 2024-01-05 (anything else unchanged) */
static const char *normalise_date(arena *a, const char *s) {
    int y, m, d;
    char sep1, sep2;
    if (sscanf(s, "%4d%c%d%c%d", &y, &sep1, &m, &sep2, &d) == 5 && (sep1 == '/' || sep1 == '.' || sep1 == '-') && sep1 == sep2)
        return arena_printf(a, "%04d-%02d-%02d", y, m, d);
    if (strlen(s) == 8 && sscanf(s, "%4d%2d%2d", &y, &m, &d) == 3) return arena_printf(a, "%04d-%02d-%02d", y, m, d);
    return s;
}

/* A cell as the JSON value the API would take for this field. Unparseable text stays text, so the
 * validator reports it with the usual message. */
json_t *import_cell_value(req *r, struct row_lookups *lk, const struct field *f, const char *cell) {
    while (*cell == ' ') cell++;
    char *end;
    switch (f->type) {
    case FT_INT: case FT_MONEY: case FT_REF: {
        errno = 0;
        long long v = strtoll(cell, &end, 10);
        if (*end == '.' && strspn(end + 1, "0") == strlen(end + 1)) end += strlen(end);  /* "12.0" from Excel */
        return *end || errno ? json_string(cell) : json_integer(v);
    }
    case FT_ORG: {
        errno = 0;
        long long v = strtoll(cell, &end, 10);
        if (!*end && !errno && strlen(cell) < 9) return json_integer(v);
        int64_t id = lk ? lk->org_by_code(lk, cell) : org_id_by_code_memo(r, cell);     /* division codes are 9, 12 or 15 digits */
        return id ? json_integer(id) : json_string(cell);
    }
    case FT_BOOL:
        if (!strcmp(cell, "是") || !strcasecmp(cell, "true") || !strcmp(cell, "1") || !strcasecmp(cell, "yes") || !strcasecmp(cell, "y")) return json_true();
        if (!strcmp(cell, "否") || !strcasecmp(cell, "false") || !strcmp(cell, "0") || !strcasecmp(cell, "no") || !strcasecmp(cell, "n")) return json_false();
        return json_string(cell);
    case FT_DATE: return json_string(normalise_date(&r->a, cell));
    case FT_DICT: {
        const char *code = lk ? lk->dict_code_for(lk, f->dict, cell) : dict_code_for(r->dbc, f->dict, cell, &r->a);
        return json_string(code ? code : cell);
    }
    case FT_TAGS: {
        json_t *arr = json_array();
        char *copy = arena_strdup(&r->a, cell);
        /* separators people type: , ， 、 ; ； | and spaces */
        for (char *p = copy; *p;) {
            size_t skip = 0;
            if (*p == ',' || *p == ';' || *p == '|' || *p == ' ') skip = 1;
            else if (!strncmp(p, "，", 3) || !strncmp(p, "、", 3) || !strncmp(p, "；", 3)) skip = 3;
            if (skip) { memset(p, 0, skip); p += skip; } else p++;
        }
        for (char *p = copy; p < copy + strlen(cell);) {
            if (*p) {
                const char *code = !f->dict ? p : lk ? lk->dict_code_for(lk, f->dict, p) : dict_code_for(r->dbc, f->dict, p, &r->a);
                json_array_append_new(arr, json_string(code ? code : p));
                p += strlen(p);
            } else p++;
        }
        return arr;
    }
    case FT_REFS: {                  /* "12,15" as exported */
        json_t *arr = json_array();
        for (const char *p = cell; *p;) {
            errno = 0;
            long long v = strtoll(p, &end, 10);
            if (end == p || errno) { json_decref(arr); return json_string(cell); }
            json_array_append_new(arr, json_integer(v));
            p = end;
            while (*p == ',' || *p == ' ') p++;
        }
        return arr;
    }
    case FT_JSON: {
        json_t *v = json_loads(cell, 0, NULL);
        return v ? v : json_string(cell);
    }
    default: return json_string(cell);
    }
}


json_t *import_row_json(req *r, struct row_lookups *lk, const struct field *const *map, int nhead,
                        const char *const *cells, int ncells, int *extra) {
    json_t *in = json_object();
    *extra = 0;
    for (int i = 0; i < ncells; i++) {
        if (i >= nhead) { if (cells[i][0]) *extra = 1; continue; }
        if (!map[i] || !cells[i][0]) continue;
        json_object_set_new(in, map[i]->name, import_cell_value(r, lk, map[i], cells[i]));
    }
    return in;
}
