/*
 * aws_replay.c — the signature replay cache (see aws_replay.h).
 *
 * A chained hash table over a fixed pool: entries[max] hold the 32 signature
 * bytes, the expiry and the index of the next entry of their chain; free
 * entries form a list through the same index. Buckets are a power of two at
 * least twice the pool, indexed by the signature's first bytes (an HMAC
 * output, uniform for anyone without the key).
 */
#include "sluice/aws_replay.h"

#include "sluice/aws_sigv4.h"
#include "sluice/error.h"
#include "sluice/hex.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_NONE    UINT32_MAX
#define REPLAY_SIG_LEN 32

typedef struct replay_entry {
    unsigned char sig[REPLAY_SIG_LEN];
    int64_t expires_ms;
    uint32_t next;
} replay_entry;

struct aws_replay {
    pthread_mutex_t lock;
    replay_entry *entries;
    uint32_t *buckets;
    size_t nbuckets; /* power of two */
    size_t max_entries;
    size_t count;
    uint32_t free_head;
};

int aws_replay_new(size_t max_entries, aws_replay **out)
{
    *out = NULL;
    if (max_entries == 0 || max_entries > AWS_REPLAY_MAX_ENTRIES) {
        return SLUICE_EINVAL;
    }
    aws_replay *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return SLUICE_ENOMEM;
    }
    c->nbuckets = 16;
    while (c->nbuckets < 2 * max_entries) {
        c->nbuckets *= 2;
    }
    c->entries = calloc(max_entries, sizeof *c->entries);
    c->buckets = malloc(c->nbuckets * sizeof *c->buckets);
    if (c->entries == NULL || c->buckets == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->entries);
        free(c->buckets);
        free(c);
        return SLUICE_ENOMEM;
    }
    for (size_t i = 0; i < c->nbuckets; i++) {
        c->buckets[i] = REPLAY_NONE;
    }
    for (size_t i = 0; i < max_entries; i++) {
        c->entries[i].next = i + 1 < max_entries ? (uint32_t)(i + 1) : REPLAY_NONE;
    }
    c->free_head = 0;
    c->max_entries = max_entries;
    *out = c;
    return SLUICE_OK;
}

void aws_replay_free(aws_replay *cache)
{
    if (cache == NULL) {
        return;
    }
    pthread_mutex_destroy(&cache->lock);
    free(cache->entries);
    free(cache->buckets);
    free(cache);
}

/* Decodes 64 hex digits into 32 bytes. */
static bool replay_decode(const char *hex, unsigned char out[REPLAY_SIG_LEN])
{
    if (hex == NULL || strnlen(hex, AWS_SIGV4_HEX_LEN + 1) != AWS_SIGV4_HEX_LEN) {
        return false;
    }
    for (size_t i = 0; i < REPLAY_SIG_LEN; i++) {
        int hi = sluice_hex_value(hex[2 * i]);
        int lo = sluice_hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = (unsigned char)(hi * 16 + lo);
    }
    return true;
}

static size_t replay_bucket(const aws_replay *c, const unsigned char sig[REPLAY_SIG_LEN])
{
    uint64_t h = 0;
    for (size_t i = 0; i < 8; i++) {
        h = (h << 8) | sig[i];
    }
    return (size_t)(h & (c->nbuckets - 1));
}

/* Unlinks entry i (whose predecessor link is *link) and returns it to the free list. */
static void replay_release(aws_replay *c, uint32_t *link, uint32_t i)
{
    *link = c->entries[i].next;
    c->entries[i].next = c->free_head;
    c->free_head = i;
    c->count--;
}

/* Drops every expired entry. */
static void replay_sweep(aws_replay *c, int64_t now_ms)
{
    for (size_t b = 0; b < c->nbuckets; b++) {
        uint32_t *link = &c->buckets[b];
        while (*link != REPLAY_NONE) {
            uint32_t i = *link;
            if (c->entries[i].expires_ms <= now_ms) {
                replay_release(c, link, i);
            } else {
                link = &c->entries[i].next;
            }
        }
    }
}

int aws_replay_check(aws_replay *cache, const char *signature, int64_t expires_ms, int64_t now_ms)
{
    unsigned char sig[REPLAY_SIG_LEN];
    if (cache == NULL || !replay_decode(signature, sig) || expires_ms <= now_ms) {
        return SLUICE_EINVAL;
    }
    pthread_mutex_lock(&cache->lock);
    size_t b = replay_bucket(cache, sig);
    uint32_t *link = &cache->buckets[b];
    int rc = SLUICE_OK;
    while (*link != REPLAY_NONE) {
        uint32_t i = *link;
        if (cache->entries[i].expires_ms <= now_ms) {
            replay_release(cache, link, i);
            continue;
        }
        if (memcmp(cache->entries[i].sig, sig, REPLAY_SIG_LEN) == 0) {
            rc = SLUICE_EEXIST;
            break;
        }
        link = &cache->entries[i].next;
    }
    if (rc == SLUICE_OK && cache->free_head == REPLAY_NONE) {
        replay_sweep(cache, now_ms);
    }
    if (rc == SLUICE_OK && cache->free_head == REPLAY_NONE) {
        rc = SLUICE_ETOOBIG;
    }
    if (rc == SLUICE_OK) {
        uint32_t i = cache->free_head;
        cache->free_head = cache->entries[i].next;
        memcpy(cache->entries[i].sig, sig, REPLAY_SIG_LEN);
        cache->entries[i].expires_ms = expires_ms;
        cache->entries[i].next = cache->buckets[b];
        cache->buckets[b] = i;
        cache->count++;
    }
    pthread_mutex_unlock(&cache->lock);
    return rc;
}

int aws_replay_forget(aws_replay *cache, const char *signature)
{
    unsigned char sig[REPLAY_SIG_LEN];
    if (cache == NULL || !replay_decode(signature, sig)) {
        return SLUICE_EINVAL;
    }
    pthread_mutex_lock(&cache->lock);
    uint32_t *link = &cache->buckets[replay_bucket(cache, sig)];
    int rc = SLUICE_ENOTFOUND;
    while (*link != REPLAY_NONE) {
        uint32_t i = *link;
        if (memcmp(cache->entries[i].sig, sig, REPLAY_SIG_LEN) == 0) {
            replay_release(cache, link, i);
            rc = SLUICE_OK;
            break;
        }
        link = &cache->entries[i].next;
    }
    pthread_mutex_unlock(&cache->lock);
    return rc;
}

size_t aws_replay_count(aws_replay *cache)
{
    if (cache == NULL) {
        return 0;
    }
    pthread_mutex_lock(&cache->lock);
    size_t n = cache->count;
    pthread_mutex_unlock(&cache->lock);
    return n;
}
