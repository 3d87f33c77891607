/*
 * api_feed.h — the api's consumer of the jobs topic.
 *
 * The orchestrator publishes every job it creates to <prefix>jobs (an
 * EventBridge envelope of detail-type "Sluice Action Job" whose detail is the
 * job document of libs/engine engine_step.h). The feed consumes that topic in
 * its own consumer group (SLUICE_API_JOBS_GROUP, default "sluice-api-jobs")
 * on its own thread and records each job in the job store
 * (api_workers_ingest), so that PollForJobs can hand out the jobs of Custom
 * and external providers and PutJob*Result can find any job's pipeline. Other
 * detail-types are skipped; a job document that can never be recorded is
 * dead-lettered; a storage failure is retried (the partition pauses and the
 * message comes back). Offsets are stored only after the job is recorded.
 * With a verifier (the bus key set), a job message that is unsigned or not
 * signed by a key of the set is dead-lettered before it is decoded and never
 * recorded; the refusals are counted in sluice_api_bus_refused_total{reason}.
 *
 * Threads: api_feed_start starts one thread that owns the consumer;
 * api_feed_stop joins it. api_feed_handle is the pure-ish per-message step,
 * callable from tests.
 */
#ifndef SLUICE_API_FEED_H
#define SLUICE_API_FEED_H

#include "api_call.h"

#include "sluice/bus_consumer.h"
#include "sluice/bus_envelope.h"
#include "sluice/bus_sign.h"
#include "sluice/http_metrics.h"
#include "sluice/protocol_names.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct api_feed api_feed;

typedef struct api_feed_config {
    const api_env *env;            /* borrowed; outlives the feed */
    const char *brokers;           /* required */
    const char *topic_prefix;      /* NULL: "sluice." */
    const char *group_id;          /* NULL: "sluice-api-jobs" */
    const bus_security *security;  /* Kafka SASL/TLS, copied; NULL: PLAINTEXT */
    const bus_sign_keys *verifier; /* borrowed, outlives the feed; NULL: jobs not verified */
    http_metrics *metrics;         /* borrowed; NULL: refusals are not exported */
} api_feed_config;

/*
 * Creates the consumer and starts the feed thread. 0 with *out, or
 * SLUICE_EINVAL / SLUICE_EKAFKA / SLUICE_ENOMEM / SLUICE_EIO with err set.
 */
int api_feed_start(const api_feed_config *cfg, api_feed **out, char *err, size_t errlen);

/* Stops the thread, closes the consumer (committing offsets) and frees. Accepts NULL. */
void api_feed_stop(api_feed *feed);

/*
 * False while the consumer is being re-created after a fatal error, or while
 * the broker refuses it (authentication or authorization). Thread-safe.
 */
bool api_feed_healthy(const api_feed *feed);

/*
 * Handles one envelope: records a job (DONE), skips other detail-types
 * (DONE), rejects a job that can never be recorded (REJECT, reason set), or
 * asks for a retry when the store failed (RETRY).
 */
bus_consumer_verdict api_feed_handle(const api_env *env, const bus_envelope *envelope, char *reason,
                                     size_t reasonlen);

#endif
