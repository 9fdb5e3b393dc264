/* auth.h: who is calling and what they may do. A principal is built per request from the session
 * cookie or bearer token; permissions come from the user's roles, each with a data scope. */
#ifndef SHEQU_AUTH_H
#define SHEQU_AUTH_H
#include <stdint.h>

/* Wider scopes compare greater. CAREGIVER and PROVIDER are a care provider's people: rows are
 * theirs by the provider or caregiver they name, not by unit (scope.c says how for each table). */
enum scope_kind { SCOPE_NONE = 0, SCOPE_CAREGIVER = 1, SCOPE_PROVIDER = 2, SCOPE_SELF = 3, SCOPE_UNIT = 4,
                  SCOPE_SUBTREE = 5, SCOPE_ALL = 6 };

#define MAX_GRANTS 128          /* every permission of every kind of record, and the workflows' own */
struct grant { const char *perm; enum scope_kind scope; };

typedef struct principal {
    int64_t user_id;
    char username[64];
    char name[96];
    int64_t org_id;
    char org_path[256];
    int64_t provider_id;         /* the care provider a provider_admin or caregiver works for (0: none) */
    int64_t caregiver_id;        /* the caregiver record of a caregiver's account (0: none) */
    char csrf[48];
    int via_bearer;              /* bearer tokens need no CSRF header */
    int touch;                   /* last_seen_at is due an update */
    char token_hash[65];
    int ngrants;
    struct grant grants[MAX_GRANTS];
    char roles[256];             /* comma-separated role codes, for display */
    char permbuf[4096];          /* storage for grants[].perm */
    int permbuf_len;
} principal;

/* The scope with which `p` holds `perm`, SCOPE_NONE if not at all. */
enum scope_kind principal_scope(const principal *p, const char *perm);
int principal_can(const principal *p, const char *perm);
/* A copy whose grant names live in its own storage (plain assignment would share them). */
void principal_copy(principal *dst, const principal *src);

const char *scope_kind_name(enum scope_kind s);
enum scope_kind scope_kind_parse(const char *s);

/* Built-in roles, seeded into the roles table by migrate. */
struct builtin_role {
    const char *code, *name_zh, *name_en, *scope;
    const char *perms;           /* space-separated */
};
extern const struct builtin_role builtin_roles[];

#endif
