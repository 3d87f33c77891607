/*
 * libFuzzer target: sluice-artifacts' copy headers (art_copy). Any bytes as an
 * x-amz-copy-source: an accepted source has a valid bucket and key; any bytes
 * as an x-amz-copy-source-range against a 1000-byte source: an accepted range
 * lies inside the source and is not empty.
 */
#include "art_copy.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    art_copy_source src;
    if (art_copy_source_parse(text, &src) == SLUICE_OK &&
        (!art_keypath_bucket_valid(src.bucket) || !art_keypath_key_valid(src.key))) {
        abort();
    }
    uint64_t start = 0;
    uint64_t length = 0;
    if (art_copy_range_parse(text, 1000, &start, &length) == SLUICE_OK &&
        (length == 0 || start >= 1000 || start + length > 1000)) {
        abort();
    }
    free(text);
    return 0;
}
