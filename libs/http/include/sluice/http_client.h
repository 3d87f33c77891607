/*
 * http_client.h — a small blocking HTTP client over libcurl 7.88.
 *
 * One http_client wraps one curl easy handle: it keeps connections alive
 * between requests and must be used by one thread at a time (make one per
 * thread). libcurl's global initialisation runs once per process, on the
 * first http_client_new. Every request has a connect timeout, a total
 * timeout and a bound on the response body and headers; signals are never
 * used for timeouts (CURLOPT_NOSIGNAL); only http and https URLs are
 * accepted and redirects are not followed. The client never prints.
 */
#ifndef SLUICE_HTTP_CLIENT_H
#define SLUICE_HTTP_CLIENT_H

#include "sluice/buf.h"
#include "sluice/http_message.h"

#include <stddef.h>

#define HTTP_CLIENT_MAX_HEADERS      64          /* response headers kept */
#define HTTP_CLIENT_MAX_HEADER_BYTES (16 * 1024) /* bytes of response headers kept */

typedef struct http_client http_client;

typedef struct http_client_config {
    long connect_timeout_ms; /* >= 1 */
    long timeout_ms;         /* whole request, >= 1 */
    size_t max_response;     /* response body bound in bytes (a HEAD has none) */
    const char *user_agent;  /* copied; NULL = "sluice" */
} http_client_config;

/* A received response; owns everything it points to. */
typedef struct http_client_response {
    long status;        /* HTTP status, e.g. 200 */
    sluice_buf body;    /* NUL-terminated body (sluice_buf_cstr) */
    http_pair *headers; /* final response's headers, names as sent */
    size_t header_count;
    sluice_buf header_text; /* private: storage the header pairs point into */
} http_client_response;

/* Defaults: 2 s connect, 10 s total, 16 MiB responses, default user agent. */
void http_client_config_defaults(http_client_config *config);

/*
 * Creates a client (config copied). NULL on invalid configuration, libcurl
 * initialisation failure or out of memory, with the reason in err.
 * Thread-safe; the client itself is not.
 */
http_client *http_client_new(const http_client_config *config, char *err, size_t errlen);

/* Frees the client and closes its connections. Accepts NULL. */
void http_client_free(http_client *client);

/*
 * Sends one request and waits for the whole response. method is an
 * upper-case token; headers (borrowed, may be NULL when count is 0) are sent
 * as given; body (borrowed, may be NULL when len is 0) is sent with its
 * length. out is initialised by the call and must be released with
 * http_client_response_free whatever the result.
 * Returns 0 when a response arrived, whatever its status; SLUICE_ETIMEDOUT
 * (connect or total timeout), SLUICE_ETOOBIG (body over max_response or
 * headers over their bounds), SLUICE_EINVAL (bad method, URL or header),
 * SLUICE_ENOMEM, or SLUICE_EIO (connection refused, reset, DNS, TLS, ...),
 * each with detail in err.
 */
int http_client_request(http_client *client, const char *method, const char *url,
                        const http_pair *headers, size_t header_count, const void *body,
                        size_t body_len, http_client_response *out, char *err, size_t errlen);

/* GET url. Same contract as http_client_request. */
int http_client_get(http_client *client, const char *url, http_client_response *out, char *err,
                    size_t errlen);

/* POST json_text with Content-Type: application/json. Same contract as http_client_request. */
int http_client_post_json(http_client *client, const char *url, const char *json_text, size_t len,
                          http_client_response *out, char *err, size_t errlen);

/* The first response header named name (case-insensitive), or NULL. */
const char *http_client_response_header(const http_client_response *resp, const char *name);

/* Frees the body and headers of resp. Accepts NULL; safe on a zeroed or freed response. */
void http_client_response_free(http_client_response *resp);

#endif
