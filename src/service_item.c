/* service_item.c: the catalogue of home-care services (服务项目), after GB/T 43153-2023
 * 居家养老上门服务基本规范: 生活照料 (助餐, 助浴, 助洁, 助行, 助医, 助急), 基础照护, 健康管理, 探访关爱, 精神慰藉,
 * 委托代办, 适老化改造. An item is billed by the visit or the hour at a price in fen, is paid from
 * the elder's subsidy amount or hours (or by the elder), needs a caregiver skill and takes a
 * standard time. Migration 0003 seeds one item per category; a district prices and adds its own.
 * Everyone reads the catalogue (the hotline quotes it); the district administrators write it. Orders
 * (a later slice of issue 5) will name an item. */
#include "resource.h"

static const struct field item_fields[] = {
    {"code", FT_TEXT, F_REQUIRED | F_UNIQUE | F_FILTER | F_SORT | F_LIST | F_SEARCH | F_PREFIX, "项目编号", "Code", .max_len = 20},
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_SORT | F_LIST, "服务项目", "Service", .max_len = 60},
    {"category", FT_DICT, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "服务类别", "Category", .dict = "service_category"},
    {"unit", FT_DICT, F_REQUIRED | F_FILTER | F_LIST, "计价单位", "Unit", .dict = "service_unit", .def = "visit"},
    {"price", FT_MONEY, F_REQUIRED | F_SORT | F_LIST, "单价（元）", "Price", .min = 0, .max = 100000000},
    {"subsidy_kind", FT_DICT, F_FILTER | F_LIST, "补贴抵扣", "Paid from subsidy", .dict = "subsidy_kind"},
    {"required_skill", FT_DICT, F_FILTER | F_LIST, "所需技能", "Skill needed", .dict = "caregiver_skill"},
    {"standard_minutes", FT_INT, F_REQUIRED | F_SORT | F_LIST, "标准时长（分钟）", "Standard minutes", .min = 5, .max = 1440},
    {"active", FT_BOOL, F_FILTER | F_LIST, "启用", "Active", .def = "true"},
    {"description", FT_TEXT, 0, "服务内容", "What is done", .max_len = 500},
};

const struct resource res_service_items = {
    .name = "service_items", .table = "service_items", .label_zh = "服务项目", .label_en = "Service catalogue",
    .fields = item_fields, .nfields = sizeof item_fields / sizeof item_fields[0],
    .flags = R_GLOBAL_READ | R_EXPORT | R_IMPORT, .default_sort = "code", .title_field = "name",
};
