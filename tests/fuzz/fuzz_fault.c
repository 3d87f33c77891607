/*
 * fuzz_fault.c — libFuzzer target over sluice_fault_parse (fault.h), the
 * reader of SLUICE_FAULT_POINTS. The input is copied into a heap block of
 * exactly its size (no terminator), so a read past the given length trips
 * AddressSanitizer. Beyond not crashing: a parse either succeeds with every
 * arm a known name armed once with a count in bounds, or fails with an empty
 * plan and a message; and the plan written back as text parses to itself.
 */
#include "sluice/error.h"
#include "sluice/fault.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const known[] = {"after_cas", "after_publish", "after_trim", "a", "p0"};
#define NKNOWN (sizeof known / sizeof known[0])

static bool is_known(const char *name)
{
    for (size_t i = 0; i < NKNOWN; i++) {
        if (strcmp(known[i], name) == 0) {
            return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = malloc(size > 0 ? size : 1);
    if (spec == NULL) {
        return 0;
    }
    memcpy(spec, data, size);
    sluice_fault_plan plan;
    char err[256];
    int rc = sluice_fault_parse(spec, size, known, NKNOWN, &plan, err, sizeof err);
    free(spec);
    if (rc != SLUICE_OK) {
        if (plan.count != 0 || err[0] == '\0' || (rc != SLUICE_EPARSE && rc != SLUICE_ETOOBIG)) {
            abort();
        }
        return 0;
    }
    if (plan.count > SLUICE_FAULT_ARMS_MAX || (size > 0 && plan.count == 0)) {
        abort();
    }
    char again[SLUICE_FAULT_SPEC_MAX + 1] = "";
    size_t used = 0;
    for (size_t i = 0; i < plan.count; i++) {
        const sluice_fault_arm *arm = &plan.arms[i];
        if (!is_known(arm->name) || arm->at < 1 || arm->at > SLUICE_FAULT_COUNT_MAX) {
            abort();
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(plan.arms[j].name, arm->name) == 0) {
                abort();
            }
        }
        int n = snprintf(again + used, sizeof again - used, "%s%s:%u", i > 0 ? "," : "", arm->name,
                         (unsigned)arm->at);
        if (n < 0 || (size_t)n >= sizeof again - used) {
            abort(); /* canonical text is never longer than 16 arms of known names */
        }
        used += (size_t)n;
    }
    sluice_fault_plan back;
    if (sluice_fault_parse(again, used, known, NKNOWN, &back, err, sizeof err) != SLUICE_OK ||
        back.count != plan.count) {
        abort();
    }
    for (size_t i = 0; i < plan.count; i++) {
        if (strcmp(back.arms[i].name, plan.arms[i].name) != 0 ||
            back.arms[i].at != plan.arms[i].at) {
            abort();
        }
    }
    return 0;
}
