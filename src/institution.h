/* institution.h: care institutions (issue 5, points 8-10): day-care centres, nursing homes and
 * private institutions with their residents and attendance (institution.c, institution_attendance.c),
 * elder allowances (allowance.c, allowance_cycle.c), centenarian verification (centenarian.c),
 * safety inspections (inspection.c) and the figures computed from them (stats_eldercare.c). */
#ifndef SHEQU_INSTITUTION_H
#define SHEQU_INSTITUTION_H
#include "resource.h"

extern const struct resource res_institutions, res_placements, res_attendance, res_allowance_rates, res_allowance_cycles,
    res_allowance_lines, res_centenarian_verifications, res_inspections;

/* The record being written lives in the unit of row `id` of `table` (a placement in its institution's,
 * a verification in its person's): org_id, org_path and district_code copied. 0, or <0 on a storage
 * error; a row that is gone leaves the record without a unit (validation has already refused it). */
int inherit_unit(struct write_ctx *w, const char *table, int64_t id);

/* Whether an institution of this kind takes elders by the day (日间照料中心, 托老站). */
int institution_is_day_care(const char *kind);

/* Active users among `ids` (a JSON array of user ids): an error on "<field>[i]" for each account
 * no longer in use. 0 or <0 on a storage error. */
int check_active_users(struct write_ctx *w, const char *field, json_t *ids);

/* POST /api/v1/institutions/{id}/attendance: a day's attendance, all entries or none */
int institution_attendance(req *r);
/* POST /api/v1/allowance_cycles/{id}/run and /approve */
int allowance_cycle_run(req *r);
int allowance_cycle_approve(req *r);
/* GET /api/v1/stats/eldercare?org_id= */
int api_stats_eldercare(req *r);

#endif
