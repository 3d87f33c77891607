/*
 * libFuzzer target: sluice-artifacts' spool records (art_spool_parse), which
 * are read back from disk after a restart. Any bytes: an accepted record has
 * a key of 1..ART_SPOOL_KEY_MAX bytes without NUL or newline, and key,
 * newline and payload cover the input exactly.
 */
#include "art_spool.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *key = NULL;
    const void *payload = NULL;
    size_t keylen = 0, payloadlen = 0;
    if (art_spool_parse(data, size, &key, &keylen, &payload, &payloadlen) != SLUICE_OK) {
        return 0;
    }
    if (keylen == 0 || keylen > ART_SPOOL_KEY_MAX || memchr(key, '\n', keylen) != NULL ||
        memchr(key, '\0', keylen) != NULL || keylen + 1 + payloadlen != size ||
        key != (const char *)data || (const uint8_t *)payload != data + keylen + 1) {
        abort();
    }
    return 0;
}
