/*
 * con_intake.h — the console's one consumer of sluice.events: each
 * CodePipeline state change (signature verified by the consumer) is reduced
 * to what a browser needs (con_core_event_data) and fanned out by the hub.
 * Runs on the main thread.
 */
#ifndef SLUICE_CON_INTAKE_H
#define SLUICE_CON_INTAKE_H

#include "con_service.h"

#include "sluice/bus_consumer.h"

/* The consumer's handler; ctx is the con_service. Never retries: a live view drops what it can't
 * show. */
bus_consumer_verdict con_intake_event(const bus_consumer_message *msg, void *ctx, char *reason,
                                      size_t reasonlen);

#endif
