/* fixture.c: the world the stateful fuzz targets (request, record JSON, filter, import) run in:
 * a temporary SQLite database holding the demo district at its smallest (100 residents, every
 * unit and built-in role), its encryption key, a tiny console directory, and for each demo
 * account its principal, a browser session and an API token. Built once per process, removed
 * at exit; a crash leaves it in /tmp for the post-mortem. */
#include "fixture.h"
#include "demo.h"
#include "fuzz_util.h"
#include "log.h"
#include "migrate.h"
#include "session.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *role_names[FUZZ_NROLES] = {"district_admin", "street_admin", "community_worker",
                                              "community_worker2", "grid_worker", "auditor"};
static struct fuzz_fixture fx;
static int made;

static void die(const char *what) {
    fprintf(stderr, "fuzz fixture: %s\n", what);
    abort();
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) die(path);
    fputs(text, f);
    fclose(f);
}

static void cleanup(void) {
    if (!made) return;
    db_close(fx.d);
    const char *files[] = {"f.db", "f.db-wal", "f.db-shm", "f.db.key", "web/index.html", "web/app.js", NULL};
    char p[160];
    for (int i = 0; files[i]; i++) { snprintf(p, sizeof p, "%s/%s", fx.dir, files[i]); unlink(p); }
    rmdir(fx.web_root);
    rmdir(fx.dir);
}

void fuzz_fixture_sessions(struct fuzz_fixture *f) {
    db_conn *c = db_acquire(f->d);
    for (int i = 0; i < FUZZ_NROLES; i++) {
        struct fuzz_role *ro = &f->roles[i];
        char tok[CRYPTO_TOKEN_CHARS + 1], unused[CRYPTO_TOKEN_CHARS + 1];
        if (principal_load(c, ro->user_id, &ro->p) != 0) die("principal_load");
        if (session_create(c, ro->user_id, "session", "fuzz", 86400, NULL, tok, ro->csrf) != 0) die("session");
        snprintf(ro->cookie, sizeof ro->cookie, "%s=%s", SESSION_COOKIE, tok);
        if (session_create(c, ro->user_id, "token", "fuzz", 86400, "fuzz", tok, unused) != 0) die("token");
        snprintf(ro->bearer, sizeof ro->bearer, "Bearer %s", tok);
        _Static_assert(sizeof ro->p.csrf >= sizeof ro->csrf, "csrf fits");
        memcpy(ro->p.csrf, ro->csrf, sizeof ro->csrf);
    }
    db_release(c);
    session_cache_clear();
}

struct fuzz_fixture *fuzz_fixture(void) {
    if (made) return &fx;
    log_level = LOG_ERROR;
    snprintf(fx.dir, sizeof fx.dir, "/tmp/shequ-fuzz-XXXXXX");
    if (!mkdtemp(fx.dir)) die("mkdtemp");
    snprintf(fx.web_root, sizeof fx.web_root, "%s/web", fx.dir);
    mkdir(fx.web_root, 0700);
    char p[160];
    snprintf(p, sizeof p, "%s/index.html", fx.web_root);
    write_file(p, "<!doctype html><title>fuzz</title>\n");
    snprintf(p, sizeof p, "%s/app.js", fx.web_root);
    write_file(p, "export {};\n");

    char url[128], key[128];
    snprintf(url, sizeof url, "sqlite:%s/f.db", fx.dir);
    snprintf(key, sizeof key, "%s/f.db.key", fx.dir);
    if (db_open(url, 4, &fx.d) != 0) die("db_open");
    /* a fixed key: the same input meets the same stored bytes in every run */
    if (crypto_setup("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", key) != 0) die("crypto_setup");
    db_conn *c = db_acquire(fx.d);
    if (migrate_run(c, 0) != 0) die("migrate");
    db_release(c);
    /* demo_build reports progress; the fuzzer's own output stays readable without it */
    fflush(stdout);
    fflush(stderr);
    int out = dup(1), err = dup(2), devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    int rc = demo_build(fx.d, 100, 20160112, "Fuzz2026pass");
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    close(devnull);
    if (rc != 0) die("demo_build");

    c = db_acquire(fx.d);
    for (int i = 0; i < FUZZ_NROLES; i++) {
        fx.roles[i].username = role_names[i];
        db_query_int(c, "SELECT id FROM users WHERE username = ?", &fx.roles[i].user_id, "s", role_names[i]);
        if (fx.roles[i].user_id <= 0) die(role_names[i]);
    }
    db_release(c);
    fuzz_fixture_sessions(&fx);

    fx.opts = (struct server_opts){"127.0.0.1", 0, 1, 64, 64, 30, 1024 * 1024, 8u * 1024 * 1024, fx.web_root};
    made = 1;
    atexit(cleanup);
    return &fx;
}

struct fuzz_role *fuzz_role_named(struct fuzz_fixture *f, const char *name, size_t len) {
    for (int i = 0; i < FUZZ_NROLES; i++)
        if (strlen(f->roles[i].username) == len && memcmp(f->roles[i].username, name, len) == 0) return &f->roles[i];
    return NULL;
}

const struct resource *fuzz_kind_and_role(struct fuzz_fixture *f, char *buf, size_t size, size_t *pos,
                                          struct fuzz_role **role) {
    char *kind = fuzz_next_line(buf, size, pos);
    char *who = fuzz_next_line(buf, size, pos);
    *role = who ? fuzz_role_named(f, who, strlen(who)) : NULL;
    if (!*role) *role = &f->roles[0];
    return kind ? resource_find(kind) : NULL;
}
