/* dict.c: see dict.h. The built-in items below are the national or common values; a district adds
 * its own through /api/v1/dict_items. */
#include "dict.h"
#include "http.h"
#include "log.h"
#include "resource.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seed { const char *dict, *code, *zh, *en; };
static const struct seed seeds[] = {
    {"org_level", "city", "市", "City"}, {"org_level", "district", "区（县）", "District"},
    {"org_level", "street", "街道（乡镇）", "Street office / town"}, {"org_level", "community", "社区（村）", "Community / village"},
    {"org_level", "grid", "网格", "Grid"},
    {"community_class", "1", "一类社区", "Class 1"}, {"community_class", "2", "二类社区", "Class 2"},
    {"community_class", "3", "三类社区", "Class 3"},
    {"service_centre", "none", "无", "None"}, {"service_centre", "district", "区级社区服务中心", "District-level centre"},
    {"service_centre", "city", "市级社区服务中心", "City-level centre"},
    {"building_kind", "residential", "住宅楼", "Residential"}, {"building_kind", "commercial", "商业楼宇", "Commercial"},
    {"building_kind", "mixed", "商住楼", "Mixed use"}, {"building_kind", "public", "公共建筑", "Public building"},
    {"id_type", "resident_id", "居民身份证", "Resident ID card"}, {"id_type", "passport", "护照", "Passport"},
    {"id_type", "hk_macao_permit", "港澳居民来往内地通行证", "Home-return permit (HK/Macao)"},
    {"id_type", "taiwan_permit", "台湾居民来往大陆通行证", "Mainland travel permit (Taiwan)"},
    {"id_type", "foreign_permanent", "外国人永久居留身份证", "Foreign permanent resident ID"},
    {"id_type", "other", "其他证件", "Other document"},
    {"gender", "1", "男", "Male"}, {"gender", "2", "女", "Female"}, {"gender", "9", "未说明", "Unspecified"},
    {"person_status", "active", "在册", "Registered"}, {"person_status", "moved_out", "已迁出", "Moved out"},
    {"person_status", "deceased", "已故", "Deceased"},
    {"person_tag", "dibao", "低保", "Minimum living allowance"}, {"person_tag", "tekun", "特困", "Extreme poverty support"},
    {"person_tag", "disabled", "残疾", "Disability"}, {"person_tag", "unemployed", "失业", "Unemployed"},
    {"person_tag", "sanitation_worker", "环卫工人", "Sanitation worker"}, {"person_tag", "student", "学生", "Student"},
    {"person_tag", "veteran", "退役军人", "Veteran"}, {"person_tag", "party_member", "党员", "Party member"},
    {"person_tag", "empty_nest", "空巢", "Empty-nest elder"}, {"person_tag", "living_alone", "独居", "Living alone"},
    {"person_tag", "migrant", "流动人口", "Migrant population"},
    {"ethnicity", "01", "汉族", "Han"}, {"ethnicity", "02", "蒙古族", "Mongol"}, {"ethnicity", "03", "回族", "Hui"},
    {"ethnicity", "04", "藏族", "Tibetan"}, {"ethnicity", "05", "维吾尔族", "Uyghur"}, {"ethnicity", "06", "苗族", "Miao"},
    {"ethnicity", "07", "彝族", "Yi"}, {"ethnicity", "08", "壮族", "Zhuang"}, {"ethnicity", "10", "朝鲜族", "Korean"},
    {"ethnicity", "11", "满族", "Manchu"}, {"ethnicity", "15", "土家族", "Tujia"}, {"ethnicity", "97", "其他", "Other"},
    {"relation", "self", "户主", "Head of household"}, {"relation", "spouse", "配偶", "Spouse"},
    {"relation", "child", "子女", "Child"}, {"relation", "parent", "父母", "Parent"},
    {"relation", "grandchild", "孙子女", "Grandchild"}, {"relation", "grandparent", "祖父母", "Grandparent"},
    {"relation", "sibling", "兄弟姐妹", "Sibling"}, {"relation", "child_in_law", "儿媳/女婿", "Child-in-law"},
    {"relation", "other", "其他", "Other"},
    {"household_kind", "family", "家庭户", "Family household"}, {"household_kind", "collective", "集体户", "Collective household"},
    {"membership_end", "moved_out", "迁出", "Moved out"}, {"membership_end", "deceased", "死亡", "Died"},
    {"membership_end", "moved_household", "转入其他户", "Moved to another household"}, {"membership_end", "other", "其他", "Other"},
    {"user_status", "active", "启用", "Active"}, {"user_status", "disabled", "停用", "Disabled"},
    {"role_scope", "all", "全部数据", "All data"}, {"role_scope", "subtree", "本单位及下级", "Unit and below"},
    {"role_scope", "unit", "仅本单位", "Unit only"}, {"role_scope", "self", "仅本人", "Own records"},
    /* home elderly care (elder.c, elder_assessment.c, subsidy.c): eligibility categories after the
     * national and Henan assistance schemes; a district adds its own through dict_items */
    {"elder_category", "sanwu", "三无老人", "No income, no carer, no support"},
    {"elder_category", "dibao", "低保", "Minimum living allowance"},
    {"elder_category", "dibao_edge", "低保边缘", "Near the minimum living allowance"},
    {"elder_category", "tekun", "特困供养", "Extreme poverty support"},
    {"elder_category", "disabled", "失能", "Disabled (loss of capability)"},
    {"elder_category", "semi_disabled", "半失能", "Partly disabled"},
    {"elder_category", "aged_80", "高龄（80周岁以上）", "Aged 80 or over"},
    {"elder_category", "centenarian", "百岁（100周岁以上）", "Aged 100 or over"},
    {"elder_category", "family_planning", "计生特扶", "Family-planning special support"},
    {"elder_category", "living_alone", "独居", "Living alone"},
    {"elder_category", "empty_nest", "空巢", "Empty nest"},
    {"elder_status", "active", "在册服务", "Receiving services"}, {"elder_status", "suspended", "暂停服务", "Suspended"},
    {"elder_status", "ended", "终止服务", "Ended"},
    {"living_situation", "alone", "独居", "Alone"}, {"living_situation", "spouse", "与配偶同住", "With spouse"},
    {"living_situation", "children", "与子女同住", "With children"},
    {"living_situation", "spouse_children", "与配偶及子女同住", "With spouse and children"},
    {"living_situation", "relatives", "与其他亲属同住", "With other relatives"},
    {"living_situation", "caregiver", "与保姆/护工同住", "With a live-in carer"}, {"living_situation", "other", "其他", "Other"},
    {"contact_relation", "spouse", "配偶", "Spouse"}, {"contact_relation", "child", "子女", "Child"},
    {"contact_relation", "child_in_law", "儿媳/女婿", "Child-in-law"}, {"contact_relation", "grandchild", "孙子女", "Grandchild"},
    {"contact_relation", "sibling", "兄弟姐妹", "Sibling"}, {"contact_relation", "relative", "其他亲属", "Other relative"},
    {"contact_relation", "guardian", "监护人", "Guardian"}, {"contact_relation", "neighbour", "邻居", "Neighbour"},
    {"contact_relation", "friend", "朋友", "Friend"}, {"contact_relation", "community", "社区工作人员", "Community staff"},
    {"contact_relation", "other", "其他", "Other"},
    /* GB/T 42195-2022 levels (assessment.c holds the same labels for computed results) */
    {"care_level", "0", "能力完好", "Intact"}, {"care_level", "1", "轻度失能", "Mild impairment"},
    {"care_level", "2", "中度失能", "Moderate impairment"}, {"care_level", "3", "重度失能", "Severe impairment"},
    {"care_level", "4", "完全失能", "Total impairment"},
    {"assessment_standard", "GB/T 42195-2022", "老年人能力评估（GB/T 42195-2022）", "Elderly capability (GB/T 42195-2022)"},
    {"assessment_standard", "Barthel", "巴氏指数（Barthel）", "Barthel index"},
    {"assessment_reason", "first", "首次评估", "First assessment"}, {"assessment_reason", "routine", "常规评估", "Routine"},
    {"assessment_reason", "immediate", "即时评估（状况变化）", "Immediate (change of condition)"},
    {"assessment_reason", "reassessment", "复评（对结果有疑问）", "Reassessment (result disputed)"},
    {"assessment_adjustment", "coma", "昏迷，直接评定为完全失能", "Coma: total impairment"},
    {"assessment_adjustment", "mental_disorder", "痴呆或精神障碍诊断，提高一级", "Dementia or mental disorder: one level worse"},
    {"assessment_adjustment", "care_risk", "近30天照护风险事件2次及以上，提高一级", "2+ care-risk events in 30 days: one level worse"},
    {"subsidy_kind", "amount", "补贴金额（分/月）", "Amount (fen a month)"}, {"subsidy_kind", "hours", "服务时长（小时/月）", "Service hours a month"},
    {"subsidy_combine", "max", "与其他类别取最高", "Highest of the categories"}, {"subsidy_combine", "add", "与其他类别叠加", "Added to the others"},
    /* home-care services, GB/T 43153-2023 居家养老上门服务基本规范 (service_items.c) */
    {"service_category", "meal", "助餐", "Meals"}, {"service_category", "bathing", "助浴", "Bathing"},
    {"service_category", "cleaning", "助洁", "Cleaning"}, {"service_category", "mobility", "助行", "Mobility"},
    {"service_category", "medical_escort", "助医", "Medical escort"}, {"service_category", "emergency", "助急", "Emergency help"},
    {"service_category", "basic_care", "基础照护", "Basic care"}, {"service_category", "health", "健康管理", "Health management"},
    {"service_category", "visiting", "探访关爱", "Visiting"}, {"service_category", "emotional", "精神慰藉", "Emotional support"},
    {"service_category", "errands", "委托代办", "Errands"}, {"service_category", "adaptation", "适老化改造", "Home adaptation"},
    {"service_unit", "visit", "次", "Visit"}, {"service_unit", "hour", "小时", "Hour"},
    {"caregiver_skill", "general_care", "生活照料", "Daily-living care"}, {"caregiver_skill", "nursing", "护理", "Nursing"},
    {"caregiver_skill", "rehabilitation", "康复", "Rehabilitation"}, {"caregiver_skill", "bathing", "助浴", "Bathing"},
    {"caregiver_skill", "cooking", "餐食制作配送", "Meals"}, {"caregiver_skill", "housekeeping", "家政保洁", "Housekeeping"},
    {"caregiver_skill", "psychological", "心理慰藉", "Emotional support"}, {"caregiver_skill", "medical_escort", "陪诊", "Medical escort"},
    {"caregiver_skill", "home_adaptation", "适老化改造施工", "Home adaptation works"},
    /* providers, caregivers and service orders (provider.c, caregiver.c, service_order*.c) */
    {"provider_status", "active", "合作中", "Under contract"}, {"provider_status", "suspended", "暂停派单", "Suspended"},
    {"provider_status", "terminated", "已解约", "Contract ended"},
    {"caregiver_status", "on_duty", "在岗", "On duty"}, {"caregiver_status", "on_leave", "休假", "On leave"},
    {"caregiver_status", "left", "离职", "Left"},
    /* 养老护理员国家职业技能标准（2019年版）: five grades, 5 the first */
    {"caregiver_cert_level", "5", "五级/初级工", "Grade 5 (junior)"}, {"caregiver_cert_level", "4", "四级/中级工", "Grade 4 (intermediate)"},
    {"caregiver_cert_level", "3", "三级/高级工", "Grade 3 (senior)"}, {"caregiver_cert_level", "2", "二级/技师", "Grade 2 (technician)"},
    {"caregiver_cert_level", "1", "一级/高级技师", "Grade 1 (senior technician)"},
    {"order_channel", "hotline", "12349热线", "12349 hotline"}, {"order_channel", "walk_in", "上门登记", "Walk-in"},
    {"order_channel", "grid_staff", "网格员代报", "Grid staff"}, {"order_channel", "family", "家属申请", "Family"},
    {"order_channel", "care_plan", "照护计划", "Care plan"},
    {"order_channel", "sos_device", "紧急呼叫设备", "Emergency call device"},
    /* visits and emergencies (service_order_visit.c, sos.c) */
    {"visit_flag", "far_check_in", "签到位置距老人家超过200米", "Checked in more than 200 m from the home"},
    {"visit_flag", "far_check_out", "签退位置距老人家超过200米", "Checked out more than 200 m from the home"},
    {"visit_flag", "two_places", "同一时间在另一处服务", "In another visit at the same time"},
    {"sos_channel", "hotline", "12349热线", "12349 hotline"}, {"sos_channel", "device", "紧急呼叫设备", "Emergency call device"},
    {"sos_channel", "family", "家属报警", "Family"},
    {"sos_outcome", "resolved_on_site", "上门处置完毕", "Resolved on site"}, {"sos_outcome", "hospital", "已送医（120）", "Taken to hospital (120)"},
    {"sos_outcome", "family_handled", "家属已处置", "Handled by the family"}, {"sos_outcome", "false_alarm", "误报", "False alarm"},
    {"sos_outcome", "other", "其他", "Other"},
    {"order_priority", "normal", "普通", "Normal"}, {"order_priority", "urgent", "加急", "Urgent"},
    {"order_priority", "emergency", "紧急", "Emergency"},
    {"order_status", "pending", "待受理", "Pending"}, {"order_status", "accepted", "已受理", "Accepted"},
    {"order_status", "dispatched", "已派单", "Dispatched"}, {"order_status", "taken", "已接单", "Taken"},
    {"order_status", "in_service", "服务中", "In service"}, {"order_status", "completed", "已完成", "Completed"},
    {"order_status", "followed_up", "已回访", "Followed up"}, {"order_status", "settled", "已结算", "Settled"},
    {"order_status", "cancelled", "已取消", "Cancelled"}, {"order_status", "rejected", "已拒单", "Rejected"},
    {"order_status", "exception", "异常", "Exception"},
    {"role_scope", "provider", "本服务机构", "Own care provider"}, {"role_scope", "caregiver", "仅本人服务", "Own visits"},
    {"audit_action", "transition", "工单状态变更", "Order state change"},
    /* care institutions, allowances, centenarian verification, safety inspections (institution.c,
     * allowance.c, centenarian.c, inspection.c) */
    {"institution_kind", "day_care", "日间照料中心", "Day-care centre"}, {"institution_kind", "care_station", "托老站", "Day-care station"},
    {"institution_kind", "nursing_home", "敬老院", "Nursing home"}, {"institution_kind", "private", "民办养老机构", "Private care institution"},
    {"institution_status", "operating", "运营中", "Operating"}, {"institution_status", "suspended", "暂停运营", "Suspended"},
    {"institution_status", "closed", "已关闭", "Closed"},
    {"placement_end", "returned_home", "返回家中", "Returned home"}, {"placement_end", "transferred", "转往其他机构", "Transferred"},
    {"placement_end", "hospital", "住院", "Hospitalised"}, {"placement_end", "deceased", "去世", "Died"},
    {"placement_end", "other", "其他", "Other"},
    {"allowance_band", "80_89", "80-89周岁", "Aged 80-89"}, {"allowance_band", "90_99", "90-99周岁", "Aged 90-99"},
    {"allowance_band", "100_plus", "100周岁及以上", "Aged 100 or over"},
    {"allowance_cycle_status", "draft", "待审核", "Draft"}, {"allowance_cycle_status", "approved", "已审核（冻结）", "Approved (frozen)"},
    {"allowance_line_status", "payable", "发放", "Paid"}, {"allowance_line_status", "suspended", "暂停发放", "Suspended"},
    {"allowance_reason", "deceased", "已故", "Died"}, {"allowance_reason", "moved_out", "已迁出", "Moved out"},
    {"allowance_reason", "verification_due", "百岁老人未按期复核", "Centenarian verification due"},
    {"allowance_reason", "verified_deceased", "复核发现已故", "Verification found them deceased"},
    {"allowance_reason", "verified_moved_out", "复核发现已迁出", "Verification found them moved away"},
    {"allowance_change", "new", "新增", "New"}, {"allowance_change", "continued", "继续发放", "Continued"},
    {"allowance_change", "resumed", "恢复发放", "Resumed"}, {"allowance_change", "suspended", "暂停发放", "Suspended"},
    {"allowance_change", "still_suspended", "继续暂停", "Still suspended"},
    /* recurring care plans and settlement (care_plan.c, settlement.c); vouchers (服务券) are a
     * kind of subsidy rule giving fen a month that any service may draw on after the subsidy */
    {"subsidy_kind", "voucher", "服务券（分/月）", "Vouchers (fen a month)"},
    {"care_recurrence", "daily", "每天", "Daily"}, {"care_recurrence", "weekly", "每周固定日", "Weekly on given days"},
    {"care_recurrence", "interval", "每隔N天", "Every N days"},
    {"care_plan_status", "active", "执行中", "Active"}, {"care_plan_status", "paused", "暂停", "Paused"},
    {"care_plan_status", "ended", "已终止", "Ended"},
    {"settlement_status", "draft", "待审核", "Draft"}, {"settlement_status", "approved", "已审核（冻结）", "Approved (frozen)"},
    {"settlement_line_kind", "order", "工单", "Order"}, {"settlement_line_kind", "correction", "更正", "Correction"},
    {"verification_method", "home_visit", "入户核查", "Home visit"}, {"verification_method", "video", "视频核查", "Video call"},
    {"verification_method", "institution", "医院/养老机构核查", "At a hospital or care institution"},
    {"verification_result", "alive", "健在", "Alive"}, {"verification_result", "deceased", "已故", "Deceased"},
    {"verification_result", "moved_out", "已迁出", "Moved away"},
    {"inspection_item", "fire_exits", "消防通道畅通", "Fire exits clear"},
    {"inspection_item", "extinguishers", "灭火器材配备有效", "Fire extinguishers in date"},
    {"inspection_item", "smoke_alarms", "烟感报警装置", "Smoke alarms"},
    {"inspection_item", "electrical", "电气线路安全", "Electrical wiring"},
    {"inspection_item", "gas", "燃气使用安全", "Gas safety"},
    {"inspection_item", "food_safety", "食品安全（留样、证照）", "Food safety (samples, licences)"},
    {"inspection_item", "anti_slip", "防滑、扶手等适老设施", "Anti-slip floors and handrails"},
    {"inspection_item", "call_system", "紧急呼叫装置", "Emergency call system"},
    {"inspection_item", "medication", "药品管理", "Medicine storage"},
    {"inspection_item", "staff_training", "人员消防培训与演练", "Staff fire training and drills"},
    {"inspection_status", "passed", "检查合格", "Passed"}, {"inspection_status", "rectifying", "整改中", "Being rectified"},
    {"inspection_status", "rectified", "已整改待销号", "Rectified, awaiting closure"},
    {"inspection_status", "closed", "已销号", "Closed"}, {"inspection_status", "recorded", "复查记录", "Re-inspection record"},
    /* what audit entries record (audit_log(..., action, ...) across the sources) */
    {"audit_action", "create", "新建", "Create"}, {"audit_action", "update", "修改", "Update"},
    {"audit_action", "delete", "删除", "Delete"}, {"audit_action", "unmask", "查看敏感信息", "View unmasked"},
    {"audit_action", "export", "导出", "Export"}, {"audit_action", "import", "导入", "Import"},
    {"audit_action", "change_head", "变更户主", "Change head of household"},
    {"audit_action", "login", "登录", "Sign in"}, {"audit_action", "login_failed", "登录失败", "Failed sign-in"},
    {"audit_action", "login_locked", "锁定期间登录", "Sign-in while locked"}, {"audit_action", "logout", "退出登录", "Sign out"},
    {"audit_action", "password_change", "修改密码", "Password change"},
    {"audit_action", "password_reset", "重置密码", "Password reset"},
    {"audit_action", "token_create", "创建接口令牌", "API token created"},
    {NULL, NULL, NULL, NULL}};

struct item { char *dict, *code, *zh, *en; int active; };
/* Open-addressing indexes into items[]: by (dict, code) and by (dict, Chinese label), because an
 * import looks up several values per row. Slots hold index + 1; 0 is empty. */
#define DICT_SLOTS 4096
static struct {
    pthread_rwlock_t lock;
    struct item *items;
    int n;
    double loaded_at;
    int stale;
    int by_code[DICT_SLOTS], by_label[DICT_SLOTS];
} cache = {PTHREAD_RWLOCK_INITIALIZER, NULL, 0, 0, 1, {0}, {0}};

static unsigned slot_of(const char *dict, const char *key) {
    unsigned h = 2166136261u;
    for (const char *p = dict; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ 0xff) * 16777619u;
    for (const char *p = key; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    return h & (DICT_SLOTS - 1);
}

static void index_items(void) {
    memset(cache.by_code, 0, sizeof cache.by_code);
    memset(cache.by_label, 0, sizeof cache.by_label);
    for (int i = 0; i < cache.n && i < DICT_SLOTS / 2; i++) {
        unsigned h = slot_of(cache.items[i].dict, cache.items[i].code);
        while (cache.by_code[h]) h = (h + 1) & (DICT_SLOTS - 1);
        cache.by_code[h] = i + 1;
        h = slot_of(cache.items[i].dict, cache.items[i].zh);
        while (cache.by_label[h]) h = (h + 1) & (DICT_SLOTS - 1);
        cache.by_label[h] = i + 1;
    }
}

/* Index of the item with this dict and code (or Chinese label), -1 if none. Read lock held. */
static int find(const int *table, const char *dict, const char *key, int by_label) {
    unsigned h = slot_of(dict, key);
    while (table[h]) {
        struct item *it = &cache.items[table[h] - 1];
        if (!strcmp(it->dict, dict) && !strcmp(by_label ? it->zh : it->code, key)) return table[h] - 1;
        h = (h + 1) & (DICT_SLOTS - 1);
    }
    for (int i = DICT_SLOTS / 2; i < cache.n; i++)        /* beyond what the index holds */
        if (!strcmp(cache.items[i].dict, dict) && !strcmp(by_label ? cache.items[i].zh : cache.items[i].code, key)) return i;
    return -1;
}

#define CACHE_TTL_S 10.0

static int seed_item(db_conn *c, const char *dict, const char *code, const char *zh, const char *en, int sort,
                     const char *now) {
    db_stmt *s = db_prepare(c,
        "INSERT INTO dict_items (dict, code, label_zh, label_en, sort, active, builtin, org_path, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 1, 1, '/', ?, ?) ON CONFLICT (dict, code) DO NOTHING");
    if (!s) return -1;
    db_bind_text(s, 1, dict, -1);
    db_bind_text(s, 2, code, -1);
    db_bind_text(s, 3, zh, -1);
    db_bind_text(s, 4, en, -1);
    db_bind_int(s, 5, sort);
    db_bind_text(s, 6, now, -1);
    db_bind_text(s, 7, now, -1);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : rc;
}

int dict_seed(db_conn *c) {
    char now[32];
    now_utc_iso(now);
    int rc;
    for (int i = 0; seeds[i].dict; i++)
        if ((rc = seed_item(c, seeds[i].dict, seeds[i].code, seeds[i].zh, seeds[i].en, i, now))) return rc;
    /* record_kind: one item per declared record, so a kind added later is named in the audit
     * viewer's filter without anyone seeding it */
    for (int i = 0; i < resources_count; i++)
        if ((rc = seed_item(c, "record_kind", resources[i]->name, resources[i]->label_zh, resources[i]->label_en, i, now)))
            return rc;
    dict_invalidate();
    return 0;
}

static void mark_stale(void) {
    pthread_rwlock_wrlock(&cache.lock);
    cache.stale = 1;
    pthread_rwlock_unlock(&cache.lock);
}

void dict_invalidate(void) {
    mark_stale();
    after_commit(mark_stale);
}

static void free_items(struct item *it, int n) {
    for (int i = 0; i < n; i++) { free(it[i].dict); free(it[i].code); free(it[i].zh); free(it[i].en); }
    free(it);
}

/* Takes the read lock, reloading first if needed. Returns 0 with the read lock held. */
static int cache_read(db_conn *c) {
    pthread_rwlock_rdlock(&cache.lock);
    if (!cache.stale && now_monotonic() - cache.loaded_at < CACHE_TTL_S) return 0;
    pthread_rwlock_unlock(&cache.lock);
    db_stmt *s = db_prepare(c, "SELECT dict, code, label_zh, label_en, active FROM dict_items "
                               "WHERE deleted_at IS NULL ORDER BY dict, sort, id");
    if (!s) return -1;
    int cap = 256, n = 0, rc;
    struct item *it = malloc(sizeof *it * (size_t)cap);
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) { cap *= 2; it = realloc(it, sizeof *it * (size_t)cap); }
        it[n].dict = strdup(db_col_text(s, 0));
        it[n].code = strdup(db_col_text(s, 1));
        it[n].zh = strdup(db_col_text(s, 2));
        it[n].en = strdup(db_col_text(s, 3));
        it[n].active = (int)db_col_int(s, 4);
        n++;
    }
    db_done(s);
    if (rc < 0) { free_items(it, n); return -1; }
    pthread_rwlock_wrlock(&cache.lock);
    free_items(cache.items, cache.n);
    cache.items = it;
    cache.n = n;
    cache.loaded_at = now_monotonic();
    cache.stale = 0;
    index_items();
    pthread_rwlock_unlock(&cache.lock);
    pthread_rwlock_rdlock(&cache.lock);
    return 0;
}

int dict_check(db_conn *c, const char *dict, const char *code) {
    if (cache_read(c) != 0) return -1;
    int i = find(cache.by_code, dict, code, 0);
    int found = i >= 0 && cache.items[i].active;
    pthread_rwlock_unlock(&cache.lock);
    return found;
}

const char *dict_label(db_conn *c, const char *dict, const char *code, int en, arena *a) {
    if (!code) return NULL;
    if (cache_read(c) != 0) return arena_strdup(a, code);
    int i = find(cache.by_code, dict, code, 0);
    const char *out = i >= 0 ? arena_strdup(a, en ? cache.items[i].en : cache.items[i].zh) : NULL;
    pthread_rwlock_unlock(&cache.lock);
    return out ? out : arena_strdup(a, code);
}

const char *dict_code_for(db_conn *c, const char *dict, const char *text, arena *a) {
    if (cache_read(c) != 0) return NULL;
    const char *out = NULL;
    int k = find(cache.by_code, dict, text, 0);
    if (k < 0) k = find(cache.by_label, dict, text, 1);
    if (k >= 0 && cache.items[k].active) out = arena_strdup(a, cache.items[k].code);
    for (int i = 0; i < cache.n && !out; i++) {
        struct item *it = &cache.items[i];
        if (strcmp(it->dict, dict) != 0 || !it->active) continue;
        if (strcmp(it->code, text) == 0 || strcmp(it->zh, text) == 0 || strcasecmp(it->en, text) == 0)
            out = arena_strdup(a, it->code);
    }
    pthread_rwlock_unlock(&cache.lock);
    return out;
}

const char *dict_labels_for(const char *codes, const char *dict, int en, arena *a) {
    sbuf b;
    sbuf_init(&b, a);
    for (const char *p = codes; *p;) {
        while (*p == ' ') p++;
        const char *e = p;
        while (*e && *e != ' ') e++;
        if (e > p) {
            if (b.len) sbuf_puts(&b, en ? ", " : "、");
            const char *code = arena_strndup(a, p, (size_t)(e - p));
            const char *label = code;
            for (int i = 0; seeds[i].dict; i++)
                if (strcmp(seeds[i].dict, dict) == 0 && strcmp(seeds[i].code, code) == 0) label = en ? seeds[i].en : seeds[i].zh;
            sbuf_puts(&b, label);
        }
        p = e;
    }
    return sbuf_str(&b);
}

json_t *dict_all_json(db_conn *c) {
    json_t *out = json_object();
    if (cache_read(c) != 0) return out;
    for (int i = 0; i < cache.n; i++) {
        struct item *it = &cache.items[i];
        json_t *arr = json_object_get(out, it->dict);
        if (!arr) { arr = json_array(); json_object_set_new(out, it->dict, arr); }
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:b}", "code", it->code, "label_zh", it->zh,
                                             "label_en", it->en, "active", it->active));
    }
    pthread_rwlock_unlock(&cache.lock);
    return out;
}
