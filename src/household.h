/* household.h: households and memberships (see household.c). */
#ifndef SHEQU_HOUSEHOLD_H
#define SHEQU_HOUSEHOLD_H
#include "resource.h"

extern const struct resource res_households, res_household_members;
int household_person_left(struct write_ctx *w, int64_t person_id, const char *date, const char *status);
int household_change_head(req *r);

#endif
