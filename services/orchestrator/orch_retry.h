/*
 * orch_retry.h — what to do with an outbox op that failed: the pure policy
 * behind orch_outbox's bounded retries and its dead letters.
 *
 *   classify(error code, reason) → TRANSIENT (a timeout, a broker or Redis
 *   outage: retried with backoff for as long as it lasts) or PERMANENT (a
 *   refusal retrying cannot cure: retried max_attempts times with backoff,
 *   then dead-lettered with its reason so the pipeline moves on).
 *
 * Permanent: SLUICE_ETOOBIG (librdkafka's MSG_SIZE_TOO_LARGE, a payload over
 * the producer's bound, a Redis request or record over its bound); a Kafka
 * failure whose reason is one of librdkafka's refusals (message size too
 * large, invalid message or record, topic authorization failed, unknown
 * topic or partition — the topic does not exist and the broker does not
 * create it —, policy violation, invalid topic); a Redis error reply that is
 * not one of the transient ones (state_redis_error_is_transient: LOADING,
 * BUSY, TRYAGAIN...), e.g. WRONGTYPE, OOM or a script error; SLUICE_EINVAL
 * and SLUICE_EDENIED. Everything else (timeouts, closed connections, the
 * broker gone, EAGAIN) is transient.
 *
 * The attempt table remembers, per outbox entry (pipeline and stream id),
 * the failures so far and when the next attempt is due. It is bounded
 * (ORCH_RETRY_TRACK_MAX; the oldest is forgotten when full). Each failure is
 * also stored beside the pipeline's outbox (orch_outbox.c writes the record
 * orch_retry_record_format renders, one per pipeline: only the oldest entry
 * of an outbox is ever carried out op by op), so after a restart, or once an
 * entry was forgotten from the table, its count goes on from the stored
 * record (orch_retry_record_parse) instead of starting again: a permanently
 * failing op is dead-lettered after max_attempts failures in all.
 *
 * Pure: no I/O, no clock (times are passed in). Single-threaded.
 */
#ifndef SLUICE_ORCH_RETRY_H
#define SLUICE_ORCH_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORCH_RETRY_TRACK_MAX       64
#define ORCH_RETRY_KEY_MAX         320
#define ORCH_RETRY_REASON_MAX      512
#define ORCH_RETRY_DEFAULT_MAX     5
#define ORCH_RETRY_DEFAULT_BASE_MS 100
#define ORCH_RETRY_DEFAULT_CAP_MS  5000
#define ORCH_RETRY_RECORD_MAX      128 /* bytes of a stored record, with its terminator */
#define ORCH_RETRY_ENTRY_ID_MAX    44  /* bytes of a stream id "<ms>-<seq>", with its terminator */
#define ORCH_RETRY_COUNT_MAX       1000000 /* bound on a stored count or op index */

typedef enum orch_retry_class {
    ORCH_RETRY_TRANSIENT = 0,
    ORCH_RETRY_PERMANENT,
} orch_retry_class;

typedef struct orch_retry_policy {
    int max_attempts; /* permanent failures before the dead letter, ≥ 1 */
    int64_t base_ms;  /* backoff after the first failure; doubles after each */
    int64_t cap_ms;   /* backoff bound */
} orch_retry_policy;

typedef enum orch_retry_decision {
    ORCH_RETRY_LATER = 0,   /* keep the op; try again once the backoff passed */
    ORCH_RETRY_DEAD_LETTER, /* give up: dead-letter the op, drop it, go on */
} orch_retry_decision;

typedef struct orch_retry_attempt {
    char key[ORCH_RETRY_KEY_MAX]; /* "<pipeline> <entry id>"; "" when the slot is free */
    int failures;                 /* failures so far (transient ones included) */
    int permanent;                /* permanent failures so far of the op at index op */
    int op;                       /* index of the op that failed; those before it are done */
    int64_t next_ms;              /* no attempt before this time */
    uint64_t used;                /* recency, for eviction */
} orch_retry_attempt;

typedef struct orch_retry_table {
    orch_retry_attempt slots[ORCH_RETRY_TRACK_MAX];
    uint64_t clock;
} orch_retry_table;

/* The defaults above. */
void orch_retry_policy_init(orch_retry_policy *policy);

/* The class of a failure with code rc (< 0) and reason (may be NULL). */
orch_retry_class orch_retry_classify(int rc, const char *reason);

/*
 * The wait after the n-th failure (n ≥ 1): base_ms doubled n-1 times,
 * bounded by cap_ms, without overflow. 0 for n < 1.
 */
int64_t orch_retry_backoff_ms(const orch_retry_policy *policy, int n);

/*
 * Records one failure of class cls on a (its counters in *a), at now_ms:
 * DEAD_LETTER when this is the max_attempts-th permanent failure, else LATER
 * with a->next_ms set to now_ms plus the backoff.
 */
orch_retry_decision orch_retry_fail(const orch_retry_policy *policy, orch_retry_attempt *a,
                                    orch_retry_class cls, int64_t now_ms);

/* The tracked attempt of key, or NULL. */
orch_retry_attempt *orch_retry_find(orch_retry_table *t, const char *key);

/*
 * The tracked attempt of key, made (counters zero) when missing — in a free
 * slot, else in the least recently used one. Never NULL; a key longer than
 * ORCH_RETRY_KEY_MAX - 1 is cut.
 */
orch_retry_attempt *orch_retry_get(orch_retry_table *t, const char *key);

/* Forgets key (its op succeeded or was dead-lettered). No-op when not tracked. */
void orch_retry_forget(orch_retry_table *t, const char *key);

/*
 * The stored record of attempt a of outbox entry entry_id (a stream id,
 * "<ms>-<seq>"): "1 <entry id> <failures> <permanent> <op> <next ms>" into
 * out. 0; SLUICE_EINVAL when entry_id is not a stream id or a count is
 * outside 0..ORCH_RETRY_COUNT_MAX or next_ms is negative (out is then "");
 * SLUICE_ETOOBIG when outlen is too small (out is then "").
 */
int orch_retry_record_format(const orch_retry_attempt *a, const char *entry_id, char *out,
                             size_t outlen);

/*
 * Reads a stored record text[0..len) (need not be NUL-terminated). 0 with
 * the entry id it names in entry_id (entry_len ≥ ORCH_RETRY_ENTRY_ID_MAX)
 * and its failures, permanent, op and next_ms in *a (key and used
 * untouched); SLUICE_EPARSE when it is not such a record (longer than
 * ORCH_RETRY_RECORD_MAX - 1, another version, a field missing, not a
 * number, out of its bounds, or followed by more) — *a and entry_id are
 * then unchanged. Pure; never reads past len.
 */
int orch_retry_record_parse(const char *text, size_t len, char *entry_id, size_t entry_len,
                            orch_retry_attempt *a);

#endif
