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

/* POST /api/v1/service_orders/{id}/transitions and GET /api/v1/service_orders/{id}/suggestions */
int service_order_transition(req *r);
int service_order_suggestions(req *r);

/* Great-circle distance in metres between two points given in micro-degrees (haversine). */
double geo_distance_m(int64_t lat1_e6, int64_t lng1_e6, int64_t lat2_e6, int64_t lng2_e6);

#endif
