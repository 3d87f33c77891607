/*
 * con_http.h — the HTTP side of sluice-console (docs/console.md):
 *
 *   GET  /console/                     the page (static/index.html)
 *   GET  /console/static/<file>        the page's modules and style
 *   GET  /console/api/session          who is signed in: identity, role, CSRF
 *                                      token, the buttons of the role (401 if nobody)
 *   POST /console/api/signin           {"accessKeyId", "secretAccessKey"}: a session
 *   POST /console/api/signout          ends the session (deleted in Redis)
 *   POST /console/api/call?op=<Op>     one call of the api as the signed-in person
 *                                      (the body is the operation's JSON input)
 *   GET  /console/events[?pipeline=P]  live updates as Server-Sent Events
 *
 * Every POST must come from the console's origin and, but for the sign-in,
 * carry the session's CSRF token in X-Sluice-CSRF. The session cookie is
 * HttpOnly, SameSite=Strict, Path=/console/ (and Secure over https). Every
 * answer carries a Content-Security-Policy that allows only the console's own
 * scripts, styles and connections.
 *
 * Runs on the HTTP server's threads (each takes a Redis connection of the pool).
 */
#ifndef SLUICE_CON_HTTP_H
#define SLUICE_CON_HTTP_H

#include "con_service.h"

#include "sluice/http_server.h"

#define CON_HTTP_BODY_MAX  65536 /* bytes of a request body */
#define CON_SESSION_COOKIE "sluice_console_session"
#define CON_CSRF_HEADER    "X-Sluice-CSRF"
#define CON_HTTP_CSP                                                                               \
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "                \
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/* Registers every route of the console on server for service s. 0 or the server's code. */
int con_http_routes(http_server *server, con_service *s);

/* The hub's wake function: http_body_stream_wake. */
void con_http_wake(void *waker);

#endif
