/*
 * fuzz_pattern.c — libFuzzer target over libs/pattern (pattern.h), which
 * compiles the event patterns of notification rules (a configuration file)
 * and `sluice test-event-pattern`'s arguments, and matches every event of
 * sluice.events. The input is a pattern, a NUL byte, and an event. Beyond
 * not crashing: a failed compile leaves no pattern and says why, and the
 * verdict on an event is the same for a second compile of the same text.
 */
#include "sluice/error.h"
#include "sluice/pattern.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t plen = nul != NULL ? (size_t)(nul - data) : size;
    char *text = malloc(plen + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, plen);
    text[plen] = '\0';
    pattern *p = NULL;
    char err[512] = "";
    int rc = pattern_compile(text, plen, &p, err, sizeof err);
    if (rc != 0) {
        if (p != NULL || err[0] == '\0') {
            abort();
        }
        free(text);
        return 0;
    }
    json_t *event = NULL;
    if (nul != NULL) {
        event = json_loadb((const char *)nul + 1, size - plen - 1, JSON_DECODE_INT_AS_REAL, NULL);
    }
    bool first = pattern_match(p, event);
    pattern *again = NULL;
    if (pattern_compile(text, plen, &again, err, sizeof err) != 0 ||
        pattern_match(again, event) != first) {
        abort();
    }
    pattern_free(again);
    pattern_free(p);
    json_decref(event);
    free(text);
    return 0;
}
