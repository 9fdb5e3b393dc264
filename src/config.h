/* config.h: settings from a `key = value` file (--config), the environment (SHEQU_*), and flags,
 * in rising order of precedence. */
#ifndef SHEQU_CONFIG_H
#define SHEQU_CONFIG_H
#include <stddef.h>

struct config {
    char db[512];
    char host[64];
    int port;
    int threads;
    int threads_auto;             /* threads not given: serve sizes them for the engine */
    int max_connections;
    int per_ip_connections;
    int timeout_s;
    size_t body_limit;
    size_t import_limit;
    char web_root[512];
    char secret_key[80];
    char key_file[512];
    char address_codes[1024];     /* extra GB/T 2260 codes, comma-separated */
    int cookie_secure;
    int session_idle_minutes;
    int rate_limit_rps;           /* requests a second per client address, sustained (0 = off) */
    int rate_limit_burst;         /* ... and in a burst */
    int auth_rate_per_min;        /* sign-ins, password changes, token creations a minute per address (0 = off) */
    int auth_rate_burst;
    char trusted_proxies[256];    /* balancers whose X-Forwarded-For names the client, comma-separated */
    char log_level[16];
};

void config_defaults(struct config *c);
int config_load_file(struct config *c, const char *path);   /* 0, or -1 with a message printed */
void config_load_env(struct config *c);
int config_set(struct config *c, const char *key, const char *value);  /* 0, -1 unknown key or bad value */
int config_parse_listen(struct config *c, const char *hostport);

#endif
