/*
 * libFuzzer target: sluice-artifacts' names to paths (art_keypath). Any bytes
 * as a key or bucket name: a key accepted maps to "objects/<2 hex>/<64 hex>"
 * (never a separator, ".." or case from the key); a bucket accepted has only
 * [a-z0-9.-].
 */
#include "art_keypath.h"

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
    char path[ART_KEYPATH_REL_MAX];
    if (art_keypath_object(text, path, sizeof path) == 0) {
        if (strlen(path) != 8 + 3 + 64 || strncmp(path, "objects/", 8) != 0 ||
            strstr(path, "..") != NULL) {
            abort();
        }
        for (size_t i = 8; path[i] != '\0'; i++) {
            char c = path[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (i == 10 && c == '/'))) {
                abort();
            }
        }
    }
    if (art_keypath_bucket_valid(text)) {
        for (const char *p = text; *p != '\0'; p++) {
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')) {
                abort();
            }
        }
        if (strstr(text, "..") != NULL || strchr(text, '/') != NULL) {
            abort();
        }
    }
    free(text);
    return 0;
}
