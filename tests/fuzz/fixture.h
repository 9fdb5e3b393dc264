/* fixture.h: the world the stateful fuzz targets run in (see fixture.c). */
#ifndef SHEQU_FUZZ_FIXTURE_H
#define SHEQU_FUZZ_FIXTURE_H
#include "crypto.h"
#include "db.h"
#include "http.h"
#include "resource.h"

/* The demo accounts, one per built-in role, plus a second community's worker for scope. */
#define FUZZ_NROLES 6
struct fuzz_role {
    const char *username;
    int64_t user_id;
    principal p;                              /* as session_authenticate would load it */
    char cookie[CRYPTO_TOKEN_CHARS + 32];     /* "shequ_session=<token>" of a browser session */
    char csrf[CRYPTO_TOKEN_CHARS + 1];
    char bearer[CRYPTO_TOKEN_CHARS + 8];      /* "Bearer <token>" of an API token */
};

struct fuzz_fixture {
    db *d;
    char dir[64];                             /* temporary: database, key, console files */
    char web_root[96];
    struct server_opts opts;
    struct fuzz_role roles[FUZZ_NROLES];
};

/* Made on first call: a demo district of 100 residents in a new temporary database. */
struct fuzz_fixture *fuzz_fixture(void);
/* The role by username, or NULL (anonymous). */
struct fuzz_role *fuzz_role_named(struct fuzz_fixture *f, const char *name, size_t len);
/* The first two lines of an input (fuzz_next_line from *pos): a declared record kind, answered
 * (NULL if none), and a caller, in *role (a demo account by username; else district_admin). */
const struct resource *fuzz_kind_and_role(struct fuzz_fixture *f, char *buf, size_t size, size_t *pos,
                                          struct fuzz_role **role);
/* Signs every role in again (new sessions and tokens): after an input signed one out, changed a
 * password or a user. */
void fuzz_fixture_sessions(struct fuzz_fixture *f);

#endif
