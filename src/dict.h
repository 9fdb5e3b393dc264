/* dict.h: dictionaries (字典) - tags, categories, statuses - in the dict_items table, seeded from
 * code and extendable by a district without a release. Lookups go through an in-process cache
 * that reloads when this process changes an item, or after a few seconds (other servers). */
#ifndef SHEQU_DICT_H
#define SHEQU_DICT_H
#include "arena.h"
#include "db.h"
#include <jansson.h>

int dict_seed(db_conn *c);                                   /* insert built-in items that are missing */
int dict_check(db_conn *c, const char *dict, const char *code);   /* 1 known+active, 0 not, <0 error */
/* Label of a code (zh or en); the code itself when unknown. Result lives in the arena. */
const char *dict_label(db_conn *c, const char *dict, const char *code, int en, arena *a);
/* Code whose zh or en label (or code) equals text; NULL if none. */
const char *dict_code_for(db_conn *c, const char *dict, const char *text, arena *a);
/* "community grid" -> "社区、网格" */
const char *dict_labels_for(const char *codes, const char *dict, int en, arena *a);
json_t *dict_all_json(db_conn *c);                           /* {dict: [{code,label_zh,label_en},...]} */
void dict_invalidate(void);

#endif
