/* assessment.c: see assessment.h. The item table is GB/T 42195-2022 appendix B as given in
 * data/gbt42195-2022-items.csv (a unit test keeps the two equal); the bands and adjustments are
 * the standard's section 5. */
#include "assessment.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

const struct assess_item_def gbt42195_items[GBT42195_ITEMS] = {
    {"B1.1", "B1", "进食", 4}, {"B1.2", "B1", "修饰", 4}, {"B1.3", "B1", "洗澡", 4},
    {"B1.4", "B1", "穿/脱上衣", 4}, {"B1.5", "B1", "穿/脱裤子和鞋袜", 4}, {"B1.6", "B1", "小便控制", 4},
    {"B1.7", "B1", "大便控制", 4}, {"B1.8", "B1", "如厕", 4},
    {"B2.1", "B2", "床上体位转移", 4}, {"B2.2", "B2", "床椅转移", 4}, {"B2.3", "B2", "平地行走", 4},
    {"B2.4", "B2", "上下楼梯", 3},
    {"B3.1", "B3", "时间定向", 4}, {"B3.2", "B3", "空间定向", 4}, {"B3.3", "B3", "人物定向", 4},
    {"B3.4", "B3", "记忆", 4}, {"B3.5", "B3", "理解能力", 4}, {"B3.6", "B3", "表达能力", 4},
    {"B3.7", "B3", "攻击行为", 1}, {"B3.8", "B3", "抑郁症状", 1}, {"B3.9", "B3", "意识水平", 2},
    {"B4.1", "B4", "视力", 2}, {"B4.2", "B4", "听力", 2}, {"B4.3", "B4", "执行日常事务", 4},
    {"B4.4", "B4", "使用交通工具外出", 3}, {"B4.5", "B4", "社会交往能力", 4},
};

static const char *const level_zh[] = {"能力完好", "轻度失能", "中度失能", "重度失能", "完全失能"};
static const char *const level_en[] = {"Intact", "Mild impairment", "Moderate impairment", "Severe impairment",
                                       "Total impairment"};
const char *gbt42195_level_zh(int level) { return level >= 0 && level <= 4 ? level_zh[level] : NULL; }
const char *gbt42195_level_en(int level) { return level >= 0 && level <= 4 ? level_en[level] : NULL; }

int gbt42195_level_of_total(int total) {
    if (total >= 90) return 0;
    if (total >= 66) return 1;
    if (total >= 46) return 2;
    if (total >= 30) return 3;
    return 4;
}

static int fail(struct assess_error *err, const char *field, const char *code, const char *zh, const char *en) {
    snprintf(err->field, sizeof err->field, "%s", field);
    err->code = code;
    err->zh = zh;
    err->en = en;
    return -1;
}

int icd10_valid(const char *s, int *mental) {
    if (!s || !isupper((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2])) return 0;
    const char *p = s + 3;
    if (*p == '.') {
        p++;
        int n = 0;
        while (isdigit((unsigned char)*p) && n < 2) { p++; n++; }
        if (n == 0) return 0;
    }
    if (*p) return 0;
    if (mental) *mental = s[0] == 'F';
    return 1;
}

/* Scores by item index; -1 where not given. Every item must come exactly once and in range. */
static int collect(const struct assess_item_def *defs, int ndefs, const struct assess_score *items, int nitems,
                   int *scores, struct assess_error *err) {
    char field[48];
    for (int k = 0; k < ndefs; k++) scores[k] = -1;
    for (int i = 0; i < nitems; i++) {
        int k = 0;
        while (k < ndefs && (!items[i].code || strcmp(items[i].code, defs[k].code) != 0)) k++;
        snprintf(field, sizeof field, "items.%.40s", items[i].code ? items[i].code : "?");
        if (k == ndefs) return fail(err, field, "unknown_item", "没有这个评估项目", "No such assessment item");
        if (scores[k] >= 0) return fail(err, field, "duplicate_item", "评估项目重复", "The item is given twice");
        if (items[i].score < 0 || items[i].score > defs[k].max_score)
            return fail(err, field, "out_of_range", "评分超出该项目的范围", "The score is outside the item's range");
        scores[k] = items[i].score;
    }
    for (int k = 0; k < ndefs; k++) {
        snprintf(field, sizeof field, "items.%s", defs[k].code);
        if (scores[k] < 0) return fail(err, field, "required", "缺少该项目的评分", "The item has no score");
    }
    return 0;
}

int gbt42195_evaluate(const struct gbt42195_input *in, struct assess_result *out, struct assess_error *err) {
    int scores[GBT42195_ITEMS];
    if (collect(gbt42195_items, GBT42195_ITEMS, in->items, in->nitems, scores, err)) return -1;
    if (in->risk_events_30d < 0 || in->risk_events_30d > 1000)
        return fail(err, "risk_events_30d", "out_of_range", "近30天照护风险事件次数无效", "Invalid number of care-risk events");
    int mental = 0;
    for (int i = 0; i < in->ndiagnoses; i++) {
        char field[48];
        snprintf(field, sizeof field, "diagnoses[%d]", i);
        int m = 0;
        if (!icd10_valid(in->diagnoses[i], &m))
            return fail(err, field, "invalid_icd10", "诊断应为 ICD-10 编码，如 F01 或 F03.9", "A diagnosis is an ICD-10 code, e.g. F01 or F03.9");
        mental |= m;
    }
    memset(out, 0, sizeof *out);
    for (int k = 0; k < GBT42195_ITEMS; k++) {
        out->total += scores[k];
        out->group_totals[gbt42195_items[k].group[1] - '1'] += scores[k];
    }
    out->base_level = gbt42195_level_of_total(out->total);
    int level = out->base_level;
    if (in->coma) {
        /* a person in a coma is assessed as totally impaired directly (5.3 a) */
        level = 4;
        out->adjustments |= ADJ_COMA;
    } else {
        /* each of the other two worsens by one level, together by two, never past total */
        if (mental) { level++; out->adjustments |= ADJ_MENTAL; }
        if (in->risk_events_30d >= 2) { level++; out->adjustments |= ADJ_RISK; }
        if (level > 4) level = 4;
    }
    out->level = level;
    out->level_zh = level_zh[level];
    out->level_en = level_en[level];
    return 0;
}

/* ---------- Barthel index ---------- */

const struct assess_item_def barthel_items[BARTHEL_ITEMS] = {
    {"feeding", "", "进食", 10}, {"bathing", "", "洗澡", 5}, {"grooming", "", "修饰", 5},
    {"dressing", "", "穿衣", 10}, {"bowels", "", "大便控制", 10}, {"bladder", "", "小便控制", 10},
    {"toilet", "", "如厕", 10}, {"transfers", "", "床椅转移", 15}, {"mobility", "", "平地行走", 15},
    {"stairs", "", "上下楼梯", 10},
};
static const char *const barthel_zh[] = {"无需依赖", "轻度依赖", "中度依赖", "重度依赖"};
static const char *const barthel_en[] = {"Independent", "Mild dependence", "Moderate dependence", "Severe dependence"};

const char *barthel_level_zh(int level) { return level >= 0 && level <= 3 ? barthel_zh[level] : NULL; }
const char *barthel_level_en(int level) { return level >= 0 && level <= 3 ? barthel_en[level] : NULL; }

int barthel_level_of_total(int total) {
    if (total >= 100) return 0;
    if (total >= 61) return 1;
    if (total >= 41) return 2;
    return 3;
}

int barthel_evaluate(const struct assess_score *items, int nitems, struct assess_result *out, struct assess_error *err) {
    int scores[BARTHEL_ITEMS];
    if (collect(barthel_items, BARTHEL_ITEMS, items, nitems, scores, err)) return -1;
    memset(out, 0, sizeof *out);
    for (int k = 0; k < BARTHEL_ITEMS; k++) {
        /* Barthel scores come in steps of 5 (0/5/10/15 up to the item's maximum) */
        if (scores[k] % 5 != 0) {
            char field[48];
            snprintf(field, sizeof field, "items.%s", barthel_items[k].code);
            return fail(err, field, "out_of_range", "巴氏指数各项按 5 分递进", "Barthel scores go in steps of 5");
        }
        out->total += scores[k];
    }
    out->base_level = out->level = barthel_level_of_total(out->total);
    out->level_zh = barthel_zh[out->level];
    out->level_en = barthel_en[out->level];
    return 0;
}
