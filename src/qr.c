/* qr.c: the QR code printed for an elder's home (issue 5 point 5). A caregiver checks a visit in
 * and out by scanning it (service_order_visit.c); the code's text is a token: the elder's id and a
 * keyed BLAKE2b (crypto_lookup_hash, the server's key, 128 bits) over the id and the home's
 * location. Without the key no one can make a valid code for another elder, and moving an elder's
 * home invalidates the codes printed for the old one. libqrencode makes the matrix; the SVG is
 * drawn here (one path, a 4-module quiet zone, 60 mm wide for a printed card, the token's text under
 * it for typing in by hand). Only those who may
 * change the elder (elders.write in scope) print it: a caregiver who could fetch it could check in
 * from anywhere. */
#include "qr.h"
#include "crud_internal.h"
#include "crypto.h"
#include "elder.h"
#include "scope.h"
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_PREFIX "SQH1."

void qr_home_token(int64_t id, int64_t lat_e6, int64_t lng_e6, char out[QR_TOKEN_MAX]) {
    char msg[96];
    unsigned char mac[CRYPTO_HASH_BYTES];
    snprintf(msg, sizeof msg, "%lld:%lld:%lld", (long long)id, (long long)lat_e6, (long long)lng_e6);
    crypto_lookup_hash("elder_home_qr", msg, mac);
    char b64[sodium_base64_ENCODED_LEN(CRYPTO_HASH_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, QR_TOKEN_MAX, TOKEN_PREFIX "%lld.%s", (long long)id, b64);
}

int qr_home_token_check(req *r, const char *token, int64_t elder_id) {
    if (!token || strncmp(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0 || strlen(token) >= QR_TOKEN_MAX) return 0;
    char *end;
    long long id = strtoll(token + strlen(TOKEN_PREFIX), &end, 10);
    if (*end != '.' || id != elder_id) return 0;
    db_stmt *s = db_prepare(r->dbc, "SELECT home_lat_e6, home_lng_e6 FROM elders WHERE id = ? AND deleted_at IS NULL "
                                    "AND home_lat_e6 IS NOT NULL AND home_lng_e6 IS NOT NULL");
    if (!s) return -1;
    db_bind_int(s, 1, elder_id);
    int rc = db_step(s);
    if (rc != DB_ROW) { db_done(s); return rc == DB_DONE ? 0 : -1; }
    char want[QR_TOKEN_MAX];
    qr_home_token(elder_id, db_col_int(s, 0), db_col_int(s, 1), want);
    db_done(s);
    return strlen(want) == strlen(token) && crypto_equal(want, token);
}

int elder_home_qr(req *r) {
    int64_t id = req_param_id(r, 0);
    json_t *elder = record_load(r, &res_elders, id, 0);
    if (!elder || !scope_allows_record(r->who, "elders.write", "elders", elder)) {
        json_decref(elder);
        return resp_error(r, 404, "not_found", "记录不存在", "No such record");
    }
    json_t *lat = json_object_get(elder, "home_lat_e6"), *lng = json_object_get(elder, "home_lng_e6");
    if (!json_is_integer(lat) || !json_is_integer(lng)) {
        json_decref(elder);
        return resp_error(r, 409, "no_home_location", "该老人尚未登记住址位置（home_lat_e6、home_lng_e6），无法生成签到码",
                          "The elder has no home location (home_lat_e6, home_lng_e6) for a check-in code");
    }
    char token[QR_TOKEN_MAX];
    qr_home_token(id, json_integer_value(lat), json_integer_value(lng), token);
    json_decref(elder);
    QRcode *q = QRcode_encodeString(token, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) return resp_error(r, 500, "qr_failed", "签到码生成失败", "The QR code could not be made");
    /* under the code, its text: typed in by hand when a phone's camera cannot read the print */
    int n = q->width, quiet = 4, side = n + 2 * quiet, height = side + 4;
    sbuf b;
    sbuf_init(&b, &r->a);
    sbuf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"60mm\" "
                    "height=\"%dmm\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\"><title>居家养老服务签到码 / Home-care "
                    "check-in code %lld</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                60 * height / side, side, height, (long long)id, side, height);
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
            if (q->data[y * n + x] & 1) sbuf_printf(&b, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    sbuf_printf(&b, "\"/><text x=\"%d\" y=\"%d\" font-family=\"monospace\" font-size=\"2\" text-anchor=\"middle\" "
                    "textLength=\"%d\" lengthAdjust=\"spacingAndGlyphs\">%s</text></svg>\n", side / 2, side + 1, side - 4, token);
    QRcode_free(q);
    resp_header(r, "Cache-Control", "no-store");
    return resp_text(r, 200, "image/svg+xml; charset=utf-8", sbuf_str(&b), b.len);
}
