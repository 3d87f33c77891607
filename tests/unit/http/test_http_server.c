/*
 * Tests of sluice/http_server.h and sluice/http_client.h together, over
 * loopback on ephemeral ports (so they run in parallel with anything):
 * routing, bodies and their bound, header bounds, error shaping, timeouts on
 * both sides, metrics, concurrency and the lifecycle.
 */
#include "sluice/error.h"
#include "sluice/http_client.h"
#include "sluice/http_server.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------- handlers */

static void handle_hello(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    http_response_set_body(resp, 200, "text/plain", "hello", 5);
    http_response_add_header(resp, "X-Reply", "yes");
}

/* Echoes what the handler saw as JSON. */
static void handle_echo(const http_request *req, http_response *resp, void *ctx)
{
    (void)ctx;
    json_t *query = json_object();
    for (size_t i = 0; i < req->query_count; i++) {
        json_object_set_new(query, req->query[i].name, json_string(req->query[i].value));
    }
    const char *test_header = http_request_header(req, "X-Test");
    json_t *echo = json_pack("{s:s, s:s, s:s%, s:o, s:s, s:s, s:i}", "method", req->method, "path",
                             req->path, "body", req->body, req->body_len, "query", query, "x_test",
                             test_header != NULL ? test_header : "", "remote", req->remote_addr,
                             "body_len", (int)req->body_len);
    http_response_set_json(resp, 200, echo);
    json_decref(echo);
}

static void handle_nothing(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    (void)resp;
    (void)ctx;
}

static void handle_slow(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    struct timespec pause = {.tv_sec = 1, .tv_nsec = 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    http_response_set_body(resp, 200, "text/plain", "late", 4);
}

static void handle_big(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    char body[4096];
    memset(body, 'b', sizeof body);
    http_response_set_body(resp, 200, "application/octet-stream", body, sizeof body);
}

/* An AWS-shaped error body for the server's own errors. */
static void aws_like_error(int status, const char *code, const char *message, http_response *resp,
                           void *ctx)
{
    (void)ctx;
    json_t *body = json_pack("{s:s, s:s}", "__type", code, "message", message);
    http_response_set_json(resp, status, body);
    json_decref(body);
}

/* ------------------------------------------------------------ fixtures */

typedef struct fixture {
    http_server *server;
    http_client *client;
    http_metrics *metrics;
    char base[64];
} fixture;

static int fixture_start(fixture *f, size_t max_body, size_t max_headers, unsigned timeout_s,
                         http_error_fn error_fn)
{
    memset(f, 0, sizeof *f);
    char err[256];
    f->metrics = http_metrics_new();
    http_server_config config;
    http_server_config_defaults(&config);
    config.bind_address = "127.0.0.1";
    config.port = 0;
    config.threads = 2;
    config.max_body = max_body;
    config.max_headers = max_headers;
    config.connection_timeout_s = timeout_s;
    config.max_response_body = 1 << 20;
    config.metrics = f->metrics;
    config.error_fn = error_fn;
    f->server = http_server_new(&config, err, sizeof err);
    if (f->server == NULL) {
        fprintf(stderr, "server: %s\n", err);
        return -1;
    }
    http_server_route(f->server, "GET", "/hello", handle_hello, NULL);
    http_server_route(f->server, "POST", "/echo", handle_echo, NULL);
    http_server_route(f->server, "PUT", "/echo", handle_echo, NULL);
    http_server_route(f->server, "GET", "/nothing", handle_nothing, NULL);
    http_server_route(f->server, "GET", "/slow", handle_slow, NULL);
    http_server_route(f->server, "GET", "/big", handle_big, NULL);
    http_server_route_health(f->server, handle_hello, NULL, f->metrics); /* /healthz, /metrics */
    http_server_route(f->server, "GET", "/with space", handle_echo, NULL);
    if (http_server_start(f->server, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "start: %s\n", err);
        return -1;
    }
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", (unsigned)http_server_port(f->server));
    http_client_config client_config;
    http_client_config_defaults(&client_config);
    client_config.timeout_ms = 5000;
    f->client = http_client_new(&client_config, err, sizeof err);
    return f->client != NULL ? 0 : -1;
}

static void fixture_stop(fixture *f)
{
    http_client_free(f->client);
    http_server_free(f->server);
    http_metrics_free(f->metrics);
}

static void url_of(const fixture *f, const char *path, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s%s", f->base, path);
}

/* A raw TCP connection to the server, for what a well-behaved client never sends. */
static int raw_connect(const fixture *f)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons(http_server_port(f->server))};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void raw_send(int fd, const char *text, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, text + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        sent += (size_t)n;
    }
}

/* Reads until the peer closes or timeout_ms passes; returns bytes read. */
static size_t raw_read_all(int fd, char *out, size_t outlen, int timeout_ms)
{
    size_t got = 0;
    int64_t deadline = sluice_time_monotonic_ms() + timeout_ms;
    while (got + 1 < outlen) {
        int64_t left = deadline - sluice_time_monotonic_ms();
        if (left <= 0) {
            break;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0) {
            break;
        }
        ssize_t n = recv(fd, out + got, outlen - 1 - got, 0);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    out[got] = '\0';
    return got;
}

/* --------------------------------------------------------------- tests */

static void test_round_trip(void)
{
    fixture f;
    REQUIRE(fixture_start(&f, 1024, 64, 5, NULL) == 0);
    char url[256];
    char err[256];
    http_client_response resp;

    url_of(&f, "/hello", url, sizeof url);
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(sluice_buf_cstr(&resp.body), "hello");
    CHECK_STR_EQ(http_client_response_header(&resp, "content-type"), "text/plain");
    CHECK_STR_EQ(http_client_response_header(&resp, "X-REPLY"), "yes");
    http_client_response_free(&resp);

    url_of(&f, "/echo?x=1&y=a%20b&flag", url, sizeof url);
    const char *json = "{\"name\":\"demo\"}";
    http_pair headers[] = {{"Content-Type", "application/json"}, {"X-Test", "  spaced value "}};
    CHECK_INT_EQ(http_client_request(f.client, "POST", url, headers, 2, json, strlen(json), &resp,
                                     err, sizeof err),
                 SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    json_t *echo = json_loads(sluice_buf_cstr(&resp.body), 0, NULL);
    REQUIRE(echo != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(echo, "method")), "POST");
    CHECK_STR_EQ(json_string_value(json_object_get(echo, "path")), "/echo");
    CHECK_STR_EQ(json_string_value(json_object_get(echo, "body")), json);
    json_t *query = json_object_get(echo, "query");
    CHECK_STR_EQ(json_string_value(json_object_get(query, "x")), "1");
    CHECK_STR_EQ(json_string_value(json_object_get(query, "y")), "a b");
    CHECK_STR_EQ(json_string_value(json_object_get(query, "flag")), "");
    CHECK_STR_EQ(json_string_value(json_object_get(echo, "x_test")), "spaced value");
    CHECK_STR_EQ(json_string_value(json_object_get(echo, "remote")), "127.0.0.1");
    json_decref(echo);
    http_client_response_free(&resp);

    /* a body with NUL bytes arrives whole */
    url_of(&f, "/echo", url, sizeof url);
    const char binary[] = {'a', '\0', 'b', '\0'};
    CHECK_INT_EQ(http_client_request(f.client, "PUT", url, NULL, 0, binary, sizeof binary, &resp,
                                     err, sizeof err),
                 SLUICE_OK);
    echo = json_loads(sluice_buf_cstr(&resp.body), JSON_ALLOW_NUL, NULL);
    CHECK_INT_EQ(json_integer_value(json_object_get(echo, "body_len")), 4);
    json_decref(echo);
    http_client_response_free(&resp);

    /* post_json and an empty POST */
    CHECK_INT_EQ(http_client_post_json(f.client, url, "{}", 2, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    http_client_response_free(&resp);
    CHECK_INT_EQ(
        http_client_request(f.client, "POST", url, NULL, 0, NULL, 0, &resp, err, sizeof err),
        SLUICE_OK);
    echo = json_loads(sluice_buf_cstr(&resp.body), 0, NULL);
    CHECK_INT_EQ(json_integer_value(json_object_get(echo, "body_len")), 0);
    json_decref(echo);
    http_client_response_free(&resp);
    fixture_stop(&f);
}

static void test_routing_errors(void)
{
    fixture f;
    REQUIRE(fixture_start(&f, 1024, 64, 5, NULL) == 0);
    char url[256];
    char err[256];
    http_client_response resp;

    url_of(&f, "/missing", url, sizeof url);
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 404);
    CHECK_STR_EQ(http_client_response_header(&resp, "Content-Type"), "application/json");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "\"code\":\"NotFound\"");
    http_client_response_free(&resp);

    url_of(&f, "/hello/", url, sizeof url); /* exact match only */
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 404);
    http_client_response_free(&resp);

    url_of(&f, "/echo", url, sizeof url);
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 405);
    CHECK_STR_EQ(http_client_response_header(&resp, "Allow"), "POST, PUT");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "MethodNotAllowed");
    http_client_response_free(&resp);

    /* routes match the percent-decoded path */
    url_of(&f, "/with%20space?q=%2F", url, sizeof url);
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "\"path\":\"/with space\"");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "\"query\":{\"q\":\"/\"}");
    http_client_response_free(&resp);

    /* a handler that sets nothing yields a 500 */
    url_of(&f, "/nothing", url, sizeof url);
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 500);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "InternalError");
    http_client_response_free(&resp);
    fixture_stop(&f);
}

static void test_body_bound(void)
{
    fixture f;
    REQUIRE(fixture_start(&f, 1024, 64, 5, NULL) == 0);
    char url[256];
    char err[256];
    http_client_response resp;
    url_of(&f, "/echo", url, sizeof url);

    char *big = malloc(64 * 1024);
    REQUIRE(big != NULL);
    memset(big, 'x', 64 * 1024);
    CHECK_INT_EQ(
        http_client_request(f.client, "POST", url, NULL, 0, big, 64 * 1024, &resp, err, sizeof err),
        SLUICE_OK);
    CHECK_INT_EQ(resp.status, 413);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "RequestEntityTooLarge");
    http_client_response_free(&resp);

    /* exactly at the bound is fine, and the server keeps serving */
    CHECK_INT_EQ(
        http_client_request(f.client, "POST", url, NULL, 0, big, 1024, &resp, err, sizeof err),
        SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    http_client_response_free(&resp);
    CHECK_INT_EQ(
        http_client_request(f.client, "POST", url, NULL, 0, big, 1025, &resp, err, sizeof err),
        SLUICE_OK);
    CHECK_INT_EQ(resp.status, 413);
    http_client_response_free(&resp);
    free(big);

    /* a chunked upload has no Content-Length: the bound is enforced while reading */
    int fd = raw_connect(&f);
    REQUIRE(fd >= 0);
    const char *head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    raw_send(fd, head, strlen(head));
    char chunk[600];
    memset(chunk, 'y', sizeof chunk);
    for (int i = 0; i < 4; i++) {
        raw_send(fd, "258\r\n", 5); /* 0x258 = 600 */
        raw_send(fd, chunk, sizeof chunk);
        raw_send(fd, "\r\n", 2);
    }
    raw_send(fd, "0\r\n\r\n", 5);
    char reply[4096];
    raw_read_all(fd, reply, sizeof reply, 3000);
    CHECK_STR_CONTAINS(reply, "HTTP/1.1 413");
    CHECK_STR_CONTAINS(reply, "RequestEntityTooLarge");
    close(fd);

    url_of(&f, "/hello", url, sizeof url);
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    http_client_response_free(&resp);
    fixture_stop(&f);
}

static void test_header_bound_and_error_shape(void)
{
    fixture f;
    REQUIRE(fixture_start(&f, 1024, 8, 5, aws_like_error) == 0);
    char url[256];
    char err[256];
    http_client_response resp;
    url_of(&f, "/hello", url, sizeof url);

    http_pair headers[12];
    char names[12][16];
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "X-H%d", i);
        headers[i].name = names[i];
        headers[i].value = "v";
    }
    CHECK_INT_EQ(
        http_client_request(f.client, "GET", url, headers, 12, NULL, 0, &resp, err, sizeof err),
        SLUICE_OK);
    CHECK_INT_EQ(resp.status, 431);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "\"__type\":\"RequestHeaderFieldsTooLarge\"");
    http_client_response_free(&resp);

    CHECK_INT_EQ(
        http_client_request(f.client, "GET", url, headers, 2, NULL, 0, &resp, err, sizeof err),
        SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    http_client_response_free(&resp);

    url_of(&f, "/nowhere", url, sizeof url);
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 404);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "\"__type\":\"NotFound\"");
    http_client_response_free(&resp);
    fixture_stop(&f);
}

static void test_timeouts(void)
{
    fixture f;
    REQUIRE(fixture_start(&f, 1024, 64, 1, NULL) == 0);
    char url[256];
    char err[256];
    http_client_response resp;

    /* the client gives up on a slow handler */
    http_client_config config;
    http_client_config_defaults(&config);
    config.timeout_ms = 300;
    http_client *impatient = http_client_new(&config, err, sizeof err);
    REQUIRE(impatient != NULL);
    url_of(&f, "/slow", url, sizeof url);
    int64_t start = sluice_time_monotonic_ms();
    CHECK_INT_EQ(http_client_get(impatient, url, &resp, err, sizeof err), SLUICE_ETIMEDOUT);
    CHECK(sluice_time_monotonic_ms() - start < 1000);
    http_client_response_free(&resp);
    http_client_free(impatient);

    /* the server closes a connection that stays silent past connection_timeout_s */
    int fd = raw_connect(&f);
    REQUIRE(fd >= 0);
    start = sluice_time_monotonic_ms();
    char buf[64];
    size_t got = raw_read_all(fd, buf, sizeof buf, 5000);
    int64_t waited = sluice_time_monotonic_ms() - start;
    CHECK_INT_EQ(got, 0);
    CHECK(waited >= 500 && waited < 4500);
    close(fd);

    /* the client's response bound */
    config.timeout_ms = 5000;
    config.max_response = 100;
    http_client *small = http_client_new(&config, err, sizeof err);
    url_of(&f, "/big", url, sizeof url);
    CHECK_INT_EQ(http_client_get(small, url, &resp, err, sizeof err), SLUICE_ETOOBIG);
    http_client_response_free(&resp);
    http_client_free(small);
    fixture_stop(&f);
}

static void test_metrics_endpoint(void)
{
    fixture f;
    REQUIRE(fixture_start(&f, 1024, 64, 5, NULL) == 0);
    char url[256];
    char err[256];
    http_client_response resp;
    url_of(&f, "/hello", url, sizeof url);
    for (int i = 0; i < 3; i++) {
        CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
        http_client_response_free(&resp);
    }
    url_of(&f, "/missing", url, sizeof url);
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    http_client_response_free(&resp);

    url_of(&f, "/healthz", url, sizeof url); /* http_server_route_health's health route */
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(sluice_buf_cstr(&resp.body), "hello");
    http_client_response_free(&resp);

    url_of(&f, "/metrics", url, sizeof url);
    CHECK_INT_EQ(http_client_get(f.client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(http_client_response_header(&resp, "Content-Type"),
                 "text/plain; version=0.0.4; charset=utf-8");
    const char *text = sluice_buf_cstr(&resp.body);
    CHECK_STR_CONTAINS(text, "# TYPE sluice_http_requests_total counter\n");
    CHECK_STR_CONTAINS(
        text, "sluice_http_requests_total{route=\"/hello\",method=\"GET\",status=\"200\"} 3\n");
    CHECK_STR_CONTAINS(
        text, "sluice_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n");
    CHECK_STR_CONTAINS(text, "sluice_http_request_duration_seconds_count{route=\"/hello\"} 3\n");
    CHECK_STR_CONTAINS(
        text, "sluice_http_request_duration_seconds_bucket{route=\"/hello\",le=\"+Inf\"} 3\n");
    http_client_response_free(&resp);
    fixture_stop(&f);
}

typedef struct load_arg {
    const char *base;
    int ok;
} load_arg;

static void *load_worker(void *arg)
{
    load_arg *load = arg;
    char err[256];
    char url[256];
    http_client_config config;
    http_client_config_defaults(&config);
    http_client *client = http_client_new(&config, err, sizeof err);
    snprintf(url, sizeof url, "%s/echo", load->base);
    for (int i = 0; i < 50 && client != NULL; i++) {
        http_client_response resp;
        char body[64];
        int n = snprintf(body, sizeof body, "{\"i\":%d}", i);
        if (http_client_post_json(client, url, body, (size_t)n, &resp, err, sizeof err) ==
                SLUICE_OK &&
            resp.status == 200 && strstr(sluice_buf_cstr(&resp.body), "\\\"i\\\":") != NULL) {
            load->ok++;
        }
        http_client_response_free(&resp);
    }
    http_client_free(client);
    return NULL;
}

static void test_concurrent_clients(void)
{
    fixture f;
    REQUIRE(fixture_start(&f, 1024, 64, 5, NULL) == 0);
    pthread_t threads[4];
    load_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i].base = f.base;
        args[i].ok = 0;
        pthread_create(&threads[i], NULL, load_worker, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK_INT_EQ(args[i].ok, 50);
    }
    fixture_stop(&f);
}

static void test_lifecycle(void)
{
    char err[256];
    http_server_config config;
    http_server_config_defaults(&config);
    config.bind_address = "127.0.0.1";
    http_server *a = http_server_new(&config, err, sizeof err);
    http_server *b = http_server_new(&config, err, sizeof err);
    REQUIRE(a != NULL && b != NULL);
    CHECK_INT_EQ(http_server_port(a), 0);
    CHECK_INT_EQ(http_server_route(a, "GET", "/hello", handle_hello, NULL), SLUICE_OK);
    CHECK_INT_EQ(http_server_route(a, "GET", "/hello", handle_hello, NULL), SLUICE_EINVAL);
    CHECK_INT_EQ(http_server_route(a, "get", "/x", handle_hello, NULL), SLUICE_EINVAL);
    CHECK_INT_EQ(http_server_route(a, "GET", "x", handle_hello, NULL), SLUICE_EINVAL);
    CHECK_INT_EQ(http_server_start(a, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(http_server_start(b, err, sizeof err), SLUICE_OK);
    uint16_t port_a = http_server_port(a);
    CHECK(port_a != 0);
    CHECK(http_server_port(b) != 0 && http_server_port(b) != port_a);
    CHECK_INT_EQ(http_server_start(a, err, sizeof err), SLUICE_ESTATE);
    CHECK_INT_EQ(http_server_route(a, "GET", "/late", handle_hello, NULL), SLUICE_ESTATE);

    /* a fixed port already taken */
    http_server_config taken = config;
    taken.port = port_a;
    http_server *c = http_server_new(&taken, err, sizeof err);
    REQUIRE(c != NULL);
    CHECK_INT_EQ(http_server_start(c, err, sizeof err), SLUICE_EIO);
    CHECK_STR_CONTAINS(err, "cannot start the HTTP server on 127.0.0.1:");
    http_server_free(c);

    http_server_stop(a);
    http_server_stop(a);
    CHECK_INT_EQ(http_server_port(a), 0);

    /* nothing listens any more */
    http_client_config client_config;
    http_client_config_defaults(&client_config);
    http_client *client = http_client_new(&client_config, err, sizeof err);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hello", (unsigned)port_a);
    http_client_response resp;
    CHECK_INT_EQ(http_client_get(client, url, &resp, err, sizeof err), SLUICE_EIO);
    http_client_response_free(&resp);
    CHECK_INT_EQ(http_client_get(client, "ftp://127.0.0.1/x", &resp, err, sizeof err),
                 SLUICE_EINVAL);
    http_client_response_free(&resp);
    http_pair evil[] = {{"X-Evil", "a\r\nInjected: 1"}};
    CHECK_INT_EQ(http_client_request(client, "GET", url, evil, 1, NULL, 0, &resp, err, sizeof err),
                 SLUICE_EINVAL);
    http_client_response_free(&resp);
    http_client_free(client);

    http_server_free(a);
    http_server_free(b);
    http_server_free(NULL);

    config.threads = 0;
    CHECK(http_server_new(&config, err, sizeof err) == NULL);
    config.threads = 2;
    config.bind_address = "not-an-address";
    http_server *d = http_server_new(&config, err, sizeof err);
    REQUIRE(d != NULL);
    CHECK_INT_EQ(http_server_start(d, err, sizeof err), SLUICE_EINVAL);
    http_server_free(d);
}

int main(void)
{
    RUN_TEST(test_round_trip);
    RUN_TEST(test_routing_errors);
    RUN_TEST(test_body_bound);
    RUN_TEST(test_header_bound_and_error_shape);
    RUN_TEST(test_timeouts);
    RUN_TEST(test_metrics_endpoint);
    RUN_TEST(test_concurrent_clients);
    RUN_TEST(test_lifecycle);
    return sluice_test_report();
}
