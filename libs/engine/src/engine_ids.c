/*
 * engine_ids.c — deterministic identifiers (see engine_ids.h): SHA-256 of a
 * name and a counter, laid out as a lowercase UUID v4.
 */
#include "sluice/engine_ids.h"

#include "sluice/id.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void engine_ids_derive(const char *name, uint64_t n, char out[ENGINE_ID_LEN + 1])
{
    char counter[32];
    int len = snprintf(counter, sizeof counter, "/%" PRIu64, n);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL) {
        abort(); /* out of memory: the engine's policy (engine_util.h) */
    }
    const char *text = name != NULL ? name : "";
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(md, text, strlen(text)) != 1 ||
        EVP_DigestUpdate(md, counter, (size_t)len) != 1 ||
        EVP_DigestFinal_ex(md, digest, &digest_len) != 1 || digest_len < 16) {
        abort();
    }
    EVP_MD_CTX_free(md);
    sluice_uuid_v4_from_bytes(digest, out);
}

void engine_ids_seeded_init(engine_ids_seeded *ids, const char *seed)
{
    memset(ids, 0, sizeof *ids);
    if (seed != NULL) {
        snprintf(ids->seed, sizeof ids->seed, "%s", seed);
    }
}

static void engine_ids_seeded_next(void *ctx, char out[ENGINE_ID_LEN + 1])
{
    engine_ids_seeded *ids = ctx;
    engine_ids_derive(ids->seed, ids->counter, out);
    ids->counter++;
}

engine_id_source engine_ids_seeded_source(engine_ids_seeded *ids)
{
    engine_id_source source = {.next = engine_ids_seeded_next, .ctx = ids};
    return source;
}

void engine_ids_next(const engine_id_source *source, char out[ENGINE_ID_LEN + 1])
{
    source->next(source->ctx, out);
}
