/* routes.c: every endpoint of the API, in matching order (specific before generic). The
 * authorization-matrix test reads this table through /api/v1/meta/routes. */
#include "router.h"
#include "api.h"
#include "care_plan.h"
#include "elder.h"
#include "household.h"
#include "institution.h"
#include "qr.h"
#include "resource.h"
#include "service_order.h"
#include "stats.h"

const struct route routes[] = {
    {"GET", "/api/v1/health", api_health, RT_PUBLIC | RT_ONE_READ, NULL, "健康检查", "Health check"},
    {"POST", "/api/v1/auth/login", api_login, RT_PUBLIC | RT_NO_CSRF, NULL, "登录", "Sign in"},
    {"POST", "/api/v1/auth/logout", api_logout, 0, NULL, "退出登录", "Sign out"},
    {"GET", "/api/v1/auth/me", api_me, 0, NULL, "当前用户", "Current user"},
    {"POST", "/api/v1/auth/password", api_change_password, 0, NULL, "修改密码", "Change password"},
    {"POST", "/api/v1/auth/tokens", api_create_token, 0, "users.write", "创建接口令牌", "Create an API token"},
    {"GET", "/api/v1/meta", api_meta, 0, NULL, "元数据", "Metadata for the console"},
    {"GET", "/api/v1/meta/routes", api_meta_routes, 0, NULL, "接口清单", "Route table"},
    {"GET", "/api/v1/openapi.json", api_openapi, RT_PUBLIC, NULL, "OpenAPI 文档", "OpenAPI document"},
    {"GET", "/api/v1/audit", api_audit_list, 0, "audit.read", "审计日志", "Audit log"},
    {"GET", "/api/v1/audit.csv", api_audit_export_csv, 0, "audit.read", "导出审计日志", "Export the audit log"},
    {"GET", "/api/v1/audit.xlsx", api_audit_export_xlsx, 0, "audit.read", "导出审计日志", "Export the audit log"},
    {"GET", "/api/v1/stats/summary", api_stats_summary, 0, "persons.read", "首页统计", "Dashboard summary"},
    {"POST", "/api/v1/households/{id}/change_head", household_change_head, 0, "households.write", "变更户主", "Change the head of household"},
    {"GET", "/api/v1/assessments/form", assessment_form, 0, "elders.read", "评估表内容", "Assessment form: items, levels, assessors"},
    {"POST", "/api/v1/elders/{id}/assessments", elder_assess, 0, "elders.write", "能力评估", "Assess an elder (GB/T 42195-2022 or Barthel)"},
    {"POST", "/api/v1/institutions/{id}/attendance", institution_attendance, 0, "elders.write", "登记当日到托", "Record a day's day-care attendance"},
    {"POST", "/api/v1/allowance_cycles/{id}/run", allowance_cycle_run, 0, "elders.write", "生成敬老补助发放名单", "Make a cycle's allowance list"},
    {"POST", "/api/v1/allowance_cycles/{id}/approve", allowance_cycle_approve, 0, "elders.write", "审核敬老补助发放名单", "Approve (freeze) a cycle's allowance list"},
    {"GET", "/api/v1/stats/eldercare", api_stats_eldercare, 0, "elders.read", "养老服务统计", "Eldercare figures"},
    {"POST", "/api/v1/service_orders/{id}/transitions", service_order_transition, 0, "service_orders.read", "工单状态变更", "Move a service order to its next state"},
    {"GET", "/api/v1/service_orders/{id}/suggestions", service_order_suggestions, 0, "service_orders.dispatch", "派单建议", "Caregivers to dispatch to, ranked"},
    {"POST", "/api/v1/care_plans/generate", care_plan_generate, 0, "service_orders.intake", "按护理计划生成当日工单", "Make a day's orders from the care plans"},
    {"POST", "/api/v1/settlements", settlement_create, 0, "service_orders.settle", "生成机构月度结算", "Compute a provider's monthly settlement"},
    {"POST", "/api/v1/settlements/{id}/compute", settlement_compute, 0, "service_orders.settle", "重新计算结算草稿", "Recompute a draft settlement"},
    {"POST", "/api/v1/settlements/{id}/approve", settlement_approve, 0, "service_orders.settle", "审核结算（冻结）", "Approve (freeze) a settlement"},
    {"POST", "/api/v1/settlements/{id}/corrections", settlement_correct, 0, "service_orders.settle", "结算更正", "Add a correction to a settlement"},
    {"GET", "/api/v1/elders/{id}/qr.svg", elder_home_qr, 0, "elders.write", "老人家签到码", "QR code for the elder's home (SVG, printable)"},
    {"POST", "/api/v1/service_orders/{id}/check_in", service_order_check_in, 0, "service_orders.serve", "扫码签到", "Check a visit in (QR code at the home)"},
    {"POST", "/api/v1/service_orders/{id}/check_out", service_order_check_out, 0, "service_orders.serve", "扫码签退", "Check a visit out"},
    {"POST", "/api/v1/sos", sos_create, 0, "service_orders.intake", "助急呼救", "Raise an emergency (SOS)"},
    {"GET", "/api/v1/sos", sos_list, 0, "service_orders.read", "助急列表", "Emergencies, most urgent first"},
    {"GET", "/api/v1/sos/{id}", sos_get, 0, "service_orders.read", "助急处置页", "One emergency: order, elder, contacts, history"},
    {"POST", "/api/v1/sos/{id}/close", sos_close, 0, "service_orders.intake", "助急结案", "Close an emergency with its outcome"},
    {"POST", "/api/v1/{res}/import", crud_import, RT_UPLOAD, "data.import", "导入", "Import CSV or XLSX"},
    {"GET", "/api/v1/{res}.csv", crud_export_csv, 0, "data.export", "导出 CSV", "Export CSV"},
    {"GET", "/api/v1/{res}.xlsx", crud_export_xlsx, 0, "data.export", "导出 Excel", "Export XLSX"},
    {"GET", "/api/v1/{res}", crud_list, 0, NULL, "列表", "List"},
    {"POST", "/api/v1/{res}", crud_create, 0, NULL, "新建", "Create"},
    {"GET", "/api/v1/{res}/{id}", crud_get, RT_ONE_READ, NULL, "详情", "Get"},
    {"PATCH", "/api/v1/{res}/{id}", crud_update, 0, NULL, "修改", "Update"},
    {"DELETE", "/api/v1/{res}/{id}", crud_delete, 0, NULL, "删除", "Delete"},
    {"GET", "/api/v1/{res}/{id}/history", crud_history, 0, NULL, "变更历史", "Change history"},
};
const int routes_count = sizeof routes / sizeof routes[0];
