/*
 * Executions and job workers end to end, in process: the api's handlers over
 * the in-process backend whose requests run through the real engine
 * (api_fixture_use_engine), so every read renders real engine state and every
 * request gets the engine's answer. Covers start (variables, idempotency),
 * state / execution / action-execution reads, approvals, Custom jobs
 * (poll with queryParam, acknowledge with nonce, continuation, success,
 * failure), retry, stop, transitions, listings with pagination over hot state
 * and history, update cancelling, delete, and the orchestrator not answering.
 */
#include "api_fixture.h"
#include "api_workers.h"

#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *stage_status(const json_t *state, size_t stage)
{
    char path[64];
    snprintf(path, sizeof path, "stageStates.%zu.latestExecution.status", stage);
    return api_fixture_str(state, path);
}

static json_t *get_state(api_fixture *f, const char *pipeline)
{
    json_t *state = NULL;
    api_fixture_callf(f, "viewer", "GetPipelineState", &state, NULL, 0, "{\"name\": \"%s\"}",
                      pipeline);
    return state;
}

#define BUILD_TYPE                                                                                 \
    "{\"category\": \"Build\", \"owner\": \"Custom\", \"provider\": \"TestBuild\", \"version\": "  \
    "\"1\"}"

static void test_execution_flow(void)
{
    api_fixture f;
    json_t *out = NULL;
    char exception[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_fixture_use_engine(&f);
    REQUIRE(api_fixture_create(&f, "flow") == 0);

    json_t *state = get_state(&f, "flow");
    CHECK_STR_EQ(api_fixture_str(state, "pipelineName"), "flow");
    CHECK_STR_EQ(api_fixture_str(state, "stageStates.2.actionStates.0.actionName"), "Build");
    CHECK(api_fixture_member(state, "stageStates.0.latestExecution") == NULL);
    CHECK(json_is_real(api_fixture_member(state, "created")));
    json_decref(state);

    /* start, with a variable; the same client token starts nothing new */
    REQUIRE(
        api_fixture_callf(&f, "operator", "StartPipelineExecution", &out, NULL, 0,
                          "{\"name\": \"flow\", \"clientRequestToken\": \"tok-1\", \"variables\": "
                          "[{\"name\": \"Env\", \"value\": \"prod\"}]}") == 200);
    char execution[64];
    snprintf(execution, sizeof execution, "%s", api_fixture_str(out, "pipelineExecutionId"));
    json_decref(out);
    CHECK(sluice_uuid_is_valid(execution));
    REQUIRE(
        api_fixture_callf(&f, "operator", "StartPipelineExecution", &out, NULL, 0,
                          "{\"name\": \"flow\", \"clientRequestToken\": \"tok-1\", \"variables\": "
                          "[{\"name\": \"Env\", \"value\": \"prod\"}]}") == 200);
    CHECK_STR_EQ(api_fixture_str(out, "pipelineExecutionId"), execution);
    json_decref(out);

    state = get_state(&f, "flow");
    CHECK_STR_EQ(stage_status(state, 0), "InProgress");
    CHECK_STR_EQ(api_fixture_str(state, "stageStates.0.actionStates.0.latestExecution.status"),
                 "InProgress");
    json_decref(state);

    /* the source job: AWS/S3 is Sluice's own, so no job operation touches it */
    const char *source_job = api_fixture_last_job_id(&f, "Source");
    REQUIRE(source_job != NULL);
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "GetJobDetails", NULL, exception, sizeof exception,
                                   "{\"jobId\": \"%s\"}", source_job),
                 400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "admin", "PutJobSuccessResult", NULL, exception, sizeof exception,
                          "{\"jobId\": \"%s\", \"outputVariables\": {\"ETag\": \"forged\"}}",
                          source_job),
        400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "worker", "PutJobFailureResult", NULL, exception, sizeof exception,
                          "{\"jobId\": \"%s\", \"failureDetails\": {\"type\": \"JobFailed\", "
                          "\"message\": \"forged\"}}",
                          source_job),
        400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "AcknowledgeJob", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\", \"nonce\": \"n\"}",
                                   source_job),
                 400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    state = get_state(&f, "flow");
    CHECK_STR_EQ(stage_status(state, 0), "InProgress"); /* nothing changed */
    json_decref(state);
    CHECK_INT_EQ(api_fixture_finish_own_job(&f, "flow", source_job, "e1"), 0);

    /* the approval */
    state = get_state(&f, "flow");
    CHECK_STR_EQ(stage_status(state, 0), "Succeeded");
    CHECK_STR_EQ(stage_status(state, 1), "InProgress");
    char token[64];
    const char *t = api_fixture_str(state, "stageStates.1.actionStates.0.latestExecution.token");
    REQUIRE(t != NULL);
    snprintf(token, sizeof token, "%s", t);
    json_decref(state);
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "approver", "PutApprovalResult", NULL, exception, sizeof exception,
                     "{\"pipelineName\": \"flow\", \"stageName\": \"Approve\", \"actionName\": "
                     "\"Approve\", \"result\": {\"summary\": \"ok\", \"status\": \"Approved\"}, "
                     "\"token\": \"00000000-0000-4000-8000-000000000000\"}"),
                 400);
    CHECK_STR_EQ(exception, "InvalidApprovalTokenException");
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "approver", "PutApprovalResult", NULL, exception, sizeof exception,
                     "{\"pipelineName\": \"flow\", \"stageName\": \"Approve\", \"actionName\": "
                     "\"Approve\", \"result\": {\"summary\": \"ok\", \"status\": \"Maybe\"}, "
                     "\"token\": \"%s\"}",
                     token),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");
    REQUIRE(api_fixture_callf(
                &f, "approver", "PutApprovalResult", &out, NULL, 0,
                "{\"pipelineName\": \"flow\", \"stageName\": \"Approve\", \"actionName\": "
                "\"Approve\", \"result\": {\"summary\": \"ok\", \"status\": \"Approved\"}, "
                "\"token\": \"%s\"}",
                token) == 200);
    CHECK(json_is_real(api_fixture_member(out, "approvedAt")));
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "approver", "PutApprovalResult", NULL, exception, sizeof exception,
                     "{\"pipelineName\": \"flow\", \"stageName\": \"Approve\", \"actionName\": "
                     "\"Approve\", \"result\": {\"summary\": \"ok\", \"status\": \"Approved\"}, "
                     "\"token\": \"%s\"}",
                     token),
                 400);
    CHECK_STR_EQ(exception, "ApprovalAlreadyCompletedException");

    /* the Custom build: queryParam filters, nonce guards, continuation, failure */
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "PollForJobs", &out, NULL, 0,
                                   "{\"actionTypeId\": " BUILD_TYPE
                                   ", \"queryParam\": {\"Target\": \"none\"}}"),
                 200);
    CHECK_INT_EQ(json_array_size(api_fixture_member(out, "jobs")), 0);
    json_decref(out);
    REQUIRE(api_fixture_callf(&f, "worker", "PollForJobs", &out, NULL, 0,
                              "{\"actionTypeId\": " BUILD_TYPE
                              ", \"maxBatchSize\": 5, \"queryParam\": "
                              "{\"Target\": \"all\"}}") == 200);
    REQUIRE(json_array_size(api_fixture_member(out, "jobs")) == 1);
    char job[64];
    char nonce[64];
    snprintf(job, sizeof job, "%s", api_fixture_str(out, "jobs.0.id"));
    snprintf(nonce, sizeof nonce, "%s", api_fixture_str(out, "jobs.0.nonce"));
    CHECK_STR_EQ(api_fixture_str(out, "jobs.0.data.actionConfiguration.configuration.Target"),
                 "all");
    CHECK_STR_EQ(api_fixture_str(out, "jobs.0.data.inputArtifacts.0.name"), "Src");
    CHECK_STR_EQ(api_fixture_str(out, "jobs.0.accountId"), "123456789012");
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "PollForJobs", &out, NULL, 0,
                                   "{\"actionTypeId\": " BUILD_TYPE "}"),
                 200);
    CHECK_INT_EQ(json_array_size(api_fixture_member(out, "jobs")), 0); /* handed out once */
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "AcknowledgeJob", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\", \"nonce\": \"wrong\"}",
                                   job),
                 400);
    CHECK_STR_EQ(exception, "InvalidNonceException");
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "AcknowledgeJob", &out, NULL, 0,
                                   "{\"jobId\": \"%s\", \"nonce\": \"%s\"}", job, nonce),
                 200);
    CHECK_STR_EQ(api_fixture_str(out, "status"), "InProgress");
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "worker", "PutJobSuccessResult", NULL, exception, sizeof exception,
                     "{\"jobId\": \"%s\", \"continuationToken\": \"half\", \"outputVariables\": "
                     "{\"A\": \"b\"}}",
                     job),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "PutJobSuccessResult", NULL, NULL, 0,
                                   "{\"jobId\": \"%s\", \"continuationToken\": \"half\", "
                                   "\"executionDetails\": {\"percentComplete\": 50}}",
                                   job),
                 200);
    REQUIRE(api_fixture_callf(&f, "worker", "PollForJobs", &out, NULL, 0,
                              "{\"actionTypeId\": " BUILD_TYPE "}") == 200);
    REQUIRE(json_array_size(api_fixture_member(out, "jobs")) == 1);
    CHECK_STR_EQ(api_fixture_str(out, "jobs.0.data.continuationToken"), "half");
    CHECK(strcmp(api_fixture_str(out, "jobs.0.id"), job) != 0);
    snprintf(job, sizeof job, "%s", api_fixture_str(out, "jobs.0.id"));
    json_decref(out);
    state = get_state(&f, "flow");
    CHECK_INT_EQ(json_integer_value(api_fixture_member(
                     state, "stageStates.2.actionStates.0.latestExecution.percentComplete")),
                 50);
    json_decref(state);
    CHECK_INT_EQ(
        api_fixture_callf(&f, "worker", "PutJobFailureResult", NULL, NULL, 0,
                          "{\"jobId\": \"%s\", \"failureDetails\": {\"type\": \"JobFailed\", "
                          "\"message\": \"compiler exploded\"}}",
                          job),
        200);
    CHECK_INT_EQ(api_fixture_callf(&f, "viewer", "GetPipelineExecution", &out, NULL, 0,
                                   "{\"pipelineName\": \"flow\", \"pipelineExecutionId\": \"%s\"}",
                                   execution),
                 200);
    CHECK_STR_EQ(api_fixture_str(out, "pipelineExecution.status"), "Failed");
    CHECK_STR_EQ(api_fixture_str(out, "pipelineExecution.variables.0.resolvedValue"), "prod");
    CHECK_STR_EQ(api_fixture_str(out, "pipelineExecution.trigger.triggerDetail"),
                 "arn:aws:iam::123456789012:user/operator");
    json_decref(out);

    /* retry the failed stage; the build runs again and succeeds */
    CHECK_INT_EQ(api_fixture_callf(&f, "operator", "RetryStageExecution", NULL, exception,
                                   sizeof exception,
                                   "{\"pipelineName\": \"flow\", \"stageName\": \"Build\", "
                                   "\"pipelineExecutionId\": \"%s\", \"retryMode\": \"SOME\"}",
                                   execution),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "operator", "RetryStageExecution", &out, NULL, 0,
                          "{\"pipelineName\": \"flow\", \"stageName\": \"Build\", "
                          "\"pipelineExecutionId\": \"%s\", \"retryMode\": \"FAILED_ACTIONS\"}",
                          execution),
        200);
    CHECK_STR_EQ(api_fixture_str(out, "pipelineExecutionId"), execution);
    json_decref(out);
    REQUIRE(api_fixture_callf(&f, "worker", "PollForJobs", &out, NULL, 0,
                              "{\"actionTypeId\": " BUILD_TYPE "}") == 200);
    REQUIRE(json_array_size(api_fixture_member(out, "jobs")) == 1);
    snprintf(job, sizeof job, "%s", api_fixture_str(out, "jobs.0.id"));
    json_decref(out);
    CHECK_INT_EQ(
        api_fixture_callf(&f, "worker", "PutJobSuccessResult", NULL, NULL, 0,
                          "{\"jobId\": \"%s\", \"outputVariables\": {\"Image\": \"app:1\"}}", job),
        200);
    state = get_state(&f, "flow");
    CHECK_STR_EQ(stage_status(state, 2), "Succeeded");
    CHECK_INT_EQ(json_integer_value(api_fixture_member(
                     state, "stageStates.2.retryStageMetadata.manualStageRetryAttempt")),
                 1);
    json_decref(state);

    /* action executions of the execution, with their outputs */
    CHECK_INT_EQ(
        api_fixture_callf(&f, "viewer", "ListActionExecutions", &out, NULL, 0,
                          "{\"pipelineName\": \"flow\", \"filter\": {\"pipelineExecutionId\": "
                          "\"%s\"}}",
                          execution),
        200);
    const json_t *details = api_fixture_member(out, "actionExecutionDetails");
    CHECK(json_array_size(details) >= 3);
    bool saw_image = false;
    bool saw_approver = false;
    for (size_t i = 0; i < json_array_size(details); i++) {
        const json_t *d = json_array_get(details, i);
        const char *image = api_fixture_str(d, "output.outputVariables.Image");
        saw_image = saw_image || (image != NULL && strcmp(image, "app:1") == 0);
        const char *by = api_fixture_str(d, "updatedBy");
        saw_approver = saw_approver ||
                       (strcmp(api_fixture_str(d, "actionName"), "Approve") == 0 && by != NULL &&
                        strcmp(by, "arn:aws:iam::123456789012:user/approver") == 0);
        CHECK_STR_EQ(api_fixture_str(d, "pipelineExecutionId"), execution);
    }
    CHECK(saw_image);
    CHECK(saw_approver);
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "viewer", "ListActionExecutions", &out, NULL, 0,
                     "{\"pipelineName\": \"flow\", \"filter\": {\"latestInPipelineExecution\": "
                     "{\"pipelineExecutionId\": \"%s\", \"startTimeRange\": \"Latest\"}}}",
                     execution),
                 200);
    CHECK(json_array_size(api_fixture_member(out, "actionExecutionDetails")) >= 3);
    json_decref(out);
    CHECK_INT_EQ(
        api_fixture_callf(&f, "viewer", "ListActionExecutions", NULL, exception, sizeof exception,
                          "{\"pipelineName\": \"flow\", \"filter\": {\"pipelineExecutionId\": "
                          "\"00000000-0000-4000-8000-000000000000\"}}"),
        400);
    CHECK_STR_EQ(exception, "PipelineExecutionNotFoundException");
    CHECK_INT_EQ(api_fixture_callf(&f, "viewer", "GetPipelineExecution", NULL, exception,
                                   sizeof exception,
                                   "{\"pipelineName\": \"flow\", \"pipelineExecutionId\": "
                                   "\"00000000-0000-4000-8000-000000000000\"}"),
                 400);
    CHECK_STR_EQ(exception, "PipelineExecutionNotFoundException");
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "GetJobDetails", NULL, exception, sizeof exception,
                                   "{\"jobId\": \"00000000-0000-4000-8000-000000000000\"}"),
                 400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    api_fixture_free(&f);
}

/*
 * A Lambda action's job is the worker's to invoke and its function's to answer: only an
 * identity scoped to the function types may send its result; a continuation makes a new job.
 */
static void test_function_answers_lambda_job(void)
{
    api_fixture f;
    char exception[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_fixture_use_engine(&f);
    json_t *pipeline = api_fixture_pipeline("fn");
    json_t *build = json_array_get(
        json_object_get(json_array_get(json_object_get(pipeline, "stages"), 2), "actions"), 0);
    json_object_set_new(build, "actionTypeId",
                        json_pack("{s:s, s:s, s:s, s:s}", "category", "Invoke", "owner", "AWS",
                                  "provider", "Lambda", "version", "1"));
    json_object_set_new(build, "configuration",
                        json_pack("{s:s, s:s}", "FunctionName", "notify", "UserParameters", "u"));
    json_t *input = json_pack("{s:o}", "pipeline", pipeline);
    api_call call;
    REQUIRE(api_fixture_call_json(&f, "admin", "CreatePipeline", input, &call) == 200);
    api_call_clear(&call);
    json_decref(input);
    REQUIRE(api_fixture_callf(&f, "operator", "StartPipelineExecution", NULL, NULL, 0,
                              "{\"name\": \"fn\"}") == 200);
    const char *source_job = api_fixture_last_job_id(&f, "Source");
    char source[64];
    snprintf(source, sizeof source, "%s", source_job != NULL ? source_job : "");
    /* the function's scope names no Source type: not even a built-in job of another type */
    CHECK_INT_EQ(api_fixture_callf(&f, "function", "PutJobSuccessResult", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\"}", source),
                 400);
    CHECK_STR_EQ(exception, "AccessDeniedException");
    REQUIRE(api_fixture_finish_own_job(&f, "fn", source, "e1") == 0);
    json_t *state = get_state(&f, "fn");
    char token[64];
    snprintf(token, sizeof token, "%s",
             api_fixture_str(state, "stageStates.1.actionStates.0.latestExecution.token"));
    json_decref(state);
    REQUIRE(api_fixture_callf(
                &f, "approver", "PutApprovalResult", NULL, NULL, 0,
                "{\"pipelineName\": \"fn\", \"stageName\": \"Approve\", \"actionName\": "
                "\"Approve\", \"result\": {\"summary\": \"ok\", \"status\": \"Approved\"}, "
                "\"token\": \"%s\"}",
                token) == 200);
    const char *first_job = api_fixture_last_job_id(&f, "Build");
    REQUIRE(first_job != NULL);
    char first[64];
    snprintf(first, sizeof first, "%s", first_job);

    /* identities without the function's scope: the job does not exist for them */
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "PutJobSuccessResult", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\"}", first),
                 400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "admin", "PutJobFailureResult", NULL, exception, sizeof exception,
                          "{\"jobId\": \"%s\", \"failureDetails\": {\"type\": \"JobFailed\", "
                          "\"message\": \"no\"}}",
                          first),
        400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    CHECK_INT_EQ(api_fixture_callf(&f, "scoped", "PutJobSuccessResult", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\"}", first),
                 400);
    CHECK_STR_EQ(exception, "AccessDeniedException");
    /* the function sees no job details and acknowledges nothing */
    CHECK_INT_EQ(api_fixture_callf(&f, "function", "GetJobDetails", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\"}", first),
                 400);
    CHECK_STR_EQ(exception, "JobNotFoundException");

    /* the function answers with a continuation: a new job for the same action */
    CHECK_INT_EQ(api_fixture_callf(&f, "function", "PutJobSuccessResult", NULL, NULL, 0,
                                   "{\"jobId\": \"%s\", \"continuationToken\": \"step-1\"}", first),
                 200);
    CHECK_INT_EQ(api_fixture_callf(&f, "function", "PutJobSuccessResult", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\"}", first),
                 400);
    CHECK_STR_EQ(exception, "InvalidJobStateException");
    const char *second = api_fixture_last_job_id(&f, "Build");
    REQUIRE(second != NULL && strcmp(second, first) != 0);
    const json_t *doc = json_array_get(f.jobs, json_array_size(f.jobs) - 1);
    CHECK_STR_EQ(api_fixture_str(doc, "continuationToken"), "step-1");
    CHECK_INT_EQ(api_fixture_callf(&f, "function", "PutJobSuccessResult", NULL, NULL, 0,
                                   "{\"jobId\": \"%s\", \"outputVariables\": {\"DONE\": \"yes\"}}",
                                   second),
                 200);
    state = get_state(&f, "fn");
    CHECK_STR_EQ(stage_status(state, 2), "Succeeded");
    json_decref(state);
    api_fixture_free(&f);
}

/* Jobs belong to their worker; a lapsed lease offers a job again; scopes refuse other types. */
static void test_job_ownership_lease_scope(void)
{
    api_fixture f;
    json_t *out = NULL;
    char exception[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_fixture_use_engine(&f);
    REQUIRE(api_fixture_create(&f, "own") == 0);
    REQUIRE(api_fixture_callf(&f, "operator", "StartPipelineExecution", NULL, NULL, 0,
                              "{\"name\": \"own\"}") == 200);
    REQUIRE(api_fixture_finish_own_job(&f, "own", api_fixture_last_job_id(&f, "Source"), "e1") ==
            0);
    json_t *state = get_state(&f, "own");
    char token[64];
    snprintf(token, sizeof token, "%s",
             api_fixture_str(state, "stageStates.1.actionStates.0.latestExecution.token"));
    json_decref(state);
    REQUIRE(api_fixture_callf(
                &f, "approver", "PutApprovalResult", NULL, NULL, 0,
                "{\"pipelineName\": \"own\", \"stageName\": \"Approve\", \"actionName\": "
                "\"Approve\", \"result\": {\"summary\": \"ok\", \"status\": \"Approved\"}, "
                "\"token\": \"%s\"}",
                token) == 200);

    /* a scoped worker may not poll (or touch) a type outside its scope */
    CHECK_INT_EQ(api_fixture_callf(&f, "scoped", "PollForJobs", NULL, exception, sizeof exception,
                                   "{\"actionTypeId\": " BUILD_TYPE "}"),
                 400);
    CHECK_STR_EQ(exception, "AccessDeniedException");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "scoped", "PollForJobs", &out, NULL, 0,
                          "{\"actionTypeId\": {\"category\": \"Build\", \"owner\": \"Custom\", "
                          "\"provider\": \"ScopedTool\", \"version\": \"1\"}}"),
        200);
    CHECK_INT_EQ(json_array_size(api_fixture_member(out, "jobs")), 0);
    json_decref(out);

    /* worker polls; the job is its own until the lease ends */
    REQUIRE(api_fixture_callf(&f, "worker", "PollForJobs", &out, NULL, 0,
                              "{\"actionTypeId\": " BUILD_TYPE "}") == 200);
    REQUIRE(json_array_size(api_fixture_member(out, "jobs")) == 1);
    char job[64];
    char nonce[64];
    snprintf(job, sizeof job, "%s", api_fixture_str(out, "jobs.0.id"));
    snprintf(nonce, sizeof nonce, "%s", api_fixture_str(out, "jobs.0.nonce"));
    json_decref(out);
    CHECK_INT_EQ(
        api_fixture_callf(&f, "worker", "GetJobDetails", NULL, NULL, 0, "{\"jobId\": \"%s\"}", job),
        200);
    CHECK_INT_EQ(api_fixture_callf(&f, "worker2", "GetJobDetails", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\"}", job),
                 400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    CHECK_INT_EQ(api_fixture_callf(&f, "scoped", "GetJobDetails", NULL, exception, sizeof exception,
                                   "{\"jobId\": \"%s\"}", job),
                 400);
    CHECK_STR_EQ(exception, "AccessDeniedException");
    CHECK_INT_EQ(api_fixture_callf(&f, "worker2", "PollForJobs", &out, NULL, 0,
                                   "{\"actionTypeId\": " BUILD_TYPE "}"),
                 200);
    CHECK_INT_EQ(json_array_size(api_fixture_member(out, "jobs")), 0); /* inside the lease */
    json_decref(out);

    /* the lease ends unacknowledged: the old nonce is void, the next poll gets the job */
    api_fixture_advance(API_FIXTURE_LEASE_MS);
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "AcknowledgeJob", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\", \"nonce\": \"%s\"}", job,
                                   nonce),
                 400);
    CHECK_STR_EQ(exception, "InvalidNonceException");
    REQUIRE(api_fixture_callf(&f, "worker2", "PollForJobs", &out, NULL, 0,
                              "{\"actionTypeId\": " BUILD_TYPE "}") == 200);
    REQUIRE(json_array_size(api_fixture_member(out, "jobs")) == 1);
    CHECK_STR_EQ(api_fixture_str(out, "jobs.0.id"), job);
    CHECK(strcmp(api_fixture_str(out, "jobs.0.nonce"), nonce) != 0);
    char nonce2[64];
    snprintf(nonce2, sizeof nonce2, "%s", api_fixture_str(out, "jobs.0.nonce"));
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "AcknowledgeJob", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\", \"nonce\": \"%s\"}", job,
                                   nonce),
                 400);
    CHECK_STR_EQ(exception, "InvalidNonceException");
    CHECK_INT_EQ(api_fixture_callf(&f, "worker2", "AcknowledgeJob", &out, NULL, 0,
                                   "{\"jobId\": \"%s\", \"nonce\": \"%s\"}", job, nonce2),
                 200);
    CHECK_STR_EQ(api_fixture_str(out, "status"), "InProgress");
    json_decref(out);

    /* worker2's now: nobody else reads, acknowledges or finishes it, and nothing changes */
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "AcknowledgeJob", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\", \"nonce\": \"%s\"}", job,
                                   nonce2),
                 400);
    CHECK_STR_EQ(exception, "InvalidNonceException");
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "GetJobDetails", NULL, exception, sizeof exception,
                                   "{\"jobId\": \"%s\"}", job),
                 400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "admin", "PutJobSuccessResult", NULL, exception, sizeof exception,
                          "{\"jobId\": \"%s\", \"outputVariables\": {\"Image\": \"evil\"}}", job),
        400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "worker", "PutJobFailureResult", NULL, exception, sizeof exception,
                          "{\"jobId\": \"%s\", \"failureDetails\": {\"type\": \"JobFailed\", "
                          "\"message\": \"x\"}}",
                          job),
        400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    state = get_state(&f, "own");
    CHECK_STR_EQ(stage_status(state, 2), "InProgress");
    json_decref(state);
    api_fixture_advance(10 * API_FIXTURE_LEASE_MS);
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "PollForJobs", &out, NULL, 0,
                                   "{\"actionTypeId\": " BUILD_TYPE "}"),
                 200);
    CHECK_INT_EQ(json_array_size(api_fixture_member(out, "jobs")),
                 0); /* acknowledged: never offered again */
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(&f, "worker2", "GetJobDetails", NULL, NULL, 0,
                                   "{\"jobId\": \"%s\"}", job),
                 200);
    CHECK_INT_EQ(
        api_fixture_callf(&f, "worker2", "PutJobSuccessResult", NULL, NULL, 0,
                          "{\"jobId\": \"%s\", \"outputVariables\": {\"Image\": \"app:2\"}}", job),
        200);
    state = get_state(&f, "own");
    CHECK_STR_EQ(stage_status(state, 2), "Succeeded");
    json_decref(state);
    api_fixture_free(&f);
}

static void test_listings_stop_transitions(void)
{
    api_fixture f;
    json_t *out = NULL;
    char exception[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_fixture_use_engine(&f);
    REQUIRE(api_fixture_create(&f, "many") == 0);

    /* an execution only in the history, older than everything else */
    json_t *archived =
        json_pack("{s:{s:s, s:s, s:s, s:i}, s:{s:s, s:s, s:f, s:f}}", "pipelineExecution",
                  "pipelineName", "many", "pipelineExecutionId",
                  "99999999-0000-4000-8000-000000000000", "status", "Succeeded", "pipelineVersion",
                  1, "summary", "pipelineExecutionId", "99999999-0000-4000-8000-000000000000",
                  "status", "Succeeded", "startTime", 1600000000.0, "lastUpdateTime", 1600000001.0);
    api_memory_put_execution(f.mem, "many", archived);
    json_decref(archived);

    /* QUEUED-less V2 default (SUPERSEDED): later starts wait and supersede each other */
    char ids[4][64];
    for (int i = 0; i < 4; i++) {
        REQUIRE(api_fixture_callf(
                    &f, "operator", "StartPipelineExecution", &out, NULL, 0,
                    i == 0 ? "{\"name\": \"many\", \"sourceRevisions\": [{\"actionName\": "
                             "\"Source\", \"revisionType\": \"S3_OBJECT_KEY\", "
                             "\"revisionValue\": \"v2.zip\"}]}"
                           : "{\"name\": \"many\"}") == 200);
        snprintf(ids[i], sizeof ids[i], "%s", api_fixture_str(out, "pipelineExecutionId"));
        json_decref(out);
    }
    /* the first start carried a source revision override into its source job */
    const json_t *first_job = json_array_get(f.jobs, 0);
    CHECK_STR_EQ(api_fixture_str(first_job, "sourceRevision.revisionValue"), "v2.zip");
    /* page through two at a time: newest first, every execution once, history last */
    char token[4096] = "";
    char seen[8][64];
    size_t nseen = 0;
    for (int page = 0; page < 6; page++) {
        if (token[0] != '\0') {
            REQUIRE(api_fixture_callf(
                        &f, "viewer", "ListPipelineExecutions", &out, NULL, 0,
                        "{\"pipelineName\": \"many\", \"maxResults\": 2, \"nextToken\": \"%s\"}",
                        token) == 200);
        } else {
            REQUIRE(api_fixture_callf(&f, "viewer", "ListPipelineExecutions", &out, NULL, 0,
                                      "{\"pipelineName\": \"many\", \"maxResults\": 2}") == 200);
        }
        const json_t *list = api_fixture_member(out, "pipelineExecutionSummaries");
        CHECK(json_array_size(list) <= 2);
        for (size_t i = 0; i < json_array_size(list) && nseen < 8; i++) {
            snprintf(seen[nseen++], sizeof seen[0], "%s",
                     api_fixture_str(json_array_get(list, i), "pipelineExecutionId"));
        }
        const char *next = api_fixture_str(out, "nextToken");
        snprintf(token, sizeof token, "%s", next != NULL ? next : "");
        json_decref(out);
        if (token[0] == '\0') {
            break;
        }
    }
    CHECK_INT_EQ(nseen, 5);
    CHECK_STR_EQ(seen[0], ids[3]);
    CHECK_STR_EQ(seen[3], ids[0]);
    CHECK_STR_EQ(seen[4], "99999999-0000-4000-8000-000000000000");
    CHECK_INT_EQ(api_fixture_callf(&f, "viewer", "GetPipelineExecution", &out, NULL, 0,
                                   "{\"pipelineName\": \"many\", \"pipelineExecutionId\": "
                                   "\"99999999-0000-4000-8000-000000000000\"}"),
                 200);
    CHECK_STR_EQ(api_fixture_str(out, "pipelineExecution.status"), "Succeeded");
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(&f, "viewer", "ListPipelineExecutions", NULL, exception,
                                   sizeof exception,
                                   "{\"pipelineName\": \"many\", \"nextToken\": \"xyz\"}"),
                 400);
    CHECK_STR_EQ(exception, "InvalidNextTokenException");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "viewer", "ListPipelineExecutions", &out, NULL, 0,
                          "{\"pipelineName\": \"many\", \"filter\": {\"succeededInStage\": "
                          "{\"stageName\": \"Build\"}}}"),
        200);
    CHECK_INT_EQ(json_array_size(api_fixture_member(out, "pipelineExecutionSummaries")), 1);
    json_decref(out);

    /* stop the running one (abandon); a second stop is refused */
    CHECK_INT_EQ(api_fixture_callf(&f, "operator", "StopPipelineExecution", &out, NULL, 0,
                                   "{\"pipelineName\": \"many\", \"pipelineExecutionId\": \"%s\", "
                                   "\"abandon\": true, \"reason\": \"enough\"}",
                                   ids[0]),
                 200);
    CHECK_STR_EQ(api_fixture_str(out, "pipelineExecutionId"), ids[0]);
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "operator", "StopPipelineExecution", NULL, exception, sizeof exception,
                     "{\"pipelineName\": \"many\", \"pipelineExecutionId\": \"%s\"}", ids[0]),
                 400);
    CHECK(strcmp(exception, "PipelineExecutionNotStoppableException") == 0 ||
          strcmp(exception, "DuplicatedStopRequestException") == 0);
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "operator", "StopPipelineExecution", NULL, exception, sizeof exception,
                     "{\"pipelineName\": \"many\", \"pipelineExecutionId\": \"not-a-uuid\"}"),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");

    /* transitions */
    CHECK_INT_EQ(api_fixture_callf(&f, "operator", "DisableStageTransition", NULL, exception,
                                   sizeof exception,
                                   "{\"pipelineName\": \"many\", \"stageName\": \"Build\", "
                                   "\"transitionType\": \"Inbound\", \"reason\": \"no; way\"}"),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "operator", "DisableStageTransition", &out, NULL, 0,
                          "{\"pipelineName\": \"many\", \"stageName\": \"Build\", "
                          "\"transitionType\": \"Inbound\", \"reason\": \"Release freeze (v2)\"}"),
        200);
    CHECK_INT_EQ(json_object_size(out), 0);
    json_decref(out);
    json_t *state = get_state(&f, "many");
    CHECK(json_is_false(api_fixture_member(state, "stageStates.2.inboundTransitionState.enabled")));
    CHECK_STR_EQ(api_fixture_str(state, "stageStates.2.inboundTransitionState.disabledReason"),
                 "Release freeze (v2)");
    CHECK_STR_EQ(api_fixture_str(state, "stageStates.2.inboundTransitionState.lastChangedBy"),
                 "arn:aws:iam::123456789012:user/operator");
    json_decref(state);
    CHECK_INT_EQ(api_fixture_callf(&f, "operator", "EnableStageTransition", NULL, exception,
                                   sizeof exception,
                                   "{\"pipelineName\": \"many\", \"stageName\": \"Nope\", "
                                   "\"transitionType\": \"Inbound\"}"),
                 400);
    CHECK_STR_EQ(exception, "StageNotFoundException");
    CHECK_INT_EQ(api_fixture_callf(&f, "operator", "EnableStageTransition", NULL, NULL, 0,
                                   "{\"pipelineName\": \"many\", \"stageName\": \"Build\", "
                                   "\"transitionType\": \"Inbound\"}"),
                 200);

    /* source revision overrides reach the source job; an unknown action is refused */
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "operator", "StartPipelineExecution", NULL, exception, sizeof exception,
                     "{\"name\": \"many\", \"sourceRevisions\": [{\"actionName\": \"Nope\", "
                     "\"revisionType\": \"S3_OBJECT_KEY\", \"revisionValue\": \"v2.zip\"}]}"),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "operator", "StartPipelineExecution", NULL, exception, sizeof exception,
                     "{\"name\": \"many\", \"sourceRevisions\": [{\"actionName\": "
                     "\"Source\", \"revisionType\": \"GIT_SHA\", \"revisionValue\": \"x\"}]}"),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");

    /* requests to a pipeline that does not exist; bad start input */
    CHECK_INT_EQ(api_fixture_callf(&f, "operator", "StartPipelineExecution", NULL, exception,
                                   sizeof exception, "{\"name\": \"ghost\"}"),
                 400);
    CHECK_STR_EQ(exception, "PipelineNotFoundException");
    CHECK_INT_EQ(api_fixture_callf(&f, "operator", "StartPipelineExecution", NULL, exception,
                                   sizeof exception,
                                   "{\"name\": \"many\", \"clientRequestToken\": \"not ok!\"}"),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "operator", "StartPipelineExecution", NULL, exception, sizeof exception,
                     "{\"name\": \"many\", \"variables\": [{\"name\": \"Undeclared\", "
                     "\"value\": \"x\"}]}"),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");

    /* an update cancels what runs; a delete drops the state */
    json_t *update = json_pack("{s:o}", "pipeline", api_fixture_pipeline("many"));
    api_call call;
    CHECK_INT_EQ(api_fixture_call_json(&f, "admin", "UpdatePipeline", update, &call), 200);
    api_call_clear(&call);
    json_decref(update);
    CHECK_INT_EQ(api_fixture_callf(&f, "viewer", "GetPipelineExecution", &out, NULL, 0,
                                   "{\"pipelineName\": \"many\", \"pipelineExecutionId\": \"%s\"}",
                                   ids[3]),
                 200);
    CHECK(strcmp(api_fixture_str(out, "pipelineExecution.status"), "Cancelled") == 0 ||
          strcmp(api_fixture_str(out, "pipelineExecution.status"), "Superseded") == 0);
    json_decref(out);
    state = get_state(&f, "many");
    CHECK_INT_EQ(json_integer_value(api_fixture_member(state, "pipelineVersion")), 2);
    json_decref(state);
    CHECK_INT_EQ(
        api_fixture_callf(&f, "admin", "DeletePipeline", NULL, NULL, 0, "{\"name\": \"many\"}"),
        200);
    CHECK_INT_EQ(api_fixture_callf(&f, "viewer", "GetPipelineState", NULL, exception,
                                   sizeof exception, "{\"name\": \"many\"}"),
                 400);
    CHECK_STR_EQ(exception, "PipelineNotFoundException");
    api_fixture_free(&f);
}

static json_t *silent_orchestrator(void *ctx, const char *pipeline, const char *detail_type,
                                   const json_t *detail)
{
    (void)ctx;
    (void)pipeline;
    (void)detail_type;
    (void)detail;
    return NULL;
}

static void test_orchestrator_silent(void)
{
    api_fixture f;
    char exception[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    REQUIRE(api_fixture_create(&f, "quiet") == 0);
    api_memory_set_responder(f.mem, silent_orchestrator, NULL);
    CHECK_INT_EQ(api_fixture_callf(&f, "operator", "StartPipelineExecution", NULL, exception,
                                   sizeof exception, "{\"name\": \"quiet\"}"),
                 500);
    CHECK_STR_EQ(exception, "InternalFailure");
    /* Kafka refusing the request: the dependency is unavailable */
    api_memory_set_failure(f.mem, SLUICE_EKAFKA);
    CHECK_INT_EQ(api_fixture_callf(&f, "operator", "StartPipelineExecution", NULL, exception,
                                   sizeof exception, "{\"name\": \"quiet\"}"),
                 503);
    CHECK_STR_EQ(exception, "ServiceUnavailableException");
    api_fixture_free(&f);
}

static void test_action_types_and_external(void)
{
    api_fixture f;
    json_t *out = NULL;
    char exception[64];
    REQUIRE(api_fixture_init(&f, "AWS/Deploy/CodeDeploy/1") == 0);
    CHECK_INT_EQ(api_fixture_callf(&f, "viewer", "ListActionTypes", &out, NULL, 0, "{}"), 200);
    const json_t *types = api_fixture_member(out, "actionTypes");
    bool s3 = false;
    bool codedeploy = false;
    for (size_t i = 0; i < json_array_size(types); i++) {
        const json_t *type = json_array_get(types, i);
        const char *provider = api_fixture_str(type, "id.provider");
        s3 = s3 || (strcmp(provider, "S3") == 0 &&
                    strcmp(api_fixture_str(type, "id.category"), "Source") == 0);
        codedeploy = codedeploy || strcmp(provider, "CodeDeploy") == 0;
        CHECK(strcmp(provider, "*") != 0);
        CHECK(json_integer_value(api_fixture_member(type, "inputArtifactDetails.maximumCount")) <=
              5);
    }
    CHECK(s3);
    CHECK(codedeploy);
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(&f, "viewer", "ListActionTypes", &out, NULL, 0,
                                   "{\"actionOwnerFilter\": \"Custom\"}"),
                 200);
    CHECK_INT_EQ(json_array_size(api_fixture_member(out, "actionTypes")), 0);
    json_decref(out);
    CHECK_INT_EQ(api_fixture_callf(&f, "viewer", "ListActionTypes", NULL, exception,
                                   sizeof exception, "{\"nextToken\": \"abc\"}"),
                 400);
    CHECK_STR_EQ(exception, "InvalidNextTokenException");

    /* PollForJobs: external and Custom types are served, Sluice's own are not */
    CHECK_INT_EQ(
        api_fixture_callf(&f, "worker", "PollForJobs", &out, NULL, 0,
                          "{\"actionTypeId\": {\"category\": \"Deploy\", \"owner\": \"AWS\", "
                          "\"provider\": \"CodeDeploy\", \"version\": \"1\"}}"),
        200);
    json_decref(out);
    CHECK_INT_EQ(
        api_fixture_callf(&f, "worker", "PollForJobs", NULL, exception, sizeof exception,
                          "{\"actionTypeId\": {\"category\": \"Build\", \"owner\": \"AWS\", "
                          "\"provider\": \"CodeBuild\", \"version\": \"1\"}}"),
        400);
    CHECK_STR_EQ(exception, "ActionTypeNotFoundException");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "worker", "PollForJobs", NULL, exception, sizeof exception,
                          "{\"actionTypeId\": {\"category\": \"Nope\", \"owner\": \"Custom\", "
                          "\"provider\": \"X\", \"version\": \"1\"}}"),
        400);
    CHECK_STR_EQ(exception, "ValidationException");
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "PollForJobs", NULL, exception, sizeof exception,
                                   "{\"actionTypeId\": " BUILD_TYPE ", \"maxBatchSize\": 0}"),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");

    /* a job document that can never be stored */
    char err[128];
    json_t *bad = json_pack("{s:s}", "jobId", "nope");
    CHECK_INT_EQ(api_workers_ingest(&f.env, bad, err, sizeof err), SLUICE_EINVAL);
    json_decref(bad);
    /* a stage-condition rule's job is not for job workers: taken and ignored, not rejected */
    json_t *rule = json_pack("{s:s, s:s, s:s}", "jobId", "00000000-0000-4000-8000-000000000001",
                             "pipeline", "demo", "rule", "CheckWindow");
    CHECK_INT_EQ(api_workers_ingest(&f.env, rule, err, sizeof err), 0);
    json_decref(rule);
    api_fixture_free(&f);
}

int main(void)
{
    RUN_TEST(test_execution_flow);
    RUN_TEST(test_job_ownership_lease_scope);
    RUN_TEST(test_function_answers_lambda_job);
    RUN_TEST(test_listings_stop_transitions);
    RUN_TEST(test_orchestrator_silent);
    RUN_TEST(test_action_types_and_external);
    return sluice_test_report();
}
