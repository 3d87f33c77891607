/*
 * The api's pure modules: member checks with AWS's wording (api_input),
 * pagination tokens (api_token), the role table and credential roles
 * (api_auth), job records and JobData (aws_job).
 */
#include "api_auth.h"
#include "api_call.h"
#include "api_config.h"
#include "api_input.h"
#include "api_scope.h"
#include "sluice/aws_job.h"
#include "api_token.h"

#include "sluice/aws_jobcred.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static int64_t fixed_clock(void)
{
    return 1700000000000;
}

static const api_env test_env = {
    .account = "123456789012", .region = "us-east-1", .clock_ms = fixed_clock};

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *value = json_loads(text, 0, &jerr);
    if (value == NULL) {
        fprintf(stderr, "bad test JSON: %s\n", jerr.text);
        abort();
    }
    return value;
}

static void test_input_strings(void)
{
    api_call call;
    const char *out = NULL;
    json_t *in = parse("{\"name\": \"my-pipe.1@x_\", \"bad\": \"a b\", \"num\": 3, \"long\": "
                       "\"abcdefghij\", \"uuid\": \"0b6c3c1e-2f1d-4c4e-9a3b-1234567890ab\","
                       " \"nul\": null, \"utf\": \"\\u00e9\\u00e9\"}");
    api_call_init(&call, &test_env, "Op", "tester", in);

    CHECK_INT_EQ(api_input_string(&call, in, "name", NULL, true, 1, 100, API_CHARSET_NAME, &out),
                 0);
    CHECK_STR_EQ(out, "my-pipe.1@x_");

    CHECK(api_input_string(&call, in, "bad", NULL, true, 1, 100, API_CHARSET_NAME, &out) != 0);
    CHECK_STR_EQ(call.exception, "ValidationException");
    CHECK_STR_EQ(call.message, "1 validation error detected: Value 'a b' at 'bad' failed to "
                               "satisfy constraint: Member must satisfy regular expression "
                               "pattern: [A-Za-z0-9.@\\-_]+");
    CHECK(out == NULL);

    CHECK(api_input_string(&call, in, "missing", "pipelineName", true, 1, 100, API_CHARSET_NAME,
                           &out) != 0);
    CHECK_STR_EQ(call.message, "1 validation error detected: Value null at 'pipelineName' failed "
                               "to satisfy constraint: Member must not be null");

    /* null counts as absent */
    CHECK_INT_EQ(api_input_string(&call, in, "nul", NULL, false, 1, 100, API_CHARSET_ANY, &out), 0);
    CHECK(out == NULL);

    CHECK(api_input_string(&call, in, "num", NULL, true, 1, 100, API_CHARSET_ANY, &out) != 0);
    CHECK_STR_EQ(call.exception, "SerializationException");
    CHECK_STR_CONTAINS(call.message, "'num' must be a string, not a number");

    CHECK(api_input_string(&call, in, "long", NULL, true, 1, 5, API_CHARSET_ANY, &out) != 0);
    CHECK_STR_CONTAINS(call.message, "Member must have length less than or equal to 5");

    /* lengths count characters, not bytes */
    CHECK_INT_EQ(api_input_string(&call, in, "utf", NULL, true, 1, 2, API_CHARSET_ANY, &out), 0);

    CHECK_INT_EQ(api_input_string(&call, in, "uuid", NULL, true, 0, API_INPUT_NO_MAX,
                                  API_CHARSET_UUID, &out),
                 0);
    CHECK(api_input_string(&call, in, "name", NULL, true, 0, API_INPUT_NO_MAX, API_CHARSET_UUID,
                           &out) != 0);
    api_call_clear(&call);
    json_decref(in);
}

static void test_input_numbers_enums(void)
{
    api_call call;
    json_t *in = parse("{\"max\": 1001, \"ok\": 5, \"real\": 1.5, \"flag\": true, \"mode\": "
                       "\"FAILED\", \"list\": [1, 2, 3], \"map\": {\"K\": \"v\", \"bad key\": "
                       "\"v\"}}");
    int64_t n = 0;
    bool present = false;
    bool flag = false;
    const char *mode = NULL;
    const json_t *list = NULL;
    static const char *const modes[] = {"FAILED_ACTIONS", "ALL_ACTIONS"};
    api_call_init(&call, &test_env, "Op", "tester", in);

    CHECK_INT_EQ(api_input_int(&call, in, "ok", NULL, false, 1, 1000, &n, &present), 0);
    CHECK_INT_EQ(n, 5);
    CHECK(present);
    CHECK(api_input_int(&call, in, "max", "maxResults", false, 1, 1000, &n, &present) != 0);
    CHECK_STR_EQ(call.message, "1 validation error detected: Value '1001' at 'maxResults' failed "
                               "to satisfy constraint: Member must have value less than or equal "
                               "to 1000");
    CHECK(api_input_int(&call, in, "real", NULL, false, 1, 1000, &n, &present) != 0);
    CHECK_STR_EQ(call.exception, "SerializationException");
    CHECK_INT_EQ(api_input_int(&call, in, "absent", NULL, false, 1, 10, &n, &present), 0);
    CHECK(!present);

    CHECK_INT_EQ(api_input_bool(&call, in, "flag", NULL, false, &flag), 0);
    CHECK(flag);
    CHECK(api_input_bool(&call, in, "ok", NULL, false, &flag) != 0);

    CHECK(api_input_enum(&call, in, "mode", "retryMode", true, modes, 2, &mode) != 0);
    CHECK_STR_EQ(call.message, "1 validation error detected: Value 'FAILED' at 'retryMode' failed "
                               "to satisfy constraint: Member must satisfy enum value set: "
                               "[FAILED_ACTIONS, ALL_ACTIONS]");

    CHECK_INT_EQ(api_input_array(&call, in, "list", NULL, true, 1, 3, &list), 0);
    CHECK(api_input_array(&call, in, "list", NULL, true, 1, 2, &list) != 0);
    CHECK(api_input_object(&call, in, "list", NULL, true, &list) != 0);
    CHECK_STR_EQ(call.exception, "SerializationException");

    const json_t *map = NULL;
    CHECK(api_input_string_map(&call, in, "map", NULL, 10, 1, 50, API_CHARSET_VARIABLE, 1, 10,
                               &map) != 0);
    CHECK_STR_CONTAINS(call.message, "map.bad key");
    api_call_clear(&call);
    json_decref(in);
}

static void test_tokens(void)
{
    char token[API_TOKEN_MAX + 1];
    json_t *position = json_pack("[I, s]", (json_int_t)1700000000123, "abc");
    json_t *back = NULL;
    CHECK_INT_EQ(api_token_encode("executions", position, token, sizeof token), 0);
    CHECK_INT_EQ(api_token_decode(token, "executions", &back), 0);
    CHECK(json_equal(position, back));
    json_decref(back);

    /* another listing's token, an altered one, garbage */
    CHECK_INT_EQ(api_token_decode(token, "pipelines", &back), SLUICE_EPARSE);
    CHECK(back == NULL);
    char altered[API_TOKEN_MAX + 1];
    memcpy(altered, token, sizeof token);
    altered[2] = altered[2] == 'A' ? 'B' : 'A';
    CHECK_INT_EQ(api_token_decode(altered, "executions", &back), SLUICE_EPARSE);
    CHECK_INT_EQ(api_token_decode("not-a-token", "executions", &back), SLUICE_EPARSE);
    CHECK_INT_EQ(api_token_decode("", "executions", &back), SLUICE_EPARSE);
    CHECK(strchr(token, '+') == NULL && strchr(token, '/') == NULL && strchr(token, '=') == NULL);

    /* a position too big for the model's 2048 characters */
    char big[2100];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    json_t *huge = json_string(big);
    CHECK_INT_EQ(api_token_encode("pipelines", huge, token, sizeof token), SLUICE_ETOOBIG);
    json_decref(huge);
    json_decref(position);
}

static void test_auth(void)
{
    CHECK(api_auth_allows("viewer", API_AUTH_READ));
    CHECK(!api_auth_allows("viewer", API_AUTH_OPERATE));
    CHECK(api_auth_allows("operator", API_AUTH_OPERATE));
    CHECK(!api_auth_allows("operator", API_AUTH_APPROVE));
    CHECK(api_auth_allows("approver", API_AUTH_APPROVE));
    CHECK(!api_auth_allows("approver", API_AUTH_OPERATE));
    CHECK(api_auth_allows("worker", API_AUTH_JOB));
    CHECK(!api_auth_allows("worker", API_AUTH_ADMIN));
    CHECK(api_auth_allows("admin", API_AUTH_ADMIN) && api_auth_allows("admin", API_AUTH_JOB));
    CHECK(!api_auth_allows("root", API_AUTH_READ));
    CHECK(!api_auth_allows(NULL, API_AUTH_READ));

    char err[256];
    CHECK_INT_EQ(api_auth_check_spec("A:s:alice:admin, B:t:bob:viewer;C:u:carol:worker:TOKEN\n",
                                     err, sizeof err),
                 0);
    CHECK_INT_EQ(api_auth_check_spec("A:s:alice:admin,B:secret:bob:superuser", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "entry 2: unknown role \"superuser\"");
    CHECK(strstr(err, "secret") == NULL);
    CHECK_INT_EQ(api_auth_check_spec("A:s:alice", err, sizeof err), SLUICE_EINVAL);
}

static void test_scope(void)
{
    char err[256];
    /* the parser: what a scope may hold, and errors that name the pattern */
    CHECK_INT_EQ(api_scope_check("Custom/Build/MyTool*", err, sizeof err), 0);
    CHECK_INT_EQ(api_scope_check("Custom/*/*/1|AWS/Deploy/CodeDeploy|*/*/*", err, sizeof err), 0);
    CHECK_INT_EQ(api_scope_check("", err, sizeof err), SLUICE_EINVAL);
    CHECK_INT_EQ(api_scope_check("Custom/Build", err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "pattern 1");
    CHECK_STR_CONTAINS(err, "fewer than 3 segments");
    CHECK_INT_EQ(api_scope_check("Custom/Build/A|Custom/Build/B/1/x", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "pattern 2 (\"Custom/Build/B/1/x\")");
    CHECK_INT_EQ(api_scope_check("Custom//X", err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "segment 2");
    CHECK_INT_EQ(api_scope_check("Custom/Build/X||Custom/Test/Y", err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "pattern 2 is empty");
    CHECK_INT_EQ(api_scope_check("Custom/Build/My.Tool", err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "'.' is not allowed");
    char many[512] = "A/B/C";
    for (int i = 1; i < API_SCOPE_MAX_PATTERNS + 1; i++) {
        size_t at = strlen(many);
        snprintf(many + at, sizeof many - at, "|A/B/C");
    }
    CHECK_INT_EQ(api_scope_check(many, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "at most");

    /* the matcher: segment by segment, '*' within a segment, versions optional */
    CHECK(api_scope_allows(NULL, "Custom", "Build", "Anything", "1"));
    CHECK(api_scope_allows("", "Custom", "Build", "Anything", "1"));
    CHECK(api_scope_allows("Custom/Build/MyTool*", "Custom", "Build", "MyTool", "1"));
    CHECK(api_scope_allows("Custom/Build/MyTool*", "Custom", "Build", "MyToolBox", "7"));
    CHECK(!api_scope_allows("Custom/Build/MyTool*", "Custom", "Build", "OtherTool", "1"));
    CHECK(!api_scope_allows("Custom/Build/MyTool*", "Custom", "Test", "MyTool", "1"));
    CHECK(!api_scope_allows("Custom/Build/MyTool*", "AWS", "Build", "MyTool", "1"));
    CHECK(api_scope_allows("Custom/*/*-lint/2", "Custom", "Test", "py-lint", "2"));
    CHECK(!api_scope_allows("Custom/*/*-lint/2", "Custom", "Test", "py-lint", "1"));
    CHECK(!api_scope_allows("Custom/*/*-lint/2", "Custom", "Test", "py-lint-x", "2"));
    CHECK(api_scope_allows("Custom/Build/a*b*c", "Custom", "Build", "aXXbYYc", "1"));
    CHECK(!api_scope_allows("Custom/Build/a*b*c", "Custom", "Build", "aXXbYYcd", "1"));
    CHECK(api_scope_allows("Custom/Build/X|AWS/Deploy/CodeDeploy/1", "AWS", "Deploy", "CodeDeploy",
                           "1"));
    CHECK(!api_scope_allows("Custom/Build/X|AWS/Deploy/CodeDeploy/1", "AWS", "Deploy", "CodeDeploy",
                            "2"));
    CHECK(!api_scope_allows("Custom/Build", "Custom", "Build", "X", "1")); /* malformed: nothing */
    CHECK(!api_scope_allows("Custom/Build/X", "Custom", "Build", NULL, "1"));

    /* credential entries: only workers take a scope, and a bad one names the entry */
    CHECK_INT_EQ(api_auth_check_spec("A:s:ci:worker(Custom/Build/MyTool*|Custom/Test/*/2):TOKEN,"
                                     "B:t:bob:viewer",
                                     err, sizeof err),
                 0);
    CHECK_INT_EQ(
        api_auth_check_spec("A:s:alice:admin,B:t:bob:viewer(Custom/Build/X)", err, sizeof err),
        SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "entry 2");
    CHECK_STR_CONTAINS(err, "only the worker role takes a scope");
    CHECK_INT_EQ(
        api_auth_check_spec("A:s:alice:admin,B:t:bob:worker(Custom/Build)", err, sizeof err),
        SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "credentials entry 2: scope pattern 1");
    CHECK_INT_EQ(api_auth_check_spec("B:t:bob:worker(Custom/Build/X", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "closed by ')'");
    CHECK_INT_EQ(api_auth_check_spec("B:t:bob:worke(Custom/Build/X)", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "unknown role \"worke\"");
}

static void test_job_record(void)
{
    json_t *job = parse(
        "{\"jobId\": \"11111111-2222-4333-8444-555555555555\", \"pipeline\": "
        "\"demo-pipeline-with-a-long-name\","
        " \"pipelineArn\": \"arn:aws:codepipeline:us-east-1:123456789012:demo\","
        " \"pipelineExecutionId\": \"aaaaaaaa-2222-4333-8444-555555555555\", \"stage\": \"Build\","
        " \"action\": \"Compile\", \"actionExecutionId\": \"bbbbbbbb-2222-4333-8444-555555555555\","
        " \"actionTypeId\": {\"category\": \"Build\", \"owner\": \"Custom\", \"provider\": "
        "\"Jenkins\","
        "                    \"version\": \"1\"},"
        " \"configuration\": {\"ProjectName\": \"web\"},"
        " \"inputArtifacts\": [{\"name\": \"Src\", \"s3location\": {\"bucket\": \"b1\", \"key\": "
        "\"k1\"}}],"
        " \"outputArtifacts\": [{\"name\": \"BuildOutputArtifact\"}], \"continuationToken\": "
        "\"ct\", \"deadline\": \"2033-05-18T03:33:20Z\"}");
    aws_jobcred_keys *keys = NULL;
    REQUIRE(aws_jobcred_keys_parse(
                &keys, "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
                NULL, 0) == 0);
    json_t *definition =
        parse("{\"pipeline\": {\"artifactStore\": {\"type\": \"S3\", \"location\": "
              "\"store-bucket\", \"encryptionKey\": {\"id\": \"k\", \"type\": "
              "\"KMS\"}}}}");
    char err[128];
    char key[AWS_JOB_TYPE_KEY_MAX];
    CHECK_INT_EQ(aws_job_type_key(json_object_get(job, "actionTypeId"), key, sizeof key), 0);
    CHECK_STR_EQ(key, "Custom/Build/Jenkins/1");

    json_t *record = aws_job_record(job, definition, "123456789012", true, keys, err, sizeof err);
    REQUIRE(record != NULL);
    json_t *rendered = aws_job_render(record, "nonce-1");
    const json_t *data = json_object_get(rendered, "data");
    CHECK_STR_EQ(json_string_value(json_object_get(rendered, "id")),
                 "11111111-2222-4333-8444-555555555555");
    CHECK_STR_EQ(json_string_value(json_object_get(rendered, "nonce")), "nonce-1");
    CHECK_STR_EQ(json_string_value(json_object_get(rendered, "accountId")), "123456789012");
    CHECK_STR_EQ(json_string_value(json_object_get(
                     json_object_get(json_object_get(data, "actionConfiguration"), "configuration"),
                     "ProjectName")),
                 "web");
    const json_t *context = json_object_get(data, "pipelineContext");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(context, "stage"), "name")),
                 "Build");
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_object_get(context, "action"), "actionExecutionId")),
        "bbbbbbbb-2222-4333-8444-555555555555");
    const json_t *in =
        json_object_get(json_array_get(json_object_get(data, "inputArtifacts"), 0), "location");
    CHECK_STR_EQ(json_string_value(json_object_get(in, "type")), "S3");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(in, "s3Location"), "objectKey")),
                 "k1");
    const json_t *out = json_object_get(
        json_object_get(json_array_get(json_object_get(data, "outputArtifacts"), 0), "location"),
        "s3Location");
    CHECK_STR_EQ(json_string_value(json_object_get(out, "bucketName")), "store-bucket");
    const char *object_key = json_string_value(json_object_get(out, "objectKey"));
    /* <pipeline, 20 chars>/<artifact, 10 chars>/<7 chars>, as CodePipeline lays them out */
    CHECK(object_key != NULL && strncmp(object_key, "demo-pipeline-with-a/BuildOutpu/", 32) == 0 &&
          strlen(object_key) == 39);
    CHECK_STR_EQ(json_string_value(json_object_get(data, "continuationToken")), "ct");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(data, "encryptionKey"), "type")),
                 "KMS");
    /* artifactCredentials: job credentials for exactly the input and the output, until the
     * deadline */
    const json_t *cred = json_object_get(data, "artifactCredentials");
    aws_jobcred_scope *scope = calloc(1, sizeof *scope);
    char secret[AWS_JOBCRED_SECRET_LEN + 1];
    char code[64];
    CHECK_INT_EQ(aws_jobcred_verify(keys, json_string_value(json_object_get(cred, "accessKeyId")),
                                    json_string_value(json_object_get(cred, "sessionToken")),
                                    1999999999000LL, scope, secret, code, err, sizeof err),
                 0);
    CHECK_STR_EQ(secret, json_string_value(json_object_get(cred, "secretAccessKey")));
    CHECK_STR_EQ(scope->job_id, "11111111-2222-4333-8444-555555555555");
    /* the job's pipeline execution is named in the token (the store records it) */
    CHECK_STR_EQ(scope->execution_id, "aaaaaaaa-2222-4333-8444-555555555555");
    CHECK_INT_EQ(scope->expires_s, 2000000000);
    CHECK(aws_jobcred_allows(scope, AWS_JOBCRED_READ, "b1", "k1"));
    CHECK(!aws_jobcred_allows(scope, AWS_JOBCRED_WRITE, "b1", "k1"));
    CHECK_INT_EQ(scope->write_count, 1);
    CHECK(aws_jobcred_allows(
        scope, AWS_JOBCRED_WRITE, "store-bucket",
        json_string_value(json_object_get(
            json_object_get(
                json_object_get(json_array_get(json_object_get(data, "outputArtifacts"), 0),
                                "location"),
                "s3Location"),
            "objectKey"))));
    free(scope);

    /* the same job gets the same keys again */
    json_t *again = aws_job_record(job, definition, "123456789012", true, keys, err, sizeof err);
    CHECK(json_equal(record, again));
    json_t *locations = aws_job_output_locations(record);
    CHECK_INT_EQ(json_array_size(locations), 1);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(locations, 0), "key")),
                 object_key);
    json_t *details = aws_job_render(record, NULL);
    CHECK(json_object_get(details, "nonce") == NULL);

    json_decref(details);
    json_decref(locations);
    json_decref(again);
    json_decref(rendered);
    json_decref(record);

    /* no definition: a default bucket; a malformed document: refused */
    record = aws_job_record(job, NULL, "123456789012", false, NULL, err, sizeof err);
    CHECK(record != NULL);
    CHECK(json_object_get(json_object_get(record, "data"), "artifactCredentials") == NULL);
    json_decref(record);
    json_object_del(job, "actionTypeId");
    CHECK(aws_job_record(job, definition, "123456789012", true, keys, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "actionTypeId");
    json_decref(job);
    json_decref(definition);
    aws_jobcred_keys_free(keys);
}

/* NULL-terminated name/value pairs looked up by api_config_load. */
static const char *config_lookup(const char *name, void *ctx)
{
    const char *const *pairs = ctx;
    for (size_t i = 0; pairs[i] != NULL; i += 2) {
        if (strcmp(pairs[i], name) == 0) {
            return pairs[i + 1];
        }
    }
    return NULL;
}

static void test_config_sigv4(void)
{
    static api_config cfg;
    char err[1024];
    const char *base[] = {"SLUICE_API_CREDENTIALS", "AKID:secret:alice:admin",
                          "SLUICE_KAFKA_BROKERS", "127.0.0.1:9092", NULL};
    CHECK_INT_EQ(api_config_load(&cfg, config_lookup, (void *)base, err, sizeof err), 0);
    CHECK_INT_EQ(cfg.sigv4_max_skew_s, 900); /* AWS's 15 minutes */
    CHECK(!cfg.replay_cache);
    CHECK_INT_EQ(cfg.replay_cache_entries, 100000);

    const char *set[] = {"SLUICE_API_CREDENTIALS",
                         "AKID:secret:alice:admin",
                         "SLUICE_KAFKA_BROKERS",
                         "127.0.0.1:9092",
                         "SLUICE_API_SIGV4_MAX_SKEW_S",
                         "60",
                         "SLUICE_API_REPLAY_CACHE",
                         "on",
                         "SLUICE_API_REPLAY_CACHE_ENTRIES",
                         "500",
                         NULL};
    CHECK_INT_EQ(api_config_load(&cfg, config_lookup, (void *)set, err, sizeof err), 0);
    CHECK_INT_EQ(cfg.sigv4_max_skew_s, 60);
    CHECK(cfg.replay_cache);
    CHECK_INT_EQ(cfg.replay_cache_entries, 500);

    const char *bad[] = {"SLUICE_API_CREDENTIALS",
                         "AKID:secret:alice:admin",
                         "SLUICE_KAFKA_BROKERS",
                         "127.0.0.1:9092",
                         "SLUICE_API_SIGV4_MAX_SKEW_S",
                         "0",
                         "SLUICE_API_REPLAY_CACHE",
                         "maybe",
                         "SLUICE_API_REPLAY_CACHE_ENTRIES",
                         "0",
                         NULL};
    CHECK_INT_EQ(api_config_load(&cfg, config_lookup, (void *)bad, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_API_SIGV4_MAX_SKEW_S");
    CHECK_STR_CONTAINS(err, "SLUICE_API_REPLAY_CACHE");
    CHECK_STR_CONTAINS(err, "SLUICE_API_REPLAY_CACHE_ENTRIES");
    CHECK(strstr(err, "secret") == NULL);
}

int main(void)
{
    RUN_TEST(test_input_strings);
    RUN_TEST(test_input_numbers_enums);
    RUN_TEST(test_tokens);
    RUN_TEST(test_auth);
    RUN_TEST(test_scope);
    RUN_TEST(test_job_record);
    RUN_TEST(test_config_sigv4);
    return sluice_test_report();
}
