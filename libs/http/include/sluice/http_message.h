/*
 * http_message.h — the request and response values that HTTP handlers see.
 *
 * An http_request is a read-only view that the server builds for one call of a
 * handler: every pointer in it is owned by the server and valid only during
 * that call. An http_response is filled by the handler; it owns its body and
 * its extra headers until the server (or http_response_free) releases them.
 * Plain data and pure functions: no I/O, no locks; one thread per value.
 */
#ifndef SLUICE_HTTP_MESSAGE_H
#define SLUICE_HTTP_MESSAGE_H

#include "sluice/buf.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_RESPONSE_MAX_HEADERS 40   /* extra headers a response may carry */
#define HTTP_HEADER_VALUE_MAX     4096 /* bytes in one extra response header value */
#define HTTP_CONTENT_TYPE_MAX     128  /* bytes of a content type, excluding the NUL */
#define HTTP_REMOTE_ADDR_MAX      64   /* bytes of a printed socket address */
#define HTTP_CONTENT_TYPE_JSON    "application/json"

/* A header or query argument. Names keep the case the client sent. */
typedef struct http_pair {
    const char *name;
    const char *value; /* never NULL; "" for a query argument without '=' */
} http_pair;

/* One request as a handler sees it; every pointer is borrowed for the call. */
typedef struct http_request {
    const char *method;       /* "GET", "POST", ... as sent */
    const char *path;         /* percent-decoded path without the query, e.g. "/" */
    const http_pair *headers; /* in arrival order; repeated names appear repeatedly */
    size_t header_count;
    const http_pair *query; /* percent-decoded query arguments, in arrival order */
    size_t query_count;
    const char *body; /* NUL-terminated ("" when empty); may itself contain NULs */
    size_t body_len;
    char remote_addr[HTTP_REMOTE_ADDR_MAX]; /* "127.0.0.1", "::1", or "" if unknown */
} http_request;

/* An extra response header; both strings are owned by the response. */
typedef struct http_response_header {
    char *name;
    char *value;
} http_response_header;

/* The server's handle on a streamed response (http_server.h: http_body_stream_wake). */
typedef struct http_body_stream http_body_stream;

/*
 * A response body produced while it is sent (Server-Sent Events): the server
 * asks read for more whenever the connection can take it. Callbacks run on a
 * pool thread of the server, never two at once for one response.
 *   attach:  the response is queued; waker is what the producer calls
 *            (http_body_stream_wake, any thread) when read has something new.
 *            Called once, before the first read.
 *   read:    writes up to max bytes into buf and returns how many (> 0); 0
 *            when there is nothing now (the connection is parked, costing no
 *            thread, until the next wake); -1 to end the body. Never blocks.
 *   release: the response is over (sent, the client went away, the server
 *            stops, or it was never sent): frees ctx. Exactly once; after it
 *            returns the waker is gone, so the producer must forget it there.
 */
typedef struct http_response_stream {
    void (*attach)(void *ctx, http_body_stream *waker);
    long (*read)(void *ctx, char *buf, size_t max);
    void (*release)(void *ctx);
    void *ctx;
} http_response_stream;

/*
 * What a handler answers. status 0 means "not set" (the server then answers
 * 500). The body is bounded at init; setting a larger one fails. Instead of
 * the buffer, the body may be a range of an open file (http_response_set_file):
 * the server then streams it without reading it into memory.
 */
typedef struct http_response {
    int status;
    char content_type[HTTP_CONTENT_TYPE_MAX + 1];
    sluice_buf body;
    int body_fd;                 /* -1, or the file whose range is the body (owned) */
    uint64_t body_offset;        /* first byte of the range */
    uint64_t body_length;        /* bytes of the range (the Content-Length) */
    http_response_stream stream; /* read != NULL: the body is streamed (owned) */
    http_response_header headers[HTTP_RESPONSE_MAX_HEADERS];
    size_t header_count;
} http_response;

/* The value of the first header named name (ASCII case-insensitive), or NULL. */
const char *http_request_header(const http_request *req, const char *name);

/* The value of the first query argument named name (case-sensitive), or NULL. */
const char *http_request_query(const http_request *req, const char *name);

/* Initialises an empty response (status 0) whose body may hold max_body bytes. No allocation. */
void http_response_init(http_response *resp, size_t max_body);

/*
 * Replaces status, content type and body with a copy of bytes[0..len).
 * 0, or SLUICE_EINVAL (status outside 100..599, content type too long or with
 * control characters), SLUICE_ETOOBIG / SLUICE_ENOMEM; on failure the
 * response is unchanged.
 */
int http_response_set_body(http_response *resp, int status, const char *content_type,
                           const void *bytes, size_t len);

/*
 * Replaces status and body with the compact serialisation of json (any JSON
 * value) and sets the content type to "application/json". Reals are written
 * with 16 significant digits. json is borrowed. Same failure contract as
 * http_response_set_body.
 */
int http_response_set_json(http_response *resp, int status, const json_t *json);

/*
 * Sets the generic JSON error body {"code": code, "message": message} used by
 * Sluice's own HTTP endpoints. Same failure contract as http_response_set_body.
 */
int http_response_set_error(http_response *resp, int status, const char *code, const char *message);

/*
 * A new JSON string of text (not NULL) for an error body: when text is not
 * valid UTF-8, every byte above 0x7f becomes '?' so the message still goes
 * out. The caller owns the returned reference; NULL only when memory runs out.
 */
json_t *http_message_json_string(const char *text);

/*
 * Adds an extra header (copied). Names must be an HTTP token and values free
 * of control characters (no header injection); Content-Type and
 * Content-Length are set by the server and refused here. 0, or SLUICE_EINVAL,
 * SLUICE_ETOOBIG (more than HTTP_RESPONSE_MAX_HEADERS or value too long),
 * SLUICE_ENOMEM; on failure the response is unchanged.
 */
int http_response_add_header(http_response *resp, const char *name, const char *value);

/*
 * Replaces status, content type and body with length bytes of the open file fd
 * from offset on. Takes ownership of fd on success and on failure (it is
 * closed then); a previous buffer body or file is released. 0, or SLUICE_EINVAL
 * (bad status, content type or fd < 0; the response is unchanged apart from fd).
 */
int http_response_set_file(http_response *resp, int status, const char *content_type, int fd,
                           uint64_t offset, uint64_t length);

/*
 * Replaces status, content type and body with stream (copied; its ctx is
 * owned by the response from now on, released through stream->release when
 * the response is over or freed unsent). 0, or SLUICE_EINVAL (bad status or
 * content type, no read or release; ctx is released then).
 */
int http_response_set_stream(http_response *resp, int status, const char *content_type,
                             const http_response_stream *stream);

/* The value of the extra header named name (case-insensitive), or NULL. */
const char *http_response_get_header(const http_response *resp, const char *name);

/* Frees the body (closing a file body) and headers; the response may be reused after
 * http_response_init. Accepts NULL. */
void http_response_free(http_response *resp);

#endif
