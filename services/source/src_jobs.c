/*
 * src_jobs.c — Source jobs from the bus, results back onto it (see src_jobs.h).
 */
#include "src_jobs.h"

#include "src_action.h"
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
    static const char prefix[] = "sluice-source result\n";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(md, prefix, sizeof prefix - 1) != 1 ||
        EVP_DigestUpdate(md, job_id, strlen(job_id)) != 1 ||
        EVP_DigestFinal_ex(md, digest, &len) != 1) {
        memset(digest, 0, sizeof digest);
    }
    EVP_MD_CTX_free(md);
    sluice_uuid_v4_from_bytes(digest, out);
}

/* Puts result (borrowed) on the requests topic; 0 once Kafka persisted it. */
static int src_jobs_send(src_jobs *jobs, const char *pipeline, const char *job_id, json_t *result,
                         char *err, size_t errlen)
{
    char arn[PROTOCOL_ARN_MAX];
    (void)protocol_arn_pipeline(arn, sizeof arn, jobs->region, jobs->account, pipeline);
    const char *resources[] = {arn};
    char id[37];
    src_jobs_result_id(job_id, id);
    bus_envelope_spec spec = {
        .id = id,
        .detail_type = PROTOCOL_DETAIL_JOB_RESULT,
        .source = PROTOCOL_SOURCE_SOURCE,
        .account = jobs->account,
        .region = jobs->region,
        .time_ms = sluice_time_now_ms(),
        .resources = resources,
        .nresources = 1,
        .detail = result,
    };
    bus_envelope *env = NULL;
    char why[BUS_ENVELOPE_REASON_MAX];
    int rc = bus_envelope_new(&spec, &env, why, sizeof why);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "result envelope: %s", why);
    }
    sluice_buf payload;
    sluice_buf_init(&payload, BUS_ENVELOPE_MAX_BYTES);
    rc = bus_envelope_encode(env, &payload);
    bus_envelope_free(env);
    if (rc == 0) {
        rc = bus_producer_send_sync(
            jobs->producer, bus_topics_get(jobs->topics, BUS_TOPICS_REQUESTS), pipeline,
            strlen(pipeline), payload.data, payload.len, jobs->send_timeout_ms);
    }
    sluice_buf_free(&payload);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "the job result was not stored: %s",
                                sluice_strerror(rc));
    }
    return 0;
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
