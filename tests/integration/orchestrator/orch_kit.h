/*
 * orch_kit.h — a harness for the orchestrator's integration tests: real
 * Kafka and Redis from the fixture, real sluice-orchestrator processes, and a
 * scripted job runner that answers jobs the way each test says.
 *
 * A kit owns a unique topic prefix (so tests never see each other's
 * messages), a Redis connection, a producer for requests (signed with the
 * fixture's bus key, which the orchestrators it starts hold), and consumers of the
 * jobs and events topics that record everything they see. kit_pump drives
 * both consumers; jobs are answered by the policy at once unless it says
 * KIT_JOB_HOLD, in which case the test answers later with kit_answer_job.
 */
#ifndef SLUICE_TEST_ORCH_KIT_H
#define SLUICE_TEST_ORCH_KIT_H

#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"
#include "sluice/state_redis.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KIT_MAX_ORCH 4
#define KIT_ID_LEN   36

typedef enum kit_job_answer {
    KIT_JOB_SUCCEED = 0,
    KIT_JOB_FAIL,
    KIT_JOB_HOLD, /* keep it running; the test answers with kit_answer_job */
} kit_job_answer;

/* Decides what happens to a job (the job document: "action", "stage", "attempt", ...). */
typedef kit_job_answer (*kit_job_policy)(const json_t *job, void *ctx);

typedef struct kit_event {
    char kind; /* 'P' pipeline, 'S' stage, 'A' action */
    char execution[KIT_ID_LEN + 1];
    char stage[101];
    char action[101];
    char state[16];
    char id[KIT_ID_LEN + 1];
    long attempt;       /* pipeline-execution-attempt, 0 if absent */
    char summary[1100]; /* execution-result.external-execution-summary (actions), "" if absent */
} kit_event;

typedef struct kit_job {
    char id[KIT_ID_LEN + 1];
    char execution[KIT_ID_LEN + 1];
    char pipeline[101];
    char stage[101];
    char action[101];
    long attempt;
    bool answered;
    json_t *doc;
} kit_job;

typedef struct orch_kit {
    char prefix[64];
    char group[96];
    bus_topics topics;
    const char *brokers;
    state_redis *redis;
    bus_producer *producer;
    bus_consumer *jobs;
    bus_consumer *events;
    pid_t orch[KIT_MAX_ORCH];
    char orch_extra_env[KIT_MAX_ORCH][128];
    kit_job_policy policy;
    void *policy_ctx;
    kit_event *event_log;
    size_t nevents, event_cap;
    kit_job *job_log;
    size_t njobs, job_cap;
    size_t duplicate_events; /* events whose id was seen before */
    size_t duplicate_jobs;   /* jobs whose id was seen before (exact duplicates) */
    void *group_reader;      /* rd_kafka_t * reading the group's offsets (kit_offsets); owned */
} orch_kit;

/* Sets up a kit named after the test (exits the test on failure). */
void kit_init(orch_kit *kit, const char *name);

/*
 * The value of series ("name{labels} ", as /metrics prints it) on the
 * orchestrator of slot, its port read from its log; -1 when not found.
 */
double kit_metric(orch_kit *kit, int slot, const char *series);

/* Stops every orchestrator and frees the kit. */
void kit_free(orch_kit *kit);

/* Starts sluice-orchestrator replica slot (0..KIT_MAX_ORCH-1); extra_env "NAME=VALUE" or NULL. */
void kit_orch_start(orch_kit *kit, int slot, const char *extra_env);

/* Sends sig to replica slot and reaps it. */
void kit_orch_kill(orch_kit *kit, int slot, int sig);

/* Stores declaration (a "pipeline" object as JSON text) as version and tells the orchestrator. */
void kit_define(orch_kit *kit, const char *pipeline, const char *declaration_json, int version);

/* Publishes a request (detail gets "pipeline" and "requestId"); request_id out may be NULL. */
void kit_request(orch_kit *kit, const char *pipeline, json_t *detail,
                 char request_id[KIT_ID_LEN + 1]);

/* Waits for the reply to request_id while pumping; NULL on timeout. Caller decrefs. */
json_t *kit_reply(orch_kit *kit, const char *pipeline, const char *request_id, int timeout_ms);

/* StartPipelineExecution, waits for the reply; writes the execution id. Returns false on failure.
 */
bool kit_start(orch_kit *kit, const char *pipeline, char execution[KIT_ID_LEN + 1]);

/* Sends a request and returns the exception of the reply ("" when it succeeded, NULL on timeout).
 */
const char *kit_call(orch_kit *kit, const char *pipeline, json_t *detail, char *buf, size_t buflen);

/* Runs the job and event consumers for about ms milliseconds. */
void kit_pump(orch_kit *kit, int ms);

/* Pumps until a pipeline event with state arrives for execution; false on timeout. */
bool kit_wait_pipeline(orch_kit *kit, const char *execution, const char *state, int timeout_ms);

/* Pumps until an event matching (as kit_count) has arrived; false on timeout. */
bool kit_wait_event(orch_kit *kit, char kind, const char *execution, const char *stage,
                    const char *action, const char *state, int timeout_ms);

/* Pumps until a job of action (in execution, attempt >= 1 or 0 for any) is seen; returns it or
 * NULL. */
kit_job *kit_wait_job(orch_kit *kit, const char *execution, const char *action, int timeout_ms);

/* Answers a held job. */
void kit_answer_job(orch_kit *kit, kit_job *job, bool succeed);

/* Counts recorded events matching (kind, execution or NULL, stage or NULL, action or NULL, state or
 * NULL). */
size_t kit_count(const orch_kit *kit, char kind, const char *execution, const char *stage,
                 const char *action, const char *state);

/* Index of the first matching event, or -1. */
long kit_index(const orch_kit *kit, char kind, const char *execution, const char *stage,
               const char *action, const char *state);

/* Counts jobs seen for (execution or NULL, action or NULL). */
size_t kit_count_jobs(const orch_kit *kit, const char *execution, const char *action);

/* The partition of the requests topic a pipeline's requests go to (librdkafka's default). */
int32_t kit_partition_of(const char *pipeline);

/* Writes "<prefix>-<n>" for the smallest n whose requests go to partition. */
void kit_name_in_partition(int32_t partition, const char *prefix, char *out, size_t outlen);

/*
 * The orchestrators' consumer group's committed offset of partition of the
 * requests topic (-1001 when none) and the partition's end. false on error.
 */
bool kit_offsets(orch_kit *kit, int32_t partition, int64_t *committed, int64_t *end);

/* Sets the topic's max.message.bytes through the admin API (bytes as text). false on error. */
bool kit_topic_max_bytes(orch_kit *kit, const char *topic, const char *bytes);

/* Milliseconds of the monotonic clock. */
int64_t kit_now_ms(void);

#endif
