/*
 * orch_cache.h — pipeline states this process saved and whose outbox it
 * emptied, kept parsed so the next request of that pipeline skips loading
 * and parsing it.
 *
 * A kept state is only a guess: the save's compare-and-set proves it current
 * (a conflict drops it and the request is stepped again from Redis). One
 * slot per hash of the pipeline name; a newcomer evicts the slot's tenant.
 * Single-threaded.
 */
#ifndef SLUICE_ORCH_CACHE_H
#define SLUICE_ORCH_CACHE_H

#include "sluice/engine_state.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define ORCH_CACHE_SLOTS 64

typedef struct orch_cache_slot {
    char pipeline[104];
    uint64_t version;    /* the version saved; 0: empty slot */
    engine_state *state; /* owned */
    json_t *applied;     /* owned: the state document's "applied" offsets */
} orch_cache_slot;

typedef struct orch_cache {
    orch_cache_slot slots[ORCH_CACHE_SLOTS];
} orch_cache;

/*
 * Takes the kept state of pipeline out of the cache: true with *version,
 * *state and *applied (now owned by the caller), false when there is none.
 */
bool orch_cache_take(orch_cache *cache, const char *pipeline, uint64_t *version,
                     engine_state **state, json_t **applied);

/* Keeps state and applied (ownership taken) as the saved version of pipeline. */
void orch_cache_put(orch_cache *cache, const char *pipeline, uint64_t version, engine_state *state,
                    json_t *applied);

/* Forgets pipeline's kept state, if any. */
void orch_cache_drop(orch_cache *cache, const char *pipeline);

/* Frees every kept state; the cache stays usable (empty). */
void orch_cache_release(orch_cache *cache);

#endif
