/*
 * engine_ids.c — deterministic identifiers (see engine_ids.h): SHA-256 of a
 * name and a counter (or their HMAC-SHA256 under an id key), laid out as a
 * lowercase UUID v4.
 */
#include "sluice/engine_ids.h"

#include "sluice/id.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* name "/" n as one allocated string (aborts on OOM, the engine's policy). */
static char *engine_ids_message(const char *name, uint64_t n)
{
    size_t len = strlen(name) + 32;
    char *message = malloc(len);
    if (message == NULL) {
        abort();
    }
    snprintf(message, len, "%s/%" PRIu64, name, n);
    return message;
}

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

void engine_ids_derive_keyed(const unsigned char *key, size_t key_len, const char *name, uint64_t n,
                             char out[ENGINE_ID_LEN + 1])
{
    if (key == NULL || key_len == 0) {
        engine_ids_derive(name, n, out);
        return;
    }
    const char *text = name != NULL ? name : "";
    char *message = engine_ids_message(text, n);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)message, strlen(message), mac,
             &mac_len) == NULL ||
        mac_len < 16) {
        abort(); /* OpenSSL failing: the engine's out-of-memory policy */
    }
    free(message);
    sluice_uuid_v4_from_bytes(mac, out);
    OPENSSL_cleanse(mac, sizeof mac);
}

void engine_ids_seeded_init(engine_ids_seeded *ids, const char *seed)
{
    engine_ids_seeded_init_keyed(ids, seed, NULL, 0);
}

void engine_ids_seeded_init_keyed(engine_ids_seeded *ids, const char *seed,
                                  const unsigned char *key, size_t key_len)
{
    memset(ids, 0, sizeof *ids);
    if (seed != NULL) {
        snprintf(ids->seed, sizeof ids->seed, "%s", seed);
    }
    if (key != NULL && key_len > 0) {
        ids->key_len = key_len < sizeof ids->key ? key_len : sizeof ids->key;
        memcpy(ids->key, key, ids->key_len);
    }
}

static void engine_ids_seeded_next(void *ctx, char out[ENGINE_ID_LEN + 1])
{
    engine_ids_seeded *ids = ctx;
    engine_ids_derive_keyed(ids->key, ids->key_len, ids->seed, ids->counter, out);
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
