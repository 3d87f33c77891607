/*
 * wk_bus.h — the worker's Kafka side: the configurations of its producer
 * (job results on the requests topic) and of its consumer (the jobs topic,
 * group SLUICE_WORKER_GROUP), built in one function so that every setting
 * of both is made in one place: the Kafka security settings (bus_security.h)
 * for both, the bus key set (bus_sign.h) as the producer's signer — the
 * orchestrator verifies sluice.requests — and as the consumer's verifier, so
 * an unsigned or mis-signed job is a dead letter that never reaches a slot;
 * and the sending of one job result.
 *
 * A result is a PROTOCOL_DETAIL_JOB_RESULT envelope from PROTOCOL_SOURCE_WORKER
 * keyed by the pipeline, as the api's PutJobSuccessResult sends it
 * (api_workers.c): its detail is the wk_result detail plus "pipeline" and
 * "requestedBy" (the worker's role ARN). The envelope id is derived from the
 * job id, so a result sent twice is the same message to the orchestrator.
 */
#ifndef SLUICE_WK_BUS_H
#define SLUICE_WK_BUS_H

#include "wk_config.h"

#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_security.h"
#include "sluice/bus_sign.h"
#include "sluice/bus_topics.h"

#include <jansson.h>
#include <pthread.h>

#define WK_BUS_SEND_TIMEOUT_MS 10000

typedef struct wk_bus_configs {
    bus_producer_config producer;
    bus_consumer_config consumer;
    const char *topics[1]; /* the jobs topic */
} wk_bus_configs;

/*
 * Fills out from cfg, topics, security and keys (all borrowed and kept: the
 * configurations point into them, so they must outlive the producer and the
 * consumer made from out). keys signs what the producer sends and verifies
 * what the consumer receives.
 */
void wk_bus_configs_build(const wk_config *cfg, const bus_topics *topics,
                          const bus_security *security, const bus_sign_keys *keys,
                          wk_bus_configs *out);

/* The producer of results, shared by the slots behind a lock. */
typedef struct wk_bus_sender {
    bus_producer *producer;
    pthread_mutex_t lock;
    const bus_topics *topics;
    const char *account;
    const char *region;
} wk_bus_sender;

/*
 * Sends detail (borrowed; "pipeline" and "requestedBy" are added) for
 * pipeline and waits until Kafka has stored it. 0, or a negative code with
 * err. Thread-safe.
 */
int wk_bus_send_result(wk_bus_sender *sender, const char *pipeline, const char *job_id,
                       json_t *detail, char *err, size_t errlen);

#endif
