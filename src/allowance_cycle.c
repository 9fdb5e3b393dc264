/* allowance_cycle.c: the eligibility run and the approval of an allowance cycle (敬老补助, issue 5
 * point 9). POST /api/v1/allowance_cycles/{id}/run builds the cycle's payment list from the registry
 * as it stands: every resident of the cycle's unit and below aged 80 or more by the last day of the
 * month (the age then decides the band), at the most local rate in force that day. A resident who
 * died or moved out by then (the person's status, or their household membership ended so) is
 * suspended if the last approved cycle of the unit paid them, and left out otherwise; a centenarian
 * is suspended until a proof of life (centenarian.c) from the six months before the month's end
 * says they are alive. Each line records what changed since that cycle (new, continued, resumed,
 * suspended). Running again replaces the list while the cycle is a draft. POST .../approve freezes
 * it: the approver must be someone other than who made the list, and an approved cycle is never
 * run, changed or deleted again. */
#include "institution.h"
#include "audit.h"
#include "crud_internal.h"
#include "scope.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_MONTHS 6

struct rate { char *path, *band; int64_t amount; };

static void month_end(const char *month, char out[11]) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = atoi(month), m = atoi(month + 5);
    int d = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

static const char *band_of(int age) { return age >= 100 ? "100_plus" : age >= 90 ? "90_99" : "80_89"; }

/* The cycle, if the caller may see and change it and it is still a draft: NULL after answering. */
static json_t *draft_cycle(req *r) {
    json_t *c = record_load(r, &res_allowance_cycles, req_param_id(r, 0), 0);
    if (!c) { resp_error(r, 404, "not_found", "记录不存在", "No such record"); return NULL; }
    if (!record_writable(r, &res_allowance_cycles, c)) {
        json_decref(c);
        resp_error(r, 403, "forbidden", "没有权限办理此发放批次", "Not permitted to handle this cycle");
        return NULL;
    }
    if (!strcmp(json_string_value(json_object_get(c, "status")), "approved")) {
        json_decref(c);
        resp_error(r, 409, "cycle_frozen", "该期已审核，名单已冻结", "The cycle is approved; its list is frozen");
        return NULL;
    }
    return c;
}

static int load_rates(req *r, const char *end, struct rate **out, int *n) {
    db_stmt *s = db_prepare(r->dbc, "SELECT org_path, band, amount FROM allowance_rates WHERE deleted_at IS NULL AND valid_from <= ? "
                                    "AND (valid_to IS NULL OR valid_to >= ?)");
    if (!s) return -1;
    db_bind_text(s, 1, end, -1);
    db_bind_text(s, 2, end, -1);
    int cap = 16, k = 0, rc;
    struct rate *v = arena_alloc(&r->a, sizeof *v * (size_t)cap);
    while ((rc = db_step(s)) == DB_ROW) {
        if (k == cap) {
            struct rate *nv = arena_alloc(&r->a, sizeof *nv * (size_t)cap * 2);
            memcpy(nv, v, sizeof *v * (size_t)cap);
            v = nv;
            cap *= 2;
        }
        v[k].path = arena_strdup(&r->a, db_col_text(s, 0));
        v[k].band = arena_strdup(&r->a, db_col_text(s, 1));
        v[k].amount = db_col_int(s, 2);
        k++;
    }
    db_done(s);
    *out = v;
    *n = k;
    return rc == DB_DONE ? 0 : -1;
}

/* The rate of the unit nearest the person: the longest path above theirs; -1 when none. */
static int64_t rate_for(const struct rate *v, int n, const char *path, const char *band) {
    size_t best = 0;
    int64_t amount = -1;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(v[i].path);
        if (strcmp(v[i].band, band) || strncmp(path, v[i].path, len) || len < best) continue;
        best = len;
        amount = v[i].amount;
    }
    return amount;
}

/* person id -> text, from a two-column query with one bound value (later rows win) */
static int load_map(req *r, const char *sql, const char *arg1, int64_t arg2, json_t *map) {
    db_stmt *s = db_prepare(r->dbc, sql);
    if (!s) return -1;
    if (arg1) db_bind_text(s, 1, arg1, -1); else db_bind_int(s, 1, arg2);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)db_col_int(s, 0));
        json_object_set_new(map, key, json_string(db_col_text(s, 1)));
    }
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

static const char *map_get(json_t *map, int64_t id) {
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    return json_string_value(json_object_get(map, key));
}

struct tally { int64_t lines, payable, suspended, total; };

/* Why a resident gets nothing this month, or NULL. gone: died or moved out by `end`. */
static const char *suspension(db_stmt *s, const char *end, const char *band, const char *proof, const char *since, int *gone) {
    const char *status = db_col_text(s, 4), *status_date = db_col_text(s, 5);
    *gone = 0;
    if (strcmp(status, "active") && (!status_date || strcmp(status_date, end) <= 0)) { *gone = 1; return status; }
    const char *left = db_col_text(s, 13), *left_on = db_col_text(s, 14);
    if (db_col_int(s, 12) == 0 && left && (!strcmp(left, "deceased") || !strcmp(left, "moved_out")) && left_on &&
        strcmp(left_on, end) <= 0) {
        *gone = 1;
        return left;
    }
    if (strcmp(band, "100_plus")) return NULL;
    /* proof: "result|date" of the latest verification up to the month's end */
    if (!proof || strlen(proof) < 11 || strcmp(proof + strlen(proof) - 10, since) < 0) return "verification_due";
    if (!strncmp(proof, "deceased|", 9)) return "verified_deceased";
    if (!strncmp(proof, "moved_out|", 10)) return "verified_moved_out";
    return NULL;
}

static int build_lines(req *r, int64_t cycle, const char *org_path, const char *month, int64_t prev, struct tally *t) {
    char end[11], cutoff[11], since[11], upper[256], first[11];
    month_end(month, end);
    snprintf(cutoff, sizeof cutoff, "%04d%s", atoi(end) - 80, end + 4);
    snprintf(first, sizeof first, "%.7s-01", month);
    date_add_months(first, -VERIFY_MONTHS, since);
    scope_path_upper(org_path, upper, sizeof upper);
    struct rate *rates;
    int nrates;
    if (load_rates(r, end, &rates, &nrates)) return -1;
    json_t *before = json_object(), *proofs = json_object();
    int rc = -1;
    if (load_map(r, "SELECT person_id, status FROM allowance_lines WHERE cycle_id = ?", NULL, prev, before) ||
        load_map(r, "SELECT person_id, result || '|' || verified_on FROM centenarian_verifications WHERE deleted_at IS NULL "
                    "AND verified_on <= ? ORDER BY person_id, verified_on, id", end, 0, proofs))
        goto done;
    db_stmt *del = db_prepare(r->dbc, "DELETE FROM allowance_lines WHERE cycle_id = ?");
    if (!del) goto done;
    db_bind_int(del, 1, cycle);
    rc = db_step(del);
    db_done(del);
    if (rc != DB_DONE) { rc = -1; goto done; }
    rc = -1;
    db_stmt *s = db_prepare(r->dbc,
        "SELECT p.id, p.name, p.gender, p.birth_date, p.status, p.status_date, p.org_id, p.org_path, p.district_code, "
        "p.id_number_enc, p.id_number_hash, p.id_number_masked, "
        "(SELECT count(*) FROM household_members m WHERE m.person_id = p.id AND m.end_date IS NULL AND m.deleted_at IS NULL), "
        "(SELECT m.end_reason FROM household_members m WHERE m.person_id = p.id AND m.end_date IS NOT NULL AND m.deleted_at IS NULL "
        " ORDER BY m.end_date DESC, m.id DESC LIMIT 1), "
        "(SELECT max(m.end_date) FROM household_members m WHERE m.person_id = p.id AND m.deleted_at IS NULL) "
        "FROM persons p WHERE p.org_path >= ? AND p.org_path < ? AND p.deleted_at IS NULL AND p.birth_date <= ? ORDER BY p.org_path, p.id");
    if (!s) goto done;
    db_bind_text(s, 1, org_path, -1);
    db_bind_text(s, 2, upper, -1);
    db_bind_text(s, 3, cutoff, -1);
    char now[32];
    now_utc_iso(now);
    int64_t uid = r->who ? r->who->user_id : 0;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        int64_t pid = db_col_int(s, 0);
        int age = age_on(db_col_text(s, 3), end);
        const char *band = band_of(age), *prev_status = map_get(before, pid);
        int gone;
        const char *why = suspension(s, end, band, map_get(proofs, pid), since, &gone);
        if (gone && !(prev_status && !strcmp(prev_status, "payable"))) continue;     /* nothing to stop */
        int64_t amount = 0;
        const char *change;
        if (why) {
            change = prev_status && !strcmp(prev_status, "suspended") ? "still_suspended" : "suspended";
        } else {
            amount = rate_for(rates, nrates, db_col_text(s, 7), band);
            if (amount < 0) {
                db_done(s);
                resp_error_fields(r, 409, "rate_missing", "有老人所在单位没有该年龄段的敬老补助标准，请先设置",
                                  "No allowance rate applies to an elder's unit for this age band; set one first",
                                  json_pack("{s:s}", "band", band), json_pack("{s:s}", "band", "rate_missing"));
                rc = 0;
                goto done;
            }
            change = !prev_status ? "new" : !strcmp(prev_status, "suspended") ? "resumed" : "continued";
        }
        db_stmt *ins = db_prepare(r->dbc,
            "INSERT INTO allowance_lines (cycle_id, person_id, name, gender, birth_date, id_number_enc, id_number_hash, "
            "id_number_masked, age, band, amount, status, reason, change_kind, org_id, org_path, district_code, created_at, "
            "created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!ins) { db_done(s); goto done; }
        int len = 0;
        db_bind_int(ins, 1, cycle);
        db_bind_int(ins, 2, pid);
        db_bind_text(ins, 3, db_col_text(s, 1), -1);
        db_bind_text(ins, 4, db_col_text(s, 2), -1);
        db_bind_text(ins, 5, db_col_text(s, 3), -1);
        for (int k = 0; k < 2; k++) {
            const void *b = db_col_type(s, 9 + k) == DBT_BLOB ? db_col_blob(s, 9 + k, &len) : NULL;
            if (b) db_bind_blob(ins, 6 + k, b, len); else db_bind_null(ins, 6 + k);
        }
        db_bind_text(ins, 8, db_col_text(s, 11), -1);
        db_bind_int(ins, 9, age);
        db_bind_text(ins, 10, band, -1);
        db_bind_int(ins, 11, amount);
        db_bind_text(ins, 12, why ? "suspended" : "payable", -1);
        db_bind_text(ins, 13, why, -1);
        db_bind_text(ins, 14, change, -1);
        db_bind_int(ins, 15, db_col_int(s, 6));
        db_bind_text(ins, 16, db_col_text(s, 7), -1);
        db_bind_text(ins, 17, db_col_text(s, 8), -1);
        db_bind_text(ins, 18, now, -1);
        if (uid) db_bind_int(ins, 19, uid); else db_bind_null(ins, 19);
        db_bind_text(ins, 20, now, -1);
        if (uid) db_bind_int(ins, 21, uid); else db_bind_null(ins, 21);
        int irc = db_step(ins);
        db_done(ins);
        if (irc != DB_DONE) { db_done(s); rc = irc < 0 ? irc : -1; goto done; }
        t->lines++;
        if (why) t->suspended++;
        else { t->payable++; t->total += amount; }
    }
    db_done(s);
    rc = step == DB_DONE ? 0 : -1;
done:
    json_decref(before);
    json_decref(proofs);
    return rc;
}

/* The cycle's row changed as `sql` says (its values bound after the time and the user), with an
 * audit entry of the difference; answers the cycle. */
static int cycle_changed(req *r, json_t *before, const char *summary) {
    int64_t id = json_integer_value(json_object_get(before, "id"));
    json_t *after = record_load(r, &res_allowance_cycles, id, 0);
    if (!after) return -1;
    json_t *diff = audit_diff(before, after);
    json_t *detail = json_pack("{s:o,s:s}", "diff", diff ? diff : json_object(), "step", summary);
    int rc = audit_log(r, "update", "allowance_cycles", id, json_string_value(json_object_get(after, "_org_path")),
                       json_string_value(json_object_get(after, "month")), detail);
    json_decref(detail);
    if (rc) { json_decref(after); return rc; }
    return resp_data(r, 200, record_public(after));
}

int allowance_cycle_run(req *r) {
    json_t *c = draft_cycle(r);
    if (!c) return 0;
    int64_t id = json_integer_value(json_object_get(c, "id"));
    const char *month = json_string_value(json_object_get(c, "month"));
    int64_t prev = 0;
    if (db_query_int(r->dbc, "SELECT coalesce(max(id), 0) FROM allowance_cycles WHERE org_id = ? AND status = 'approved' "
                             "AND deleted_at IS NULL AND month = (SELECT max(month) FROM allowance_cycles WHERE org_id = ? "
                             "AND status = 'approved' AND deleted_at IS NULL AND month < ?)",
                     &prev, "iis", (int64_t)json_integer_value(json_object_get(c, "org_id")),
                     (int64_t)json_integer_value(json_object_get(c, "org_id")), month) < 0) { json_decref(c); return -1; }
    struct tally t = {0};
    int rc = build_lines(r, id, json_string_value(json_object_get(c, "_org_path")), month, prev, &t);
    if (rc || r->status) { json_decref(c); return rc; }
    char now[32];
    now_utc_iso(now);
    db_stmt *s = db_prepare(r->dbc, "UPDATE allowance_cycles SET run_at = ?, run_by = ?, line_count = ?, payable_count = ?, "
                                    "suspended_count = ?, total_amount = ?, version = version + 1, updated_at = ?, updated_by = ? "
                                    "WHERE id = ?");
    if (!s) { json_decref(c); return -1; }
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, r->who->user_id);
    db_bind_int(s, 3, t.lines);
    db_bind_int(s, 4, t.payable);
    db_bind_int(s, 5, t.suspended);
    db_bind_int(s, 6, t.total);
    db_bind_text(s, 7, now, -1);
    db_bind_int(s, 8, r->who->user_id);
    db_bind_int(s, 9, id);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { json_decref(c); return rc < 0 ? rc : -1; }
    rc = cycle_changed(r, c, "run");
    json_decref(c);
    return rc;
}

int allowance_cycle_approve(req *r) {
    json_t *c = draft_cycle(r);
    if (!c) return 0;
    int rc = 0;
    json_t *run_by = json_object_get(c, "run_by");
    if (json_is_null(run_by) || !run_by) {
        rc = resp_error(r, 409, "cycle_not_run", "尚未生成发放名单，不能审核", "Make the list (run) before approving");
    } else if (json_integer_value(run_by) == r->who->user_id) {
        rc = resp_error(r, 409, "same_person", "审核人不能是生成名单的人", "The approver must be someone other than who made the list");
    } else {
        char now[32];
        now_utc_iso(now);
        db_stmt *s = db_prepare(r->dbc, "UPDATE allowance_cycles SET status = 'approved', approved_at = ?, approved_by = ?, "
                                        "version = version + 1, updated_at = ?, updated_by = ? WHERE id = ? AND status = 'draft'");
        if (!s) { json_decref(c); return -1; }
        db_bind_text(s, 1, now, -1);
        db_bind_int(s, 2, r->who->user_id);
        db_bind_text(s, 3, now, -1);
        db_bind_int(s, 4, r->who->user_id);
        db_bind_int(s, 5, json_integer_value(json_object_get(c, "id")));
        rc = db_step(s);
        db_done(s);
        rc = rc == DB_DONE ? cycle_changed(r, c, "approve") : rc < 0 ? rc : -1;
    }
    json_decref(c);
    return rc;
}
