/*
 * src_jobs.c — Source jobs from the bus, results back onto it (see src_jobs.h).
 */
#include "src_jobs.h"

#include "src_action.h"
#include "src_bus.h"
#include "src_job.h"

#include "sluice/bus_envelope.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/log.h"
#include "sluice/protocol_arn.h"
#include "sluice/protocol_names.h"
#include "sluice/state_def.h"
#include "sluice/time.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

void src_jobs_result_id(const char *job_id, char out[37])
{
    src_bus_derived_id("sluice-source result\n", job_id, out);
}

/* Puts result (borrowed) on the requests topic; 0 once Kafka persisted it. */
static int src_jobs_send(src_jobs *jobs, const char *pipeline, const char *job_id, json_t *result,
                         char *err, size_t errlen)
{
    char id[37];
    src_jobs_result_id(job_id, id);
    return src_bus_send(jobs->producer, bus_topics_get(jobs->topics, BUS_TOPICS_REQUESTS),
                        PROTOCOL_DETAIL_JOB_RESULT, id, jobs->account, jobs->region, pipeline,
                        result, jobs->send_timeout_ms, err, errlen);
}

bus_consumer_verdict src_jobs_handle(const bus_consumer_message *msg, void *ctx, char *reason,
                                     size_t reasonlen)
{
    src_jobs *jobs = ctx;
    const bus_envelope *env = msg->envelope;
    if (strcmp(env->detail_type, PROTOCOL_DETAIL_JOB) != 0) {
        return BUS_CONSUMER_DONE;
    }
    src_job job;
    char err[512] = "";
    int rc = src_job_read(env->detail, &job, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return BUS_CONSUMER_DONE; /* another runner's job */
    }
    if (rc != 0) {
        snprintf(reason, reasonlen, "a Source job that cannot be read: %s", err);
        return BUS_CONSUMER_REJECT;
    }
    int64_t started = sluice_time_monotonic_ms();
    json_t *definition = NULL;
    if (rc == 0) {
        rc = state_def_load(jobs->redis, job.pipeline, job.pipeline_version, &definition, err,
                            sizeof err);
        if (rc == SLUICE_ENOTFOUND && job.pipeline_version > 0) {
            /* that version is no longer stored: the current declaration places the output */
            rc = state_def_load(jobs->redis, job.pipeline, 0, &definition, err, sizeof err);
        }
        atomic_store(&jobs->redis_ok, rc == 0 || rc == SLUICE_ENOTFOUND);
        if (rc == SLUICE_ENOTFOUND) {
            SLUICE_INFO("job %s: %s; dropped", job.job_id, err);
            return BUS_CONSUMER_DONE;
        }
        if (rc != 0) {
            snprintf(reason, reasonlen, "job %s: %s", job.job_id, err);
            return BUS_CONSUMER_RETRY;
        }
    }
    src_run_stats stats;
    memset(&stats, 0, sizeof stats);
    json_t *result = src_run_job(&jobs->run, env->detail, definition, sluice_time_now_ms(), &stats);
    json_decref(definition);
    if (result == NULL) {
        snprintf(reason, reasonlen, "job %s: out of memory", job.job_id);
        return BUS_CONSUMER_RETRY;
    }
    /* the result names the job as the document does (both borrowed from the envelope) */
    const char *pipeline = job.pipeline;
    const char *job_id = job.job_id;
    rc = src_jobs_send(jobs, pipeline, job_id, result, err, sizeof err);
    json_decref(result);
    if (rc != 0) {
        snprintf(reason, reasonlen, "job %s: %s", job_id, err);
        return BUS_CONSUMER_RETRY;
    }
    const char *labels[] = {src_action_provider_name(job.provider),
                            stats.succeeded ? "Succeeded" : stats.failure_type};
    http_metrics_inc(jobs->jobs_total, labels, 1);
    if (stats.succeeded) {
        http_metrics_observe(jobs->zip_bytes, NULL, (double)stats.zip_bytes);
    }
    http_metrics_observe(jobs->job_seconds, NULL,
                         (double)(sluice_time_monotonic_ms() - started) / 1000.0);
    SLUICE_INFO("job %s of %s: %s", job_id, pipeline,
                stats.succeeded ? "Succeeded" : stats.failure_type);
    return BUS_CONSUMER_DONE;
}
