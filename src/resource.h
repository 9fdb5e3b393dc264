/* resource.h: the declared-record engine (DESIGN principle 1). Each kind of record is declared
 * once as a table of fields; generic code (crud.c, validate.c, io.c, openapi.c, meta.c) turns the
 * declaration into validation, JSON, list/filter/sort/page, create/update/delete, CSV and XLSX
 * import and export, the OpenAPI document and the console's metadata. Domain files (person.c,
 * household.c, ...) add hooks only for what is really domain. */
#ifndef SHEQU_RESOURCE_H
#define SHEQU_RESOURCE_H
#include "http.h"
#include "sqlb.h"
#include <jansson.h>
#include <stdint.h>

enum ftype {
    FT_TEXT,        /* string, max_len in characters */
    FT_INT,         /* integer, min/max */
    FT_MONEY,       /* integer fen */
    FT_BOOL,
    FT_DATE,        /* YYYY-MM-DD */
    FT_DATETIME,    /* YYYY-MM-DDTHH:MM:SSZ, UTC */
    FT_DICT,        /* a code of dictionary `dict` */
    FT_TAGS,        /* several codes of dictionary `dict`; JSON array; indexed in record_tags */
    FT_REF,         /* id of a record of resource `ref`, which must exist and be in the caller's scope */
    FT_ORG,         /* org_units id: sets org_id / org_path / district_code; `levels` allowed */
    FT_ID_NUMBER,   /* identity document number: encrypted, hashed, masked (GB 11643 when id_type is resident_id) */
    FT_PHONE,       /* phone number: encrypted, hashed, masked */
    FT_PASSWORD,    /* write-only; stored as an argon2id hash in column `column` */
    FT_REFS,        /* ids of records of resource `ref`, each as FT_REF checks it, distinct; JSON array of
                     * integers, stored comma-separated; min/max bound the count when max > 0 */
    FT_JSON         /* a JSON object or array whose content the resource's validate hook checks (an
                     * assessment's item scores); stored as compact JSON text, answered as JSON */
};

enum fflags {
    F_REQUIRED  = 1 << 0,   /* must be given on create */
    F_READONLY  = 1 << 1,   /* set by the server (derived); ignored... refused in input */
    F_FILTER    = 1 << 2,   /* ?field=value (and __gte/__lte for ordered types) */
    F_SORT      = 1 << 3,   /* ?sort=field / -field */
    F_SEARCH    = 1 << 4,   /* part of ?q= */
    F_PREFIX    = 1 << 5,   /* ?q= matches this text field by prefix (index-friendly) */
    F_LIST      = 1 << 6,   /* a column of the console's list by default */
    F_IMMUTABLE = 1 << 7,   /* cannot change after create */
    F_NOIMPORT  = 1 << 8,   /* not a column of import/export */
    F_UNIQUE    = 1 << 9,   /* unique among live records (checked with a clear 409) */
    F_AGE       = 1 << 10,  /* FT_DATE of birth: records also answer "age" in whole years today */
    F_COMPUTED  = 1 << 11   /* no storage column: derived when read (the resource's decorate hook fills
                             * it in); declared so that meta, the console and OpenAPI show it. Implies
                             * read-only; never filtered, sorted, imported or exported */
};

struct field {
    const char *name;
    enum ftype type;
    unsigned flags;
    const char *label_zh, *label_en;
    int max_len;                    /* FT_TEXT: characters (0 = 200) */
    int64_t min, max;               /* FT_INT / FT_MONEY when min < max */
    const char *dict;               /* FT_DICT / FT_TAGS */
    const char *ref;                /* FT_REF: resource name */
    const char *levels;             /* FT_ORG: allowed levels, space-separated ("community grid") */
    const char *column;             /* storage column when it differs from name */
    const char *def;                /* default value on create (as text) */
    const char *ref_perm;           /* FT_REF / FT_REFS: the caller's permission whose scope the referenced
                                     * records must lie in; NULL = the target's read permission */
    const char *after;              /* FT_DATE / FT_DATETIME: the field this one ends a range of: a date may not
                                     * precede it, a time must follow it (422 end_before_start) */
};

struct resource;
struct org_info;

/* Where validation gets dictionary and unit answers. NULL in write_ctx: dict.c and org.c directly
 * (the API). An import on two threads passes its own, which remembers every answer for the import
 * (see import_lookup.c): the answers cannot change inside the import's write transaction. */
struct row_lookups {
    int (*dict_check)(struct row_lookups *lk, const char *dict, const char *code);      /* as dict_check */
    const char *(*dict_code_for)(struct row_lookups *lk, const char *dict, const char *text); /* as dict_code_for; lives as long as lk */
    int (*org_lookup)(struct row_lookups *lk, int64_t id, struct org_info *out);         /* as org_lookup_memo */
    int64_t (*org_by_code)(struct row_lookups *lk, const char *code);                    /* as org_id_by_code_memo */
};

/* A uniqueness check left to the writer (imports on two threads): validation records what it would
 * have looked up and where its error would have gone. */
struct deferred_unique {
    const struct field *f;          /* NULL: none deferred */
    const char *col;                /* column compared */
    struct sqlv v;                  /* value compared (lives in the request arena) */
    int pos;                        /* errors already collected when the check would have run */
};

/* Context handed to hooks: the request, the values being written, and the stored row. */
struct write_ctx {
    req *r;
    const struct resource *res;
    int creating;
    int64_t id;                     /* 0 while creating, until inserted */
    json_t *in;                     /* input as given (validated) */
    json_t *before;                 /* stored record as JSON (update/delete), else NULL */
    json_t *after;                  /* record as it will be stored, JSON form */
    struct colvals *cols;           /* storage columns and values to write */
    json_t *errors, *error_codes;   /* field -> message / code: hooks add to these */
    int importing;                  /* row of an import: hooks must not write other records */
    struct row_lookups *lookups;    /* NULL = dict.c / org.c */
    int defer_unique;               /* record F_UNIQUE checks in `deferred` instead of querying */
    struct deferred_unique deferred;
    int field_errors;               /* errors before the resource's validate hook ran */
};

struct resource {
    const char *name;               /* URL and permission name: "persons" */
    const char *table;
    const char *label_zh, *label_en;
    const struct field *fields;
    int nfields;
    unsigned flags;
    const char *default_sort;       /* "-id" */
    const char *perm;               /* permission prefix; NULL = name. read: perm.read, write: perm.write */
    const char *title_field;        /* shown as the record's title (name) */
    const char *cache_deps;         /* other tables (space-separated) whose contents the decorate hook
                                     * reads: their change counters join the list cache's key */

    /* hooks (all optional) */
    int (*validate)(struct write_ctx *w);          /* after field validation; add errors */
    int (*after_write)(struct write_ctx *w);       /* in the same transaction, after insert/update */
    int (*before_delete)(struct write_ctx *w);     /* may refuse with an error response */
    void (*decorate)(req *r, json_t *rec, int detail); /* add computed fields to output */
    /* A list filter that is no field (?overdue=1: a date compared with today): appends its
     * " AND ..." to q and returns 0, returns 1 when `key` is not one of its filters, or answers 400
     * itself (r->status set) for a bad value. The date is part of a cached page's key already. */
    int (*list_filter)(req *r, sqlb *q, const char *key, const char *val);
};

enum rflags {
    R_SCOPED     = 1 << 0,  /* rows carry org_id/org_path and are filtered by the caller's scope */
    R_NO_CREATE  = 1 << 1,  /* not through the generic POST (a domain route may create them) */
    R_NO_UPDATE  = 1 << 2,
    R_NO_DELETE  = 1 << 3,
    R_IMPORT     = 1 << 4,
    R_EXPORT     = 1 << 5,
    R_NO_SOFT    = 1 << 6,  /* no deleted_at column (append-only tables) */
    R_NO_VERSION = 1 << 7,  /* no version / created_at columns (audit_log) */
    R_GLOBAL_READ = 1 << 8  /* readable by every signed-in user whatever the scope (dictionaries); with
                             * R_SCOPED, writes stay within the writer's scope (subsidy rules) */
};

/* registry */
extern const struct resource *const resources[];
extern const int resources_count;
const struct resource *resource_find(const char *name);
const struct field *resource_field(const struct resource *res, const char *name);
const char *field_column(const struct field *f);
int resource_has_org(const struct resource *res);
const char *resource_read_perm(const struct resource *res, arena *a);
const char *resource_write_perm(const struct resource *res, arena *a);

/* Storage values built by validation and bound into INSERT/UPDATE. */
struct colval { const char *col; struct sqlv v; };
struct colvals { struct colval *v; int n, cap; arena *a; };
void colvals_set(struct colvals *cv, const char *col, struct sqlv v);

/* Generic handlers (crud.c) */
int crud_list(req *r);
int crud_get(req *r);
int crud_create(req *r);
int crud_update(req *r);
int crud_delete(req *r);
int crud_export_csv(req *r);
int crud_export_xlsx(req *r);
int crud_import(req *r);
int crud_history(req *r);

/* Building blocks for domain code */
json_t *record_load(req *r, const struct resource *res, int64_t id, int unmask);   /* NULL = 404 (not found / out of scope) */
int record_write(req *r, const struct resource *res, int64_t id, json_t *in, const char *if_match, json_t **out);
/* Creates a record of res from `in` (validation, hooks, audit) and answers 201 with it, or the
 * error: the generic POST after its checks, and domain routes that create records of a kind
 * declared R_NO_CREATE (an elder's assessment). The caller checked the write permission. */
int record_create_respond(req *r, const struct resource *res, json_t *in);
/* Creates (id 0) or changes (id > 0, whatever its version) a record of res from `in` with the same
 * validation, hooks and audit entry, without answering: for a domain route that writes several
 * records in one request (a day's attendance). 0 with *out (the record as stored, owned by the
 * caller; may be NULL); SAVE_INVALID with *errors and *codes (new references); 404 as SAVE_NOT_FOUND;
 * <0 on a storage error. The caller checked the write permission. */
int record_put(req *r, const struct resource *res, int64_t id, json_t *in, json_t **out, json_t **errors, json_t **codes);
int record_row_json(req *r, const struct resource *res, db_stmt *s, json_t **out);
/* The same record written straight into b as JSON text, public fields only (no jansson objects:
 * this is the path of every read). Returns the record's version (0 if it has none). */
int64_t record_row_write(req *r, const struct resource *res, db_stmt *s, sbuf *b);
/* SELECT list of the resource's storage columns, aliased t. */
const char *resource_select_cols(const struct resource *res, arena *a);

/* validation (validate.c) */
int validate_record(struct write_ctx *w);          /* fills w->cols, w->after, w->errors */
/* After a write failed on a unique index (another server's transaction took the value between
 * validation and the write): checks the unique fields again, now seeing that commit, and notes
 * the duplicate as validation does. 1 if one was found, 0 if not, <0 on a storage error. */
int validate_unique_again(struct write_ctx *w);
void write_error(struct write_ctx *w, const char *field, const char *code, const char *zh, const char *en);
/* A text field as it will be stored: the input's validated value (NULL if given as null), else the
 * stored record's; NULL when neither is text. For hooks that check one field against another. */
const char *write_ctx_str(struct write_ctx *w, const char *field);
/* A value a hook derives (a copied name, a computed total): stored in column `field` and shown in
 * the record as written. Text may be NULL. */
void write_ctx_set_text(struct write_ctx *w, const char *field, const char *v);
void write_ctx_set_int(struct write_ctx *w, const char *field, int64_t v);
/* The unit a record takes from another it belongs to (a caregiver their provider's, an order its
 * elder's): org_id, org_path and district_code stored, org_id shown. */
void write_ctx_set_unit(struct write_ctx *w, int64_t org_id, const char *org_path, const char *district_code);
int respond_validation(req *r, json_t *errors, json_t *codes);
int date_valid(const char *s);                     /* YYYY-MM-DD, a real date */
int age_on(const char *birth, const char *today);  /* whole years; -1 if birth is not a date */
/* d + months (may be negative), the day kept where the month has it, else its last day
 * (08-31 + 6 months = 02-28 or 02-29). */
void date_add_months(const char *d, int months, char out[11]);
/* Whether another live record of res (other than `self`) holds v in col: 1 with *existing, 0, <0. */
int unique_taken_in(req *r, const struct resource *res, int64_t self, const char *col, struct sqlv v, int64_t *existing);
/* The message of a failed uniqueness check, as validation writes it. */
void duplicate_message(const struct field *f, int64_t existing, int en, char *out, size_t n);
int validate_password_policy(const char *p);       /* 8+ characters, letters and digits */

#endif
