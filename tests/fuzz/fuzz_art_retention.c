/*
 * libFuzzer target: sluice-artifacts' retention (art_retention). The first
 * line is SLUICE_ARTIFACTS_RETENTION text: when accepted, every rule is
 * within its bounds and found again by its bucket. The bytes after it
 * describe up to 64 versions (5 bytes each: key, pipeline, execution, age,
 * flags) planned under the fallback rule: nothing untracked is deleted, no
 * execution among the last keep_executions of its pipeline loses a version,
 * a deleted delete marker's key keeps no other version, and the sums add up.
 */
#include "art_retention.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_VERSIONS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const NAMES[] = {"", "a", "b", "c", "d", "e", "f", "g"};

static void check_policy(const art_retention_policy *p)
{
    if (p->count > ART_RETENTION_RULES_MAX) {
        abort();
    }
    for (size_t i = 0; i <= p->count; i++) {
        const art_retention_rule *r = i < p->count ? &p->rules[i] : &p->fallback;
        if (!r->off &&
            (r->keep_executions < 1 || r->keep_executions > ART_RETENTION_EXECUTIONS_MAX ||
             r->keep_days > ART_RETENTION_DAYS_MAX)) {
            abort();
        }
        if (i < p->count && (art_retention_policy_rule(p, r->bucket) != r ||
                             !art_keypath_bucket_valid(r->bucket))) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t text_len = nl != NULL ? (size_t)(nl - data) : size;
    char *text = malloc(text_len + 1);
    art_retention_policy *p = malloc(sizeof *p);
    art_retention_version *v = calloc(FUZZ_VERSIONS, sizeof *v);
    char(*keys)[8] = calloc(FUZZ_VERSIONS, 8);
    if (text == NULL || p == NULL || v == NULL || keys == NULL) {
        goto out;
    }
    memcpy(text, data, text_len);
    text[text_len] = '\0';
    char err[256];
    if (art_retention_policy_parse(text, p, err, sizeof err) == 0) {
        check_policy(p);
    } else if (err[0] == '\0') {
        abort(); /* a refusal always says why */
    }
    const uint8_t *rest = nl != NULL ? nl + 1 : data + size;
    size_t left = (size_t)(data + size - rest);
    size_t count = 0;
    while (left >= 5 && count < FUZZ_VERSIONS) {
        snprintf(keys[count], 8, "k%u", (unsigned)(rest[0] % 16));
        v[count] = (art_retention_version){
            .key = keys[count],
            .version_id = "null",
            .is_latest = (rest[4] & 2) != 0,
            .delete_marker = (rest[4] & 1) != 0,
            .size = (rest[4] & 1) != 0 ? 0 : rest[3],
            .mtime_ms = (int64_t)rest[3] * ART_RETENTION_DAY_MS / 4,
            .pipeline = NAMES[rest[1] % 4],
            .execution = NAMES[rest[2] % 8],
        };
        count++;
        rest += 5;
        left -= 5;
    }
    art_retention_rule rule = p->fallback;
    art_retention_plan plan;
    int64_t now = 40 * ART_RETENTION_DAY_MS;
    size_t cap = (size_t)(text_len % (FUZZ_VERSIONS + 8));
    if (art_retention_plan_make(v, count, &rule, now, cap, &plan) != 0) {
        goto out;
    }
    uint64_t bytes = 0;
    size_t per_exec = 0;
    for (size_t j = 0; j < plan.delete_count; j++) {
        const art_retention_version *d = &v[plan.deletes[j].index];
        if (plan.deletes[j].index >= count) {
            abort();
        }
        if (plan.deletes[j].reason == ART_RETENTION_MARKER) {
            if (!d->delete_marker) {
                abort();
            }
            /* every other version of the key is a marker or deleted */
            for (size_t i = 0; i < count; i++) {
                if (strcmp(v[i].key, d->key) != 0 || v[i].delete_marker) {
                    continue;
                }
                bool gone = false;
                for (size_t k = 0; k < plan.delete_count; k++) {
                    gone = gone || plan.deletes[k].index == i;
                }
                if (!gone) {
                    abort();
                }
            }
            continue;
        }
        if (d->delete_marker || d->pipeline[0] == '\0' || d->execution[0] == '\0' ||
            (rule.keep_days > 0 &&
             d->mtime_ms > now - (int64_t)rule.keep_days * ART_RETENTION_DAY_MS)) {
            abort();
        }
        /* at least keep_executions other executions of the pipeline */
        size_t others = 0;
        for (size_t e = 1; e < 8; e++) {
            bool seen = false;
            for (size_t i = 0; i < count && !seen; i++) {
                seen = !v[i].delete_marker && strcmp(v[i].pipeline, d->pipeline) == 0 &&
                       strcmp(v[i].execution, NAMES[e]) == 0 && strcmp(NAMES[e], d->execution) != 0;
            }
            others += seen;
        }
        if (others < rule.keep_executions) {
            abort();
        }
        bytes += d->size;
    }
    for (size_t e = 0; e < plan.execution_count; e++) {
        per_exec += plan.executions[e].versions;
    }
    if (rule.off && (plan.delete_count != 0 || plan.considered != 0 || plan.truncated)) {
        abort(); /* an off bucket is left alone */
    }
    if (bytes != plan.bytes || plan.considered > count || plan.considered > cap ||
        (!rule.off && count > 0 && plan.truncated != (count > cap))) {
        abort();
    }
    size_t expired = 0;
    for (size_t j = 0; j < plan.delete_count; j++) {
        expired += plan.deletes[j].reason == ART_RETENTION_EXPIRED;
    }
    if (per_exec != expired) {
        abort();
    }
    art_retention_plan_free(&plan);
out:
    free(text);
    free(p);
    free(v);
    free(keys);
    return 0;
}
