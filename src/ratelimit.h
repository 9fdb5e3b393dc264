/* ratelimit.h: request rate limits per client address - a token bucket per address, and a
 * stricter second bucket for the requests that check a password or mint a credential (sign-in,
 * password change, API token creation). Past either, the answer is 429 rate_limited with
 * Retry-After. Bounded memory: a fixed table, the longest-idle address evicted when full. */
#ifndef SHEQU_RATELIMIT_H
#define SHEQU_RATELIMIT_H
#include "config.h"
#include "http.h"

struct sockaddr;

enum rl_class { RL_GENERAL, RL_AUTH };

/* From the config: rate_limit_rps requests a second sustained with bursts of rate_limit_burst for
 * every request, auth_rate_per_min a minute with bursts of auth_rate_burst for the strict class
 * (a rate of 0 turns that limit off); behind a balancer listed in trusted_proxies, the client is
 * the last address of the X-Forwarded-For the balancer adds. Called once before serving. */
void ratelimit_configure(const struct config *c);

/* The hook in http.c's dispatch: 0 to go on, or 1 when r has been answered 429. Requests run in
 * process (no connection: command line, fuzzer) are never limited. */
int ratelimit_check(req *r);

/* The parts, for unit tests. ratelimit_key: the table key of a client address - an IPv4 address
 * as its IPv4-mapped IPv6 form, an IPv6 address by its /64 prefix (what one subscriber gets);
 * 0, or -1 for another family. ratelimit_take: takes a token of class cls for key at time `now`
 * (monotonic seconds); 0 when allowed, else the whole seconds (>= 1) until a token is there. */
int ratelimit_key(const struct sockaddr *sa, unsigned char key[16]);
int ratelimit_take(const unsigned char key[16], enum rl_class cls, double now);
/* Addresses the table holds now, and its capacity (the bound on memory). */
int ratelimit_entries(int *capacity);

#endif
