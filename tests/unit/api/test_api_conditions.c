/*
 * Stage conditions and rollback in process (services/api api_conditions.c):
 * ListRuleTypes and its filters, the input checks of ListRuleExecutions,
 * OverrideStageCondition and RollbackStage, and their answers from the real
 * engine behind the in-process backend (api_fixture_use_engine).
 */
#include "api_fixture.h"

#include "sluice_test.h"

#include <stdio.h>
#include <string.h>

#define MISSING "00000000-0000-4000-8000-000000000000"

/* Calls op with input as role: the status; the exception in exception, the output in *out. */
static int call(api_fixture *f, const char *role, const char *op, const char *input, json_t **out,
                char *exception, size_t exlen)
{
    api_call c;
    int status = api_fixture_call(f, role, op, input, &c);
    snprintf(exception, exlen, "%s", c.exception);
    if (out != NULL) {
        *out = c.output != NULL ? json_incref(c.output) : NULL;
    }
    api_call_clear(&c);
    return status;
}

static void test_rule_types(void)
{
    api_fixture f;
    json_t *out = NULL;
    char ex[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    CHECK_INT_EQ(call(&f, "viewer", "ListRuleTypes", "{}", &out, ex, sizeof ex), 200);
    const json_t *types = json_object_get(out, "ruleTypes");
    CHECK_INT_EQ(json_array_size(types), 4);
    bool variable_check = false;
    for (size_t i = 0; i < json_array_size(types); i++) {
        const json_t *t = json_array_get(types, i);
        const json_t *id = json_object_get(t, "id");
        CHECK_STR_EQ(json_string_value(json_object_get(id, "category")), "Rule");
        CHECK_STR_EQ(json_string_value(json_object_get(id, "owner")), "AWS");
        CHECK_STR_EQ(json_string_value(json_object_get(id, "version")), "1");
        CHECK(json_is_integer(
            json_object_get(json_object_get(t, "inputArtifactDetails"), "maximumCount")));
        if (strcmp(json_string_value(json_object_get(id, "provider")), "VariableCheck") == 0) {
            variable_check = true;
            const json_t *props = json_object_get(t, "ruleConfigurationProperties");
            CHECK_INT_EQ(json_array_size(props), 3);
            CHECK(json_is_true(json_object_get(json_array_get(props, 0), "required")));
            CHECK(json_is_false(json_object_get(json_array_get(props, 0), "secret")));
        }
    }
    CHECK(variable_check);
    json_decref(out);
    CHECK_INT_EQ(call(&f, "viewer", "ListRuleTypes", "{\"regionFilter\": \"eu-west-3\"}", &out, ex,
                      sizeof ex),
                 200);
    CHECK_INT_EQ(json_array_size(json_object_get(out, "ruleTypes")), 0);
    json_decref(out);
    CHECK_INT_EQ(call(&f, "viewer", "ListRuleTypes", "{\"ruleOwnerFilter\": \"Custom\"}", NULL, ex,
                      sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "ValidationException");
    api_fixture_free(&f);
}

static void test_requests_and_errors(void)
{
    api_fixture f;
    json_t *out = NULL;
    char ex[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_fixture_use_engine(&f);
    REQUIRE(api_fixture_create(&f, "cond") == 0);
    /* the model's constraints, before anything is sent */
    CHECK_INT_EQ(call(&f, "operator", "OverrideStageCondition",
                      "{\"pipelineName\": \"cond\", \"stageName\": \"Build\", "
                      "\"pipelineExecutionId\": \"" MISSING
                      "\", \"conditionType\": \"ON_FAILURE\"}",
                      NULL, ex, sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "ValidationException");
    CHECK_INT_EQ(call(&f, "operator", "RollbackStage",
                      "{\"pipelineName\": \"cond\", \"stageName\": \"Build\", "
                      "\"targetPipelineExecutionId\": \"nope\"}",
                      NULL, ex, sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "ValidationException");
    CHECK_INT_EQ(call(&f, "operator", "RollbackStage",
                      "{\"pipelineName\": \"cond\", \"stageName\": \"Build\"}", NULL, ex,
                      sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "ValidationException");
    CHECK_INT_EQ(call(&f, "viewer", "RollbackStage",
                      "{\"pipelineName\": \"cond\", \"stageName\": \"Build\", "
                      "\"targetPipelineExecutionId\": \"" MISSING "\"}",
                      NULL, ex, sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "AccessDeniedException");
    CHECK_INT_EQ(call(&f, "viewer", "ListRuleExecutions",
                      "{\"pipelineName\": \"cond\", \"maxResults\": 0}", NULL, ex, sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "ValidationException");
    CHECK_INT_EQ(call(&f, "viewer", "ListRuleExecutions",
                      "{\"pipelineName\": \"cond\", \"nextToken\": \"x\"}", NULL, ex, sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "InvalidNextTokenException");
    /* the engine's answers */
    CHECK_INT_EQ(call(&f, "operator", "RollbackStage",
                      "{\"pipelineName\": \"nope\", \"stageName\": \"Build\", "
                      "\"targetPipelineExecutionId\": \"" MISSING "\"}",
                      NULL, ex, sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "PipelineNotFoundException");
    CHECK_INT_EQ(call(&f, "operator", "RollbackStage",
                      "{\"pipelineName\": \"cond\", \"stageName\": \"Nope\", "
                      "\"targetPipelineExecutionId\": \"" MISSING "\"}",
                      NULL, ex, sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "StageNotFoundException");
    CHECK_INT_EQ(call(&f, "operator", "RollbackStage",
                      "{\"pipelineName\": \"cond\", \"stageName\": \"Build\", "
                      "\"targetPipelineExecutionId\": \"" MISSING "\"}",
                      NULL, ex, sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "PipelineExecutionNotFoundException");
    CHECK_INT_EQ(
        call(&f, "operator", "StartPipelineExecution", "{\"name\": \"cond\"}", &out, ex, sizeof ex),
        200);
    char id[64];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(out, "pipelineExecutionId")));
    json_decref(out);
    char input[512];
    snprintf(input, sizeof input,
             "{\"pipelineName\": \"cond\", \"stageName\": \"Build\", \"pipelineExecutionId\": "
             "\"%s\", \"conditionType\": \"BEFORE_ENTRY\"}",
             id);
    CHECK_INT_EQ(call(&f, "operator", "OverrideStageCondition", input, NULL, ex, sizeof ex), 400);
    CHECK_STR_EQ(ex, "NotLatestPipelineExecutionException");
    snprintf(input, sizeof input,
             "{\"pipelineName\": \"cond\", \"stageName\": \"Source\", \"pipelineExecutionId\": "
             "\"%s\", \"conditionType\": \"BEFORE_ENTRY\"}",
             id);
    CHECK_INT_EQ(call(&f, "operator", "OverrideStageCondition", input, NULL, ex, sizeof ex), 400);
    CHECK_STR_EQ(ex, "ConditionNotOverridableException");
    snprintf(input, sizeof input,
             "{\"pipelineName\": \"cond\", \"stageName\": \"Source\", "
             "\"targetPipelineExecutionId\": \"%s\"}",
             id);
    CHECK_INT_EQ(call(&f, "operator", "RollbackStage", input, NULL, ex, sizeof ex), 400);
    CHECK_STR_EQ(ex, "UnableToRollbackStageException");
    /* no rule evaluated yet: an empty listing for a known execution, not-found for another */
    snprintf(input, sizeof input,
             "{\"pipelineName\": \"cond\", \"filter\": {\"pipelineExecutionId\": \"%s\"}}", id);
    CHECK_INT_EQ(call(&f, "viewer", "ListRuleExecutions", input, &out, ex, sizeof ex), 200);
    CHECK(json_is_array(json_object_get(out, "ruleExecutionDetails")));
    CHECK_INT_EQ(json_array_size(json_object_get(out, "ruleExecutionDetails")), 0);
    CHECK(json_object_get(out, "nextToken") == NULL);
    json_decref(out);
    CHECK_INT_EQ(call(&f, "viewer", "ListRuleExecutions",
                      "{\"pipelineName\": \"cond\", \"filter\": {\"pipelineExecutionId\": "
                      "\"" MISSING "\"}}",
                      NULL, ex, sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "PipelineExecutionNotFoundException");
    CHECK_INT_EQ(call(&f, "viewer", "ListRuleExecutions", "{\"pipelineName\": \"nope\"}", NULL, ex,
                      sizeof ex),
                 400);
    CHECK_STR_EQ(ex, "PipelineNotFoundException");
    api_fixture_free(&f);
}

int main(void)
{
    RUN_TEST(test_rule_types);
    RUN_TEST(test_requests_and_errors);
    return sluice_test_report();
}
