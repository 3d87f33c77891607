/*
 * orch_fault.h — the orchestrator's named fault points (sluice/fault.h), for
 * crash tests only (SLUICE_FAULT_POINTS, SLUICE_FAULT_LOG):
 *
 *   after_cas      the compare-and-set of a state with its outbox succeeded;
 *                  nothing of that outbox is carried out yet
 *   after_publish  an outbox's events and jobs are published and flushed
 *                  (acknowledged by the broker); the outbox is not trimmed yet
 *   after_trim     the outbox is trimmed; the consumer has not stored the
 *                  offsets of the requests that produced it yet
 *
 * Each is one SLUICE_FAULT_POINT line at that spot in orch_batch.c and
 * orch_outbox.c.
 */
#ifndef SLUICE_ORCH_FAULT_H
#define SLUICE_ORCH_FAULT_H

#include "sluice/fault.h"

#include <stddef.h>

#define ORCH_FAULT_AFTER_CAS     "after_cas"
#define ORCH_FAULT_AFTER_PUBLISH "after_publish"
#define ORCH_FAULT_AFTER_TRIM    "after_trim"

/*
 * Arms the points SLUICE_FAULT_POINTS names among the three above. Call once
 * from main before threads start. 0 (nothing armed when unset), or
 * SLUICE_EPARSE / SLUICE_ETOOBIG with err naming the variable and the entry.
 */
int orch_fault_init(char *err, size_t errlen);

#endif
