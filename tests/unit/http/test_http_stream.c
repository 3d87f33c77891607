/*
 * Tests of the streaming routes of sluice/http_server.h over loopback:
 * bodies far beyond max_body reach the handler chunk by chunk, begin can
 * answer before the body, exact routes win over prefixes, done runs once per
 * request, and file-range responses (http_response_set_file) are served.
 */
#include "sluice/error.h"
#include "sluice/http_client.h"
#include "sluice/http_server.h"
#include "sluice_test.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct stream_state {
    uint64_t bytes;
    uint64_t sum;
    size_t chunks;
    size_t largest;
} stream_state;

typedef struct stream_ctx {
    atomic_int begins;
    atomic_int dones;
    char file[64];
} stream_ctx;

static void s_begin(const http_request *req, http_response *resp, void **stream, void *ctx)
{
    stream_ctx *c = ctx;
    atomic_fetch_add(&c->begins, 1);
    if (strcmp(req->path, "/s/deny") == 0) {
        http_response_set_body(resp, 403, "text/plain", "no", 2);
        return;
    }
    if (strcmp(req->path, "/s/file") == 0) {
        int fd = open(c->file, O_RDONLY);
        const char *range = http_request_header(req, "X-Range-Start");
        uint64_t start = range != NULL ? strtoull(range, NULL, 10) : 0;
        http_response_set_file(resp, 200, "application/octet-stream", fd, start, 1000);
        return;
    }
    *stream = calloc(1, sizeof(stream_state));
}

static int s_data(void *stream, const char *bytes, size_t len, void *ctx)
{
    (void)ctx;
    stream_state *s = stream;
    s->bytes += len;
    s->chunks++;
    if (len > s->largest) {
        s->largest = len;
    }
    for (size_t i = 0; i < len; i++) {
        s->sum += (unsigned char)bytes[i];
    }
    return 0;
}

static void s_end(void *stream, const http_request *req, http_response *resp, void *ctx)
{
    (void)ctx;
    stream_state *s = stream;
    char text[128];
    int n = snprintf(text, sizeof text, "%s %llu %llu %zu", req->method,
                     (unsigned long long)s->bytes, (unsigned long long)s->sum, s->largest);
    http_response_set_body(resp, 200, "text/plain", text, (size_t)n);
}

static void s_done(void *stream, bool completed, void *ctx)
{
    (void)completed;
    stream_ctx *c = ctx;
    atomic_fetch_add(&c->dones, 1);
    free(stream);
}

static void exact(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    http_response_set_body(resp, 200, "text/plain", "exact", 5);
}

static void test_stream_routes(void)
{
    stream_ctx c;
    atomic_init(&c.begins, 0);
    atomic_init(&c.dones, 0);
    snprintf(c.file, sizeof c.file, "/tmp/sluice-stream-%d", (int)getpid());
    int fd = open(c.file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    unsigned char block[4096];
    for (size_t i = 0; i < sizeof block; i++) {
        block[i] = (unsigned char)(i % 251);
    }
    REQUIRE(write(fd, block, sizeof block) == (ssize_t)sizeof block);
    close(fd);

    http_server_config config;
    http_server_config_defaults(&config);
    config.bind_address = "127.0.0.1";
    config.max_body = 1024;
    char err[256];
    http_server *server = http_server_new(&config, err, sizeof err);
    REQUIRE(server != NULL);
    http_stream_handler handler = {s_begin, s_data, s_end, s_done, &c};
    CHECK_INT_EQ(http_server_route_prefix(server, "/s/", &handler), SLUICE_OK);
    CHECK_INT_EQ(http_server_route_prefix(server, "/s/", &handler), SLUICE_EINVAL);
    CHECK_INT_EQ(http_server_route_prefix(server, "nope", &handler), SLUICE_EINVAL);
    CHECK_INT_EQ(http_server_route(server, "GET", "/s/exact", exact, NULL), SLUICE_OK);
    REQUIRE(http_server_start(server, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(http_server_route_prefix(server, "/t/", &handler), SLUICE_ESTATE);

    http_client_config ccfg;
    http_client_config_defaults(&ccfg);
    http_client *client = http_client_new(&ccfg, err, sizeof err);
    REQUIRE(client != NULL);
    char url[128];
    http_client_response resp;

    /* a body 3000 times max_body streams through */
    size_t big = 3 * 1024 * 1024;
    char *body = malloc(big);
    REQUIRE(body != NULL);
    unsigned long long sum = 0;
    for (size_t i = 0; i < big; i++) {
        body[i] = (char)(i % 253);
        sum += (unsigned char)body[i];
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%u/s/upload", http_server_port(server));
    CHECK_INT_EQ(
        http_client_request(client, "PUT", url, NULL, 0, body, big, &resp, err, sizeof err),
        SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    char expected[128];
    snprintf(expected, sizeof expected, "PUT %zu %llu", big, sum);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), expected);
    unsigned long long largest = 0;
    const char *last_space = strrchr(sluice_buf_cstr(&resp.body), ' ');
    if (last_space != NULL) {
        largest = strtoull(last_space + 1, NULL, 10);
    }
    CHECK(largest > 0 && largest <= config.connection_memory_limit); /* never the whole body */
    http_client_response_free(&resp);
    free(body);

    /* begin answers before the body */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/s/deny", http_server_port(server));
    CHECK_INT_EQ(http_client_request(client, "GET", url, NULL, 0, NULL, 0, &resp, err, sizeof err),
                 SLUICE_OK);
    CHECK_INT_EQ(resp.status, 403);
    http_client_response_free(&resp);

    /* the exact route wins for its method only */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/s/exact", http_server_port(server));
    CHECK_INT_EQ(http_client_get(client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_STR_EQ(sluice_buf_cstr(&resp.body), "exact");
    http_client_response_free(&resp);
    CHECK_INT_EQ(http_client_request(client, "POST", url, NULL, 0, "x", 1, &resp, err, sizeof err),
                 SLUICE_OK);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "POST 1 120");
    http_client_response_free(&resp);

    /* a file range */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/s/file", http_server_port(server));
    http_pair range[] = {{"X-Range-Start", "100"}};
    CHECK_INT_EQ(http_client_request(client, "GET", url, range, 1, NULL, 0, &resp, err, sizeof err),
                 SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_INT_EQ(resp.body.len, 1000);
    CHECK(resp.body.len == 1000 && memcmp(resp.body.data, block + 100, 1000) == 0);
    http_client_response_free(&resp);

    /* not under the prefix: 404 as before */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/other", http_server_port(server));
    CHECK_INT_EQ(http_client_get(client, url, &resp, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 404);
    http_client_response_free(&resp);

    http_client_free(client);
    http_server_free(server);
    CHECK_INT_EQ(atomic_load(&c.begins), 4); /* upload, deny, POST, file */
    CHECK_INT_EQ(atomic_load(&c.dones), 4);
    unlink(c.file);
}

int main(void)
{
    RUN_TEST(test_stream_routes);
    return sluice_test_report();
}
