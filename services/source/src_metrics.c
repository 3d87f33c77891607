/*
 * src_metrics.c — health and metrics of sluice-source (see src_metrics.h).
 */
#include "src_metrics.h"

#include "sluice/error.h"
#include "sluice/time.h"

#include <jansson.h>

void src_health_handler(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    src_health *health = ctx;
    long long age = (long long)sluice_time_monotonic_ms() - atomic_load(&health->loop_ms);
    bool redis = atomic_load(health->redis_ok) != 0;
    bool ok = age < health->stale_ms && redis;
    json_t *body = json_pack("{s:s, s:b, s:I}", "status", ok ? "ok" : "unhealthy", "redis", redis,
                             "loopAgeMs", (json_int_t)age);
    http_response_set_json(resp, ok ? 200 : 503, body);
    json_decref(body);
}

int src_metrics_init(http_metrics *registry, src_jobs *jobs)
{
    static const char *const labels[] = {"provider", "outcome"};
    static const double sizes[] = {1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    static const double seconds[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
    jobs->jobs_total =
        http_metrics_counter(registry, "sluice_source_jobs_total",
                             "Source jobs answered, by provider and outcome", labels, 2);
    jobs->zip_bytes =
        http_metrics_histogram(registry, "sluice_source_zip_bytes", "sizes of the CODE_ZIPs stored",
                               NULL, 0, sizes, sizeof sizes / sizeof sizes[0]);
    jobs->job_seconds = http_metrics_histogram(registry, "sluice_source_job_seconds",
                                               "time from a job to its stored result", NULL, 0,
                                               seconds, sizeof seconds / sizeof seconds[0]);
    static const char *const reason[] = {"reason"};
    jobs->bus_refused = http_metrics_counter(
        registry, "sluice_source_bus_refused_total",
        "jobs dead-lettered before decoding: unsigned, unknown key id, bad signature", reason, 1);
    return jobs->jobs_total != NULL && jobs->zip_bytes != NULL && jobs->job_seconds != NULL &&
                   jobs->bus_refused != NULL
               ? 0
               : SLUICE_ENOMEM;
}

void src_metrics_export_bus(src_jobs *jobs, const bus_consumer *consumer)
{
    bus_consumer_stats now;
    bus_consumer_get_stats(consumer, &now);
    const bus_consumer_stats *was = &jobs->bus_counted;
    http_metrics_inc(jobs->bus_refused, (const char *[]){"unsigned"},
                     (double)(now.refused_unsigned - was->refused_unsigned));
    http_metrics_inc(jobs->bus_refused, (const char *[]){"unknown_key"},
                     (double)(now.refused_unknown_key - was->refused_unknown_key));
    http_metrics_inc(jobs->bus_refused, (const char *[]){"bad_signature"},
                     (double)(now.refused_bad_signature - was->refused_bad_signature));
    jobs->bus_counted = now;
}
