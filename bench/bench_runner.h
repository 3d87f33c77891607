/*
 * bench_runner.h — the benchmark's job runner: answers every job at once
 * and times each transition.
 *
 * It consumes the jobs topic as a worker would and, for each job, publishes
 * a successful JobResult to the requests topic straight away (no requestId:
 * workers do not wait for replies). A transition is timed from the moment
 * the runner publishes the result of an action to the moment it observes the
 * next job of the same execution. Starts are StartPipelineExecution requests
 * with a requestId, as the api sends them; the execution is learned from its
 * first job.
 *
 * Executions are tracked in a fixed open-addressing table keyed by
 * execution id; a job for a stage already answered (a re-published
 * duplicate) is counted and ignored. With refill on, an execution whose last
 * stage was answered is replaced at once by a new start on the same
 * pipeline, which keeps the number of executions in flight constant.
 *
 * Built directly on libs/bus (bus_consumer_run_batch, bus_producer_send): no
 * logging of jobs, no linear scans. The jobs of one fetched batch are answered
 * together: their results are queued (the producer lingers) and sent by one
 * flush that waits for them, as a worker pool answering many jobs would, so
 * the runner's own Kafka traffic takes few requests under load. Single-threaded: everything runs
 * inside bench_runner_pump on the caller's thread.
 */
#ifndef SLUICE_BENCH_RUNNER_H
#define SLUICE_BENCH_RUNNER_H

#include "bench_stats.h"

#include "sluice/bus_sign.h"
#include "sluice/bus_topics.h"

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_RUNNER_TABLE_SLOTS (1u << 17) /* executions one runner can track */

typedef struct bench_runner bench_runner;

typedef struct bench_runner_config {
    const char *brokers;
    const bus_topics *topics;
    const char *group;            /* consumer group of the jobs topic */
    const char *const *pipelines; /* names, index = pipeline number */
    size_t npipelines;
    const char *const *stages; /* stage names in pipeline order */
    size_t nstages;
    const char *account;
    const char *region;
    const bus_sign_keys *signer; /* signs its requests (the orchestrator verifies); borrowed */
} bench_runner_config;

typedef struct bench_runner_counters {
    uint64_t starts;      /* StartPipelineExecution requests sent */
    uint64_t jobs;        /* jobs observed, duplicates excluded */
    uint64_t duplicates;  /* jobs for a stage already answered */
    uint64_t results;     /* JobResults sent */
    uint64_t transitions; /* jobs that followed a result of the same execution */
    uint64_t completed;   /* executions whose last stage was answered */
    uint64_t errors;      /* sends that failed */
    size_t executions;    /* distinct executions seen */
} bench_runner_counters;

/*
 * Creates the runner (a producer and a consumer of the jobs topic; joining
 * the group happens inside bench_runner_pump). cfg and the strings it points
 * to are borrowed and must outlive the runner. 0 with *out set, or -1 with
 * the reason in err.
 */
int bench_runner_new(const bench_runner_config *cfg, bench_runner **out, char *err, size_t errlen);

/*
 * Sends detail (a request document; "pipeline" is added) to the requests
 * topic for pipeline number index. detail is borrowed. 0 or -1.
 */
int bench_runner_request(bench_runner *r, size_t index, json_t *detail);

/* Sends a StartPipelineExecution for pipeline number index. 0 or -1. */
int bench_runner_start(bench_runner *r, size_t index);

/*
 * Handles at most one job, waiting up to timeout_ms for it, and serves the
 * producer's delivery reports. 1 when a job (or other message) was handled,
 * 0 when none came, < 0 on a fatal consumer error.
 */
int bench_runner_pump(bench_runner *r, int timeout_ms);

/* Transition samples go into into from now on (NULL: stop recording). Borrowed. */
void bench_runner_record(bench_runner *r, bench_stats *into);

/* As bench_runner_record, and each sample's monotonic time (ns) goes into at. Borrowed. */
void bench_runner_record_at(bench_runner *r, bench_stats *into, bench_stats *at);

/* Turns the closed loop on or off (see above). */
void bench_runner_refill(bench_runner *r, bool on);

/* Copies the counters. */
void bench_runner_counters_get(const bench_runner *r, bench_runner_counters *out);

/* Executions started and not yet completed. */
int64_t bench_runner_active(const bench_runner *r);

/* Waits up to timeout_ms for every result to be persisted. 0 or -1. */
int bench_runner_flush(bench_runner *r, int timeout_ms);

/* Closes the consumer, flushes and frees. Accepts NULL. */
void bench_runner_free(bench_runner *r);

#endif
