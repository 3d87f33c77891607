/*
 * http_server.c — libmicrohttpd 0.9.75 behind exact-match routing (see http_server.h).
 *
 * libmicrohttpd calls server_access several times per request: once when the
 * headers are in (the "first" call, *con_cls still NULL), once per chunk of
 * body, and once more with *upload_data_size == 0 (the "final" call). A
 * response can be queued only on the first or the final call, so bounds that
 * the headers alone decide (header count and size, Content-Length) are
 * answered on the first call, and everything else on the final one. Body
 * bytes beyond max_body are counted and dropped so the 413 can still be sent
 * on the final call; a chunked upload that keeps going far past the bound
 * (SERVER_DISCARD_FACTOR times it) gets its connection closed instead.
 * The per-request state (server_request) is freed by the completion callback,
 * which libmicrohttpd runs however the request ends.
 *
 * Threads: server_access and server_completed run on libmicrohttpd's pool
 * threads; the server struct is read-only for them once started. The logger
 * may run on any of its threads and only keeps the last message under a
 * mutex (start-up failures are reported through it) and passes messages to
 * the debug log.
 */
#include "sluice/http_server.h"

#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define SERVER_METHOD_MAX     16
#define SERVER_BIND_MAX       64
#define SERVER_LOG_MAX        256
#define SERVER_MAX_THREADS    16
#define SERVER_MIN_CONN_MEM   (8 * 1024)
#define SERVER_DISCARD_FACTOR 16
#define SERVER_MAX_PREFIXES   8

typedef struct server_route {
    char method[SERVER_METHOD_MAX + 1];
    char path[HTTP_SERVER_PATH_MAX + 1];
    http_handler_fn handler;
    void *ctx;
} server_route;

typedef struct server_prefix {
    char path[HTTP_SERVER_PATH_MAX + 1];
    http_stream_handler handler;
} server_prefix;

struct http_server {
    http_server_config config;
    server_prefix prefixes[SERVER_MAX_PREFIXES];
    size_t prefix_count;
    char bind_address[SERVER_BIND_MAX];
    server_route routes[HTTP_SERVER_MAX_ROUTES];
    size_t route_count;
    struct MHD_Daemon *daemon;
    uint16_t port;
    http_metrics_family *requests_total;
    http_metrics_family *request_seconds;
    pthread_mutex_t log_lock;
    char last_log[SERVER_LOG_MAX];
    struct server_streams *streams; /* the streamed responses in flight */
};

/* The list of streamed responses (mutable through a const server: pool threads add to it). */
typedef struct server_streams {
    pthread_mutex_t lock;
    http_body_stream *head;
} server_streams;

/*
 * A streamed response (http_response_set_stream): parked (the connection
 * suspended) while its reader has nothing, resumed by http_body_stream_wake.
 * The lock is never held while the reader runs, so a producer may wake it
 * under its own lock while the reader takes that lock.
 */
struct http_body_stream {
    server_streams *list;
    struct MHD_Connection *conn;
    http_response_stream cb;
    pthread_mutex_t lock;
    bool suspended; /* the connection is parked */
    bool pending;   /* a wake came while the reader ran: read again, do not park */
    bool closing;   /* the server stops: end the body */
    http_body_stream *prev;
    http_body_stream *next;
};

void http_body_stream_wake(http_body_stream *waker)
{
    pthread_mutex_lock(&waker->lock);
    if (waker->suspended) {
        waker->suspended = false;
        MHD_resume_connection(waker->conn);
    } else {
        waker->pending = true;
    }
    pthread_mutex_unlock(&waker->lock);
}

static ssize_t server_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    http_body_stream *w = cls;
    pthread_mutex_lock(&w->lock);
    bool closing = w->closing;
    w->pending = false;
    pthread_mutex_unlock(&w->lock);
    if (closing) {
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    long n = w->cb.read(w->cb.ctx, buf, max);
    if (n < 0) {
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (n == 0) {
        pthread_mutex_lock(&w->lock);
        if (w->closing) {
            pthread_mutex_unlock(&w->lock);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (!w->pending) {
            w->suspended = true;
            MHD_suspend_connection(w->conn);
        }
        w->pending = false;
        pthread_mutex_unlock(&w->lock);
    }
    return (ssize_t)n;
}

static void server_stream_free(void *cls)
{
    http_body_stream *w = cls;
    server_streams *list = w->list;
    pthread_mutex_lock(&list->lock);
    if (w->prev != NULL) {
        w->prev->next = w->next;
    } else if (list->head == w) {
        list->head = w->next;
    }
    if (w->next != NULL) {
        w->next->prev = w->prev;
    }
    pthread_mutex_unlock(&list->lock);
    w->cb.release(w->cb.ctx); /* the producer forgets the waker here */
    pthread_mutex_destroy(&w->lock);
    free(w);
}

/* A libmicrohttpd response reading resp's stream (taken from resp), or NULL (released then). */
static struct MHD_Response *server_stream_response(const http_server *server,
                                                   struct MHD_Connection *conn, http_response *resp)
{
    http_body_stream *w = calloc(1, sizeof *w);
    http_response_stream cb = resp->stream;
    memset(&resp->stream, 0, sizeof resp->stream); /* now owned here */
    if (w == NULL) {
        cb.release(cb.ctx);
        return NULL;
    }
    w->list = server->streams;
    w->conn = conn;
    w->cb = cb;
    pthread_mutex_init(&w->lock, NULL);
    struct MHD_Response *response = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 4096, server_stream_read, w, server_stream_free);
    if (response == NULL) {
        pthread_mutex_destroy(&w->lock);
        free(w);
        cb.release(cb.ctx);
        return NULL;
    }
    pthread_mutex_lock(&server->streams->lock);
    w->next = server->streams->head;
    if (w->next != NULL) {
        w->next->prev = w;
    }
    server->streams->head = w;
    pthread_mutex_unlock(&server->streams->lock);
    if (cb.attach != NULL) {
        cb.attach(cb.ctx, w);
    }
    return response;
}

/* Collects libmicrohttpd's key/value lists into an http_pair array. */
typedef struct server_pairs {
    http_pair *items;
    size_t count;
    size_t cap;
    size_t bytes;  /* sum of name and value lengths */
    char *trimmed; /* copies of values that arrived with trailing blanks */
} server_pairs;

/* State of one request across the calls of server_access. */
typedef struct server_request {
    int64_t start_ns;
    bool too_large;   /* body exceeded max_body: answer 413 on the final call */
    size_t discarded; /* body bytes dropped after the bound was hit */
    sluice_buf body;
    /* A streaming route's request: */
    const server_prefix *stream_route; /* NULL for exact routes */
    void *stream;                      /* the handler's state */
    bool answered;                     /* a response is queued */
    bool refused;                      /* data() refused: drop the rest of the body */
    server_pairs headers;              /* loaded once, valid for the whole request */
    server_pairs query;
    char remote_addr[HTTP_REMOTE_ADDR_MAX];
} server_request;

static const char *const server_known_methods[] = {"GET",    "HEAD",  "POST",   "PUT",
                                                   "DELETE", "PATCH", "OPTIONS"};

void http_server_config_defaults(http_server_config *config)
{
    memset(config, 0, sizeof *config);
    config->bind_address = NULL;
    config->port = 0;
    config->threads = 2;
    config->connection_limit = 256;
    config->connection_timeout_s = 30;
    config->connection_memory_limit = 64 * 1024;
    config->max_body = 1024 * 1024;
    config->max_headers = 64;
    config->max_header_bytes = 16 * 1024;
    config->max_response_body = 16 * 1024 * 1024;
}

static int server_config_check(const http_server_config *config, char *err, size_t errlen)
{
    if (config->threads < 1 || config->threads > SERVER_MAX_THREADS) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "threads must be 1..%d",
                                SERVER_MAX_THREADS);
    }
    if (config->connection_limit < 1 || config->connection_timeout_s < 1) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "connection limit and timeout must be at least 1");
    }
    if (config->connection_memory_limit < SERVER_MIN_CONN_MEM) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "connection memory limit must be at least %d bytes",
                                SERVER_MIN_CONN_MEM);
    }
    if (config->max_headers < 1 || config->max_header_bytes < 1) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "header bounds must be at least 1");
    }
    if (config->bind_address != NULL && strlen(config->bind_address) >= SERVER_BIND_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "bind address too long");
    }
    return SLUICE_OK;
}

http_server *http_server_new(const http_server_config *config, char *err, size_t errlen)
{
    if (config == NULL) {
        sluice_error_set(err, errlen, SLUICE_EINVAL, "no configuration");
        return NULL;
    }
    if (server_config_check(config, err, errlen) != SLUICE_OK) {
        return NULL;
    }
    http_server *server = calloc(1, sizeof *server);
    if (server == NULL) {
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        return NULL;
    }
    server->config = *config;
    const char *bind = (config->bind_address != NULL && config->bind_address[0] != '\0')
                           ? config->bind_address
                           : "0.0.0.0";
    snprintf(server->bind_address, sizeof server->bind_address, "%s", bind);
    server->config.bind_address = server->bind_address;
    if (pthread_mutex_init(&server->log_lock, NULL) != 0) {
        free(server);
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "cannot create a mutex");
        return NULL;
    }
    server->streams = calloc(1, sizeof *server->streams);
    if (server->streams == NULL || pthread_mutex_init(&server->streams->lock, NULL) != 0) {
        pthread_mutex_destroy(&server->log_lock);
        free(server->streams);
        free(server);
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "cannot create a mutex");
        return NULL;
    }
    if (config->metrics != NULL) {
        const char *request_labels[] = {"route", "method", "status"};
        const char *latency_labels[] = {"route"};
        server->requests_total =
            http_metrics_counter(config->metrics, "sluice_http_requests_total",
                                 "HTTP requests by route, method and status", request_labels, 3);
        server->request_seconds =
            http_metrics_histogram(config->metrics, "sluice_http_request_duration_seconds",
                                   "HTTP request latency from headers received to response queued",
                                   latency_labels, 1, NULL, 0);
        if (server->requests_total == NULL || server->request_seconds == NULL) {
            http_server_free(server);
            sluice_error_set(err, errlen, SLUICE_EINVAL,
                             "cannot declare the HTTP metrics in the registry");
            return NULL;
        }
    }
    return server;
}

static bool server_is_method(const char *method)
{
    size_t len = strlen(method);
    if (len == 0 || len > SERVER_METHOD_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (method[i] < 'A' || method[i] > 'Z') {
            return false;
        }
    }
    return true;
}

int http_server_route(http_server *server, const char *method, const char *path,
                      http_handler_fn handler, void *ctx)
{
    if (server->daemon != NULL) {
        return SLUICE_ESTATE;
    }
    if (method == NULL || path == NULL || handler == NULL || !server_is_method(method) ||
        path[0] != '/' || strlen(path) > HTTP_SERVER_PATH_MAX) {
        return SLUICE_EINVAL;
    }
    for (size_t i = 0; i < server->route_count; i++) {
        if (strcmp(server->routes[i].method, method) == 0 &&
            strcmp(server->routes[i].path, path) == 0) {
            return SLUICE_EINVAL;
        }
    }
    if (server->route_count >= HTTP_SERVER_MAX_ROUTES) {
        return SLUICE_ETOOBIG;
    }
    server_route *route = &server->routes[server->route_count];
    memcpy(route->method, method, strlen(method) + 1);
    memcpy(route->path, path, strlen(path) + 1);
    route->handler = handler;
    route->ctx = ctx;
    server->route_count++;
    return SLUICE_OK;
}

int http_server_route_health(http_server *server, http_handler_fn health, void *ctx,
                             http_metrics *metrics)
{
    int rc = http_server_route(server, "GET", "/healthz", health, ctx);
    if (rc == 0) {
        rc = http_server_route(server, "GET", "/metrics", http_metrics_handler, metrics);
    }
    return rc;
}

int http_server_route_prefix(http_server *server, const char *prefix,
                             const http_stream_handler *handler)
{
    if (server->daemon != NULL) {
        return SLUICE_ESTATE;
    }
    if (prefix == NULL || handler == NULL || handler->begin == NULL || handler->data == NULL ||
        handler->end == NULL || prefix[0] != '/' || strlen(prefix) > HTTP_SERVER_PATH_MAX) {
        return SLUICE_EINVAL;
    }
    for (size_t i = 0; i < server->prefix_count; i++) {
        if (strcmp(server->prefixes[i].path, prefix) == 0) {
            return SLUICE_EINVAL;
        }
    }
    if (server->prefix_count >= SERVER_MAX_PREFIXES) {
        return SLUICE_ETOOBIG;
    }
    server_prefix *route = &server->prefixes[server->prefix_count];
    memcpy(route->path, prefix, strlen(prefix) + 1);
    route->handler = *handler;
    server->prefix_count++;
    return SLUICE_OK;
}

/* ------------------------------------------------------------------ logging */

__attribute__((format(printf, 2, 0))) static void server_log(void *cls, const char *fmt, va_list ap)
{
    http_server *server = cls;
    char text[SERVER_LOG_MAX];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
        text[--len] = '\0';
    }
    pthread_mutex_lock(&server->log_lock);
    memcpy(server->last_log, text, len + 1);
    pthread_mutex_unlock(&server->log_lock);
    SLUICE_DEBUG("libmicrohttpd: %s", text);
}

/* ---------------------------------------------------------------- requests */

static enum MHD_Result server_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    server_pairs *pairs = cls;
    const char *val = value != NULL ? value : "";
    if (pairs->items != NULL && pairs->count < pairs->cap) {
        pairs->items[pairs->count].name = key;
        pairs->items[pairs->count].value = val;
    }
    pairs->count++;
    pairs->bytes += strlen(key) + strlen(val);
    return MHD_YES;
}

/* Measures (items == NULL) or fills the list of one kind. */
static int server_pairs_load(struct MHD_Connection *conn, enum MHD_ValueKind kind,
                             server_pairs *pairs)
{
    memset(pairs, 0, sizeof *pairs);
    server_pairs measure = {0};
    MHD_get_connection_values(conn, kind, server_collect, &measure);
    if (measure.count == 0) {
        return SLUICE_OK;
    }
    pairs->items = calloc(measure.count, sizeof *pairs->items);
    if (pairs->items == NULL) {
        return SLUICE_ENOMEM;
    }
    pairs->cap = measure.count;
    MHD_get_connection_values(conn, kind, server_collect, pairs);
    if (pairs->count > pairs->cap) {
        pairs->count = pairs->cap; /* cannot change between the two walks; be safe anyway */
    }
    return SLUICE_OK;
}

static bool server_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * libmicrohttpd strips the blanks before a header value but keeps those
 * after it; RFC 9110 §5.5 excludes both from the value. Values that end in
 * blanks are replaced by trimmed copies in one allocation.
 */
static int server_pairs_trim(server_pairs *pairs)
{
    size_t need = 0;
    for (size_t i = 0; i < pairs->count; i++) {
        size_t len = strlen(pairs->items[i].value);
        if (len > 0 && server_is_blank(pairs->items[i].value[len - 1])) {
            need += len + 1;
        }
    }
    if (need == 0) {
        return SLUICE_OK;
    }
    pairs->trimmed = malloc(need);
    if (pairs->trimmed == NULL) {
        return SLUICE_ENOMEM;
    }
    char *next = pairs->trimmed;
    for (size_t i = 0; i < pairs->count; i++) {
        const char *value = pairs->items[i].value;
        size_t len = strlen(value);
        if (len == 0 || !server_is_blank(value[len - 1])) {
            continue;
        }
        size_t kept = len;
        while (kept > 0 && server_is_blank(value[kept - 1])) {
            kept--;
        }
        memcpy(next, value, kept);
        next[kept] = '\0';
        pairs->items[i].value = next;
        next += len + 1;
    }
    return SLUICE_OK;
}

static void server_remote_addr(struct MHD_Connection *conn, char *out, size_t outlen)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL) {
        return;
    }
    const struct sockaddr *addr = info->client_addr;
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)addr;
        inet_ntop(AF_INET, &in4->sin_addr, out, (socklen_t)outlen);
    } else if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)addr;
        inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)outlen);
    }
}

/* Fills resp with a response the server makes itself. */
static void server_error(const http_server *server, http_response *resp, int status,
                         const char *code, const char *message)
{
    if (server->config.error_fn != NULL) {
        server->config.error_fn(status, code, message, resp, server->config.error_ctx);
        if (resp->content_type[0] == '\0') {
            http_response_set_error(resp, status, code, message);
        }
    } else {
        http_response_set_error(resp, status, code, message);
    }
    resp->status = status;
}

static const char *server_method_label(const char *method)
{
    for (size_t i = 0; i < sizeof server_known_methods / sizeof server_known_methods[0]; i++) {
        if (strcmp(method, server_known_methods[i]) == 0) {
            return server_known_methods[i];
        }
    }
    return "other";
}

static void server_record(const http_server *server, const server_request *state, const char *route,
                          const char *method, int status)
{
    if (server->requests_total == NULL) {
        return;
    }
    char status_text[8];
    snprintf(status_text, sizeof status_text, "%d", status);
    const char *request_values[] = {route, server_method_label(method), status_text};
    http_metrics_inc(server->requests_total, request_values, 1);
    double seconds = (double)(sluice_time_monotonic_ns() - state->start_ns) / 1e9;
    const char *latency_values[] = {route};
    http_metrics_observe(server->request_seconds, latency_values, seconds);
}

/*
 * Hands resp to libmicrohttpd (the body without a copy) and frees what is
 * left of it. An unset status becomes a 500.
 */
static enum MHD_Result server_send(const http_server *server, struct MHD_Connection *conn,
                                   const server_request *state, const char *route,
                                   const char *method, http_response *resp)
{
    if (resp->status == 0) {
        http_response_free(resp);
        http_response_init(resp, server->config.max_response_body);
        server_error(server, resp, 500, "InternalError", "the handler produced no response");
    }
    struct MHD_Response *response = NULL;
    size_t len = resp->body.len;
    char *body = sluice_buf_steal(&resp->body);
    if (resp->stream.read != NULL) {
        response = server_stream_response(server, conn, resp);
    } else if (resp->body_fd >= 0 && resp->body_length > 0) {
        response = MHD_create_response_from_fd_at_offset64(resp->body_length, resp->body_fd,
                                                           resp->body_offset);
        if (response != NULL) {
            resp->body_fd = -1; /* now owned by the response */
        }
    } else if (len > 0) {
        response = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (response != NULL) {
            body = NULL; /* now owned by the response */
        }
    } else {
        response = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    free(body);
    enum MHD_Result result = MHD_NO;
    if (response == NULL) {
        goto out;
    }
    if (resp->content_type[0] != '\0' &&
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type) ==
            MHD_NO) {
        goto out;
    }
    for (size_t i = 0; i < resp->header_count; i++) {
        if (MHD_add_response_header(response, resp->headers[i].name, resp->headers[i].value) ==
            MHD_NO) {
            goto out;
        }
    }
    result = MHD_queue_response(conn, (unsigned int)resp->status, response);
    if (result == MHD_YES) {
        server_record(server, state, route, method, resp->status);
    }
out:
    if (response != NULL) {
        MHD_destroy_response(response);
    }
    http_response_free(resp);
    return result;
}

/* Answers with a server-made error. */
static enum MHD_Result server_reject(const http_server *server, struct MHD_Connection *conn,
                                     const server_request *state, const char *route,
                                     const char *method, int status, const char *code,
                                     const char *message)
{
    http_response resp;
    http_response_init(&resp, server->config.max_response_body);
    server_error(server, &resp, status, code, message);
    return server_send(server, conn, state, route, method, &resp);
}

/* The streaming route for method + url, or NULL when an exact route (or none) takes it. */
static const server_prefix *server_find_prefix(const http_server *server, const char *url,
                                               const char *method)
{
    for (size_t i = 0; i < server->route_count; i++) {
        if (strcmp(server->routes[i].path, url) == 0 &&
            strcmp(server->routes[i].method, method) == 0) {
            return NULL;
        }
    }
    const server_prefix *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < server->prefix_count; i++) {
        size_t len = strlen(server->prefixes[i].path);
        if (strncmp(server->prefixes[i].path, url, len) == 0 && (best == NULL || len > best_len)) {
            best = &server->prefixes[i];
            best_len = len;
        }
    }
    return best;
}

static http_request server_stream_view(const server_request *state, const char *url,
                                       const char *method)
{
    http_request req = {
        .method = method,
        .path = url,
        .headers = state->headers.items,
        .header_count = state->headers.count,
        .query = state->query.items,
        .query_count = state->query.count,
        .body = "",
        .body_len = 0,
    };
    memcpy(req.remote_addr, state->remote_addr, sizeof req.remote_addr);
    return req;
}

/* A streaming route's first call: load the request's view once and run begin. */
static enum MHD_Result server_stream_begin(http_server *server, struct MHD_Connection *conn,
                                           const char *url, const char *method,
                                           server_request *state)
{
    if (server_pairs_load(conn, MHD_HEADER_KIND, &state->headers) != SLUICE_OK ||
        server_pairs_trim(&state->headers) != SLUICE_OK ||
        server_pairs_load(conn, MHD_GET_ARGUMENT_KIND, &state->query) != SLUICE_OK) {
        state->stream_route = NULL; /* begin never ran: no done either */
        return MHD_NO;
    }
    server_remote_addr(conn, state->remote_addr, sizeof state->remote_addr);
    http_request req = server_stream_view(state, url, method);
    http_response resp;
    http_response_init(&resp, server->config.max_response_body);
    const http_stream_handler *handler = &state->stream_route->handler;
    handler->begin(&req, &resp, &state->stream, handler->ctx);
    state->answered = resp.status != 0;
    if (!state->answered) {
        http_response_free(&resp);
        return MHD_YES;
    }
    return server_send(server, conn, state, state->stream_route->path, method, &resp);
}

/* The first call: allocate state, enforce the bounds the headers decide. */
static enum MHD_Result server_first_call(http_server *server, struct MHD_Connection *conn,
                                         const char *url, const char *method, void **con_cls)
{
    server_request *state = calloc(1, sizeof *state);
    if (state == NULL) {
        return MHD_NO;
    }
    state->start_ns = sluice_time_monotonic_ns();
    sluice_buf_init(&state->body, server->config.max_body);
    *con_cls = state;

    server_pairs measure = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, server_collect, &measure);
    if (measure.count > server->config.max_headers ||
        measure.bytes > server->config.max_header_bytes) {
        char message[128];
        snprintf(message, sizeof message, "at most %zu headers and %zu bytes of headers allowed",
                 server->config.max_headers, server->config.max_header_bytes);
        state->answered = true;
        return server_reject(server, conn, state, "unmatched", method, 431,
                             "RequestHeaderFieldsTooLarge", message);
    }
    state->stream_route = server_find_prefix(server, url, method);
    if (state->stream_route != NULL) {
        return server_stream_begin(server, conn, url, method, state);
    }
    const char *length =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != NULL) {
        char *end = NULL;
        errno = 0;
        unsigned long long declared = strtoull(length, &end, 10);
        if (errno == 0 && end != length && declared > server->config.max_body) {
            state->too_large = true;
            char message[128];
            snprintf(message, sizeof message, "request body exceeds %zu bytes",
                     server->config.max_body);
            return server_reject(server, conn, state, "unmatched", method, 413,
                                 "RequestEntityTooLarge", message);
        }
    }
    return MHD_YES;
}

/* A chunk of body: keep it within the bound, drop (and count) the rest. */
static enum MHD_Result server_body_chunk(const http_server *server, server_request *state,
                                         const char *upload_data, size_t *upload_data_size)
{
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    if (!state->too_large && sluice_buf_append(&state->body, upload_data, n) != SLUICE_OK) {
        state->too_large = true;
        state->discarded = state->body.len;
        sluice_buf_free(&state->body);
    }
    if (state->too_large) {
        state->discarded += n;
        size_t limit = server->config.max_body * SERVER_DISCARD_FACTOR;
        if (limit / SERVER_DISCARD_FACTOR == server->config.max_body && state->discarded > limit) {
            return MHD_NO; /* close the connection: the client will not stop */
        }
    }
    return MHD_YES;
}

/* The final call: route and run the handler. */
static enum MHD_Result server_dispatch(http_server *server, struct MHD_Connection *conn,
                                       const char *url, const char *method, server_request *state)
{
    if (state->too_large) {
        char message[128];
        snprintf(message, sizeof message, "request body exceeds %zu bytes",
                 server->config.max_body);
        return server_reject(server, conn, state, "unmatched", method, 413, "RequestEntityTooLarge",
                             message);
    }
    const server_route *route = NULL;
    bool path_known = false;
    char allow[128] = "";
    size_t allow_len = 0;
    for (size_t i = 0; i < server->route_count; i++) {
        const server_route *candidate = &server->routes[i];
        if (strcmp(candidate->path, url) != 0) {
            continue;
        }
        path_known = true;
        if (strcmp(candidate->method, method) == 0) {
            route = candidate;
            break;
        }
        int n = snprintf(allow + allow_len, sizeof allow - allow_len, "%s%s",
                         allow_len > 0 ? ", " : "", candidate->method);
        if (n > 0 && (size_t)n < sizeof allow - allow_len) {
            allow_len += (size_t)n;
        }
    }
    if (route == NULL && !path_known) {
        return server_reject(server, conn, state, "unmatched", method, 404, "NotFound",
                             "no such resource");
    }
    http_response resp;
    http_response_init(&resp, server->config.max_response_body);
    if (route == NULL) {
        server_error(server, &resp, 405, "MethodNotAllowed",
                     "method not allowed for this resource");
        http_response_add_header(&resp, "Allow", allow);
        return server_send(server, conn, state, url, method, &resp);
    }

    server_pairs headers = {0};
    server_pairs query = {0};
    enum MHD_Result result = MHD_NO;
    if (server_pairs_load(conn, MHD_HEADER_KIND, &headers) != SLUICE_OK ||
        server_pairs_trim(&headers) != SLUICE_OK ||
        server_pairs_load(conn, MHD_GET_ARGUMENT_KIND, &query) != SLUICE_OK) {
        http_response_free(&resp);
        goto out;
    }
    http_request req = {
        .method = method,
        .path = url,
        .headers = headers.items,
        .header_count = headers.count,
        .query = query.items,
        .query_count = query.count,
        .body = sluice_buf_cstr(&state->body),
        .body_len = state->body.len,
    };
    server_remote_addr(conn, req.remote_addr, sizeof req.remote_addr);
    route->handler(&req, &resp, route->ctx);
    result = server_send(server, conn, state, route->path, method, &resp);
out:
    free(headers.items);
    free(headers.trimmed);
    free(query.items);
    return result;
}

static enum MHD_Result server_access(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    (void)version;
    http_server *server = cls;
    server_request *state = *con_cls;
    if (state == NULL) {
        return server_first_call(server, conn, url, method, con_cls);
    }
    if (state->stream_route != NULL) {
        if (state->answered) {
            *upload_data_size = 0; /* answered already: drop whatever still arrives */
            return MHD_YES;
        }
        const http_stream_handler *handler = &state->stream_route->handler;
        if (*upload_data_size > 0) {
            size_t n = *upload_data_size;
            *upload_data_size = 0;
            if (!state->refused && handler->data(state->stream, upload_data, n, handler->ctx) < 0) {
                state->refused = true;
            }
            return MHD_YES;
        }
        http_request req = server_stream_view(state, url, method);
        http_response resp;
        http_response_init(&resp, server->config.max_response_body);
        handler->end(state->stream, &req, &resp, handler->ctx);
        state->answered = true;
        return server_send(server, conn, state, state->stream_route->path, method, &resp);
    }
    if (*upload_data_size > 0) {
        return server_body_chunk(server, state, upload_data, upload_data_size);
    }
    return server_dispatch(server, conn, url, method, state);
}

static void server_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                             enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    server_request *state = *con_cls;
    if (state != NULL) {
        if (state->stream_route != NULL && state->stream_route->handler.done != NULL) {
            state->stream_route->handler.done(state->stream,
                                              toe == MHD_REQUEST_TERMINATED_COMPLETED_OK,
                                              state->stream_route->handler.ctx);
        }
        free(state->headers.items);
        free(state->headers.trimmed);
        free(state->query.items);
        sluice_buf_free(&state->body);
        free(state);
        *con_cls = NULL;
    }
}

/* ---------------------------------------------------------------- lifecycle */

int http_server_start(http_server *server, char *err, size_t errlen)
{
    if (server->daemon != NULL) {
        return sluice_error_set(err, errlen, SLUICE_ESTATE, "server already started");
    }
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    const struct sockaddr *addr = NULL;
    unsigned int flags =
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    memset(&in4, 0, sizeof in4);
    memset(&in6, 0, sizeof in6);
    if (inet_pton(AF_INET, server->bind_address, &in4.sin_addr) == 1) {
        in4.sin_family = AF_INET;
        in4.sin_port = htons(server->config.port);
        addr = (const struct sockaddr *)&in4;
    } else if (inet_pton(AF_INET6, server->bind_address, &in6.sin6_addr) == 1) {
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(server->config.port);
        addr = (const struct sockaddr *)&in6;
        flags |= MHD_USE_IPv6;
    } else {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "bind address \"%s\" is not a numeric IPv4 or IPv6 address",
                                server->bind_address);
    }
    pthread_mutex_lock(&server->log_lock);
    server->last_log[0] = '\0';
    pthread_mutex_unlock(&server->log_lock);

    struct MHD_OptionItem pool_option = {MHD_OPTION_END, 0, NULL};
    if (server->config.threads > 1) {
        pool_option.option = MHD_OPTION_THREAD_POOL_SIZE;
        pool_option.value = (intptr_t)server->config.threads;
    }
    struct MHD_OptionItem options[] = {pool_option, {MHD_OPTION_END, 0, NULL}};
    server->daemon = MHD_start_daemon(
        flags, server->config.port, NULL, NULL, server_access, server, MHD_OPTION_ARRAY, options,
        MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)server->config.connection_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)server->config.connection_limit, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        server->config.connection_memory_limit, MHD_OPTION_NOTIFY_COMPLETED, server_completed,
        server, MHD_OPTION_EXTERNAL_LOGGER, server_log, server, MHD_OPTION_END);
    if (server->daemon == NULL) {
        pthread_mutex_lock(&server->log_lock);
        sluice_error_set(err, errlen, SLUICE_EIO, "cannot start the HTTP server on %s:%u: %s",
                         server->bind_address, (unsigned)server->config.port,
                         server->last_log[0] != '\0' ? server->last_log : "unknown failure");
        pthread_mutex_unlock(&server->log_lock);
        return SLUICE_EIO;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info != NULL ? info->port : server->config.port;
    return SLUICE_OK;
}

uint16_t http_server_port(const http_server *server)
{
    return server->daemon != NULL ? server->port : 0;
}

void http_server_stop(http_server *server)
{
    if (server == NULL || server->daemon == NULL) {
        return;
    }
    /* parked streams are resumed to end: libmicrohttpd must not stop with one suspended */
    pthread_mutex_lock(&server->streams->lock);
    for (http_body_stream *w = server->streams->head; w != NULL; w = w->next) {
        pthread_mutex_lock(&w->lock);
        w->closing = true;
        if (w->suspended) {
            w->suspended = false;
            MHD_resume_connection(w->conn);
        }
        pthread_mutex_unlock(&w->lock);
    }
    pthread_mutex_unlock(&server->streams->lock);
    MHD_stop_daemon(server->daemon);
    server->daemon = NULL;
    server->port = 0;
}

void http_server_free(http_server *server)
{
    if (server == NULL) {
        return;
    }
    http_server_stop(server);
    pthread_mutex_destroy(&server->log_lock);
    pthread_mutex_destroy(&server->streams->lock);
    free(server->streams);
    free(server);
}
