/* demo.h: builds the demo district (see demo.c). */
#ifndef SHEQU_DEMO_H
#define SHEQU_DEMO_H
#include "db.h"

int demo_build(db *d, long persons, unsigned long long seed, const char *password);
/* The demo district's home elderly care (demo_eldercare.c), once residents and accounts exist. */
struct demo_rng;
int demo_eldercare(db_conn *c, struct demo_rng *rng, long persons, const char *today, const char *now);
/* Its providers, caregivers, service orders and the accounts of their roles (demo_providers.c). */
int demo_providers(db_conn *c, struct demo_rng *rng, const char *hash, const char *today, const char *now);
/* Its care institutions, allowance rates, centenarian checks and inspections (demo_institutions.c). */
int demo_institutions(db_conn *c, struct demo_rng *rng, long persons, const char *today, const char *now);

#endif
