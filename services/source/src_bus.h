/*
 * src_bus.h — sluice-source's Kafka producer and consumer configuration,
 * built in one place: the producer of job results (requests topic, key the
 * pipeline) and of dead letters, and the consumer of the jobs topic in the
 * service's own group (every replica of sluice-source shares it; the api
 * and the worker read the same topic in groups of their own).
 *
 * Pure: fills the structs, opens nothing. The strings filled in point into
 * cfg and topics, which must outlive the configurations.
 */
#ifndef SLUICE_SRC_BUS_H
#define SLUICE_SRC_BUS_H

#include "src_config.h"

#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"

/*
 * Fills pcfg and ccfg (each initialised with its defaults first) for cfg and
 * topics; jobs_topic[0] is set to the jobs topic, which ccfg subscribes to.
 * ccfg->deadletter_producer is left NULL for the caller to set once the
 * producer exists.
 */
void src_bus_configs(const src_config *cfg, const bus_topics *topics, bus_producer_config *pcfg,
                     bus_consumer_config *ccfg, const char *jobs_topic[1]);

#endif
