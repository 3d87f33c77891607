/*
 * art_publish.h — publishes "Sluice Artifact Stored" events (art_event) on
 * <prefix>events without holding up the HTTP response on the bus:
 * art_publish_stored (the art_s3 on_stored hook) builds the envelope and
 * writes it to the durable spool (art_spool) right after the object's commit,
 * then returns; one thread of its own owns the bus producer and sends what
 * the spool holds, in order. An event leaves the spool only once the broker
 * confirmed it: a refused or timed-out one is sent again after a backoff
 * (1 s doubling to 30 s), and what is left at shutdown or after a crash is
 * sent by the next start — with the same envelope, so consumers drop repeats
 * by the event id. Only a crash between the object's commit and the spool
 * write (one fsync) can lose an event.
 *
 * Counted in /metrics as sluice_artifacts_events_total{outcome}: "queued"
 * (spooled), "delivered", "failed" (the broker refused or the message timed
 * out; it is re-sent), "dropped" (the spool was full or unwritable, or the
 * envelope could not be built); sluice_artifacts_events_spooled is the number
 * waiting. art_publish_free stops the thread; the producer's close is bounded
 * at BUS_PRODUCER_CLOSE_TIMEOUT_MS, so shutdown stays bounded with the broker
 * gone.
 *
 * Threads: art_publish_stored may be called from any thread.
 */
#ifndef ART_PUBLISH_H
#define ART_PUBLISH_H

#include "art_s3.h"

#include "sluice/bus_security.h"
#include "sluice/http_metrics.h"

typedef struct art_publish art_publish;

typedef struct art_publish_config {
    const char *brokers;          /* required */
    const bus_security *security; /* Kafka SASL/TLS, copied; NULL: PLAINTEXT */
    const char *topic_prefix;     /* NULL: "sluice." */
    const char *account;          /* 12 digits */
    const char *region;
    const char *spool_dir; /* required: where waiting events are kept */
    size_t spool_max;      /* events the spool holds; 0: 100000 */
    http_metrics *metrics; /* borrowed, may be NULL */
} art_publish_config;

/*
 * Opens the spool and starts the publisher, which first sends what an earlier
 * run left. 0 with *out set, or a negative SLUICE_E* with err.
 */
int art_publish_new(const art_publish_config *cfg, art_publish **out, char *err, size_t errlen);

/* The art_s3_stored_fn: ctx is the art_publish. Never blocks on Kafka. */
void art_publish_stored(const char *bucket, const art_store_meta *meta,
                        const aws_s3auth_result *auth, void *ctx);

/* Stops the thread (unconfirmed events stay spooled for the next start). NULL ok. */
void art_publish_free(art_publish *p);

#endif
