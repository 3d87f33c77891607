/*
 * bench_runner.c — the benchmark's instant job runner (see bench_runner.h).
 */
#include "bench_runner.h"

#include "bench_envelope.h"

#include "sluice/bus_consumer.h"
#include "sluice/bus_envelope.h"
#include "sluice/bus_producer.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/protocol_names.h"
#include "sluice/protocol_arn.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNNER_ID_MAX          64
#define RUNNER_ENVELOPE_MAX    (64 * 1024)
#define RUNNER_JOB_DETAIL_TYPE PROTOCOL_DETAIL_JOB
#define RUNNER_BATCH_MAX       256  /* jobs handled, and their answers sent, together */
#define RUNNER_FLUSH_MS        5000 /* longest wait for a batch's answers to be acknowledged */
#define RUNNER_LINGER_MS       5    /* the flush after each batch sends them; no send on its own */

typedef struct runner_exec {
    char id[RUNNER_ID_MAX + 1]; /* "" for a free slot */
    int pipeline;
    int answered;      /* index of the last stage answered, -1 for none */
    int64_t result_ns; /* when that answer was published; 0 when none is pending */
} runner_exec;

struct bench_runner {
    bench_runner_config cfg;
    bus_producer *producer;
    bus_consumer *consumer;
    runner_exec *table;
    bench_stats *record;    /* borrowed; NULL when not recording */
    bench_stats *record_at; /* borrowed: when each sample was taken (monotonic ns), or NULL */
    bool refill;
    sluice_buf text;
    size_t unflushed; /* sends queued since the last flush */
    bench_runner_counters counters;
};

static uint32_t runner_hash(const char *s)
{
    uint32_t hash = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        hash = (hash ^ *p) * 16777619u;
    }
    return hash;
}

/* The slot of id, inserted when missing; NULL when the table is full or id too long. */
static runner_exec *runner_slot(bench_runner *r, const char *id, bool *fresh)
{
    size_t len = strlen(id);
    if (len == 0 || len > RUNNER_ID_MAX) {
        return NULL;
    }
    if (r->counters.executions * 4 >= (size_t)BENCH_RUNNER_TABLE_SLOTS * 3) {
        return NULL;
    }
    size_t mask = BENCH_RUNNER_TABLE_SLOTS - 1;
    for (size_t i = runner_hash(id) & mask;; i = (i + 1) & mask) {
        runner_exec *e = &r->table[i];
        if (e->id[0] == '\0') {
            memcpy(e->id, id, len + 1);
            e->pipeline = -1;
            e->answered = -1;
            e->result_ns = 0;
            r->counters.executions++;
            *fresh = true;
            return e;
        }
        if (strcmp(e->id, id) == 0) {
            *fresh = false;
            return e;
        }
    }
}

static int runner_index(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; name != NULL && i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Wraps detail in an envelope and queues it on the requests topic, keyed by pipeline. */
static int runner_send(bench_runner *r, const char *pipeline, const char *detail_type,
                       const char *source, json_t *detail)
{
    char id[SLUICE_UUID_LEN + 1];
    char arn[PROTOCOL_ARN_MAX];
    (void)protocol_arn_pipeline(arn, sizeof arn, r->cfg.region, r->cfg.account, pipeline);
    const char *resources[1] = {arn};
    bus_envelope_spec spec = {
        .detail_type = detail_type,
        .source = source,
        .account = r->cfg.account,
        .region = r->cfg.region,
        .resources = resources,
        .nresources = 1,
        .detail = detail,
    };
    int rc = bench_envelope_encode(&spec, id, &r->text);
    if (rc == SLUICE_OK) {
        rc = bus_producer_send(r->producer, bus_topics_get(r->cfg.topics, BUS_TOPICS_REQUESTS),
                               pipeline, strlen(pipeline), r->text.data, r->text.len, NULL);
    }
    if (rc != SLUICE_OK) {
        r->counters.errors++;
        fprintf(stderr, "bench runner: cannot send to %s: %s\n", pipeline, sluice_strerror(rc));
        return -1;
    }
    r->unflushed++;
    return 0;
}

int bench_runner_request(bench_runner *r, size_t index, json_t *detail)
{
    if (index >= r->cfg.npipelines) {
        return -1;
    }
    const char *pipeline = r->cfg.pipelines[index];
    json_object_set_new(detail, "pipeline", json_string(pipeline));
    return runner_send(r, pipeline, PROTOCOL_DETAIL_REQUEST, PROTOCOL_SOURCE_API, detail);
}

int bench_runner_start(bench_runner *r, size_t index)
{
    if (index >= r->cfg.npipelines) {
        return -1;
    }
    const char *pipeline = r->cfg.pipelines[index];
    char request[SLUICE_UUID_LEN + 1];
    sluice_uuid_v4(request);
    json_t *detail =
        json_pack("{s:s, s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_START, "pipeline", pipeline,
                  "requestId", request, "requestedBy", "arn:aws:iam::123456789012:user/bench");
    int rc = runner_send(r, pipeline, PROTOCOL_DETAIL_REQUEST, PROTOCOL_SOURCE_API, detail);
    json_decref(detail);
    if (rc == 0) {
        r->counters.starts++;
    }
    return rc;
}

static int runner_answer(bench_runner *r, const char *pipeline, const char *job_id)
{
    json_t *detail = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "type", PROTOCOL_REQUEST_JOB_RESULT,
                               "pipeline", pipeline, "jobId", job_id, "outcome", "Succeeded",
                               "executionDetails", "summary", "answered by the benchmark");
    int rc = runner_send(r, pipeline, PROTOCOL_DETAIL_JOB_RESULT, PROTOCOL_SOURCE_WORKER, detail);
    json_decref(detail);
    if (rc == 0) {
        r->counters.results++;
    }
    return rc;
}

static bus_consumer_verdict runner_on_job(bench_runner *r, const bus_consumer_message *msg)
{
    int64_t seen = sluice_time_monotonic_ns();
    if (strcmp(msg->envelope->detail_type, RUNNER_JOB_DETAIL_TYPE) != 0) {
        return BUS_CONSUMER_DONE;
    }
    const json_t *doc = msg->envelope->detail;
    const char *execution = json_string_value(json_object_get(doc, "pipelineExecutionId"));
    const char *job_id = json_string_value(json_object_get(doc, "jobId"));
    int pipeline = runner_index(r->cfg.pipelines, r->cfg.npipelines,
                                json_string_value(json_object_get(doc, "pipeline")));
    int stage = runner_index(r->cfg.stages, r->cfg.nstages,
                             json_string_value(json_object_get(doc, "stage")));
    if (execution == NULL || job_id == NULL || pipeline < 0 || stage < 0) {
        return BUS_CONSUMER_DONE; /* not one of ours */
    }
    bool fresh = false;
    runner_exec *e = runner_slot(r, execution, &fresh);
    if (e == NULL) {
        fprintf(stderr, "bench runner: execution table full\n");
        return BUS_CONSUMER_DONE;
    }
    if (stage <= e->answered) {
        r->counters.duplicates++;
        return BUS_CONSUMER_DONE;
    }
    e->pipeline = pipeline;
    r->counters.jobs++;
    if (e->result_ns != 0) {
        r->counters.transitions++;
        if (r->record != NULL) {
            bench_stats_add(r->record, seen - e->result_ns);
            if (r->record_at != NULL) {
                bench_stats_add(r->record_at, seen);
            }
        }
    }
    e->answered = stage;
    e->result_ns = sluice_time_monotonic_ns();
    if (runner_answer(r, r->cfg.pipelines[pipeline], job_id) != 0) {
        return BUS_CONSUMER_DONE;
    }
    if ((size_t)stage + 1 == r->cfg.nstages) {
        e->result_ns = 0;
        r->counters.completed++;
        if (r->refill) {
            (void)bench_runner_start(r, (size_t)pipeline);
        }
    }
    return BUS_CONSUMER_DONE;
}

int bench_runner_new(const bench_runner_config *cfg, bench_runner **out, char *err, size_t errlen)
{
    *out = NULL;
    bench_runner *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->cfg = *cfg;
    sluice_buf_init(&r->text, RUNNER_ENVELOPE_MAX);
    r->table = calloc(BENCH_RUNNER_TABLE_SLOTS, sizeof *r->table);
    if (r->table == NULL) {
        snprintf(err, errlen, "out of memory");
        bench_runner_free(r);
        return -1;
    }
    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = cfg->brokers;
    pcfg.client_id = "sluice-bench-runner";
    pcfg.linger_ms = RUNNER_LINGER_MS;
    pcfg.signer = cfg->signer;
    if (bus_producer_new(&pcfg, &r->producer, err, errlen) != SLUICE_OK) {
        bench_runner_free(r);
        return -1;
    }
    const char *topics[1] = {bus_topics_get(cfg->topics, BUS_TOPICS_JOBS)};
    bus_consumer_config ccfg;
    bus_consumer_config_init(&ccfg);
    ccfg.brokers = cfg->brokers;
    ccfg.group_id = cfg->group;
    ccfg.client_id = "sluice-bench-runner";
    ccfg.topics = topics;
    ccfg.ntopics = 1;
    ccfg.session_timeout_ms = 6000;
    ccfg.deadletter_topic = bus_topics_get(cfg->topics, BUS_TOPICS_DEADLETTER);
    ccfg.deadletter_producer = r->producer;
    ccfg.source = PROTOCOL_SOURCE_WORKER;
    if (bus_consumer_new(&ccfg, &r->consumer, err, errlen) != SLUICE_OK) {
        bench_runner_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

static void runner_on_jobs(bus_consumer_item *items, size_t n, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        items[i].verdict = runner_on_job(ctx, &items[i].msg);
    }
}

/* Sends what was queued and waits for it, so a batch's answers travel together. */
static int runner_flush(bench_runner *r)
{
    if (r->unflushed == 0) {
        return 0;
    }
    r->unflushed = 0;
    if (bus_producer_flush(r->producer, RUNNER_FLUSH_MS) != SLUICE_OK) {
        r->counters.errors++;
        return -1;
    }
    return 0;
}

int bench_runner_pump(bench_runner *r, int timeout_ms)
{
    (void)runner_flush(r); /* starts queued since the last pump */
    int rc = bus_consumer_run_batch(r->consumer, runner_on_jobs, r, RUNNER_BATCH_MAX, timeout_ms);
    (void)runner_flush(r);
    (void)bus_producer_poll(r->producer, 0);
    return rc;
}

void bench_runner_record(bench_runner *r, bench_stats *into)
{
    r->record = into;
    r->record_at = NULL;
}

void bench_runner_record_at(bench_runner *r, bench_stats *into, bench_stats *at)
{
    r->record = into;
    r->record_at = into != NULL ? at : NULL;
}

void bench_runner_refill(bench_runner *r, bool on)
{
    r->refill = on;
}

void bench_runner_counters_get(const bench_runner *r, bench_runner_counters *out)
{
    *out = r->counters;
}

int64_t bench_runner_active(const bench_runner *r)
{
    return (int64_t)r->counters.starts - (int64_t)r->counters.completed;
}

int bench_runner_flush(bench_runner *r, int timeout_ms)
{
    return bus_producer_flush(r->producer, timeout_ms) == SLUICE_OK ? 0 : -1;
}

void bench_runner_free(bench_runner *r)
{
    if (r == NULL) {
        return;
    }
    if (r->consumer != NULL) {
        bus_consumer_close(r->consumer);
        bus_consumer_free(r->consumer);
    }
    bus_producer_free(r->producer);
    sluice_buf_free(&r->text);
    free(r->table);
    free(r);
}
