/*
 * Integration tests of sluice-orchestrator with real Kafka and Redis and a
 * scripted job runner: parallel groups, failure, retry, the three execution
 * modes with overlapping executions, stop and abandon, transitions, approvals
 * and an action timeout; a job over the bus's message bound fails its action
 * and the pipeline goes on.
 */
#include "orch_kit.h"
#include "pipelines.h"

#include "sluice/error.h"
#include "sluice/state_key.h"
#include "testenv.h"
#include "sluice_test.h"

#include <signal.h>
#include <stdlib.h>

#define WAIT_MS 20000

static orch_kit kit;

typedef struct script {
    const char *hold; /* action name whose jobs are held, or NULL */
    const char *fail; /* action name whose jobs fail, or NULL */
} script;

static script current;

static kit_job_answer scripted(const json_t *job, void *ctx)
{
    const script *s = ctx;
    const char *action = json_string_value(json_object_get(job, "action"));
    if (s->hold != NULL && strcmp(action, s->hold) == 0) {
        return KIT_JOB_HOLD;
    }
    if (s->fail != NULL && strcmp(action, s->fail) == 0) {
        return KIT_JOB_FAIL;
    }
    return KIT_JOB_SUCCEED;
}

static void use_script(const char *hold, const char *fail)
{
    current.hold = hold;
    current.fail = fail;
    kit.policy = scripted;
    kit.policy_ctx = &current;
}

static void test_parallel_group_then_success(void)
{
    const char *p = "four-stages";
    use_script("BuildA", NULL);
    kit_define(&kit, p, PIPE_FOUR_STAGES(""), 1);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    kit_job *a = kit_wait_job(&kit, x, "BuildA", WAIT_MS);
    kit_job *b = kit_wait_job(&kit, x, "BuildB", WAIT_MS);
    REQUIRE(a != NULL && b != NULL);
    /* BuildB finished, BuildA still runs: the next group must not start */
    REQUIRE(kit_wait_event(&kit, 'A', x, "Build", "BuildB", "SUCCEEDED", WAIT_MS));
    kit_pump(&kit, 300);
    CHECK_INT_EQ(kit_count_jobs(&kit, x, "Package"), 0);
    kit_answer_job(&kit, a, true);
    REQUIRE(kit_wait_pipeline(&kit, x, "SUCCEEDED", WAIT_MS));
    kit_pump(&kit, 200);
    CHECK_INT_EQ(kit_count_jobs(&kit, x, NULL), 6);
    CHECK(kit_index(&kit, 'A', x, "Build", "Package", "STARTED") >
          kit_index(&kit, 'A', x, "Build", "BuildA", "SUCCEEDED"));
    static const char *const stages[] = {"Source", "Build", "Test", "Deploy"};
    for (size_t i = 0; i < 4; i++) {
        CHECK_INT_EQ(kit_count(&kit, 'S', x, stages[i], NULL, "STARTED"), 1);
        CHECK_INT_EQ(kit_count(&kit, 'S', x, stages[i], NULL, "SUCCEEDED"), 1);
    }
    CHECK(kit_index(&kit, 'S', x, "Build", NULL, "SUCCEEDED") <
          kit_index(&kit, 'S', x, "Test", NULL, "STARTED"));
    CHECK_INT_EQ(kit_count(&kit, 'A', x, NULL, NULL, "SUCCEEDED"), 6);
    CHECK_INT_EQ(kit_count(&kit, 'P', x, NULL, NULL, "STARTED"), 1);
    CHECK_INT_EQ(kit.duplicate_events, 0);
}

static void test_failure_then_retry(void)
{
    const char *p = "fail-retry";
    use_script("BuildA", "BuildB");
    kit_define(&kit, p, PIPE_FOUR_STAGES(""), 1);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    kit_job *a = kit_wait_job(&kit, x, "BuildA", WAIT_MS);
    REQUIRE(a != NULL);
    /* BuildB failed while BuildA runs: BuildA finishes, nothing new starts */
    REQUIRE(kit_wait_event(&kit, 'A', x, "Build", "BuildB", "FAILED", WAIT_MS));
    kit_pump(&kit, 300);
    CHECK_INT_EQ(kit_count(&kit, 'P', x, NULL, NULL, "FAILED"), 0);
    kit_answer_job(&kit, a, true);
    REQUIRE(kit_wait_pipeline(&kit, x, "FAILED", WAIT_MS));
    CHECK_INT_EQ(kit_count(&kit, 'A', x, "Build", "BuildA", "SUCCEEDED"), 1);
    CHECK_INT_EQ(kit_count(&kit, 'S', x, "Build", NULL, "FAILED"), 1);
    CHECK_INT_EQ(kit_count_jobs(&kit, x, "Package"), 0);
    CHECK_INT_EQ(kit_count(&kit, 'S', x, "Test", NULL, NULL), 0);

    use_script(NULL, NULL);
    char exception[128];
    const char *answer = kit_call(&kit, p,
                                  json_pack("{s:s, s:s, s:s, s:s}", "type", "RetryStageExecution",
                                            "pipelineExecutionId", x, "stageName", "Build",
                                            "retryMode", "FAILED_ACTIONS"),
                                  exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "");
    REQUIRE(kit_wait_pipeline(&kit, x, "SUCCEEDED", WAIT_MS));
    CHECK_INT_EQ(kit_count(&kit, 'P', x, NULL, NULL, "RESUMED"), 1);
    CHECK_INT_EQ(kit_count_jobs(&kit, x, "BuildA"), 1); /* FAILED_ACTIONS: only the failed one */
    CHECK_INT_EQ(kit_count_jobs(&kit, x, "BuildB"), 2);
    long succeeded = kit_index(&kit, 'P', x, NULL, NULL, "SUCCEEDED");
    CHECK(succeeded >= 0 && kit.event_log[succeeded].attempt == 2);

    /* a stage that did not fail cannot be retried */
    answer = kit_call(&kit, p,
                      json_pack("{s:s, s:s, s:s, s:s}", "type", "RetryStageExecution",
                                "pipelineExecutionId", x, "stageName", "Build", "retryMode",
                                "FAILED_ACTIONS"),
                      exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "StageNotRetryableException");
}

static void start_three(const char *p, char x[3][KIT_ID_LEN + 1])
{
    for (int i = 0; i < 3; i++) {
        if (!kit_start(&kit, p, x[i])) {
            fprintf(stderr, "start %d failed\n", i);
            exit(1);
        }
        kit_pump(&kit, 300);
    }
}

static void test_superseded(void)
{
    const char *p = "mode-superseded";
    use_script("Hold", NULL);
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    char x[3][KIT_ID_LEN + 1];
    start_three(p, x);
    REQUIRE(kit_wait_pipeline(&kit, x[1], "SUPERSEDED", WAIT_MS));
    CHECK_INT_EQ(kit_count_jobs(&kit, x[1], "Hold"), 0);
    kit_job *first = kit_wait_job(&kit, x[0], "Hold", WAIT_MS);
    REQUIRE(first != NULL);
    CHECK_INT_EQ(kit_count_jobs(&kit, x[2], "Hold"), 0); /* the running stage is not interrupted */
    kit_answer_job(&kit, first, true);
    REQUIRE(kit_wait_pipeline(&kit, x[0], "SUCCEEDED", WAIT_MS));
    kit_job *third = kit_wait_job(&kit, x[2], "Hold", WAIT_MS);
    REQUIRE(third != NULL);
    kit_answer_job(&kit, third, true);
    REQUIRE(kit_wait_pipeline(&kit, x[2], "SUCCEEDED", WAIT_MS));
    CHECK_INT_EQ(kit_count(&kit, 'P', x[1], NULL, NULL, "SUCCEEDED"), 0);
}

static void test_queued(void)
{
    const char *p = "mode-queued";
    use_script("Hold", NULL);
    kit_define(&kit, p, PIPE_THREE_STAGES("QUEUED"), 1);
    char x[3][KIT_ID_LEN + 1];
    start_three(p, x);
    for (int i = 0; i < 3; i++) {
        kit_job *job = kit_wait_job(&kit, x[i], "Hold", WAIT_MS);
        REQUIRE(job != NULL);
        for (int j = i + 1; j < 3; j++) {
            CHECK_INT_EQ(kit_count_jobs(&kit, x[j], "Hold"), 0); /* FIFO behind the lock */
        }
        kit_answer_job(&kit, job, true);
        REQUIRE(kit_wait_pipeline(&kit, x[i], "SUCCEEDED", WAIT_MS));
    }
    CHECK(kit_index(&kit, 'P', x[0], NULL, NULL, "SUCCEEDED") <
          kit_index(&kit, 'P', x[1], NULL, NULL, "SUCCEEDED"));
    CHECK(kit_index(&kit, 'P', x[1], NULL, NULL, "SUCCEEDED") <
          kit_index(&kit, 'P', x[2], NULL, NULL, "SUCCEEDED"));
}

static void test_parallel(void)
{
    const char *p = "mode-parallel";
    use_script("Hold", NULL);
    kit_define(&kit, p, PIPE_THREE_STAGES("PARALLEL"), 1);
    char x[3][KIT_ID_LEN + 1];
    start_three(p, x);
    kit_job *held[3];
    for (int i = 0; i < 3; i++) {
        held[i] = kit_wait_job(&kit, x[i], "Hold", WAIT_MS);
        REQUIRE(held[i] != NULL); /* all three inside Build at once */
    }
    for (int i = 2; i >= 0; i--) {
        kit_answer_job(&kit, held[i], true);
    }
    for (int i = 0; i < 3; i++) {
        CHECK(kit_wait_pipeline(&kit, x[i], "SUCCEEDED", WAIT_MS));
    }
}

static void test_stop_and_abandon(void)
{
    const char *p = "stop";
    use_script("Hold", NULL);
    kit_define(&kit, p, PIPE_THREE_STAGES("PARALLEL"), 1);
    char x[KIT_ID_LEN + 1];
    char y[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    kit_job *job = kit_wait_job(&kit, x, "Hold", WAIT_MS);
    REQUIRE(job != NULL);
    char exception[128];
    const char *answer =
        kit_call(&kit, p,
                 json_pack("{s:s, s:s, s:b, s:s}", "type", "StopPipelineExecution",
                           "pipelineExecutionId", x, "abandon", 0, "reason", "stop for the test"),
                 exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "");
    REQUIRE(kit_wait_pipeline(&kit, x, "STOPPING", WAIT_MS));
    answer = kit_call(&kit, p,
                      json_pack("{s:s, s:s, s:b}", "type", "StopPipelineExecution",
                                "pipelineExecutionId", x, "abandon", 0),
                      exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "DuplicatedStopRequestException");
    kit_answer_job(&kit, job, true); /* stop and wait: the running action finishes */
    REQUIRE(kit_wait_pipeline(&kit, x, "STOPPED", WAIT_MS));
    CHECK_INT_EQ(kit_count(&kit, 'A', x, "Build", "Hold", "SUCCEEDED"), 1);
    CHECK_INT_EQ(kit_count_jobs(&kit, x, "DeployIt"), 0);

    REQUIRE(kit_start(&kit, p, y));
    REQUIRE(kit_wait_job(&kit, y, "Hold", WAIT_MS) != NULL);
    answer = kit_call(&kit, p,
                      json_pack("{s:s, s:s, s:b}", "type", "StopPipelineExecution",
                                "pipelineExecutionId", y, "abandon", 1),
                      exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "");
    REQUIRE(kit_wait_pipeline(&kit, y, "STOPPED", WAIT_MS));
    CHECK_INT_EQ(kit_count(&kit, 'A', y, "Build", "Hold", "ABANDONED"), 1);

    answer = kit_call(&kit, p,
                      json_pack("{s:s, s:s, s:b}", "type", "StopPipelineExecution",
                                "pipelineExecutionId", y, "abandon", 1),
                      exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "PipelineExecutionNotStoppableException");
}

static void test_transitions(void)
{
    const char *p = "transitions";
    use_script(NULL, NULL);
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    char exception[128];
    const char *answer =
        kit_call(&kit, p,
                 json_pack("{s:s, s:s, s:s, s:s}", "type", "DisableStageTransition", "stageName",
                           "Build", "transitionType", "Inbound", "reason", "hold it"),
                 exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "");
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    REQUIRE(kit_wait_event(&kit, 'S', x, "Source", NULL, "SUCCEEDED", WAIT_MS));
    kit_pump(&kit, 700);
    CHECK_INT_EQ(kit_count_jobs(&kit, x, "Hold"), 0);
    answer = kit_call(&kit, p,
                      json_pack("{s:s, s:s, s:s}", "type", "EnableStageTransition", "stageName",
                                "Build", "transitionType", "Inbound"),
                      exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "");
    CHECK(kit_wait_pipeline(&kit, x, "SUCCEEDED", WAIT_MS));
}

/* The token of the pending approval of execution x (from its job), or NULL. */
static const char *approval_token(orch_kit *k, const char *x)
{
    kit_job *job = kit_wait_job(k, x, "Review", WAIT_MS);
    return job != NULL ? json_string_value(json_object_get(job->doc, "token")) : NULL;
}

static void test_approval_and_timeout(void)
{
    const char *p = "approval";
    use_script(NULL, NULL);
    kit_define(&kit, p, PIPE_APPROVAL, 1);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    const char *token = approval_token(&kit, x);
    REQUIRE(token != NULL);
    char exception[128];
    const char *answer =
        kit_call(&kit, p,
                 json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "type", "PutApprovalResult",
                           "stageName", "Approve", "actionName", "Review", "token",
                           "00000000-0000-4000-8000-000000000000", "result", "status", "Approved",
                           "summary", "wrong token"),
                 exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "InvalidApprovalTokenException");
    answer = kit_call(&kit, p,
                      json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "type", "PutApprovalResult",
                                "stageName", "Approve", "actionName", "Review", "token", token,
                                "result", "status", "Approved", "summary", "looks good"),
                      exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "");
    REQUIRE(kit_wait_pipeline(&kit, x, "SUCCEEDED", WAIT_MS));

    /* A second execution waits for approval until its timeout: rehearse the
       clock six minutes ahead by restarting the orchestrator with an offset. */
    char y[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, y));
    REQUIRE(approval_token(&kit, y) != NULL);
    kit_pump(&kit, 300);
    kit_orch_kill(&kit, 0, SIGTERM);
    kit_orch_start(&kit, 0, "SLUICE_CLOCK_OFFSET_MS=360000");
    REQUIRE(kit_wait_pipeline(&kit, y, "FAILED", WAIT_MS));
    CHECK_INT_EQ(kit_count(&kit, 'A', y, "Approve", "Review", "FAILED"), 1);
    CHECK_INT_EQ(kit_count_jobs(&kit, y, "DeployIt"), 0);
    kit_orch_kill(&kit, 0, SIGTERM);
    kit_orch_start(&kit, 0, NULL);
}

/* Counts lines of replica slot's log containing text. */
static int log_count(int slot, const char *text)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/test-logs/%sorch%d.log", testenv_binary_dir(), kit.prefix,
             slot);
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        return -1;
    }
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        n += strstr(line, text) != NULL;
    }
    fclose(fp);
    return n;
}

static void test_stale_cache_conflict(void)
{
    const char *p = "stale-cache";
    use_script(NULL, NULL);
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    REQUIRE(kit_wait_pipeline(&kit, x, "SUCCEEDED", WAIT_MS));
    /* Another writer saves behind the replica's back: the state it kept is now stale. */
    char key[STATE_KEY_MAX + 1];
    state_key_build(key, sizeof key, p, STATE_KEY_STATE);
    redisReply *reply = NULL;
    REQUIRE(state_redis_command(kit.redis, STATE_REDIS_NO_RETRY, &reply, "HINCRBY %s v 1", key) ==
            0);
    freeReplyObject(reply);
    int before = log_count(0, "changed meanwhile");
    char y[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, y));
    REQUIRE(kit_wait_pipeline(&kit, y, "SUCCEEDED", WAIT_MS));
    CHECK(log_count(0, "changed meanwhile") > before); /* the conflict was seen and retried */
    CHECK_INT_EQ(kit_count(&kit, 'P', y, NULL, NULL, "STARTED"), 1);
    CHECK_INT_EQ(kit_count_jobs(&kit, y, "Hold"), 1);
}

/* Answers a held source job with output variable Big of size bytes. */
static void answer_source_with_big(kit_job *job, size_t size)
{
    char *big = malloc(size + 1);
    memset(big, 'b', size);
    big[size] = '\0';
    json_t *detail = json_pack("{s:s, s:s, s:s, s:{s:s}}", "type", "JobResult", "jobId", job->id,
                               "outcome", "Succeeded", "outputVariables", "Big", big);
    free(big);
    job->answered = true;
    kit_request(&kit, job->pipeline, detail, NULL);
}

#define PIPE_USES_BIG                                                                              \
    "{\"name\":\"P\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\","                            \
    "\"artifactStore\":{\"type\":\"S3\",\"location\":\"artifacts\"},"                              \
    "\"pipelineType\":\"V2\",\"executionMode\":\"QUEUED\",\"stages\":[" PIPE_SOURCE_STAGE          \
    ",{\"name\":\"Build\",\"actions\":[{\"name\":\"Use\",\"actionTypeId\":{\"category\":"          \
    "\"Build\",\"owner\":\"AWS\",\"provider\":\"CodeBuild\",\"version\":\"1\"},"                   \
    "\"configuration\":{\"ProjectName\":\"p\",\"One\":\"#{SourceVariables.Big}\","                 \
    "\"Two\":\"#{SourceVariables.Big}\"},\"inputArtifacts\":[{\"name\":\"SourceOut\"}]}]}]}"

static void test_oversized_job_fails_its_action(void)
{
    /* The orchestrator runs with SLUICE_BUS_MESSAGE_MAX=65536: two copies of 40 KB do not fit. */
    const char *p = "oversized";
    use_script("Source", NULL);
    kit_define(&kit, p, PIPE_USES_BIG, 1);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    kit_job *src = kit_wait_job(&kit, x, "Source", WAIT_MS);
    REQUIRE(src != NULL);
    int before = log_count(0, "#{SourceVariables.Big}");
    answer_source_with_big(src, 40000);
    REQUIRE(kit_wait_event(&kit, 'A', x, "Build", "Use", "FAILED", WAIT_MS));
    REQUIRE(kit_wait_pipeline(&kit, x, "FAILED", WAIT_MS));
    CHECK_INT_EQ(kit_count_jobs(&kit, x, "Use"), 0); /* never published */
    CHECK(log_count(0, "#{SourceVariables.Big}") > before);
    CHECK(log_count(0, "SLUICE_BUS_MESSAGE_MAX") > 0);
    CHECK(log_count(0, "not carried out") == 0);

    /* The pipeline is not stuck: the next execution runs to the end. */
    char y[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, y));
    src = kit_wait_job(&kit, y, "Source", WAIT_MS);
    REQUIRE(src != NULL);
    answer_source_with_big(src, 100);
    REQUIRE(kit_wait_pipeline(&kit, y, "SUCCEEDED", WAIT_MS));
    CHECK_INT_EQ(kit_count_jobs(&kit, y, "Use"), 1);
}

/*
 * The common path carries an entry out from memory right after its save
 * (the outbox held nothing else): an execution runs through, the counter
 * of such entries grows with it, and its pipeline's outbox is left empty
 * (every entry acked through its id).
 */
static void test_outbox_from_memory(void)
{
    const char *p = "from-memory";
    use_script(NULL, NULL);
    kit_define(&kit, p, PIPE_THREE_STAGES("PARALLEL"), 1);
    double before = kit_metric(&kit, 0, "sluice_orchestrator_outbox_from_memory_total ");
    REQUIRE(before >= 0);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    REQUIRE(kit_wait_pipeline(&kit, x, "SUCCEEDED", WAIT_MS));
    kit_pump(&kit, 300); /* the last entry's ack follows its flush */
    double after = kit_metric(&kit, 0, "sluice_orchestrator_outbox_from_memory_total ");
    CHECK(after >= before + 3); /* at least the start and one entry per stage */
    char key[STATE_KEY_MAX + 1];
    REQUIRE(state_key_build(key, sizeof key, p, STATE_KEY_OUTBOX) == SLUICE_OK);
    redisReply *reply = NULL;
    REQUIRE(state_redis_command(kit.redis, STATE_REDIS_RETRY, &reply, "XLEN %s", key) == SLUICE_OK);
    CHECK(reply->type == REDIS_REPLY_INTEGER && reply->integer == 0);
    freeReplyObject(reply);
}

int main(void)
{
    kit_init(&kit, "orchflow");
    kit_orch_start(&kit, 0,
                   "SLUICE_BUS_MESSAGE_MAX=65536"); /* until the timeout test restarts it */
    RUN_TEST(test_oversized_job_fails_its_action);
    RUN_TEST(test_parallel_group_then_success);
    RUN_TEST(test_failure_then_retry);
    RUN_TEST(test_superseded);
    RUN_TEST(test_queued);
    RUN_TEST(test_parallel);
    RUN_TEST(test_stop_and_abandon);
    RUN_TEST(test_transitions);
    RUN_TEST(test_approval_and_timeout);
    RUN_TEST(test_stale_cache_conflict);
    RUN_TEST(test_outbox_from_memory);
    kit_free(&kit);
    return sluice_test_report();
}
