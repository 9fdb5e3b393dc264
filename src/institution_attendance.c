/* institution_attendance.c: POST /api/v1/institutions/{id}/attendance - a day-care centre's whole day
 * at once, {"day":"2026-03-02","entries":[{"elder_id":12,"present":true,"note":"..."}, ...]}. Each
 * entry is an attendance record written through the engine (record_put: validation, hooks, audit);
 * an elder already recorded that day has the record changed, so sending the day again corrects
 * it. One bad entry refuses the whole day, with each error under "entries[i].<field>". */
#include "institution.h"
#include "crud_internal.h"
#include <stdio.h>
#include <string.h>

#define MAX_ENTRIES 1000

static int refuse(req *r, const char *field, const char *code, const char *zh, const char *en) {
    return resp_error_fields(r, 422, "validation_failed", zh, en, json_pack("{s:s}", field, r->lang_en ? en : zh),
                             json_pack("{s:s}", field, code));
}

/* Each error of one entry, under the entry's name. */
static void prefix_errors(req *r, size_t i, json_t *errors, json_t *codes, json_t *all, json_t *all_codes) {
    const char *k;
    json_t *v;
    json_object_foreach(errors, k, v) {
        char *key = arena_printf(&r->a, "entries[%zu].%s", i, k);
        json_object_set(all, key, v);
        json_t *c = json_object_get(codes, k);
        if (c) json_object_set(all_codes, key, c);
    }
}

int institution_attendance(req *r) {
    int64_t id = req_param_id(r, 0);
    json_t *inst = record_load(r, &res_institutions, id, 0);
    if (!inst) return resp_error(r, 404, "not_found", "记录不存在", "No such record");
    int writable = record_writable(r, &res_institutions, inst);
    json_decref(inst);
    if (!writable) return resp_error(r, 403, "forbidden", "没有权限登记此机构的到托", "Not permitted to record this centre's attendance");
    json_t *in = req_json(r);
    if (!in) return 0;
    if (!json_is_object(in)) return refuse(r, "body", "wrong_type", "请求体应为 JSON 对象", "The body is a JSON object");
    json_t *day = json_object_get(in, "day"), *entries = json_object_get(in, "entries");
    if (!json_is_string(day) || !date_valid(json_string_value(day)))
        return refuse(r, "day", "invalid_date", "日期格式应为 YYYY-MM-DD", "day is a date, YYYY-MM-DD");
    if (!json_is_array(entries) || !json_array_size(entries))
        return refuse(r, "entries", "required", "请逐人填写到托情况", "entries lists each elder's attendance");
    if (json_array_size(entries) > MAX_ENTRIES)
        return refuse(r, "entries", "too_many", "一次最多登记 1000 人", "At most 1000 entries at once");
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
        if (strcmp(k, "day") && strcmp(k, "entries")) {
            char *key = arena_strdup(&r->a, k);
            utf8_scrub(key);
            return refuse(r, key, "unknown_field", "不认识的字段", "Unknown field");
        }

    json_t *all = json_object(), *all_codes = json_object(), *seen = json_object();
    int created = 0, changed = 0, present = 0, rc = 0;
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        if (!json_is_object(e)) {
            json_object_set_new(all, arena_printf(&r->a, "entries[%zu]", i), json_string(r->lang_en ? "An entry is an object" : "每条应为对象"));
            json_object_set_new(all_codes, arena_printf(&r->a, "entries[%zu]", i), json_string("wrong_type"));
            continue;
        }
        json_t *elder = json_object_get(e, "elder_id");
        int64_t existing = 0;
        if (json_is_integer(elder)) {
            char key[32];
            snprintf(key, sizeof key, "%lld", (long long)json_integer_value(elder));
            if (json_object_get(seen, key)) {
                json_object_set_new(all, arena_printf(&r->a, "entries[%zu].elder_id", i),
                                    json_string(r->lang_en ? "The elder appears twice" : "同一老人重复登记"));
                json_object_set_new(all_codes, arena_printf(&r->a, "entries[%zu].elder_id", i), json_string("duplicate_entry"));
                continue;
            }
            json_object_set_new(seen, key, json_true());
            rc = db_query_int(r->dbc, "SELECT coalesce(max(id), 0) FROM attendance WHERE institution_id = ? AND day = ? "
                                      "AND elder_id = ? AND deleted_at IS NULL", &existing, "isi", id, json_string_value(day),
                              (int64_t)json_integer_value(elder));
            if (rc < 0) break;
        }
        /* a day already recorded: the entry changes it (only presence and the note may change) */
        json_t *rec = json_deep_copy(e);
        if (existing) {
            json_object_del(rec, "elder_id");
        } else {
            json_object_set_new(rec, "institution_id", json_integer(id));
            json_object_set(rec, "day", day);
        }
        json_t *out = NULL, *errors = NULL, *codes = NULL;
        rc = record_put(r, &res_attendance, existing, rec, &out, &errors, &codes);
        json_decref(rec);
        if (rc == SAVE_INVALID) {
            prefix_errors(r, i, errors, codes, all, all_codes);
            json_decref(errors);
            json_decref(codes);
            rc = 0;
            continue;
        }
        if (rc) break;
        if (existing) changed++; else created++;
        if (json_is_true(json_object_get(out, "present"))) present++;
        json_decref(out);
    }
    json_decref(seen);
    if (rc) { json_decref(all); json_decref(all_codes); return rc < 0 ? rc : -1; }
    if (json_object_size(all)) {                     /* the whole day is rolled back */
        rc = respond_validation(r, all, all_codes);
        json_decref(all);
        json_decref(all_codes);
        return rc;
    }
    json_decref(all);
    json_decref(all_codes);
    int n = (int)json_array_size(entries);
    return resp_data(r, 200, json_pack("{s:I,s:O,s:i,s:i,s:i,s:i,s:i}", "institution_id", (json_int_t)id, "day", day,
                                       "recorded", n, "created", created, "changed", changed, "present", present,
                                       "absent", n - present));
}
