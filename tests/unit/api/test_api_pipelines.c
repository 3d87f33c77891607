/*
 * Definitions and tags through the dispatcher over the in-process backend:
 * create / get (with version) / update (version bump) / list with pagination
 * / delete, the validator's exceptions, tags, ARNs, limits, the requests the
 * orchestrator is sent, and backend failures.
 */
#include "api_fixture.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long long num(const json_t *obj, const char *path)
{
    return (long long)json_integer_value(api_fixture_member(obj, path));
}

static void test_create_get_update_delete(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);

    json_t *input = json_pack("{s:o, s:[{s:s, s:s}]}", "pipeline", api_fixture_pipeline("alpha"),
                              "tags", "key", "team", "value", "blue");
    json_object_set_new(json_object_get(input, "pipeline"), "version", json_integer(7));
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &call), 200);
    CHECK_INT_EQ(num(call.output, "pipeline.version"), 1); /* a new pipeline is version 1 */
    CHECK_STR_EQ(api_fixture_str(call.output, "pipeline.executionMode"), "SUPERSEDED");
    CHECK_INT_EQ(num(call.output, "pipeline.stages.0.actions.0.runOrder"), 1);
    CHECK_STR_EQ(api_fixture_str(call.output, "tags.0.value"), "blue");
    api_call_clear(&call);

    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &call), 400);
    CHECK_STR_EQ(call.exception, "PipelineNameInUseException");
    api_call_clear(&call);

    /* the orchestrator heard of version 1 */
    json_t *requests = api_memory_requests(f.mem);
    CHECK_INT_EQ(json_array_size(requests), 1);
    CHECK_STR_EQ(api_fixture_str(requests, "0.detail.type"), "PipelineUpdated");
    CHECK_INT_EQ(num(requests, "0.detail.version"), 1);
    CHECK_STR_EQ(api_fixture_str(requests, "0.detail.requestedBy"),
                 "arn:aws:iam::123456789012:user/admin");
    CHECK_STR_EQ(api_fixture_str(requests, "0.detailType"), "Sluice Pipeline Request");
    json_decref(requests);

    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "GetPipeline", "{\"name\": \"alpha\"}", &call),
                 200);
    CHECK_STR_EQ(api_fixture_str(call.output, "metadata.pipelineArn"),
                 "arn:aws:codepipeline:us-east-1:123456789012:alpha");
    CHECK(json_is_real(api_fixture_member(call.output, "metadata.created")));
    CHECK_STR_EQ(api_fixture_str(call.output, "pipeline.stages.2.actions.0.actionTypeId.owner"),
                 "Custom");
    api_call_clear(&call);

    /* update: version 2; the old version stays readable */
    json_t *update = json_pack("{s:o}", "pipeline", api_fixture_pipeline("alpha"));
    json_object_set_new(json_object_get(update, "pipeline"), "executionMode",
                        json_string("QUEUED"));
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "UpdatePipeline", update, &call), 200);
    CHECK_INT_EQ(num(call.output, "pipeline.version"), 2);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "GetPipeline", "{\"name\": \"alpha\"}", &call),
                 200);
    CHECK_INT_EQ(num(call.output, "pipeline.version"), 2);
    CHECK_STR_EQ(api_fixture_str(call.output, "pipeline.executionMode"), "QUEUED");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "GetPipeline",
                                  "{\"name\": \"alpha\", \"version\": 1}", &call),
                 200);
    CHECK_INT_EQ(num(call.output, "pipeline.version"), 1);
    CHECK_STR_EQ(api_fixture_str(call.output, "pipeline.executionMode"), "SUPERSEDED");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "GetPipeline",
                                  "{\"name\": \"alpha\", \"version\": 3}", &call),
                 400);
    CHECK_STR_EQ(call.exception, "PipelineVersionNotFoundException");
    api_call_clear(&call);
    requests = api_memory_requests(f.mem);
    CHECK_INT_EQ(num(requests, "1.detail.version"), 2);
    json_decref(requests);

    /* tags survive an update */
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListTagsForResource",
                                  "{\"resourceArn\": "
                                  "\"arn:aws:codepipeline:us-east-1:123456789012:alpha\"}",
                                  &call),
                 200);
    CHECK_STR_EQ(api_fixture_str(call.output, "tags.0.key"), "team");
    api_call_clear(&call);

    /* update of a pipeline that does not exist */
    json_t *missing = json_pack("{s:o}", "pipeline", api_fixture_pipeline("nope"));
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "UpdatePipeline", missing, &call), 400);
    CHECK_STR_EQ(call.exception, "ValidationException"); /* botocore lists no PipelineNotFound */
    CHECK_STR_CONTAINS(call.message, "does not have a pipeline with name 'nope'");
    api_call_clear(&call);

    /* delete, then everything about it is gone; deleting again is fine */
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "DeletePipeline", "{\"name\": \"alpha\"}", &call),
                 200);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "GetPipeline", "{\"name\": \"alpha\"}", &call),
                 400);
    CHECK_STR_EQ(call.exception, "PipelineNotFoundException");
    CHECK_STR_EQ(call.message, "Account '123456789012' does not have a pipeline with name 'alpha'");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "GetPipeline",
                                  "{\"name\": \"alpha\", \"version\": 1}", &call),
                 400);
    CHECK_STR_EQ(call.exception, "PipelineNotFoundException");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "DeletePipeline", "{\"name\": \"alpha\"}", &call),
                 200);
    api_call_clear(&call);
    requests = api_memory_requests(f.mem);
    CHECK_STR_EQ(api_fixture_str(requests, "2.detail.type"), "PipelineDeleted");
    json_decref(requests);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListPipelines", NULL, &call), 200);
    CHECK_INT_EQ(json_array_size(api_fixture_member(call.output, "pipelines")), 0);
    api_call_clear(&call);
    /* and the name can be used again, from version 1 */
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &call), 200);
    CHECK_INT_EQ(num(call.output, "pipeline.version"), 1);
    api_call_clear(&call);

    json_decref(missing);
    json_decref(update);
    json_decref(input);
    api_fixture_free(&f);
}

static void test_validation_errors(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);

    /* one stage only: InvalidStructureException */
    json_t *pipeline = api_fixture_pipeline("broken");
    json_array_remove(json_object_get(pipeline, "stages"), 2);
    json_array_remove(json_object_get(pipeline, "stages"), 1);
    json_t *input = json_pack("{s:o}", "pipeline", pipeline);
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &call), 400);
    CHECK_STR_EQ(call.exception, "InvalidStructureException");
    CHECK_STR_CONTAINS(call.message, "pipeline");
    api_call_clear(&call);
    json_decref(input);

    /* an unknown provider: InvalidActionDeclarationException */
    pipeline = api_fixture_pipeline("broken");
    json_object_set_new(
        json_object_get(api_fixture_member(pipeline, "stages.1.actions.0"), "actionTypeId"),
        "provider", json_string("CodeDeploy"));
    input = json_pack("{s:o}", "pipeline", pipeline);
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &call), 400);
    CHECK_STR_EQ(call.exception, "InvalidActionDeclarationException");
    api_call_clear(&call);
    json_decref(input);

    /* the pipeline member missing, of the wrong type */
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "CreatePipeline", "{}", &call), 400);
    CHECK_STR_EQ(call.exception, "ValidationException");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "CreatePipeline", "{\"pipeline\": []}", &call), 400);
    CHECK_STR_EQ(call.exception, "SerializationException");
    api_call_clear(&call);
    /* a bad name pattern in GetPipeline */
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "GetPipeline", "{\"name\": \"a b\"}", &call), 400);
    CHECK_STR_EQ(call.exception, "ValidationException");
    api_call_clear(&call);

    /* tags: reserved prefix, duplicates, too many */
    input = json_pack("{s:o, s:[{s:s, s:s}]}", "pipeline", api_fixture_pipeline("tagged"), "tags",
                      "key", "aws:owner", "value", "x");
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &call), 400);
    CHECK_STR_EQ(call.exception, "InvalidTagsException");
    api_call_clear(&call);
    json_decref(input);
    input = json_pack("{s:o, s:[]}", "pipeline", api_fixture_pipeline("tagged"), "tags");
    for (int i = 0; i < 51; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        json_array_append_new(json_object_get(input, "tags"),
                              json_pack("{s:s, s:s}", "key", key, "value", ""));
    }
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &call), 400);
    CHECK_STR_EQ(call.exception, "TooManyTagsException");
    api_call_clear(&call);
    json_decref(input);

    /* the installation's pipeline limit (the fixture allows 5) */
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        CHECK_INT_EQ(api_fixture_create(&f, name), 0);
    }
    input = json_pack("{s:o}", "pipeline", api_fixture_pipeline("p5"));
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &call), 400);
    CHECK_STR_EQ(call.exception, "LimitExceededException");
    api_call_clear(&call);
    json_decref(input);
    api_fixture_free(&f);
}

static void test_list_pagination(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    const char *names[] = {"delta", "alpha", "echo", "charlie", "bravo"};
    for (size_t i = 0; i < 5; i++) {
        CHECK_INT_EQ(api_fixture_create(&f, names[i]), 0);
    }
    const char *expected[] = {"alpha", "bravo", "charlie", "delta", "echo"};
    char token[4096] = "";
    size_t seen = 0;
    int pages = 0;
    do {
        char input[4200];
        if (token[0] != '\0') {
            snprintf(input, sizeof input, "{\"maxResults\": 2, \"nextToken\": \"%s\"}", token);
        } else {
            snprintf(input, sizeof input, "{\"maxResults\": 2}");
        }
        REQUIRE(api_fixture_call(&f, "viewer", "ListPipelines", input, &call) == 200);
        const json_t *list = api_fixture_member(call.output, "pipelines");
        for (size_t i = 0; i < json_array_size(list); i++) {
            CHECK(seen < 5);
            if (seen < 5) {
                CHECK_STR_EQ(api_fixture_str(json_array_get(list, i), "name"), expected[seen]);
            }
            CHECK_INT_EQ(num(json_array_get(list, i), "version"), 1);
            CHECK_STR_EQ(api_fixture_str(json_array_get(list, i), "pipelineType"), "V2");
            seen++;
        }
        const char *next = api_fixture_str(call.output, "nextToken");
        snprintf(token, sizeof token, "%s", next != NULL ? next : "");
        api_call_clear(&call);
        pages++;
    } while (token[0] != '\0' && pages < 10);
    CHECK_INT_EQ(seen, 5);
    CHECK_INT_EQ(pages, 3);

    CHECK_INT_EQ(
        api_fixture_call(&f, "viewer", "ListPipelines", "{\"nextToken\": \"garbage\"}", &call),
        400);
    CHECK_STR_EQ(call.exception, "InvalidNextTokenException");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListPipelines", "{\"maxResults\": 0}", &call),
                 400);
    CHECK_STR_EQ(call.exception, "ValidationException");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListPipelines", "{\"maxResults\": \"2\"}", &call),
                 400);
    CHECK_STR_EQ(call.exception, "SerializationException");
    api_call_clear(&call);
    api_fixture_free(&f);
}

static void test_tags(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    CHECK_INT_EQ(api_fixture_create(&f, "tagme"), 0);
    const char *arn = "arn:aws:codepipeline:us-east-1:123456789012:tagme";
    char input[512];

    snprintf(input, sizeof input,
             "{\"resourceArn\": \"%s\", \"tags\": [{\"key\": \"a\", \"value\": \"1\"}, {\"key\": "
             "\"b\", \"value\": \"2\"}, {\"key\": \"c\", \"value\": \"3\"}]}",
             arn);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "TagResource", input, &call), 200);
    api_call_clear(&call);
    snprintf(input, sizeof input,
             "{\"resourceArn\": \"%s\", \"tags\": [{\"key\": \"a\", \"value\": \"10\"}]}", arn);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "TagResource", input, &call), 200);
    api_call_clear(&call);
    snprintf(input, sizeof input, "{\"resourceArn\": \"%s\", \"tagKeys\": [\"b\", \"zz\"]}", arn);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "UntagResource", input, &call), 200);
    api_call_clear(&call);

    snprintf(input, sizeof input, "{\"resourceArn\": \"%s\", \"maxResults\": 1}", arn);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListTagsForResource", input, &call), 200);
    CHECK_INT_EQ(json_array_size(api_fixture_member(call.output, "tags")), 1);
    CHECK_STR_EQ(api_fixture_str(call.output, "tags.0.key"), "a");
    CHECK_STR_EQ(api_fixture_str(call.output, "tags.0.value"), "10");
    const char *next = api_fixture_str(call.output, "nextToken");
    REQUIRE(next != NULL);
    char input2[4200];
    snprintf(input2, sizeof input2, "{\"resourceArn\": \"%s\", \"nextToken\": \"%s\"}", arn, next);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListTagsForResource", input2, &call), 200);
    CHECK_INT_EQ(json_array_size(api_fixture_member(call.output, "tags")), 1);
    CHECK_STR_EQ(api_fixture_str(call.output, "tags.0.key"), "c");
    CHECK(api_fixture_member(call.output, "nextToken") == NULL);
    api_call_clear(&call);

    /* ARNs: malformed, of another account, of a missing pipeline */
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListTagsForResource",
                                  "{\"resourceArn\": \"tagme\"}", &call),
                 400);
    CHECK_STR_EQ(call.exception, "ValidationException");
    api_call_clear(&call);
    /* ends right after the service name (read past its end before; found by the fuzzer) */
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListTagsForResource",
                                  "{\"resourceArn\": \"arn:aws:codepipeline:\"}", &call),
                 400);
    CHECK_STR_EQ(call.exception, "ValidationException");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListTagsForResource",
                                  "{\"resourceArn\": "
                                  "\"arn:aws:codepipeline:us-east-1:999999999999:tagme\"}",
                                  &call),
                 400);
    CHECK_STR_EQ(call.exception, "InvalidArnException");
    api_call_clear(&call);
    CHECK_INT_EQ(
        api_fixture_call(&f, "admin", "TagResource",
                         "{\"resourceArn\": "
                         "\"arn:aws:codepipeline:us-east-1:123456789012:ghost\", \"tags\": "
                         "[]}",
                         &call),
        400);
    CHECK_STR_EQ(call.exception, "ResourceNotFoundException");
    api_call_clear(&call);
    api_fixture_free(&f);
}

/* The demo pipeline `make run` creates is valid and round-trips through GetPipeline. */
static void test_demo_pipeline(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    json_t *demo = api_fixture_read("examples/demo-pipeline.json");
    REQUIRE(demo != NULL);
    int status = api_fixture_call_json(&f, "admin", "CreatePipeline", demo, &call);
    CHECK_INT_EQ(status, 200);
    if (status != 200) {
        fprintf(stderr, "  %s: %s\n", call.exception, call.message);
    }
    api_call_clear(&call);
    CHECK_INT_EQ(
        api_fixture_call(&f, "viewer", "GetPipeline", "{\"name\": \"sluice-demo\"}", &call), 200);
    CHECK_STR_EQ(api_fixture_str(call.output, "pipeline.pipelineType"), "V2");
    CHECK_STR_EQ(api_fixture_str(call.output, "pipeline.stages.0.actions.0.actionTypeId.provider"),
                 "CodeCommit");
    /* what GetPipeline prints is what UpdatePipeline takes */
    json_t *update = json_pack("{s:O}", "pipeline", api_fixture_member(call.output, "pipeline"));
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "UpdatePipeline", update, &call), 200);
    CHECK_INT_EQ(num(call.output, "pipeline.version"), 2);
    api_call_clear(&call);
    json_decref(update);
    json_decref(demo);
    api_fixture_free(&f);
}

/* The Custom-action example of docs/api.md is valid too. */
static void test_custom_example_pipeline(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    json_t *custom = api_fixture_read("examples/custom-pipeline.json");
    REQUIRE(custom != NULL);
    int status = api_fixture_call_json(&f, "admin", "CreatePipeline", custom, &call);
    CHECK_INT_EQ(status, 200);
    if (status != 200) {
        fprintf(stderr, "  %s: %s\n", call.exception, call.message);
    }
    CHECK_STR_EQ(api_fixture_str(call.output, "pipeline.name"), "custom-demo");
    CHECK_STR_EQ(api_fixture_str(call.output, "pipeline.stages.0.actions.0.actionTypeId.owner"),
                 "Custom");
    api_call_clear(&call);
    json_decref(custom);
    api_fixture_free(&f);
}

static void test_backend_failures(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    CHECK_INT_EQ(api_fixture_create(&f, "gamma"), 0);
    api_memory_set_failure(f.mem, SLUICE_EREDIS);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "GetPipeline", "{\"name\": \"gamma\"}", &call),
                 503);
    CHECK_STR_EQ(call.exception, "ServiceUnavailableException");
    api_call_clear(&call);
    api_memory_set_failure(f.mem, SLUICE_EPARSE);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListPipelines", NULL, &call), 500);
    CHECK_STR_EQ(call.exception, "InternalFailure");
    api_call_clear(&call);
    api_memory_set_failure(f.mem, 0);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "GetPipeline", "{\"name\": \"gamma\"}", &call),
                 200);
    api_call_clear(&call);
    api_fixture_free(&f);
}

int main(void)
{
    RUN_TEST(test_create_get_update_delete);
    RUN_TEST(test_validation_errors);
    RUN_TEST(test_list_pagination);
    RUN_TEST(test_tags);
    RUN_TEST(test_demo_pipeline);
    RUN_TEST(test_custom_example_pipeline);
    RUN_TEST(test_backend_failures);
    return sluice_test_report();
}
