/*
 * bench_floor.h — the floors under an orchestrator transition: what Kafka
 * and Redis cost on their own, measured with the same libraries the
 * orchestrator uses (libs/bus, libs/state).
 *
 *   Kafka round trip  one idempotent acks=all producer and one group consumer
 *                     in this process; one message at a time, timed from
 *                     bus_producer_send to the consumer's handler.
 *   Kafka ack         bus_producer_send_sync: send until the broker confirmed
 *                     persistence (what the orchestrator's flush waits for).
 *   Kafka step flush  what the orchestrator's producer does once per step:
 *                     a burst of messages with different keys over a
 *                     multi-partition topic, then bus_producer_flush, with
 *                     the producer's default settings (linger 1 ms).
 *   Redis EVALSHA     state_script_eval of a trivial script.
 *
 * Single-threaded; every function blocks until done or failed.
 */
#ifndef SLUICE_BENCH_FLOOR_H
#define SLUICE_BENCH_FLOOR_H

#include "bench_stats.h"

#include "sluice/state_redis.h"

#include <stddef.h>

/*
 * Sends count messages one at a time to topic (which must exist) and adds
 * each produce→consume round trip to roundtrip; then count/2 synchronous
 * sends into ack. linger_ms is the producer's linger. 0, or -1 with the
 * reason in err.
 */
int bench_floor_kafka(const char *brokers, const char *topic, const char *deadletter_topic,
                      int count, int linger_ms, bench_stats *roundtrip, bench_stats *ack, char *err,
                      size_t errlen);

/*
 * count times: burst messages (distinct keys) to topic, then a flush; adds
 * the time from the first send to the end of the flush to out. The producer
 * has bus_producer_config_init's defaults. 0, or -1 with the reason in err.
 */
int bench_floor_kafka_burst(const char *brokers, const char *topic, int count, int burst,
                            bench_stats *out, char *err, size_t errlen);

/* Runs EVALSHA of "return 1" count times over r, adding each round trip to out. 0 or -1. */
int bench_floor_redis(state_redis *r, int count, bench_stats *out, char *err, size_t errlen);

#endif
