/* assessment.h: elderly capability assessment - GB/T 42195-2022 (老年人能力评估规范: 26 items in
 * four domains, total 0-90, five levels, three adjustments) and the Barthel index (10 items,
 * 0-100) as the alternative form. Pure functions: no database, no JSON; the API layer turns a
 * request into the inputs below and the result into an answer. */
#ifndef SHEQU_ASSESSMENT_H
#define SHEQU_ASSESSMENT_H

#define GBT42195_ITEMS 26
#define BARTHEL_ITEMS 10

struct assess_item_def {
    const char *code;       /* "B1.1" */
    const char *group;      /* "B1" */
    const char *name_zh;    /* "进食" */
    int max_score;
};
extern const struct assess_item_def gbt42195_items[GBT42195_ITEMS];
extern const struct assess_item_def barthel_items[BARTHEL_ITEMS];

/* One scored item as given: code and score. */
struct assess_score { const char *code; int score; };

struct gbt42195_input {
    const struct assess_score *items;
    int nitems;
    int coma;                      /* 昏迷: the level is 4 whatever the items say */
    const char *const *diagnoses;  /* ICD-10 codes, e.g. "F01", "F03.9"; any F00-F99 worsens by one */
    int ndiagnoses;
    int risk_events_30d;           /* falls, choking, suicide, self-harm, wandering in 30 days */
};

enum assess_adjust { ADJ_COMA = 1, ADJ_MENTAL = 2, ADJ_RISK = 4 };

struct assess_result {
    int total;                     /* 0-90 (Barthel: 0-100) */
    int group_totals[4];           /* B1..B4 (GB/T 42195 only) */
    int base_level;                /* the level the total alone gives */
    int level;                     /* after adjustments, never past 4 (Barthel: 0-3) */
    int adjustments;               /* ADJ_* bits that applied */
    const char *level_zh, *level_en;
};

/* What was wrong with an input: the field ("items.B1.4", "diagnoses[1]", "risk_events_30d") and a
 * stable code with a Chinese and English message. */
struct assess_error {
    char field[48];
    const char *code, *zh, *en;
};

/* 0 with *out filled, or -1 with *err describing the first problem found. */
int gbt42195_evaluate(const struct gbt42195_input *in, struct assess_result *out, struct assess_error *err);
int barthel_evaluate(const struct assess_score *items, int nitems, struct assess_result *out, struct assess_error *err);

/* Level from a total alone (for tests and the console's live preview). */
int gbt42195_level_of_total(int total);
int barthel_level_of_total(int total);
const char *gbt42195_level_zh(int level);
const char *gbt42195_level_en(int level);
const char *barthel_level_zh(int level);
const char *barthel_level_en(int level);

/* 1 when s is an ICD-10 code (letter, two digits, optional "." and 1-2 more); *mental set when it
 * lies in chapter V, F00-F99. */
int icd10_valid(const char *s, int *mental);

#endif
