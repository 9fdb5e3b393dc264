/* service_order.h: home-care service orders (service_order.c declares them and their history,
 * service_order_flow.c moves them from state to state, service_order_suggest.c suggests
 * caregivers to dispatch to). */
#ifndef SHEQU_SERVICE_ORDER_H
#define SHEQU_SERVICE_ORDER_H
#include "resource.h"

extern const struct resource res_service_orders, res_service_order_events;

/* Appends one entry to an order's history (service_order_events), filed in the order's unit. */
int order_event_add(req *r, int64_t order_id, const char *from, const char *to, const char *reason, int64_t caregiver_id,
                    int64_t org_id, const char *org_path, const char *district_code);

/* The states the caller may move a stored order (record_load's JSON) to, as a JSON array. */
json_t *order_next_states(req *r, json_t *order);

/* Moves a stored order (record_load's JSON, read at version `ver`) as `in` asks ({"to": ..., "reason":
 * ..., ...}) by the flow table: its permissions, needs, the history entry and the audit entry. 0
 * when moved (the caller answers), or after answering the refusal (r->status >= 400); <0 on a
 * storage error. The check-in and check-out of a visit move their order through it. */
int order_move(req *r, json_t *order, int64_t ver, json_t *in);

/* The state an order a care plan made goes to next from `from`, as the flow's table marks for planned
 * orders (accepted; then dispatched, when the plan names a caregiver), or NULL: it stays. */
const char *order_planned_next(const char *from, int with_caregiver);

/* POST /api/v1/service_orders/{id}/transitions and GET /api/v1/service_orders/{id}/suggestions */
int service_order_transition(req *r);
int service_order_suggestions(req *r);
/* POST /api/v1/service_orders/{id}/check_in and /check_out (service_order_visit.c) */
int service_order_check_in(req *r);
int service_order_check_out(req *r);
/* POST /api/v1/sos, GET /api/v1/sos, GET /api/v1/sos/{id}, POST /api/v1/sos/{id}/close (sos.c) */
int sos_create(req *r);
int sos_list(req *r);
int sos_get(req *r);
int sos_close(req *r);

/* Great-circle distance in metres between two points given in micro-degrees (haversine). */
double geo_distance_m(int64_t lat1_e6, int64_t lng1_e6, int64_t lat2_e6, int64_t lng2_e6);

#endif
