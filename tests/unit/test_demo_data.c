/* test_demo_data.c: demo data generator - determinism, valid ID numbers (checked here with an
 * independent GB 11643 computation), the age pyramid, uniqueness over a million persons,
 * consistent households and distinct community names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demo_data.h"

#define TODAY "2026-01-15"
#define LOCAL 410105

/* ---- independent reference computations ---- */

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

/* GB 11643-1999: weights 2^(17-i) mod 11, check = (12 - S mod 11) mod 11 with 10 written X. */
static char reference_check_char(const char *id17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int w = 1;
        for (int k = 0; k < 17 - i; k++) w = w * 2 % 11;
        sum += (id17[i] - '0') * w;
    }
    int c = (12 - sum % 11) % 11;
    return c == 10 ? 'X' : (char)('0' + c);
}

static int age_at(int by, int bm, int bd, int ty, int tm, int td)
{
    int a = ty - by;
    if (tm < bm || (tm == bm && td < bd)) a--;
    return a;
}

static const char *const known_tags[] = {"dibao",   "tekun",        "disabled",   "unemployed",
                                         "sanitation_worker", "student", "veteran", "party_member",
                                         "empty_nest", "living_alone", "migrant"};

static int tag_known(const char *t)
{
    for (size_t i = 0; i < sizeof known_tags / sizeof known_tags[0]; i++)
        if (strcmp(known_tags[i], t) == 0) return 1;
    return 0;
}

static int has(const struct demo_person *p, const char *tag)
{
    for (int i = 0; i < p->ntags; i++)
        if (strcmp(p->tags[i], tag) == 0) return 1;
    return 0;
}

static const int mobile_prefixes[] = {130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151,
                                      152, 153, 155, 156, 157, 158, 159, 166, 170, 171, 172, 173,
                                      174, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186,
                                      187, 188, 189, 191, 198, 199};

/* Everything a single person must satisfy, whatever the rates. */
static void check_person(const struct demo_person *p, int ty, int tm, int td)
{
    const char *id = p->id_number;
    assert_int_equal(strlen(id), 18);
    for (int i = 0; i < 17; i++) assert_true(id[i] >= '0' && id[i] <= '9');
    assert_int_equal(id[17], reference_check_char(id));

    int code = num(id, 6);
    assert_true(code / 10000 == 41);                 /* Henan */
    assert_false(code >= 410171 && code <= 410173);  /* functional zones are never address codes */

    int by = num(id + 6, 4), bm = num(id + 10, 2), bd = num(id + 12, 2);
    assert_true(bm >= 1 && bm <= 12);
    assert_true(bd >= 1 && bd <= days_in_month(by, bm));
    char date[32];
    snprintf(date, sizeof date, "%04d-%02d-%02d", by, bm, bd);
    assert_string_equal(p->birth_date, date);
    assert_true(by < ty || (by == ty && (bm < tm || (bm == tm && bd <= td)))); /* not after today */
    assert_int_equal(p->age, age_at(by, bm, bd, ty, tm, td));
    assert_true(p->age >= 0 && p->age <= 105);

    int seq = num(id + 14, 3);
    assert_true(seq >= 1);
    assert_int_equal(seq % 2 == 1 ? 1 : 2, p->gender);

    size_t nl = strlen(p->name);
    assert_true(nl == 6 || nl == 9); /* two or three CJK characters */
    for (size_t i = 0; i < nl; i += 3) assert_true(((unsigned char)p->name[i] & 0xF0) == 0xE0);

    if (p->age < 10) {
        assert_string_equal(p->phone, "");
    } else {
        assert_int_equal(strlen(p->phone), 11);
        for (int i = 0; i < 11; i++) assert_true(p->phone[i] >= '0' && p->phone[i] <= '9');
        int prefix = num(p->phone, 3), ok = 0;
        for (size_t i = 0; i < sizeof mobile_prefixes / sizeof mobile_prefixes[0]; i++)
            ok |= mobile_prefixes[i] == prefix;
        assert_true(ok);
    }

    assert_true(p->ntags >= 0 && p->ntags <= DEMO_MAX_TAGS);
    for (int i = 0; i < p->ntags; i++) {
        assert_true(tag_known(p->tags[i]));
        for (int j = 0; j < i; j++) assert_string_not_equal(p->tags[i], p->tags[j]);
    }
    assert_false(has(p, "dibao") && has(p, "tekun"));
    if (has(p, "student")) assert_true(p->age >= 6 && p->age <= 22);
    if (has(p, "veteran")) assert_true(p->gender == 1 && p->age >= 25);
    if (has(p, "living_alone")) assert_true(p->age >= 65);
    if (has(p, "empty_nest")) assert_true(p->age >= 60);
}

/* ---- a set of ID numbers (17 digits, the check character being implied) or phone numbers ---- */

struct idset { uint64_t *slot; size_t mask; long dups; };

static void idset_init(struct idset *s, size_t expected)
{
    size_t cap = 1;
    while (cap < expected * 2) cap <<= 1;
    s->slot = calloc(cap, sizeof *s->slot);
    assert_non_null(s->slot);
    s->mask = cap - 1;
    s->dups = 0;
}

static void idset_add_digits(struct idset *s, const char *id, int n)
{
    uint64_t k = 0;
    for (int i = 0; i < n; i++) k = k * 10 + (uint64_t)(id[i] - '0');
    k += 1; /* 0 marks an empty slot */
    size_t i = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 20) & s->mask;
    while (s->slot[i]) {
        if (s->slot[i] == k) {
            s->dups++;
            return;
        }
        i = (i + 1) & s->mask;
    }
    s->slot[i] = k;
}

static void idset_add(struct idset *s, const char *id) { idset_add_digits(s, id, 17); }

/* ---- tests ---- */

static void test_rng(void **state)
{
    struct demo_rng a, b;
    demo_rng_seed(&a, 1);
    demo_rng_seed(&b, 1);
    for (int i = 0; i < 1000; i++) assert_true(demo_rng_next(&a) == demo_rng_next(&b));
    demo_rng_seed(&b, 2);
    assert_true(demo_rng_next(&a) != demo_rng_next(&b));

    int seen[7] = {0};
    for (int i = 0; i < 20000; i++) {
        int v = demo_rng_int(&a, -3, 3);
        assert_true(v >= -3 && v <= 3);
        seen[v + 3]++;
        double u = demo_rng_unit(&a);
        assert_true(u >= 0.0 && u < 1.0);
    }
    for (int i = 0; i < 7; i++) assert_true(seen[i] > 2500 && seen[i] < 3200);
    assert_int_equal(demo_rng_int(&a, 5, 5), 5);
}

static void test_person_deterministic(void **state)
{
    struct demo_rng a, b, c;
    demo_rng_seed(&a, 2026);
    demo_rng_seed(&b, 2026);
    demo_rng_seed(&c, 2027);
    int names_differ = 0;
    for (uint32_t i = 0; i < 2000; i++) {
        struct demo_person p, q, x;
        demo_person_make(&a, LOCAL, TODAY, i, &p);
        demo_person_make(&b, LOCAL, TODAY, i, &q);
        demo_person_make(&c, LOCAL, TODAY, i, &x);
        assert_string_equal(p.name, q.name);
        assert_string_equal(p.id_number, q.id_number);
        assert_string_equal(p.phone, q.phone);
        assert_string_equal(p.birth_date, q.birth_date);
        assert_int_equal(p.gender, q.gender);
        assert_int_equal(p.age, q.age);
        assert_int_equal(p.ntags, q.ntags);
        for (int t = 0; t < p.ntags; t++) assert_string_equal(p.tags[t], q.tags[t]);
        names_differ += strcmp(p.name, x.name) != 0;
    }
    assert_true(names_differ > 1500); /* another seed is another population */

    struct demo_household h1, h2;
    uint32_t s1 = 77, s2 = 77;
    demo_rng_seed(&a, 9);
    demo_rng_seed(&b, 9);
    for (int i = 0; i < 300; i++) {
        demo_household_make(&a, LOCAL, TODAY, &s1, &h1);
        demo_household_make(&b, LOCAL, TODAY, &s2, &h2);
        assert_int_equal(h1.size, h2.size);
        for (int m = 0; m < h1.size; m++) {
            assert_string_equal(h1.members[m].id_number, h2.members[m].id_number);
            assert_string_equal(h1.members[m].name, h2.members[m].name);
            assert_string_equal(h1.relations[m], h2.relations[m]);
        }
    }
    assert_int_equal(s1, s2);
}

/* 200,000 persons: each one valid, and the population shaped like Zhengzhou's. */
static void test_persons_valid_and_pyramid(void **state)
{
    enum { N = 200000 };
    struct demo_rng r;
    demo_rng_seed(&r, 42);
    long n60 = 0, n65 = 0, n80 = 0, nonlocal = 0, male = 0, single = 0, adults = 0, a1850 = 0;
    long a659 = 0, dibao = 0, tekun = 0, disabled = 0, party = 0, empty = 0, alone = 0, migrant = 0;
    long student = 0, a622 = 0, nonlocal_migrants = 0;
    for (uint32_t i = 0; i < N; i++) {
        struct demo_person p;
        demo_person_make(&r, LOCAL, TODAY, i, &p);
        check_person(&p, 2026, 1, 15);
        int a = p.age;
        n60 += a >= 60, n65 += a >= 65, n80 += a >= 80;
        nonlocal += num(p.id_number, 6) != LOCAL;
        male += p.gender == 1;
        single += strlen(p.name) == 6;
        adults += a >= 18, a1850 += a >= 18 && a <= 50, a659 += a >= 60, a622 += a >= 6 && a <= 22;
        dibao += has(&p, "dibao"), tekun += has(&p, "tekun"), disabled += has(&p, "disabled");
        party += has(&p, "party_member"), empty += has(&p, "empty_nest");
        alone += has(&p, "living_alone"), migrant += has(&p, "migrant"), student += has(&p, "student");
        nonlocal_migrants += has(&p, "migrant") && num(p.id_number, 6) != LOCAL;
    }
    double s60 = (double)n60 / N, s65 = (double)n65 / N, s80 = (double)n80 / N;
    assert_true(s60 >= 0.18 && s60 <= 0.22);
    assert_true(s65 >= 0.12 && s65 <= 0.15);
    assert_true(s80 >= 0.015 && s80 <= 0.025);
    assert_true(nonlocal > N * 0.06 && nonlocal < N * 0.10);
    assert_true(male > N * 0.48 && male < N * 0.53);
    assert_true(single > N * 0.25 && single < N * 0.35);
    assert_true(dibao > N * 0.02 && dibao < N * 0.03);
    assert_true(tekun > N * 0.001 && tekun < N * 0.005);
    assert_true(disabled > N * 0.03 && disabled < N * 0.05);
    assert_true(party > adults * 0.06 && party < adults * 0.08);
    assert_true(empty > a659 * 0.22 && empty < a659 * 0.28);
    assert_true(alone > n65 * 0.08 && alone < n65 * 0.12);
    assert_true(migrant > a1850 * 0.10 && migrant < a1850 * 0.14);
    assert_true(nonlocal_migrants > migrant / 2); /* migrants mostly keep their home county's code */
    assert_true(student > a622 * 0.8);
}

/* A million persons as the benchmark makes them: every ID number distinct, centenarians present,
 * phone numbers (not required to be unique) not repeated either. */
static void test_million_unique_ids(void **state)
{
    enum { N = 1000000 };
    struct demo_rng r;
    struct idset ids, phones;
    demo_rng_seed(&r, 1);
    idset_init(&ids, N);
    idset_init(&phones, N);
    long centenarians = 0, empty_phones = 0;
    for (uint32_t i = 0; i < N; i++) {
        struct demo_person p;
        demo_person_make(&r, LOCAL, TODAY, i, &p);
        idset_add(&ids, p.id_number);
        centenarians += p.age >= 100;
        if (p.phone[0]) idset_add_digits(&phones, p.phone, 11);
        else empty_phones++;
    }
    free(ids.slot);
    free(phones.slot);
    assert_int_equal(ids.dups, 0);
    assert_true(centenarians >= 1 && centenarians <= 100);
    assert_true(empty_phones > N * 0.08 && empty_phones < N * 0.15); /* under-10s */
    assert_true(phones.dups < 10);
}

static int relation_index(const char *rel)
{
    static const char *const codes[] = {"self", "spouse", "child", "parent", "grandchild", "sibling", "other"};
    for (int i = 0; i < 7; i++)
        if (strcmp(codes[i], rel) == 0) return i;
    return -1;
}

static void test_households(void **state)
{
    enum { N = 30000 };
    struct demo_rng r;
    struct idset set;
    demo_rng_seed(&r, 5);
    idset_init(&set, N * 6);
    uint32_t salt = 1000;
    long sizes[7] = {0}, alone = 0, single_elder = 0, persons = 0;
    for (int n = 0; n < N; n++) {
        struct demo_household h;
        uint32_t before = salt;
        demo_household_make(&r, LOCAL, TODAY, &salt, &h);
        assert_true(h.size >= 1 && h.size <= 6);
        assert_true(salt - before >= (uint32_t)h.size);
        sizes[h.size]++;
        persons += h.size;

        const struct demo_person *head = &h.members[0];
        assert_string_equal(h.relations[0], "self");
        int selves = 0, spouses = 0;
        for (int i = 0; i < h.size; i++) {
            const struct demo_person *p = &h.members[i];
            int rel = relation_index(h.relations[i]);
            assert_true(rel >= 0);
            check_person(p, 2026, 1, 15);
            idset_add(&set, p->id_number);
            selves += rel == 0;
            if (rel == 1) {
                spouses++;
                assert_int_not_equal(p->gender, head->gender);
                assert_true(abs(p->age - head->age) <= 5);
                assert_true(p->age >= 20);
            }
            if (rel == 2) assert_true(head->age - p->age >= 15);
            if (rel == 3) assert_true(p->age - head->age >= 15);
            if (rel == 4) assert_true(head->age - p->age >= 35);
            if (h.size > 1) assert_false(has(p, "living_alone"));
        }
        assert_int_equal(selves, 1);
        assert_true(spouses <= 1);
        if (h.size == 1 && head->age >= 65) {
            single_elder++;
            assert_true(has(head, "living_alone"));
        }
        alone += has(head, "living_alone");
    }
    free(set.slot);
    assert_int_equal(set.dups, 0);
    /* 1: 20%, 2: 30%, 3: 27%, 4: 13%, 5: 7%, 6: 3% */
    static const double want[7] = {0, 0.20, 0.30, 0.27, 0.13, 0.07, 0.03};
    for (int s = 1; s <= 6; s++) {
        double got = (double)sizes[s] / N;
        assert_true(got > want[s] - 0.02 && got < want[s] + 0.02);
    }
    assert_int_equal(alone, single_elder);
    assert_true(single_elder > sizes[1] * 0.25); /* many one-person households are elders */
    assert_true(persons > N * 2.4 && persons < N * 2.9);
}

/* Household and standalone persons share one counter without ever repeating an ID number. */
static void test_households_and_persons_share_salt(void **state)
{
    struct demo_rng r;
    struct idset set;
    demo_rng_seed(&r, 11);
    idset_init(&set, 60000);
    uint32_t salt = 0;
    for (int n = 0; n < 5000; n++) {
        struct demo_household h;
        demo_household_make(&r, LOCAL, TODAY, &salt, &h);
        for (int i = 0; i < h.size; i++) idset_add(&set, h.members[i].id_number);
        struct demo_person p;
        demo_person_make(&r, LOCAL, TODAY, salt++, &p);
        idset_add(&set, p.id_number);
    }
    free(set.slot);
    assert_int_equal(set.dups, 0);
}

/* Leap day and a bad date. */
static void test_today_edge_cases(void **state)
{
    struct demo_rng r;
    demo_rng_seed(&r, 3);
    for (uint32_t i = 0; i < 20000; i++) {
        struct demo_person p;
        demo_person_make(&r, 410102, "2028-02-29", i, &p);
        check_person(&p, 2028, 2, 29);
    }
    struct demo_person p;
    demo_person_make(&r, LOCAL, "not a date", 5, &p); /* falls back to 2026-01-01 */
    check_person(&p, 2026, 1, 1);
    demo_person_make(&r, LOCAL, NULL, 6, &p);
    check_person(&p, 2026, 1, 1);
}

static void test_place_names(void **state)
{
    struct demo_rng r;
    demo_rng_seed(&r, 8);
    char buf[128];
    demo_community_name(&r, "文化路街道", 0, buf, sizeof buf);
    assert_string_equal(buf, "文化路第一社区");
    demo_community_name(&r, "文化路街道", 1, buf, sizeof buf);
    assert_string_equal(buf, "农科路社区");

    static const char *const streets[] = {"文化路街道", "花园路街道", "杨金路街道", "经八路街道",
                                          "龙子湖街道", "汝河路街道", "未知", ""};
    for (size_t s = 0; s < sizeof streets / sizeof streets[0]; s++) {
        char names[40][128];
        for (int k = 0; k < 40; k++) {
            demo_community_name(&r, streets[s], k, names[k], sizeof names[k]);
            size_t n = strlen(names[k]);
            assert_true(n > strlen("社区"));
            assert_string_equal(names[k] + n - strlen("社区"), "社区");
            for (int j = 0; j < k; j++) assert_string_not_equal(names[k], names[j]);
        }
        /* same (street, k), same name, whatever the RNG did in between */
        demo_community_name(&r, streets[s], 7, buf, sizeof buf);
        assert_string_equal(buf, names[7]);
    }

    int plain = 0;
    for (int i = 0; i < 200; i++) {
        demo_building_name(&r, 3, 0, buf, sizeof buf);
        size_t n = strlen(buf);
        assert_string_equal(buf + n - strlen("3号楼"), "3号楼");
        plain += strcmp(buf, "3号楼") == 0;
        demo_building_name(&r, 2, 1, buf, sizeof buf);
        n = strlen(buf);
        assert_string_equal(buf + n - strlen("B座"), "B座");
    }
    assert_true(plain > 100 && plain < 200);

    demo_address(&r, "文化路第一社区", 3, 2, 502, buf, sizeof buf);
    assert_string_equal(buf, "文化路第一社区 3号楼2单元502室");

    /* truncation never splits a character */
    char small[8];
    demo_address(&r, "文化路第一社区", 3, 2, 502, small, sizeof small);
    assert_string_equal(small, "文化");
    demo_community_name(&r, "文化路街道", 0, small, 4);
    assert_string_equal(small, "文");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng),
        cmocka_unit_test(test_person_deterministic),
        cmocka_unit_test(test_persons_valid_and_pyramid),
        cmocka_unit_test(test_million_unique_ids),
        cmocka_unit_test(test_households),
        cmocka_unit_test(test_households_and_persons_share_salt),
        cmocka_unit_test(test_today_edge_cases),
        cmocka_unit_test(test_place_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
