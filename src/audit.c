/* audit.c: see audit.h. hash = SHA-256 over the previous hash and every column of the entry in a
 * fixed order; the newest hash is also kept in settings('audit_head') so that removing the last
 * entries is detected too. Sensitive values never enter the log: diffs carry masked forms.
 * Appends are serialised across servers by a lock held to commit (db_lock). */
#include "audit.h"
#include "crypto.h"
#include "log.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

static void entry_hash(const char *prev, int64_t id, const char *at, int64_t user_id, const char *username,
                       const char *ip, const char *action, const char *resource, int64_t record_id,
                       const char *org_path, const char *summary, const char *detail, char out[65]) {
    /* fields joined by \x1f (unit separator), absent ones as \x1e, so no two entries collide */
    char head[256];
    int n = snprintf(head, sizeof head, "%s\x1f%" PRId64 "\x1f%s\x1f%" PRId64 "\x1f", prev, id, at, user_id);
    size_t total = (size_t)n;
    const char *parts[] = {username, ip, action, resource, NULL, org_path, summary, detail};
    char recid[32];
    snprintf(recid, sizeof recid, "%" PRId64, record_id);
    parts[4] = recid;
    for (int i = 0; i < 8; i++) total += (parts[i] ? strlen(parts[i]) : 1) + 1;
    char stackbuf[4096];
    char *buf = total < sizeof stackbuf ? stackbuf : malloc(total + 1);
    if (!buf) { memset(out, '0', 64); out[64] = 0; return; }
    memcpy(buf, head, (size_t)n);
    size_t off = (size_t)n;
    for (int i = 0; i < 8; i++) {
        if (parts[i]) { size_t l = strlen(parts[i]); memcpy(buf + off, parts[i], l); off += l; }
        else buf[off++] = '\x1e';
        buf[off++] = '\x1f';
    }
    crypto_sha256_hex(buf, off, out);
    if (buf != stackbuf) free(buf);
}

int audit_log_as(db_conn *c, int64_t user_id, const char *username, const char *ip, const char *action,
                 const char *resource, int64_t record_id, const char *org_path, const char *summary, json_t *detail) {
    int rc = db_begin_write(c);
    if (rc) return rc;
    /* The head is read, then the entry after it written: two writers (two servers on one
     * PostgreSQL) must take turns from the read to their commit, or both would follow the same
     * head. Held until the request's transaction ends; SQLite's writer lock already does this. */
    if ((rc = db_lock(c, "shequ.audit_log"))) { db_rollback(c); return rc; }
    char prev[65] = GENESIS, at[32], hash[65];
    int64_t last_id = 0;
    db_stmt *s = db_prepare(c, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
    if (!s) goto fail;
    if (db_step(s) == DB_ROW) {
        last_id = db_col_int(s, 0);
        snprintf(prev, sizeof prev, "%s", db_col_text(s, 1));
    }
    db_done(s);
    now_utc_iso(at);
    char *detail_s = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    const char *path = org_path ? org_path : "/";
    int64_t id = last_id + 1;
    entry_hash(prev, id, at, user_id, username, ip, action, resource, record_id, path, summary, detail_s, hash);
    s = db_prepare(c,
        "INSERT INTO audit_log (id, at, user_id, username, ip, action, resource, record_id, org_path, summary, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) { free(detail_s); goto fail; }
    db_bind_int(s, 1, id);
    db_bind_text(s, 2, at, -1);
    if (user_id) db_bind_int(s, 3, user_id); else db_bind_null(s, 3);
    db_bind_text(s, 4, username, -1);
    db_bind_text(s, 5, ip, -1);
    db_bind_text(s, 6, action, -1);
    db_bind_text(s, 7, resource, -1);
    if (record_id) db_bind_int(s, 8, record_id); else db_bind_null(s, 8);
    db_bind_text(s, 9, path, -1);
    db_bind_text(s, 10, summary, -1);
    db_bind_text(s, 11, detail_s, -1);
    db_bind_text(s, 12, prev, -1);
    db_bind_text(s, 13, hash, -1);
    rc = db_step(s);
    db_done(s);
    free(detail_s);
    if (rc != DB_DONE) goto fail;
    s = db_prepare(c, "INSERT INTO settings (key, value) VALUES ('audit_head', ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!s) goto fail;
    db_bind_text(s, 1, hash, -1);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) goto fail;
    return db_commit(c);
fail:
    db_rollback(c);
    return db_errcode(c) ? db_errcode(c) : -1;
}

int audit_log(req *r, const char *action, const char *resource, int64_t record_id, const char *org_path,
              const char *summary, json_t *detail) {
    return audit_log_as(r->dbc, r->who ? r->who->user_id : 0, r->who ? r->who->username : NULL, r->client_ip,
                        action, resource, record_id, org_path, summary, detail);
}

json_t *audit_diff(json_t *before, json_t *after) {
    json_t *d = json_object();
    const char *k;
    json_t *v;
    if (after)
        json_object_foreach(after, k, v) {
            json_t *old = before ? json_object_get(before, k) : NULL;
            if (!old) old = json_null();
            if (!json_equal(old, v)) json_object_set_new(d, k, json_pack("[OO]", old, v));
        }
    if (before && !after)
        json_object_foreach(before, k, v) json_object_set_new(d, k, json_pack("[Oo]", v, json_null()));
    if (json_object_size(d) == 0) { json_decref(d); return NULL; }
    return d;
}

int64_t audit_verify(db_conn *c, int64_t *checked, char *reason, size_t reasonsz) {
    char prev[65] = GENESIS, calc[65];
    int64_t expect_id = 1, n = 0, bad = 0;
    db_stmt *s = db_prepare(c,
        "SELECT id, at, user_id, username, ip, action, resource, record_id, org_path, summary, detail, prev_hash, hash "
        "FROM audit_log ORDER BY id");
    if (!s) return -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_col_int(s, 0);
        if (id != expect_id) {
            bad = expect_id; snprintf(reason, reasonsz, "entry %" PRId64 " is missing (deleted)", expect_id); break;
        }
        if (strcmp(prev, db_col_text(s, 11)) != 0) {
            bad = id; snprintf(reason, reasonsz, "entry %" PRId64 " does not follow the previous entry", id); break;
        }
        entry_hash(prev, id, db_col_text(s, 1), db_col_int(s, 2), db_col_text(s, 3), db_col_text(s, 4),
                   db_col_text(s, 5), db_col_text(s, 6), db_col_int(s, 7), db_col_text(s, 8), db_col_text(s, 9),
                   db_col_text(s, 10), calc);
        if (strcmp(calc, db_col_text(s, 12)) != 0) {
            bad = id; snprintf(reason, reasonsz, "entry %" PRId64 " was altered (hash mismatch)", id); break;
        }
        snprintf(prev, sizeof prev, "%s", calc);
        expect_id++;
        n++;
    }
    db_done(s);
    if (rc < 0) return -1;
    if (!bad) {
        db_stmt *h = db_prepare(c, "SELECT value FROM settings WHERE key = 'audit_head'");
        if (!h) return -1;
        const char *head = db_step(h) == DB_ROW ? db_col_text(h, 0) : NULL;
        if (n > 0 && (!head || strcmp(head, prev) != 0)) {
            bad = expect_id;
            snprintf(reason, reasonsz, "the newest entries after %" PRId64 " were removed", n);
        }
        db_done(h);
    }
    *checked = n;
    return bad;
}
