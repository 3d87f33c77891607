/*
 * art_publish.h — publishes "Sluice Artifact Stored" events (art_event) on
 * <prefix>events without holding up the HTTP response: art_publish_stored
 * (the art_s3 on_stored hook) copies the event into a bounded queue and
 * returns; one thread of its own owns the bus producer, builds the envelopes
 * and sends them (librdkafka delivers asynchronously). The object is already
 * durable when its event is queued.
 *
 * Counted in /metrics as sluice_artifacts_events_total{outcome}: "queued",
 * "delivered", "failed" (the broker refused or the message timed out),
 * "dropped" (the queue was full, or the envelope could not be built or sent).
 * art_publish_free stops the thread; the producer's close is bounded at
 * BUS_PRODUCER_CLOSE_TIMEOUT_MS, so shutdown stays bounded with the broker gone.
 *
 * Threads: art_publish_stored may be called from any thread.
 */
#ifndef ART_PUBLISH_H
#define ART_PUBLISH_H

#include "art_s3.h"

#include "sluice/http_metrics.h"

typedef struct art_publish art_publish;

typedef struct art_publish_config {
    const char *brokers;      /* required */
    const char *topic_prefix; /* NULL: "sluice." */
    const char *account;      /* 12 digits */
    const char *region;
    size_t queue_max;      /* events waiting for the thread; 0: 10000 */
    http_metrics *metrics; /* borrowed, may be NULL */
} art_publish_config;

/* Starts the publisher. 0 with *out set, or a negative SLUICE_E* with err. */
int art_publish_new(const art_publish_config *cfg, art_publish **out, char *err, size_t errlen);

/* The art_s3_stored_fn: ctx is the art_publish. Never blocks on Kafka. */
void art_publish_stored(const char *bucket, const art_store_meta *meta,
                        const aws_s3auth_result *auth, void *ctx);

/* Stops the thread (what is queued is sent, unconfirmed messages get at most 1 s). NULL ok. */
void art_publish_free(art_publish *p);

#endif
