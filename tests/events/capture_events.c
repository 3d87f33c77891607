/*
 * capture_events.c — drives a real sluice-orchestrator through every state
 * CodePipeline reports and writes down every message Sluice published, for
 * test_events.py to hold against schemas/events/ and AWS's example events.
 *
 *   capture_events OUTPUT.jsonl
 *
 * Uses the orchestrator harness (orch_kit: real Kafka and Redis from the
 * integration_env fixture, a real sluice-orchestrator process). Besides the
 * kit's own consumers, four capture consumers with groups of their own read
 * the events, jobs, requests and dead-letter topics from the start and write
 * one JSON line per message:
 *   {"stream":"events"|"jobs"|"requests"|"deadletter","topic","partition",
 *    "offset","key":<text or null>,"payload":<the message as received, text>}
 * preceded by {"stream":"meta","prefix","group","pipeline"} and, for each
 * message published on purpose to be dead-lettered,
 *   {"stream":"injected","key","payload","why"}.
 *
 * One V2 pipeline (Source → Build [Compile ∥ Check] → Approve → Deploy) runs
 * through: success with an approval; a failed job, a retry (RESUMED) and a
 * rejected approval; stop and wait (STOPPING, STOPPED); stop and abandon
 * (ABANDONED); a superseded execution; an update of the pipeline cancelling
 * two executions (CANCELED); an approval timing out (the orchestrator's
 * TimerFired request). Jobs are answered the way a worker does: execution
 * details, output artifact locations, output variables, source revision.
 *
 * Exits 0 when every step happened as scripted and the capture is complete,
 * 1 otherwise, 2 on bad usage. Single-threaded.
 */
#include "orch_kit.h"
#include "sluice_test.h"
#include "testenv.h"

#include "sluice/bus_admin.h"
#include "sluice/bus_consumer.h"
#include "sluice/bus_envelope.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/protocol_names.h"
#include "sluice/protocol_arn.h"
#include "sluice/time.h"

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_MS         20000
#define DRAIN_MS        30000
#define QUIET_MS        1000
#define CAPTURE_STREAMS 4
#define ARTIFACT_BUCKET "sluice-artifacts"

/* Source → Build (Compile ∥ Check) → Approve (5-minute manual approval) → Deploy. */
#define DECLARATION                                                                                \
    "{\"roleArn\":\"arn:aws:iam::123456789012:role/sluice\","                                      \
    "\"artifactStore\":{\"type\":\"S3\",\"location\":\"" ARTIFACT_BUCKET "\"},"                    \
    "\"pipelineType\":\"V2\",\"executionMode\":\"SUPERSEDED\","                                    \
    "\"variables\":[{\"name\":\"Target\",\"defaultValue\":\"staging\"}],"                          \
    "\"stages\":["                                                                                 \
    "{\"name\":\"Source\",\"actions\":[{\"name\":\"Source\",\"actionTypeId\":{\"category\":"       \
    "\"Source\",\"owner\":\"AWS\",\"provider\":\"CodeCommit\",\"version\":\"1\"},"                 \
    "\"configuration\":{\"RepositoryName\":\"my-repo\",\"BranchName\":\"main\"},"                  \
    "\"outputArtifacts\":[{\"name\":\"SourceArtifact\"}],\"namespace\":\"SourceVariables\"}]},"    \
    "{\"name\":\"Build\",\"actions\":["                                                            \
    "{\"name\":\"Compile\",\"actionTypeId\":{\"category\":\"Build\",\"owner\":\"AWS\","            \
    "\"provider\":\"CodeBuild\",\"version\":\"1\"},\"configuration\":{\"ProjectName\":"            \
    "\"compile\"},\"inputArtifacts\":[{\"name\":\"SourceArtifact\"}],"                             \
    "\"outputArtifacts\":[{\"name\":\"BuildArtifact\"}]},"                                         \
    "{\"name\":\"Check\",\"actionTypeId\":{\"category\":\"Compute\",\"owner\":\"AWS\","            \
    "\"provider\":\"Commands\",\"version\":\"1\"},"                                                \
    "\"commands\":[\"make check TARGET=#{variables.Target}\"],"                                    \
    "\"environmentVariables\":[{\"name\":\"TARGET\",\"value\":\"#{variables.Target}\","            \
    "\"type\":\"PLAINTEXT\"}],\"inputArtifacts\":[{\"name\":\"SourceArtifact\"}],"                 \
    "\"outputVariables\":[\"CHECKED\"]}]},"                                                        \
    "{\"name\":\"Approve\",\"actions\":[{\"name\":\"Review\",\"timeoutInMinutes\":5,"              \
    "\"actionTypeId\":{\"category\":\"Approval\",\"owner\":\"AWS\",\"provider\":\"Manual\","       \
    "\"version\":\"1\"},"                                                                          \
    "\"configuration\":{\"CustomData\":\"Ship #{SourceVariables.CommitId}?\"}}]},"                 \
    "{\"name\":\"Deploy\",\"actions\":[{\"name\":\"Publish\",\"actionTypeId\":{\"category\":"      \
    "\"Deploy\",\"owner\":\"AWS\",\"provider\":\"S3\",\"version\":\"1\"},"                         \
    "\"configuration\":{\"BucketName\":\"releases\",\"Extract\":\"true\"},"                        \
    "\"inputArtifacts\":[{\"name\":\"BuildArtifact\"}]}]}]}"

static const char *const capture_stream_names[CAPTURE_STREAMS] = {"events", "jobs", "requests",
                                                                  "deadletter"};
static const bus_topics_kind capture_stream_topics[CAPTURE_STREAMS] = {
    BUS_TOPICS_EVENTS, BUS_TOPICS_JOBS, BUS_TOPICS_REQUESTS, BUS_TOPICS_DEADLETTER};

typedef struct capture capture;

/* What a capture consumer's handler gets: the capture and which stream it reads. */
typedef struct capture_sink {
    capture *cap;
    int stream;
} capture_sink;

struct capture {
    FILE *out;
    bool write_failed;
    bus_consumer *consumers[CAPTURE_STREAMS];
    capture_sink sinks[CAPTURE_STREAMS];
    size_t counts[CAPTURE_STREAMS];
    int64_t last_message_ms;
    char deadletter_topic[160]; /* where the capture consumers put what they cannot decode */
};

/* The run: the kit, the capture and how jobs are answered right now. */
typedef struct scenario {
    orch_kit *kit;
    capture *cap;
    char pipeline[101];
    const char *hold; /* jobs of this action wait for the scenario; NULL: none */
    const char *fail; /* jobs of this action fail; NULL: none */
} scenario;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "capture_events: %s: %s\n", what, detail != NULL ? detail : "");
    exit(1);
}

static const char *member_str(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

/* ---- capture ------------------------------------------------------------------------ */

static void capture_write(capture *cap, json_t *line)
{
    char *text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    if (text == NULL || fputs(text, cap->out) == EOF || fputc('\n', cap->out) == EOF) {
        cap->write_failed = true;
    }
    free(text);
}

static bus_consumer_verdict capture_on_message(const bus_consumer_message *msg, void *ctx,
                                               char *reason, size_t reasonlen)
{
    (void)reason;
    (void)reasonlen;
    capture_sink *sink = ctx;
    capture *cap = sink->cap;
    json_t *key = msg->key != NULL ? json_stringn(msg->key, msg->keylen) : json_null();
    json_t *payload = json_stringn(msg->payload, msg->len);
    json_t *line = json_pack("{s:s, s:s, s:i, s:I, s:o, s:o}", "stream",
                             capture_stream_names[sink->stream], "topic", msg->topic, "partition",
                             (int)msg->partition, "offset", (json_int_t)msg->offset, "key",
                             key != NULL ? key : json_string("<key is not UTF-8>"), "payload",
                             payload != NULL ? payload : json_string("<payload is not UTF-8>"));
    if (line == NULL) {
        die("capture", "out of memory");
    }
    capture_write(cap, line);
    cap->counts[sink->stream]++;
    cap->last_message_ms = kit_now_ms();
    return BUS_CONSUMER_DONE;
}

static void capture_open(capture *cap, orch_kit *kit, const char *path)
{
    memset(cap, 0, sizeof *cap);
    cap->out = fopen(path, "w");
    if (cap->out == NULL) {
        die("cannot write", path);
    }
    snprintf(cap->deadletter_topic, sizeof cap->deadletter_topic, "%scapture-deadletter",
             kit->prefix);
    const char *topics[1] = {cap->deadletter_topic};
    char err[512];
    if (bus_admin_create_topics(kit->brokers, topics, 1, 1, 1, 30000, err, sizeof err) !=
        SLUICE_OK) {
        die("create topic", err);
    }
    for (int i = 0; i < CAPTURE_STREAMS; i++) {
        char group[200];
        snprintf(group, sizeof group, "%s-capture-%s", kit->group, capture_stream_names[i]);
        const char *subscribe[1] = {bus_topics_get(&kit->topics, capture_stream_topics[i])};
        bus_consumer_config cfg;
        bus_consumer_config_init(&cfg);
        cfg.brokers = kit->brokers;
        cfg.group_id = group;
        cfg.client_id = "capture-events";
        cfg.topics = subscribe;
        cfg.ntopics = 1;
        cfg.session_timeout_ms = 6000;
        cfg.heartbeat_interval_ms = 1000;
        cfg.commit_interval_ms = 200;
        cfg.deadletter_topic = cap->deadletter_topic;
        cfg.deadletter_producer = kit->producer;
        cfg.source = "sluice.capture";
        if (bus_consumer_new(&cfg, &cap->consumers[i], err, sizeof err) != SLUICE_OK) {
            die("capture consumer", err);
        }
        cap->sinks[i].cap = cap;
        cap->sinks[i].stream = i;
    }
}

/* Runs every capture consumer once without waiting. */
static void capture_poll(capture *cap)
{
    for (int i = 0; i < CAPTURE_STREAMS; i++) {
        while (bus_consumer_run_once(cap->consumers[i], capture_on_message, &cap->sinks[i], 0) ==
               1) {
        }
    }
}

static bool capture_close(capture *cap)
{
    for (int i = 0; i < CAPTURE_STREAMS; i++) {
        bus_consumer_close(cap->consumers[i]);
        bus_consumer_free(cap->consumers[i]);
        cap->consumers[i] = NULL;
    }
    bool ok = !cap->write_failed && fflush(cap->out) == 0;
    if (fclose(cap->out) != 0) {
        ok = false;
    }
    cap->out = NULL;
    return ok;
}

/* ---- jobs answered as a worker would -------------------------------------------------- */

/* Sends the job's result: full execution details and artifact locations, or a failure. */
static void answer_job(orch_kit *kit, const json_t *job, bool succeed)
{
    const char *id = member_str(job, "jobId");
    const char *pipeline = member_str(job, "pipeline");
    const char *action = member_str(job, "action");
    if (id == NULL || pipeline == NULL || action == NULL) {
        die("job", "jobId, pipeline or action missing");
    }
    char external[160];
    snprintf(external, sizeof external, "%s-%.8s", action, id);
    json_t *detail = json_pack("{s:s, s:s, s:s}", "type", "JobResult", "jobId", id, "outcome",
                               succeed ? "Succeeded" : "Failed");
    if (!succeed) {
        json_object_set_new(detail, "failureDetails",
                            json_pack("{s:s, s:s, s:s}", "type", "JobFailed", "message",
                                      "2 tests failed", "externalExecutionId", external));
        kit_request(kit, pipeline, detail, NULL);
        return;
    }
    char url[400];
    snprintf(url, sizeof url, "https://ci.example.com/%s/%s/%s", pipeline, action, id);
    char summary[160];
    snprintf(summary, sizeof summary, "%s finished", action);
    json_object_set_new(detail, "executionDetails",
                        json_pack("{s:s, s:s, s:s}", "summary", summary, "externalExecutionId",
                                  external, "externalExecutionUrl", url));
    json_t *outputs = json_array();
    size_t i;
    json_t *out;
    json_array_foreach(json_object_get(job, "outputArtifacts"), i, out)
    {
        const char *name = member_str(out, "name");
        char key[400];
        snprintf(key, sizeof key, "%s/%s/%.8s", pipeline, name != NULL ? name : "", id);
        json_array_append_new(outputs,
                              json_pack("{s:s, s:s, s:s}", "name", name != NULL ? name : "",
                                        "bucket", ARTIFACT_BUCKET, "key", key));
    }
    json_object_set_new(detail, "outputArtifacts", outputs);
    const char *category = member_str(json_object_get(job, "actionTypeId"), "category");
    if (category != NULL && strcmp(category, "Source") == 0) {
        json_object_set_new(detail, "outputVariables",
                            json_pack("{s:s, s:s}", "CommitId", "8cf40f2", "BranchName", "main"));
        json_object_set_new(detail, "currentRevision",
                            json_pack("{s:s, s:s, s:f, s:s}", "revision", "8cf40f2",
                                      "changeIdentifier", "8cf40f2", "created",
                                      (double)(sluice_time_now_ms() / 1000), "revisionSummary",
                                      "Added LICENSE.txt"));
    } else {
        json_object_set_new(detail, "outputVariables", json_pack("{s:s}", "CHECKED", "yes"));
    }
    kit_request(kit, pipeline, detail, NULL);
}

static kit_job_answer scenario_policy(const json_t *job, void *ctx)
{
    const scenario *s = ctx;
    const char *action = member_str(job, "action");
    if (action == NULL) {
        return KIT_JOB_HOLD;
    }
    if (s->hold != NULL && strcmp(action, s->hold) == 0) {
        return KIT_JOB_HOLD;
    }
    answer_job(s->kit, job, s->fail == NULL || strcmp(action, s->fail) != 0);
    return KIT_JOB_HOLD; /* answered above, with the details the kit's own answer leaves out */
}

/* ---- helpers ------------------------------------------------------------------------- */

static void pump(scenario *s, int ms)
{
    int64_t until = kit_now_ms() + ms;
    do {
        kit_pump(s->kit, 10);
        capture_poll(s->cap);
    } while (kit_now_ms() < until);
}

/* Pumps until n events match (kind, execution, stage, action, state); false on timeout. */
static bool wait_count(scenario *s, char kind, const char *x, const char *stage, const char *action,
                       const char *state, size_t n)
{
    int64_t until = kit_now_ms() + WAIT_MS;
    while (kit_count(s->kit, kind, x, stage, action, state) < n) {
        if (kit_now_ms() >= until) {
            fprintf(stderr, "capture_events: no %zu %c event(s) %s/%s/%s in state %s\n", n, kind,
                    x != NULL ? x : "*", stage != NULL ? stage : "*", action != NULL ? action : "*",
                    state != NULL ? state : "*");
            return false;
        }
        pump(s, 10);
    }
    return true;
}

static bool wait_pipeline(scenario *s, const char *x, const char *state)
{
    return wait_count(s, 'P', x, NULL, NULL, state, 1);
}

/* Sends a request and waits for its reply; true when it succeeded. */
static bool call_ok(scenario *s, json_t *detail)
{
    char exception[128];
    const char *answer = kit_call(s->kit, s->pipeline, detail, exception, sizeof exception);
    if (answer == NULL || answer[0] != '\0') {
        fprintf(stderr, "capture_events: request refused: %s\n",
                answer != NULL ? answer : "no reply");
        return false;
    }
    return true;
}

/* Answers the pending approval of execution x. */
static bool approve(scenario *s, const char *x, const char *status, const char *summary)
{
    kit_job *job = kit_wait_job(s->kit, x, "Review", WAIT_MS);
    const char *token = job != NULL ? member_str(job->doc, "token") : NULL;
    if (token == NULL) {
        return false;
    }
    return call_ok(s, json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "type", "PutApprovalResult",
                                "stageName", "Approve", "actionName", "Review", "token", token,
                                "result", "status", status, "summary", summary));
}

static bool stop(scenario *s, const char *x, bool abandon, const char *reason)
{
    json_t *detail = json_pack("{s:s, s:s, s:b}", "type", "StopPipelineExecution",
                               "pipelineExecutionId", x, "abandon", abandon);
    if (reason != NULL) {
        json_object_set_new(detail, "reason", json_string(reason));
    }
    return call_ok(s, detail);
}

static void script(scenario *s, const char *hold, const char *fail)
{
    s->hold = hold;
    s->fail = fail;
}

static void write_meta(scenario *s)
{
    capture_write(s->cap,
                  json_pack("{s:s, s:s, s:s, s:s}", "stream", "meta", "prefix", s->kit->prefix,
                            "group", s->kit->group, "pipeline", s->pipeline));
}

/* Publishes payload on the requests topic and notes it as injected. */
static void inject(scenario *s, const char *payload, const char *why)
{
    const char *topic = bus_topics_get(&s->kit->topics, BUS_TOPICS_REQUESTS);
    if (bus_producer_send_sync(s->kit->producer, topic, s->pipeline, strlen(s->pipeline), payload,
                               strlen(payload), 10000) != SLUICE_OK) {
        die("inject", "not delivered");
    }
    capture_write(s->cap, json_pack("{s:s, s:s, s:s, s:s}", "stream", "injected", "key",
                                    s->pipeline, "payload", payload, "why", why));
}

/* ---- the scenario ---------------------------------------------------------------------- */

/* Messages the orchestrator must dead-letter: not an envelope; a request without a type. */
static void scenario_dead_letters(scenario *s)
{
    inject(s, "this is not an envelope", "not JSON");
    char id[SLUICE_UUID_LEN + 1];
    sluice_uuid_v4(id);
    char arn[PROTOCOL_ARN_MAX];
    (void)protocol_arn_pipeline(arn, sizeof arn, "us-east-1", "123456789012", s->pipeline);
    const char *resources[1] = {arn};
    json_t *detail = json_pack("{s:s}", "pipeline", s->pipeline);
    bus_envelope_spec spec = {
        .id = id,
        .detail_type = PROTOCOL_DETAIL_REQUEST,
        .source = "sluice.test",
        .account = "123456789012",
        .region = "us-east-1",
        .time_ms = sluice_time_now_ms(),
        .resources = resources,
        .nresources = 1,
        .detail = detail,
    };
    bus_envelope *env = NULL;
    char err[256];
    sluice_buf text;
    sluice_buf_init(&text, 1 << 16);
    if (bus_envelope_new(&spec, &env, err, sizeof err) != SLUICE_OK ||
        bus_envelope_encode(env, &text) != SLUICE_OK) {
        die("envelope", err);
    }
    inject(s, sluice_buf_cstr(&text), "request without a type");
    sluice_buf_free(&text);
    bus_envelope_free(env);
    json_decref(detail);
}

/* STARTED and SUCCEEDED at every level, an approval granted. */
static void scenario_success(scenario *s)
{
    script(s, NULL, NULL);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(s->kit, s->pipeline, x));
    REQUIRE(approve(s, x, "Approved", "looks good"));
    REQUIRE(wait_pipeline(s, x, "SUCCEEDED"));
    CHECK_INT_EQ(kit_count(s->kit, 'A', x, NULL, NULL, "SUCCEEDED"), 5);
}

/* A failed job fails stage and execution; a retry RESUMEs them; a rejection fails again. */
static void scenario_failure_and_retry(scenario *s)
{
    script(s, NULL, "Compile");
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(s->kit, s->pipeline, x));
    REQUIRE(wait_pipeline(s, x, "FAILED"));
    CHECK_INT_EQ(kit_count(s->kit, 'A', x, "Build", "Compile", "FAILED"), 1);
    CHECK_INT_EQ(kit_count(s->kit, 'S', x, "Build", NULL, "FAILED"), 1);
    script(s, NULL, NULL);
    REQUIRE(call_ok(s, json_pack("{s:s, s:s, s:s, s:s}", "type", "RetryStageExecution",
                                 "pipelineExecutionId", x, "stageName", "Build", "retryMode",
                                 "FAILED_ACTIONS")));
    REQUIRE(wait_pipeline(s, x, "RESUMED"));
    REQUIRE(approve(s, x, "Rejected", "not this one"));
    REQUIRE(wait_count(s, 'P', x, NULL, NULL, "FAILED", 2));
    CHECK_INT_EQ(kit_count(s->kit, 'S', x, "Build", NULL, "RESUMED"), 1);
    CHECK_INT_EQ(kit_count(s->kit, 'A', x, "Approve", "Review", "FAILED"), 1);
}

/* Stop and wait: STOPPING, the running job finishes, STOPPED. */
static void scenario_stop_and_wait(scenario *s)
{
    script(s, "Compile", NULL);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(s->kit, s->pipeline, x));
    kit_job *job = kit_wait_job(s->kit, x, "Compile", WAIT_MS);
    REQUIRE(job != NULL);
    REQUIRE(stop(s, x, false, "Stopping the pipeline for an update"));
    REQUIRE(wait_pipeline(s, x, "STOPPING"));
    answer_job(s->kit, job->doc, true);
    REQUIRE(wait_pipeline(s, x, "STOPPED"));
    CHECK_INT_EQ(kit_count(s->kit, 'S', x, "Build", NULL, "STOPPING"), 1);
    CHECK_INT_EQ(kit_count(s->kit, 'S', x, "Build", NULL, "STOPPED"), 1);
}

/* Stop and abandon: the running action is ABANDONED at once. */
static void scenario_stop_and_abandon(scenario *s)
{
    script(s, "Compile", NULL);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(s->kit, s->pipeline, x));
    REQUIRE(kit_wait_job(s->kit, x, "Compile", WAIT_MS) != NULL);
    REQUIRE(stop(s, x, true, NULL));
    REQUIRE(wait_pipeline(s, x, "STOPPED"));
    CHECK_INT_EQ(kit_count(s->kit, 'A', x, "Build", "Compile", "ABANDONED"), 1);
}

/* A waiting execution is SUPERSEDED; an update CANCELs the two still running. */
static void scenario_supersede_and_cancel(scenario *s)
{
    script(s, "Compile", NULL);
    char first[KIT_ID_LEN + 1];
    char second[KIT_ID_LEN + 1];
    char third[KIT_ID_LEN + 1];
    REQUIRE(kit_start(s->kit, s->pipeline, first));
    kit_job *held = kit_wait_job(s->kit, first, "Compile", WAIT_MS);
    REQUIRE(held != NULL);
    REQUIRE(kit_start(s->kit, s->pipeline, second));
    REQUIRE(wait_count(s, 'S', second, "Source", NULL, "SUCCEEDED", 1));
    REQUIRE(kit_start(s->kit, s->pipeline, third));
    REQUIRE(wait_pipeline(s, second, "SUPERSEDED"));
    answer_job(s->kit, held->doc, true);
    REQUIRE(kit_wait_job(s->kit, first, "Review", WAIT_MS) != NULL);
    REQUIRE(kit_wait_job(s->kit, third, "Compile", WAIT_MS) != NULL);
    kit_define(s->kit, s->pipeline, DECLARATION, 2);
    REQUIRE(wait_pipeline(s, first, "CANCELED"));
    REQUIRE(wait_pipeline(s, third, "CANCELED"));
    CHECK_INT_EQ(kit_count(s->kit, 'A', first, "Approve", "Review", "CANCELED"), 1);
    CHECK_INT_EQ(kit_count(s->kit, 'A', third, "Build", "Compile", "CANCELED"), 1);
    CHECK_INT_EQ(kit_count(s->kit, 'S', third, "Build", NULL, "CANCELED"), 1);
}

/*
 * An approval times out: the orchestrator, restarted six minutes ahead, fires
 * the action's timer (a TimerFired request) and the action fails.
 */
static void scenario_timeout(scenario *s)
{
    script(s, NULL, NULL);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(s->kit, s->pipeline, x));
    REQUIRE(kit_wait_job(s->kit, x, "Review", WAIT_MS) != NULL);
    pump(s, 300);
    kit_orch_kill(s->kit, 0, SIGTERM);
    kit_orch_start(s->kit, 0, "SLUICE_CLOCK_OFFSET_MS=360000");
    REQUIRE(wait_pipeline(s, x, "FAILED"));
    CHECK_INT_EQ(kit_count(s->kit, 'A', x, "Approve", "Review", "FAILED"), 1);
}

/* Reads the capture consumers until they hold at least what the kit saw, then a quiet spell. */
static void drain(scenario *s)
{
    int64_t until = kit_now_ms() + DRAIN_MS;
    capture *cap = s->cap;
    for (;;) {
        pump(s, 50);
        bool complete = cap->counts[0] >= s->kit->nevents && cap->counts[1] >= s->kit->njobs &&
                        cap->counts[2] > 0 && cap->counts[3] >= 2;
        if (complete && kit_now_ms() - cap->last_message_ms >= QUIET_MS) {
            break;
        }
        if (kit_now_ms() >= until) {
            fprintf(stderr,
                    "capture_events: capture incomplete: %zu events (kit %zu), %zu jobs (kit %zu), "
                    "%zu requests, %zu dead letters\n",
                    cap->counts[0], s->kit->nevents, cap->counts[1], s->kit->njobs, cap->counts[2],
                    cap->counts[3]);
            CHECK(complete);
            return;
        }
    }
    fprintf(stderr, "capture_events: %zu events, %zu jobs, %zu requests, %zu dead letters\n",
            cap->counts[0], cap->counts[1], cap->counts[2], cap->counts[3]);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: capture_events OUTPUT.jsonl\n");
        return 2;
    }
    static orch_kit kit;
    static capture cap;
    kit_init(&kit, "events");
    capture_open(&cap, &kit, argv[1]);
    scenario s = {.kit = &kit, .cap = &cap};
    snprintf(s.pipeline, sizeof s.pipeline, "%s-pipe", kit.group);
    kit.policy = scenario_policy;
    kit.policy_ctx = &s;
    write_meta(&s);
    kit_orch_start(&kit, 0, NULL);
    kit_define(&kit, s.pipeline, DECLARATION, 1);

    static void (*const steps[])(scenario *) = {
        scenario_dead_letters,  scenario_success,          scenario_failure_and_retry,
        scenario_stop_and_wait, scenario_stop_and_abandon, scenario_supersede_and_cancel,
        scenario_timeout,
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && sluice_test_failed == 0; i++) {
        steps[i](&s);
    }
    drain(&s);
    CHECK_INT_EQ(kit.duplicate_jobs, 0);

    bool written = capture_close(&cap);
    CHECK(written);
    kit_free(&kit);
    return sluice_test_report();
}
