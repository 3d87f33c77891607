/*
 * fuzz_envelope.c — libFuzzer target over the EventBridge envelope decoder,
 * the first parser every Kafka message meets. Anything it accepts must encode
 * again and decode to the same envelope; nothing may crash, leak or trip a
 * sanitizer.
 */
#include "sluice/buf.h"
#include "sluice/bus_envelope.h"
#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char reason[BUS_ENVELOPE_REASON_MAX];
    bus_envelope *env = NULL;
    if (bus_envelope_decode((const char *)data, size, 64 * 1024, &env, reason, sizeof reason) !=
        SLUICE_OK) {
        return 0;
    }
    sluice_buf out;
    sluice_buf_init(&out, 2 * 1024 * 1024);
    if (bus_envelope_encode(env, &out) == SLUICE_OK) {
        bus_envelope *again = NULL;
        if (bus_envelope_decode(out.data, out.len, 2 * 1024 * 1024, &again, reason,
                                sizeof reason) != SLUICE_OK) {
            abort(); /* what we encode must decode */
        }
        if (strcmp(again->id, env->id) != 0 || strcmp(again->detail_type, env->detail_type) != 0) {
            abort();
        }
        bus_envelope_free(again);
    }
    sluice_buf_free(&out);
    bus_envelope_free(env);
    return 0;
}
