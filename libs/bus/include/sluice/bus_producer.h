/*
 * bus_producer.h — Sluice's Kafka producer: idempotent, acks=all, every
 * delivery report checked, nothing lost on a fatal error.
 *
 * Every message handed to bus_producer_send is copied into an in-flight list
 * and stays there, under a sequence number, until its delivery report says
 * the broker persisted it. Its outcome is then reported exactly once through
 * the on_delivery callback (if any): persisted (0) or failed for good
 * (a negative SLUICE_E* code with librdkafka's reason).
 *
 * A fatal error of the idempotent producer (librdkafka raises one, e.g. the
 * spurious "sequence desynchronization" of 2.0.2 after a broker restart)
 * leaves the librdkafka handle unusable. The producer then destroys it,
 * creates a new one with the same settings and re-sends, in their original
 * order, every message whose persistence was not confirmed. A message that
 * was persisted without its report arriving is sent twice: delivery is at
 * least once, and consumers drop duplicates by envelope id.
 *
 * Signing: with a signer (a bus_sign.h key set) in its configuration, every
 * message is signed once, in bus_producer_send, and carries the signature
 * headers of bus_sign.h on every attempt, re-sends after a fatal error
 * included.
 *
 * Threads: a producer belongs to one thread. Delivery reports and the
 * on_delivery callback run on that thread, inside bus_producer_send, _poll,
 * _flush, _send_sync and _free — call bus_producer_poll regularly when not
 * sending. librdkafka's own threads only log (into Sluice's logger).
 */
#ifndef SLUICE_BUS_PRODUCER_H
#define SLUICE_BUS_PRODUCER_H

#include "sluice/bus_security.h"

#include <stdbool.h>
#include "sluice/bus_sign.h"

#include <stddef.h>
#include <stdint.h>

typedef struct bus_producer bus_producer;

/*
 * Called once per message with its sequence number: err 0 when persisted,
 * otherwise SLUICE_EKAFKA (or SLUICE_ETOOBIG) and librdkafka's reason. It
 * runs inside a producer call and must not call the producer itself.
 */
typedef void (*bus_producer_delivery_fn)(uint64_t seq, int err, const char *reason, void *ctx);

/*
 * The default close_timeout_ms: a service must exit within 3 s of SIGTERM even
 * with the broker gone, and what is unconfirmed at close is either covered by
 * an outbox (orchestrator) or already answered as failed (api).
 */
#define BUS_PRODUCER_CLOSE_TIMEOUT_MS 1000

typedef struct bus_producer_config {
    const char *brokers;      /* "host:port[,host:port...]"; required */
    const char *client_id;    /* NULL: "sluice" */
    int linger_ms;            /* batching delay, 0..1000; default 1 */
    int message_timeout_ms;   /* a message not persisted by then fails; default 300000 */
    size_t max_message_bytes; /* larger payloads are refused by send; default 1000000 */
    size_t max_in_flight;     /* messages awaiting confirmation; default 100000 */
    int send_timeout_ms;  /* how long send waits for in-flight room (not once a stop is requested);
                             default 5000 */
    int close_timeout_ms; /* how long bus_producer_free flushes; default 1000 */
    const char *debug;    /* librdkafka debug contexts ("broker,msg"); NULL: none */
    const bus_security *security;         /* SASL/TLS settings, copied; NULL: PLAINTEXT */
    const bus_sign_keys *signer;          /* borrowed, must outlive the producer; NULL: unsigned */
    bus_producer_delivery_fn on_delivery; /* may be NULL */
    void *ctx;                            /* passed to on_delivery */
} bus_producer_config;

typedef struct bus_producer_stats {
    uint64_t sent;      /* messages accepted by bus_producer_send */
    uint64_t delivered; /* confirmed persisted */
    uint64_t failed;    /* failed for good (reported through on_delivery) */
    uint64_t resent;    /* re-sent after a fatal error */
    uint64_t recreated; /* times the librdkafka handle was re-created */
} bus_producer_stats;

/* Fills cfg with the defaults above (brokers NULL). */
void bus_producer_config_init(bus_producer_config *cfg);

/*
 * Creates a producer with enable.idempotence=true, acks=all, the configured
 * linger, librdkafka's log and errors routed into Sluice's logger. Connecting
 * happens in the background. 0 with *out set, or SLUICE_EINVAL / SLUICE_EKAFKA /
 * SLUICE_ENOMEM with a message in err and *out NULL. cfg is copied.
 */
int bus_producer_new(const bus_producer_config *cfg, bus_producer **out, char *err, size_t errlen);

/*
 * Queues one message for topic; key (may be NULL) and payload are copied.
 * Returns 0 once the message is in the in-flight list — its outcome then
 * arrives through on_delivery — with *seq (if non-NULL) set to its sequence
 * number (the first is 1). SLUICE_ETOOBIG when len exceeds max_message_bytes,
 * SLUICE_EAGAIN when the in-flight list stayed full for send_timeout_ms,
 * SLUICE_EINVAL for a NULL topic, SLUICE_ENOMEM, SLUICE_EINTERNAL when
 * signing failed; nothing is queued then.
 */
int bus_producer_send(bus_producer *p, const char *topic, const void *key, size_t keylen,
                      const void *payload, size_t len, uint64_t *seq);

/*
 * Sends one message and waits up to timeout_ms for its delivery report.
 * 0 when persisted; the failure code when it failed for good; SLUICE_ETIMEDOUT
 * when no report came in time (the message stays in flight and may still be
 * delivered) or the process was asked to stop (sluice_signal_stop_requested:
 * a stop never waits for an unreachable broker); the errors of bus_producer_send.
 */
int bus_producer_send_sync(bus_producer *p, const char *topic, const void *key, size_t keylen,
                           const void *payload, size_t len, int timeout_ms);

/*
 * Serves delivery reports for up to timeout_ms (0: only what is ready) and
 * recovers from a fatal error. 0, or SLUICE_EKAFKA when re-creating the
 * handle failed (messages stay in flight; the next call tries again).
 */
int bus_producer_poll(bus_producer *p, int timeout_ms);

/*
 * Waits up to timeout_ms until every in-flight message has its outcome.
 * 0 when all are persisted and none failed since the previous flush;
 * SLUICE_EKAFKA when at least one failed for good since then (each was
 * reported through on_delivery); SLUICE_ETIMEDOUT when some are still in
 * flight (they stay queued and keep being delivered or re-sent).
 */
int bus_producer_flush(bus_producer *p, int timeout_ms);

/*
 * The largest payload this producer publishes: the smaller of
 * max_message_bytes and librdkafka's message.max.bytes.
 */
size_t bus_producer_message_max(const bus_producer *p);

/*
 * True while the broker refuses this producer: authentication failed (wrong
 * SASL credentials, a TLS handshake refused) or a write or the producer id
 * was not authorized, and no message was persisted since. Safe to call from
 * any thread (a health endpoint's); the cause is logged when it happens.
 */
bool bus_producer_auth_failed(const bus_producer *p);

/* Messages whose outcome is not known yet. */
size_t bus_producer_in_flight(const bus_producer *p);

/* Copies the counters into stats. */
void bus_producer_get_stats(const bus_producer *p, bus_producer_stats *stats);

/*
 * Test hook: raises a fabricated fatal error in the librdkafka handle
 * (rd_kafka_test_fatal_error), which the producer handles like a real one on
 * its next call. 0, or SLUICE_EKAFKA when one is already pending.
 */
int bus_producer_inject_fatal(bus_producer *p, const char *reason);

/*
 * Flushes for up to close_timeout_ms, logs how many messages are still
 * unconfirmed (they are dropped; their on_delivery is not called), and
 * releases everything — without waiting for an unreachable broker, so a
 * service's shutdown stays bounded. Accepts NULL.
 */
void bus_producer_free(bus_producer *p);

#endif
