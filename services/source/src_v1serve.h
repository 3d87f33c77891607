/*
 * src_v1serve.h — the endpoint of CodePipeline V1 webhooks in sluice-source:
 *
 *   POST /webhooks/<id>   the url PutWebhook answered (paste it as the Payload
 *                         URL of the git host's webhook, content type
 *                         application/json, and the SecretToken as its secret
 *                         for GITHUB_HMAC)
 *
 * Served as a prefix route after the exact ones, so /webhooks/github and its
 * siblings keep their own handlers. For each delivery: the webhook is read
 * by id from Redis (read-only; sluice/state_webhook.h) with its target
 * pipeline's current definition (for matchEquals placeholders), the
 * delivery is verified and filtered (src_v1hook.h), and the start request
 * is queued for the main loop, which owns the producer (src_v1serve_flush).
 * Answers, each counted in sluice_source_v1_webhooks_total{result}:
 *   202 accepted   the start is queued
 *   200 ignored    a filter did not match (the body says which)
 *   401 refused    authentication failed
 *   404 unknown    no webhook has that id, or its pipeline is gone
 *   405            not POST;  413  a body over SRC_WEBHOOK_BODY_MAX
 *   500 failed     the stored webhook is unusable
 *   503 busy       Redis did not answer, or the queue is full (senders retry)
 *
 * After the start request is on the requests topic, the main loop records
 * the time in sluice:{webhooks}:triggered (ListWebhooks' lastTriggered).
 *
 * Threads: the handler runs on the HTTP server's threads and holds its own
 * Redis connection under redis_lock; the queue is under lock; flush runs on
 * the main loop with the main loop's producer and Redis connection.
 */
#ifndef SLUICE_SRC_V1SERVE_H
#define SLUICE_SRC_V1SERVE_H

#include "src_wake.h"

#include "sluice/bus_producer.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"
#include "sluice/protocol_names.h"
#include "sluice/state_redis.h"
#include "sluice/state_webhook.h"

#include <jansson.h>
#include <pthread.h>

#define SRC_V1SERVE_PREFIX    "/webhooks/"
#define SRC_V1SERVE_QUEUE_MAX 64

typedef struct src_v1serve_start {
    char pipeline[PROTOCOL_PIPELINE_NAME_MAX + 1];
    char id[STATE_WEBHOOK_ID_LEN + 1];
    json_t *detail; /* owned */
} src_v1serve_start;

typedef struct src_v1serve {
    state_redis_config redis_cfg; /* copied; its strings borrowed from the caller */
    pthread_mutex_t redis_lock;
    state_redis *redis; /* the HTTP side's connection, created at first use */
    pthread_mutex_t lock;
    src_v1serve_start queue[SRC_V1SERVE_QUEUE_MAX];
    size_t nqueued;
    src_wake wake; /* called (from the HTTP thread) after a start was queued */
    http_metrics_family *deliveries;
    http_metrics_family *starts;
    http_stream_handler route;
} src_v1serve;

/*
 * Initialises s (redis_cfg copied; its strings must outlive s) and declares
 * its metrics in registry. 0, or SLUICE_ENOMEM.
 */
int src_v1serve_init(src_v1serve *s, const state_redis_config *redis_cfg, http_metrics *registry);

/* Frees the queue, the connection and the locks. */
void src_v1serve_clear(src_v1serve *s);

/* The streaming route for SRC_V1SERVE_PREFIX (ctx s). Valid while s lives. */
const http_stream_handler *src_v1serve_handler(src_v1serve *s);

/*
 * Sends every queued start to topic (src_bus_send, waiting up to
 * timeout_ms each) and records each sent one's time with redis. A start
 * that could not be sent stays queued for the next call. Returns the number
 * sent. Main loop only.
 */
int src_v1serve_flush(src_v1serve *s, bus_producer *producer, const char *topic,
                      const char *account, const char *region, state_redis *redis, int timeout_ms);

#endif
