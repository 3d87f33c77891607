/*
 * ntf_intake.h — the consumer side: each event of sluice.events is matched
 * against the enabled rules and queued once for every target a matching
 * rule names (the first matching rule decides the detail level).
 *
 * Events that are not JSON objects are dead-lettered by libs/bus before they
 * get here; an event that matches nothing is done at once. The offset is
 * stored only after every delivery of the event is in Redis, so a crash
 * replays the event and the queue's markers drop what was queued already.
 * An aggregate rule's events are appended to the execution's digest instead
 * (ntf_queue_digest_add); the execution's outcome event is queued for every
 * target of the rule that has a digest or that the rule selects, and goes
 * out with the digest.
 * A target whose queue is full, or Redis being down, makes the message wait
 * (BUS_CONSUMER_RETRY): the partition pauses and nothing is lost.
 *
 * Threads: the consumer's thread (main); uses the service's rules and its
 * own Redis connection.
 */
#ifndef SLUICE_NTF_INTAKE_H
#define SLUICE_NTF_INTAKE_H

#include "ntf_service.h"

#include "sluice/bus_consumer.h"
#include "sluice/state_redis.h"

typedef struct ntf_intake {
    ntf_service *service;
    state_redis *redis; /* borrowed */
    ntf_facts facts;    /* scratch for the event in hand (too big for the stack) */
} ntf_intake;

/* The bus_consumer_handler; ctx is an ntf_intake. */
bus_consumer_verdict ntf_intake_handle(const bus_consumer_message *msg, void *ctx, char *reason,
                                       size_t reasonlen);

#endif
