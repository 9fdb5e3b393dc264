/* demo.h: builds the demo district (see demo.c). */
#ifndef SHEQU_DEMO_H
#define SHEQU_DEMO_H
#include "db.h"

int demo_build(db *d, long persons, unsigned long long seed, const char *password);

#endif
