/*
 * orch_retry.c — failure classes, backoff and the attempt table of outbox
 * ops (see orch_retry.h).
 */
#include "orch_retry.h"

#include "sluice/error.h"
#include "sluice/state_redis.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void orch_retry_policy_init(orch_retry_policy *policy)
{
    policy->max_attempts = ORCH_RETRY_DEFAULT_MAX;
    policy->base_ms = ORCH_RETRY_DEFAULT_BASE_MS;
    policy->cap_ms = ORCH_RETRY_DEFAULT_CAP_MS;
}

/* True when reason contains needle, ignoring case. */
static bool has(const char *reason, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = reason; *p != '\0'; p++) {
        if (strncasecmp(p, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

/* librdkafka's texts (rd_kafka_err2str) of the refusals a retry cannot cure. */
static const char *const kafka_refusals[] = {
    "Message size too large",
    "Invalid message",
    "Invalid record",
    "Record list too large",
    "Topic authorization failed",
    "Unknown topic or partition",
    "Unknown topic",
    "Policy violation",
    "Topic name is invalid",
    "Invalid topic",
    "Cluster authorization failed",
};

/* The prefix state_redis gives an error reply in its last error. */
#define REDIS_REPLY_PREFIX "error reply: "

orch_retry_class orch_retry_classify(int rc, const char *reason)
{
    const char *why = reason != NULL ? reason : "";
    switch (rc) {
    case SLUICE_ETOOBIG:
    case SLUICE_EINVAL:
    case SLUICE_EDENIED:
        return ORCH_RETRY_PERMANENT;
    case SLUICE_EKAFKA:
        for (size_t i = 0; i < sizeof kafka_refusals / sizeof kafka_refusals[0]; i++) {
            if (has(why, kafka_refusals[i])) {
                return ORCH_RETRY_PERMANENT;
            }
        }
        return ORCH_RETRY_TRANSIENT;
    case SLUICE_EREDIS: {
        const char *reply = strstr(why, REDIS_REPLY_PREFIX);
        if (reply == NULL) {
            return ORCH_RETRY_TRANSIENT; /* the connection, not the server's answer */
        }
        reply += strlen(REDIS_REPLY_PREFIX);
        return state_redis_error_is_transient(reply) ? ORCH_RETRY_TRANSIENT : ORCH_RETRY_PERMANENT;
    }
    default:
        return ORCH_RETRY_TRANSIENT;
    }
}

int64_t orch_retry_backoff_ms(const orch_retry_policy *policy, int n)
{
    if (n < 1) {
        return 0;
    }
    int64_t wait = policy->base_ms > 0 ? policy->base_ms : 0;
    for (int i = 1; i < n && wait < policy->cap_ms; i++) {
        wait *= 2;
    }
    return wait < policy->cap_ms ? wait : policy->cap_ms;
}

orch_retry_decision orch_retry_fail(const orch_retry_policy *policy, orch_retry_attempt *a,
                                    orch_retry_class cls, int64_t now_ms)
{
    a->failures++;
    if (cls == ORCH_RETRY_PERMANENT) {
        a->permanent++;
        if (a->permanent >= policy->max_attempts) {
            return ORCH_RETRY_DEAD_LETTER;
        }
    }
    a->next_ms = now_ms + orch_retry_backoff_ms(policy, a->failures);
    return ORCH_RETRY_LATER;
}

orch_retry_attempt *orch_retry_find(orch_retry_table *t, const char *key)
{
    for (size_t i = 0; i < ORCH_RETRY_TRACK_MAX; i++) {
        orch_retry_attempt *a = &t->slots[i];
        if (a->key[0] != '\0' && strncmp(a->key, key, sizeof a->key - 1) == 0) {
            a->used = ++t->clock;
            return a;
        }
    }
    return NULL;
}

orch_retry_attempt *orch_retry_get(orch_retry_table *t, const char *key)
{
    orch_retry_attempt *a = orch_retry_find(t, key);
    if (a != NULL) {
        return a;
    }
    orch_retry_attempt *victim = &t->slots[0];
    for (size_t i = 0; i < ORCH_RETRY_TRACK_MAX; i++) {
        orch_retry_attempt *s = &t->slots[i];
        if (s->key[0] == '\0') {
            victim = s;
            break;
        }
        if (s->used < victim->used) {
            victim = s;
        }
    }
    memset(victim, 0, sizeof *victim);
    snprintf(victim->key, sizeof victim->key, "%s", key);
    victim->used = ++t->clock;
    return victim;
}

void orch_retry_forget(orch_retry_table *t, const char *key)
{
    orch_retry_attempt *a = orch_retry_find(t, key);
    if (a != NULL) {
        memset(a, 0, sizeof *a);
    }
}
