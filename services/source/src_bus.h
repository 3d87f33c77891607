/*
 * src_bus.h — sluice-source's Kafka producer and consumer configuration,
 * built in one place: the producer of job results (requests topic, key the
 * pipeline) and of dead letters, and the consumer of the jobs topic in the
 * service's own group (every replica of sluice-source shares it; the api
 * and the worker read the same topic in groups of their own).
 *
 * Both are signed and secured alike: the producer signs everything it sends
 * (job results, StartPipelineExecution requests, dead letters) with the bus
 * key set's first key, and the consumer verifies every job with the whole
 * set, so an unsigned or forged job is dead-lettered and never run; both
 * take the Kafka SASL/TLS settings.
 *
 * src_bus_configs is pure: it fills the structs and opens nothing; the
 * strings filled in point into cfg and topics, and the key set and security
 * settings are borrowed: all must outlive the configurations. src_bus_send puts one envelope on a
 * topic and waits for Kafka to persist it (the producer's thread rules).
 */
#ifndef SLUICE_SRC_BUS_H
#define SLUICE_SRC_BUS_H

#include "src_config.h"

#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_security.h"
#include "sluice/bus_sign.h"
#include "sluice/bus_topics.h"

/*
 * Fills pcfg and ccfg (each initialised with its defaults first) for cfg and
 * topics, with keys as the producer's signer and the consumer's verifier and
 * security as both's Kafka settings (keys and security borrowed, non-NULL);
 * jobs_topic[0] is set to the jobs topic, which ccfg subscribes to.
 * ccfg->deadletter_producer is left NULL for the caller to set once the
 * producer exists.
 */
void src_bus_configs(const src_config *cfg, const bus_topics *topics, const bus_sign_keys *keys,
                     const bus_security *security, bus_producer_config *pcfg,
                     bus_consumer_config *ccfg, const char *jobs_topic[1]);

/*
 * Wraps detail (borrowed) in an envelope of detail_type with id (a UUID),
 * source PROTOCOL_SOURCE_SOURCE and the pipeline's ARN as its resource, and
 * sends it to topic keyed by pipeline, waiting up to timeout_ms. 0 once
 * persisted, else the code of bus_envelope_new / bus_producer_send_sync with
 * err.
 */
int src_bus_send(bus_producer *producer, const char *topic, const char *detail_type, const char *id,
                 const char *account, const char *region, const char *pipeline, json_t *detail,
                 int timeout_ms, char *err, size_t errlen);

/* A UUID (v4 form) derived from SHA-256(prefix + text), into out. Pure. */
void src_bus_derived_id(const char *prefix, const char *text, char out[37]);

#endif
