/* Unit tests of sluice/aws_json.h: X-Amz-Target, Content-Type, bodies, errors, timestamps. */
#include "sluice/aws_json.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static void test_target_parse(void)
{
    char op[AWS_JSON_OPERATION_MAX + 1];
    aws_json_error error;
    CHECK_INT_EQ(aws_json_target_parse("CodePipeline_20150709.ListPipelines",
                                       AWS_JSON_CODEPIPELINE_PREFIX, op, sizeof op, &error),
                 SLUICE_OK);
    CHECK_STR_EQ(op, "ListPipelines");

    const char *bad[] = {NULL,
                         "",
                         "ListPipelines",
                         "CodePipeline_20150709.",
                         "CodePipeline_20150709.List-Pipelines",
                         "CodePipeline_20150709.1List",
                         "DynamoDB_20120810.ListTables",
                         "codepipeline_20150709.ListPipelines",
                         "CodePipeline_20150709.Get.Pipeline",
                         "XCodePipeline_20150709.ListPipelines"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&error, 0, sizeof error);
        CHECK_INT_EQ(
            aws_json_target_parse(bad[i], AWS_JSON_CODEPIPELINE_PREFIX, op, sizeof op, &error),
            SLUICE_EPARSE);
        CHECK_STR_EQ(error.type, "UnknownOperationException");
        CHECK_INT_EQ(error.http_status, 400);
        CHECK_STR_EQ(op, "");
    }
    char long_target[200];
    snprintf(long_target, sizeof long_target, "CodePipeline_20150709.%0100d", 0);
    long_target[22] = 'A';
    CHECK_INT_EQ(
        aws_json_target_parse(long_target, AWS_JSON_CODEPIPELINE_PREFIX, op, sizeof op, &error),
        SLUICE_EPARSE);
    /* an op buffer too small is refused, not overflowed */
    char tiny[4];
    CHECK_INT_EQ(aws_json_target_parse("CodePipeline_20150709.ListPipelines",
                                       AWS_JSON_CODEPIPELINE_PREFIX, tiny, sizeof tiny, &error),
                 SLUICE_EPARSE);
}

static void test_content_type(void)
{
    CHECK(aws_json_content_type_ok(NULL));
    CHECK(aws_json_content_type_ok("application/x-amz-json-1.1"));
    CHECK(aws_json_content_type_ok("application/x-amz-json-1.0"));
    CHECK(aws_json_content_type_ok("application/json"));
    CHECK(aws_json_content_type_ok("Application/X-Amz-Json-1.1; charset=UTF-8"));
    CHECK(aws_json_content_type_ok(" application/json ;charset=utf-8"));
    CHECK(!aws_json_content_type_ok("text/plain"));
    CHECK(!aws_json_content_type_ok("application/x-amz-json-1.10"));
    CHECK(!aws_json_content_type_ok("application/jsonx"));
    CHECK(!aws_json_content_type_ok("application/x-www-form-urlencoded"));
}

static void test_body_parse(void)
{
    json_t *body = NULL;
    aws_json_error error;
    CHECK_INT_EQ(aws_json_body_parse("", 0, 0, &body, &error), SLUICE_OK);
    CHECK(json_is_object(body) && json_object_size(body) == 0);
    json_decref(body);
    CHECK_INT_EQ(aws_json_body_parse(" \r\n", 3, 0, &body, &error), SLUICE_OK);
    CHECK(json_is_object(body));
    json_decref(body);

    const char *ok = "{\"name\":\"demo\",\"version\":2}";
    CHECK_INT_EQ(aws_json_body_parse(ok, strlen(ok), 0, &body, &error), SLUICE_OK);
    CHECK_STR_EQ(json_string_value(json_object_get(body, "name")), "demo");
    json_decref(body);

    const char *bad[] = {"[]", "\"text\"", "{\"a\":", "{\"a\":1,\"a\":2}", "{} {}", "nul"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&error, 0, sizeof error);
        body = (json_t *)1;
        CHECK_INT_EQ(aws_json_body_parse(bad[i], strlen(bad[i]), 0, &body, &error), SLUICE_EPARSE);
        CHECK(body == NULL);
        CHECK_STR_EQ(error.type, "SerializationException");
        CHECK_INT_EQ(error.http_status, 400);
        CHECK(error.message[0] != '\0');
    }

    /* nesting: 3 levels allowed at max_depth 3, 4 refused; brackets inside strings do not count */
    const char *three = "{\"a\":{\"b\":[1]}}";
    const char *four = "{\"a\":{\"b\":[[1]]}}";
    const char *strings = "{\"a\":\"[[[[[[\\\"{{{{\"}";
    CHECK_INT_EQ(aws_json_body_parse(three, strlen(three), 3, &body, &error), SLUICE_OK);
    json_decref(body);
    CHECK_INT_EQ(aws_json_body_parse(four, strlen(four), 3, &body, &error), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(error.message, "nested deeper");
    CHECK_INT_EQ(aws_json_body_parse(strings, strlen(strings), 2, &body, &error), SLUICE_OK);
    json_decref(body);

    size_t depth = 100000;
    char *deep = malloc(depth * 2 + 1);
    REQUIRE(deep != NULL);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[depth * 2] = '\0';
    CHECK_INT_EQ(aws_json_body_parse(deep, depth * 2, 0, &body, &error), SLUICE_EPARSE);
    free(deep);
}

static void test_error_status(void)
{
    CHECK_INT_EQ(aws_json_error_status("ValidationException"), 400);
    CHECK_INT_EQ(aws_json_error_status("PipelineNotFoundException"), 400);
    CHECK_INT_EQ(aws_json_error_status("InvalidStructureException"), 400);
    CHECK_INT_EQ(aws_json_error_status("AccessDeniedException"), 400);
    CHECK_INT_EQ(aws_json_error_status("ThrottlingException"), 400);
    CHECK_INT_EQ(aws_json_error_status("UnrecognizedClientException"), 400);
    CHECK_INT_EQ(aws_json_error_status("InternalFailure"), 500);
    CHECK_INT_EQ(aws_json_error_status("ServiceUnavailable"), 503);
    CHECK_INT_EQ(aws_json_error_status("ServiceUnavailableException"), 503);
}

static void test_error_render_and_respond(void)
{
    sluice_buf out;
    sluice_buf_init(&out, 1024);
    CHECK_INT_EQ(aws_json_error_render("PipelineNotFoundException",
                                       "The account with id '1' does not include a pipeline "
                                       "with the name \"x\"",
                                       &out),
                 SLUICE_OK);
    CHECK_STR_EQ(sluice_buf_cstr(&out),
                 "{\"__type\":\"PipelineNotFoundException\",\"message\":\"The account with id "
                 "'1' does not include a pipeline with the name \\\"x\\\"\"}");
    sluice_buf_reset(&out);
    CHECK_INT_EQ(aws_json_error_render("ValidationException", "bad \xff byte", &out), SLUICE_OK);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "bad ? byte");
    sluice_buf_free(&out);

    sluice_buf small;
    sluice_buf_init(&small, 10);
    CHECK_INT_EQ(aws_json_error_render("ValidationException", "too long for ten", &small),
                 SLUICE_ETOOBIG);
    sluice_buf_free(&small);

    http_response resp;
    http_response_init(&resp, 4096);
    CHECK_INT_EQ(aws_json_respond_error(&resp, "ThrottlingException", "Rate exceeded",
                                        "11111111-2222-4333-8444-555555555555"),
                 SLUICE_OK);
    CHECK_INT_EQ(resp.status, 400);
    CHECK_STR_EQ(resp.content_type, "application/x-amz-json-1.1");
    CHECK_STR_EQ(sluice_buf_cstr(&resp.body),
                 "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}");
    CHECK_STR_EQ(http_response_get_header(&resp, "x-amzn-RequestId"),
                 "11111111-2222-4333-8444-555555555555");
    CHECK_STR_EQ(http_response_get_header(&resp, "x-amzn-ErrorType"), "ThrottlingException");
    http_response_free(&resp);

    http_response_init(&resp, 4096);
    CHECK_INT_EQ(aws_json_respond_error(&resp, "InternalFailure", "boom", NULL), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 500);
    CHECK(http_response_get_header(&resp, "x-amzn-RequestId") == NULL);
    http_response_free(&resp);
}

static void test_respond_and_timestamps(void)
{
    json_t *body = json_object();
    json_object_set_new(body, "created", aws_json_timestamp(1467929497204));
    json_object_set_new(body, "updated", aws_json_timestamp(1795676867000));
    json_object_set_new(body, "name", json_string("demo"));
    http_response resp;
    http_response_init(&resp, 4096);
    CHECK_INT_EQ(aws_json_respond(&resp, body, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(resp.content_type, AWS_JSON_CONTENT_TYPE);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "\"created\":1467929497.204");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "\"updated\":1795676867.0");
    CHECK_STR_EQ(http_response_get_header(&resp, "x-amzn-RequestId"),
                 "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    http_response_free(&resp);

    int64_t ms = 0;
    CHECK_INT_EQ(aws_json_timestamp_ms(json_object_get(body, "created"), &ms), SLUICE_OK);
    CHECK_INT_EQ(ms, 1467929497204);
    json_t *integer = json_integer(1467929497);
    CHECK_INT_EQ(aws_json_timestamp_ms(integer, &ms), SLUICE_OK);
    CHECK_INT_EQ(ms, 1467929497000);
    json_decref(integer);
    json_t *text = json_string("2016-07-07");
    CHECK_INT_EQ(aws_json_timestamp_ms(text, &ms), SLUICE_EINVAL);
    json_decref(text);
    json_t *negative = json_real(-1.5);
    CHECK_INT_EQ(aws_json_timestamp_ms(negative, &ms), SLUICE_EINVAL);
    json_decref(negative);
    json_decref(body);

    json_t *array = json_array();
    http_response_init(&resp, 4096);
    CHECK_INT_EQ(aws_json_respond(&resp, array, NULL), SLUICE_EINVAL);
    http_response_free(&resp);
    json_decref(array);
}

static void test_request_id(void)
{
    char a[AWS_JSON_REQUEST_ID_LEN + 1];
    char b[AWS_JSON_REQUEST_ID_LEN + 1];
    CHECK_INT_EQ(aws_json_request_id(a), SLUICE_OK);
    CHECK_INT_EQ(aws_json_request_id(b), SLUICE_OK);
    CHECK(sluice_uuid_is_valid(a));
    CHECK(strcmp(a, b) != 0);
}

int main(void)
{
    RUN_TEST(test_target_parse);
    RUN_TEST(test_content_type);
    RUN_TEST(test_body_parse);
    RUN_TEST(test_error_status);
    RUN_TEST(test_error_render_and_respond);
    RUN_TEST(test_respond_and_timestamps);
    RUN_TEST(test_request_id);
    return sluice_test_report();
}
