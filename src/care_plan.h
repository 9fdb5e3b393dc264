/* care_plan.h: recurring care plans (care_plan.c) and the monthly settlement of home-care orders
 * (settlement.c, settlement_lines in settlement_line.c's terms). */
#ifndef SHEQU_CARE_PLAN_H
#define SHEQU_CARE_PLAN_H
#include "resource.h"

extern const struct resource res_care_plans, res_settlements, res_settlement_lines;

/* POST /api/v1/care_plans/generate {"date": "YYYY-MM-DD"}: that day's orders, once. */
int care_plan_generate(req *r);

/* POST /api/v1/settlements {"provider_id", "month"}: a provider's month, computed (a draft). */
int settlement_create(req *r);
/* POST /api/v1/settlements/{id}/compute: the draft's lines computed again. */
int settlement_compute(req *r);
/* POST /api/v1/settlements/{id}/approve: frozen by another person; its orders move to settled. */
int settlement_approve(req *r);
/* POST /api/v1/settlements/{id}/corrections: a correction line (a delta and a reason). */
int settlement_correct(req *r);

#endif
