/*
 * orch_outbox.h — carrying out a pipeline's outbox: each entry's ops
 * (publish events and jobs, set and cancel timers, deliver replies, archive
 * history), then a flush, then the ack that removes the entries.
 *
 * Ops are idempotent, so an entry carried out twice (a crash before the
 * ack) does no harm. Single-threaded.
 */
#ifndef SLUICE_ORCH_OUTBOX_H
#define SLUICE_ORCH_OUTBOX_H

#include "orch_handler.h"

#include "sluice/bus_topics.h"

#include <jansson.h>
#include <stdint.h>

/* Queues message (compact JSON) on topic under key. 0 or the producer's error. */
int orch_outbox_publish(orch_handler *h, bus_topics_kind topic, const char *key,
                        const json_t *message);

/*
 * Carries out the pending outbox of pipeline (entries older than
 * min_age_ms only, 0 for all) and acks it. 0, or the first failure (the
 * entries not acked stay for the next attempt).
 */
int orch_outbox_drain(orch_handler *h, const char *pipeline, int64_t min_age_ms);

#endif
