/*
 * orch_timers.h — due timers become TimerFired requests.
 *
 * Due timers are claimed atomically (orch_store_timers_claim) and turned into
 * TimerFired requests on the requests topic, so they take the same path as
 * every other input and several replicas never fire one timer twice; a claim
 * not published is retried when its lease runs out. Single-threaded.
 */
#ifndef SLUICE_ORCH_TIMERS_H
#define SLUICE_ORCH_TIMERS_H

#include "orch_handler.h"

#include <stdint.h>

/* Claims due timers and publishes a TimerFired request for each. Returns how many fired, or < 0. */
int orch_timers_fire(orch_handler *h, int64_t now_ms);

#endif
