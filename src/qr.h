/* qr.h: the QR code printed for an elder's home (qr.c). Its text is a token naming the elder and
 * signed with the server's key over the elder's id and home location, so that a code can be
 * neither guessed nor forged, and a code printed before the elder moved no longer checks in. */
#ifndef SHEQU_QR_H
#define SHEQU_QR_H
#include "http.h"
#include <stdint.h>

#define QR_TOKEN_MAX 64

/* The token of elder `id` living at (lat_e6, lng_e6): "SQH1.<id>.<22 base64url characters>". */
void qr_home_token(int64_t id, int64_t lat_e6, int64_t lng_e6, char out[QR_TOKEN_MAX]);
/* Whether `token` is the current code of elder `elder_id`'s home: 1 yes, 0 no, <0 storage error. */
int qr_home_token_check(req *r, const char *token, int64_t elder_id);

/* GET /api/v1/elders/{id}/qr.svg: the code, as SVG sized for printing (60 mm square). */
int elder_home_qr(req *r);

#endif
