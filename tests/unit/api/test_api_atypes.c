/*
 * Registered action types through the dispatcher over the in-process
 * backend: the backend's compare-and-set of a record (a lost race, the bound
 * on records), CreateCustomActionType's refusals and idempotence,
 * ListActionTypes' filters, declarations held to a registered type (and to an
 * unregistered one, with registration required and not), secret values
 * masked and kept through UpdatePipeline, PollForJobs' queryParam and a
 * deleted type, and the identical definition restoring a deleted type.
 */
#include "api_fixture.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_INPUT                                                                                 \
    "{\"category\": \"Build\", \"provider\": \"Tool\", \"version\": \"1\","                        \
    " \"configurationProperties\": ["                                                              \
    "  {\"name\": \"Project\", \"required\": true, \"key\": true, \"secret\": false,"              \
    "   \"queryable\": true},"                                                                     \
    "  {\"name\": \"Token\", \"required\": true, \"key\": false, \"secret\": true}],"              \
    " \"inputArtifactDetails\": {\"minimumCount\": 1, \"maximumCount\": 1},"                       \
    " \"outputArtifactDetails\": {\"minimumCount\": 0, \"maximumCount\": 0}}"

#define TOOL_ID                                                                                    \
    "{\"category\": \"Build\", \"owner\": \"Custom\", \"provider\": \"Tool\", \"version\": \"1\"}"

/* A V2 pipeline "p": an S3 source and one action of Custom/Build/Tool/1 with config. */
static json_t *declaration(const char *config, bool with_input)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"pipeline\": {\"name\": \"p\", \"roleArn\": \"arn:aws:iam::123456789012:role/r\","
             " \"artifactStore\": {\"type\": \"S3\", \"location\": \"bucket\"}, \"pipelineType\": "
             "\"V2\", \"stages\": ["
             "{\"name\": \"Source\", \"actions\": [{\"name\": \"Source\", \"actionTypeId\": "
             "{\"category\": \"Source\", \"owner\": \"AWS\", \"provider\": \"S3\", \"version\": "
             "\"1\"}, \"configuration\": {\"S3Bucket\": \"bucket\", \"S3ObjectKey\": \"k.zip\"}, "
             "\"outputArtifacts\": [{\"name\": \"Src\"}]}]},"
             "{\"name\": \"Build\", \"actions\": [{\"name\": \"Compile\", \"actionTypeId\": %s, "
             "\"configuration\": %s%s}]}]}}",
             TOOL_ID, config, with_input ? ", \"inputArtifacts\": [{\"name\": \"Src\"}]" : "");
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "declaration: %s\n", jerr.text);
        abort();
    }
    return doc;
}

/* Runs op as admin on input (stolen); returns the status. */
static int call_json(api_fixture *f, const char *op, json_t *input, api_call *call)
{
    int status = api_fixture_call_json(f, "admin", op, input, call);
    json_decref(input);
    return status;
}

static const char *config_value(const json_t *output, const char *key)
{
    const json_t *stages = json_object_get(json_object_get(output, "pipeline"), "stages");
    const json_t *action = json_array_get(json_object_get(json_array_get(stages, 1), "actions"), 0);
    return json_string_value(json_object_get(json_object_get(action, "configuration"), key));
}

static void test_backend_compare_and_set(void)
{
    api_fixture f;
    char err[128];
    char *text = NULL;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_backend *b = api_memory_backend(f.mem);
    CHECK_INT_EQ(b->ops->atype_load(b, "Custom/Build/X/1", &text, err, sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_INT_EQ(b->ops->atype_save(b, "Custom/Build/X/1", NULL, "{\"a\":1}", 2, err, sizeof err),
                 0);
    /* a second create loses; an update over other text loses; over the stored text wins */
    CHECK_INT_EQ(b->ops->atype_save(b, "Custom/Build/X/1", NULL, "{}", 2, err, sizeof err),
                 SLUICE_ECONFLICT);
    CHECK_INT_EQ(b->ops->atype_save(b, "Custom/Build/X/1", "{}", "{}", 2, err, sizeof err),
                 SLUICE_ECONFLICT);
    CHECK_INT_EQ(
        b->ops->atype_save(b, "Custom/Build/X/1", "{\"a\":1}", "{\"a\":2}", 2, err, sizeof err), 0);
    CHECK_INT_EQ(b->ops->atype_load(b, "Custom/Build/X/1", &text, err, sizeof err), 0);
    CHECK_STR_EQ(text, "{\"a\":2}");
    free(text);
    CHECK_INT_EQ(b->ops->atype_save(b, "Custom/Build/Y/1", NULL, "{}", 2, err, sizeof err), 0);
    CHECK_INT_EQ(b->ops->atype_save(b, "Custom/Build/Z/1", NULL, "{}", 2, err, sizeof err),
                 SLUICE_ETOOBIG);
    json_t *list = NULL;
    CHECK_INT_EQ(b->ops->atype_list(b, &list, err, sizeof err), 0);
    CHECK_INT_EQ(json_array_size(list), 2);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(list, 0), "key")),
                 "Custom/Build/X/1");
    json_decref(list);
    api_fixture_free(&f);
}

static void test_create_list_delete(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    f.env.require_custom_types = true;

    CHECK_INT_EQ(api_fixture_call(&f, "admin", "CreateCustomActionType",
                                  "{\"category\": \"Build\", \"provider\": \"Tool\", \"version\": "
                                  "\"1\", \"inputArtifactDetails\": {\"minimumCount\": 3, "
                                  "\"maximumCount\": 1}, \"outputArtifactDetails\": "
                                  "{\"minimumCount\": 0, \"maximumCount\": 0}}",
                                  &call),
                 400);
    CHECK_STR_EQ(call.exception, "ValidationException");
    CHECK_STR_CONTAINS(call.message, "minimumCount 3 is larger than maximumCount 1");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "operator", "CreateCustomActionType", TYPE_INPUT, &call),
                 400);
    CHECK_STR_EQ(call.exception, "AccessDeniedException");
    api_call_clear(&call);

    CHECK_INT_EQ(api_fixture_call(&f, "admin", "CreateCustomActionType", TYPE_INPUT, &call), 200);
    const json_t *type = json_object_get(call.output, "actionType");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(type, "id"), "owner")),
                 "Custom");
    CHECK(json_is_false(json_object_get(
        json_array_get(json_object_get(type, "actionConfigurationProperties"), 1), "queryable")));
    json_t *created = json_deep_copy(type);
    api_call_clear(&call);

    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListActionTypes",
                                  "{\"actionOwnerFilter\": \"Custom\"}", &call),
                 200);
    CHECK_INT_EQ(json_array_size(json_object_get(call.output, "actionTypes")), 1);
    CHECK(json_equal(json_array_get(json_object_get(call.output, "actionTypes"), 0), created));
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListActionTypes",
                                  "{\"regionFilter\": \"ap-south-1\"}", &call),
                 200);
    CHECK_INT_EQ(json_array_size(json_object_get(call.output, "actionTypes")), 0);
    api_call_clear(&call);

    /* deleted: not listed, not polled; only the identical definition restores it */
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "DeleteCustomActionType",
                                  "{\"category\": \"Build\", \"provider\": \"Tool\", \"version\": "
                                  "\"1\"}",
                                  &call),
                 200);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListActionTypes",
                                  "{\"actionOwnerFilter\": \"Custom\"}", &call),
                 200);
    CHECK_INT_EQ(json_array_size(json_object_get(call.output, "actionTypes")), 0);
    api_call_clear(&call);
    CHECK_INT_EQ(
        api_fixture_call(&f, "worker", "PollForJobs", "{\"actionTypeId\": " TOOL_ID "}", &call),
        400);
    CHECK_STR_EQ(call.exception, "ActionTypeNotFoundException");
    api_call_clear(&call);
    json_t *changed = json_loads(TYPE_INPUT, 0, NULL);
    json_object_set_new(changed, "outputArtifactDetails",
                        json_pack("{s:i, s:i}", "minimumCount", 0, "maximumCount", 1));
    CHECK_INT_EQ(call_json(&f, "CreateCustomActionType", changed, &call), 400);
    CHECK_STR_CONTAINS(call.message, "new version string");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "CreateCustomActionType", TYPE_INPUT, &call), 200);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListActionTypes", NULL, &call), 200);
    size_t custom = 0;
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(call.output, "actionTypes"), i, entry)
    {
        custom += json_equal(entry, created) ? 1 : 0;
    }
    CHECK_INT_EQ(custom, 1);
    api_call_clear(&call);
    json_decref(created);
    api_fixture_free(&f);
}

static void test_declarations(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);

    /* registration not required: an unregistered Custom type is taken */
    CHECK_INT_EQ(call_json(&f, "CreatePipeline", declaration("{\"Any\": \"x\"}", true), &call),
                 200);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "DeletePipeline", "{\"name\": \"p\"}", &call), 200);
    api_call_clear(&call);
    f.env.require_custom_types = true;
    CHECK_INT_EQ(call_json(&f, "CreatePipeline", declaration("{\"Any\": \"x\"}", true), &call),
                 400);
    CHECK_STR_EQ(call.exception, "InvalidActionDeclarationException");
    CHECK_STR_CONTAINS(call.message, "stage 'Build', action 'Compile'");
    CHECK_STR_CONTAINS(call.message, "register it with CreateCustomActionType first");
    api_call_clear(&call);

    CHECK_INT_EQ(api_fixture_call(&f, "admin", "CreateCustomActionType", TYPE_INPUT, &call), 200);
    api_call_clear(&call);
    /* every problem in one message */
    CHECK_INT_EQ(call_json(&f, "CreatePipeline",
                           declaration("{\"Project\": \"a b\", \"Colour\": \"red\"}", false),
                           &call),
                 400);
    CHECK_STR_EQ(call.exception, "InvalidActionDeclarationException");
    CHECK_STR_CONTAINS(call.message, "configuration key 'Colour' is not a property of ActionType "
                                     "(Category: 'Build', Provider: 'Tool', Version: '1', Owner: "
                                     "'Custom')");
    CHECK_STR_CONTAINS(call.message, "the value of the queryable property 'Project'");
    CHECK_STR_CONTAINS(call.message, "the required configuration property 'Token'");
    CHECK_STR_CONTAINS(call.message, "0 inputArtifacts");
    api_call_clear(&call);

    /* the secret is masked in every answer and kept by "****" */
    CHECK_INT_EQ(call_json(&f, "CreatePipeline",
                           declaration("{\"Project\": \"alpha\", \"Token\": \"hush\"}", true),
                           &call),
                 200);
    CHECK_STR_EQ(config_value(call.output, "Token"), "****");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "GetPipeline", "{\"name\": \"p\"}", &call), 200);
    CHECK_STR_EQ(config_value(call.output, "Token"), "****");
    CHECK_STR_EQ(config_value(call.output, "Project"), "alpha");
    json_t *update = json_pack("{s:O}", "pipeline", json_object_get(call.output, "pipeline"));
    api_call_clear(&call);
    CHECK_INT_EQ(call_json(&f, "UpdatePipeline", update, &call), 200);
    CHECK_STR_EQ(config_value(call.output, "Token"), "****");
    api_call_clear(&call);
    json_t *doc = NULL;
    uint64_t rev = 0;
    char err[128];
    api_backend *b = api_memory_backend(f.mem);
    REQUIRE(b->ops->def_load(b, "p", &doc, &rev, err, sizeof err) == 0);
    CHECK_STR_EQ(config_value(doc, "Token"), "hush");
    CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(doc, "pipeline"), "version")),
                 2);
    json_decref(doc);

    /* PollForJobs: queryParam names the queryable property only */
    CHECK_INT_EQ(api_fixture_call(&f, "worker", "PollForJobs",
                                  "{\"actionTypeId\": " TOOL_ID ", \"queryParam\": {\"Token\": "
                                  "\"x\"}}",
                                  &call),
                 400);
    CHECK_STR_EQ(call.exception, "ValidationException");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "worker", "PollForJobs",
                                  "{\"actionTypeId\": " TOOL_ID ", \"queryParam\": {\"Project\": "
                                  "\"alpha\"}}",
                                  &call),
                 200);
    api_call_clear(&call);
    api_fixture_free(&f);
}

int main(void)
{
    RUN_TEST(test_backend_compare_and_set);
    RUN_TEST(test_create_list_delete);
    RUN_TEST(test_declarations);
    return sluice_test_report();
}
