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

const struct builtin_role builtin_roles[] = {
    {"district_admin", "区级管理员", "District administrator", "subtree",
     READ_ALL " " WRITE_REGISTRY " org_units.write users.read users.write dict_items.write persons.unmask "
     "audit.read data.export data.import " ELDERCARE_WRITE " subsidy_rules.write service_items.write"},
    {"street_admin", "街道管理员", "Street-office administrator", "subtree",
     READ_ALL " " WRITE_REGISTRY " org_units.write users.read users.write persons.unmask audit.read data.export data.import "
     ELDERCARE_WRITE " subsidy_rules.write"},
    {"community_worker", "社区工作者", "Community worker", "subtree",
     READ_ALL " " WRITE_REGISTRY " persons.unmask data.export data.import " ELDERCARE_WRITE},
    {"grid_worker", "网格员", "Grid worker", "unit",
     READ_ALL " " WRITE_REGISTRY},
    {"auditor", "审计员", "Auditor", "subtree",
     READ_ALL " users.read audit.read data.export " ELDERCARE_READ},
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
    default: return "none";
    }
}

enum scope_kind scope_kind_parse(const char *s) {
    if (!s) return SCOPE_NONE;
    if (strcmp(s, "all") == 0) return SCOPE_ALL;
    if (strcmp(s, "subtree") == 0) return SCOPE_SUBTREE;
    if (strcmp(s, "unit") == 0) return SCOPE_UNIT;
    if (strcmp(s, "self") == 0) return SCOPE_SELF;
    return SCOPE_NONE;
}
