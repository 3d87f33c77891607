/*
 * kit.h — what the libs/bus integration tests share: unique topics
 * created on the fixture's broker, test envelopes whose detail carries
 * (key, seq), and producer/consumer settings tuned for short tests.
 */
#ifndef SLUICE_TEST_BUS_KIT_H
#define SLUICE_TEST_BUS_KIT_H

#include "sluice/bus_consumer.h"
#include "sluice/bus_envelope.h"
#include "sluice/bus_producer.h"

#include <stddef.h>
#include <stdint.h>

#define KIT_NAME_MAX 128

/* The fixture's bootstrap servers (exits the test when missing). */
const char *kit_brokers(void);

/* Creates a unique topic "<stem>-<pid>-<hex>" with partitions partitions; exits on failure. */
void kit_topic(const char *stem, int partitions, char *out, size_t outlen);

/* A unique consumer group name. */
void kit_group(const char *stem, char *out, size_t outlen);

/*
 * Encodes a valid envelope whose detail is {"key": key, "seq": seq} into out
 * (reset first); exits on failure.
 */
void kit_envelope(const char *key, long seq, sluice_buf *out);

/* Reads detail.key and detail.seq of env; 0 or -1 when they are missing. */
int kit_envelope_fields(const bus_envelope *env, const char **key, long *seq);

/* A producer on the fixture's broker (exits on failure). */
bus_producer *kit_producer(bus_producer_delivery_fn on_delivery, void *ctx);

/* Consumer settings for short tests: 6 s session, 1 s heartbeat, 200 ms commits and backoff. */
void kit_consumer_config(bus_consumer_config *cfg, const char *const *topics, size_t ntopics,
                         const char *group, const char *deadletter_topic);

/* A consumer from cfg (exits on failure). */
bus_consumer *kit_consumer(const bus_consumer_config *cfg);

/* Monotonic milliseconds. */
int64_t kit_now_ms(void);

#endif
