/*
 * libs/aws over libs/http on loopback: a minimal CodePipeline-shaped endpoint
 * (POST /, X-Amz-Target, SigV4, JSON 1.1 answers) called by Sluice's own
 * signer and client, and by the real botocore client (botocore_call.py), the
 * engine of the aws CLI. Checks what the wire adds to the unit tests: the Host
 * header as libmicrohttpd reports it, real clocks, and that botocore reads the
 * answers and errors.
 */
#include "sluice/aws_json.h"
#include "sluice/aws_sigv4.h"
#include "sluice/error.h"
#include "sluice/http_client.h"
#include "sluice/http_server.h"
#include "sluice/id.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_ID "AKIDSLUICEHTTPTEST01"
#define SECRET "dGVzdC1zZWNyZXQ/with+odd=chars"

typedef struct endpoint {
    aws_credentials *store;
    aws_sigv4_config sigv4;
} endpoint;

static void api_handler(const http_request *req, http_response *resp, void *ctx)
{
    const endpoint *ep = ctx;
    char request_id[AWS_JSON_REQUEST_ID_LEN + 1];
    aws_json_request_id(request_id);
    aws_json_error error;
    char op[AWS_JSON_OPERATION_MAX + 1];
    aws_sigv4_result auth;
    json_t *input = NULL;

    if (aws_sigv4_verify(&ep->sigv4, ep->store, req, sluice_time_now_ms(), &auth) != SLUICE_OK) {
        aws_json_respond_error(resp, auth.error_type, auth.message, request_id);
        return;
    }
    if (aws_json_target_parse(http_request_header(req, "X-Amz-Target"),
                              AWS_JSON_CODEPIPELINE_PREFIX, op, sizeof op, &error) != SLUICE_OK) {
        aws_json_respond_error(resp, error.type, error.message, request_id);
        return;
    }
    if (aws_json_body_parse(req->body, req->body_len, 0, &input, &error) != SLUICE_OK) {
        aws_json_respond_error(resp, error.type, error.message, request_id);
        return;
    }
    json_decref(input);
    if (strcmp(op, "ListPipelines") != 0) {
        aws_json_respond_error(resp, "UnknownOperationException", "", request_id);
        return;
    }
    json_t *pipeline = json_pack("{s:s, s:i}", "name", "demo", "version", 1);
    json_object_set_new(pipeline, "created", aws_json_timestamp(1467929497204));
    json_object_set_new(pipeline, "updated", aws_json_timestamp(1467929497204));
    json_t *body = json_pack("{s:[o]}", "pipelines", pipeline);
    aws_json_respond(resp, body, request_id);
    json_decref(body);
}

static void aws_errors(int status, const char *code, const char *message, http_response *resp,
                       void *ctx)
{
    (void)ctx;
    (void)status;
    aws_json_respond_error(resp, code, message, NULL);
}

typedef struct fixture {
    endpoint ep;
    http_server *server;
    http_client *client;
    char url[64];
    char host[64];
} fixture;

static int fixture_start(fixture *f)
{
    memset(f, 0, sizeof *f);
    char err[256];
    f->ep.store = aws_credentials_new();
    if (aws_credentials_add(f->ep.store, KEY_ID, SECRET, NULL, "tester", "admin", err,
                            sizeof err) != SLUICE_OK) {
        return -1;
    }
    f->ep.sigv4.region = "us-east-1";
    f->ep.sigv4.service = "codepipeline";
    http_server_config config;
    http_server_config_defaults(&config);
    config.bind_address = "127.0.0.1";
    config.error_fn = aws_errors;
    f->server = http_server_new(&config, err, sizeof err);
    if (f->server == NULL || http_server_route(f->server, "POST", "/", api_handler, &f->ep) != 0 ||
        http_server_start(f->server, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "server: %s\n", err);
        return -1;
    }
    unsigned port = http_server_port(f->server);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u/", port);
    snprintf(f->host, sizeof f->host, "127.0.0.1:%u", port);
    http_client_config client_config;
    http_client_config_defaults(&client_config);
    f->client = http_client_new(&client_config, err, sizeof err);
    return f->client != NULL ? 0 : -1;
}

static void fixture_stop(fixture *f)
{
    http_client_free(f->client);
    http_server_free(f->server);
    aws_credentials_free(f->ep.store);
}

/* Sends a request signed by aws_sigv4_sign (unless sign is 0). */
static int call(fixture *f, const char *target, const char *body, int sign,
                http_client_response *resp)
{
    http_pair headers[6] = {
        {"Host", f->host}, {"Content-Type", AWS_JSON_CONTENT_TYPE}, {"X-Amz-Target", target}};
    size_t count = 3;
    aws_sigv4_signature_headers sig;
    if (sign) {
        if (aws_sigv4_sign(KEY_ID, SECRET, "us-east-1", "codepipeline", "POST", "/", NULL, 0,
                           headers, count, body, strlen(body), sluice_time_now_ms(),
                           &sig) != SLUICE_OK) {
            return -1;
        }
        headers[count++] = (http_pair){"X-Amz-Date", sig.amz_date};
        headers[count++] = (http_pair){"Authorization", sig.authorization};
    }
    char err[256];
    int rc = http_client_request(f->client, "POST", f->url, headers, count, body, strlen(body),
                                 resp, err, sizeof err);
    if (rc != SLUICE_OK) {
        fprintf(stderr, "request: %s\n", err);
    }
    return rc;
}

static void test_sluice_client(void)
{
    fixture f;
    REQUIRE(fixture_start(&f) == 0);
    http_client_response resp;

    CHECK_INT_EQ(call(&f, "CodePipeline_20150709.ListPipelines", "{}", 1, &resp), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(http_client_response_header(&resp, "Content-Type"), AWS_JSON_CONTENT_TYPE);
    CHECK(sluice_uuid_is_valid(http_client_response_header(&resp, "x-amzn-RequestId")));
    CHECK_STR_EQ(sluice_buf_cstr(&resp.body),
                 "{\"pipelines\":[{\"name\":\"demo\",\"version\":1,\"created\":1467929497.204,"
                 "\"updated\":1467929497.204}]}");
    http_client_response_free(&resp);

    CHECK_INT_EQ(call(&f, "CodePipeline_20150709.ListPipelines", "{}", 0, &resp), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 400);
    CHECK_STR_EQ(sluice_buf_cstr(&resp.body),
                 "{\"__type\":\"MissingAuthenticationTokenException\",\"message\":\"Missing "
                 "Authentication Token\"}");
    CHECK_STR_EQ(http_client_response_header(&resp, "x-amzn-ErrorType"),
                 "MissingAuthenticationTokenException");
    http_client_response_free(&resp);

    CHECK_INT_EQ(call(&f, "DynamoDB_20120810.ListTables", "{}", 1, &resp), SLUICE_OK);
    CHECK_INT_EQ(resp.status, 400);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "\"__type\":\"UnknownOperationException\"");
    http_client_response_free(&resp);

    CHECK_INT_EQ(call(&f, "CodePipeline_20150709.ListPipelines", "{\"maxResults\":", 1, &resp),
                 SLUICE_OK);
    CHECK_INT_EQ(resp.status, 400);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "\"__type\":\"SerializationException\"");
    http_client_response_free(&resp);
    fixture_stop(&f);
}

static void test_botocore_client(void)
{
    fixture f;
    REQUIRE(fixture_start(&f) == 0);
    const char *dir = getenv("SLUICE_SOURCE_DIR");
    char command[1024];
    snprintf(command, sizeof command, "python3 '%s/tests/unit/aws/botocore_call.py' '%s' '%s' '%s'",
             dir != NULL ? dir : ".", f.url, KEY_ID, SECRET);
    FILE *pipe = popen(command, "r");
    REQUIRE(pipe != NULL);
    char line[8192] = "";
    size_t n = fread(line, 1, sizeof line - 1, pipe);
    line[n] = '\0';
    int status = pclose(pipe);
    CHECK_INT_EQ(status, 0);
    json_error_t jerr;
    json_t *seen = json_loads(line, 0, &jerr);
    if (seen == NULL) {
        fprintf(stderr, "botocore_call.py printed: %s\n", line);
    }
    REQUIRE(seen != NULL);
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(seen, "names"), 0)), "demo");
    CHECK(fabs(json_real_value(json_object_get(seen, "created")) - 1467929497.204) < 0.0005);
    CHECK(sluice_uuid_is_valid(json_string_value(json_object_get(seen, "request_id"))));

    const json_t *wrong = json_object_get(seen, "wrong_secret");
    CHECK_STR_EQ(json_string_value(json_object_get(wrong, "code")), "InvalidSignatureException");
    CHECK_INT_EQ(json_integer_value(json_object_get(wrong, "status")), 400);
    CHECK_STR_CONTAINS(json_string_value(json_object_get(wrong, "message")),
                       "The request signature we calculated does not match");
    CHECK(sluice_uuid_is_valid(json_string_value(json_object_get(wrong, "request_id"))));

    const json_t *unknown = json_object_get(seen, "unknown_key");
    CHECK_STR_EQ(json_string_value(json_object_get(unknown, "code")),
                 "UnrecognizedClientException");
    CHECK_STR_EQ(json_string_value(json_object_get(unknown, "message")),
                 "The security token included in the request is invalid.");

    const json_t *op = json_object_get(seen, "unknown_op");
    CHECK_STR_EQ(json_string_value(json_object_get(op, "code")), "UnknownOperationException");
    json_decref(seen);
    fixture_stop(&f);
}

int main(void)
{
    RUN_TEST(test_sluice_client);
    RUN_TEST(test_botocore_client);
    return sluice_test_report();
}
