/*
 * orch_handler.h — what the orchestrator's shell modules share: the borrowed
 * connections, the settings, the counters and the kept-state cache.
 *
 *   consume (bus, a batch at a time) → orch_batch: load the pipeline's state
 *   (Redis, or the copy kept in orch_cache) → engine_batch_run the
 *   pipeline's requests (the pure loop body, libs/engine) → compare-and-set
 *   the new state together with their effects as outbox → orch_outbox:
 *   carry the outbox out (publish events and jobs, timers, replies,
 *   history) → ack the outbox → the consumer stores the offsets.
 *   orch_timers turns due timers into requests; orch_sweep carries out
 *   outboxes a crashed replica left.
 *
 * Crash safety: the state and its effects are written in one atomic step, so
 * a crash after the write re-publishes the outbox (event and job ids are
 * deterministic, consumers drop duplicates); a crash before it re-delivers the
 * request, which is stepped again from the unchanged state. The state records
 * the offset of the last request applied per partition, so a request
 * delivered again after the write is not stepped twice. Ids minted by the
 * engine are derived from "<topic>/<partition>/<offset>", so stepping the
 * same request twice mints the same ids. Requests that must wait for their
 * pipeline's outbox are parked in its state (orch_park.h), so their offsets
 * may be stored and only that pipeline waits; failing outbox ops are retried
 * and, when refused for good, dead-lettered (orch_retry.h, orch_outbox.h).
 *
 * Single-threaded: everything runs on the consumer's thread.
 */
#ifndef SLUICE_ORCH_HANDLER_H
#define SLUICE_ORCH_HANDLER_H

#include "orch_cache.h"
#include "orch_retry.h"
#include "orch_store.h"

#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"

#include <stddef.h>
#include <stdint.h>

typedef struct orch_handler_stats {
    uint64_t steps;          /* requests stepped and saved */
    uint64_t saves;          /* state saves (one per pipeline per batch, mostly) */
    uint64_t duplicates;     /* requests already applied, skipped */
    uint64_t rejected;       /* malformed requests dead-lettered */
    uint64_t conflicts;      /* compare-and-set conflicts (retried) */
    uint64_t cache_hits;     /* requests stepped on a state kept from the previous save */
    uint64_t published;      /* outbox ops carried out */
    uint64_t timers;         /* timers fired */
    uint64_t oversized;      /* jobs failed because they exceed the bus's message bound */
    uint64_t dead_lettered;  /* outbox ops given up after bounded retries, dead-lettered */
    uint64_t parked;         /* requests parked behind their pipeline's outbox */
    uint64_t events_trimmed; /* events trimmed (or dropped) to fit the bus's message bound */
    uint64_t from_memory;    /* outbox entries carried out from memory, not read back */
    uint64_t last_batch_ns;  /* duration of the latest batch, consume to outbox acked */
} orch_handler_stats;

#define ORCH_HANDLER_PARKED_MAX 64 /* pipelines with parked requests the sweep revisits */

typedef struct orch_handler {
    orch_store *store;        /* borrowed */
    bus_producer *producer;   /* borrowed */
    const bus_topics *topics; /* borrowed */
    const char *account;
    const char *region;
    int publish_timeout_ms;
    int64_t timer_lease_ms;
    int64_t clock_offset_ms; /* added to the wall clock (SLUICE_CLOCK_OFFSET_MS) */
    size_t keep_terminal;    /* terminal executions a state keeps (SLUICE_STATE_KEEP_TERMINAL) */
    size_t message_max;      /* the bus's message bound (SLUICE_BUS_MESSAGE_MAX); 0: none */
    bool save_each;          /* save after every request: finding the one whose state is too big */
    const char *group;       /* the consumer group, named in dead letters of ops */
    const unsigned char *id_key; /* keys the ids the engine mints (orch_idkey.h); borrowed */
    size_t id_key_len;
    orch_retry_policy retry;  /* outbox ops failing permanently: attempts, backoff */
    orch_retry_table failing; /* outbox entries that failed, with their attempts */
    int delivery_rc;          /* the latest failed delivery report (orch_outbox_on_delivery) */
    char delivery_reason[ORCH_RETRY_REASON_MAX];
    char parked[ORCH_HANDLER_PARKED_MAX][104]; /* pipelines this replica parked requests of */
    size_t nparked;
    orch_handler_stats stats;
    orch_cache cache;
} orch_handler;

/* The wall clock as the engine sees it: now plus clock_offset_ms. */
int64_t orch_handler_now_ms(const orch_handler *h);

/* Sets h up over borrowed parts, with the default settings. */
void orch_handler_init(orch_handler *h, orch_store *store, bus_producer *producer,
                       const bus_topics *topics, const char *account, const char *region);

/* Frees the cached states. h stays usable (with an empty cache). */
void orch_handler_release(orch_handler *h);

#endif
