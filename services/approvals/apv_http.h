/*
 * apv_http.h — the HTTP side of sluice-approvals (docs/approvals.md):
 *
 *   GET  /approvals/<id>[?link=<token>]   the approval page (or the sign-in page)
 *   POST /approvals/<id>                  a vote: a form (status, comment, csrf
 *                                         and link or the session cookie) or JSON
 *                                         ({"status", "summary", "link"}, with a
 *                                         link, HTTP Basic access key + secret, or
 *                                         the session cookie + X-Sluice-CSRF)
 *   POST /approvals/<id>/signin           sign in with an access key id and its
 *                                         secret (a form with the sign-in CSRF token)
 *
 * Who votes: the approver a signed link names, the identity of a session, or
 * the access key of HTTP Basic — identities of SLUICE_API_CREDENTIALS; the
 * vote carries that identity's groups and e-mail address. A POST whose Origin
 * is neither the public URL's nor the request's own host is refused, and
 * every form needs its CSRF token. Answers that concern no approval the
 * caller may see (unknown, tampered, expired) name none.
 *
 * Runs on the HTTP server's threads (each takes a Redis connection of the pool).
 */
#ifndef SLUICE_APV_HTTP_H
#define SLUICE_APV_HTTP_H

#include "apv_service.h"

#include "sluice/http_server.h"

#define APV_HTTP_BODY_MAX  65536 /* bytes of a request body */
#define APV_SESSION_COOKIE "sluice_approvals_session"
#define APV_PRESIGN_COOKIE "sluice_approvals_signin"
#define APV_CSRF_HEADER    "X-Sluice-CSRF"

/* Fills h with the streaming handler of the "/approvals/" prefix for service s. */
void apv_http_handler_init(http_stream_handler *h, apv_service *s);

#endif
