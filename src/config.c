/* config.c: see config.h. Unknown keys are errors, so a typo in a config file is noticed. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void config_defaults(struct config *c) {
    memset(c, 0, sizeof *c);
    snprintf(c->db, sizeof c->db, "sqlite:shequ.db");
    snprintf(c->host, sizeof c->host, "127.0.0.1");
    c->port = 8080;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    /* two per core: a worker waiting on the disk or a slow client leaves its core to another */
    c->threads = n > 0 ? (int)(2 * n) : 4;
    c->threads_auto = 1;
    c->max_connections = 1024;
    c->per_ip_connections = 0;
    c->timeout_s = 30;
    c->body_limit = 1024 * 1024;
    c->import_limit = 256u * 1024 * 1024;
    snprintf(c->web_root, sizeof c->web_root, "build/web");
    c->session_idle_minutes = 120;
    /* a district office is often one NAT address for all its staff: a console's cold load is ~60
     * requests, so a few at once fit the burst; sign-ins at the start of a working day fit 20 at
     * once and 30 a minute, while a password-guessing loop gets 30 guesses a minute */
    c->rate_limit_rps = 100;
    c->rate_limit_burst = 400;
    c->auth_rate_per_min = 30;
    c->auth_rate_burst = 20;
    snprintf(c->log_level, sizeof c->log_level, "info");
}

int config_parse_listen(struct config *c, const char *hostport) {
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport) return -1;
    int port = atoi(colon + 1);
    if (port <= 0 || port > 65535) return -1;
    size_t hl = (size_t)(colon - hostport);
    if (hl >= sizeof c->host) return -1;
    memcpy(c->host, hostport, hl);
    c->host[hl] = 0;
    c->port = port;
    return 0;
}

static int set_int(int *dst, const char *v, int lo, int hi) {
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < lo || x > hi) return -1;
    *dst = (int)x;
    return 0;
}

int config_set(struct config *c, const char *k, const char *v) {
    int tmp;
    if (!strcmp(k, "db")) snprintf(c->db, sizeof c->db, "%s", v);
    else if (!strcmp(k, "listen")) return config_parse_listen(c, v);
    else if (!strcmp(k, "threads")) { c->threads_auto = 0; return set_int(&c->threads, v, 1, 256); }
    else if (!strcmp(k, "max_connections")) return set_int(&c->max_connections, v, 1, 100000);
    else if (!strcmp(k, "per_ip_connections")) return set_int(&c->per_ip_connections, v, 0, 100000);
    else if (!strcmp(k, "timeout_s")) return set_int(&c->timeout_s, v, 1, 3600);
    else if (!strcmp(k, "body_limit_kb")) { if (set_int(&tmp, v, 1, 1 << 20)) return -1; c->body_limit = (size_t)tmp * 1024; }
    else if (!strcmp(k, "import_limit_mb")) { if (set_int(&tmp, v, 1, 4096)) return -1; c->import_limit = (size_t)tmp * 1024 * 1024; }
    else if (!strcmp(k, "web_root")) snprintf(c->web_root, sizeof c->web_root, "%s", v);
    else if (!strcmp(k, "secret_key")) snprintf(c->secret_key, sizeof c->secret_key, "%s", v);
    else if (!strcmp(k, "key_file")) snprintf(c->key_file, sizeof c->key_file, "%s", v);
    else if (!strcmp(k, "address_codes")) snprintf(c->address_codes, sizeof c->address_codes, "%s", v);
    else if (!strcmp(k, "cookie_secure")) return set_int(&c->cookie_secure, v, 0, 1);
    else if (!strcmp(k, "session_idle_minutes")) return set_int(&c->session_idle_minutes, v, 1, 7 * 24 * 60);
    else if (!strcmp(k, "rate_limit_rps")) return set_int(&c->rate_limit_rps, v, 0, 10000000);
    else if (!strcmp(k, "rate_limit_burst")) return set_int(&c->rate_limit_burst, v, 1, 10000000);
    else if (!strcmp(k, "auth_rate_per_min")) return set_int(&c->auth_rate_per_min, v, 0, 10000000);
    else if (!strcmp(k, "auth_rate_burst")) return set_int(&c->auth_rate_burst, v, 1, 10000000);
    else if (!strcmp(k, "trusted_proxies")) snprintf(c->trusted_proxies, sizeof c->trusted_proxies, "%s", v);
    else if (!strcmp(k, "log_level")) snprintf(c->log_level, sizeof c->log_level, "%s", v);
    else return -1;
    return 0;
}

int config_load_file(struct config *c, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "shequ: cannot read config %s\n", path); return -1; }
    char line[2048];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (!*p || *p == '#') continue;
        char *eq = strchr(p, '=');
        if (!eq) { fprintf(stderr, "shequ: %s:%d: expected key = value\n", path, n); fclose(f); return -1; }
        *eq = 0;
        char *k = p, *v = eq + 1;
        for (char *e = k + strlen(k); e > k && isspace((unsigned char)e[-1]);) *--e = 0;
        while (isspace((unsigned char)*v)) v++;
        for (char *e = v + strlen(v); e > v && isspace((unsigned char)e[-1]);) *--e = 0;
        if (config_set(c, k, v)) { fprintf(stderr, "shequ: %s:%d: unknown key or bad value for '%s'\n", path, n, k); fclose(f); return -1; }
    }
    fclose(f);
    return 0;
}

void config_load_env(struct config *c) {
    const char *v;
    if ((v = getenv("SHEQU_DB"))) snprintf(c->db, sizeof c->db, "%s", v);
    if ((v = getenv("SHEQU_LISTEN"))) config_parse_listen(c, v);
    if ((v = getenv("SHEQU_SECRET_KEY"))) snprintf(c->secret_key, sizeof c->secret_key, "%s", v);
    /* the limits, for harnesses that start many servers (the API tests raise them: every request
     * of theirs comes from 127.0.0.1); a bad value is ignored, as in SHEQU_LISTEN */
    static const char *const limit_keys[] = {"rate_limit_rps", "rate_limit_burst", "auth_rate_per_min", "auth_rate_burst",
                                             "trusted_proxies"};
    for (size_t i = 0; i < sizeof limit_keys / sizeof limit_keys[0]; i++) {
        char name[40] = "SHEQU_";
        for (size_t j = 0; limit_keys[i][j] && j + 7 < sizeof name; j++) name[6 + j] = (char)toupper((unsigned char)limit_keys[i][j]);
        if ((v = getenv(name))) config_set(c, limit_keys[i], v);
    }
}
