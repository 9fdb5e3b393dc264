/* stats.h: figures for the console's home dashboard (see stats.c). */
#ifndef SHEQU_STATS_H
#define SHEQU_STATS_H
#include "http.h"

/* GET /api/v1/stats/summary[?org_id=N]: one unit's counts, ages, tags, age pyramid and the same
 * figures for each direct child unit. */
int api_stats_summary(req *r);

#endif
