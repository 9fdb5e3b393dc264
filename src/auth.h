/* auth.h: who is calling and what they may do. A principal is built per request from the session
 * cookie or bearer token; permissions come from the user's roles, each with a data scope. */
#ifndef SHEQU_AUTH_H
#define SHEQU_AUTH_H
#include <stdint.h>

enum scope_kind { SCOPE_NONE = 0, SCOPE_SELF = 1, SCOPE_UNIT = 2, SCOPE_SUBTREE = 3, SCOPE_ALL = 4 };

#define MAX_GRANTS 64
struct grant { const char *perm; enum scope_kind scope; };

typedef struct principal {
    int64_t user_id;
    char username[64];
    char name[96];
    int64_t org_id;
    char org_path[256];
    char csrf[48];
    int via_bearer;              /* bearer tokens need no CSRF header */
    int touch;                   /* last_seen_at is due an update */
    char token_hash[65];
    int ngrants;
    struct grant grants[MAX_GRANTS];
    char roles[256];             /* comma-separated role codes, for display */
    char permbuf[2048];          /* storage for grants[].perm */
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
