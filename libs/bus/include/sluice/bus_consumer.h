/*
 * bus_consumer.h — Sluice's Kafka consumer: a consumer group member that
 * stores an offset only after the handler says the message's effect is
 * durable, dead-letters what it cannot use, and never stops on a bad message.
 *
 * With a verifier (a bus_sign.h key set) in its configuration, each message's
 * signature headers are verified first, before anything of the payload is
 * decoded: an unsigned message, one signed with a key id the set does not
 * hold, or one whose signature does not match is a dead letter with that
 * precise reason, its offset is stored, and the handler never sees it.
 *
 * Each message is decoded and validated as an EventBridge envelope, then:
 *   - malformed (not an envelope; the reason is precise): a dead letter with
 *     that reason is produced to the dead-letter topic and waited for, then
 *     the offset is stored and the consumer carries on;
 *   - handler returns BUS_CONSUMER_DONE: the effect is durable, the offset
 *     is stored;
 *   - BUS_CONSUMER_RETRY (a transient failure: Redis down...): the offset is
 *     not stored; the partition is paused and rewound to the message, which
 *     is handed over again after a backoff (doubling from retry_backoff_ms up
 *     to retry_backoff_max_ms); other partitions keep flowing;
 *   - BUS_CONSUMER_REJECT (a permanent failure): dead letter with the
 *     handler's reason, then the offset is stored.
 * If producing a dead letter fails, the message is treated as RETRY: it is
 * never skipped without a trace. Stored offsets are committed by librdkafka
 * every commit_interval_ms, on a rebalance and on close, so a crash replays
 * at most the uncommitted tail: handlers must be idempotent (envelope ids).
 *
 * Group membership uses librdkafka's default eager assignors (range,
 * roundrobin); cooperative-sticky is avoided on purpose (it aborts in
 * librdkafka 2.0.2 when a consumer closes during the first rebalance).
 * A partition without a committed offset starts at the earliest message
 * (at its end with from_latest).
 *
 * Threads: a consumer belongs to one thread; the handler, rebalances and the
 * dead-letter producer all run inside bus_consumer_run_once on that thread
 * (a dead-letter producer passed in must belong to that thread too). Keep
 * polling a producer of the same thread with bus_producer_poll between
 * run_once calls.
 */
#ifndef SLUICE_BUS_CONSUMER_H
#define SLUICE_BUS_CONSUMER_H

#include "sluice/bus_envelope.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_sign.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bus_consumer bus_consumer;

typedef enum bus_consumer_verdict {
    BUS_CONSUMER_DONE = 0, /* the effect is durable: store the offset */
    BUS_CONSUMER_RETRY,    /* transient failure: hand the message over again later */
    BUS_CONSUMER_REJECT,   /* permanent failure: dead-letter it with the reason, move on */
} bus_consumer_verdict;

/* One message, valid only during the handler call. */
typedef struct bus_consumer_message {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const void *key; /* NULL when the message has no key */
    size_t keylen;
    const void *payload;
    size_t len;
    int64_t timestamp_ms;         /* Kafka's message timestamp, -1 if none */
    int attempt;                  /* 1 on first delivery, 2 after one RETRY, ... */
    const bus_envelope *envelope; /* decoded and valid */
} bus_consumer_message;

/*
 * Handles one message. On BUS_CONSUMER_REJECT, write why into reason (it
 * goes into the dead letter); on RETRY, a reason is logged if given.
 */
typedef bus_consumer_verdict (*bus_consumer_handler)(const bus_consumer_message *msg, void *ctx,
                                                     char *reason, size_t reasonlen);

typedef struct bus_consumer_config {
    const char *brokers;       /* required */
    const char *group_id;      /* required */
    const char *client_id;     /* NULL: "sluice" */
    const char *const *topics; /* ntopics names to subscribe to; required */
    size_t ntopics;
    int session_timeout_ms;            /* default 10000 (the broker's minimum is 6000) */
    int heartbeat_interval_ms;         /* default 1000 */
    int max_poll_interval_ms;          /* longest time between two run_once calls; default 300000 */
    int commit_interval_ms;            /* how often stored offsets are committed; default 1000 */
    size_t max_message_bytes;          /* larger messages are dead-lettered; default 1000000 */
    int retry_backoff_ms;              /* first RETRY backoff; default 200 */
    int retry_backoff_max_ms;          /* backoff cap; default 30000 */
    const char *deadletter_topic;      /* required, e.g. bus_topics_get(t, BUS_TOPICS_DEADLETTER) */
    bus_producer *deadletter_producer; /* borrowed; NULL: the consumer makes its own */
    int deadletter_timeout_ms;         /* wait for a dead letter's delivery; default 10000 */
    const char *source;                /* dead letters' source; default "sluice.bus" */
    const char *account;               /* dead letters' account; default "000000000000" */
    const char *region;                /* dead letters' region; default "us-east-1" */
    const char *debug;                 /* librdkafka debug contexts; NULL: none */
    const bus_security *security;      /* SASL/TLS settings, copied (also for the dead-letter
                                          producer it makes); NULL: PLAINTEXT */
    const char *instance_id;           /* static group membership (group.instance.id): a member
                                          restarted with the same id takes its partitions back at
                                          once, without a rebalance; NULL or "": dynamic */
    const bus_sign_keys *verifier;     /* borrowed, must outlive the consumer; NULL: messages
                                          are not verified */
    bool from_latest;                  /* a partition without a committed offset starts at its
                                          end, not its earliest message (a live view that wants
                                          no history); default false */
} bus_consumer_config;

typedef struct bus_consumer_stats {
    uint64_t handled;      /* DONE */
    uint64_t retried;      /* RETRY (each time) */
    uint64_t deadlettered; /* malformed, refused or REJECT, dead letter delivered */
    uint64_t rebalances;
    uint64_t refused_unsigned;      /* verifier set: no signature headers */
    uint64_t refused_unknown_key;   /* verifier set: a key id not in the set */
    uint64_t refused_bad_signature; /* verifier set: the signature does not match */
} bus_consumer_stats;

/* Fills cfg with the defaults above (required fields NULL). */
void bus_consumer_config_init(bus_consumer_config *cfg);

/*
 * Creates the consumer and subscribes to cfg->topics (joining the group
 * happens in the background, inside run_once). cfg and its strings are
 * copied; the dead-letter producer is borrowed and must outlive the
 * consumer. 0 with *out set; SLUICE_EINVAL / SLUICE_EKAFKA / SLUICE_ENOMEM
 * with a message in err and *out NULL.
 */
int bus_consumer_new(const bus_consumer_config *cfg, bus_consumer **out, char *err, size_t errlen);

/*
 * Waits up to timeout_ms for one message and processes it as described
 * above. Returns 1 when a message was processed (whatever the verdict), 0
 * when none was ready, SLUICE_EKAFKA on a fatal consumer error (close and
 * re-create the consumer), SLUICE_ECLOSED after bus_consumer_close.
 */
int bus_consumer_run_once(bus_consumer *c, bus_consumer_handler handler, void *ctx, int timeout_ms);

#define BUS_CONSUMER_BATCH_MAX  1024
#define BUS_CONSUMER_REASON_MAX 1024

/*
 * Makes a bus_consumer_run_once (or batch) waiting on another thread return
 * at once, as if its timeout had passed, so that thread can look at other
 * work (e.g. a webhook that asked for a check). The one function of a
 * consumer that other threads may call; the consumer must not be closed or
 * freed meanwhile. A wake with no wait in progress is kept for the next one.
 */
void bus_consumer_wake(bus_consumer *c);

/* One message of a batch, with the handler's verdict on it. */
typedef struct bus_consumer_item {
    bus_consumer_message msg;             /* valid during the handler call */
    bus_consumer_verdict verdict;         /* set by the handler; DONE when it leaves it */
    char reason[BUS_CONSUMER_REASON_MAX]; /* why, for REJECT (dead letter) and RETRY (log) */
} bus_consumer_item;

/* Handles n messages (valid envelopes, in the order they were fetched). */
typedef void (*bus_consumer_batch_handler)(bus_consumer_item *items, size_t n, void *ctx);

/*
 * As bus_consumer_run_once, for up to max_batch (1..BUS_CONSUMER_BATCH_MAX)
 * messages: waits up to timeout_ms for the first, takes whatever else is
 * already fetched, and hands the valid envelopes to handler at once (so it
 * can, e.g., save one state change for several requests). Verdicts are then
 * acted on in fetch order, as run_once does; after a RETRY, the later
 * messages of the same partition in the batch are neither stored nor dead-
 * lettered: the partition is rewound to the retried message, so they are
 * delivered again (handlers must be idempotent, which they must be anyway).
 * Returns the number of messages fetched (0 when none), SLUICE_EINVAL for a
 * bad max_batch, SLUICE_ENOMEM, SLUICE_EKAFKA on a fatal consumer error,
 * SLUICE_ECLOSED after bus_consumer_close. The working arrays are made at the
 * first call and kept (not re-entrant: a handler must not run a batch of the
 * same consumer).
 */
int bus_consumer_run_batch(bus_consumer *c, bus_consumer_batch_handler handler, void *ctx,
                           size_t max_batch, int timeout_ms);

/*
 * Calls bus_consumer_run_once until sluice_signal_stop_requested() (SIGTERM,
 * SIGINT), then closes the consumer. 0 after a clean close, or the error that
 * stopped it.
 */
int bus_consumer_run(bus_consumer *c, bus_consumer_handler handler, void *ctx);

/*
 * Leaves the group cleanly: commits stored offsets, then closes. Idempotent.
 * 0, or SLUICE_EKAFKA if librdkafka reported an error while closing.
 */
int bus_consumer_close(bus_consumer *c);

/*
 * True while the broker refuses this consumer: authentication failed, or
 * reading its topics or joining its group was not authorized, and no
 * assignment or message came since. Safe to call from any thread (a health
 * endpoint's); the cause is logged when it happens.
 */
bool bus_consumer_auth_failed(const bus_consumer *c);

/* Copies the counters into stats. */
void bus_consumer_get_stats(const bus_consumer *c, bus_consumer_stats *stats);

/* Closes if still open, frees everything (and the dead-letter producer it made). Accepts NULL. */
void bus_consumer_free(bus_consumer *c);

#endif
