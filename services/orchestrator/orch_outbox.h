/*
 * orch_outbox.h — carrying out a pipeline's outbox: each entry's ops
 * (publish events and jobs, set and cancel timers, deliver replies, archive
 * history), then a flush, then the ack that removes the entries.
 *
 * Ops are idempotent, so an entry carried out twice (a crash before the
 * ack) does no harm.
 *
 * Failures (policy in orch_retry.h): an entry is first carried out fast —
 * every publish queued, one flush for all. When that fails, the entry is
 * remembered as failing and, once its backoff has passed, carried out again
 * op by op, each publish waited for (bus_producer_send_sync), so the op that
 * fails and librdkafka's reason for it are known. A transient failure (a
 * timeout, the broker or Redis away) keeps the entry, with a doubling
 * backoff, for as long as it lasts. A permanent one (a refusal: message too
 * large for the topic, unknown topic, authorization, a Redis WRONGTYPE...)
 * is retried up to retry.max_attempts times; then the op is published to the
 * dead-letter topic with its reason (bus_deadletter: "topic" names where the
 * op was going, "partition" its index in the entry, "offset" the entry's
 * time, "consumerGroup" "<group> outbox <pipeline> <entry id>", "payload"
 * the op), counted in stats.dead_lettered, and the entry goes on with its
 * next op, so the pipeline is never stuck behind it. Single-threaded.
 */
#ifndef SLUICE_ORCH_OUTBOX_H
#define SLUICE_ORCH_OUTBOX_H

#include "orch_handler.h"
#include "orch_route.h"

#include "sluice/bus_topics.h"

#include <jansson.h>
#include <stdint.h>

/* Queues message (compact JSON) on topic under key. 0 or the producer's error. */
int orch_outbox_publish(orch_handler *h, bus_topics_kind topic, const char *key,
                        const json_t *message);

/*
 * Carries out the pending outbox of pipeline (entries older than
 * min_age_ms only, 0 for all) and acks it. 0, or the first failure (the
 * entries not acked stay for the next attempt); SLUICE_EAGAIN while a
 * failing entry waits for its backoff.
 */
int orch_outbox_drain(orch_handler *h, const char *pipeline, int64_t min_age_ms);

/*
 * Carries out the entry a save just appended (its id entry_id; text as
 * orch_route_builder_finish made it for the save, info and keys included) from memory,
 * when that save reported the outbox holds nothing else
 * (orch_store_saved.alone): the same as orch_outbox_drain would do after
 * reading it back — publishes queued (text's bytes), Redis ops run, one
 * flush, the ack through entry_id — without the read and the parse. A
 * failure leaves the entry in the outbox, remembered as failing, for
 * orch_outbox_drain to go on with. 0 or the first failure.
 */
int orch_outbox_carry_out_saved(orch_handler *h, const char *pipeline, const orch_route_entry *text,
                                const char *entry_id);

/*
 * The producer's bus_producer_delivery_fn (ctx = orch_handler *): keeps the
 * latest failure's code and reason for classifying it.
 */
void orch_outbox_on_delivery(uint64_t seq, int err, const char *reason, void *ctx);

#endif
