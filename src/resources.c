/* resources.c: the registry of declared records - adding a kind of record means adding it here. */
#include "resource.h"

extern const struct resource res_org_units, res_buildings, res_persons, res_households, res_household_members,
    res_users, res_roles, res_dict_items, res_audit_log;
extern const struct resource res_elders, res_assessments, res_subsidy_rules, res_service_items;
extern const struct resource res_providers, res_caregivers, res_service_orders, res_service_order_events;
extern const struct resource res_institutions, res_placements, res_attendance, res_allowance_rates, res_allowance_cycles,
    res_allowance_lines, res_centenarian_verifications, res_inspections;
extern const struct resource res_care_plans, res_settlements, res_settlement_lines;

const struct resource *const resources[] = {
    &res_org_units, &res_buildings, &res_persons, &res_households, &res_household_members,
    &res_users, &res_roles, &res_dict_items, &res_audit_log,
    &res_elders, &res_assessments, &res_subsidy_rules, &res_service_items,
    &res_providers, &res_caregivers, &res_service_orders, &res_service_order_events,
    &res_institutions, &res_placements, &res_attendance, &res_allowance_rates, &res_allowance_cycles, &res_allowance_lines,
    &res_centenarian_verifications, &res_inspections,
    &res_care_plans, &res_settlements, &res_settlement_lines,
};
const int resources_count = sizeof resources / sizeof resources[0];
