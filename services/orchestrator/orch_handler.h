/*
 * orch_handler.h — the orchestrator's loop body: one request in, one state
 * change out.
 *
 *   consume (bus, a batch at a time) → load the pipeline's state (Redis, or
 *   the copy kept from this process's last save) → engine_step each of the
 *   pipeline's requests → compare-and-set the new state together with their
 *   effects as outbox → carry the outbox out (publish events and jobs,
 *   timers, replies, history) → ack the outbox → the consumer stores the
 *   offsets.
 *
 * Crash safety: the state and its effects are written in one atomic step, so
 * a crash after the write re-publishes the outbox (event and job ids are
 * deterministic, consumers drop duplicates); a crash before it re-delivers the
 * request, which is stepped again from the unchanged state. The state records
 * the offset of the last request applied per partition, so a request
 * delivered again after the write is not stepped twice. Ids minted by the
 * engine are derived from "<topic>/<partition>/<offset>", so stepping the
 * same request twice mints the same ids.
 *
 * Outboxes left behind by a crashed replica are found by orch_handler_sweep.
 * Due timers are claimed atomically (orch_store_timers_claim) and turned into
 * TimerFired requests on the requests topic, so they take the same path as
 * every other input and several replicas never fire one timer twice.
 *
 * Single-threaded: everything runs on the consumer's thread.
 */
#ifndef SLUICE_ORCH_HANDLER_H
#define SLUICE_ORCH_HANDLER_H

#include "orch_store.h"

#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"
#include "sluice/engine_state.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORCH_CACHE_SLOTS   64
#define ORCH_BATCH_OPS_MAX 2000 /* ops gathered before a batch saves (bounds one outbox entry) */
#define ORCH_BATCH_MAX     256  /* requests taken from Kafka at once */

typedef struct orch_handler_stats {
    uint64_t steps;         /* requests stepped and saved */
    uint64_t saves;         /* state saves (one per pipeline per batch, mostly) */
    uint64_t duplicates;    /* requests already applied, skipped */
    uint64_t rejected;      /* malformed requests dead-lettered */
    uint64_t conflicts;     /* compare-and-set conflicts (retried) */
    uint64_t cache_hits;    /* requests stepped on a state kept from the previous save */
    uint64_t published;     /* outbox entries carried out */
    uint64_t timers;        /* timers fired */
    uint64_t last_batch_ns; /* duration of the latest batch, consume to outbox acked */
} orch_handler_stats;

/*
 * A pipeline state this process saved and whose outbox it emptied, kept
 * parsed so the next request of that pipeline skips loading and parsing it.
 * It is only a guess: the save's compare-and-set proves it current (a
 * conflict drops it and the request is stepped again from Redis).
 */
typedef struct orch_cache_slot {
    char pipeline[104];
    uint64_t version;    /* the version saved; 0: empty slot */
    engine_state *state; /* owned */
    json_t *applied;     /* owned: the state document's "applied" offsets */
} orch_cache_slot;

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
    bool save_each;          /* save after every request: finding the one whose state is too big */
    orch_handler_stats stats;
    orch_cache_slot cache[ORCH_CACHE_SLOTS];
} orch_handler;

/* The wall clock as the engine sees it: now plus clock_offset_ms. */
int64_t orch_handler_now_ms(const orch_handler *h);

/* Sets h up over borrowed parts. */
void orch_handler_init(orch_handler *h, orch_store *store, bus_producer *producer,
                       const bus_topics *topics, const char *account, const char *region);

/* Frees the cached states. h stays usable (with an empty cache). */
void orch_handler_release(orch_handler *h);

/*
 * The bus_consumer_batch_handler for the requests topic (ctx = orch_handler *):
 * requests of one pipeline in a batch are stepped in order on one loaded
 * state and saved together (one compare-and-set, one outbox entry, one
 * drain). A request that must wait (RETRY) makes the later requests of its
 * pipeline wait too, so their order holds.
 */
void orch_handler_handle_batch(bus_consumer_item *items, size_t n, void *ctx);

/*
 * Carries out the pending outbox of pipeline (entries older than
 * min_age_ms only, 0 for all) and acks it. 0, or the first failure (the
 * entries not acked stay for the next attempt).
 */
int orch_handler_drain_outbox(orch_handler *h, const char *pipeline, int64_t min_age_ms);

/* Claims due timers and publishes a TimerFired request for each. Returns how many fired, or < 0. */
int orch_handler_fire_timers(orch_handler *h, int64_t now_ms);

/* Drains outboxes older than min_age_ms of every pipeline (a bounded SCAN pass). */
void orch_handler_sweep(orch_handler *h, int64_t min_age_ms);

#endif
