/* provider.h: home-care providers and their caregivers (provider.c, caregiver.c). */
#ifndef SHEQU_PROVIDER_H
#define SHEQU_PROVIDER_H
#include <jansson.h>

/* 1 if s is an 18-character unified social credit code whose check character is right (GB 32100-2015). */
int credit_code_valid(const char *s);

/* Whether a caregiver's weekly availability (JSON: "mon".."sun" -> ["08:00-12:00", ...], Beijing
 * time) covers the window from `start` to `end` (UTC, YYYY-MM-DDTHH:MM:SSZ): the whole window in
 * one interval of the day it starts on. 0 when not, or when either is malformed. */
int availability_covers(json_t *availability, const char *start, const char *end);
/* NULL if availability is well formed, else what is wrong (zh and en). */
const char *availability_problem(json_t *availability, int en);

#endif
