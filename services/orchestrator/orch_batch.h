/*
 * orch_batch.h — a batch of requests from the requests topic, per pipeline:
 * one load (or the kept state), one engine_batch_run (libs/engine: the pure
 * loop body), one compare-and-set of the new state with the effects as one
 * outbox entry, one drain.
 *
 * Verdicts: a request applied and saved, or a duplicate, is DONE; a
 * malformed one is REJECTED (dead letter). A compare-and-set conflict or a
 * failed save makes the pipeline's requests RETRY (they are redone on the
 * state that won). A request that must wait (its declaration cannot be
 * loaded now, the outbox is not carried out yet) makes the later requests
 * of its pipeline wait too, so their order holds. Single-threaded.
 */
#ifndef SLUICE_ORCH_BATCH_H
#define SLUICE_ORCH_BATCH_H

#include "orch_handler.h"

#include "sluice/bus_consumer.h"

#define ORCH_BATCH_OPS_MAX                                                                         \
    2000                   /* effects gathered before a batch saves (bounds one outbox entry) */
#define ORCH_BATCH_MAX 256 /* requests taken from Kafka at once */

/* The bus_consumer_batch_handler for the requests topic (ctx = orch_handler *). */
void orch_batch_handle(bus_consumer_item *items, size_t n, void *ctx);

#endif
