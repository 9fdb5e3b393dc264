/* elder.h: home elderly care - elders enrolled for services at home (elder.c), their capability
 * assessments (elder_assessment.c over assessment.c) and the subsidy rules that make their monthly
 * entitlement (subsidy.c). */
#ifndef SHEQU_ELDER_H
#define SHEQU_ELDER_H
#include "resource.h"

#define ELDER_MIN_AGE 60
/* The assessment standard whose level is the elder's care level (the Barthel index is recorded
 * beside it but sets none). */
#define STANDARD_GBT42195 "GB/T 42195-2022"
#define STANDARD_BARTHEL "Barthel"

extern const struct resource res_elders, res_assessments, res_subsidy_rules;

/* After an assessment of the elder was stored: the care level, the latest assessment and the next
 * due date follow the latest assessment (by date), in the same transaction, with an audit entry. */
int elder_assessed(req *r, int64_t elder_id);

/* A person changed (person.c's after_write): their elder record follows the person's name, birth
 * date and unit, and ends when the person moves out or dies. Writes only; the elder's audit entry
 * (kept in *pending, NULL if nothing changed) comes after every other write of the request. */
int elder_follow_person(struct write_ctx *w, json_t **pending);
int elder_follow_audit(struct write_ctx *w, json_t *pending);
/* A person enrolled as an elder is not deleted: answers 409 (person.c's before_delete). */
int elder_person_delete_check(struct write_ctx *w);

/* POST /api/v1/elders/{id}/assessments */
int elder_assess(req *r);
/* GET /api/v1/assessments/form: item tables, level bands, the staff who may assess */
int assessment_form(req *r);

/* The monthly entitlement of an elder in unit `org_path` with these categories, today: amount in
 * fen and service hours (subsidy.c). 0 or <0 on a storage error. */
int subsidy_entitlement(req *r, const char *org_path, json_t *categories, const char *today, int64_t *amount,
                        int64_t *hours);
/* The same with the vouchers (服务券, fen a month) the rules of kind "voucher" give (settlement.c). */
int subsidy_entitlement_all(req *r, const char *org_path, json_t *categories, const char *today, int64_t *amount,
                            int64_t *hours, int64_t *vouchers);

#endif
