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
 * Streaming routes (http_server_route_prefix) are for bodies of any size: a
 * request whose path starts with the prefix and that no exact route takes (for
 * its method) goes to an http_stream_handler that sees the headers first, then
 * each chunk of body as libmicrohttpd reads it (at most the connection memory
 * at a time), then the end; nothing is buffered by the server, and max_body
 * does not apply. Its response may stream a file range (http_response_set_file,
 * sent with MHD_create_response_from_fd_at_offset64), so neither direction
 * holds more than a connection's buffer of the body in memory.
 *
 * A response body may also be produced while it is sent
 * (http_response_set_stream, for Server-Sent Events): the connection is parked
 * — suspended, holding no thread — while the producer has nothing, and
 * resumed by http_body_stream_wake; http_server_stop ends every such body.
 *
 * Optionally the server counts every request in a metrics registry:
 *   sluice_http_requests_total{route,method,status} (route is the matched path,
 *   or "unmatched") and sluice_http_request_duration_seconds{route}.
 */
#ifndef SLUICE_HTTP_SERVER_H
#define SLUICE_HTTP_SERVER_H

#include "sluice/http_message.h"
#include "sluice/http_metrics.h"

#include <stdbool.h>
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

/*
 * A streaming route's callbacks; all run on the pool thread serving the
 * connection, one request at a time per connection.
 *   begin: the headers are in (req->body is "", body_len 0). Either answers
 *          at once by setting resp->status (the body, if any, is then not
 *          read; libmicrohttpd closes the connection after the response when
 *          a body was pending) or leaves resp unset to take the body; *stream
 *          is the handler's per-request state (may stay NULL).
 *   data:  a chunk of body (len > 0). 0 to go on; negative to refuse the rest,
 *          which the server then reads and drops until end.
 *   end:   the whole body is in (not called after begin answered); must fill
 *          resp. req is the same view as in begin.
 *   done:  called exactly once for every begin, when the request is over
 *          however it ended: completed is true only when the response was sent
 *          in full. Frees *stream. May be NULL.
 */
typedef struct http_stream_handler {
    void (*begin)(const http_request *req, http_response *resp, void **stream, void *ctx);
    int (*data)(void *stream, const char *bytes, size_t len, void *ctx);
    void (*end)(void *stream, const http_request *req, http_response *resp, void *ctx);
    void (*done)(void *stream, bool completed, void *ctx);
    void *ctx; /* borrowed; must outlive the server */
} http_stream_handler;

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
 * Routes what every service serves: GET /healthz to health with ctx (borrowed)
 * and GET /metrics to metrics' Prometheus text (http_metrics_handler; metrics
 * borrowed, must outlive the server). 0, or as http_server_route (a
 * failure can leave /healthz routed).
 */
int http_server_route_health(http_server *server, http_handler_fn health, void *ctx,
                             http_metrics *metrics);

/*
 * Routes every method on paths starting with prefix (copied; starts with '/')
 * to the streaming handler (copied; its ctx borrowed), after the exact routes:
 * an exact route with the request's method wins. The longest matching prefix
 * wins among prefixes. Only before http_server_start. 0, or SLUICE_EINVAL,
 * SLUICE_ESTATE, SLUICE_ETOOBIG as http_server_route; unchanged on failure.
 */
int http_server_route_prefix(http_server *server, const char *prefix,
                             const http_stream_handler *handler);

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

/*
 * Tells a streamed response (http_response_set_stream) that its reader has
 * something new: a parked connection is resumed, a running read is told to
 * read again. Any thread; waker must not have been released yet.
 */
void http_body_stream_wake(http_body_stream *waker);

/* Stops the server if needed and frees it. Accepts NULL. */
void http_server_free(http_server *server);

#endif
