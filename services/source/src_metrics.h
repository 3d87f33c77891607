/*
 * src_metrics.h — what sluice-source shows on GET /healthz and GET /metrics.
 *
 *   sluice_source_jobs_total{provider, outcome}   Source jobs answered, by
 *       provider and outcome (Succeeded or the failure type)
 *   sluice_source_zip_bytes                        sizes of stored CODE_ZIPs
 *   sluice_source_job_seconds                      time from job to stored result
 *   sluice_source_bus_refused_total{reason}        jobs dead-lettered before decoding:
 *       unsigned, unknown_key, bad_signature (the consumer's verifier)
 *
 * The loop thread writes src_health; the HTTP thread reads it. A job holds
 * the loop for at most its git and upload bounds, so the health endpoint
 * allows SRC_HEALTH_STALE_MS besides the loop's own bound.
 */
#ifndef SLUICE_SRC_METRICS_H
#define SLUICE_SRC_METRICS_H

#include "src_jobs.h"

#include "sluice/http_metrics.h"
#include "sluice/http_server.h"

#include <stdatomic.h>
#include <stdint.h>

#define SRC_HEALTH_STALE_MS 10000

typedef struct src_health {
    atomic_llong loop_ms; /* monotonic time the loop last turned */
    int64_t stale_ms;     /* loop age beyond which the service is unhealthy */
    const atomic_int *redis_ok;
} src_health;

/* GET /healthz (ctx = src_health *): 200 while the loop turns and Redis answers, else 503. */
void src_health_handler(const http_request *req, http_response *resp, void *ctx);

/*
 * Declares the families above in registry and points jobs at them. 0, or
 * SLUICE_ENOMEM when one cannot be declared.
 */
int src_metrics_init(http_metrics *registry, src_jobs *jobs);

/*
 * Adds the signature refusals consumer counted since the last call to
 * jobs->bus_refused. Loop thread only (the consumer's thread).
 */
void src_metrics_export_bus(src_jobs *jobs, const bus_consumer *consumer);

#endif
