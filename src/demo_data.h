/* demo_data.h: synthetic but realistic people and places for the demo district: Chinese names
 * by real surname frequency, valid resident ID numbers, an age pyramid like Zhengzhou's (about
 * one in five aged 60+), tags with plausible rates, community and building names.
 * Deterministic for a seed. No I/O: `shequ demo` stores what this makes. */
#ifndef SHEQU_DEMO_DATA_H
#define SHEQU_DEMO_DATA_H
#include <stdint.h>

struct demo_rng { uint64_t s[4]; };                 /* xoshiro256** */
void demo_rng_seed(struct demo_rng *r, uint64_t seed);
uint64_t demo_rng_next(struct demo_rng *r);
int demo_rng_int(struct demo_rng *r, int lo, int hi);   /* uniform in [lo, hi] */
double demo_rng_unit(struct demo_rng *r);               /* [0, 1) */

/* Tag codes match the `person_tag` dictionary seeded in dict.c. */
#define DEMO_MAX_TAGS 6
struct demo_person {
    char name[40];          /* 2-3 characters, UTF-8 */
    char id_number[19];     /* valid GB 11643, address code from the caller */
    char phone[16];         /* mobile, 11 digits; empty for young children */
    char birth_date[11];    /* YYYY-MM-DD, matches the ID number */
    int gender;             /* 1 male, 2 female */
    int age;                /* whole years at `today` */
    const char *tags[DEMO_MAX_TAGS]; int ntags;  /* e.g. "dibao", "disabled", "living_alone" */
};

/* One person. `address_code` is the six-digit ID address code (e.g. 410105; a few percent get
 * another Henan county's code, as migrants do); `today` YYYY-MM-DD; `seq_salt` keeps ID numbers
 * distinct when many persons share a birth date (the caller passes a running counter). The birth
 * date and ID sequence are a function of the salt alone (that is what makes them unique): distinct
 * salts give distinct ID numbers for runs of up to about 5 million salts. */
void demo_person_make(struct demo_rng *r, int address_code, const char *today, uint32_t seq_salt,
                      struct demo_person *out);

/* A household: `size` persons (1-6, realistic distribution) and the relation of each member to the
 * head ("self", "spouse", "child", "parent", "grandchild", "sibling", "other" - codes of the
 * `relation` dictionary). Ages are chosen to fit the relation. Advances *seq_salt past every salt
 * it used, about four per member (salts are skipped to find ages that fit); keep passing the same
 * counter, also shared with demo_person_make, and ID numbers stay unique (up to about 5 million
 * salts in all, some 1.2 million household members). */
struct demo_household {
    int size;
    struct demo_person members[6];
    const char *relations[6];
};
void demo_household_make(struct demo_rng *r, int address_code, const char *today, uint32_t *seq_salt,
                         struct demo_household *out);

/* Names for places: community `k` of a street (e.g. "文化路第一社区", "经三路社区"), a building
 * ("3号楼", "金水花园2号楼"), a residential compound. Written into out, NUL-terminated.
 * Community names depend only on (street, k), k from 0, and differ for different k; a building's
 * `k` is its number (as `building_no` of demo_address), 1 and up. */
void demo_community_name(struct demo_rng *r, const char *street_name, int k, char *out, int outsz);
void demo_building_name(struct demo_rng *r, int k, int commercial, char *out, int outsz);
void demo_address(struct demo_rng *r, const char *community_name, int building_no, int unit, int room,
                  char *out, int outsz);

#endif
