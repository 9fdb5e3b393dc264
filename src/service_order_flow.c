/* service_order_flow.c: how a service order moves (issue 5, point 5). One declarative table says
 * every allowed move: from which state to which, the permissions any of which allows it (held with
 * a scope covering the order: a caregiver only their own orders, a provider only its own), and what
 * the move needs (a reason, a caregiver, the follow-up call's rating and result). The flow:
 *
 *   待受理 pending -> 已受理 accepted -> 已派单 dispatched -> 已接单 taken -> 服务中 in_service
 *     -> 已完成 completed -> 已回访 followed_up -> 已结算 settled
 *   已取消 cancelled from any state before the service starts; 已拒单 rejected by the caregiver
 *   goes back to dispatch; 异常 exception from dispatch to service, resolved back to accepted.
 *
 * POST /api/v1/service_orders/{id}/transitions {"to": ..., ...} with If-Match: the order's version.
 * The UPDATE names the version and the state it read, so of two concurrent moves exactly one
 * changes the row and the other answers 412. Every move appends to service_order_events and the
 * audit log in the same transaction. */
#include "service_order.h"
#include "audit.h"
#include "crud_internal.h"
#include "dict.h"
#include "scope.h"
#include <stdio.h>
#include <string.h>

#define INTAKE "service_orders.intake"
#define DISPATCH "service_orders.dispatch"
#define SERVE "service_orders.serve"
#define FOLLOW_UP "service_orders.follow_up"
#define SETTLE "service_orders.settle"

enum {
    NEED_REASON = 1 << 0,       /* "reason": why (cancel, reject, exception) */
    NEED_CAREGIVER = 1 << 1,    /* "caregiver_id": whom to dispatch to */
    NEED_FOLLOW_UP = 1 << 2,    /* "rating" 1-5 and "follow_up_result": the call back */
    MAY_PROVIDER = 1 << 3,      /* "provider_id" may name the provider on acceptance */
    CLEARS_CAREGIVER = 1 << 4,  /* the caregiver leaves the order (rejected, back to dispatch) */
    PLANNED = 1 << 5,           /* an order a care plan makes takes this move at once (care_plan.c) */
};

static const struct transition {
    const char *from, *to;
    const char *perms;          /* space-separated: any one, with a scope covering the order */
    unsigned needs;
} flow[] = {
    {"pending", "accepted", INTAKE, MAY_PROVIDER | PLANNED},
    {"pending", "cancelled", INTAKE, NEED_REASON},
    {"accepted", "dispatched", DISPATCH, NEED_CAREGIVER | PLANNED},
    {"accepted", "cancelled", INTAKE, NEED_REASON},
    {"rejected", "dispatched", DISPATCH, NEED_CAREGIVER},
    {"rejected", "cancelled", INTAKE, NEED_REASON},
    {"dispatched", "taken", SERVE, 0},
    {"dispatched", "rejected", SERVE, NEED_REASON | CLEARS_CAREGIVER},
    {"dispatched", "cancelled", INTAKE, NEED_REASON},
    {"dispatched", "exception", SERVE " " DISPATCH " " INTAKE, NEED_REASON},
    {"taken", "in_service", SERVE, 0},
    {"taken", "cancelled", INTAKE, NEED_REASON},
    {"taken", "exception", SERVE " " DISPATCH " " INTAKE, NEED_REASON},
    {"in_service", "completed", SERVE, 0},
    {"in_service", "exception", SERVE " " DISPATCH " " INTAKE, NEED_REASON},
    {"completed", "followed_up", FOLLOW_UP, NEED_FOLLOW_UP},
    {"followed_up", "settled", SETTLE, 0},
    {"exception", "accepted", INTAKE " " DISPATCH, NEED_REASON | CLEARS_CAREGIVER},
    {"exception", "cancelled", INTAKE, NEED_REASON},
};
#define NFLOW (sizeof flow / sizeof flow[0])

/* Whether the caller holds one of t's permissions with a scope covering the order. */
static int may_move(req *r, const struct transition *t, json_t *order) {
    char perms[160];
    snprintf(perms, sizeof perms, "%s", t->perms);
    char *save = NULL;
    for (char *p = strtok_r(perms, " ", &save); p; p = strtok_r(NULL, " ", &save))
        if (scope_allows_record(r->who, p, "service_orders", order)) return 1;
    return 0;
}

static int holds_any_flow_perm(req *r) {
    static const char *const all[] = {INTAKE, DISPATCH, SERVE, FOLLOW_UP, SETTLE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) if (principal_can(r->who, all[i])) return 1;
    return 0;
}

const char *order_planned_next(const char *from, int with_caregiver) {
    for (size_t i = 0; from && i < NFLOW; i++)
        if ((flow[i].needs & PLANNED) && !strcmp(flow[i].from, from) && (with_caregiver || !(flow[i].needs & NEED_CAREGIVER)))
            return flow[i].to;
    return NULL;
}

json_t *order_next_states(req *r, json_t *order) {
    json_t *out = json_array();
    const char *st = json_string_value(json_object_get(order, "status"));
    for (size_t i = 0; st && i < NFLOW; i++)
        if (!strcmp(flow[i].from, st) && may_move(r, &flow[i], order)) json_array_append_new(out, json_string(flow[i].to));
    return out;
}

/* A 422 naming one field. */
static int bad_field(req *r, const char *field, const char *code, const char *zh, const char *en) {
    return resp_error_fields(r, 422, "validation_failed", zh, en, json_pack("{s:s}", field, r->lang_en ? en : zh),
                             json_pack("{s:s}", field, code));
}

/* The caregiver to dispatch to: one the caller reaches (caregivers.read scope), on duty, working
 * for the order's provider when it has one. 1 with *provider set, 0 after answering 422, <0. */
static int check_caregiver(req *r, int64_t cid, int64_t order_provider, int64_t *provider) {
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, "SELECT t.provider_id, t.status, (SELECT p.status FROM providers p WHERE p.id = t.provider_id) FROM caregivers t "
                 "WHERE t.deleted_at IS NULL AND t.id = ");
    sqlb_val(&q, sv_int(cid));
    scope_restrict_table(&q, r->who, "caregivers.read", "caregivers", "t");
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) return -1;
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_done(s);
        if (rc < 0) return rc;
        bad_field(r, "caregiver_id", "unknown_reference", "引用的养老护理员不存在", "No such caregiver");
        return 0;
    }
    *provider = db_col_int(s, 0);
    int on_duty = db_col_text(s, 1) && !strcmp(db_col_text(s, 1), "on_duty");
    int active = db_col_text(s, 2) && !strcmp(db_col_text(s, 2), "active");
    db_done(s);
    if (!on_duty) { bad_field(r, "caregiver_id", "caregiver_not_on_duty", "该护理员不在岗", "The caregiver is not on duty"); return 0; }
    if (!active) { bad_field(r, "caregiver_id", "provider_not_active", "该护理员所属机构不在合作中", "The caregiver's provider is not taking orders"); return 0; }
    if (order_provider > 0 && order_provider != *provider) {
        bad_field(r, "caregiver_id", "other_provider", "该护理员不属于承接此工单的服务机构",
                  "The caregiver does not work for the order's provider");
        return 0;
    }
    return 1;
}

/* Text of 1-500 characters after trimming, or NULL after answering 422. */
static const char *need_text(req *r, json_t *in, const char *field, const char *zh, const char *en) {
    json_t *v = json_object_get(in, field);
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    while (s && *s == ' ') s++;
    if (!s || !*s || strlen(s) > 1500) { bad_field(r, field, "required", zh, en); return NULL; }
    return s;
}

int order_move(req *r, json_t *order, int64_t ver, json_t *in) {
    int64_t id = json_integer_value(json_object_get(order, "id"));
    int rc = 0;
    const char *to = json_string_value(json_object_get(in, "to"));
    if (!to || dict_check(r->dbc, "order_status", to) != 1) {
        rc = bad_field(r, "to", "invalid_state", "目标状态不正确", "Not a state of an order");
        goto out;
    }
    const char *from = json_string_value(json_object_get(order, "status"));
    const struct transition *t = NULL;
    for (size_t i = 0; i < NFLOW && !t; i++)
        if (!strcmp(flow[i].from, from) && !strcmp(flow[i].to, to)) t = &flow[i];
    if (!t) {
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "工单不能从“%s”变为“%s”", dict_label(r->dbc, "order_status", from, 0, &r->a),
                 dict_label(r->dbc, "order_status", to, 0, &r->a));
        snprintf(en, sizeof en, "An order cannot go from %s to %s", from, to);
        rc = resp_error_fields(r, 409, "invalid_transition", zh, en, NULL, NULL);
        goto out;
    }
    if (!may_move(r, t, order)) {
        rc = resp_error(r, 403, "transition_forbidden", "没有权限进行此项工单状态变更", "Not permitted to make this move");
        goto out;
    }

    /* what the move needs */
    const char *reason = NULL, *result = NULL;
    int64_t caregiver = 0, provider = json_integer_value(json_object_get(order, "provider_id")), rating = 0;
    json_t *jr = json_object_get(in, "reason");
    if (t->needs & NEED_REASON) {
        if (!(reason = need_text(r, in, "reason", "请填写原因", "A reason is required"))) goto out;
    } else if (jr && !json_is_null(jr)) {
        if (!(reason = need_text(r, in, "reason", "原因应为文本", "reason must be text"))) goto out;
    }
    if (t->needs & NEED_CAREGIVER) {
        json_t *c = json_object_get(in, "caregiver_id");
        if (!json_is_integer(c)) { rc = bad_field(r, "caregiver_id", "required", "请选择派单的护理员", "Choose the caregiver to dispatch to"); goto out; }
        caregiver = json_integer_value(c);
        int ok = check_caregiver(r, caregiver, provider, &provider);
        if (ok <= 0) { rc = ok; goto out; }
    } else if (json_object_get(in, "caregiver_id")) {
        rc = bad_field(r, "caregiver_id", "not_allowed", "此项变更不指定护理员", "This move takes no caregiver");
        goto out;
    }
    json_t *jp = json_object_get(in, "provider_id");
    if (jp && !json_is_null(jp)) {
        if (!(t->needs & MAY_PROVIDER)) { rc = bad_field(r, "provider_id", "not_allowed", "此项变更不指定服务机构", "This move takes no provider"); goto out; }
        if (!json_is_integer(jp)) { rc = bad_field(r, "provider_id", "wrong_type", "服务机构编号应为整数", "provider_id must be an integer"); goto out; }
        int64_t n = 0;
        if (db_query_int(r->dbc, "SELECT count(*) FROM providers WHERE id = ? AND deleted_at IS NULL", &n, "i",
                         (int64_t)json_integer_value(jp)) < 0) { rc = -1; goto out; }
        if (!n) { rc = bad_field(r, "provider_id", "unknown_reference", "引用的服务机构不存在", "No such care provider"); goto out; }
        if (db_query_int(r->dbc, "SELECT count(*) FROM providers WHERE id = ? AND status = 'active' AND deleted_at IS NULL", &n, "i",
                         (int64_t)json_integer_value(jp)) < 0) { rc = -1; goto out; }
        if (!n) { rc = bad_field(r, "provider_id", "provider_not_active", "该服务机构不在合作中，不能派单", "The provider is not taking orders"); goto out; }
        provider = json_integer_value(jp);
    }
    if (t->needs & NEED_FOLLOW_UP) {
        json_t *jrate = json_object_get(in, "rating");
        if (!json_is_integer(jrate) || json_integer_value(jrate) < 1 || json_integer_value(jrate) > 5) {
            rc = bad_field(r, "rating", "out_of_range", "满意度评分应为 1 到 5 的整数", "rating must be an integer from 1 to 5");
            goto out;
        }
        rating = json_integer_value(jrate);
        if (!(result = need_text(r, in, "follow_up_result", "请填写回访结果", "The follow-up call's result is required"))) goto out;
    } else if (json_object_get(in, "rating") || json_object_get(in, "follow_up_result")) {
        rc = bad_field(r, json_object_get(in, "rating") ? "rating" : "follow_up_result", "not_allowed", "评分和回访结果在回访时填写",
                       "Rating and follow-up result belong to the follow-up call");
        goto out;
    }

    /* the move: only if nobody moved the order since it was read */
    int64_t old_caregiver = json_integer_value(json_object_get(order, "caregiver_id"));
    char now[32];
    now_utc_iso(now);
    sqlb q;
    sqlb_init(&q, &r->a);
    sqlb_sql(&q, "UPDATE service_orders SET status = ");
    sqlb_val(&q, sv_text(to));
    if (t->needs & NEED_CAREGIVER) { sqlb_sql(&q, ", caregiver_id = "); sqlb_val(&q, sv_int(caregiver)); }
    if (t->needs & CLEARS_CAREGIVER) sqlb_sql(&q, ", caregiver_id = NULL");
    if (provider > 0) { sqlb_sql(&q, ", provider_id = "); sqlb_val(&q, sv_int(provider)); }
    if (t->needs & NEED_FOLLOW_UP) {
        sqlb_sql(&q, ", rating = ");
        sqlb_val(&q, sv_int(rating));
        sqlb_sql(&q, ", follow_up_result = ");
        sqlb_val(&q, sv_text(result));
    }
    sqlb_sql(&q, ", version = version + 1, updated_at = ");
    sqlb_val(&q, sv_text(arena_strdup(&r->a, now)));
    sqlb_sql(&q, ", updated_by = ");
    sqlb_val(&q, sv_int(r->who->user_id));
    sqlb_sql(&q, " WHERE id = ");
    sqlb_val(&q, sv_int(id));
    sqlb_sql(&q, " AND version = ");
    sqlb_val(&q, sv_int(ver));
    sqlb_sql(&q, " AND status = ");
    sqlb_val(&q, sv_text(from));
    sqlb_sql(&q, " AND deleted_at IS NULL");
    db_stmt *s = sqlb_prepare(&q, r->dbc);
    if (!s) { rc = -1; goto out; }
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { rc = rc < 0 ? rc : -1; goto out; }
    rc = 0;
    if (db_changes(r->dbc) == 0) {
        rc = resp_error(r, 412, "stale_version", "工单已被他人变更，请刷新后重试", "The order was changed by someone else; reload and try again");
        goto out;
    }
    const char *path = json_string_value(json_object_get(order, "_org_path"));
    int64_t org = json_integer_value(json_object_get(order, "_org_id"));
    char district[16] = "";
    {
        db_stmt *d = db_prepare(r->dbc, "SELECT district_code FROM service_orders WHERE id = ?");
        if (!d) { rc = -1; goto out; }
        db_bind_int(d, 1, id);
        if (db_step(d) == DB_ROW && db_col_text(d, 0)) snprintf(district, sizeof district, "%s", db_col_text(d, 0));
        db_done(d);
    }
    int64_t ev_caregiver = (t->needs & NEED_CAREGIVER) ? caregiver : (t->needs & CLEARS_CAREGIVER) ? old_caregiver : 0;
    if ((rc = order_event_add(r, id, from, to, reason, ev_caregiver, org, path, *district ? district : NULL))) goto out;
    json_t *detail = json_pack("{s:s,s:s}", "from", from, "to", to);
    if (reason) json_object_set_new(detail, "reason", json_string(reason));
    if (ev_caregiver) json_object_set_new(detail, "caregiver_id", json_integer(ev_caregiver));
    if (provider > 0) json_object_set_new(detail, "provider_id", json_integer(provider));
    if (rating) json_object_set_new(detail, "rating", json_integer(rating));
    rc = audit_log(r, "transition", "service_orders", id, path, dict_label(r->dbc, "order_status", to, 0, &r->a), detail);
    json_decref(detail);
out:
    return rc;
}

int service_order_transition(req *r) {
    if (!holds_any_flow_perm(r)) return resp_error(r, 403, "forbidden", "没有权限变更工单状态", "Not permitted to move orders");
    int64_t id = req_param_id(r, 0);
    json_t *order = record_load(r, &res_service_orders, id, 0);
    if (!order) return resp_error(r, 404, "not_found", "记录不存在", "No such record");
    int rc = 0;
    json_t *in = req_json(r);
    if (!in) goto out;
    if (!json_is_object(in)) { rc = resp_error(r, 422, "validation_failed", "请求体应为对象", "The body must be an object"); goto out; }
    static const char *const known[] = {"to", "reason", "caregiver_id", "provider_id", "rating", "follow_up_result"};
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v) {
        int ok = 0;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) if (!strcmp(k, known[i])) ok = 1;
        if (!ok) { rc = bad_field(r, k, "unknown_field", "不认识的字段", "Unknown field"); goto out; }
    }
    /* the version first: a caller who read an older order learns that before anything else, so
     * of two concurrent moves the later one is 412 whatever it asked for */
    int64_t ver = if_match_version(r);
    if (ver == 0) { rc = resp_error(r, 428, "precondition_required", "变更工单须带 If-Match 请求头（工单版本号）", "Send If-Match with the order's version"); goto out; }
    if (ver < 0) { rc = resp_error(r, 400, "bad_if_match", "If-Match 格式不正确", "Malformed If-Match header"); goto out; }
    if (ver != json_integer_value(json_object_get(order, "version"))) {
        rc = resp_error(r, 412, "stale_version", "工单已被他人变更，请刷新后重试", "The order was changed by someone else; reload and try again");
        goto out;
    }
    if ((rc = order_move(r, order, ver, in)) || r->status >= 400) goto out;
    /* the answer is the order as it is now; a caregiver who rejected it no longer sees it */
    json_t *now_rec = record_load(r, &res_service_orders, id, 0);
    if (now_rec) {
        json_object_set_new(now_rec, "next_states", order_next_states(r, now_rec));
        resp_header(r, "ETag", arena_printf(&r->a, "\"%lld\"", (long long)json_integer_value(json_object_get(now_rec, "version"))));
        rc = resp_data(r, 200, record_public(now_rec));
    } else {
        rc = resp_data(r, 200, json_pack("{s:I,s:O,s:I}", "id", (json_int_t)id, "status", json_object_get(in, "to"), "version",
                                         (json_int_t)(ver + 1)));
    }
out:
    json_decref(order);
    return rc;
}
