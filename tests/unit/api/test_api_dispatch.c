/*
 * The request pipeline of api_dispatch_http: SigV4 (valid, wrong secret,
 * unknown key, skewed clock, tampered body, missing), targets, bodies
 * (malformed, wrong shape, too deep), role denials for every role, the
 * answers' headers, the metrics, and the server-side error hook.
 */
#include "api_fixture.h"

#include "sluice/aws_json.h"
#include "sluice/aws_sigv4.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST "127.0.0.1:7070"

typedef struct signed_request {
    http_pair headers[8];
    size_t count;
    aws_sigv4_signature_headers sig;
    char target[128];
    http_request req;
} signed_request;

/*
 * Builds a request for op with body, signed with key/secret at now + skew_ms
 * over signed_body (the body actually sent is body: they differ to tamper).
 */
static void build(signed_request *r, const char *key, const char *secret, const char *op,
                  const char *signed_body, const char *body, int64_t skew_ms, bool sign)
{
    memset(r, 0, sizeof *r);
    snprintf(r->target, sizeof r->target, "%s", op);
    r->headers[r->count++] = (http_pair){"Host", HOST};
    r->headers[r->count++] = (http_pair){"Content-Type", AWS_JSON_CONTENT_TYPE};
    r->headers[r->count++] = (http_pair){"X-Amz-Target", r->target};
    if (sign) {
        int rc = aws_sigv4_sign(key, secret, "us-east-1", "codepipeline", "POST", "/", NULL, 0,
                                r->headers, r->count, signed_body, strlen(signed_body),
                                sluice_time_now_ms() + skew_ms, &r->sig);
        if (rc != 0) {
            fprintf(stderr, "signing failed\n");
            abort();
        }
        r->headers[r->count++] = (http_pair){"X-Amz-Date", r->sig.amz_date};
        r->headers[r->count++] = (http_pair){"Authorization", r->sig.authorization};
    }
    r->req.method = "POST";
    r->req.path = "/";
    r->req.headers = r->headers;
    r->req.header_count = r->count;
    r->req.body = body;
    r->req.body_len = strlen(body);
}

/* Dispatches r; returns the status and, in *type, the __type of an error answer ("" if none). */
static int send_request(api_fixture *f, signed_request *r, char *type, size_t typelen,
                        json_t **body)
{
    http_response resp;
    http_response_init(&resp, 1 << 20);
    api_dispatch_http(&r->req, &resp, f->dispatch);
    json_error_t jerr;
    json_t *doc = json_loadb(resp.body.data != NULL ? resp.body.data : "", resp.body.len, 0, &jerr);
    const char *t = json_string_value(json_object_get(doc, "__type"));
    snprintf(type, typelen, "%s", t != NULL ? t : "");
    const char *request_id = http_response_get_header(&resp, AWS_JSON_REQUEST_ID_HEADER);
    CHECK(request_id != NULL && sluice_uuid_is_valid(request_id));
    int status = resp.status;
    if (body != NULL) {
        *body = doc;
    } else {
        json_decref(doc);
    }
    http_response_free(&resp);
    return status;
}

static void test_sigv4(void)
{
    api_fixture f;
    signed_request r;
    char type[64];
    json_t *body = NULL;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    const char *op = "CodePipeline_20150709.ListPipelines";

    build(&r, "AKIDVIEW", "view-secret", op, "{}", "{}", 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, &body), 200);
    CHECK_STR_EQ(type, "");
    CHECK(json_is_array(json_object_get(body, "pipelines")));
    json_decref(body);

    build(&r, "AKIDVIEW", "wrong-secret", op, "{}", "{}", 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "InvalidSignatureException");

    build(&r, "AKIDNOBODY", "view-secret", op, "{}", "{}", 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "UnrecognizedClientException");

    build(&r, "AKIDVIEW", "view-secret", op, "{}", "{}", -20 * 60 * 1000, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, &body), 400);
    CHECK_STR_EQ(type, "InvalidSignatureException");
    json_decref(body);

    build(&r, "AKIDVIEW", "view-secret", op, "{\"maxResults\": 1}", "{\"maxResults\": 2}", 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "InvalidSignatureException");

    build(&r, NULL, NULL, op, "{}", "{}", 0, false);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "MissingAuthenticationTokenException");
    api_fixture_free(&f);
}

static void test_targets_and_bodies(void)
{
    api_fixture f;
    signed_request r;
    char type[64];
    json_t *body = NULL;
    REQUIRE(api_fixture_init(&f, NULL) == 0);

    build(&r, "AKIDADMIN", "admin-secret", "CodePipeline_20150709.FrobnicatePipeline", "{}", "{}",
          0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "UnknownOperationException");
    build(&r, "AKIDADMIN", "admin-secret", "DynamoDB_20120810.ListTables", "{}", "{}", 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "UnknownOperationException");
    build(&r, "AKIDADMIN", "admin-secret", "", "{}", "{}", 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "UnknownOperationException");

    const char *bad[] = {"{\"name\":", "[1, 2]", "\"text\"", "{\"a\": 1, \"a\": 2}", "\xff\xfe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        build(&r, "AKIDADMIN", "admin-secret", "CodePipeline_20150709.GetPipeline", bad[i], bad[i],
              0, true);
        CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
        CHECK_STR_EQ(type, "SerializationException");
    }
    char deep[61];
    memset(deep, '[', 60);
    deep[60] = '\0';
    char nested[300];
    snprintf(nested, sizeof nested, "{\"name\": %s}", deep);
    build(&r, "AKIDADMIN", "admin-secret", "CodePipeline_20150709.GetPipeline", nested, nested, 0,
          true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "SerializationException");

    /* wrong member types and a missing pipeline */
    build(&r, "AKIDADMIN", "admin-secret", "CodePipeline_20150709.GetPipeline", "{\"name\": 5}",
          "{\"name\": 5}", 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, &body), 400);
    CHECK_STR_EQ(type, "SerializationException");
    CHECK_STR_CONTAINS(json_string_value(json_object_get(body, "message")), "'name'");
    json_decref(body);
    build(&r, "AKIDADMIN", "admin-secret", "CodePipeline_20150709.GetPipeline", "", "", 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "ValidationException");
    build(&r, "AKIDADMIN", "admin-secret", "CodePipeline_20150709.GetPipeline",
          "{\"name\": \"nope\"}", "{\"name\": \"nope\"}", 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "PipelineNotFoundException");

    /* the service still serves after all of that */
    build(&r, "AKIDADMIN", "admin-secret", "CodePipeline_20150709.ListPipelines", "{}", "{}", 0,
          true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 200);
    api_fixture_free(&f);
}

typedef struct denial {
    const char *role;
    const char *op;
    const char *input;
} denial;

static void test_roles(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    CHECK_INT_EQ(api_fixture_create(&f, "guarded"), 0);
    static const denial denied[] = {
        {"viewer", "StartPipelineExecution", "{\"name\": \"guarded\"}"},
        {"viewer", "CreatePipeline", "{}"},
        {"viewer", "PutApprovalResult", "{\"pipelineName\": \"guarded\"}"},
        {"viewer", "PollForJobs", "{}"},
        {"operator", "PutApprovalResult", "{\"pipelineName\": \"guarded\"}"},
        {"operator", "DeletePipeline", "{\"name\": \"guarded\"}"},
        {"operator", "AcknowledgeJob", "{}"},
        {"approver", "StopPipelineExecution", "{\"pipelineName\": \"guarded\"}"},
        {"approver", "TagResource", "{}"},
        {"worker", "StartPipelineExecution", "{\"name\": \"guarded\"}"},
        {"worker", "UpdatePipeline", "{}"},
        {"nobody", "ListPipelines", "{}"},
    };
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        CHECK_INT_EQ(api_fixture_call(&f, denied[i].role, denied[i].op, denied[i].input, &call),
                     400);
        CHECK_STR_EQ(call.exception, "AccessDeniedException");
        api_call_clear(&call);
    }
    CHECK_INT_EQ(
        api_fixture_call(&f, "viewer", "StartPipelineExecution", "{\"name\": \"guarded\"}", &call),
        400);
    CHECK_STR_CONTAINS(call.message,
                       "User: arn:aws:iam::123456789012:user/viewer is not authorized to perform: "
                       "codepipeline:StartPipelineExecution on resource: "
                       "arn:aws:codepipeline:us-east-1:123456789012:guarded");
    api_call_clear(&call);

    static const denial allowed[] = {
        {"viewer", "GetPipeline", "{\"name\": \"guarded\"}"},
        {"viewer", "ListActionTypes", "{}"},
        {"operator", "StartPipelineExecution", "{\"name\": \"guarded\"}"},
        {"operator", "DisableStageTransition",
         "{\"pipelineName\": \"guarded\", \"stageName\": \"Build\", "
         "\"transitionType\": \"Inbound\", \"reason\": \"maintenance\"}"},
        {"worker", "PollForJobs",
         "{\"actionTypeId\": {\"category\": \"Build\", \"owner\": \"Custom\", "
         "\"provider\": \"TestBuild\", \"version\": \"1\"}}"},
        {"admin", "DeletePipeline", "{\"name\": \"guarded\"}"},
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        int status = api_fixture_call(&f, allowed[i].role, allowed[i].op, allowed[i].input, &call);
        CHECK_INT_EQ(status, 200);
        if (status != 200) {
            fprintf(stderr, "  %s as %s: %s %s\n", allowed[i].op, allowed[i].role, call.exception,
                    call.message);
        }
        api_call_clear(&call);
    }
    api_fixture_free(&f);
}

static void test_metrics_and_errors(void)
{
    api_fixture f;
    signed_request r;
    char type[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    build(&r, "AKIDVIEW", "view-secret", "CodePipeline_20150709.ListPipelines", "{}", "{}", 0,
          true);
    send_request(&f, &r, type, sizeof type, NULL);
    build(&r, "AKIDVIEW", "view-secret", "CodePipeline_20150709.GetPipeline", "{\"name\": \"x\"}",
          "{\"name\": \"x\"}", 0, true);
    send_request(&f, &r, type, sizeof type, NULL);
    build(&r, "AKIDVIEW", "view-secret", "CodePipeline_20150709.Bogus", "{}", "{}", 0, true);
    send_request(&f, &r, type, sizeof type, NULL);

    sluice_buf text;
    sluice_buf_init(&text, 1 << 20);
    CHECK_INT_EQ(http_metrics_render(f.metrics, &text), 0);
    const char *out = sluice_buf_cstr(&text);
    CHECK_STR_CONTAINS(out, "sluice_api_requests_total{op=\"ListPipelines\",status=\"200\"} 1");
    CHECK_STR_CONTAINS(out, "sluice_api_requests_total{op=\"GetPipeline\",status=\"400\"} 1");
    CHECK_STR_CONTAINS(out, "sluice_api_requests_total{op=\"unknown\",status=\"400\"} 1");
    CHECK_STR_CONTAINS(out, "sluice_api_request_duration_seconds_bucket{op=\"ListPipelines\"");
    CHECK_STR_CONTAINS(out, "sluice_api_request_duration_seconds_count{op=\"GetPipeline\"} 1");
    CHECK_STR_CONTAINS(out, "sluice_api_errors_total{op=\"GetPipeline\","
                            "exception=\"PipelineNotFoundException\"} 1");
    sluice_buf_free(&text);

    http_response resp;
    http_response_init(&resp, 4096);
    api_dispatch_http_error(413, "RequestEntityTooLarge", "body too large", &resp, NULL);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body),
                       "\"__type\":\"RequestEntityTooLargeException\"");
    http_response_free(&resp);
    http_response_init(&resp, 4096);
    api_dispatch_http_error(404, "NotFound", "no such path", &resp, NULL);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "UnknownOperationException");
    http_response_free(&resp);

    CHECK(api_dispatch_known("PollForJobs"));
    CHECK(api_dispatch_known("CreateCustomActionType"));
    CHECK(api_dispatch_known("RollbackStage"));
    CHECK(api_dispatch_known("PollForThirdPartyJobs"));
    CHECK(!api_dispatch_known("FrobnicatePipeline"));
    /* the operations served are exactly authz.json's (test_authz_table) */
    CHECK_INT_EQ(api_dispatch_count(), 44);
    api_fixture_free(&f);
}

/* X-Amz-Target outside SignedHeaders is refused, and the replay cache refuses a
 * mutating request's second sight but not a read's. */
static void test_signed_target_and_replay(void)
{
    api_fixture f;
    signed_request r;
    char type[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);

    /* signed without its target: the target could be swapped for another operation */
    memset(&r, 0, sizeof r);
    r.headers[r.count++] = (http_pair){"Host", HOST};
    r.headers[r.count++] = (http_pair){"Content-Type", AWS_JSON_CONTENT_TYPE};
    REQUIRE(aws_sigv4_sign("AKIDVIEW", "view-secret", "us-east-1", "codepipeline", "POST", "/",
                           NULL, 0, r.headers, r.count, "{}", 2, sluice_time_now_ms(),
                           &r.sig) == 0);
    r.headers[r.count++] = (http_pair){"X-Amz-Target", "CodePipeline_20150709.ListPipelines"};
    r.headers[r.count++] = (http_pair){"X-Amz-Date", r.sig.amz_date};
    r.headers[r.count++] = (http_pair){"Authorization", r.sig.authorization};
    r.req = (http_request){.method = "POST",
                           .path = "/",
                           .headers = r.headers,
                           .header_count = r.count,
                           .body = "{}",
                           .body_len = 2};
    json_t *body = NULL;
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, &body), 400);
    CHECK_STR_EQ(type, "InvalidSignatureException");
    CHECK_STR_EQ(json_string_value(json_object_get(body, "message")),
                 "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
    json_decref(body);

    /* a dispatcher with a replay cache over the same environment */
    api_dispatch *plain = f.dispatch;
    api_dispatch_config cfg = {.env = &f.env, .credentials = f.credentials, .replay_entries = 16};
    char err[256];
    REQUIRE(api_dispatch_new(&cfg, &f.dispatch, err, sizeof err) == 0);
    const char *start = "CodePipeline_20150709.StartPipelineExecution";
    const char *input = "{\"name\":\"nosuch\"}";
    build(&r, "AKIDADMIN", "admin-secret", start, input, input, 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "PipelineNotFoundException"); /* reached the handler */
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, &body), 400);
    CHECK_STR_EQ(type, "InvalidSignatureException");
    CHECK_STR_CONTAINS(json_string_value(json_object_get(body, "message")),
                       "Signature already used");
    json_decref(body);
    /* a read passes any number of times */
    build(&r, "AKIDVIEW", "view-secret", "CodePipeline_20150709.ListPipelines", "{}", "{}", 0,
          true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 200);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 200);
    /* a mutating call the role may not make is denied each time, never as a replay */
    build(&r, "AKIDVIEW", "view-secret", start, input, input, 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "AccessDeniedException");
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "AccessDeniedException");
    /* a 5xx answer forgets the signature: the SDK's retry, signed in the same second, passes */
    api_memory_set_failure(f.mem, SLUICE_EIO);
    build(&r, "AKIDADMIN", "admin-secret", start, "{\"name\":\"other\"}", "{\"name\":\"other\"}", 0,
          true);
    int failed = send_request(&f, &r, type, sizeof type, NULL);
    CHECK(failed >= 500);
    api_memory_set_failure(f.mem, 0);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "PipelineNotFoundException");
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "InvalidSignatureException");
    /* without the cache the same mutating request passes twice */
    api_dispatch_free(f.dispatch);
    f.dispatch = plain;
    build(&r, "AKIDADMIN", "admin-secret", start, input, input, 0, true);
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "PipelineNotFoundException");
    CHECK_INT_EQ(send_request(&f, &r, type, sizeof type, NULL), 400);
    CHECK_STR_EQ(type, "PipelineNotFoundException");
    api_fixture_free(&f);
}

/*
 * tests/data/api/authz.json (the authorization matrix, int_api_authz) lists
 * exactly the operations the dispatcher serves, and its cells for the
 * unscoped roles are what the dispatcher decides (a call with {} is refused
 * with AccessDeniedException before its handler runs, or reaches it).
 */
static void test_authz_table(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    json_t *table = api_fixture_read("tests/data/api/authz.json");
    REQUIRE(table != NULL);
    const json_t *rows = json_object_get(table, "operations");
    CHECK_INT_EQ(json_array_size(rows), api_dispatch_count());
    for (size_t i = 0; i < api_dispatch_count(); i++) {
        const char *op = api_dispatch_name(i);
        const json_t *row = NULL;
        for (size_t j = 0; j < json_array_size(rows); j++) {
            const json_t *candidate = json_array_get(rows, j);
            if (strcmp(json_string_value(json_object_get(candidate, "operation")), op) == 0) {
                row = candidate;
            }
        }
        if (row == NULL) {
            fprintf(stderr, "  %s is served but not in tests/data/api/authz.json\n", op);
            CHECK(row != NULL);
            continue;
        }
        static const char *const roles[] = {"viewer", "operator", "approver", "worker", "admin"};
        for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++) {
            const char *cell = json_string_value(json_object_get(row, roles[r]));
            REQUIRE(cell != NULL);
            api_fixture_call(&f, roles[r], op, "{}", &call);
            bool refused = strcmp(call.exception, "AccessDeniedException") == 0;
            if (refused != (strcmp(cell, "refused") == 0)) {
                fprintf(stderr, "  %s as %s: the table says %s, the api answered %s\n", op,
                        roles[r], cell, call.exception[0] != '\0' ? call.exception : "200");
                CHECK(refused == (strcmp(cell, "refused") == 0));
            }
            api_call_clear(&call);
        }
    }
    json_decref(table);
    api_fixture_free(&f);
}

int main(void)
{
    RUN_TEST(test_sigv4);
    RUN_TEST(test_targets_and_bodies);
    RUN_TEST(test_roles);
    RUN_TEST(test_metrics_and_errors);
    RUN_TEST(test_signed_target_and_replay);
    RUN_TEST(test_authz_table);
    return sluice_test_report();
}
