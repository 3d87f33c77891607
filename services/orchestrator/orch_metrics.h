/*
 * orch_metrics.h — what the orchestrator shows on GET /healthz and
 * GET /metrics: the loop's liveness and Redis's, and Prometheus counters fed
 * from orch_handler_stats.
 *
 * The loop thread writes orch_health (atomics) and calls
 * orch_metrics_update; the HTTP server's thread reads them.
 */
#ifndef SLUICE_ORCH_METRICS_H
#define SLUICE_ORCH_METRICS_H

#include "orch_handler.h"

#include "sluice/bus_consumer.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"

#include <stdatomic.h>

#define ORCH_HEALTH_STALE_MS 10000

/* What the health endpoint reads, written by the loop thread. */
typedef struct orch_health {
    atomic_llong loop_ms; /* last loop iteration (monotonic ms) */
    atomic_int redis_ok;  /* the latest Redis round trip succeeded */
    atomic_int kafka_ok;  /* the broker does not refuse the consumer or producer */
} orch_health;

/*
 * GET /healthz (ctx = orch_health *): 200 while the loop turns, Redis answers
 * and the broker accepts the orchestrator's clients, else 503.
 */
void orch_health_handler(const http_request *req, http_response *resp, void *ctx);

typedef struct orch_metrics {
    http_metrics *registry;
    http_metrics_family *steps, *duplicates, *rejected, *conflicts, *published, *timers;
    http_metrics_family *cache_hits, *oversized, *dead_lettered, *events_trimmed, *parked,
        *from_memory;
    http_metrics_family *batch_seconds;
    http_metrics_family *refused; /* bus messages refused by signature, by reason */
    orch_handler_stats last;
    bus_consumer_stats last_bus;
} orch_metrics;

/* Registers the orchestrator's metrics in a new registry (out of memory aborts). */
void orch_metrics_init(orch_metrics *m);

/* Adds what the handler counted since the last call. */
void orch_metrics_update(orch_metrics *m, const orch_handler_stats *now);

/* Adds the signature refusals the requests consumer counted since the last call. */
void orch_metrics_update_bus(orch_metrics *m, const bus_consumer_stats *now);

/* Frees the registry. Accepts a zeroed m. */
void orch_metrics_free(orch_metrics *m);

#endif
