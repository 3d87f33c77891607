/*
 * orch_batch.h — a batch of requests from the requests topic, per pipeline:
 * one load (or the kept state), one engine_batch_run (libs/engine: the pure
 * loop body), one compare-and-set of the new state with the effects as one
 * outbox entry, one drain.
 *
 * Verdicts: a request applied and saved, or a duplicate, is DONE; a
 * malformed one is REJECTED (dead letter). A compare-and-set conflict or a
 * failed save makes the pipeline's requests RETRY (they are redone on the
 * state that won). While a pipeline's outbox cannot be carried out, its
 * requests are parked in its state (orch_park.h) and are DONE: they hold
 * back only that pipeline, and the partition's offsets move on; they are
 * stepped first, in order, once the outbox is out (the pipeline's next
 * request, or the sweep: orch_batch_unpark). A request that must wait for
 * another reason (its declaration cannot be loaded now: Redis) makes the
 * later requests of its pipeline RETRY, so their order holds; a
 * PipelineDeleted behind parked requests RETRYs until they are stepped.
 * Single-threaded.
 */
#ifndef SLUICE_ORCH_BATCH_H
#define SLUICE_ORCH_BATCH_H

#include "orch_handler.h"

#include "sluice/bus_consumer.h"

#define ORCH_BATCH_OPS_MAX                                                                         \
    2000                   /* effects gathered before a batch saves (bounds one outbox entry) */
#define ORCH_BATCH_MAX 256 /* requests taken from Kafka at once */

/*
 * Steps the requests pipeline parked (see orch_park.h) once nothing holds
 * them any more: the sweep calls it for every pipeline h->parked names.
 */
void orch_batch_unpark(orch_handler *h, const char *pipeline);

/* The bus_consumer_batch_handler for the requests topic (ctx = orch_handler *). */
void orch_batch_handle(bus_consumer_item *items, size_t n, void *ctx);

#endif
