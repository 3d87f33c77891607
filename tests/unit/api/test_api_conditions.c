/*
 * Stage conditions and rollback in process (services/api api_conditions.c):
 * ListRuleTypes and its filters, the input checks of ListRuleExecutions,
 * OverrideStageCondition and RollbackStage, and their answers from the real
 * engine behind the in-process backend (api_fixture_use_engine); the rule
 * history of api_memory: every evaluation across retries, kept after its
 * execution left the engine's working state; RollbackStage to an execution
 * only in the archive.
 */
#include "api_fixture.h"

#include "sluice/engine_state.h"
#include "sluice/error.h"
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

/* Answers the last Source job of f as sluice-worker would (a JobResult to the engine). */
static int finish_source(api_fixture *f, const char *pipeline)
{
    return api_fixture_finish_own_job(f, pipeline, api_fixture_last_job_id(f, "Source"), NULL);
}

/* Starts an execution of pipeline and answers its Source job: its id in id, 0 on success. */
static int start_checked(api_fixture *f, const char *pipeline, char *id, size_t idlen)
{
    char input[128];
    char ex[64];
    json_t *out = NULL;
    snprintf(input, sizeof input, "{\"name\": \"%s\"}", pipeline);
    if (call(f, "operator", "StartPipelineExecution", input, &out, ex, sizeof ex) != 200) {
        return -1;
    }
    snprintf(id, idlen, "%s", json_string_value(json_object_get(out, "pipelineExecutionId")));
    json_decref(out);
    return finish_source(f, pipeline);
}

/* Every rule evaluation of execution id, read one per page: a JSON array (new reference). */
static json_t *rule_history(api_fixture *f, const char *pipeline, const char *id)
{
    json_t *all = json_array();
    char token[2048] = "";
    for (int pages = 0; pages < 100; pages++) {
        char input[2600];
        char ex[64];
        json_t *out = NULL;
        snprintf(input, sizeof input,
                 "{\"pipelineName\": \"%s\", \"maxResults\": 1, \"filter\": "
                 "{\"pipelineExecutionId\": \"%s\"}%s%s%s}",
                 pipeline, id, token[0] != '\0' ? ", \"nextToken\": \"" : "", token,
                 token[0] != '\0' ? "\"" : "");
        if (call(f, "viewer", "ListRuleExecutions", input, &out, ex, sizeof ex) != 200) {
            break;
        }
        json_array_extend(all, json_object_get(out, "ruleExecutionDetails"));
        const char *next = json_string_value(json_object_get(out, "nextToken"));
        snprintf(token, sizeof token, "%s", next != NULL ? next : "");
        json_decref(out);
        if (token[0] == '\0') {
            break;
        }
    }
    return all;
}

/* True when the engine's working state of pipeline still holds execution id. */
static bool in_working_state(api_fixture *f, const char *pipeline, const char *id)
{
    api_backend *b = f->env.backend;
    json_t *doc = NULL;
    engine_state *state = NULL;
    char err[256];
    bool found = false;
    if (b->ops->state_load(b, pipeline, API_BACKEND_STATE_ALL, NULL, &doc, err, sizeof err) == 0 &&
        engine_state_from_json(doc, &state, err, sizeof err) == 0) {
        found = engine_state_find(state, id) != NULL;
    }
    engine_state_free(state);
    json_decref(doc);
    return found;
}

static void test_rule_history(void)
{
    api_fixture f;
    char ex[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_fixture_use_engine(&f);
    /* the Approve stage's entry condition fails at every evaluation (Env is dev) */
    json_t *decl = api_fixture_pipeline("hist");
    json_error_t jerr;
    json_t *entry =
        json_loads("{\"conditions\": [{\"result\": \"FAIL\", \"rules\": [{\"name\": \"IsProd\","
                   " \"ruleTypeId\": {\"category\": \"Rule\", \"owner\": \"AWS\","
                   " \"provider\": \"VariableCheck\", \"version\": \"1\"},"
                   " \"configuration\": {\"Variable\": \"#{variables.Env}\", \"Value\": \"prod\","
                   " \"Operator\": \"EQ\"}}]}]}",
                   0, &jerr);
    REQUIRE(entry != NULL);
    json_object_set_new(json_array_get(json_object_get(decl, "stages"), 1), "beforeEntry", entry);
    json_t *input = json_pack("{s:o}", "pipeline", decl);
    api_call c;
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &c), 200);
    api_call_clear(&c);
    json_decref(input);

    char first[64];
    REQUIRE(start_checked(&f, "hist", first, sizeof first) == 0);
    json_t *history = rule_history(&f, "hist", first);
    CHECK_INT_EQ(json_array_size(history), 1);
    json_decref(history);
    /* each retry evaluates the condition again; the earlier evaluations stay listed */
    char retry[256];
    snprintf(retry, sizeof retry,
             "{\"pipelineName\": \"hist\", \"stageName\": \"Approve\", "
             "\"pipelineExecutionId\": \"%s\", \"retryMode\": \"FAILED_ACTIONS\"}",
             first);
    for (int i = 0; i < 2; i++) {
        api_fixture_advance(1000);
        CHECK_INT_EQ(call(&f, "operator", "RetryStageExecution", retry, NULL, ex, sizeof ex), 200);
    }
    history = rule_history(&f, "hist", first);
    REQUIRE(json_array_size(history) == 3);
    for (size_t i = 0; i < 3; i++) {
        const json_t *d = json_array_get(history, i);
        CHECK_STR_EQ(json_string_value(json_object_get(d, "status")), "Failed");
        CHECK_STR_EQ(json_string_value(json_object_get(d, "ruleName")), "IsProd");
        CHECK_STR_EQ(json_string_value(json_object_get(d, "pipelineExecutionId")), first);
        for (size_t j = 0; j < i; j++) {
            CHECK(strcmp(json_string_value(json_object_get(d, "ruleExecutionId")),
                         json_string_value(
                             json_object_get(json_array_get(history, j), "ruleExecutionId"))) != 0);
            CHECK(json_number_value(json_object_get(d, "startTime")) <
                  json_number_value(json_object_get(json_array_get(history, j), "startTime")));
        }
    }
    /* startTimeRange Latest: the newest evaluation only */
    char latest[256];
    snprintf(latest, sizeof latest,
             "{\"pipelineName\": \"hist\", \"filter\": {\"latestInPipelineExecution\": "
             "{\"pipelineExecutionId\": \"%s\", \"startTimeRange\": \"Latest\"}}}",
             first);
    json_t *out = NULL;
    CHECK_INT_EQ(call(&f, "viewer", "ListRuleExecutions", latest, &out, ex, sizeof ex), 200);
    CHECK_INT_EQ(json_array_size(json_object_get(out, "ruleExecutionDetails")), 1);
    CHECK(json_equal(json_array_get(json_object_get(out, "ruleExecutionDetails"), 0),
                     json_array_get(history, 0)));
    json_decref(out);
    /* more executions than the working state keeps: the first leaves it, its history stays */
    for (int i = 0; i < ENGINE_STATE_KEEP_TERMINAL + 4; i++) {
        char id[64];
        api_fixture_advance(1000);
        REQUIRE(start_checked(&f, "hist", id, sizeof id) == 0);
    }
    CHECK(!in_working_state(&f, "hist", first));
    json_t *again = rule_history(&f, "hist", first);
    CHECK(json_equal(again, history));
    json_decref(again);
    json_decref(history);
    api_fixture_free(&f);
}

/* Approves the Approve action of pipeline's execution waiting there: 0 on success. */
static int approve(api_fixture *f, const char *pipeline)
{
    char input[512];
    char ex[64];
    json_t *state = NULL;
    snprintf(input, sizeof input, "{\"name\": \"%s\"}", pipeline);
    if (call(f, "viewer", "GetPipelineState", input, &state, ex, sizeof ex) != 200) {
        return -1;
    }
    const json_t *latest = json_object_get(
        json_array_get(json_object_get(json_array_get(json_object_get(state, "stageStates"), 1),
                                       "actionStates"),
                       0),
        "latestExecution");
    const char *token = json_string_value(json_object_get(latest, "token"));
    snprintf(input, sizeof input,
             "{\"pipelineName\": \"%s\", \"stageName\": \"Approve\", \"actionName\": "
             "\"Approve\", \"result\": {\"summary\": \"ok\", \"status\": \"Approved\"}, "
             "\"token\": \"%s\"}",
             pipeline, token != NULL ? token : "");
    json_decref(state);
    return token != NULL &&
                   call(f, "approver", "PutApprovalResult", input, NULL, ex, sizeof ex) == 200
               ? 0
               : -1;
}

/* The status of execution id of pipeline (GetPipelineExecution), in buf. */
static const char *execution_status(api_fixture *f, const char *pipeline, const char *id, char *buf,
                                    size_t len, json_t **out)
{
    char input[256];
    char ex[64];
    snprintf(input, sizeof input, "{\"pipelineName\": \"%s\", \"pipelineExecutionId\": \"%s\"}",
             pipeline, id);
    snprintf(buf, len, "?");
    if (call(f, "viewer", "GetPipelineExecution", input, out, ex, sizeof ex) == 200) {
        snprintf(buf, len, "%s",
                 json_string_value(
                     json_object_get(json_object_get(*out, "pipelineExecution"), "status")));
    }
    return buf;
}

/*
 * RollbackStage to an execution that left the engine's working state: the api
 * hands the engine its archived record and action executions, and the
 * rollback runs as to one in the state.
 */
static void test_rollback_to_archived(void)
{
    api_fixture f;
    char ex[64];
    char status[32];
    json_t *out = NULL;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_fixture_use_engine(&f);
    json_t *decl = api_fixture_pipeline("rbarch");
    json_array_remove(json_object_get(decl, "stages"), 2); /* Source, Approve */
    json_t *input = json_pack("{s:o}", "pipeline", decl);
    api_call c;
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &c), 200);
    api_call_clear(&c);
    json_decref(input);
    char first[64];
    REQUIRE(start_checked(&f, "rbarch", first, sizeof first) == 0);
    REQUIRE(approve(&f, "rbarch") == 0);
    CHECK_STR_EQ(execution_status(&f, "rbarch", first, status, sizeof status, &out), "Succeeded");
    json_decref(out);
    for (int i = 0; i < ENGINE_STATE_KEEP_TERMINAL + 2; i++) {
        char id[64];
        api_fixture_advance(1000);
        REQUIRE(start_checked(&f, "rbarch", id, sizeof id) == 0);
        REQUIRE(approve(&f, "rbarch") == 0);
        CHECK_STR_EQ(execution_status(&f, "rbarch", id, status, sizeof status, &out), "Succeeded");
        json_decref(out);
    }
    CHECK(!in_working_state(&f, "rbarch", first));
    char rollback[256];
    snprintf(rollback, sizeof rollback,
             "{\"pipelineName\": \"rbarch\", \"stageName\": \"Source\", "
             "\"targetPipelineExecutionId\": \"%s\"}",
             first);
    CHECK_INT_EQ(call(&f, "operator", "RollbackStage", rollback, NULL, ex, sizeof ex), 400);
    CHECK_STR_EQ(ex, "UnableToRollbackStageException");
    snprintf(rollback, sizeof rollback,
             "{\"pipelineName\": \"rbarch\", \"stageName\": \"Approve\", "
             "\"targetPipelineExecutionId\": \"%s\"}",
             first);
    CHECK_INT_EQ(call(&f, "operator", "RollbackStage", rollback, &out, ex, sizeof ex), 200);
    char back[64];
    snprintf(back, sizeof back, "%s",
             json_string_value(json_object_get(out, "pipelineExecutionId")));
    json_decref(out);
    CHECK(strcmp(back, first) != 0);
    CHECK_STR_EQ(execution_status(&f, "rbarch", back, status, sizeof status, &out), "InProgress");
    const json_t *x = json_object_get(out, "pipelineExecution");
    CHECK_STR_EQ(json_string_value(json_object_get(x, "executionType")), "ROLLBACK");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(x, "rollbackMetadata"),
                                                   "rollbackTargetPipelineExecutionId")),
                 first);
    json_decref(out);
    REQUIRE(approve(&f, "rbarch") == 0);
    CHECK_STR_EQ(execution_status(&f, "rbarch", back, status, sizeof status, &out), "Succeeded");
    json_decref(out);
    /* an archived target of an earlier pipeline version is outdated */
    decl = api_fixture_pipeline("rbarch");
    json_array_remove(json_object_get(decl, "stages"), 2);
    input = json_pack("{s:o}", "pipeline", decl);
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "UpdatePipeline", input, &c), 200);
    api_call_clear(&c);
    json_decref(input);
    CHECK_INT_EQ(call(&f, "operator", "RollbackStage", rollback, NULL, ex, sizeof ex), 400);
    CHECK_STR_EQ(ex, "PipelineExecutionOutdatedException");
    api_fixture_free(&f);
}

int main(void)
{
    RUN_TEST(test_rule_types);
    RUN_TEST(test_requests_and_errors);
    RUN_TEST(test_rule_history);
    RUN_TEST(test_rollback_to_archived);
    return sluice_test_report();
}
