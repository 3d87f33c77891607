/*
 * orch_metrics.c — health and Prometheus metrics of the orchestrator (see orch_metrics.h).
 */
#include "orch_metrics.h"

#include "sluice/log.h"
#include "sluice/time.h"

#include <stdlib.h>
#include <string.h>

void orch_health_handler(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    orch_health *health = ctx;
    long long age = (long long)sluice_time_monotonic_ms() - atomic_load(&health->loop_ms);
    bool ok = age < ORCH_HEALTH_STALE_MS && atomic_load(&health->redis_ok) &&
              atomic_load(&health->kafka_ok);
    json_t *body = json_pack("{s:s, s:b, s:b, s:I}", "status", ok ? "ok" : "unhealthy", "redis",
                             atomic_load(&health->redis_ok) != 0, "kafka",
                             atomic_load(&health->kafka_ok) != 0, "loopAgeMs", (json_int_t)age);
    http_response_set_json(resp, ok ? 200 : 503, body);
    json_decref(body);
}

void orch_metrics_init(orch_metrics *m)
{
    memset(m, 0, sizeof *m);
    m->registry = http_metrics_new();
    if (m->registry == NULL) {
        SLUICE_ERROR("out of memory");
        abort();
    }
    m->steps = http_metrics_counter(m->registry, "sluice_orchestrator_steps_total",
                                    "requests stepped and saved", NULL, 0);
    m->duplicates = http_metrics_counter(m->registry, "sluice_orchestrator_duplicates_total",
                                         "requests delivered again and skipped", NULL, 0);
    m->rejected = http_metrics_counter(m->registry, "sluice_orchestrator_rejected_total",
                                       "requests dead-lettered", NULL, 0);
    m->conflicts = http_metrics_counter(m->registry, "sluice_orchestrator_conflicts_total",
                                        "state compare-and-set conflicts", NULL, 0);
    m->published = http_metrics_counter(m->registry, "sluice_orchestrator_outbox_entries_total",
                                        "outbox entries carried out", NULL, 0);
    m->timers = http_metrics_counter(m->registry, "sluice_orchestrator_timers_fired_total",
                                     "timers fired", NULL, 0);
    m->cache_hits =
        http_metrics_counter(m->registry, "sluice_orchestrator_state_cache_hits_total",
                             "requests stepped on the state kept from the last save", NULL, 0);
    m->oversized = http_metrics_counter(
        m->registry, "sluice_orchestrator_jobs_oversized_total",
        "jobs failed instead of published: over the bus's message bound", NULL, 0);
    m->dead_lettered = http_metrics_counter(
        m->registry, "sluice_orchestrator_ops_dead_lettered_total",
        "outbox ops refused for good, dead-lettered after bounded retries", NULL, 0);
    m->events_trimmed = http_metrics_counter(
        m->registry, "sluice_orchestrator_events_trimmed_total",
        "events trimmed to fit the bus's message bound (or dropped when they could not)", NULL, 0);
    m->parked = http_metrics_counter(
        m->registry, "sluice_orchestrator_requests_parked_total",
        "requests parked in their pipeline's state while its outbox could not be carried out", NULL,
        0);
    m->from_memory = http_metrics_counter(
        m->registry, "sluice_orchestrator_outbox_from_memory_total",
        "outbox entries carried out from memory right after their save (not read back)", NULL, 0);
    m->batch_seconds = http_metrics_histogram(
        m->registry, "sluice_orchestrator_batch_seconds",
        "time to handle one batch of requests, consume to outbox acked", NULL, 0, NULL, 0);
    static const char *const reason[] = {"reason"};
    m->refused = http_metrics_counter(
        m->registry, "sluice_orchestrator_bus_refused_total",
        "requests dead-lettered before decoding: unsigned, unknown key id, bad signature", reason,
        1);
}

void orch_metrics_update_bus(orch_metrics *m, const bus_consumer_stats *now)
{
    http_metrics_inc(m->refused, (const char *[]){"unsigned"},
                     (double)(now->refused_unsigned - m->last_bus.refused_unsigned));
    http_metrics_inc(m->refused, (const char *[]){"unknown_key"},
                     (double)(now->refused_unknown_key - m->last_bus.refused_unknown_key));
    http_metrics_inc(m->refused, (const char *[]){"bad_signature"},
                     (double)(now->refused_bad_signature - m->last_bus.refused_bad_signature));
    m->last_bus = *now;
}

void orch_metrics_update(orch_metrics *m, const orch_handler_stats *now)
{
    http_metrics_inc(m->steps, NULL, (double)(now->steps - m->last.steps));
    http_metrics_inc(m->duplicates, NULL, (double)(now->duplicates - m->last.duplicates));
    http_metrics_inc(m->rejected, NULL, (double)(now->rejected - m->last.rejected));
    http_metrics_inc(m->conflicts, NULL, (double)(now->conflicts - m->last.conflicts));
    http_metrics_inc(m->published, NULL, (double)(now->published - m->last.published));
    http_metrics_inc(m->timers, NULL, (double)(now->timers - m->last.timers));
    http_metrics_inc(m->cache_hits, NULL, (double)(now->cache_hits - m->last.cache_hits));
    http_metrics_inc(m->oversized, NULL, (double)(now->oversized - m->last.oversized));
    http_metrics_inc(m->dead_lettered, NULL, (double)(now->dead_lettered - m->last.dead_lettered));
    http_metrics_inc(m->events_trimmed, NULL,
                     (double)(now->events_trimmed - m->last.events_trimmed));
    http_metrics_inc(m->parked, NULL, (double)(now->parked - m->last.parked));
    http_metrics_inc(m->from_memory, NULL, (double)(now->from_memory - m->last.from_memory));
    if (now->steps != m->last.steps) {
        http_metrics_observe(m->batch_seconds, NULL, (double)now->last_batch_ns / 1e9);
    }
    m->last = *now;
}

void orch_metrics_free(orch_metrics *m)
{
    http_metrics_free(m->registry);
    m->registry = NULL;
}
