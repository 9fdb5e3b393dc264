/* api.h: handlers that are not generic record operations. */
#ifndef SHEQU_API_H
#define SHEQU_API_H
#include "http.h"

int api_health(req *r);
int api_login(req *r);
int api_logout(req *r);
int api_me(req *r);
int api_change_password(req *r);
int api_create_token(req *r);
int api_meta(req *r);
int api_meta_routes(req *r);
int api_openapi(req *r);
int api_audit_list(req *r);
int api_audit_export_csv(req *r);
int api_audit_export_xlsx(req *r);

extern int cookie_secure;        /* add Secure to the session cookie (behind HTTPS) */

#endif
