/*
 * fuzz_ntf_rules.c — libFuzzer target over the notifier's rules file parser
 * (services/notifier ntf_rules.h), which reads a file an operator edits and
 * the notifier re-reads on SIGHUP. Secrets resolve to fixed values (or fail
 * for names starting with "x"). Beyond not crashing: a refused file leaves
 * no rules and says why; an accepted one has a target for every rule's
 * target index and a pattern for every rule. A secret's value appears in no
 * message (names from the file itself may).
 */
#include "ntf_rules.h"

#include "sluice/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_secret(const char *kind, const char *name, void *ctx, char *err, size_t errlen)
{
    (void)kind;
    (void)ctx;
    if (name[0] == 'x') {
        snprintf(err, errlen, "not readable");
        return NULL;
    }
    char *value = malloc(32);
    if (value != NULL) {
        snprintf(value, 32, "%s", name[0] == 'h' ? "http://127.0.0.1:1/x" : "secret-value");
    }
    return value;
}

/* Whether data[0..size) holds needle. */
static bool fuzz_contains(const uint8_t *data, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= size && i <= size - n; i++) {
        if (memcmp(data + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ntf_rules *rules = NULL;
    char err[4096] = "";
    int rc = ntf_rules_parse((const char *)data, size, fuzz_secret, NULL, &rules, err, sizeof err);
    if (rc != 0) {
        /* a secret's value never reaches a message, unless the file itself spelled it out */
        bool leaked =
            strstr(err, "secret-value") != NULL && !fuzz_contains(data, size, "secret-value");
        if (rules != NULL || err[0] == '\0' || leaked) {
            abort();
        }
        return 0;
    }
    for (size_t i = 0; i < rules->nrules; i++) {
        const ntf_rule *r = &rules->rules[i];
        if (r->npatterns == 0 || r->ntargets == 0) {
            abort();
        }
        for (size_t j = 0; j < r->ntargets; j++) {
            if (r->targets[j] >= rules->ntargets) {
                abort();
            }
        }
    }
    ntf_rules_free(rules);
    return 0;
}
