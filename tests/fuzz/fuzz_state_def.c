/*
 * fuzz_state_def.c — libFuzzer target over state_def_parse (libs/state
 * state_def.h), the reader of stored pipeline definitions. The input is
 * copied into a heap block of exactly its size. Beyond not crashing: a parse
 * either gives an object with a "pipeline" object, or fails with no document
 * and a message.
 */
#include "sluice/error.h"
#include "sluice/state_def.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size > 0 ? size : 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    json_t *doc = NULL;
    char err[256] = "";
    int rc = state_def_parse(text, size, &doc, err, sizeof err);
    free(text);
    if (rc != SLUICE_OK) {
        if (doc != NULL || err[0] == '\0') {
            abort();
        }
        return 0;
    }
    if (!json_is_object(doc) || !json_is_object(json_object_get(doc, "pipeline"))) {
        abort();
    }
    json_decref(doc);
    return 0;
}
