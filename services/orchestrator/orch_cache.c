/*
 * orch_cache.c — the kept states of recently saved pipelines (see orch_cache.h).
 */
#include "orch_cache.h"

#include <stdio.h>
#include <string.h>

static orch_cache_slot *slot_of(orch_cache *cache, const char *pipeline)
{
    uint32_t hash = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)pipeline; *p != '\0'; p++) {
        hash = (hash ^ *p) * 16777619u;
    }
    return &cache->slots[hash % ORCH_CACHE_SLOTS];
}

static void slot_clear(orch_cache_slot *slot)
{
    engine_state_free(slot->state);
    json_decref(slot->applied);
    memset(slot, 0, sizeof *slot);
}

bool orch_cache_take(orch_cache *cache, const char *pipeline, uint64_t *version,
                     engine_state **state, json_t **applied)
{
    orch_cache_slot *slot = slot_of(cache, pipeline);
    if (slot->version == 0 || strcmp(slot->pipeline, pipeline) != 0) {
        return false;
    }
    *version = slot->version;
    *state = slot->state;
    *applied = slot->applied;
    memset(slot, 0, sizeof *slot);
    return true;
}

void orch_cache_put(orch_cache *cache, const char *pipeline, uint64_t version, engine_state *state,
                    json_t *applied)
{
    orch_cache_slot *slot = slot_of(cache, pipeline);
    slot_clear(slot);
    snprintf(slot->pipeline, sizeof slot->pipeline, "%s", pipeline);
    slot->version = version;
    slot->state = state;
    slot->applied = applied;
}

void orch_cache_drop(orch_cache *cache, const char *pipeline)
{
    orch_cache_slot *slot = slot_of(cache, pipeline);
    if (slot->version != 0 && strcmp(slot->pipeline, pipeline) == 0) {
        slot_clear(slot);
    }
}

void orch_cache_release(orch_cache *cache)
{
    for (size_t i = 0; i < ORCH_CACHE_SLOTS; i++) {
        slot_clear(&cache->slots[i]);
    }
}
