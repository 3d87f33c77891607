/* Unit tests of sluice/http_message.h: lookups, response bodies, headers and their bounds. */
#include "sluice/error.h"
#include "sluice/http_message.h"
#include "sluice_test.h"

#include <string.h>

static void test_request_lookups(void)
{
    http_pair headers[] = {{"Host", "localhost"}, {"X-Amz-Target", "A.B"}, {"x-amz-target", "C"}};
    http_pair query[] = {{"a", "1"}, {"A", "2"}, {"flag", ""}};
    http_request req = {.method = "GET",
                        .path = "/",
                        .headers = headers,
                        .header_count = 3,
                        .query = query,
                        .query_count = 3,
                        .body = "",
                        .body_len = 0};
    CHECK_STR_EQ(http_request_header(&req, "host"), "localhost");
    CHECK_STR_EQ(http_request_header(&req, "X-AMZ-TARGET"), "A.B");
    CHECK(http_request_header(&req, "Content-Type") == NULL);
    CHECK_STR_EQ(http_request_query(&req, "a"), "1");
    CHECK_STR_EQ(http_request_query(&req, "A"), "2");
    CHECK_STR_EQ(http_request_query(&req, "flag"), "");
    CHECK(http_request_query(&req, "b") == NULL);
}

static void test_response_body(void)
{
    http_response resp;
    http_response_init(&resp, 16);
    CHECK_INT_EQ(resp.status, 0);
    CHECK_INT_EQ(http_response_set_body(&resp, 200, "text/plain", "hello", 5), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(resp.content_type, "text/plain");
    CHECK_STR_EQ(sluice_buf_cstr(&resp.body), "hello");

    /* failures leave the response as it was */
    CHECK_INT_EQ(http_response_set_body(&resp, 201, "text/plain", "0123456789abcdefg", 17),
                 SLUICE_ETOOBIG);
    CHECK_INT_EQ(http_response_set_body(&resp, 99, "text/plain", "x", 1), SLUICE_EINVAL);
    CHECK_INT_EQ(http_response_set_body(&resp, 600, "text/plain", "x", 1), SLUICE_EINVAL);
    CHECK_INT_EQ(http_response_set_body(&resp, 200, "text/plain\r\nX-Evil: 1", "x", 1),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(sluice_buf_cstr(&resp.body), "hello");

    CHECK_INT_EQ(http_response_set_body(&resp, 204, "text/plain", NULL, 0), SLUICE_OK);
    CHECK_INT_EQ(resp.body.len, 0);
    http_response_free(&resp);
    http_response_free(NULL);
}

static void test_response_json(void)
{
    http_response resp;
    http_response_init(&resp, 1024);
    json_t *value = json_pack("{s:s, s:f, s:[i]}", "name", "demo", "at", 1467929497.204, "n", 3);
    CHECK_INT_EQ(http_response_set_json(&resp, 201, value), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 201);
    CHECK_STR_EQ(resp.content_type, "application/json");
    CHECK_STR_EQ(sluice_buf_cstr(&resp.body),
                 "{\"name\":\"demo\",\"at\":1467929497.204,\"n\":[3]}");
    json_decref(value);

    http_response small;
    http_response_init(&small, 8);
    value = json_pack("{s:s}", "name", "longer than eight");
    CHECK_INT_EQ(http_response_set_json(&small, 200, value), SLUICE_ETOOBIG);
    CHECK_INT_EQ(small.status, 0);
    json_decref(value);
    http_response_free(&small);

    CHECK_INT_EQ(http_response_set_error(&resp, 404, "NotFound", "no \"such\" thing \xff"),
                 SLUICE_OK);
    CHECK_INT_EQ(resp.status, 404);
    CHECK_STR_EQ(sluice_buf_cstr(&resp.body),
                 "{\"code\":\"NotFound\",\"message\":\"no \\\"such\\\" thing ?\"}");
    http_response_free(&resp);
}

static void test_response_headers(void)
{
    http_response resp;
    http_response_init(&resp, 64);
    CHECK_INT_EQ(http_response_add_header(&resp, "x-amzn-RequestId", "abc"), SLUICE_OK);
    CHECK_STR_EQ(http_response_get_header(&resp, "X-AMZN-REQUESTID"), "abc");
    CHECK_INT_EQ(http_response_add_header(&resp, "X-Bad", "a\r\nSet-Cookie: x"), SLUICE_EINVAL);
    CHECK_INT_EQ(http_response_add_header(&resp, "X Bad", "v"), SLUICE_EINVAL);
    CHECK_INT_EQ(http_response_add_header(&resp, "", "v"), SLUICE_EINVAL);
    CHECK_INT_EQ(http_response_add_header(&resp, "Content-Length", "1"), SLUICE_EINVAL);
    CHECK_INT_EQ(http_response_add_header(&resp, "content-type", "text/html"), SLUICE_EINVAL);
    CHECK_INT_EQ(resp.header_count, 1);
    for (int i = 1; i < HTTP_RESPONSE_MAX_HEADERS; i++) {
        CHECK_INT_EQ(http_response_add_header(&resp, "X-N", "v"), SLUICE_OK);
    }
    CHECK_INT_EQ(http_response_add_header(&resp, "X-Overflow", "v"), SLUICE_ETOOBIG);
    http_response_free(&resp);
    CHECK_INT_EQ(resp.header_count, 0);
}

int main(void)
{
    RUN_TEST(test_request_lookups);
    RUN_TEST(test_response_body);
    RUN_TEST(test_response_json);
    RUN_TEST(test_response_headers);
    return sluice_test_report();
}
