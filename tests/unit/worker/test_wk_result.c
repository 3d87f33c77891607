/*
 * test_wk_result.c — the JobResult details of ended Commands jobs.
 */
#include "wk_result.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdlib.h>

#define JOB                                                                                        \
    "{\"jobId\":\"job-1\",\"pipeline\":\"p\",\"pipelineExecutionId\":\"exec-1\","                  \
    "\"stage\":\"Build\",\"action\":\"Run\",\"actionExecutionId\":\"ae-1\","                       \
    "\"actionTypeId\":{\"category\":\"Compute\",\"owner\":\"AWS\",\"provider\":\"Commands\","      \
    "\"version\":\"1\"},\"outputArtifacts\":[{\"name\":\"Out\",\"files\":[\"**\"]}],"              \
    "\"commands\":[\"make\",\"./run-tests --token deploy-token\"],"                                \
    "\"environmentVariables\":[{\"name\":\"T\",\"value\":\"ref\",\"type\":\"SECRETS_MANAGER\"}],"  \
    "\"outputVariables\":[\"V\"],\"deadline\":\"2026-03-02T11:00:00Z\"}"

static const char *secret_lookup(void *ctx, const char *ref)
{
    (void)ctx;
    (void)ref;
    return "deploy-token";
}

static wk_plan *make_plan(void)
{
    json_t *job = json_loads(JOB, 0, NULL);
    json_t *locations =
        json_loads("[{\"name\":\"Out\",\"bucket\":\"b\",\"key\":\"p/Out/k\"}]", 0, NULL);
    char err[WK_PLAN_ERR_MAX] = "";
    wk_plan *plan = NULL;
    wk_plan_params params = {.workspace = "/w",
                             .now_ms = 1772445600000LL, /* 2026-03-02T10:00:00Z */
                             .output_locations = locations,
                             .secret = secret_lookup};
    int rc = wk_plan_new(job, &params, &plan, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "plan: %s\n", err);
    }
    json_decref(job);
    json_decref(locations);
    return plan;
}

static const char *failure_str(const json_t *detail, const char *member)
{
    return json_string_value(json_object_get(json_object_get(detail, "failureDetails"), member));
}

static void test_success(void)
{
    wk_plan *plan = make_plan();
    REQUIRE(plan != NULL);
    json_t *vars = json_pack("{s:s}", "V", "1.2.3");
    wk_result_outcome o = {.end = WK_RESULT_SUCCEEDED, .variables = vars, .duration_ms = 1500};
    json_t *detail = wk_result_build(plan, &o);
    REQUIRE(detail != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "type")), "JobResult");
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "jobId")), "job-1");
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "outcome")), "Succeeded");
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_object_get(detail, "outputVariables"), "V")),
        "1.2.3");
    json_t *out = json_array_get(json_object_get(detail, "outputArtifacts"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(out, "name")), "Out");
    CHECK_STR_EQ(json_string_value(json_object_get(out, "bucket")), "b");
    CHECK_STR_EQ(json_string_value(json_object_get(out, "key")), "p/Out/k");
    json_t *details = json_object_get(detail, "executionDetails");
    CHECK_STR_EQ(json_string_value(json_object_get(details, "summary")),
                 "2 commands succeeded in 1.5 s");
    CHECK_STR_EQ(json_string_value(json_object_get(details, "externalExecutionId")), "ae-1");
    CHECK(json_object_get(detail, "failureDetails") == NULL);
    json_decref(detail);

    /* No variables: the member is left out. */
    o.variables = NULL;
    detail = wk_result_build(plan, &o);
    CHECK(json_object_get(detail, "outputVariables") == NULL);
    json_decref(detail);

    /* The stored log: its URL in the execution details, as CodeBuild's. */
    o.log_url = "http://store:7071/sluice-artifacts/logs/p/ae-1.log";
    detail = wk_result_build(plan, &o);
    details = json_object_get(detail, "executionDetails");
    CHECK_STR_EQ(json_string_value(json_object_get(details, "externalExecutionUrl")),
                 "http://store:7071/sluice-artifacts/logs/p/ae-1.log");
    CHECK_STR_EQ(json_string_value(json_object_get(details, "externalExecutionId")), "ae-1");
    json_decref(detail);
    json_decref(vars);
    wk_plan_free(plan);
}

static void test_command_failed(void)
{
    wk_plan *plan = make_plan();
    REQUIRE(plan != NULL);
    static const char log[] = "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n"
                              "line 9\nline 10\nline 11\nline 12\nusing deploy-token here\n\n";
    wk_result_outcome o = {.end = WK_RESULT_COMMAND_FAILED,
                           .command = 1,
                           .exit_code = 2,
                           .log_tail = log,
                           .log_tail_len = sizeof log - 1};
    json_t *detail = wk_result_build(plan, &o);
    REQUIRE(detail != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "outcome")), "Failed");
    CHECK_STR_EQ(failure_str(detail, "type"), "JobFailed");
    CHECK_STR_EQ(failure_str(detail, "externalExecutionId"), "ae-1");
    /* The command, its exit code and the last ten lines; the secret masked everywhere. */
    CHECK_STR_EQ(failure_str(detail, "message"),
                 "Command 2 of 2 failed with exit code 2: ./run-tests --token ***\n"
                 "Last log lines:\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\nline 10\n"
                 "line 11\nline 12\nusing *** here");
    json_decref(detail);

    /* a failure carries the log's URL beside failureDetails (which has no member for it) */
    o.log_url = "http://store/logs/p/ae-1.log";
    detail = wk_result_build(plan, &o);
    json_t *details = json_object_get(detail, "executionDetails");
    CHECK_STR_EQ(json_string_value(json_object_get(details, "externalExecutionUrl")),
                 "http://store/logs/p/ae-1.log");
    CHECK_STR_EQ(json_string_value(json_object_get(details, "externalExecutionId")), "ae-1");
    json_decref(detail);
    o.log_url = NULL;

    o.exit_code = 0;
    o.signal = 9;
    o.log_tail = NULL;
    detail = wk_result_build(plan, &o);
    CHECK_STR_EQ(failure_str(detail, "message"),
                 "Command 2 of 2 was killed by signal 9 (SIGKILL): ./run-tests --token ***");
    json_decref(detail);
    wk_plan_free(plan);
}

static void test_timeout_and_reasons(void)
{
    wk_plan *plan = make_plan();
    REQUIRE(plan != NULL);
    wk_result_outcome o = {.end = WK_RESULT_TIMED_OUT, .command = 0};
    json_t *detail = wk_result_build(plan, &o);
    CHECK_STR_EQ(failure_str(detail, "type"), "JobFailed");
    CHECK_STR_EQ(failure_str(detail, "message"),
                 "Command 1 of 2 did not finish within the timeout of 60 minutes and was killed "
                 "with its process group: make");
    json_decref(detail);

    wk_result_outcome c = {.end = WK_RESULT_CONFIGURATION, .reason = "no such secret"};
    detail = wk_result_build(plan, &c);
    CHECK_STR_EQ(failure_str(detail, "type"), "ConfigurationError");
    CHECK_STR_EQ(failure_str(detail, "message"), "no such secret");
    json_decref(detail);

    wk_result_outcome s = {.end = WK_RESULT_SYSTEM, .reason = "the artifact store answered 503"};
    detail = wk_result_build(plan, &s);
    CHECK_STR_EQ(failure_str(detail, "type"), "SystemUnavailable");
    json_decref(detail);

    wk_result_outcome j = {.end = WK_RESULT_JOB_FAILED,
                           .reason = "input artifact SourceArtifact: entry \"../x\": the path "
                                     "climbs out of the workspace with \"..\""};
    detail = wk_result_build(plan, &j);
    CHECK_STR_EQ(failure_str(detail, "type"), "JobFailed");
    CHECK_STR_CONTAINS(failure_str(detail, "message"), "entry \"../x\"");
    json_decref(detail);

    detail = wk_result_refused("job-9", "the job is not a JSON object");
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "jobId")), "job-9");
    CHECK_STR_EQ(failure_str(detail, "type"), "ConfigurationError");
    json_decref(detail);
    wk_plan_free(plan);
}

/* Long logs and invalid UTF-8: the message stays within bounds and valid. */
static void test_bounds(void)
{
    wk_plan *plan = make_plan();
    REQUIRE(plan != NULL);
    char log[WK_RESULT_TAIL_MAX];
    for (size_t i = 0; i < sizeof log; i++) {
        log[i] = (i % 3 == 0) ? '\xc3' : (i % 3 == 1 ? '\xa9' : 'x'); /* "éx" repeated */
    }
    log[100] = '\xff'; /* invalid byte */
    log[200] = '\0';
    wk_result_outcome o = {.end = WK_RESULT_COMMAND_FAILED,
                           .command = 0,
                           .exit_code = 1,
                           .log_tail = log,
                           .log_tail_len = sizeof log};
    char message[WK_RESULT_MESSAGE_MAX + 1];
    size_t n = wk_result_message(plan, &o, message, sizeof message);
    CHECK(n <= WK_RESULT_MESSAGE_MAX);
    CHECK_INT_EQ(strlen(message), n);
    json_t *detail = wk_result_build(plan, &o);
    REQUIRE(detail != NULL); /* json_string refuses invalid UTF-8: the text was cleaned */
    CHECK(strlen(failure_str(detail, "message")) <= WK_RESULT_MESSAGE_MAX);
    CHECK_STR_CONTAINS(failure_str(detail, "message"), "Command 1 of 2 failed with exit code 1");
    json_decref(detail);

    /* A small buffer cuts on a character boundary. */
    char small[40];
    n = wk_result_message(plan, &o, small, sizeof small);
    CHECK(n < sizeof small);
    json_t *check = json_string(small);
    CHECK(check != NULL);
    json_decref(check);
    wk_plan_free(plan);
}

int main(void)
{
    RUN_TEST(test_success);
    RUN_TEST(test_command_failed);
    RUN_TEST(test_timeout_and_reasons);
    RUN_TEST(test_bounds);
    return sluice_test_report();
}
