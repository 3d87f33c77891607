/*
 * Third-party jobs, PutActionRevision, ListDeployActionExecutionTargets and
 * the start on CreatePipeline, in process: the api's handlers over the
 * in-process backend whose requests run through the real engine
 * (api_fixture_use_engine). Covers the third-party round trip (poll,
 * details with the nonce, acknowledge, a continuation, success, failure),
 * who may reach a ThirdParty job and with which client token, the client
 * table's parsing, maxBatchSize above the limit, a revision put (new and
 * already used) reaching the Source job, StartPipelineExecution's
 * sourceRevisions reaching it too, currentRevision.created, the S3 deploy's
 * target with filters and errors, and ListActionExecutions' startTimeRange.
 */
#include "api_fixture.h"
#include "api_thirdparty.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACME_KEY "ThirdParty/Deploy/Acme/1"
#define ACME_TYPE                                                                                  \
    "{\"category\": \"Deploy\", \"owner\": \"ThirdParty\", \"provider\": \"Acme\", "               \
    "\"version\": \"1\"}"
#define ACME_TOKEN "acme-token-0123456789"

static const char *stage_status(api_fixture *f, const char *pipeline, size_t stage, char *buf,
                                size_t buflen)
{
    json_t *state = NULL;
    char path[64];
    api_fixture_callf(f, "viewer", "GetPipelineState", &state, NULL, 0, "{\"name\": \"%s\"}",
                      pipeline);
    snprintf(path, sizeof path, "stageStates.%zu.latestExecution.status", stage);
    snprintf(buf, buflen, "%s", api_fixture_str(state, path));
    json_decref(state);
    return buf;
}

/* Creates name: an S3 source, then the deploy stage given as JSON text. */
static int create_with_deploy(api_fixture *f, const char *name, const char *deploy)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"pipeline\": {\"name\": \"%s\", \"roleArn\": \"arn:aws:iam::123456789012:role/t\","
             " \"artifactStore\": {\"type\": \"S3\", \"location\": \"test-artifacts\"},"
             " \"pipelineType\": \"V2\", \"stages\": ["
             "  {\"name\": \"Source\", \"actions\": [{\"name\": \"Source\","
             "    \"actionTypeId\": {\"category\": \"Source\", \"owner\": \"AWS\", \"provider\":"
             "      \"S3\", \"version\": \"1\"},"
             "    \"configuration\": {\"S3Bucket\": \"src\", \"S3ObjectKey\": \"app.zip\"},"
             "    \"outputArtifacts\": [{\"name\": \"Src\"}]}]},"
             "  {\"name\": \"Deploy\", \"actions\": [%s]}]}}",
             name, deploy);
    return api_fixture_callf(f, "admin", "CreatePipeline", NULL, NULL, 0, "%s", text) == 200 ? 0
                                                                                             : -1;
}

#define ACME_ACTION                                                                                \
    "{\"name\": \"Ship\", \"actionTypeId\": " ACME_TYPE ", \"configuration\": {\"Site\": \"a\"}, " \
    "\"inputArtifacts\": [{\"name\": \"Src\"}]}"

/* Polls one Acme job as the partner: its id in job (NULL output: none). */
static int poll_acme(api_fixture *f, char *job, size_t joblen)
{
    json_t *out = NULL;
    int status = api_fixture_callf(f, "partner", "PollForThirdPartyJobs", &out, NULL, 0,
                                   "{\"actionTypeId\": " ACME_TYPE ", \"maxBatchSize\": 5}");
    int n = (int)json_array_size(api_fixture_member(out, "jobs"));
    if (status == 200 && n == 1) {
        CHECK_STR_EQ(api_fixture_str(out, "jobs.0.clientId"), "acme-client");
        CHECK(api_fixture_member(out, "jobs.0.nonce") ==
              NULL); /* ThirdPartyJob: clientId and jobId only */
        snprintf(job, joblen, "%s", api_fixture_str(out, "jobs.0.jobId"));
    }
    json_decref(out);
    return status == 200 ? n : -1;
}

static void test_client_table(void)
{
    api_thirdparty_clients clients;
    char err[256];
    CHECK_INT_EQ(api_thirdparty_clients_parse("", &clients, err, sizeof err), 0);
    CHECK_INT_EQ((int)clients.count, 0);
    CHECK_INT_EQ(api_thirdparty_clients_parse(ACME_KEY
                                              ":acme-client:" ACME_TOKEN
                                              ",ThirdParty/Build/Other/2:other:t:with:colons",
                                              &clients, err, sizeof err),
                 0);
    CHECK_INT_EQ((int)clients.count, 2);
    CHECK_STR_EQ(clients.entries[1].token, "t:with:colons");
    const char *bad[] = {
        "Custom/Deploy/Acme/1:id:token", /* not ThirdParty */
        "ThirdParty/Deploy/Acme:id:token",
        ACME_KEY ":id",
        ACME_KEY "::token",
        ACME_KEY ":id:",
        ACME_KEY ":a b:token",
        ACME_KEY ":id:token,",
        ACME_KEY ":id:secret-one," ACME_KEY ":id2:secret-two",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT_EQ(api_thirdparty_clients_parse(bad[i], &clients, err, sizeof err),
                     SLUICE_EINVAL);
        CHECK_STR_CONTAINS(err, "SLUICE_API_THIRD_PARTY_CLIENTS: entry");
        CHECK(strstr(err, "secret-") == NULL); /* a token is never echoed */
        CHECK_INT_EQ((int)clients.count, 0);
    }
}

static void test_third_party_round_trip(void)
{
    api_fixture f;
    api_thirdparty_clients clients;
    json_t *out = NULL;
    char exception[64];
    char err[256];
    char status[32];
    char job[64];
    REQUIRE(api_fixture_init(&f, ACME_KEY) == 0);
    REQUIRE(api_thirdparty_clients_parse(ACME_KEY ":acme-client:" ACME_TOKEN, &clients, err,
                                         sizeof err) == 0);
    f.env.clients = &clients;
    api_fixture_use_engine(&f);
    REQUIRE(create_with_deploy(&f, "tp", ACME_ACTION) == 0);
    REQUIRE(api_fixture_callf(&f, "operator", "StartPipelineExecution", NULL, NULL, 0,
                              "{\"name\": \"tp\"}") == 200);
    REQUIRE(api_fixture_finish_own_job(
                &f, "tp", api_fixture_str(api_fixture_last_job(&f, "Source"), "jobId"), NULL) == 0);

    /* the partner's only: the Custom operations, unscoped identities and other scopes are out */
    CHECK_INT_EQ(api_fixture_callf(&f, "worker", "PollForJobs", NULL, exception, sizeof exception,
                                   "{\"actionTypeId\": " ACME_TYPE "}"),
                 400);
    CHECK_STR_EQ(exception, "ActionTypeNotFoundException");
    CHECK_INT_EQ(api_fixture_callf(&f, "admin", "PollForThirdPartyJobs", NULL, exception,
                                   sizeof exception, "{\"actionTypeId\": " ACME_TYPE "}"),
                 400);
    CHECK_STR_EQ(exception, "AccessDeniedException");
    CHECK_INT_EQ(api_fixture_callf(&f, "scoped", "PollForThirdPartyJobs", NULL, exception,
                                   sizeof exception, "{\"actionTypeId\": " ACME_TYPE "}"),
                 400);
    CHECK_STR_EQ(exception, "AccessDeniedException");
    CHECK_INT_EQ(api_fixture_callf(&f, "partner", "PollForThirdPartyJobs", NULL, exception,
                                   sizeof exception,
                                   "{\"actionTypeId\": " ACME_TYPE ", \"maxBatchSize\": 101}"),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "partner", "PollForThirdPartyJobs", NULL, exception, sizeof exception,
                     "{\"actionTypeId\": {\"category\": \"Deploy\", \"owner\": \"ThirdParty\", "
                     "\"provider\": \"AcmeOther\", \"version\": \"1\"}}"),
                 400);
    CHECK_STR_EQ(exception, "AccessDeniedException"); /* outside its scope */
    CHECK_INT_EQ(api_fixture_callf(
                     &f, "partner", "PollForThirdPartyJobs", NULL, exception, sizeof exception,
                     "{\"actionTypeId\": {\"category\": \"Deploy\", \"owner\": \"ThirdParty\", "
                     "\"provider\": \"Acme\", \"version\": \"2\"}}"),
                 400);
    CHECK_STR_EQ(exception, "ActionTypeNotFoundException"); /* in scope, not served */

    REQUIRE(poll_acme(&f, job, sizeof job) == 1);
    char none[64];
    CHECK_INT_EQ(poll_acme(&f, none, sizeof none), 0); /* dispatched: not offered twice */
    CHECK_INT_EQ(api_fixture_callf(&f, "partner", "GetThirdPartyJobDetails", NULL, exception,
                                   sizeof exception,
                                   "{\"jobId\": \"%s\", \"clientToken\": \"wrong\"}", job),
                 400);
    CHECK_STR_EQ(exception, "InvalidClientTokenException");
    CHECK_INT_EQ(api_fixture_callf(&f, "partner", "GetThirdPartyJobDetails", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\"}", job),
                 400);
    CHECK_STR_EQ(exception, "ValidationException"); /* clientToken is required */
    CHECK_INT_EQ(api_fixture_callf(&f, "partner", "GetThirdPartyJobDetails", NULL, exception,
                                   sizeof exception,
                                   "{\"jobId\": \"no-such-job\", \"clientToken\": \"x\"}"),
                 400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    CHECK_INT_EQ(api_fixture_callf(&f, "partner", "GetJobDetails", NULL, exception,
                                   sizeof exception, "{\"jobId\": \"%s\"}", job),
                 400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    CHECK_INT_EQ(api_fixture_callf(&f, "admin", "GetThirdPartyJobDetails", NULL, exception,
                                   sizeof exception,
                                   "{\"jobId\": \"%s\", \"clientToken\": \"" ACME_TOKEN "\"}", job),
                 400);
    CHECK_STR_EQ(exception, "JobNotFoundException");
    REQUIRE(api_fixture_callf(&f, "partner", "GetThirdPartyJobDetails", &out, NULL, 0,
                              "{\"jobId\": \"%s\", \"clientToken\": \"" ACME_TOKEN "\"}",
                              job) == 200);
    CHECK_STR_EQ(api_fixture_str(out, "jobDetails.id"), job);
    CHECK_STR_EQ(api_fixture_str(out, "jobDetails.data.actionTypeId.owner"), "ThirdParty");
    CHECK_STR_EQ(api_fixture_str(out, "jobDetails.data.actionConfiguration.configuration.Site"),
                 "a");
    CHECK_STR_EQ(api_fixture_str(out, "jobDetails.data.pipelineContext.pipelineName"), "tp");
    CHECK(api_fixture_member(out, "jobDetails.accountId") == NULL);
    char nonce[64];
    snprintf(nonce, sizeof nonce, "%s", api_fixture_str(out, "jobDetails.nonce"));
    CHECK(nonce[0] != '\0');
    json_decref(out);

    CHECK_INT_EQ(api_fixture_callf(
                     &f, "partner", "AcknowledgeThirdPartyJob", NULL, exception, sizeof exception,
                     "{\"jobId\": \"%s\", \"nonce\": \"bad\", \"clientToken\": \"" ACME_TOKEN "\"}",
                     job),
                 400);
    CHECK_STR_EQ(exception, "InvalidNonceException");
    REQUIRE(api_fixture_callf(
                &f, "partner", "AcknowledgeThirdPartyJob", &out, NULL, 0,
                "{\"jobId\": \"%s\", \"nonce\": \"%s\", \"clientToken\": \"" ACME_TOKEN "\"}", job,
                nonce) == 200);
    CHECK_STR_EQ(api_fixture_str(out, "status"), "InProgress");
    json_decref(out);

    /* a continuation: a new job carrying the token, polled again */
    REQUIRE(
        api_fixture_callf(&f, "partner", "PutThirdPartyJobSuccessResult", NULL, NULL, 0,
                          "{\"jobId\": \"%s\", \"clientToken\": \"" ACME_TOKEN "\", "
                          "\"continuationToken\": \"half\", \"executionDetails\": {\"summary\": "
                          "\"halfway\", \"percentComplete\": 50}}",
                          job) == 200);
    CHECK_STR_EQ(stage_status(&f, "tp", 1, status, sizeof status), "InProgress");
    char job2[64];
    REQUIRE(poll_acme(&f, job2, sizeof job2) == 1);
    CHECK(strcmp(job, job2) != 0);
    REQUIRE(api_fixture_callf(&f, "partner", "GetThirdPartyJobDetails", &out, NULL, 0,
                              "{\"jobId\": \"%s\", \"clientToken\": \"" ACME_TOKEN "\"}",
                              job2) == 200);
    CHECK_STR_EQ(api_fixture_str(out, "jobDetails.data.continuationToken"), "half");
    json_decref(out);
    /* the result straight after the poll, without an acknowledgement */
    REQUIRE(api_fixture_callf(
                &f, "partner", "PutThirdPartyJobSuccessResult", NULL, NULL, 0,
                "{\"jobId\": \"%s\", \"clientToken\": \"" ACME_TOKEN "\", "
                "\"currentRevision\": {\"revision\": \"v2\", \"changeIdentifier\": \"c2\"}}",
                job2) == 200);
    CHECK_STR_EQ(stage_status(&f, "tp", 1, status, sizeof status), "Succeeded");
    CHECK_INT_EQ(
        api_fixture_callf(&f, "partner", "PutThirdPartyJobFailureResult", NULL, exception,
                          sizeof exception,
                          "{\"jobId\": \"%s\", \"clientToken\": \"" ACME_TOKEN "\", "
                          "\"failureDetails\": {\"type\": \"JobFailed\", \"message\": \"late\"}}",
                          job2),
        400);
    CHECK_STR_EQ(exception, "InvalidJobStateException");

    /* a second execution: the partner fails it */
    REQUIRE(api_fixture_callf(&f, "operator", "StartPipelineExecution", NULL, NULL, 0,
                              "{\"name\": \"tp\"}") == 200);
    REQUIRE(api_fixture_finish_own_job(
                &f, "tp", api_fixture_str(api_fixture_last_job(&f, "Source"), "jobId"), NULL) == 0);
    REQUIRE(poll_acme(&f, job, sizeof job) == 1);
    CHECK_INT_EQ(api_fixture_callf(&f, "partner", "PutThirdPartyJobFailureResult", NULL, exception,
                                   sizeof exception,
                                   "{\"jobId\": \"%s\", \"clientToken\": \"" ACME_TOKEN "\", "
                                   "\"failureDetails\": {\"type\": \"Nope\", \"message\": \"x\"}}",
                                   job),
                 400);
    CHECK_STR_EQ(exception, "ValidationException");
    REQUIRE(api_fixture_callf(
                &f, "partner", "PutThirdPartyJobFailureResult", NULL, NULL, 0,
                "{\"jobId\": \"%s\", \"clientToken\": \"" ACME_TOKEN "\", "
                "\"failureDetails\": {\"type\": \"JobFailed\", \"message\": \"target down\"}}",
                job) == 200);
    CHECK_STR_EQ(stage_status(&f, "tp", 1, status, sizeof status), "Failed");
    api_fixture_free(&f);
}

static void test_put_action_revision(void)
{
    api_fixture f;
    json_t *out = NULL;
    char exception[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_fixture_use_engine(&f);
    REQUIRE(api_fixture_create(&f, "rev") == 0);
    const char *revision = "\"actionRevision\": {\"revisionId\": \"r9\", \"revisionChangeId\": "
                           "\"c9\", \"created\": 1700000000}";
    struct {
        const char *pipeline;
        const char *stage;
        const char *action;
        const char *exception;
    } refusals[] = {
        {"nope", "Source", "Source", "PipelineNotFoundException"},
        {"rev", "Nope", "Source", "StageNotFoundException"},
        {"rev", "Source", "Nope", "ActionNotFoundException"},
        {"rev", "Approve", "Approve", "ValidationException"}, /* not a source action */
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        CHECK_INT_EQ(api_fixture_callf(
                         &f, "operator", "PutActionRevision", NULL, exception, sizeof exception,
                         "{\"pipelineName\": \"%s\", \"stageName\": \"%s\", \"actionName\": "
                         "\"%s\", %s}",
                         refusals[i].pipeline, refusals[i].stage, refusals[i].action, revision),
                     400);
        CHECK_STR_EQ(exception, refusals[i].exception);
    }
    CHECK_INT_EQ(
        api_fixture_callf(&f, "operator", "PutActionRevision", NULL, exception, sizeof exception,
                          "{\"pipelineName\": \"rev\", \"stageName\": \"Source\", \"actionName\": "
                          "\"Source\", \"actionRevision\": {\"revisionId\": \"r9\", "
                          "\"revisionChangeId\": \"c9\"}}"),
        400);
    CHECK_STR_EQ(exception, "ValidationException"); /* created is required */
    CHECK_INT_EQ(
        api_fixture_callf(&f, "viewer", "PutActionRevision", NULL, exception, sizeof exception,
                          "{\"pipelineName\": \"rev\", \"stageName\": \"Source\", \"actionName\": "
                          "\"Source\", %s}",
                          revision),
        400);
    CHECK_STR_EQ(exception, "AccessDeniedException");

    /* a new revision starts an execution whose Source job carries it */
    REQUIRE(
        api_fixture_callf(&f, "operator", "PutActionRevision", &out, NULL, 0,
                          "{\"pipelineName\": \"rev\", \"stageName\": \"Source\", \"actionName\": "
                          "\"Source\", %s}",
                          revision) == 200);
    CHECK(json_is_true(api_fixture_member(out, "newRevision")));
    char execution[64];
    snprintf(execution, sizeof execution, "%s", api_fixture_str(out, "pipelineExecutionId"));
    json_decref(out);
    const json_t *job = api_fixture_last_job(&f, "Source");
    CHECK_STR_EQ(api_fixture_str(job, "pipelineExecutionId"), execution);
    CHECK_STR_EQ(api_fixture_str(job, "sourceRevision.revisionValue"), "r9");
    CHECK_STR_EQ(api_fixture_str(job, "sourceRevision.revisionType"), "S3_OBJECT_VERSION_ID");
    REQUIRE(api_fixture_callf(&f, "viewer", "GetPipelineExecution", &out, NULL, 0,
                              "{\"pipelineName\": \"rev\", \"pipelineExecutionId\": \"%s\"}",
                              execution) == 200);
    CHECK_STR_EQ(api_fixture_str(out, "pipelineExecution.trigger.triggerType"),
                 "PutActionRevision");
    CHECK_STR_CONTAINS(api_fixture_str(out, "pipelineExecution.trigger.triggerDetail"),
                       "user/operator");
    json_decref(out);

    /* the source reports r1 (with no time): a put of r1 is no new revision and starts nothing */
    REQUIRE(api_fixture_finish_own_job(&f, "rev", api_fixture_str(job, "jobId"), NULL) == 0);
    size_t jobs_before = json_array_size(f.jobs);
    REQUIRE(api_fixture_callf(
                &f, "operator", "PutActionRevision", &out, NULL, 0,
                "{\"pipelineName\": \"rev\", \"stageName\": \"Source\", \"actionName\": "
                "\"Source\", \"actionRevision\": {\"revisionId\": \"r1\", \"revisionChangeId\": "
                "\"c1\", \"created\": 1700000000}}") == 200);
    CHECK(json_is_false(api_fixture_member(out, "newRevision")));
    CHECK_STR_EQ(api_fixture_str(out, "pipelineExecutionId"), execution);
    json_decref(out);
    CHECK_INT_EQ((int)json_array_size(f.jobs), (int)jobs_before);

    /* GetPipelineState dates the revision though the source gave no time */
    REQUIRE(api_fixture_callf(&f, "viewer", "GetPipelineState", &out, NULL, 0,
                              "{\"name\": \"rev\"}") == 200);
    CHECK_STR_EQ(api_fixture_str(out, "stageStates.0.actionStates.0.currentRevision.revisionId"),
                 "r1");
    CHECK(json_is_number(
        api_fixture_member(out, "stageStates.0.actionStates.0.currentRevision.created")));
    json_decref(out);

    /* StartPipelineExecution's sourceRevisions reach the Source job the same way */
    REQUIRE(api_fixture_callf(
                &f, "operator", "StartPipelineExecution", NULL, NULL, 0,
                "{\"name\": \"rev\", \"sourceRevisions\": [{\"actionName\": \"Source\", "
                "\"revisionType\": \"S3_OBJECT_VERSION_ID\", \"revisionValue\": \"v7\"}]}") == 200);
    CHECK_STR_EQ(
        api_fixture_str(api_fixture_last_job(&f, "Source"), "sourceRevision.revisionValue"), "v7");
    api_fixture_free(&f);
}

static void test_deploy_targets(void)
{
    api_fixture f;
    json_t *out = NULL;
    char exception[64];
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_fixture_use_engine(&f);
    REQUIRE(create_with_deploy(&f, "dt",
                               "{\"name\": \"Site\", \"actionTypeId\": {\"category\": \"Deploy\", "
                               "\"owner\": \"AWS\", \"provider\": \"S3\", \"version\": \"1\"}, "
                               "\"configuration\": {\"BucketName\": \"site\", \"Extract\": "
                               "\"false\", \"ObjectKey\": \"app.zip\"}, \"inputArtifacts\": "
                               "[{\"name\": \"Src\"}]}") == 0);
    REQUIRE(api_fixture_callf(&f, "operator", "StartPipelineExecution", NULL, NULL, 0,
                              "{\"name\": \"dt\"}") == 200);
    REQUIRE(api_fixture_finish_own_job(
                &f, "dt", api_fixture_str(api_fixture_last_job(&f, "Source"), "jobId"), NULL) == 0);
    REQUIRE(api_fixture_finish_own_job(
                &f, "dt", api_fixture_str(api_fixture_last_job(&f, "Site"), "jobId"), NULL) == 0);
    REQUIRE(api_fixture_callf(&f, "viewer", "ListActionExecutions", &out, NULL, 0,
                              "{\"pipelineName\": \"dt\"}") == 200);
    char deploy[64] = "";
    char source[64] = "";
    for (size_t i = 0; i < json_array_size(api_fixture_member(out, "actionExecutionDetails"));
         i++) {
        const json_t *d = json_array_get(api_fixture_member(out, "actionExecutionDetails"), i);
        snprintf(strcmp(api_fixture_str(d, "actionName"), "Site") == 0 ? deploy : source,
                 sizeof deploy, "%s", api_fixture_str(d, "actionExecutionId"));
    }
    json_decref(out);
    REQUIRE(deploy[0] != '\0' && source[0] != '\0');

    REQUIRE(api_fixture_callf(&f, "viewer", "ListDeployActionExecutionTargets", &out, NULL, 0,
                              "{\"pipelineName\": \"dt\", \"actionExecutionId\": \"%s\"}",
                              deploy) == 200);
    CHECK_INT_EQ((int)json_array_size(api_fixture_member(out, "targets")), 1);
    CHECK_STR_EQ(api_fixture_str(out, "targets.0.targetId"), "s3://site/app.zip");
    CHECK_STR_EQ(api_fixture_str(out, "targets.0.targetType"), "S3Bucket");
    CHECK_STR_EQ(api_fixture_str(out, "targets.0.status"), "Succeeded");
    CHECK(json_is_number(api_fixture_member(out, "targets.0.startTime")));
    CHECK(json_is_number(api_fixture_member(out, "targets.0.endTime")));
    CHECK(json_is_array(api_fixture_member(out, "targets.0.events")));
    CHECK(api_fixture_member(out, "nextToken") == NULL);
    json_decref(out);
    REQUIRE(api_fixture_callf(
                &f, "viewer", "ListDeployActionExecutionTargets", &out, NULL, 0,
                "{\"pipelineName\": \"dt\", \"actionExecutionId\": \"%s\", \"filters\": "
                "[{\"name\": \"TARGET_STATUS\", \"values\": [\"Failed\", \"InProgress\"]}]}",
                deploy) == 200);
    CHECK_INT_EQ((int)json_array_size(api_fixture_member(out, "targets")), 0);
    json_decref(out);
    REQUIRE(
        api_fixture_callf(&f, "viewer", "ListDeployActionExecutionTargets", &out, NULL, 0,
                          "{\"pipelineName\": \"dt\", \"actionExecutionId\": \"%s\", \"filters\": "
                          "[{\"name\": \"TARGET_STATUS\", \"values\": [\"Succeeded\"]}], "
                          "\"maxResults\": 1}",
                          deploy) == 200);
    CHECK_INT_EQ((int)json_array_size(api_fixture_member(out, "targets")), 1);
    json_decref(out);
    /* a source action execution reports no targets: the list is empty, not absent */
    REQUIRE(api_fixture_callf(&f, "viewer", "ListDeployActionExecutionTargets", &out, NULL, 0,
                              "{\"pipelineName\": \"dt\", \"actionExecutionId\": \"%s\"}",
                              source) == 200);
    CHECK(json_is_array(api_fixture_member(out, "targets")));
    CHECK_INT_EQ((int)json_array_size(api_fixture_member(out, "targets")), 0);
    json_decref(out);

    struct {
        const char *input;
        const char *exception;
    } refusals[] = {
        {"{\"pipelineName\": \"dt\", \"actionExecutionId\": "
         "\"00000000-0000-4000-8000-000000000000\"}",
         "ActionExecutionNotFoundException"},
        {"{\"pipelineName\": \"nope\", \"actionExecutionId\": \"x\"}", "PipelineNotFoundException"},
        {"{\"actionExecutionId\": \"x\"}", "ValidationException"},
        {"{\"pipelineName\": \"dt\"}", "ValidationException"},
        {"{\"pipelineName\": \"dt\", \"actionExecutionId\": \"x\", \"nextToken\": \"abc\"}",
         "InvalidNextTokenException"},
        {"{\"pipelineName\": \"dt\", \"actionExecutionId\": \"x\", \"maxResults\": 101}",
         "ValidationException"},
        {"{\"pipelineName\": \"dt\", \"actionExecutionId\": \"x\", \"filters\": [{\"name\": "
         "\"STATUS\"}]}",
         "ValidationException"},
        {"{\"pipelineName\": \"dt\", \"actionExecutionId\": \"x\", \"filters\": [{\"name\": "
         "\"TARGET_STATUS\", \"values\": [\"\"]}]}",
         "ValidationException"},
        {"{\"pipelineName\": \"dt\", \"actionExecutionId\": \"x\", \"filters\": [\"TARGET\"]}",
         "SerializationException"},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        CHECK_INT_EQ(api_fixture_callf(&f, "viewer", "ListDeployActionExecutionTargets", NULL,
                                       exception, sizeof exception, "%s", refusals[i].input),
                     400);
        CHECK_STR_EQ(exception, refusals[i].exception);
    }
    api_fixture_free(&f);
}

static void test_start_on_create_and_time_range(void)
{
    api_fixture f;
    json_t *out = NULL;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    api_fixture_use_engine(&f);
    REQUIRE(api_fixture_create(&f, "quiet") == 0);
    REQUIRE(api_fixture_callf(&f, "viewer", "ListPipelineExecutions", &out, NULL, 0,
                              "{\"pipelineName\": \"quiet\"}") == 200);
    CHECK_INT_EQ((int)json_array_size(api_fixture_member(out, "pipelineExecutionSummaries")), 0);
    json_decref(out);

    f.env.start_on_create = true;
    REQUIRE(api_fixture_create(&f, "eager") == 0);
    REQUIRE(api_fixture_callf(&f, "viewer", "ListPipelineExecutions", &out, NULL, 0,
                              "{\"pipelineName\": \"eager\"}") == 200);
    CHECK_INT_EQ((int)json_array_size(api_fixture_member(out, "pipelineExecutionSummaries")), 1);
    CHECK_STR_EQ(api_fixture_str(out, "pipelineExecutionSummaries.0.trigger.triggerType"),
                 "CreatePipeline");
    CHECK_STR_CONTAINS(api_fixture_str(out, "pipelineExecutionSummaries.0.trigger.triggerDetail"),
                       "user/admin");
    char execution[64];
    snprintf(execution, sizeof execution, "%s",
             api_fixture_str(out, "pipelineExecutionSummaries.0.pipelineExecutionId"));
    json_decref(out);
    const json_t *job = api_fixture_last_job(&f, "Source");
    CHECK_STR_EQ(api_fixture_str(job, "pipelineExecutionId"), execution);

    /* the Build action fails, and its stage is retried: two attempts of Build */
    REQUIRE(api_fixture_finish_own_job(&f, "eager", api_fixture_str(job, "jobId"), NULL) == 0);
    REQUIRE(api_fixture_callf(&f, "viewer", "GetPipelineState", &out, NULL, 0,
                              "{\"name\": \"eager\"}") == 200);
    char token[64];
    snprintf(token, sizeof token, "%s",
             api_fixture_str(out, "stageStates.1.actionStates.0.latestExecution.token"));
    json_decref(out);
    REQUIRE(api_fixture_callf(
                &f, "approver", "PutApprovalResult", NULL, NULL, 0,
                "{\"pipelineName\": \"eager\", \"stageName\": \"Approve\", \"actionName\": "
                "\"Approve\", \"result\": {\"summary\": \"ok\", \"status\": \"Approved\"}, "
                "\"token\": \"%s\"}",
                token) == 200);
    const char *build_type = "{\"actionTypeId\": {\"category\": \"Build\", \"owner\": \"Custom\", "
                             "\"provider\": \"TestBuild\", \"version\": \"1\"}}";
    for (int attempt = 0; attempt < 2; attempt++) {
        REQUIRE(api_fixture_callf(&f, "worker", "PollForJobs", &out, NULL, 0, "%s", build_type) ==
                200);
        REQUIRE(json_array_size(api_fixture_member(out, "jobs")) == 1);
        char build[64];
        snprintf(build, sizeof build, "%s", api_fixture_str(out, "jobs.0.id"));
        json_decref(out);
        if (attempt == 0) {
            REQUIRE(api_fixture_callf(
                        &f, "worker", "PutJobFailureResult", NULL, NULL, 0,
                        "{\"jobId\": \"%s\", \"failureDetails\": {\"type\": \"JobFailed\", "
                        "\"message\": \"flaky\"}}",
                        build) == 200);
            REQUIRE(api_fixture_callf(
                        &f, "operator", "RetryStageExecution", NULL, NULL, 0,
                        "{\"pipelineName\": \"eager\", \"stageName\": \"Build\", "
                        "\"pipelineExecutionId\": \"%s\", \"retryMode\": \"FAILED_ACTIONS\"}",
                        execution) == 200);
        } else {
            REQUIRE(api_fixture_callf(&f, "worker", "PutJobSuccessResult", NULL, NULL, 0,
                                      "{\"jobId\": \"%s\"}", build) == 200);
        }
    }

    /* startTimeRange: All lists both attempts of Build, Latest only the newest (Succeeded) */
    const char *ranges[] = {"All", "Latest"};
    for (size_t i = 0; i < 2; i++) {
        REQUIRE(api_fixture_callf(
                    &f, "viewer", "ListActionExecutions", &out, NULL, 0,
                    "{\"pipelineName\": \"eager\", \"filter\": {\"latestInPipelineExecution\": "
                    "{\"pipelineExecutionId\": \"%s\", \"startTimeRange\": \"%s\"}}}",
                    execution, ranges[i]) == 200);
        const json_t *list = api_fixture_member(out, "actionExecutionDetails");
        int builds = 0;
        int sources = 0;
        for (size_t j = 0; j < json_array_size(list); j++) {
            const json_t *d = json_array_get(list, j);
            CHECK_STR_EQ(api_fixture_str(d, "pipelineExecutionId"), execution);
            if (strcmp(api_fixture_str(d, "actionName"), "Build") == 0) {
                builds++;
                if (i == 1) {
                    CHECK_STR_EQ(api_fixture_str(d, "status"), "Succeeded");
                }
            }
            sources += strcmp(api_fixture_str(d, "actionName"), "Source") == 0;
        }
        CHECK_INT_EQ(builds, i == 0 ? 2 : 1);
        CHECK_INT_EQ(sources, 1);
        json_decref(out);
    }
    api_fixture_free(&f);
}

int main(void)
{
    RUN_TEST(test_client_table);
    RUN_TEST(test_third_party_round_trip);
    RUN_TEST(test_put_action_revision);
    RUN_TEST(test_deploy_targets);
    RUN_TEST(test_start_on_create_and_time_range);
    return sluice_test_report();
}
