/*
 * http_server.h — Sluice's HTTP server: libmicrohttpd behind exact-match routing.
 *
 * Routes map (method, exact path) to a handler. The server reads the whole
 * request body into a bounded buffer before calling the handler once with an
 * http_request and an http_response to fill; it answers on its own
 *   404 when no route has the path, 405 (with Allow) when the path exists
 *       for other methods,
 *   413 when the body exceeds max_body (checked against Content-Length before
 *       reading, and while reading a chunked body — the excess is discarded
 *       and the connection keeps being served),
 *   431 when the request has more than max_headers headers or more than
 *       max_header_bytes of header names and values,
 *   500 when the handler left the status unset,
 * with a JSON body {"code": ..., "message": ...} unless the configuration
 * supplies error_fn to shape those bodies (the api answers in AWS's form).
 *
 * Threads: libmicrohttpd's internal epoll thread plus a pool of `threads`
 * workers; handlers run on the pool, concurrently, so they must be
 * thread-safe, and a handler is never interrupted: a slow one holds its pool
 * thread (and its connection's other requests) until it returns. Routes are registered before
 * http_server_start and never change afterwards. Connections are bounded (connection_limit), idle
 * ones closed after connection_timeout_s, and each one's header and buffer memory bounded by
 * connection_memory_limit. Response bodies are handed to libmicrohttpd without a copy
 * (MHD_RESPMEM_MUST_FREE).
 *
 * Optionally the server counts every request in a metrics registry:
 *   sluice_http_requests_total{route,method,status} (route is the matched path,
 *   or "unmatched") and sluice_http_request_duration_seconds{route}.
 */
#ifndef SLUICE_HTTP_SERVER_H
#define SLUICE_HTTP_SERVER_H

#include "sluice/http_message.h"
#include "sluice/http_metrics.h"

#include <stddef.h>
#include <stdint.h>

#define HTTP_SERVER_MAX_ROUTES 64
#define HTTP_SERVER_PATH_MAX   256 /* bytes of a route path */

typedef struct http_server http_server;

/*
 * Answers one request. req and everything it points to are borrowed for the
 * call; resp is initialised (status 0, body bounded by max_response_body)
 * and owned by the server. Runs on a pool thread.
 */
typedef void (*http_handler_fn)(const http_request *req, http_response *resp, void *ctx);

/*
 * Shapes the body of a response the server produces itself (404, 405, 413,
 * 431, 500). code is a short CamelCase name ("NotFound", "MethodNotAllowed",
 * "RequestEntityTooLarge", "RequestHeaderFieldsTooLarge", "InternalError");
 * message is human text. Must set a body on resp (the status is forced to
 * `status` afterwards). Runs on a pool thread.
 */
typedef void (*http_error_fn)(int status, const char *code, const char *message,
                              http_response *resp, void *ctx);

typedef struct http_server_config {
    const char *bind_address;       /* numeric IPv4 or IPv6 address; NULL or "" = "0.0.0.0" */
    uint16_t port;                  /* 0 = an ephemeral port (see http_server_port) */
    unsigned threads;               /* worker pool size, 1..16 */
    unsigned connection_limit;      /* concurrent connections, >= 1 */
    unsigned connection_timeout_s;  /* idle connection timeout, >= 1 */
    size_t connection_memory_limit; /* per-connection header/buffer memory, >= 8 KiB */
    size_t max_body;                /* request body bound in bytes */
    size_t max_headers;             /* header count bound, >= 1 */
    size_t max_header_bytes;        /* bound on the sum of header name and value lengths */
    size_t max_response_body;       /* bound on a handler's response body */
    http_metrics *metrics;          /* optional, borrowed; must outlive the server */
    http_error_fn error_fn;         /* optional */
    void *error_ctx;
} http_server_config;

/*
 * Fills config with the defaults: 0.0.0.0, port 0, 2 threads, 256
 * connections, 30 s timeout, 64 KiB connection memory, 1 MiB body, 64
 * headers, 16 KiB of headers, 16 MiB responses, no metrics, no error_fn.
 */
void http_server_config_defaults(http_server_config *config);

/*
 * Creates a stopped server (config is copied, bind_address included; metrics
 * and error_ctx stay borrowed). NULL on invalid configuration or out of
 * memory, with the reason in err.
 */
http_server *http_server_new(const http_server_config *config, char *err, size_t errlen);

/*
 * Routes method + exact path (both copied; path starts with '/') to handler
 * with ctx (borrowed; must outlive the server). Only before
 * http_server_start. 0, or SLUICE_EINVAL (bad arguments, duplicate route),
 * SLUICE_ESTATE (already started), SLUICE_ETOOBIG (HTTP_SERVER_MAX_ROUTES);
 * the routes are unchanged on failure.
 */
int http_server_route(http_server *server, const char *method, const char *path,
                      http_handler_fn handler, void *ctx);

/*
 * Binds and starts serving. 0, or SLUICE_EIO (bind/listen/thread failure,
 * detail in err), SLUICE_ESTATE (already started), SLUICE_ENOMEM.
 */
int http_server_start(http_server *server, char *err, size_t errlen);

/* The bound port (the ephemeral one when configured with 0), or 0 when not running. */
uint16_t http_server_port(const http_server *server);

/*
 * Stops accepting, closes every connection and joins the threads; a handler
 * already running finishes first. Idempotent. Not from a handler.
 */
void http_server_stop(http_server *server);

/* Stops the server if needed and frees it. Accepts NULL. */
void http_server_free(http_server *server);

#endif
