/*
 * src_jobs.h — the jobs-topic handler of sluice-source: every job document
 * goes past; those of built-in Source providers are run (src_run.h) and
 * answered with a job result on the requests topic (detail-type
 * PROTOCOL_DETAIL_JOB_RESULT, key the pipeline, source "sluice.source"),
 * the rest are someone else's and are let through.
 *
 * The definition read is the version the job names, else (no longer
 * stored) the current one. Verdicts: DONE once the result is persisted by
 * Kafka, or for a job that is not ours, or whose pipeline is gone; RETRY when the pipeline's
 * definition cannot be read now (Redis away) or the result was not
 * persisted — the job runs again (same output key and credentials, same
 * result envelope id, so a repeat overwrites the same object and the
 * orchestrator drops the duplicate result). A job is never dead-lettered
 * for failing: it fails its action.
 *
 * Runs on the consumer's thread. The envelope id of a result is derived
 * from the job id (SHA-256), so a job run twice sends the same id.
 */
#ifndef SLUICE_SRC_JOBS_H
#define SLUICE_SRC_JOBS_H

#include "src_run.h"

#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"
#include "sluice/http_metrics.h"
#include "sluice/state_redis.h"

#include <stdatomic.h>

typedef struct src_jobs {
    src_run_env run;
    state_redis *redis;
    bus_producer *producer;
    const bus_topics *topics;
    const char *account;
    const char *region;
    int send_timeout_ms;
    http_metrics_family *jobs_total;  /* labels: provider, outcome (Succeeded | failure type) */
    http_metrics_family *zip_bytes;   /* histogram of stored zip sizes */
    http_metrics_family *job_seconds; /* histogram of job durations */
    http_metrics_family *bus_refused; /* labels: reason (unsigned | unknown_key | bad_signature) */
    bus_consumer_stats bus_counted;   /* the consumer's refusals already exported */
    atomic_int redis_ok;              /* the last definition read reached Redis */
} src_jobs;

/* The bus_consumer_handler of the jobs topic (ctx: src_jobs *). */
bus_consumer_verdict src_jobs_handle(const bus_consumer_message *msg, void *ctx, char *reason,
                                     size_t reasonlen);

/*
 * The envelope id of the result of job_id: a UUID v4 form of
 * SHA-256("sluice-source result\n" + job_id), into out. Pure.
 */
void src_jobs_result_id(const char *job_id, char out[37]);

#endif
