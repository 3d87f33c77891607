/*
 * orch_sweep.h — outboxes left behind by a crashed replica: a bounded SCAN
 * pass finds pipelines with a pending outbox and carries out the entries old
 * enough that their own writer is not carrying them out any more; then the
 * pipelines with parked requests — those this replica parked, and those
 * noted in the parked set sluice:parked:<requests topic> whose outbox is
 * out (noted by an earlier life of the replica, or by another one; a
 * bounded SSCAN, up to ORCH_HANDLER_PARKED_MAX at a time) — get them
 * stepped (orch_batch_unpark), once their outbox is out; a note whose
 * pipeline holds none any more is removed. Single-threaded.
 */
#ifndef SLUICE_ORCH_SWEEP_H
#define SLUICE_ORCH_SWEEP_H

#include "orch_handler.h"

#include <stdint.h>

/* Drains outboxes older than min_age_ms of every pipeline (a bounded SCAN pass). */
void orch_sweep_run(orch_handler *h, int64_t min_age_ms);

#endif
