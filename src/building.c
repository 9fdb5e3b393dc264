/* building.c: buildings (residential and commercial) of a grid - where households live and the
 * shops the grid staff inspect are. Declaration only: no workflow of its own yet. */
#include "resource.h"

static const struct field building_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_SORT | F_LIST, "楼宇名称", "Building", .max_len = 100},
    {"kind", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "楼宇类型", "Kind", .dict = "building_kind", .def = "residential"},
    {"org_id", FT_ORG, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "所属网格", "Grid", .levels = "grid"},
    {"address", FT_TEXT, F_SEARCH | F_LIST, "地址", "Address", .max_len = 200},
    {"floors", FT_INT, F_SORT | F_LIST, "层数", "Floors", .min = 1, .max = 200},
    {"unit_count", FT_INT, 0, "单元数", "Entrances", .min = 0, .max = 100},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

const struct resource res_buildings = {
    .name = "buildings", .table = "buildings", .label_zh = "楼宇", .label_en = "Buildings",
    .fields = building_fields, .nfields = sizeof building_fields / sizeof building_fields[0],
    .flags = R_SCOPED | R_IMPORT | R_EXPORT, .default_sort = "org_id", .title_field = "name",
};
