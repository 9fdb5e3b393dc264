/* ratelimit.c: see ratelimit.h. The table is set-associative: an address hashes (SipHash with a
 * key drawn at start, so no one can aim many addresses at one set) to a set of RL_WAYS entries
 * under that set's own lock; a new address takes an empty entry or the set's longest-idle one.
 * An idle entry whose buckets have refilled carries nothing a fresh one would not, so eviction
 * only ever forgets an address that went quiet. The whole check is a hash, one uncontended lock
 * and a few multiplications: nothing next to a request that takes ~10 us. */
#include "ratelimit.h"
#include "log.h"
#include <math.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#define RL_WAYS 8
#define RL_SETS 1024                    /* 8,192 addresses at 64 bytes: 512 KiB, allocated once */

struct entry {
    unsigned char key[16];
    double last[2];                     /* when each bucket was last brought up to date */
    double tokens[2];
    unsigned char used;
    unsigned char limited[2];           /* refused since that bucket last allowed one (logged once) */
};
struct set {
    pthread_mutex_t mu;
    struct entry e[RL_WAYS];
};

static struct set sets[RL_SETS];
static unsigned char hash_key[crypto_shorthash_KEYBYTES];
static double rate[2], burst[2];        /* tokens a second and bucket size, per class; rate 0 = off */

static unsigned char proxies[8][16];   /* trusted_proxies: their X-Forwarded-For names the client */
static int nproxies;

/* An address in its 16-byte form: IPv4 as ::ffff:a.b.c.d, as a dual-stack socket shows it. */
static void v4_mapped(const void *in4, unsigned char out[16]) {
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, in4, 4);
}

static int addr_of_text(const char *s, size_t len, unsigned char out[16]) {
    char buf[INET6_ADDRSTRLEN];
    while (len && (*s == ' ' || *s == '\t')) s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (!len || len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    struct in_addr a4;
    if (inet_pton(AF_INET, buf, &a4) == 1) { v4_mapped(&a4, out); return 0; }
    return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

/* The table key of a 16-byte address: an IPv6 subscriber is given a /64 and can pick any address
 * in it, so the /64 is the client; an IPv4 (mapped) address is kept whole. */
static void key_of_addr(const unsigned char a[16], unsigned char key[16]) {
    memcpy(key, a, 16);
    if (!IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) memset(key + 8, 0, 8);
}

void ratelimit_configure(const struct config *c) {
    if (sodium_init() < 0) return;      /* leaves the limits off */
    randombytes_buf(hash_key, sizeof hash_key);
    for (int i = 0; i < RL_SETS; i++) {
        pthread_mutex_init(&sets[i].mu, NULL);
        memset(sets[i].e, 0, sizeof sets[i].e);
    }
    rate[RL_GENERAL] = c->rate_limit_rps;
    burst[RL_GENERAL] = c->rate_limit_burst > 0 ? c->rate_limit_burst : 1;
    rate[RL_AUTH] = c->auth_rate_per_min / 60.0;
    burst[RL_AUTH] = c->auth_rate_burst > 0 ? c->auth_rate_burst : 1;
    nproxies = 0;
    for (const char *p = c->trusted_proxies; *p && nproxies < 8;) {
        size_t len = strcspn(p, ",");
        if (addr_of_text(p, len, proxies[nproxies]) == 0) nproxies++;
        p += len + (p[len] == ',');
    }
}

/* The 16-byte form of a socket address; 0, or -1 for another family. */
static int addr_of_sockaddr(const struct sockaddr *sa, unsigned char a[16]) {
    if (sa->sa_family == AF_INET) v4_mapped(&((const struct sockaddr_in *)sa)->sin_addr, a);
    else if (sa->sa_family == AF_INET6) memcpy(a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    else return -1;
    return 0;
}

int ratelimit_key(const struct sockaddr *sa, unsigned char key[16]) {
    unsigned char a[16];
    if (addr_of_sockaddr(sa, a) != 0) return -1;
    key_of_addr(a, key);
    return 0;
}

/* Brings bucket c of e up to `now` and takes a token: 0, or the whole seconds until one is there. */
static int take_token(struct entry *e, int c, double now) {
    double t = e->tokens[c] + (now - e->last[c]) * rate[c];
    if (t > burst[c]) t = burst[c];
    e->last[c] = now;
    if (t >= 1) {
        e->tokens[c] = t - 1;
        return 0;
    }
    e->tokens[c] = t;
    int s = (int)ceil((1 - t) / rate[c]);
    return s < 1 ? 1 : s;
}

/* When an entry was last used, or -1 when empty: the smallest is the one a new address takes. */
static double seen(const struct entry *e) { return e->used ? fmax(e->last[0], e->last[1]) : -1; }

/* The entry of key in its set (locked by the caller), taken over from the longest-idle when new. */
static struct entry *find(struct set *s, const unsigned char key[16], double now) {
    struct entry *victim = &s->e[0];
    for (int i = 0; i < RL_WAYS; i++) {
        struct entry *e = &s->e[i];
        if (e->used && memcmp(e->key, key, 16) == 0) return e;
        if (seen(e) < seen(victim)) victim = e;
    }
    memcpy(victim->key, key, 16);
    victim->used = 1;
    victim->limited[0] = victim->limited[1] = 0;
    for (int c = 0; c < 2; c++) {
        victim->tokens[c] = burst[c];
        victim->last[c] = now;
    }
    return victim;
}

static int take(const unsigned char key[16], enum rl_class cls, double now, int *first_refusal) {
    uint64_t h;
    crypto_shorthash((unsigned char *)&h, key, 16, hash_key);
    struct set *s = &sets[h % RL_SETS];
    pthread_mutex_lock(&s->mu);
    struct entry *e = find(s, key, now);
    int c = RL_GENERAL, wait = rate[c] > 0 ? take_token(e, c, now) : 0;
    if (!wait && cls == RL_AUTH && rate[RL_AUTH] > 0) wait = take_token(e, c = RL_AUTH, now);
    *first_refusal = wait && !e->limited[c];
    e->limited[c] = wait != 0;
    pthread_mutex_unlock(&s->mu);
    return wait;
}

int ratelimit_take(const unsigned char key[16], enum rl_class cls, double now) {
    int first;
    return take(key, cls, now, &first);
}

int ratelimit_entries(int *capacity) {
    int n = 0;
    for (int i = 0; i < RL_SETS; i++) {
        pthread_mutex_lock(&sets[i].mu);
        for (int j = 0; j < RL_WAYS; j++) n += sets[i].e[j].used;
        pthread_mutex_unlock(&sets[i].mu);
    }
    if (capacity) *capacity = RL_SETS * RL_WAYS;
    return n;
}

/* Requests that check a password or mint a credential: the strict class. */
static enum rl_class class_of(const req *r) {
    if (strcmp(r->method, "POST") != 0 || strncmp(r->url, "/api/v1/auth/", 13) != 0) return RL_GENERAL;
    const char *p = r->url + 13;
    return !strcmp(p, "login") || !strcmp(p, "tokens") || !strcmp(p, "password") ? RL_AUTH : RL_GENERAL;
}

int ratelimit_check(req *r) {
    if (!r->conn || (rate[RL_GENERAL] <= 0 && rate[RL_AUTH] <= 0)) return 0;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    unsigned char a[16], key[16];
    if (!ci || !ci->client_addr || addr_of_sockaddr(ci->client_addr, a) != 0) return 0;
    for (int i = 0; i < nproxies; i++) {
        if (memcmp(a, proxies[i], 16) != 0) continue;
        /* the proxy appends the address it took the request from: the last entry is the one to
         * trust, whatever the client wrote before it */
        const char *xff = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For");
        const char *last = xff ? strrchr(xff, ',') : NULL;
        last = last ? last + 1 : xff;
        unsigned char fwd[16];
        if (last && addr_of_text(last, strlen(last), fwd) == 0) memcpy(a, fwd, 16);
        break;
    }
    key_of_addr(a, key);
    enum rl_class cls = class_of(r);
    int first;
    int wait = take(key, cls, r->started, &first);
    if (!wait) return 0;
    if (first)
        log_warn("msg=\"rate limit reached\" ip=%s class=%s retry_after_s=%d", r->client_ip,
                 cls == RL_AUTH ? "auth" : "general", wait);
    resp_header(r, "Retry-After", arena_printf(&r->a, "%d", wait));
    r->error_code = "rate_limited";
    json_t *e = json_pack("{s:s,s:s,s:i}", "code", "rate_limited", "message",
                          r->lang_en ? arena_printf(&r->a, "Too many requests from your address: try again in %d s", wait)
                                     : arena_printf(&r->a, "来自您地址的请求过于频繁，请 %d 秒后再试", wait),
                          "retry_after_s", wait);
    resp_json(r, 429, json_pack("{s:o}", "error", e));
    return 1;
}
