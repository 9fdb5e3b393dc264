/* auth.c: permissions of a principal and the built-in roles. A role bundles permissions with one
 * data scope; a user with several roles holds each permission with the widest scope granting it. */
#include "auth.h"
#include <string.h>

/* Permission names: <resource>.read / <resource>.write, plus:
 *   persons.unmask  see ID numbers and phones in full (every such read is audited)
 *   elders.unmask   see elders' emergency contacts' phones in full (audited the same way)
 *   audit.read      read the audit log        data.export / data.import   files out and in */
#define READ_ALL "org_units.read buildings.read persons.read households.read household_members.read dict_items.read roles.read"
#define WRITE_REGISTRY "buildings.write persons.write households.write household_members.write"
/* home elderly care: elders and their assessments (elders.*); subsidy rules are written by the
 * district or a street office, the service catalogue by the district; everyone reads both */
#define ELDERCARE_READ "elders.read"
#define ELDERCARE_WRITE ELDERCARE_READ " elders.write elders.unmask"
/* providers, caregivers and service orders: who moves an order from one state to the next is a
 * permission each, named in service_order_flow.c's table: intake (accept, cancel), dispatch, serve
 * (the caregiver's own steps), follow_up (the call back), settle */
#define ORDERS_READ "caregivers.read service_orders.read"
#define ORDERS_INTAKE "service_orders.read service_orders.write service_orders.intake"
#define ORDERS_ALL ORDERS_READ " " ORDERS_INTAKE " service_orders.dispatch service_orders.serve service_orders.follow_up " \
    "service_orders.settle caregivers.write caregivers.unmask providers.write"

const struct builtin_role builtin_roles[] = {
    {"district_admin", "区级管理员", "District administrator", "subtree",
     READ_ALL " " WRITE_REGISTRY " org_units.write users.read users.write dict_items.write persons.unmask "
     "audit.read data.export data.import " ELDERCARE_WRITE " subsidy_rules.write service_items.write " ORDERS_ALL},
    {"street_admin", "街道管理员", "Street-office administrator", "subtree",
     READ_ALL " " WRITE_REGISTRY " org_units.write users.read users.write persons.unmask audit.read data.export data.import "
     ELDERCARE_WRITE " subsidy_rules.write " ORDERS_READ " " ORDERS_INTAKE},
    {"community_worker", "社区工作者", "Community worker", "subtree",
     READ_ALL " " WRITE_REGISTRY " persons.unmask data.export data.import " ELDERCARE_WRITE " " ORDERS_INTAKE},
    {"grid_worker", "网格员", "Grid worker", "unit",
     READ_ALL " " WRITE_REGISTRY},
    {"auditor", "审计员", "Auditor", "subtree",
     READ_ALL " users.read audit.read data.export " ELDERCARE_READ " " ORDERS_READ},
    /* the 12349 hotline: finds elders district-wide, takes orders, dispatches them, calls back */
    {"hotline_operator", "12349热线话务员", "12349 hotline operator", "subtree",
     "org_units.read persons.read elders.read " ORDERS_READ " " ORDERS_INTAKE " service_orders.dispatch service_orders.follow_up"},
    /* a contracted provider's administrator: its caregivers, its orders and their elders */
    {"provider_admin", "服务机构管理员", "Care provider administrator", "provider",
     "elders.read " ORDERS_READ " caregivers.write caregivers.unmask service_orders.dispatch"},
    /* a caregiver: their own visits and those visits' elders */
    {"caregiver", "养老护理员", "Caregiver", "caregiver", "elders.read " ORDERS_READ " service_orders.serve"},
    {NULL, NULL, NULL, NULL, NULL}};

enum scope_kind principal_scope(const principal *p, const char *perm) {
    if (!p || !perm) return SCOPE_NONE;
    for (int i = 0; i < p->ngrants; i++)
        if (strcmp(p->grants[i].perm, perm) == 0) return p->grants[i].scope;
    return SCOPE_NONE;
}

int principal_can(const principal *p, const char *perm) { return principal_scope(p, perm) != SCOPE_NONE; }

void principal_copy(principal *dst, const principal *src) {
    *dst = *src;
    /* grants point into permbuf: point them into the copy's own */
    for (int i = 0; i < dst->ngrants; i++) {
        const char *g = src->grants[i].perm;
        if (g >= src->permbuf && g < src->permbuf + sizeof src->permbuf)
            dst->grants[i].perm = dst->permbuf + (g - src->permbuf);
    }
}

const char *scope_kind_name(enum scope_kind s) {
    switch (s) {
    case SCOPE_ALL: return "all";
    case SCOPE_SUBTREE: return "subtree";
    case SCOPE_UNIT: return "unit";
    case SCOPE_SELF: return "self";
    case SCOPE_PROVIDER: return "provider";
    case SCOPE_CAREGIVER: return "caregiver";
    default: return "none";
    }
}

enum scope_kind scope_kind_parse(const char *s) {
    if (!s) return SCOPE_NONE;
    if (strcmp(s, "all") == 0) return SCOPE_ALL;
    if (strcmp(s, "subtree") == 0) return SCOPE_SUBTREE;
    if (strcmp(s, "unit") == 0) return SCOPE_UNIT;
    if (strcmp(s, "self") == 0) return SCOPE_SELF;
    if (strcmp(s, "provider") == 0) return SCOPE_PROVIDER;
    if (strcmp(s, "caregiver") == 0) return SCOPE_CAREGIVER;
    return SCOPE_NONE;
}
