/*
 * Unit tests of sluice/aws_sigv4.h. The reference is botocore: the requests
 * in sigv4_vectors.json were signed by it (gen_sigv4_vectors.py), some through
 * the real CodePipeline client the aws CLI uses. Each one must verify, must
 * produce botocore's canonical request and string to sign, and must be
 * reproduced by aws_sigv4_sign; then each way of breaking a request must get
 * the AWS error a real endpoint answers.
 */
#include "sluice/aws_sigv4.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PAIRS 32

/* A vector case as an http_request; strings borrowed from the loaded JSON or literals. */
typedef struct vector_request {
    http_pair headers[MAX_PAIRS];
    http_pair query[MAX_PAIRS];
    http_request req;
    const char *key_id;
    const char *secret;
    const char *token;
    const char *region;
    const char *service;
    const char *canonical;
    const char *string_to_sign;
    long long now_ms;
} vector_request;

static json_t *vectors;

static const char *case_str(const json_t *c, const char *key)
{
    return json_string_value(json_object_get(c, key));
}

static void load_vectors(void)
{
    const char *dir = getenv("SLUICE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/unit/aws/sigv4_vectors.json", dir != NULL ? dir : ".");
    json_error_t err;
    vectors = json_load_file(path, 0, &err);
    if (vectors == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", path, err.text);
    }
}

static const json_t *find_case(const char *name)
{
    const json_t *cases = json_object_get(vectors, "cases");
    size_t i;
    const json_t *c;
    json_array_foreach(cases, i, c)
    {
        if (strcmp(case_str(c, "name"), name) == 0) {
            return c;
        }
    }
    return NULL;
}

static void load_case(const json_t *c, vector_request *vr)
{
    memset(vr, 0, sizeof *vr);
    const json_t *headers = json_object_get(c, "headers");
    const json_t *query = json_object_get(c, "query");
    size_t i;
    const json_t *pair;
    json_array_foreach(headers, i, pair)
    {
        vr->headers[i].name = json_string_value(json_array_get(pair, 0));
        vr->headers[i].value = json_string_value(json_array_get(pair, 1));
        vr->req.header_count = i + 1;
    }
    json_array_foreach(query, i, pair)
    {
        vr->query[i].name = json_string_value(json_array_get(pair, 0));
        vr->query[i].value = json_string_value(json_array_get(pair, 1));
        vr->req.query_count = i + 1;
    }
    vr->req.method = case_str(c, "method");
    vr->req.path = case_str(c, "path");
    vr->req.headers = vr->headers;
    vr->req.query = vr->query;
    vr->req.body = case_str(c, "body");
    vr->req.body_len = strlen(vr->req.body);
    vr->key_id = case_str(c, "access_key_id");
    vr->secret = case_str(c, "secret_access_key");
    vr->token = case_str(c, "session_token");
    vr->region = case_str(c, "region");
    vr->service = case_str(c, "service");
    vr->canonical = case_str(c, "canonical_request");
    vr->string_to_sign = case_str(c, "string_to_sign");
    vr->now_ms = (long long)json_integer_value(json_object_get(c, "now_ms"));
}

static void set_header(vector_request *vr, const char *name, const char *value)
{
    for (size_t i = 0; i < vr->req.header_count; i++) {
        if (strcasecmp(vr->headers[i].name, name) == 0) {
            vr->headers[i].value = value;
            return;
        }
    }
    vr->headers[vr->req.header_count].name = name;
    vr->headers[vr->req.header_count].value = value;
    vr->req.header_count++;
}

static void remove_header(vector_request *vr, const char *name)
{
    size_t kept = 0;
    for (size_t i = 0; i < vr->req.header_count; i++) {
        if (strcasecmp(vr->headers[i].name, name) != 0) {
            vr->headers[kept++] = vr->headers[i];
        }
    }
    vr->req.header_count = kept;
}

static aws_credentials *store_with(const char *key_id, const char *secret, const char *token)
{
    aws_credentials *store = aws_credentials_new();
    char err[256];
    if (aws_credentials_add(store, key_id, secret, token, "tester", "admin", err, sizeof err) !=
        SLUICE_OK) {
        fprintf(stderr, "store: %s\n", err);
    }
    return store;
}

/* Verifies vr against a store holding its own key; returns the result code. */
static int verify_case(const vector_request *vr, const char *region, long long now_ms,
                       aws_sigv4_result *result)
{
    aws_credentials *store = store_with(vr->key_id, vr->secret, vr->token);
    aws_sigv4_config config = {.region = region, .service = "codepipeline"};
    if (strcmp(vr->service, "codepipeline") != 0) {
        config.service = vr->service;
    }
    int rc = aws_sigv4_verify(&config, store, &vr->req, now_ms, result);
    aws_credentials_free(store);
    return rc;
}

/* A refusal never echoes the secret, the token or the signature. */
static void check_no_secrets(const vector_request *vr, const aws_sigv4_result *result)
{
    CHECK(strstr(result->message, vr->secret) == NULL);
    if (vr->token != NULL) {
        CHECK(strstr(result->message, vr->token) == NULL);
    }
    const char *authorization = http_request_header(&vr->req, "Authorization");
    const char *signature = authorization != NULL ? strstr(authorization, "Signature=") : NULL;
    if (signature != NULL && strlen(signature + 10) >= 16) {
        char prefix[17];
        memcpy(prefix, signature + 10, 16);
        prefix[16] = '\0';
        CHECK(strstr(result->message, prefix) == NULL);
    }
}

static void expect_denied(const vector_request *vr, const char *region, long long now_ms,
                          const char *type, const char *message_part)
{
    aws_sigv4_result result;
    CHECK_INT_EQ(verify_case(vr, region, now_ms, &result), SLUICE_EDENIED);
    CHECK_INT_EQ(result.http_status, 400);
    CHECK_STR_EQ(result.error_type, type);
    CHECK_STR_CONTAINS(result.message, message_part);
    CHECK_STR_EQ(result.identity, "");
    check_no_secrets(vr, &result);
}

/* ------------------------------------------------------------ the vectors */

static void test_botocore_vectors_verify(void)
{
    REQUIRE(vectors != NULL);
    const json_t *cases = json_object_get(vectors, "cases");
    REQUIRE(json_array_size(cases) >= 8);
    size_t i;
    const json_t *c;
    json_array_foreach(cases, i, c)
    {
        vector_request vr;
        load_case(c, &vr);
        aws_sigv4_result result;
        int rc = verify_case(&vr, vr.region, vr.now_ms, &result);
        if (rc != SLUICE_OK) {
            fprintf(stderr, "case %s: %s: %s\n", case_str(c, "name"), result.error_type,
                    result.message);
        }
        CHECK_INT_EQ(rc, SLUICE_OK);
        CHECK_INT_EQ(result.http_status, 200);
        CHECK_STR_EQ(result.identity, "tester");
        CHECK_STR_EQ(result.role, "admin");
        CHECK_STR_EQ(result.access_key_id, vr.key_id);
    }
}

static void test_botocore_canonical_forms(void)
{
    REQUIRE(vectors != NULL);
    const json_t *cases = json_object_get(vectors, "cases");
    size_t i;
    const json_t *c;
    json_array_foreach(cases, i, c)
    {
        vector_request vr;
        load_case(c, &vr);
        aws_sigv4_authorization auth;
        char err[256];
        REQUIRE(aws_sigv4_parse_authorization(http_request_header(&vr.req, "Authorization"), &auth,
                                              err, sizeof err) == SLUICE_OK);
        char hash[AWS_SIGV4_HEX_LEN + 1];
        aws_sigv4_sha256_hex(vr.req.body, vr.req.body_len, hash);
        sluice_buf canonical;
        sluice_buf_init(&canonical, 1 << 20);
        CHECK_INT_EQ(aws_sigv4_canonical_request(vr.req.method, vr.req.path, vr.req.query,
                                                 vr.req.query_count, vr.req.headers,
                                                 vr.req.header_count, auth.signed_headers, hash,
                                                 &canonical, err, sizeof err),
                     SLUICE_OK);
        CHECK_STR_EQ(sluice_buf_cstr(&canonical), vr.canonical);

        char scope[128];
        snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", auth.date, auth.region,
                 auth.service);
        sluice_buf sts;
        sluice_buf_init(&sts, 1 << 20);
        CHECK_INT_EQ(aws_sigv4_string_to_sign(http_request_header(&vr.req, "X-Amz-Date"), scope,
                                              sluice_buf_cstr(&canonical), canonical.len, &sts),
                     SLUICE_OK);
        CHECK_STR_EQ(sluice_buf_cstr(&sts), vr.string_to_sign);
        sluice_buf_free(&canonical);
        sluice_buf_free(&sts);
    }
}

/* aws_sigv4_sign over the headers botocore signed reproduces its Authorization exactly. */
static void test_sign_reproduces_botocore(void)
{
    REQUIRE(vectors != NULL);
    const json_t *cases = json_object_get(vectors, "cases");
    size_t i;
    const json_t *c;
    json_array_foreach(cases, i, c)
    {
        vector_request vr;
        load_case(c, &vr);
        const char *authorization = http_request_header(&vr.req, "Authorization");
        aws_sigv4_authorization auth;
        char err[256];
        REQUIRE(aws_sigv4_parse_authorization(authorization, &auth, err, sizeof err) == SLUICE_OK);
        http_pair signed_headers[MAX_PAIRS];
        size_t n = 0;
        for (size_t h = 0; h < vr.req.header_count; h++) {
            char lower[128];
            size_t len = strlen(vr.headers[h].name);
            for (size_t k = 0; k <= len && k < sizeof lower; k++) {
                char ch = vr.headers[h].name[k];
                lower[k] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
            }
            char needle[132];
            snprintf(needle, sizeof needle, ";%s;", lower);
            char list[AWS_SIGV4_SIGNED_HEADERS_MAX + 3];
            snprintf(list, sizeof list, ";%s;", auth.signed_headers);
            if (strstr(list, needle) != NULL && strcmp(lower, "x-amz-date") != 0) {
                signed_headers[n++] = vr.headers[h];
            }
        }
        aws_sigv4_signature_headers out;
        CHECK_INT_EQ(aws_sigv4_sign(vr.key_id, vr.secret, vr.region, vr.service, vr.req.method,
                                    vr.req.path, vr.req.query, vr.req.query_count, signed_headers,
                                    n, vr.req.body, vr.req.body_len, vr.now_ms, &out),
                     SLUICE_OK);
        CHECK_STR_EQ(out.authorization, authorization);
        CHECK_STR_EQ(out.amz_date, http_request_header(&vr.req, "X-Amz-Date"));
    }
}

/* ------------------------------------------------------------- tampering */

static void test_tampered_body_and_headers(void)
{
    const json_t *c = find_case("create-pipeline-unicode-body");
    REQUIRE(c != NULL);
    vector_request vr;
    load_case(c, &vr);

    vr.req.body = "{\"pipeline\":{\"name\":\"evil\"}}";
    vr.req.body_len = strlen(vr.req.body);
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException",
                  "The request signature we calculated does not match the signature you "
                  "provided.");

    load_case(c, &vr);
    vr.req.body_len -= 1; /* one byte short */
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException", "does not match");

    load_case(c, &vr);
    set_header(&vr, "X-Amz-Target", "CodePipeline_20150709.DeletePipeline");
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException", "does not match");

    load_case(c, &vr);
    set_header(&vr, "Host", "127.0.0.1:7071");
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException", "does not match");

    /* headers outside SignedHeaders may change freely */
    load_case(c, &vr);
    set_header(&vr, "User-Agent", "something-else/1.0");
    set_header(&vr, "X-Unsigned-Extra", "anything");
    aws_sigv4_result result;
    CHECK_INT_EQ(verify_case(&vr, vr.region, vr.now_ms, &result), SLUICE_OK);

    /* a signed header the request lost */
    load_case(c, &vr);
    remove_header(&vr, "Content-Type");
    expect_denied(&vr, vr.region, vr.now_ms, "IncompleteSignatureException",
                  "'content-type' is named as a SignedHeader, but it does not exist in the HTTP "
                  "request.");
}

static void test_wrong_secret_and_unknown_key(void)
{
    const json_t *c = find_case("get-pipeline");
    REQUIRE(c != NULL);
    vector_request vr;
    load_case(c, &vr);
    aws_sigv4_config config = {.region = vr.region, .service = "codepipeline"};
    aws_sigv4_result result;

    aws_credentials *wrong = store_with(vr.key_id, "not-the-right-secret-at-all", NULL);
    CHECK_INT_EQ(aws_sigv4_verify(&config, wrong, &vr.req, vr.now_ms, &result), SLUICE_EDENIED);
    CHECK_STR_EQ(result.error_type, "InvalidSignatureException");
    CHECK_STR_CONTAINS(result.message, "Check your AWS Secret Access Key");
    CHECK_INT_EQ(result.http_status, 400);
    aws_credentials_free(wrong);

    aws_credentials *other = store_with("AKIDSOMEBODYELSE0001", vr.secret, NULL);
    CHECK_INT_EQ(aws_sigv4_verify(&config, other, &vr.req, vr.now_ms, &result), SLUICE_EDENIED);
    CHECK_STR_EQ(result.error_type, "UnrecognizedClientException");
    CHECK_STR_EQ(result.message, "The security token included in the request is invalid.");
    CHECK_STR_EQ(result.access_key_id, vr.key_id);
    aws_credentials_free(other);
}

static void test_clock_skew(void)
{
    const json_t *c = find_case("list-pipelines");
    REQUIRE(c != NULL);
    vector_request vr;
    load_case(c, &vr);
    aws_sigv4_result result;
    long long minute = 60 * 1000;

    CHECK_INT_EQ(verify_case(&vr, vr.region, vr.now_ms + 14 * minute, &result), SLUICE_OK);
    CHECK_INT_EQ(verify_case(&vr, vr.region, vr.now_ms - 14 * minute, &result), SLUICE_OK);
    CHECK_INT_EQ(verify_case(&vr, vr.region, vr.now_ms + 15 * minute, &result), SLUICE_OK);

    /* signed 07:07:47, now 07:23:47 */
    expect_denied(&vr, vr.region, vr.now_ms + 16 * minute, "InvalidSignatureException",
                  "Signature expired: 20261126T070747Z is now earlier than 20261126T070847Z "
                  "(20261126T072347Z - 15 min.)");
    /* signed 07:07:47, now 06:51:47 */
    expect_denied(&vr, vr.region, vr.now_ms - 16 * minute, "InvalidSignatureException",
                  "Signature not yet current: 20261126T070747Z is still later than "
                  "20261126T070647Z (20261126T065147Z + 15 min.)");
}

static void test_required_signed_headers(void)
{
    const json_t *c = find_case("list-pipelines");
    REQUIRE(c != NULL);
    vector_request vr;
    char authorization[512];
    load_case(c, &vr);
    const char *original = http_request_header(&vr.req, "Authorization");
    const char *signature = strstr(original, "Signature=");
    REQUIRE(signature != NULL);

    snprintf(authorization, sizeof authorization,
             "AWS4-HMAC-SHA256 Credential=%s/20261126/us-east-1/codepipeline/aws4_request, "
             "SignedHeaders=content-type;x-amz-date;x-amz-target, %s",
             vr.key_id, signature);
    set_header(&vr, "Authorization", authorization);
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException",
                  "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

    snprintf(authorization, sizeof authorization,
             "AWS4-HMAC-SHA256 Credential=%s/20261126/us-east-1/codepipeline/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-target, %s",
             vr.key_id, signature);
    set_header(&vr, "Authorization", authorization);
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException",
                  "'X-Amz-Date' must be a 'SignedHeader'");
}

static void test_credential_scope(void)
{
    const json_t *c = find_case("list-pipelines");
    REQUIRE(c != NULL);
    vector_request vr;
    char authorization[512];
    load_case(c, &vr);
    const char *signature = strstr(http_request_header(&vr.req, "Authorization"), "Signature=");
    REQUIRE(signature != NULL);
    const char *signed_list = "SignedHeaders=content-type;host;x-amz-date;x-amz-target";

    /* the endpoint is in another region than the one signed for */
    expect_denied(&vr, "eu-west-1", vr.now_ms, "InvalidSignatureException",
                  "Credential should be scoped to a valid region.");

    snprintf(authorization, sizeof authorization,
             "AWS4-HMAC-SHA256 Credential=%s/20261126/us-east-1/s3/aws4_request, %s, %s", vr.key_id,
             signed_list, signature);
    set_header(&vr, "Authorization", authorization);
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException",
                  "Credential should be scoped to correct service: 'codepipeline'.");

    snprintf(authorization, sizeof authorization,
             "AWS4-HMAC-SHA256 Credential=%s/20261125/us-east-1/codepipeline/aws4_request, %s, "
             "%s",
             vr.key_id, signed_list, signature);
    set_header(&vr, "Authorization", authorization);
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException",
                  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                  "from HTTP: '20261125' != '20261126', from '20261126T070747Z'.");

    snprintf(authorization, sizeof authorization,
             "AWS4-HMAC-SHA256 Credential=%s/20261126/us-east-1/codepipeline/aws5_request, %s, "
             "%s",
             vr.key_id, signed_list, signature);
    set_header(&vr, "Authorization", authorization);
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException",
                  "Credential should be scoped with a valid terminator: 'aws4_request', not "
                  "'aws5_request'.");

    snprintf(authorization, sizeof authorization,
             "AWS4-HMAC-SHA256 Credential=%s/20261126/us-east-1/codepipeline, %s, %s", vr.key_id,
             signed_list, signature);
    set_header(&vr, "Authorization", authorization);
    expect_denied(&vr, vr.region, vr.now_ms, "IncompleteSignatureException",
                  "Credential must have exactly 5 slash-delimited elements");
}

static void test_missing_and_garbled_authorization(void)
{
    const json_t *c = find_case("list-pipelines");
    REQUIRE(c != NULL);
    vector_request vr;
    load_case(c, &vr);

    remove_header(&vr, "Authorization");
    expect_denied(&vr, vr.region, vr.now_ms, "MissingAuthenticationTokenException",
                  "Missing Authentication Token");

    load_case(c, &vr);
    set_header(&vr, "Authorization", "Bearer abc.def.ghi");
    expect_denied(&vr, vr.region, vr.now_ms, "IncompleteSignatureException",
                  "Authorization header requires 'Credential' parameter.");

    set_header(&vr, "Authorization",
               "AWS4-HMAC-SHA256 Credential=AKIDSLUICETEST000001/20261126/us-east-1/codepipeline/"
               "aws4_request, SignedHeaders=host;x-amz-date");
    expect_denied(&vr, vr.region, vr.now_ms, "IncompleteSignatureException",
                  "Authorization header requires 'Signature' parameter.");

    set_header(&vr, "Authorization", "AWS4-HMAC-SHA256 Credential AKID, Signature=abc");
    expect_denied(&vr, vr.region, vr.now_ms, "IncompleteSignatureException",
                  "not a valid key=value pair (missing equal-sign)");

    /* no X-Amz-Date at all */
    load_case(c, &vr);
    remove_header(&vr, "X-Amz-Date");
    expect_denied(&vr, vr.region, vr.now_ms, "IncompleteSignatureException",
                  "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                  "header.");

    load_case(c, &vr);
    set_header(&vr, "X-Amz-Date", "2026-11-26T07:07:47Z");
    expect_denied(&vr, vr.region, vr.now_ms, "IncompleteSignatureException",
                  "Date must be in ISO-8601 'basic format'");
}

static void test_signature_format(void)
{
    const json_t *c = find_case("list-pipelines");
    REQUIRE(c != NULL);
    vector_request vr;
    load_case(c, &vr);
    char authorization[512];
    const char *original = http_request_header(&vr.req, "Authorization");

    /* same signature in upper case: not the signature we computed */
    snprintf(authorization, sizeof authorization, "%s", original);
    for (char *p = strstr(authorization, "Signature=") + 10; *p != '\0'; p++) {
        if (*p >= 'a' && *p <= 'f') {
            *p = (char)(*p - 'a' + 'A');
        }
    }
    set_header(&vr, "Authorization", authorization);
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException", "does not match");

    /* one hex digit too many */
    snprintf(authorization, sizeof authorization, "%s0", original);
    set_header(&vr, "Authorization", authorization);
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException", "does not match");

    /* truncated */
    snprintf(authorization, sizeof authorization, "%s", original);
    authorization[strlen(authorization) - 1] = '\0';
    set_header(&vr, "Authorization", authorization);
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException", "does not match");
}

static void test_session_token(void)
{
    const json_t *c = find_case("session-token");
    REQUIRE(c != NULL);
    vector_request vr;
    load_case(c, &vr);
    REQUIRE(vr.token != NULL);
    aws_sigv4_config config = {.region = vr.region, .service = "codepipeline"};
    aws_sigv4_result result;

    /* the key is known but has no session: the token is not one we issued */
    aws_credentials *plain = store_with(vr.key_id, vr.secret, NULL);
    CHECK_INT_EQ(aws_sigv4_verify(&config, plain, &vr.req, vr.now_ms, &result), SLUICE_EDENIED);
    CHECK_STR_EQ(result.error_type, "UnrecognizedClientException");
    aws_credentials_free(plain);

    aws_credentials *other = store_with(vr.key_id, vr.secret, "AnotherSessionToken0000");
    CHECK_INT_EQ(aws_sigv4_verify(&config, other, &vr.req, vr.now_ms, &result), SLUICE_EDENIED);
    CHECK_STR_EQ(result.error_type, "UnrecognizedClientException");
    aws_credentials_free(other);

    /* a key that needs a session token, used without one */
    c = find_case("list-pipelines");
    load_case(c, &vr);
    aws_credentials *needs = store_with(vr.key_id, vr.secret, "TheSessionToken00000");
    CHECK_INT_EQ(aws_sigv4_verify(&config, needs, &vr.req, vr.now_ms, &result), SLUICE_EDENIED);
    CHECK_STR_EQ(result.error_type, "UnrecognizedClientException");
    aws_credentials_free(needs);
}

static void test_payload_hash_header(void)
{
    const json_t *c = find_case("get-pipeline");
    REQUIRE(c != NULL);
    vector_request vr;
    load_case(c, &vr);
    char hash[AWS_SIGV4_HEX_LEN + 1];
    aws_sigv4_sha256_hex(vr.req.body, vr.req.body_len, hash);
    aws_sigv4_result result;

    set_header(&vr, "X-Amz-Content-SHA256", hash);
    CHECK_INT_EQ(verify_case(&vr, vr.region, vr.now_ms, &result), SLUICE_OK);

    set_header(&vr, "X-Amz-Content-SHA256",
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException",
                  "The provided 'x-amz-content-sha256' header does not match what was computed.");

    set_header(&vr, "X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD");
    expect_denied(&vr, vr.region, vr.now_ms, "InvalidSignatureException", "x-amz-content-sha256");
}

/* ---------------------------------------------------------- pure pieces */

static void test_signing_key_known_answer(void)
{
    /* The IAM example of AWS's SigV4 documentation. */
    unsigned char key[AWS_SIGV4_KEY_LEN];
    CHECK_INT_EQ(aws_sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830",
                                       "us-east-1", "iam", key),
                 SLUICE_OK);
    char hex[65];
    for (size_t i = 0; i < sizeof key; i++) {
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    }
    CHECK_STR_EQ(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    char empty[AWS_SIGV4_HEX_LEN + 1];
    aws_sigv4_sha256_hex(NULL, 0, empty);
    CHECK_STR_EQ(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_canonical_uri_and_query(void)
{
    struct {
        const char *path;
        const char *want;
    } uris[] = {
        {"/", "/"},
        {"", "/"},
        {"/a/./b/../c//d/", "/a/c/d/"},
        {"/../x", "/x"},
        {"/documents and settings/", "/documents%2520and%2520settings/"},
        {"/caf\xc3\xa9~_-.", "/caf%25C3%25A9~_-."},
    };
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        sluice_buf out;
        sluice_buf_init(&out, 1024);
        CHECK_INT_EQ(aws_sigv4_canonical_uri(uris[i].path, &out), SLUICE_OK);
        CHECK_STR_EQ(sluice_buf_cstr(&out), uris[i].want);
        sluice_buf_free(&out);
    }
    http_pair query[] = {
        {"b", "2"}, {"a", "x y"}, {"a", "w"}, {"flag", ""}, {"k+", "\xe2\x9c\x93"}};
    sluice_buf out;
    sluice_buf_init(&out, 1024);
    CHECK_INT_EQ(aws_sigv4_canonical_query(query, 5, &out), SLUICE_OK);
    CHECK_STR_EQ(sluice_buf_cstr(&out), "a=w&a=x%20y&b=2&flag=&k%2B=%E2%9C%93");
    sluice_buf_free(&out);
}

static void test_canonical_headers_trim(void)
{
    http_pair headers[] = {
        {"Host", "example.com"}, {"X-Multi", " a   b "}, {"x-multi", "\tc\t"}, {"X-Empty", ""}};
    sluice_buf out;
    sluice_buf_init(&out, 1024);
    char err[128];
    CHECK_INT_EQ(
        aws_sigv4_canonical_headers(headers, 4, "host;x-empty;x-multi", &out, err, sizeof err),
        SLUICE_OK);
    CHECK_STR_EQ(sluice_buf_cstr(&out), "host:example.com\nx-empty:\nx-multi:a b,c\n");
    sluice_buf_reset(&out);
    CHECK_INT_EQ(aws_sigv4_canonical_headers(headers, 4, "host;;x-multi", &out, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_INT_EQ(aws_sigv4_canonical_headers(headers, 4, "host;x-missing", &out, err, sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, "'x-missing'");
    sluice_buf_free(&out);
}

static void test_amz_date(void)
{
    int64_t ms = 0;
    CHECK_INT_EQ(aws_sigv4_parse_amz_date("20261126T070747Z", &ms), SLUICE_OK);
    char text[AWS_SIGV4_AMZ_DATE_LEN + 1];
    CHECK_INT_EQ(aws_sigv4_format_amz_date(ms, text), SLUICE_OK);
    CHECK_STR_EQ(text, "20261126T070747Z");
    CHECK_INT_EQ(aws_sigv4_parse_amz_date("20261126T070747", &ms), SLUICE_EPARSE);
    CHECK_INT_EQ(aws_sigv4_parse_amz_date("20261326T070747Z", &ms), SLUICE_EPARSE);
    CHECK_INT_EQ(aws_sigv4_parse_amz_date("2026112xT070747Z", &ms), SLUICE_EPARSE);
    CHECK_INT_EQ(aws_sigv4_parse_amz_date(NULL, &ms), SLUICE_EPARSE);
}

static void test_parse_authorization(void)
{
    aws_sigv4_authorization auth;
    char err[512];
    CHECK_INT_EQ(aws_sigv4_parse_authorization(
                     "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/codepipeline/"
                     "aws4_request,SignedHeaders=host;x-amz-date,   Signature=abc123",
                     &auth, err, sizeof err),
                 SLUICE_OK);
    CHECK_STR_EQ(auth.access_key_id, "AKID");
    CHECK_STR_EQ(auth.date, "20261126");
    CHECK_STR_EQ(auth.region, "us-east-1");
    CHECK_STR_EQ(auth.service, "codepipeline");
    CHECK_STR_EQ(auth.terminator, "aws4_request");
    CHECK_STR_EQ(auth.signed_headers, "host;x-amz-date");
    CHECK_STR_EQ(auth.signature, "abc123");

    CHECK_INT_EQ(aws_sigv4_parse_authorization("AWS4-HMAC-SHA256", &auth, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "requires 'Credential' parameter");
    CHECK_STR_CONTAINS(err, "requires 'SignedHeaders' parameter");

    /* a signature longer than any SHA-256 hex is flagged, never copied or echoed */
    char longer[400];
    char sig[200];
    memset(sig, 'a', sizeof sig - 1);
    sig[sizeof sig - 1] = '\0';
    snprintf(longer, sizeof longer,
             "AWS4-HMAC-SHA256 Credential=A/20261126/r/s/aws4_request, SignedHeaders=host, "
             "Signature=%s",
             sig);
    CHECK_INT_EQ(aws_sigv4_parse_authorization(longer, &auth, err, sizeof err), SLUICE_OK);
    CHECK(auth.signature_too_long);
    CHECK_STR_EQ(auth.signature, "");

    CHECK_INT_EQ(
        aws_sigv4_parse_authorization("AWS4-HMAC-SHA256 Credential=A/2026112600/r/s/aws4_request, "
                                      "SignedHeaders=host, Signature=ab",
                                      &auth, err, sizeof err),
        SLUICE_EPARSE);
}

static void test_sign_then_verify(void)
{
    http_pair headers[] = {{"Host", "localhost:7070"},
                           {"Content-Type", "application/x-amz-json-1.1"},
                           {"X-Amz-Target", "CodePipeline_20150709.ListPipelines"}};
    const char *body = "{\"maxResults\":5}";
    int64_t now = 1795676867000; /* 2026-11-26T07:07:47Z */
    aws_sigv4_signature_headers signed_out;
    REQUIRE(aws_sigv4_sign("AKIDSIGNTHENVERIFY01", "secret/with+chars", "us-east-1", "codepipeline",
                           "POST", "/", NULL, 0, headers, 3, body, strlen(body), now,
                           &signed_out) == SLUICE_OK);
    CHECK_STR_EQ(signed_out.amz_date, "20261126T070747Z");
    http_pair wire[] = {headers[0],
                        headers[1],
                        headers[2],
                        {"X-Amz-Date", signed_out.amz_date},
                        {"Authorization", signed_out.authorization}};
    http_request req = {.method = "POST",
                        .path = "/",
                        .headers = wire,
                        .header_count = 5,
                        .body = body,
                        .body_len = strlen(body)};
    aws_credentials *store = store_with("AKIDSIGNTHENVERIFY01", "secret/with+chars", NULL);
    aws_sigv4_config config = {.region = "us-east-1", .service = "codepipeline"};
    aws_sigv4_result result;
    CHECK_INT_EQ(aws_sigv4_verify(&config, store, &req, now + 1000, &result), SLUICE_OK);
    aws_credentials_free(store);

    /* Host is required; X-Amz-Date and Authorization are the signer's own */
    CHECK_INT_EQ(aws_sigv4_sign("A", "s", "r", "s", "GET", "/", NULL, 0, headers + 1, 2, NULL, 0,
                                now, &signed_out),
                 SLUICE_EINVAL);
    http_pair with_date[] = {{"Host", "h"}, {"X-Amz-Date", "20261126T070747Z"}};
    CHECK_INT_EQ(aws_sigv4_sign("A", "s", "r", "s", "GET", "/", NULL, 0, with_date, 2, NULL, 0, now,
                                &signed_out),
                 SLUICE_EINVAL);
}

/* Signs a CodePipeline request at signed_ms with the given headers (Host first). */
static void sign_wire(const http_pair *headers, size_t count, const char *body, int64_t signed_ms,
                      aws_sigv4_signature_headers *sig, http_pair *wire, http_request *req)
{
    REQUIRE(aws_sigv4_sign("AKIDREQUIREDSIGNED01", "s3cr3t", "us-east-1", "codepipeline", "POST",
                           "/", NULL, 0, headers, count, body, strlen(body), signed_ms,
                           sig) == SLUICE_OK);
    for (size_t i = 0; i < count; i++) {
        wire[i] = headers[i];
    }
    wire[count] = (http_pair){"X-Amz-Date", sig->amz_date};
    wire[count + 1] = (http_pair){"Authorization", sig->authorization};
    *req = (http_request){.method = "POST",
                          .path = "/",
                          .headers = wire,
                          .header_count = count + 2,
                          .body = body,
                          .body_len = strlen(body)};
}

static void test_required_target_and_configured_skew(void)
{
    const char *body = "{}";
    int64_t now = 1795676867000; /* 2026-11-26T07:07:47Z */
    aws_credentials *store = store_with("AKIDREQUIREDSIGNED01", "s3cr3t", NULL);
    aws_sigv4_config config = {
        .region = "us-east-1", .service = "codepipeline", .required_signed = "X-Amz-Target"};
    aws_sigv4_result result;
    aws_sigv4_signature_headers sig;
    http_pair wire[8];
    http_request req;

    /* X-Amz-Target sent but not signed: the signed part could be replayed as another op */
    http_pair unsigned_target[] = {{"Host", "localhost:7070"},
                                   {"Content-Type", "application/x-amz-json-1.1"}};
    sign_wire(unsigned_target, 2, body, now, &sig, wire, &req);
    wire[req.header_count] = (http_pair){"X-Amz-Target", "CodePipeline_20150709.DeletePipeline"};
    req.header_count++;
    CHECK_INT_EQ(aws_sigv4_verify(&config, store, &req, now, &result), SLUICE_EDENIED);
    CHECK_INT_EQ(result.http_status, 400);
    CHECK_STR_EQ(result.error_type, "InvalidSignatureException");
    CHECK_STR_EQ(result.message,
                 "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
    CHECK_STR_EQ(result.identity, "");
    /* without the requirement the same request is authentic */
    aws_sigv4_config lax = {.region = "us-east-1", .service = "codepipeline"};
    CHECK_INT_EQ(aws_sigv4_verify(&lax, store, &req, now, &result), SLUICE_OK);

    /* signed (in any case): accepted, with the signature and the window's end */
    http_pair signed_target[] = {{"Host", "localhost:7070"},
                                 {"Content-Type", "application/x-amz-json-1.1"},
                                 {"x-amz-TARGET", "CodePipeline_20150709.ListPipelines"}};
    sign_wire(signed_target, 3, body, now, &sig, wire, &req);
    CHECK_INT_EQ(aws_sigv4_verify(&config, store, &req, now, &result), SLUICE_OK);
    CHECK_STR_EQ(result.identity, "tester");
    CHECK_INT_EQ(strlen(result.signature), AWS_SIGV4_HEX_LEN);
    CHECK_STR_CONTAINS(sig.authorization, result.signature);
    CHECK_INT_EQ(result.signed_ms, now);
    CHECK_INT_EQ(result.expires_ms, now + AWS_SIGV4_MAX_SKEW_MS);

    /* the default window: 14 minutes old passes, 16 minutes old is expired */
    sign_wire(signed_target, 3, body, now - 14 * 60000, &sig, wire, &req);
    CHECK_INT_EQ(aws_sigv4_verify(&config, store, &req, now, &result), SLUICE_OK);
    sign_wire(signed_target, 3, body, now - 16 * 60000, &sig, wire, &req);
    CHECK_INT_EQ(aws_sigv4_verify(&config, store, &req, now, &result), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(result.message, "Signature expired");

    /* a configured window of 60 s: 59 s passes, 61 s either way does not */
    config.max_skew_ms = 60000;
    sign_wire(signed_target, 3, body, now - 59000, &sig, wire, &req);
    CHECK_INT_EQ(aws_sigv4_verify(&config, store, &req, now, &result), SLUICE_OK);
    CHECK_INT_EQ(result.expires_ms, now - 59000 + 60000);
    sign_wire(signed_target, 3, body, now - 61000, &sig, wire, &req);
    CHECK_INT_EQ(aws_sigv4_verify(&config, store, &req, now, &result), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(result.message, "Signature expired");
    sign_wire(signed_target, 3, body, now + 61000, &sig, wire, &req);
    CHECK_INT_EQ(aws_sigv4_verify(&config, store, &req, now, &result), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(result.message, "Signature not yet current");
    aws_credentials_free(store);
}

static void test_check_signed(void)
{
    char missing[64] = "";
    CHECK_INT_EQ(aws_sigv4_check_signed("host;x-amz-date;x-amz-target", "X-Amz-Target", missing,
                                        sizeof missing),
                 SLUICE_OK);
    CHECK_INT_EQ(aws_sigv4_check_signed("host;x-amz-date", NULL, missing, sizeof missing),
                 SLUICE_OK);
    CHECK_INT_EQ(aws_sigv4_check_signed("host;x-amz-date", "", missing, sizeof missing), SLUICE_OK);
    CHECK_INT_EQ(
        aws_sigv4_check_signed("host;x-amz-date", "Host;X-Amz-Target", missing, sizeof missing),
        SLUICE_ENOTFOUND);
    CHECK_STR_EQ(missing, "X-Amz-Target");
    /* a prefix or a longer name is not the header */
    CHECK_INT_EQ(aws_sigv4_check_signed("host;x-amz-targetx;x-amz-targe", "x-amz-target", missing,
                                        sizeof missing),
                 SLUICE_ENOTFOUND);
    CHECK_INT_EQ(aws_sigv4_check_signed(NULL, "x-amz-target", missing, sizeof missing),
                 SLUICE_ENOTFOUND);
    CHECK_INT_EQ(aws_sigv4_check_signed("a;b", ";;b;", missing, sizeof missing), SLUICE_OK);
}

int main(void)
{
    load_vectors();
    RUN_TEST(test_botocore_vectors_verify);
    RUN_TEST(test_botocore_canonical_forms);
    RUN_TEST(test_sign_reproduces_botocore);
    RUN_TEST(test_tampered_body_and_headers);
    RUN_TEST(test_wrong_secret_and_unknown_key);
    RUN_TEST(test_clock_skew);
    RUN_TEST(test_required_signed_headers);
    RUN_TEST(test_credential_scope);
    RUN_TEST(test_missing_and_garbled_authorization);
    RUN_TEST(test_signature_format);
    RUN_TEST(test_session_token);
    RUN_TEST(test_payload_hash_header);
    RUN_TEST(test_signing_key_known_answer);
    RUN_TEST(test_canonical_uri_and_query);
    RUN_TEST(test_canonical_headers_trim);
    RUN_TEST(test_amz_date);
    RUN_TEST(test_parse_authorization);
    RUN_TEST(test_sign_then_verify);
    RUN_TEST(test_required_target_and_configured_skew);
    RUN_TEST(test_check_signed);
    json_decref(vectors);
    return sluice_test_report();
}
