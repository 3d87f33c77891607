/*
 * engine_ids.h — where the engine's fresh identifiers come from.
 *
 * The engine never draws randomness: every id it mints during a step (a new
 * pipeline execution id, action execution ids, job ids, approval tokens) comes
 * from an engine_id_source handed in by the caller, and every event id is
 * derived from the execution id and the execution's event sequence number.
 * With a deterministic source, replaying the same input on the same state
 * yields byte-identical effects, so re-processing a request after a crash
 * produces exact duplicates that consumers drop by id.
 *
 * engine_ids_seeded is the deterministic source Sluice uses: id number n of a
 * seed is the UUID (version 4 layout, lowercase, CodePipeline's id pattern)
 * formatted from the first 16 bytes of SHA-256(seed "/" n) — or, when the
 * source is given a key, of HMAC-SHA256(key, seed "/" n). The orchestrator
 * seeds it with something unique to the input (e.g. topic/partition/offset of
 * the request) so ids are fresh across inputs and stable across replays, and
 * keys it with its secret id key (SLUICE_ORCHESTRATOR_ID_KEY_FILE) so that
 * job ids, action execution ids and approval tokens cannot be guessed from
 * partition offsets by anyone without the key. The key is handed in: the
 * engine reads no file and draws no randomness.
 *
 * Pure; a source is used by one thread at a time.
 */
#ifndef SLUICE_ENGINE_IDS_H
#define SLUICE_ENGINE_IDS_H

#include <stddef.h>
#include <stdint.h>

#define ENGINE_ID_LEN       36  /* a UUID without its terminator */
#define ENGINE_IDS_SEED_MAX 256 /* bytes of seed kept; longer seeds are truncated */
#define ENGINE_IDS_KEY_MAX  128 /* bytes of id key kept; longer keys are truncated */

/* A source of fresh ids: next writes one id and a terminator into out. */
typedef struct engine_id_source {
    void (*next)(void *ctx, char out[ENGINE_ID_LEN + 1]);
    void *ctx;
} engine_id_source;

/* The deterministic source: ids derived from a seed and a counter. */
typedef struct engine_ids_seeded {
    char seed[ENGINE_IDS_SEED_MAX + 1];
    uint64_t counter; /* how many ids were drawn */
    unsigned char key[ENGINE_IDS_KEY_MAX];
    size_t key_len; /* 0: unkeyed (SHA-256) */
} engine_ids_seeded;

/* Starts an unkeyed seeded source at counter 0. seed may be NULL (""). */
void engine_ids_seeded_init(engine_ids_seeded *ids, const char *seed);

/*
 * Starts a keyed seeded source at counter 0: ids are HMAC-SHA256(key,
 * seed "/" n). key is copied (up to ENGINE_IDS_KEY_MAX bytes); a NULL key or
 * key_len 0 gives the unkeyed source of engine_ids_seeded_init.
 */
void engine_ids_seeded_init_keyed(engine_ids_seeded *ids, const char *seed,
                                  const unsigned char *key, size_t key_len);

/* An engine_id_source drawing from ids; ids must outlive the source. */
engine_id_source engine_ids_seeded_source(engine_ids_seeded *ids);

/*
 * Writes the UUID derived from (name, n): SHA-256(name "/" n), first 16
 * bytes, UUID v4 layout. Pure; the same arguments always give the same id.
 */
void engine_ids_derive(const char *name, uint64_t n, char out[ENGINE_ID_LEN + 1]);

/*
 * As engine_ids_derive with HMAC-SHA256(key, name "/" n); key_len 0 is
 * engine_ids_derive itself. Pure.
 */
void engine_ids_derive_keyed(const unsigned char *key, size_t key_len, const char *name, uint64_t n,
                             char out[ENGINE_ID_LEN + 1]);

/* Draws one id from source into out. */
void engine_ids_next(const engine_id_source *source, char out[ENGINE_ID_LEN + 1]);

#endif
