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
 *
 * A pass goes in slices (orch_sweep_step): one SCAN or SSCAN round each, then
 * the unparking, so the loop consumes requests between them — a SCAN pass
 * over a keyspace of many thousand records takes tens of milliseconds in
 * one piece, which a request arriving meanwhile would wait for.
 */
#ifndef SLUICE_ORCH_SWEEP_H
#define SLUICE_ORCH_SWEEP_H

#include "orch_handler.h"

#include <stdbool.h>
#include <stdint.h>

/* A sweep pass under way; zeroed (or after its last slice) it is idle. */
typedef struct orch_sweep {
    int phase; /* 0 idle, 1 outboxes (SCAN), 2 parked notes (SSCAN), 3 unparking */
    char cursor[32];
    int rounds;
    int64_t min_age_ms;
} orch_sweep;

/* Starts a pass over outboxes older than min_age_ms (restarts one under way). */
void orch_sweep_start(orch_sweep *s, int64_t min_age_ms);

/* Runs the next slice of s's pass. true while slices remain (s stays active). */
bool orch_sweep_step(orch_sweep *s, orch_handler *h);

/* True while a pass is under way. */
bool orch_sweep_active(const orch_sweep *s);

/* A whole pass at once: drains outboxes older than min_age_ms of every pipeline. */
void orch_sweep_run(orch_handler *h, int64_t min_age_ms);

#endif
