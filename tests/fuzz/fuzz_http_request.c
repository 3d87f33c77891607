/*
 * fuzz_http_request.c — libFuzzer target over the HTTP request framing of
 * libs/http's server. libmicrohttpd frames the bytes (request line, headers,
 * chunked or Content-Length bodies, pipelining); libs/http has no parser of
 * its own, but everything that turns those frames into an http_request does
 * see the bytes: the header and query collection and their bounds (431), the
 * trimming of header values, the body bound (413, against Content-Length and
 * while reading chunks), exact and prefix routing, 404 / 405 and the
 * streaming route's chunk delivery.
 *
 * One server runs for the whole process on an ephemeral loopback port; each
 * input is written to a fresh connection as raw bytes, the write side shut,
 * and the answer read until the server closes or falls silent
 * (libmicrohttpd keeps a half-closed keep-alive connection open until its
 * idle timeout, so the client does not wait for the close: a handler may
 * still be running when the next input is sent, which the server's pool
 * allows). Invariants, checked in the
 * handlers: the request's method and path are set and the path is the route's;
 * no header value starts or ends with a blank; header count and bytes are
 * within the configured bounds; the body is within max_body and
 * NUL-terminated; a streamed body's chunks add up to at most the largest
 * input.
 * On the client side every answer begins with "HTTP/1.". Built with
 * -fsanitize=fuzzer,address,undefined.
 */
#include "sluice/error.h"
#include "sluice/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FUZZ_MAX_BODY        4096
#define FUZZ_MAX_HEADERS     16
#define FUZZ_MAX_HEADER_SIZE 2048
#define FUZZ_FIRST_BYTE_MS   30 /* wait for an answer to start */
#define FUZZ_IDLE_MS         5  /* then for more of it */
#define FUZZ_MAX_INPUT       (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static http_server *fuzz_server;
static uint16_t fuzz_port;
static char fuzz_root[] = "/";
static char fuzz_x[] = "/x";

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void check_request(const http_request *req)
{
    if (req->method == NULL || req->path == NULL || req->body == NULL) {
        abort();
    }
    size_t bytes = 0;
    for (size_t i = 0; i < req->header_count; i++) {
        const char *name = req->headers[i].name;
        const char *value = req->headers[i].value;
        if (name == NULL || value == NULL) {
            abort();
        }
        size_t len = strlen(value);
        if (len > 0 && (is_blank(value[0]) || is_blank(value[len - 1]))) {
            fprintf(stderr, "header %s has an untrimmed value \"%s\"\n", name, value);
            abort();
        }
        bytes += strlen(name) + len;
        if (http_request_header(req, name) == NULL) {
            abort(); /* every header is found by its own name */
        }
    }
    if (req->header_count > FUZZ_MAX_HEADERS || bytes > FUZZ_MAX_HEADER_SIZE) {
        abort();
    }
    for (size_t i = 0; i < req->query_count; i++) {
        if (req->query[i].name == NULL || req->query[i].value == NULL ||
            http_request_query(req, req->query[i].name) == NULL) {
            abort();
        }
    }
}

static void exact_handler(const http_request *req, http_response *resp, void *ctx)
{
    const char *path = ctx;
    check_request(req);
    if (strcmp(req->path, path) != 0 || req->body_len > FUZZ_MAX_BODY ||
        req->body[req->body_len] != '\0') {
        abort();
    }
    http_response_set_body(resp, 200, "text/plain", "ok", 2);
}

typedef struct fuzz_stream {
    size_t received;
} fuzz_stream;

static void stream_begin(const http_request *req, http_response *resp, void **stream, void *ctx)
{
    (void)ctx;
    (void)resp;
    check_request(req);
    if (strncmp(req->path, "/s/", 3) != 0 || req->body_len != 0) {
        abort();
    }
    *stream = calloc(1, sizeof(fuzz_stream));
}

static int stream_data(void *stream, const char *bytes, size_t len, void *ctx)
{
    (void)ctx;
    (void)bytes;
    fuzz_stream *s = stream;
    if (len == 0) {
        abort();
    }
    if (s != NULL) {
        s->received += len;
        if (s->received > FUZZ_MAX_INPUT) {
            abort(); /* more body than bytes on the wire */
        }
    }
    return 0;
}

static void stream_end(void *stream, const http_request *req, http_response *resp, void *ctx)
{
    (void)stream;
    (void)ctx;
    check_request(req);
    http_response_set_body(resp, 200, "text/plain", "streamed", 8);
}

static void stream_done(void *stream, bool completed, void *ctx)
{
    (void)completed;
    (void)ctx;
    free(stream);
}

static void fuzz_start(void)
{
    http_server_config cfg;
    http_server_config_defaults(&cfg);
    cfg.bind_address = "127.0.0.1";
    cfg.port = 0;
    cfg.threads = 1;
    cfg.connection_limit = 8;
    cfg.connection_timeout_s = 2;
    cfg.max_body = FUZZ_MAX_BODY;
    cfg.max_headers = FUZZ_MAX_HEADERS;
    cfg.max_header_bytes = FUZZ_MAX_HEADER_SIZE;
    cfg.max_response_body = 4096;
    char err[256];
    fuzz_server = http_server_new(&cfg, err, sizeof err);
    static const http_stream_handler streamer = {stream_begin, stream_data, stream_end, stream_done,
                                                 NULL};
    if (fuzz_server == NULL ||
        http_server_route(fuzz_server, "POST", "/", exact_handler, fuzz_root) != 0 ||
        http_server_route(fuzz_server, "GET", "/x", exact_handler, fuzz_x) != 0 ||
        http_server_route_prefix(fuzz_server, "/s/", &streamer) != 0 ||
        http_server_start(fuzz_server, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_http_request: cannot start the server: %s\n", err);
        abort();
    }
    fuzz_port = http_server_port(fuzz_server);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fuzz_start);
    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return 0;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(fuzz_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return 0;
    }
    size_t off = 0;
    while (off < size) {
        ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
        if (n <= 0) {
            break; /* the server may close early (413, 431, a framing error) */
        }
        off += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    char answer[8192];
    size_t got = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, got == 0 ? FUZZ_FIRST_BYTE_MS : FUZZ_IDLE_MS) <= 0) {
            break;
        }
        char *dst = got < sizeof answer ? answer + got : answer;
        size_t room = got < sizeof answer ? sizeof answer - got : sizeof answer;
        ssize_t n = recv(fd, dst, room, 0);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    if (got > 0 && (got < 7 || memcmp(answer, "HTTP/1.", 7) != 0)) {
        fprintf(stderr, "answer does not start with a status line\n");
        abort();
    }
    return 0;
}
