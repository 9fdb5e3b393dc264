/* refdata.h: reference data compiled into shequ from data/ (see scripts/gen-data.sh).
 * gbt2260_codes: every county-level GB/T 2260 code in the Ministry of Civil Affairs' yearly
 * lists 1980-2019-04, sorted by code; the address codes a resident ID number may carry.
 * divisions: Henan, Zhengzhou and its county- and township-level units with statistical codes. */
#ifndef SHEQU_REFDATA_H
#define SHEQU_REFDATA_H

struct gbt2260_code {
    int code;           /* six digits, e.g. 410105 */
    const char *name;   /* 金水区 */
    int first_seen;     /* YYYYMM */
    int last_seen;      /* YYYYMM */
    int current;        /* still in the 2019-04 list */
};
extern const struct gbt2260_code gbt2260_codes[];
extern const int gbt2260_codes_count;

struct division {
    const char *level;      /* province | city | county | township */
    const char *code;       /* 2, 4, 6 or 9 digits */
    const char *code12;     /* 12-digit statistical code */
    const char *name;
    const char *parent_code;
    const char *unit_type;  /* 街道, 镇, 乡, 市辖区, 县 ... */
};
extern const struct division divisions[];
extern const int divisions_count;

#endif
