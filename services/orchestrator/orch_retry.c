/*
 * orch_retry.c — failure classes, backoff and the attempt table of outbox
 * ops (see orch_retry.h).
 */
#include "orch_retry.h"

#include "sluice/error.h"
#include "sluice/state_cas.h"
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

#define RECORD_VERSION "1"

int orch_retry_record_format(const orch_retry_attempt *a, const char *entry_id, char *out,
                             size_t outlen)
{
    uint64_t ms = 0;
    uint64_t seq = 0;
    if (outlen > 0) {
        out[0] = '\0';
    }
    if (entry_id == NULL || strlen(entry_id) >= ORCH_RETRY_ENTRY_ID_MAX ||
        state_cas_stream_id_parse(entry_id, &ms, &seq) != SLUICE_OK || a->failures < 0 ||
        a->failures > ORCH_RETRY_COUNT_MAX || a->permanent < 0 ||
        a->permanent > ORCH_RETRY_COUNT_MAX || a->op < 0 || a->op > ORCH_RETRY_COUNT_MAX ||
        a->next_ms < 0) {
        return SLUICE_EINVAL;
    }
    int n = snprintf(out, outlen, RECORD_VERSION " %s %d %d %d %lld", entry_id, a->failures,
                     a->permanent, a->op, (long long)a->next_ms);
    if (n < 0 || (size_t)n >= outlen || (size_t)n >= ORCH_RETRY_RECORD_MAX) {
        if (outlen > 0) {
            out[0] = '\0';
        }
        return SLUICE_ETOOBIG;
    }
    return SLUICE_OK;
}

/*
 * Reads one space-terminated field of text at *at into field (fieldlen
 * bytes with the terminator): true when it is 1..fieldlen-1 bytes of
 * [0-9-]; *at then is past it and its one following space (if any).
 */
static bool record_field(const char *text, size_t len, size_t *at, char *field, size_t fieldlen)
{
    size_t n = 0;
    while (*at + n < len && text[*at + n] != ' ') {
        char c = text[*at + n];
        if (!((c >= '0' && c <= '9') || c == '-') || n + 1 >= fieldlen) {
            return false;
        }
        field[n] = c;
        n++;
    }
    if (n == 0) {
        return false;
    }
    field[n] = '\0';
    *at += n;
    if (*at < len) {
        (*at)++; /* the separator */
    }
    return true;
}

/* A decimal number in 0..max, digits only. */
static bool record_number(const char *field, long long max, long long *out)
{
    long long v = 0;
    for (const char *p = field; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        int d = *p - '0';
        if (v > (max - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

int orch_retry_record_parse(const char *text, size_t len, char *entry_id, size_t entry_len,
                            orch_retry_attempt *a)
{
    if (text == NULL || len == 0 || len >= ORCH_RETRY_RECORD_MAX ||
        entry_len < ORCH_RETRY_ENTRY_ID_MAX) {
        return SLUICE_EPARSE;
    }
    char fields[6][ORCH_RETRY_ENTRY_ID_MAX];
    size_t at = 0;
    for (size_t i = 0; i < 6; i++) {
        if (!record_field(text, len, &at, fields[i], sizeof fields[i])) {
            return SLUICE_EPARSE;
        }
    }
    if (at != len || text[len - 1] == ' ' || strcmp(fields[0], RECORD_VERSION) != 0) {
        return SLUICE_EPARSE;
    }
    uint64_t ms = 0;
    uint64_t seq = 0;
    if (state_cas_stream_id_parse(fields[1], &ms, &seq) != SLUICE_OK) {
        return SLUICE_EPARSE;
    }
    long long failures = 0;
    long long permanent = 0;
    long long op = 0;
    long long next_ms = 0;
    if (!record_number(fields[2], ORCH_RETRY_COUNT_MAX, &failures) ||
        !record_number(fields[3], ORCH_RETRY_COUNT_MAX, &permanent) ||
        !record_number(fields[4], ORCH_RETRY_COUNT_MAX, &op) ||
        !record_number(fields[5], INT64_MAX, &next_ms)) {
        return SLUICE_EPARSE;
    }
    snprintf(entry_id, entry_len, "%s", fields[1]);
    a->failures = (int)failures;
    a->permanent = (int)permanent;
    a->op = (int)op;
    a->next_ms = (int64_t)next_ms;
    return SLUICE_OK;
}
