/* test_ratelimit.c: unit tests for src/ratelimit.c - the token bucket's arithmetic (burst,
 * refill, Retry-After), the stricter class, the address keys (IPv4, IPv6 /64, v4-mapped), and the
 * bound on memory: many more addresses than the table holds, from many threads at once, leave it
 * at its capacity and forget only addresses that went quiet. Times are given, not read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>

#include "config.h"
#include "ratelimit.h"

static void configure(int rps, int burst, int auth_per_min, int auth_burst) {
    struct config c;
    config_defaults(&c);
    c.rate_limit_rps = rps;
    c.rate_limit_burst = burst;
    c.auth_rate_per_min = auth_per_min;
    c.auth_rate_burst = auth_burst;
    ratelimit_configure(&c);
}

static void key4(uint32_t n, unsigned char key[16]) {
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(n);
    assert_int_equal(ratelimit_key((struct sockaddr *)&sa, key), 0);
}

static void test_burst_refill_retry_after(void **state) {
    configure(5, 10, 0, 1);
    unsigned char k[16];
    key4(0x0a000001, k);
    for (int i = 0; i < 10; i++) assert_int_equal(ratelimit_take(k, RL_GENERAL, 100.0), 0);
    assert_int_equal(ratelimit_take(k, RL_GENERAL, 100.0), 1);     /* 1 token in 0.2 s: wait 1 s */
    assert_int_equal(ratelimit_take(k, RL_GENERAL, 100.1), 1);
    assert_int_equal(ratelimit_take(k, RL_GENERAL, 100.25), 0);    /* 0.25 s x 5/s = 1.25 tokens */
    assert_int_equal(ratelimit_take(k, RL_GENERAL, 100.25), 1);
    /* a long pause refills to the burst, not past it */
    for (int i = 0; i < 10; i++) assert_int_equal(ratelimit_take(k, RL_GENERAL, 1000.0), 0);
    assert_int_equal(ratelimit_take(k, RL_GENERAL, 1000.0), 1);
}

static void test_auth_class(void **state) {
    configure(100, 100, 6, 3);                                   /* 1 each 10 s after 3 */
    unsigned char k[16];
    key4(0x0a000002, k);
    for (int i = 0; i < 3; i++) assert_int_equal(ratelimit_take(k, RL_AUTH, 50.0), 0);
    assert_int_equal(ratelimit_take(k, RL_AUTH, 50.0), 10);
    assert_int_equal(ratelimit_take(k, RL_AUTH, 55.0), 5);
    assert_int_equal(ratelimit_take(k, RL_GENERAL, 55.0), 0);    /* the general bucket is its own */
    assert_int_equal(ratelimit_take(k, RL_AUTH, 60.0), 0);
    /* off: a rate of 0 */
    configure(0, 1, 0, 1);
    for (int i = 0; i < 1000; i++) assert_int_equal(ratelimit_take(k, RL_AUTH, 1.0), 0);
}

static void test_keys(void **state) {
    unsigned char a[16], b[16];
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "2001:db8:1:2::7", &s6.sin6_addr);
    assert_int_equal(ratelimit_key((struct sockaddr *)&s6, a), 0);
    inet_pton(AF_INET6, "2001:db8:1:2:ffff:1:2:3", &s6.sin6_addr);
    assert_int_equal(ratelimit_key((struct sockaddr *)&s6, b), 0);
    assert_memory_equal(a, b, 16);                               /* one /64, one client */
    inet_pton(AF_INET6, "2001:db8:1:3::7", &s6.sin6_addr);
    assert_int_equal(ratelimit_key((struct sockaddr *)&s6, b), 0);
    assert_memory_not_equal(a, b, 16);
    /* an IPv4 client is the same whether it comes on an IPv4 or a dual-stack socket */
    inet_pton(AF_INET6, "::ffff:192.0.2.9", &s6.sin6_addr);
    assert_int_equal(ratelimit_key((struct sockaddr *)&s6, a), 0);
    key4(0xc0000209, b);
    assert_memory_equal(a, b, 16);
    key4(0xc000020a, b);                                         /* neighbours are not one /64 */
    assert_memory_not_equal(a, b, 16);
    struct sockaddr other = {.sa_family = AF_UNIX};
    assert_int_equal(ratelimit_key(&other, a), -1);
}

struct flood { uint32_t first; int n; double now; };
static void *flood(void *arg) {
    struct flood *f = arg;
    unsigned char k[16];
    for (int i = 0; i < f->n; i++) {
        key4(f->first + (uint32_t)i, k);
        ratelimit_take(k, RL_GENERAL, f->now);
    }
    return NULL;
}

static void test_bounded_memory(void **state) {
    configure(1, 2, 0, 1);
    int cap = 0;
    assert_int_equal(ratelimit_entries(&cap), 0);
    assert_true(cap >= 1024);
    /* a busy client, limited, at time 10 */
    unsigned char busy[16];
    key4(0x0b000001, busy);
    assert_int_equal(ratelimit_take(busy, RL_GENERAL, 10.0), 0);
    assert_int_equal(ratelimit_take(busy, RL_GENERAL, 10.0), 0);
    assert_int_equal(ratelimit_take(busy, RL_GENERAL, 10.0), 1);
    /* 4 threads x 50,000 addresses each, all at time 10 (the busy client is as recent as any) */
    pthread_t t[4];
    struct flood f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = (struct flood){0x0c000000u + (uint32_t)i * 50000u, 50000, 10.0};
        pthread_create(&t[i], NULL, flood, &f[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    assert_int_equal(ratelimit_entries(NULL), cap);              /* full, never past it */
    /* the busy client went on at time 10.5 while the flood's addresses fell quiet... */
    configure(1, 2, 0, 1);
    assert_int_equal(ratelimit_take(busy, RL_GENERAL, 10.0), 0);
    assert_int_equal(ratelimit_take(busy, RL_GENERAL, 10.0), 0);
    for (int i = 0; i < 4; i++) {
        f[i].now = 5.0;                                          /* older than the busy client */
        flood(&f[i]);
    }
    /* ...so the flood took the idle entries and left the busy client's: still limited */
    assert_int_equal(ratelimit_take(busy, RL_GENERAL, 10.0), 1);
    assert_int_equal(ratelimit_entries(NULL), cap);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_refill_retry_after),
        cmocka_unit_test(test_auth_class),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_bounded_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
