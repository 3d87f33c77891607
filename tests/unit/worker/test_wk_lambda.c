/*
 * test_wk_lambda.c — the functions file and the CodePipeline.job event.
 */
#include "wk_lambda.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <string.h>

static char err[512];

static int parse(const char *text, json_t **out)
{
    err[0] = '\0';
    return wk_lambda_functions_parse(text, strlen(text), out, err, sizeof err);
}

static void test_functions(void)
{
    json_t *f = NULL;
    CHECK_INT_EQ(parse("{\"notify\": {\"url\": \"http://127.0.0.1:9000/invoke\"},"
                       " \"gate_2\": {\"url\": \"https://fn.example.com/gate\"},"
                       " \"local\": {\"url\": \"http://localhost\"},"
                       " \"six\": {\"url\": \"http://[::1]:80/x\"}}",
                       &f),
                 0);
    CHECK_STR_EQ(wk_lambda_url(f, "notify"), "http://127.0.0.1:9000/invoke");
    CHECK_STR_EQ(wk_lambda_url(f, "gate_2"), "https://fn.example.com/gate");
    CHECK(wk_lambda_url(f, "other") == NULL);
    CHECK(wk_lambda_url(f, NULL) == NULL);
    CHECK(wk_lambda_url(NULL, "notify") == NULL);
    json_decref(f);

    CHECK_INT_EQ(parse("{}", &f), 0);
    CHECK_INT_EQ(json_object_size(f), 0);
    json_decref(f);

    CHECK_INT_EQ(parse("[1]", &f), SLUICE_EPARSE);
    CHECK(f == NULL);
    CHECK_STR_CONTAINS(err, "not a JSON object");
    CHECK_INT_EQ(parse("{\"a\": ", &f), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "line 1");
    CHECK_INT_EQ(parse("{\"a\": {\"url\": \"http://x\"}, \"a\": {\"url\": \"http://y\"}}", &f),
                 SLUICE_EPARSE);
    /* every refusal names the function and what is wrong */
    CHECK_INT_EQ(parse("{\"far\": {\"url\": \"http://10.0.0.7:9000/\"}}", &f), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "function \"far\": \"url\" is http:// to another machine");
    CHECK_INT_EQ(parse("{\"trick\": {\"url\": \"http://127.0.0.1.evil.com/\"}}", &f),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "function \"trick\"");
    CHECK_INT_EQ(parse("{\"ftp\": {\"url\": \"ftp://127.0.0.1/\"}}", &f), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "neither https:// nor http://");
    CHECK_INT_EQ(parse("{\"bad name\": {\"url\": \"https://x\"}}", &f), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "function \"bad name\": the name is not 1..64 of [A-Za-z0-9_-]");
    CHECK_INT_EQ(parse("{\"s\": \"https://x\"}", &f), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "function \"s\": not an object");
    CHECK_INT_EQ(parse("{\"n\": {}}", &f), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "\"url\" is missing");
    CHECK_INT_EQ(parse("{\"n\": {\"url\": \"https://x\", \"timeout\": 3}}", &f), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "only \"url\" may be given");
    CHECK_INT_EQ(parse("{\"n\": {\"url\": \"https://x y\"}}", &f), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "whitespace");
    CHECK_INT_EQ(parse("{\"n\": {\"url\": \"https://\"}}", &f), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "names no host");
    CHECK(f == NULL);
}

static void test_functions_bounds(void)
{
    char text[WK_LAMBDA_FUNCTIONS_MAX * 40 + 64];
    size_t n = 0;
    text[n++] = '{';
    for (int i = 0; i <= WK_LAMBDA_FUNCTIONS_MAX; i++) {
        n += (size_t)snprintf(text + n, sizeof text - n, "%s\"f%d\": {\"url\": \"https://x\"}",
                              i > 0 ? "," : "", i);
    }
    text[n++] = '}';
    text[n] = '\0';
    json_t *f = NULL;
    CHECK_INT_EQ(parse(text, &f), SLUICE_ETOOBIG);
    CHECK_STR_CONTAINS(err, "more than 256 functions");
    char name[80];
    memset(name, 'a', 65);
    name[65] = '\0';
    char doc[200];
    snprintf(doc, sizeof doc, "{\"%s\": {\"url\": \"https://x\"}}", name);
    CHECK_INT_EQ(parse(doc, &f), SLUICE_EINVAL);
}

static void test_event(void)
{
    json_error_t jerr;
    json_t *record =
        json_loads("{\"id\": \"6b1a3b0e-0000-4000-8000-000000000001\", \"pipeline\": \"p\","
                   " \"accountId\": \"123456789012\", \"actionType\": \"AWS/Invoke/Lambda/1\","
                   " \"data\": {\"actionTypeId\": {\"category\": \"Invoke\"},"
                   "  \"actionConfiguration\": {\"configuration\": {\"FunctionName\": \"notify\","
                   "   \"UserParameters\": \"deployed\", \"Other\": \"x\"}},"
                   "  \"pipelineContext\": {\"pipelineName\": \"p\"},"
                   "  \"inputArtifacts\": [{\"name\": \"In\", \"location\": {\"type\": \"S3\","
                   "   \"s3Location\": {\"bucketName\": \"b\", \"objectKey\": \"k\"}}}],"
                   "  \"outputArtifacts\": [],"
                   "  \"artifactCredentials\": {\"accessKeyId\": \"A\", \"secretAccessKey\": \"S\","
                   "   \"sessionToken\": \"T\"},"
                   "  \"continuationToken\": \"step-1\"}}",
                   0, &jerr);
    CHECK(record != NULL);
    json_t *event = wk_lambda_event(record);
    CHECK(event != NULL);
    const json_t *job = json_object_get(event, "CodePipeline.job");
    CHECK_INT_EQ(json_object_size(event), 1);
    CHECK_STR_EQ(json_string_value(json_object_get(job, "id")),
                 "6b1a3b0e-0000-4000-8000-000000000001");
    CHECK_STR_EQ(json_string_value(json_object_get(job, "accountId")), "123456789012");
    CHECK_INT_EQ(json_object_size(job), 3);
    const json_t *data = json_object_get(job, "data");
    const json_t *config =
        json_object_get(json_object_get(data, "actionConfiguration"), "configuration");
    CHECK_INT_EQ(json_object_size(config), 2); /* FunctionName and UserParameters only */
    CHECK_STR_EQ(json_string_value(json_object_get(config, "FunctionName")), "notify");
    CHECK_STR_EQ(json_string_value(json_object_get(config, "UserParameters")), "deployed");
    CHECK_STR_EQ(json_string_value(json_object_get(data, "continuationToken")), "step-1");
    CHECK_STR_EQ(json_string_value(
                     json_object_get(json_object_get(data, "artifactCredentials"), "sessionToken")),
                 "T");
    CHECK_INT_EQ(json_array_size(json_object_get(data, "inputArtifacts")), 1);
    CHECK(json_is_array(json_object_get(data, "outputArtifacts")));
    CHECK(json_object_get(data, "pipelineContext") == NULL);
    CHECK(json_object_get(data, "actionTypeId") == NULL);
    json_decref(event);

    /* the first invocation: no token; no UserParameters: none shown */
    json_t *d = json_object_get(record, "data");
    json_object_del(d, "continuationToken");
    json_object_del(json_object_get(json_object_get(d, "actionConfiguration"), "configuration"),
                    "UserParameters");
    json_object_del(d, "inputArtifacts");
    event = wk_lambda_event(record);
    data = json_object_get(json_object_get(event, "CodePipeline.job"), "data");
    CHECK(json_object_get(data, "continuationToken") == NULL);
    CHECK_INT_EQ(json_array_size(json_object_get(data, "inputArtifacts")), 0);
    CHECK(json_is_array(json_object_get(data, "inputArtifacts")));
    CHECK(json_object_get(
              json_object_get(json_object_get(data, "actionConfiguration"), "configuration"),
              "UserParameters") == NULL);
    json_decref(event);

    json_object_del(record, "accountId");
    CHECK(wk_lambda_event(record) == NULL);
    json_decref(record);
}

int main(void)
{
    RUN_TEST(test_functions);
    RUN_TEST(test_functions_bounds);
    RUN_TEST(test_event);
    return sluice_test_report();
}
