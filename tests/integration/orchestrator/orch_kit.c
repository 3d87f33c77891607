/*
 * orch_kit.c — the orchestrator integration harness (see orch_kit.h).
 */
#include "orch_kit.h"

#include "testenv.h"

#include "sluice/bus_admin.h"
#include "sluice/bus_envelope.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/http_client.h"
#include "sluice/id.h"
#include "sluice/protocol_names.h"
#include "sluice/protocol_arn.h"
#include "sluice/state_key.h"
#include "sluice/time.h"

#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void kit_die(const char *what, const char *detail)
{
    fprintf(stderr, "orch_kit: %s: %s\n", what, detail != NULL ? detail : "");
    exit(2);
}

int64_t kit_now_ms(void)
{
    return sluice_time_monotonic_ms();
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src != NULL ? src : "");
}

static const char *detail_str(const json_t *detail, const char *name)
{
    return json_string_value(json_object_get(detail, name));
}

static void record_event(orch_kit *kit, const bus_envelope *env)
{
    char kind;
    if (strcmp(env->detail_type, PROTOCOL_DETAIL_PIPELINE_STATE) == 0) {
        kind = 'P';
    } else if (strcmp(env->detail_type, PROTOCOL_DETAIL_STAGE_STATE) == 0) {
        kind = 'S';
    } else if (strcmp(env->detail_type, PROTOCOL_DETAIL_ACTION_STATE) == 0) {
        kind = 'A';
    } else {
        return;
    }
    for (size_t i = 0; i < kit->nevents; i++) {
        if (strcmp(kit->event_log[i].id, env->id) == 0) {
            kit->duplicate_events++;
            return;
        }
    }
    if (kit->nevents == kit->event_cap) {
        kit->event_cap = kit->event_cap ? kit->event_cap * 2 : 256;
        kit->event_log = realloc(kit->event_log, kit->event_cap * sizeof *kit->event_log);
        if (kit->event_log == NULL) {
            kit_die("events", "out of memory");
        }
    }
    kit_event *e = &kit->event_log[kit->nevents++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    copy_str(e->id, sizeof e->id, env->id);
    copy_str(e->execution, sizeof e->execution, detail_str(env->detail, "execution-id"));
    copy_str(e->stage, sizeof e->stage, detail_str(env->detail, "stage"));
    copy_str(e->action, sizeof e->action, detail_str(env->detail, "action"));
    copy_str(e->state, sizeof e->state, detail_str(env->detail, "state"));
    json_t *attempt = json_object_get(env->detail, "pipeline-execution-attempt");
    e->attempt = json_is_integer(attempt) ? (long)json_integer_value(attempt) : 0;
    copy_str(
        e->summary, sizeof e->summary,
        detail_str(json_object_get(env->detail, "execution-result"), "external-execution-summary"));
}

static bus_consumer_verdict on_event(const bus_consumer_message *msg, void *ctx, char *reason,
                                     size_t reasonlen)
{
    (void)reason;
    (void)reasonlen;
    record_event(ctx, msg->envelope);
    return BUS_CONSUMER_DONE;
}

void kit_answer_job(orch_kit *kit, kit_job *job, bool succeed)
{
    json_t *detail = json_pack("{s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_JOB_RESULT, "jobId",
                               job->id, "outcome", succeed ? "Succeeded" : "Failed");
    if (succeed) {
        json_object_set_new(detail, "executionDetails",
                            json_pack("{s:s}", "summary", "done by the test runner"));
        json_object_set_new(detail, "outputVariables", json_pack("{s:s}", "RESULT", job->action));
    } else {
        json_object_set_new(
            detail, "failureDetails",
            json_pack("{s:s, s:s}", "type", "JobFailed", "message", "failed by the test runner"));
    }
    job->answered = true;
    kit_request(kit, job->pipeline, detail, NULL);
}

static bus_consumer_verdict on_job(const bus_consumer_message *msg, void *ctx, char *reason,
                                   size_t reasonlen)
{
    (void)reason;
    (void)reasonlen;
    orch_kit *kit = ctx;
    const json_t *doc = msg->envelope->detail;
    const char *id = detail_str(doc, "jobId");
    if (id == NULL) {
        return BUS_CONSUMER_DONE;
    }
    for (size_t i = 0; i < kit->njobs; i++) {
        if (strcmp(kit->job_log[i].id, id) == 0) {
            kit->duplicate_jobs++;
            return BUS_CONSUMER_DONE; /* an exact duplicate: already handled */
        }
    }
    if (kit->njobs == kit->job_cap) {
        kit->job_cap =
            kit->job_cap ? kit->job_cap * 2 : 8192; /* rarely grows: tests hold kit_job pointers */
        kit->job_log = realloc(kit->job_log, kit->job_cap * sizeof *kit->job_log);
        if (kit->job_log == NULL) {
            kit_die("jobs", "out of memory");
        }
    }
    kit_job *job = &kit->job_log[kit->njobs++];
    memset(job, 0, sizeof *job);
    copy_str(job->id, sizeof job->id, id);
    copy_str(job->execution, sizeof job->execution, detail_str(doc, "pipelineExecutionId"));
    copy_str(job->pipeline, sizeof job->pipeline, detail_str(doc, "pipeline"));
    copy_str(job->stage, sizeof job->stage, detail_str(doc, "stage"));
    copy_str(job->action, sizeof job->action, detail_str(doc, "action"));
    json_t *attempt = json_object_get(doc, "attempt");
    job->attempt = json_is_integer(attempt) ? (long)json_integer_value(attempt) : 0;
    job->doc = json_deep_copy(doc);
    const json_t *type = json_object_get(doc, "actionTypeId");
    if (strcmp(detail_str(type, "category") ? detail_str(type, "category") : "", "Approval") == 0) {
        return BUS_CONSUMER_DONE; /* approvals are answered through PutApprovalResult */
    }
    kit_job_answer answer =
        kit->policy != NULL ? kit->policy(doc, kit->policy_ctx) : KIT_JOB_SUCCEED;
    if (answer != KIT_JOB_HOLD) {
        kit_answer_job(kit, job, answer == KIT_JOB_SUCCEED);
    }
    return BUS_CONSUMER_DONE;
}

static bus_consumer *make_consumer(orch_kit *kit, const char *topic, const char *suffix)
{
    char group[160];
    snprintf(group, sizeof group, "%s-%s", kit->group, suffix);
    const char *topics[1] = {topic};
    bus_consumer_config cfg;
    bus_consumer_config_init(&cfg);
    cfg.brokers = kit->brokers;
    cfg.group_id = group;
    cfg.topics = topics;
    cfg.ntopics = 1;
    cfg.session_timeout_ms = 6000;
    cfg.heartbeat_interval_ms = 1000;
    cfg.commit_interval_ms = 200;
    cfg.deadletter_topic = bus_topics_get(&kit->topics, BUS_TOPICS_DEADLETTER);
    cfg.deadletter_producer = kit->producer;
    bus_consumer *c = NULL;
    char err[512];
    if (bus_consumer_new(&cfg, &c, err, sizeof err) != SLUICE_OK) {
        kit_die("consumer", err);
    }
    return c;
}

void kit_init(orch_kit *kit, const char *name)
{
    memset(kit, 0, sizeof *kit);
    signal(SIGPIPE, SIG_IGN);
    char unique[64];
    testenv_unique_name(name, unique, sizeof unique);
    snprintf(kit->prefix, sizeof kit->prefix, "%s.", unique);
    snprintf(kit->group, sizeof kit->group, "%s", unique);
    kit->brokers = testenv_require("SLUICE_TEST_KAFKA_BROKERS");
    char err[512];
    if (bus_topics_init(&kit->topics, kit->prefix, err, sizeof err) != SLUICE_OK) {
        kit_die("topics", err);
    }
    const char *all[BUS_TOPICS_COUNT];
    for (int i = 0; i < BUS_TOPICS_COUNT; i++) {
        all[i] = bus_topics_get(&kit->topics, (bus_topics_kind)i);
    }
    if (bus_admin_create_topics(kit->brokers, all, BUS_TOPICS_COUNT, 3, 1, 30000, err,
                                sizeof err) != SLUICE_OK) {
        kit_die("create topics", err);
    }
    state_redis_config rcfg;
    state_redis_config_init(&rcfg);
    rcfg.host = testenv_require("SLUICE_TEST_REDIS_HOST");
    rcfg.port = (int)strtol(testenv_require("SLUICE_TEST_REDIS_PORT"), NULL, 10);
    if (state_redis_new(&rcfg, &kit->redis, err, sizeof err) != SLUICE_OK) {
        kit_die("redis", err);
    }
    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = kit->brokers;
    pcfg.client_id = "orch-kit";
    pcfg.signer = testenv_bus_keys(); /* the orchestrator refuses unsigned requests */
    if (bus_producer_new(&pcfg, &kit->producer, err, sizeof err) != SLUICE_OK) {
        kit_die("producer", err);
    }
    kit->jobs = make_consumer(kit, bus_topics_get(&kit->topics, BUS_TOPICS_JOBS), "jobs");
    kit->events = make_consumer(kit, bus_topics_get(&kit->topics, BUS_TOPICS_EVENTS), "events");
}

void kit_orch_start(orch_kit *kit, int slot, const char *extra_env)
{
    char bin[1024];
    snprintf(bin, sizeof bin, "%s/services/orchestrator/sluice-orchestrator", testenv_binary_dir());
    char logdir[1024];
    snprintf(logdir, sizeof logdir, "%s/test-logs", testenv_binary_dir());
    mkdir(logdir, 0755);
    char log[1200];
    snprintf(log, sizeof log, "%s/%sorch%d.log", logdir, kit->prefix, slot);
    copy_str(kit->orch_extra_env[slot], sizeof kit->orch_extra_env[slot], extra_env);
    pid_t pid = fork();
    if (pid < 0) {
        kit_die("fork", strerror(errno));
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        setenv("SLUICE_KAFKA_BROKERS", kit->brokers, 1);
        setenv("SLUICE_TOPIC_PREFIX", kit->prefix, 1);
        setenv("SLUICE_TOPIC_PARTITIONS", "3", 1);
        setenv("SLUICE_REDIS_HOST", testenv_require("SLUICE_TEST_REDIS_HOST"), 1);
        setenv("SLUICE_REDIS_PORT", testenv_require("SLUICE_TEST_REDIS_PORT"), 1);
        setenv("SLUICE_ORCHESTRATOR_PORT", "0", 1);
        setenv("SLUICE_ORCHESTRATOR_GROUP", kit->group, 1);
        setenv("SLUICE_TIMER_POLL_MS", "50", 1);
        setenv("SLUICE_TIMER_LEASE_MS", "2000", 1);
        setenv("SLUICE_OUTBOX_SWEEP_MS", "1000", 1);
        setenv("SLUICE_LOG_LEVEL", "info", 1);
        setenv("SLUICE_KAFKA_SESSION_TIMEOUT_MS", "6000", 1);
        setenv("SLUICE_BUS_KEY_FILE", testenv_require("SLUICE_TEST_BUS_KEY_FILE"), 1);
        setenv("SLUICE_ORCHESTRATOR_ID_KEY_FILE",
               testenv_require("SLUICE_TEST_ORCHESTRATOR_ID_KEY_FILE"), 1);
        char instance[32];
        snprintf(instance, sizeof instance, "orch%d", slot);
        setenv("SLUICE_ORCHESTRATOR_INSTANCE", instance, 1);
        if (extra_env != NULL && strchr(extra_env, '=') != NULL) {
            putenv(kit->orch_extra_env[slot]);
        }
        execl(bin, "sluice-orchestrator", (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    kit->orch[slot] = pid;
}

void kit_orch_kill(orch_kit *kit, int slot, int sig)
{
    if (kit->orch[slot] <= 0) {
        return;
    }
    kill(kit->orch[slot], sig);
    int status;
    waitpid(kit->orch[slot], &status, 0);
    kit->orch[slot] = 0;
}

void kit_free(orch_kit *kit)
{
    for (int i = 0; i < KIT_MAX_ORCH; i++) {
        kit_orch_kill(kit, i, SIGTERM);
    }
    bus_consumer_close(kit->jobs);
    bus_consumer_free(kit->jobs);
    bus_consumer_close(kit->events);
    bus_consumer_free(kit->events);
    bus_producer_free(kit->producer);
    state_redis_free(kit->redis);
    if (kit->group_reader != NULL) {
        rd_kafka_destroy(kit->group_reader);
    }
    for (size_t i = 0; i < kit->njobs; i++) {
        json_decref(kit->job_log[i].doc);
    }
    free(kit->job_log);
    free(kit->event_log);
    memset(kit, 0, sizeof *kit);
}

static void publish_request(orch_kit *kit, const char *pipeline, const char *id, json_t *detail)
{
    char arn[PROTOCOL_ARN_MAX];
    (void)protocol_arn_pipeline(arn, sizeof arn, "us-east-1", "123456789012", pipeline);
    const char *resources[1] = {arn};
    bus_envelope_spec spec = {
        .id = id,
        .detail_type = strcmp(json_string_value(json_object_get(detail, "type")),
                              PROTOCOL_REQUEST_JOB_RESULT) == 0
                           ? PROTOCOL_DETAIL_JOB_RESULT
                           : PROTOCOL_DETAIL_REQUEST,
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
    if (bus_envelope_new(&spec, &env, err, sizeof err) != SLUICE_OK) {
        kit_die("request envelope", err);
    }
    sluice_buf text;
    sluice_buf_init(&text, 1 << 20);
    if (bus_envelope_encode(env, &text) != SLUICE_OK ||
        bus_producer_send_sync(kit->producer, bus_topics_get(&kit->topics, BUS_TOPICS_REQUESTS),
                               pipeline, strlen(pipeline), text.data, text.len,
                               10000) != SLUICE_OK) {
        kit_die("request", "not delivered");
    }
    sluice_buf_free(&text);
    bus_envelope_free(env);
}

void kit_request(orch_kit *kit, const char *pipeline, json_t *detail,
                 char request_id[KIT_ID_LEN + 1])
{
    char id[KIT_ID_LEN + 1];
    sluice_uuid_v4(id);
    json_object_set_new(detail, "pipeline", json_string(pipeline));
    json_object_set_new(detail, "requestId", json_string(id));
    json_object_set_new(detail, "requestedBy", json_string("arn:aws:iam::123456789012:user/test"));
    publish_request(kit, pipeline, id, detail);
    json_decref(detail);
    if (request_id != NULL) {
        memcpy(request_id, id, sizeof id);
    }
}

void kit_define(orch_kit *kit, const char *pipeline, const char *declaration_json, int version)
{
    char suffix[32];
    char key[STATE_KEY_MAX + 1];
    snprintf(suffix, sizeof suffix, "%s:v%d", STATE_KEY_DEFINITION, version);
    state_key_build(key, sizeof key, pipeline, suffix);
    json_error_t jerr;
    json_t *decl = json_loads(declaration_json, 0, &jerr);
    if (decl == NULL) {
        kit_die("declaration", jerr.text);
    }
    json_object_set_new(decl, "version", json_integer(version));
    json_object_set_new(decl, "name", json_string(pipeline));
    json_t *doc = json_pack("{s:o}", "pipeline", decl);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    redisReply *reply = NULL;
    if (state_redis_command(kit->redis, STATE_REDIS_RETRY, &reply, "SET %s %s", key, text) !=
        SLUICE_OK) {
        kit_die("define", state_redis_last_error(kit->redis));
    }
    freeReplyObject(reply);
    free(text);
    kit_request(kit, pipeline,
                json_pack("{s:s, s:i}", "type", "PipelineUpdated", "version", version), NULL);
}

void kit_pump(orch_kit *kit, int ms)
{
    int64_t until = kit_now_ms() + ms;
    do {
        bus_consumer_run_once(kit->jobs, on_job, kit, 5);
        bus_consumer_run_once(kit->events, on_event, kit, 5);
        bus_producer_poll(kit->producer, 0);
    } while (kit_now_ms() < until);
}

json_t *kit_reply(orch_kit *kit, const char *pipeline, const char *request_id, int timeout_ms)
{
    char suffix[64];
    char key[STATE_KEY_MAX + 1];
    snprintf(suffix, sizeof suffix, "%s%s", STATE_KEY_REPLY_PREFIX, request_id);
    state_key_build(key, sizeof key, pipeline, suffix);
    int64_t until = kit_now_ms() + timeout_ms;
    while (kit_now_ms() < until) {
        redisReply *reply = NULL;
        if (state_redis_command(kit->redis, STATE_REDIS_NO_RETRY, &reply, "LPOP %s", key) ==
            SLUICE_OK) {
            json_t *doc = NULL;
            if (reply->type == REDIS_REPLY_STRING) {
                json_error_t jerr;
                doc = json_loadb(reply->str, reply->len, 0, &jerr);
            }
            freeReplyObject(reply);
            if (doc != NULL) {
                return doc;
            }
        }
        kit_pump(kit, 10);
    }
    return NULL;
}

const char *kit_call(orch_kit *kit, const char *pipeline, json_t *detail, char *buf, size_t buflen)
{
    char id[KIT_ID_LEN + 1];
    kit_request(kit, pipeline, detail, id);
    json_t *reply = kit_reply(kit, pipeline, id, 20000);
    if (reply == NULL) {
        return NULL;
    }
    copy_str(buf, buflen, json_string_value(json_object_get(reply, "exception")));
    json_decref(reply);
    return buf;
}

bool kit_start(orch_kit *kit, const char *pipeline, char execution[KIT_ID_LEN + 1])
{
    char id[KIT_ID_LEN + 1];
    kit_request(kit, pipeline, json_pack("{s:s}", "type", "StartPipelineExecution"), id);
    json_t *reply = kit_reply(kit, pipeline, id, 20000);
    if (reply == NULL) {
        fprintf(stderr, "orch_kit: no reply to StartPipelineExecution of %s\n", pipeline);
        return false;
    }
    const char *exec =
        json_string_value(json_object_get(json_object_get(reply, "body"), "pipelineExecutionId"));
    bool ok = exec != NULL;
    if (ok) {
        copy_str(execution, KIT_ID_LEN + 1, exec);
    } else {
        char *text = json_dumps(reply, JSON_COMPACT);
        fprintf(stderr, "orch_kit: StartPipelineExecution of %s: %s\n", pipeline, text);
        free(text);
    }
    json_decref(reply);
    return ok;
}

static bool event_matches(const kit_event *e, char kind, const char *execution, const char *stage,
                          const char *action, const char *state)
{
    return e->kind == kind && (execution == NULL || strcmp(e->execution, execution) == 0) &&
           (stage == NULL || strcmp(e->stage, stage) == 0) &&
           (action == NULL || strcmp(e->action, action) == 0) &&
           (state == NULL || strcmp(e->state, state) == 0);
}

size_t kit_count(const orch_kit *kit, char kind, const char *execution, const char *stage,
                 const char *action, const char *state)
{
    size_t n = 0;
    for (size_t i = 0; i < kit->nevents; i++) {
        n += event_matches(&kit->event_log[i], kind, execution, stage, action, state);
    }
    return n;
}

long kit_index(const orch_kit *kit, char kind, const char *execution, const char *stage,
               const char *action, const char *state)
{
    for (size_t i = 0; i < kit->nevents; i++) {
        if (event_matches(&kit->event_log[i], kind, execution, stage, action, state)) {
            return (long)i;
        }
    }
    return -1;
}

bool kit_wait_event(orch_kit *kit, char kind, const char *execution, const char *stage,
                    const char *action, const char *state, int timeout_ms)
{
    int64_t until = kit_now_ms() + timeout_ms;
    while (kit_count(kit, kind, execution, stage, action, state) == 0) {
        if (kit_now_ms() >= until) {
            fprintf(stderr, "orch_kit: no %c event %s/%s/%s in state %s\n", kind,
                    execution ? execution : "*", stage ? stage : "*", action ? action : "*",
                    state ? state : "*");
            return false;
        }
        kit_pump(kit, 10);
    }
    return true;
}

bool kit_wait_pipeline(orch_kit *kit, const char *execution, const char *state, int timeout_ms)
{
    return kit_wait_event(kit, 'P', execution, NULL, NULL, state, timeout_ms);
}

kit_job *kit_wait_job(orch_kit *kit, const char *execution, const char *action, int timeout_ms)
{
    int64_t until = kit_now_ms() + timeout_ms;
    for (;;) {
        for (size_t i = kit->njobs; i > 0; i--) {
            kit_job *job = &kit->job_log[i - 1];
            if ((execution == NULL || strcmp(job->execution, execution) == 0) &&
                strcmp(job->action, action) == 0) {
                return job;
            }
        }
        if (kit_now_ms() >= until) {
            fprintf(stderr, "orch_kit: no job for action %s\n", action);
            return NULL;
        }
        kit_pump(kit, 10);
    }
}

size_t kit_count_jobs(const orch_kit *kit, const char *execution, const char *action)
{
    size_t n = 0;
    for (size_t i = 0; i < kit->njobs; i++) {
        const kit_job *job = &kit->job_log[i];
        n += (execution == NULL || strcmp(job->execution, execution) == 0) &&
             (action == NULL || strcmp(job->action, action) == 0);
    }
    return n;
}

int32_t kit_partition_of(const char *pipeline)
{
    return rd_kafka_msg_partitioner_consistent(NULL, pipeline, strlen(pipeline), 3, NULL, NULL);
}

void kit_name_in_partition(int32_t partition, const char *prefix, char *out, size_t outlen)
{
    for (int i = 0; i < 1000; i++) {
        snprintf(out, outlen, "%s-%d", prefix, i);
        if (kit_partition_of(out) == partition) {
            return;
        }
    }
}

bool kit_offsets(orch_kit *kit, int32_t partition, int64_t *committed, int64_t *end)
{
    if (kit->group_reader == NULL) {
        char err[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", kit->brokers, err, sizeof err) !=
                RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "group.id", kit->group, err, sizeof err) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) !=
                RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            return false;
        }
        kit->group_reader =
            rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err); /* never joins */
        if (kit->group_reader == NULL) {
            return false;
        }
    }
    rd_kafka_t *rk = kit->group_reader;
    const char *topic = bus_topics_get(&kit->topics, BUS_TOPICS_REQUESTS);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic, partition);
    bool ok = rd_kafka_committed(rk, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
              list->elems[0].err == RD_KAFKA_RESP_ERR_NO_ERROR;
    *committed = list->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(list);
    int64_t low = 0;
    return ok && rd_kafka_query_watermark_offsets(rk, topic, partition, &low, end, 10000) ==
                     RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Sets the topic's max.message.bytes through the admin API. */
bool kit_topic_max_bytes(orch_kit *kit, const char *topic, const char *bytes)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", kit->brokers, err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return false;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "admin: %s\n", err);
        return false;
    }
    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
    rd_kafka_ConfigResource_set_config(res, "max.message.bytes", bytes);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AlterConfigs(rk, &res, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    bool ok = false;
    if (ev != NULL && rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        size_t n = 0;
        const rd_kafka_ConfigResource_t **rs =
            rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
        ok = n == 1 && rd_kafka_ConfigResource_error(rs[0]) == RD_KAFKA_RESP_ERR_NO_ERROR;
        if (!ok && n == 1) {
            fprintf(stderr, "alter configs: %s\n", rd_kafka_ConfigResource_error_string(rs[0]));
        }
    } else if (ev != NULL) {
        fprintf(stderr, "alter configs: %s\n", rd_kafka_event_error_string(ev));
    }
    if (ev != NULL) {
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_ConfigResource_destroy(res);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return ok;
}

double kit_metric(orch_kit *kit, int slot, const char *series)
{
    char log[1200];
    snprintf(log, sizeof log, "%s/test-logs/%sorch%d.log", testenv_binary_dir(), kit->prefix, slot);
    sluice_buf text;
    sluice_buf_init(&text, 1 << 24);
    double value = -1;
    const char *at = NULL;
    if (sluice_fs_read_file(log, &text) == SLUICE_OK) {
        /* The last start's port: a restarted orchestrator appends to the same log. */
        for (const char *next = strstr(sluice_buf_cstr(&text), "health on http://"); next != NULL;
             next = strstr(next + 1, "health on http://")) {
            at = next;
        }
    }
    if (at != NULL) {
        char url[128];
        size_t n = strcspn(at + strlen("health on "), "\" \n");
        snprintf(url, sizeof url, "%.*s/metrics", (int)n, at + strlen("health on "));
        http_client_config cfg;
        http_client_config_defaults(&cfg);
        char err[256];
        http_client *client = http_client_new(&cfg, err, sizeof err);
        http_client_response resp;
        if (client != NULL && http_client_get(client, url, &resp, err, sizeof err) == SLUICE_OK &&
            resp.status == 200) {
            /* A sample's line starts with its series (the # HELP line names it too). */
            const char *body = sluice_buf_cstr(&resp.body);
            size_t len = strlen(series);
            for (const char *line = body; line != NULL && *line != '\0';
                 line = strchr(line, '\n') != NULL ? strchr(line, '\n') + 1 : NULL) {
                if (strncmp(line, series, len) == 0) {
                    value = strtod(line + len, NULL);
                    break;
                }
            }
        }
        if (client != NULL) {
            http_client_response_free(&resp);
        }
        http_client_free(client);
    }
    sluice_buf_free(&text);
    return value;
}
